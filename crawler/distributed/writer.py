"""The writer: pops fetched pages from Redis in batches and ingests them into the SQLite archive.

One writer per archive (SQLite has one writer at a time). Each batch is claimed into the processing list,
ingested in one transaction through :meth:`archive.ingest.Ingestor.ingest_many`, and only then acknowledged, so
a writer that is killed or stopped loses nothing: the next one ingests the same batch again, which the ingest
path treats as an unchanged refetch.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from archive.ingest import IngestResult
from archive.page import Page
from crawler.distributed.pagequeue import BadPageEntry, PageQueue, decode_item, page_from_item

logger = logging.getLogger(__name__)

IngestBatch = Callable[[list[Page]], Sequence[IngestResult]]

DEFAULT_BATCH_SIZE = 100
# How long one blocking wait for pages lasts; also how quickly a stop request is noticed.
POLL_SECONDS = 1.0


def pages_for_item(item: dict[str, Any]) -> list[Page]:
    """The pages to ingest for one queued spider item."""
    return [page_from_item(item)]


@dataclass
class WriterStats:
    batches: int = 0
    pages: int = 0
    rejected: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    seconds_busy: float = 0.0

    def add(self, results: Sequence[IngestResult], seconds: float) -> None:
        self.batches += 1
        self.pages += len(results)
        self.statuses.update(r.status for r in results)
        self.seconds_busy += seconds

    def summary(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items())) or "nothing"
        rate = f", {self.pages / self.seconds_busy:.0f} pages/s while busy" if self.seconds_busy > 0 else ""
        rejected = f", {self.rejected} rejected entries" if self.rejected else ""
        return f"{self.pages} pages in {self.batches} batches ({counts}){rejected}{rate}"


class PageWriter:
    def __init__(
        self, queue: PageQueue, ingest_batch: IngestBatch, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch size must be at least 1")
        self.queue = queue
        self.ingest_batch = ingest_batch
        self.batch_size = batch_size
        self.stats = WriterStats()
        self.stop_event = threading.Event()

    def run(self, idle_exit: float | None = None) -> WriterStats:
        """Ingest until stopped (:meth:`stop`), or until the queue has been empty for ``idle_exit`` seconds."""
        idle_since = time.monotonic()
        while not self.stop_event.is_set():
            wait = POLL_SECONDS
            if idle_exit is not None:
                remaining = idle_exit - (time.monotonic() - idle_since)
                if remaining <= 0:
                    break
                wait = min(wait, remaining)
            if self.step(wait):
                idle_since = time.monotonic()
        return self.stats

    def stop(self) -> None:
        """Finish the current batch, then return from :meth:`run`."""
        self.stop_event.set()

    def step(self, wait: float) -> bool:
        """Claim, ingest and acknowledge one batch. False when no page came within ``wait`` seconds."""
        entries = self.queue.claim(self.batch_size, timeout=wait)
        if not entries:
            return False
        pages: list[Page] = []
        for entry in entries:
            try:
                pages.extend(pages_for_item(decode_item(entry)))
            except BadPageEntry as exc:
                logger.error("setting aside a queue entry that is not a page: %s", exc)
                self.queue.reject(entry)
                self.stats.rejected += 1
        started = time.monotonic()
        results = self.ingest_batch(pages) if pages else []
        # Only now is the batch durable in the archive: forget it in Redis.
        self.queue.ack()
        self.stats.add(results, time.monotonic() - started)
        return True
