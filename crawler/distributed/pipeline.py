"""The worker's only item pipeline: queue each fetched page in Redis for the writer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from archive.page import Page, normalize_headers
from crawler.distributed.keys import Keys
from crawler.distributed.pagequeue import PageQueue, connect


def page_from_item(item: Any) -> Page:
    """The :class:`Page` a spider yielded, as a Page or as a mapping with the same fields."""
    if isinstance(item, Page):
        return item
    if isinstance(item, Mapping) and "url" in item and "body" in item:
        fields: dict[str, Any] = {
            "url": str(item["url"]),
            "body": bytes(item["body"]),
            "status": int(item.get("status", 200)),
            "headers": normalize_headers(item.get("headers")),
            "final_url": item.get("final_url"),
        }
        fetched_at = item.get("fetched_at")
        if isinstance(fetched_at, datetime):
            fields["fetched_at"] = fetched_at
        elif isinstance(fetched_at, str):
            fields["fetched_at"] = datetime.fromisoformat(fetched_at)
        return Page(**fields)
    raise DropItem(f"not a page: {type(item).__name__}")


class RedisPagePipeline:
    def __init__(self, queue: PageQueue) -> None:
        self.queue = queue

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisPagePipeline:
        s = crawler.settings
        return cls(PageQueue(connect(s["NEWS_ARCHIVE_REDIS_URL"]), Keys(s["NEWS_ARCHIVE_REDIS_PREFIX"])))

    def process_item(self, item: Any) -> Any:
        # Synchronous on purpose: when this returns, the page is in Redis, and only then may the request
        # leave the in-flight record.
        self.queue.push(page_from_item(item))
        return item
