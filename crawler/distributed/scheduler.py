"""scrapy-redis's scheduler, with an in-flight record and start-URL seeding that suit several workers.

What scrapy-redis 0.9 gets right and we keep: the shared priority queue (a Redis sorted set of serialized
requests), the shared duplicate filter (:class:`scrapy_redis.dupefilter.RFPDupeFilter`, a Redis set of request
fingerprints) and ``SCHEDULER_PERSIST`` (queue and filter outlive a run, so a stopped crawl resumes).

What we change, and why (checked against Scrapy 2.19):

- ``RedisSpider`` is not used: it feeds start URLs through the removed ``start_requests`` machinery. The
  project's own spider runs unchanged; its start requests go through this scheduler like any other.
- Start requests are filtered even though Scrapy marks them ``dont_filter``: every worker is started with the
  same START_URLs, and only the first should fetch them.
- ``next_request`` never blocks: scrapy-redis's ``SCHEDULER_IDLE_BEFORE_CLOSE`` turns into a blocking Redis pop
  in the reactor thread, which would stall every download. Idle exit is done by :mod:`.idle` instead.
- Popping moves the request into the worker's in-flight hash atomically (:mod:`.inflight`).
- A crawl has an end: when a worker sees the frontier drained it deletes ``<prefix>:crawl``, and the next worker
  to start clears the filter and begins a new crawl (otherwise the persisted filter would refuse every start
  URL for ever). A crawl whose workers were stopped or killed is resumed as it was.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.utils.misc import load_object
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from crawler.distributed.inflight import META_KEY, InflightTracker
from crawler.distributed.keys import Keys
from crawler.distributed.settings import tracker_for

logger = logging.getLogger(__name__)


class DistributedScheduler(Scheduler):
    df: Any
    tracker: InflightTracker
    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DistributedScheduler:
        instance = super().from_crawler(crawler)
        instance.crawler = crawler
        instance.tracker = tracker_for(crawler)
        return instance

    def open(self, spider: Spider) -> None:
        # scrapy-redis's open(), minus its deprecated Spider.log() call.
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server,
            spider=spider,
            key=self.queue_key % {"spider": spider.name},
            serializer=self.serializer,
        )
        if not getattr(self, "df", None):
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        if self.flush_on_start:
            self.flush()
        if self.tracker.begin_or_join_crawl():
            # The previous crawl under this prefix ran to its end: forget what it saw, so this crawl fetches
            # the start pages and listings again (the archive's own dedup handles known articles).
            self.df.clear()
            logger.info("starting a new distributed crawl under %r", self.tracker.keys.prefix)
        else:
            logger.info("joining the distributed crawl under way (%d requests queued)", len(self.queue))
        self.tracker.register()
        recovered = self.tracker.requeue_dead_workers()
        if recovered:
            logger.info("resuming: %d requests of stopped workers are queued again", recovered)
        ttl = self.tracker.heartbeat_ttl
        self._heartbeat = task.LoopingCall(self.tracker.beat)
        self._heartbeat.start(max(0.2, ttl / 3), now=False)

    def close(self, reason: str) -> None:
        if getattr(self, "_heartbeat", None) is not None and self._heartbeat.running:
            self._heartbeat.stop()
        if reason in ("finished", "shutdown"):
            # The engine waited for every request it took: nothing in flight is unsettled.
            self.tracker.unregister()
        else:
            # Closed on an error (e.g. Redis refused pages): what is still in flight was not delivered. Leave
            # it; once the heartbeat expires another worker (or the next run) queues it again.
            logger.warning("closing on %r: %d requests left for other workers", reason, self.tracker.held())
        super().close(reason)

    def enqueue_request(self, request: Request) -> bool:
        parent = request.meta.get(META_KEY)
        if parent is None and request.meta.get("is_start_request") and request.dont_filter:
            # Every worker yields the same start URLs; fetch them once per crawl.
            request = request.replace(dont_filter=False)
        # scrapy-redis's own enqueue_request, minus the stats 'spider' argument Scrapy 2.19 deprecates.
        queued = not (not request.dont_filter and self.df.request_seen(request))
        if queued:
            self.queue.push(request)
            if self.stats:
                self.stats.inc_value("scheduler/enqueued/redis")
        else:
            self.df.log(request, self.spider)
        if parent and not self.tracker.scraping(parent):
            # A redirect or retry of an in-flight request, produced by the downloader middlewares (a request
            # yielded by a callback would have its parent in the scraping state): the successor is queued,
            # so the original is settled.
            self.tracker.done(parent)
        return queued

    def next_request(self) -> Request | None:
        popped = self.tracker.pop()
        if popped is None:
            return None
        rid, data = popped
        request: Request = self.queue._decode_request(data)
        request.meta[META_KEY] = rid
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        return len(self) > 0


def redis_keys_settings(keys: Keys) -> dict[str, Any]:
    """The scrapy-redis settings that put the queue and the duplicate filter under our prefix."""
    return {
        "SCHEDULER_QUEUE_KEY": keys.requests,
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
    }
