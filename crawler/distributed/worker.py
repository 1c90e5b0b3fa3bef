"""Run one distributed crawl worker: the project's spider, with the shared Redis frontier and page queue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.distributed.keys import DEFAULT_PREFIX
from crawler.distributed.settings import merge_component_settings, worker_settings

DEFAULT_SPIDER = "news"


@dataclass(frozen=True)
class WorkerOutcome:
    reason: str
    stats: dict[str, Any]
    errors: dict[str, int]

    @property
    def fetched(self) -> int:
        return int(self.stats.get("response_received_count", 0))

    @property
    def queued_pages(self) -> int:
        return int(self.stats.get("item_scraped_count", 0))


def build_settings(
    redis_url: str, prefix: str = DEFAULT_PREFIX, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """The project's settings, then the distributed ones, then the user's ``-s`` overrides."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(worker_settings(redis_url, prefix), priority="cmdline")
    merge_component_settings(settings)
    if overrides:
        settings.setdict(dict(overrides), priority="cmdline")
    return settings


def run_worker(
    redis_url: str,
    start_urls: Sequence[str],
    prefix: str = DEFAULT_PREFIX,
    overrides: Mapping[str, Any] | None = None,
    spider: Any = DEFAULT_SPIDER,
    spider_kwargs: Mapping[str, Any] | None = None,
) -> WorkerOutcome:
    """Crawl until the shared frontier has stayed empty for NEWS_ARCHIVE_IDLE_EXIT seconds."""
    settings = build_settings(redis_url, prefix, overrides)
    process = CrawlerProcess(settings)
    kwargs = dict(spider_kwargs or {})
    kwargs.setdefault("start_urls", list(start_urls))
    crawler = process.create_crawler(spider)
    process.crawl(crawler, **kwargs)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    errors = dict(getattr(crawler.spider, "errors", None) or {})
    return WorkerOutcome(reason=str(stats.get("finish_reason", "unknown")), stats=dict(stats), errors=errors)
