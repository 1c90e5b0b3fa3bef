"""The Scrapy settings of a distributed worker, and the per-crawler objects its components share."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from crawler.distributed.inflight import InflightTracker, new_worker_id
from crawler.distributed.keys import DEFAULT_PREFIX, Keys
from crawler.distributed.pagequeue import connect

# Seconds the shared frontier must stay empty (no queued request, no worker with one in flight) before a
# worker exits.
DEFAULT_IDLE_EXIT = 30.0
# A worker whose heartbeat is this old is taken for dead and its in-flight requests are queued again.
DEFAULT_WORKER_TTL = 30.0
# How often an idle worker looks at the shared queue (Scrapy's own engine heartbeat is 5 s).
DEFAULT_POLL_INTERVAL = 0.5

_PKG = "crawler.distributed"


def worker_settings(redis_url: str, prefix: str = DEFAULT_PREFIX) -> dict[str, Any]:
    """Settings that turn the project's crawl into a distributed worker (applied at 'cmdline' priority, so
    ``-s`` still overrides any of them)."""
    keys = Keys(prefix)
    return {
        "NEWS_ARCHIVE_REDIS_URL": redis_url,
        "NEWS_ARCHIVE_REDIS_PREFIX": prefix,
        "REDIS_URL": redis_url,
        "SCHEDULER": f"{_PKG}.scheduler.DistributedScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": keys.requests,
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,
        # Workers never open the archive: the only pipeline queues pages for the writer.
        "ITEM_PIPELINES": {f"{_PKG}.pipeline.RedisPagePipeline": 100},
        "NEWS_ARCHIVE_IDLE_EXIT": DEFAULT_IDLE_EXIT,
        "NEWS_ARCHIVE_WORKER_TTL": DEFAULT_WORKER_TTL,
        "NEWS_ARCHIVE_POLL_INTERVAL": DEFAULT_POLL_INTERVAL,
    }


def merge_component_settings(settings: Any) -> None:
    """Add the in-flight middlewares and the idle extension to whatever the project already configures."""
    for name, path, order in (
        ("SPIDER_MIDDLEWARES", f"{_PKG}.middlewares.InflightSpiderMiddleware", 1),
        ("DOWNLOADER_MIDDLEWARES", f"{_PKG}.middlewares.InflightDownloaderMiddleware", 1),
        ("EXTENSIONS", f"{_PKG}.idle.IdleExit", 0),
    ):
        current = dict(settings.getdict(name))
        current[path] = order
        settings.set(name, current, priority="cmdline")


def tracker_for(crawler: Crawler) -> InflightTracker:
    """The crawler's one :class:`InflightTracker`, made on first use (scheduler, middlewares and extension
    are built in an order Scrapy decides)."""
    tracker = getattr(crawler, "_news_archive_inflight", None)
    if tracker is None:
        s = crawler.settings
        tracker = InflightTracker(
            connect(s["NEWS_ARCHIVE_REDIS_URL"]),
            Keys(s.get("NEWS_ARCHIVE_REDIS_PREFIX") or DEFAULT_PREFIX),
            new_worker_id(),
            heartbeat_ttl=s.getfloat("NEWS_ARCHIVE_WORKER_TTL", DEFAULT_WORKER_TTL),
        )
        crawler._news_archive_inflight = tracker  # type: ignore[attr-defined]
    return tracker
