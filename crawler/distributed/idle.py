"""Keep a worker alive while the shared frontier has work, and close it once it has stayed empty.

A worker's engine goes idle whenever its own share is done, but other workers may still be fetching pages whose
links will fill the queue again, and a dead worker's requests come back only once its heartbeat expires. So on
``spider_idle`` this extension: settles this worker's leftovers (an idle engine holds nothing in flight), puts
dead workers' requests back, and keeps the spider open (``DontCloseSpider``) until the queue has been empty and
no other worker has held a request for ``NEWS_ARCHIVE_IDLE_EXIT`` seconds.

Scrapy polls an idle scheduler only every 5 s; a looping call nudges the engine every
``NEWS_ARCHIVE_POLL_INTERVAL`` so an idle worker picks up new requests promptly.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from twisted.internet import task

from crawler.distributed.inflight import InflightTracker
from crawler.distributed.settings import DEFAULT_IDLE_EXIT, DEFAULT_POLL_INTERVAL, tracker_for

logger = logging.getLogger(__name__)


class IdleExit:
    def __init__(self, crawler: Crawler, tracker: InflightTracker, idle_exit: float, poll: float) -> None:
        self.crawler = crawler
        self.tracker = tracker
        self.idle_exit = idle_exit
        self.poll = poll
        self.idle_since: float | None = None
        self._nudge: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IdleExit:
        s = crawler.settings
        ext = cls(
            crawler,
            tracker_for(crawler),
            s.getfloat("NEWS_ARCHIVE_IDLE_EXIT", DEFAULT_IDLE_EXIT),
            s.getfloat("NEWS_ARCHIVE_POLL_INTERVAL", DEFAULT_POLL_INTERVAL),
        )
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self._nudge = task.LoopingCall(self._wake_engine)
        self._nudge.start(self.poll, now=False)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._nudge is not None and self._nudge.running:
            self._nudge.stop()

    def _wake_engine(self) -> None:
        # The engine's own slot heartbeat; there is no public call for "look at the scheduler now".
        slot: Any = getattr(self.crawler.engine, "_slot", None)
        if slot is not None and slot.closing is None:
            slot.nextcall.schedule()

    def spider_idle(self, spider: Spider) -> None:
        self.tracker.forget_local_leftovers()
        self.tracker.requeue_dead_workers()
        scheduler = self.crawler.engine.scheduler if self.crawler.engine else None
        if (scheduler is not None and scheduler.has_pending_requests()) or self.tracker.others_busy():
            self.idle_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
            logger.info("shared queue empty; exiting if it stays so for %.0f s", self.idle_exit)
        if now - self.idle_since < self.idle_exit:
            raise DontCloseSpider
        logger.info("shared queue stayed empty for %.0f s: the crawl is complete; closing", self.idle_exit)
        self.tracker.finish_crawl()
