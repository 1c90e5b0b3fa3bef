"""The worker's only item pipeline: queue each fetched page in Redis for the writer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from archive.page import Page
from crawler.distributed.keys import Keys
from crawler.distributed.pagequeue import PageQueue, connect, page_fields


class RedisPagePipeline:
    def __init__(self, queue: PageQueue) -> None:
        self.queue = queue

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisPagePipeline:
        s = crawler.settings
        return cls(PageQueue(connect(s["NEWS_ARCHIVE_REDIS_URL"]), Keys(s["NEWS_ARCHIVE_REDIS_PREFIX"])))

    def process_item(self, item: Any) -> Any:
        # Synchronous on purpose: when this returns, the page is in Redis, and only then may the request
        # leave the in-flight record. The item travels whole (kind, parts of a multi-page article...), so
        # the writer hands the archive exactly what the single-process pipeline would.
        if isinstance(item, Page):
            self.queue.push_item(page_fields(item))
        elif isinstance(item, Mapping) and "url" in item and "body" in item:
            self.queue.push_item(item)
        else:
            raise DropItem(f"not a page: {type(item).__name__}")
        return item
