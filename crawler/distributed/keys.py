"""Every Redis key of one distributed crawl, under one prefix.

The prefix (``--prefix``, default ``news-archive``) lets several crawls, or tests, share one Redis database.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PREFIX = "news-archive"


@dataclass(frozen=True)
class Keys:
    prefix: str = DEFAULT_PREFIX

    @property
    def requests(self) -> str:
        """Sorted set: the shared request queue (scrapy-redis PriorityQueue layout)."""
        return f"{self.prefix}:requests"

    @property
    def dupefilter(self) -> str:
        """Set: fingerprints of every request ever scheduled (scrapy-redis RFPDupeFilter)."""
        return f"{self.prefix}:dupefilter"

    @property
    def pages(self) -> str:
        """List: fetched pages waiting for the writer (workers LPUSH, the writer moves from the right)."""
        return f"{self.prefix}:pages"

    @property
    def pages_processing(self) -> str:
        """List: the batch the writer is ingesting; emptied only after its transaction committed."""
        return f"{self.prefix}:pages:processing"

    @property
    def crawl(self) -> str:
        """String: present while a crawl is under way (set by its first worker, deleted when a worker sees
        the frontier drained); a worker that finds it absent starts a new crawl with an empty filter."""
        return f"{self.prefix}:crawl"

    @property
    def workers(self) -> str:
        """Set: ids of workers that may hold in-flight requests."""
        return f"{self.prefix}:workers"

    def inflight(self, worker_id: str) -> str:
        """Hash: request id -> "score\\n" + serialized request, for requests a worker is fetching."""
        return f"{self.prefix}:inflight:{worker_id}"

    def heartbeat(self, worker_id: str) -> str:
        """String with a TTL: present while the worker is alive."""
        return f"{self.prefix}:heartbeat:{worker_id}"

    def all_keys_pattern(self) -> str:
        return f"{self.prefix}:*"
