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
from datetime import UTC, datetime
from multiprocessing import get_all_start_methods, get_context
from typing import Any

from archive import fetch_state, runs
from archive.ingest import Ingestor, IngestResult, Outcome, default_extractor, run_extraction
from archive.page import Page
from archive.profiles import Profiles, load_profiles, with_profiles
from archive.profiles import stored_at as stored_profiles_at
from crawler.archive_writer import ARTICLE_STATUSES, to_page
from crawler.distributed.pagequeue import (
    DEFAULT_BATCH_SIZE,
    BadPageEntry,
    PageQueue,
    decode_item,
    page_from_item,
)

logger = logging.getLogger(__name__)

IngestBatch = Callable[[list[dict[str, Any]]], Sequence[IngestResult]]

# How long one blocking wait for pages lasts; also how quickly a stop request is noticed.
POLL_SECONDS = 1.0


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
        items: list[dict[str, Any]] = []
        for entry in entries:
            try:
                item = decode_item(entry)
                page_from_item(item)  # checks the fields now, so one bad entry cannot fail a batch later
                items.append(item)
            except BadPageEntry as exc:
                logger.error("setting aside a queue entry that is not a page: %s", exc)
                self.queue.reject(entry)
                self.stats.rejected += 1
        started = time.monotonic()
        results = self.ingest_batch(items) if items else []
        # Only now is the batch durable in the archive: forget it in Redis.
        self.queue.ack()
        self.stats.add(results, time.monotonic() - started)
        return True


class ArchiveSink:
    """Ingests queued spider items the way the single-process crawl's pipeline does.

    A multi-page article (an item with ``parts``) becomes one record: its first page is ingested with the
    archive's extractor with the site profiles applied (:class:`~archive.profiles.ProfileExtractor`: those
    of ``--profile``, which the archive then keeps, else the archive's stored ones), and the parts are
    stored as received. Articles get their revisit schedule in ``fetch_state``. The writer's session is one
    run in ``news-archive runs`` (kind ``writer``), and it holds the archive's lock, so a single-process
    crawl cannot write the same archive at the same time.
    """

    def __init__(
        self,
        db_path: str,
        profile: str | None = None,
        run_args: dict[str, Any] | None = None,
        jobs: int = 1,
    ) -> None:
        self.lock = runs.ArchiveLock(db_path).acquire()
        self._pool: Any = None
        self.jobs = max(1, jobs)
        try:
            profiles = load_profiles(profile) if profile else stored_profiles_at(db_path)
            self.extractor = with_profiles(default_extractor, profiles)
            if jobs > 1:
                # Extraction is most of a writer's time and needs no database: run it on several cores. The
                # pool is made before the archive is opened, so no child inherits the connection.
                ctx = get_context("fork") if "fork" in get_all_start_methods() else get_context()
                self._pool = ctx.Pool(jobs, initializer=_init_extract_process, initargs=(profiles,))
            self.ingestor = Ingestor.open(db_path, profiles=profiles if profile else None)
            runs.mark_abandoned(self.ingestor.db)
            self.counts = runs.RunCounts()
            self.run_id = runs.start_run(self.ingestor.db, "writer", run_args or {})
        except BaseException:
            self._stop_pool()
            self.lock.release()
            raise

    def __call__(self, items: list[dict[str, Any]]) -> list[IngestResult]:
        # A multi-page article is one Page with ``parts``: the ingest path stores and joins them.
        pages = [to_page(item) for item in items]
        if self._pool is None:
            results = self.ingestor.ingest_many(pages, run_id=self.run_id)
        else:
            # ingest_many's three steps, with the middle one in the pool: raw pages committed first, then
            # extracted in parallel, then applied in one transaction.
            ids = self.ingestor.store(pages, run_id=self.run_id)
            outcomes = self._pool.map(_extract_task, pages, chunksize=max(1, len(pages) // (4 * self.jobs)))
            results = self.ingestor.apply(list(zip(ids, pages, outcomes, strict=True)))
        articles: list[tuple[Page, str | None]] = []
        for page, result in zip(pages, results, strict=True):
            self.counts.pages_fetched += 1 + len(page.parts)
            self.counts.add_status(result.status)
            if result.status == "error":
                self.counts.errors["extract_error"] += 1
            if result.status in ARTICLE_STATUSES:
                articles.append((page, result.article_id))
        # The batch's articles' dates read in one statement, as the crawl's own writer does.
        states = fetch_state.articles_states(self.ingestor.conn, articles, datetime.now(UTC))
        fetch_state.save(self.ingestor.db, states)
        runs.update_run(self.ingestor.db, self.run_id, self.counts)
        return results

    def close(self, outcome: runs.Outcome) -> None:
        try:
            runs.finish_run(self.ingestor.db, self.run_id, self.counts, outcome)
        finally:
            self._stop_pool()
            self.ingestor.close()
            self.lock.release()

    def _stop_pool(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None


_process_extractor: Callable[[Page], Any] | None = None


def _init_extract_process(profiles: Profiles) -> None:
    global _process_extractor
    _process_extractor = with_profiles(default_extractor, profiles)


def _extract_task(page: Page) -> Outcome:
    ex = _process_extractor
    assert ex is not None
    return run_extraction(page, ex)
