"""The worker's only item pipeline: queue each fetched page in Redis for the writer."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import redis
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from archive.page import Page
from crawler.distributed.keys import Keys
from crawler.distributed.pagequeue import PageQueue, connect, page_fields

logger = logging.getLogger(__name__)


class RedisPagePipeline:
    def __init__(self, queue: PageQueue, crawler: Crawler | None = None) -> None:
        self.queue = queue
        self.crawler = crawler
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisPagePipeline:
        s = crawler.settings
        queue = PageQueue(connect(s["NEWS_ARCHIVE_REDIS_URL"]), Keys(s["NEWS_ARCHIVE_REDIS_PREFIX"]))
        return cls(queue, crawler)

    def process_item(self, item: Any) -> Any:
        # Synchronous on purpose: when this returns, the page is in Redis, and only then may the request
        # leave the in-flight record. The item travels whole (kind, parts of a multi-page article...), so
        # the writer hands the archive exactly what the single-process pipeline would.
        if isinstance(item, Page):
            fields: Mapping[str, Any] = page_fields(item)
        elif isinstance(item, Mapping) and "url" in item and "body" in item:
            fields = item
        else:
            raise DropItem(f"not a page: {type(item).__name__}")
        try:
            self.queue.push_item(fields)
        except redis.RedisError as exc:
            # Fetching on without anywhere to put the pages would only waste the sites' bandwidth: stop this
            # worker. The request stays in its in-flight record (an item_error does not settle it), so it is
            # fetched again once Redis is back.
            logger.error("cannot queue %s in Redis (%s): stopping this worker", fields.get("url"), exc)
            self._close("redis_error")
            raise
        return item

    def _close(self, reason: str) -> None:
        if self.closing or self.crawler is None or self.crawler.engine is None:
            return
        self.closing = True
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))
