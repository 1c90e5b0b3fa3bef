"""Requests a worker holds, recorded in Redis so that a killed worker's requests are fetched by someone else.

The life of a request in distributed mode:

1. It waits in the shared sorted set ``<prefix>:requests`` (scrapy-redis's PriorityQueue layout).
2. A worker pops it with one Lua script that also writes it into ``<prefix>:inflight:<worker>``: there is no
   instant at which the request is in neither place, so SIGKILL at any moment cannot lose it.
3. It leaves the in-flight hash only once its outcome is durable: its response's callback output has been
   consumed (the requests it yielded are in the shared queue) and each item it yielded has been through the
   pipelines (the page is in the Redis page list); or its redirect/retry successor has been queued; or its
   download failed for good.
4. Each worker refreshes ``<prefix>:heartbeat:<worker>`` (a key with a TTL). Any worker that finds a registered
   worker without a heartbeat moves that worker's in-flight requests back to the queue (one Lua script, so
   two workers cannot both do it) — at start-up, and while it waits for work.

So delivery is at-least-once: a page a killed worker had fetched but not yet queued is fetched again (that is
the only case of a second fetch), and the writer's ingest path is idempotent.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import UTC, datetime
from typing import Any

import redis

from crawler.distributed.keys import Keys

logger = logging.getLogger(__name__)

META_KEY = "news_archive_inflight"

# KEYS: queue, inflight hash. Returns {id, data} or nil. The score travels in the hash value.
_POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
local id = redis.sha1hex(r[1])
redis.call('HSET', KEYS[2], id, r[2] .. '\\n' .. r[1])
return {id, r[1]}
"""

# KEYS: workers set, heartbeat, inflight hash, queue. ARGV: worker id. Returns -1 if the worker is alive,
# else how many requests went back on the queue.
_REQUEUE_IF_DEAD = """
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
local values = redis.call('HVALS', KEYS[3])
for _, v in ipairs(values) do
  local nl = string.find(v, '\\n', 1, true)
  redis.call('ZADD', KEYS[4], tonumber(string.sub(v, 1, nl - 1)), string.sub(v, nl + 1))
end
redis.call('DEL', KEYS[3])
redis.call('SREM', KEYS[1], ARGV[1])
return #values
"""


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class InflightTracker:
    """One worker's in-flight record in Redis, and the bookkeeping that decides when a request is done."""

    def __init__(self, client: redis.Redis, keys: Keys, worker_id: str, heartbeat_ttl: float) -> None:
        self.client = client
        self.keys = keys
        self.worker_id = worker_id
        self.heartbeat_ttl = heartbeat_ttl
        self._pop = client.register_script(_POP)
        self._requeue = client.register_script(_REQUEUE_IF_DEAD)
        self._inflight_key = keys.inflight(worker_id)
        # Local state: ids whose response is being scraped, and how many of their items are still in the
        # pipelines; ids whose output has been fully consumed. A request is done when both are settled.
        self._scraping: set[str] = set()
        self._pending_items: dict[str, int] = {}
        self._item_owner: dict[int, str] = {}

    # -- liveness ---------------------------------------------------------------------------------------
    def register(self) -> None:
        self.beat()
        self.client.sadd(self.keys.workers, self.worker_id)

    def beat(self) -> None:
        self.client.set(self.keys.heartbeat(self.worker_id), b"1", px=int(self.heartbeat_ttl * 1000))

    def unregister(self) -> None:
        """Clean shutdown: the engine has finished every request it took, so nothing here needs requeueing."""
        pipe = self.client.pipeline(transaction=True)
        pipe.delete(self._inflight_key)
        pipe.srem(self.keys.workers, self.worker_id)
        pipe.delete(self.keys.heartbeat(self.worker_id))
        pipe.execute()

    def begin_or_join_crawl(self) -> bool:
        """True when this worker starts a new crawl (none under way), False when it joins or resumes one.

        A crawl ends only when a worker saw the shared frontier drained (:meth:`finish_crawl`); a crawl whose
        workers were all stopped or killed is resumed by the next worker, queue, filter and all.
        """
        started = f"{datetime.now(UTC).isoformat(timespec='seconds')} {self.worker_id}"
        return bool(self.client.set(self.keys.crawl, started.encode(), nx=True))

    def finish_crawl(self) -> None:
        self.client.delete(self.keys.crawl)

    def held(self) -> int:
        try:
            return int(self.client.hlen(self._inflight_key))
        except redis.RedisError:
            return -1

    def requeue_dead_workers(self) -> int:
        """Put the in-flight requests of every worker whose heartbeat expired back on the queue."""
        moved = 0
        for raw in self.client.smembers(self.keys.workers):
            other = raw.decode() if isinstance(raw, bytes) else str(raw)
            if other == self.worker_id:
                continue
            keys = [
                self.keys.workers,
                self.keys.heartbeat(other),
                self.keys.inflight(other),
                self.keys.requests,
            ]
            n = int(self._requeue(keys=keys, args=[other]))
            if n > 0:
                logger.warning("worker %s is gone: %d of its requests are back on the queue", other, n)
                moved += n
        return moved

    def others_busy(self) -> bool:
        """Whether another worker holds in-flight requests (which may still add requests to the queue)."""
        pipe = self.client.pipeline(transaction=False)
        members = [
            m.decode() if isinstance(m, bytes) else str(m) for m in self.client.smembers(self.keys.workers)
        ]
        others = [m for m in members if m != self.worker_id]
        for other in others:
            pipe.hlen(self.keys.inflight(other))
        return any(int(n) > 0 for n in pipe.execute())

    # -- the request's life -------------------------------------------------------------------------------
    def pop(self) -> tuple[str, bytes] | None:
        """Atomically take the best request off the shared queue into this worker's in-flight hash."""
        result = self._pop(keys=[self.keys.requests, self._inflight_key])
        if not result:
            return None
        rid, data = result
        return (rid.decode() if isinstance(rid, bytes) else str(rid)), data

    def done(self, rid: str | None) -> None:
        if rid:
            self._scraping.discard(rid)
            self._pending_items.pop(rid, None)
            self.client.hdel(self._inflight_key, rid)

    def forget_local_leftovers(self) -> None:
        """Called when the engine is idle: whatever this worker still lists was settled without a signal we
        track (e.g. a request dropped by a middleware), since nothing is in progress any more."""
        self._scraping.clear()
        self._pending_items.clear()
        self._item_owner.clear()
        self.client.delete(self._inflight_key)

    def scraping(self, rid: str | None) -> bool:
        return rid is not None and rid in self._scraping

    def start_scrape(self, rid: str | None) -> None:
        if rid:
            self._scraping.add(rid)
            self._pending_items[rid] = 0

    def item_started(self, rid: str | None, item: Any) -> None:
        if rid and rid in self._pending_items:
            self._pending_items[rid] += 1
            self._item_owner[id(item)] = rid

    def item_finished(self, item: Any) -> None:
        rid = self._item_owner.pop(id(item), None)
        if rid is None or rid not in self._pending_items:
            return
        self._pending_items[rid] -= 1
        if self._pending_items[rid] <= 0 and rid not in self._scraping:
            self.done(rid)

    def output_finished(self, rid: str | None) -> None:
        """The callback's output has been consumed; done now, or when its last item leaves the pipelines."""
        if not rid:
            return
        self._scraping.discard(rid)
        if self._pending_items.get(rid, 0) <= 0:
            self.done(rid)
