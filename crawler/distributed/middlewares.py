"""Middlewares that tell the in-flight record when a request's outcome is durable (see :mod:`.inflight`).

Both sit at order 1, the edge nearest the engine: the spider middleware sees a response before any other
spider middleware and the callback's output after all of them; the downloader middleware sees only the
download errors no other middleware (retry, robots) turned into a new request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.distributed.inflight import META_KEY, InflightTracker
from crawler.distributed.settings import tracker_for


def _rid(response: Response | None) -> str | None:
    request = getattr(response, "request", None) if response is not None else None
    return request.meta.get(META_KEY) if request is not None else None


class InflightSpiderMiddleware:
    def __init__(self, tracker: InflightTracker) -> None:
        self.tracker = tracker

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> InflightSpiderMiddleware:
        mw = cls(tracker_for(crawler))
        # An item is settled once the pipelines are through with it: queued, or dropped on purpose. An
        # item_error (Redis refused the page) leaves its request in flight, to be fetched again.
        for signal in (signals.item_scraped, signals.item_dropped):
            crawler.signals.connect(mw.item_settled, signal=signal)
        return mw

    def item_settled(self, item: Any, **kwargs: Any) -> None:
        self.tracker.item_finished(item)

    def process_spider_input(self, response: Response) -> None:
        self.tracker.start_scrape(_rid(response))

    def _note(self, rid: str | None, element: Any) -> None:
        if element is not None and not isinstance(element, Request):
            self.tracker.item_started(rid, element)

    def process_spider_output(self, response: Response | None, result: Iterable[Any]) -> Iterable[Any]:
        rid = _rid(response)
        try:
            for element in result:
                self._note(rid, element)
                yield element
        finally:
            self.tracker.output_finished(rid)

    async def process_spider_output_async(
        self, response: Response | None, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        rid = _rid(response)
        try:
            async for element in result:
                self._note(rid, element)
                yield element
        finally:
            self.tracker.output_finished(rid)

    def process_spider_exception(self, response: Response, exception: Exception) -> None:
        # The callback (or an input middleware) failed and no middleware recovered: nothing more will come.
        self.tracker.output_finished(_rid(response))


class InflightDownloaderMiddleware:
    def __init__(self, tracker: InflightTracker) -> None:
        self.tracker = tracker

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> InflightDownloaderMiddleware:
        return cls(tracker_for(crawler))

    def process_exception(self, request: Request, exception: BaseException) -> None:
        # Failed for good (retries exhausted, or refused by robots.txt): fetching it again after a crash would
        # fail the same way, so it is settled. An errback still runs; its output is not tracked.
        self.tracker.done(request.meta.get(META_KEY))
