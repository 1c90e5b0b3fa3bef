"""The item pipeline: every fetched page goes to the archive's one ingest path, in small batches.

One writer: a single worker thread owns the archive connection (the Ingestor) and does all of its writing
(ingest, fetch state, the run record), one batch at a time, while the reactor goes on downloading. A batch
is written when it holds ``NEWS_ARCHIVE_BATCH_SIZE`` pages or is ``NEWS_ARCHIVE_BATCH_SECONDS`` old, or, while
another is being written, as soon as that one is committed. A page's item never waits for the writer: when
``NEWS_ARCHIVE_MAX_WAITING`` pages wait (twice the batch size by default), the engine pauses new downloads
until the writer takes them. So a killed run loses at most the batch in flight and the pages waiting, and
what it lost is not in the archive, hence fetched next run.

The run record is opened when the spider opens, its figures rewritten after each batch, and it is closed
with an outcome when the spider closes (``crawler.run`` reads :attr:`ArchivePipeline.report`).

Multi-page articles: an item with ``parts`` becomes one :class:`~archive.page.Page` with its later pages in
``parts``, handed to the Ingestor like any page. The archive stores every part as received, linked to the
first, and makes one record of them (the same record a WARC import or a reparse makes).
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.misc import load_object
from twisted.internet import defer, task, threads
from twisted.python.threadpool import ThreadPool

from archive import fetch_state, runs
from archive.article import Article
from archive.errors import ArchiveLocked
from archive.fetch_state import FetchState
from archive.ingest import Ingestor, IngestResult, Outcome, run_extraction
from archive.page import Page, normalize_headers
from archive.runs import RunCounts
from archive.urls import site_of
from crawler.profiles import ProfileExtractor, Profiles, load_profiles
from crawler.profiles import in_site_zone as in_site_zone  # re-exported: where the crawl's callers find it

logger = logging.getLogger(__name__)

ARTICLE_STATUSES = ("new", "updated", "unchanged", "duplicate")
# Pages that may wait while the writer starts, as a multiple of NEWS_ARCHIVE_MAX_WAITING.
OPENING_WAITING_FACTOR = 4


@dataclass
class RunReport:
    """How a crawl run went: what ``news-archive crawl`` prints and turns into its exit status."""

    run_id: int | None = None
    db_path: str = ""
    outcome: str = "failed"
    counts: RunCounts = field(default_factory=RunCounts)
    finish_reason: str | None = None
    started_at: str | None = None
    ended_at: str | None = None
    error: str | None = None
    # Pages the crawl's process extracted while the writer process was busy (the writer did the rest).
    extracted_in_crawl: int = 0

    @property
    def exit_code(self) -> int:
        return runs.EXIT_CODES.get(self.outcome, 1)

    def summary(self) -> str:
        c = self.counts
        errors = ", ".join(f"{k} {v}" for k, v in sorted(c.errors.items())) or "none"
        return (
            f"run {self.run_id}: {self.outcome}; pages fetched {c.pages_fetched}, not modified {c.not_modified};"
            f" articles new {c.new}, updated {c.updated}, unchanged {c.unchanged}, duplicate {c.duplicate};"
            f" archived articles skipped {c.known_skipped}; errors: {errors}"
        )


def to_page(item: Any, extra_headers: tuple[tuple[str, str], ...] = ()) -> Page:
    if isinstance(item, Page):
        return item
    fetched = item.get("fetched_at")
    return Page(
        url=str(item["url"]),
        body=bytes(item["body"]),
        status=int(item.get("status", 200)),
        headers=normalize_headers(item.get("headers")) + extra_headers,
        final_url=item.get("final_url"),
        fetched_at=fetched if isinstance(fetched, datetime) else datetime.now(UTC),
        parts=tuple(to_page(p) for p in item.get("parts") or ()),
    )


# The archive's extractor with site profiles applied (archive/profiles.py); the name the crawl always used.
SiteAwareExtractor = ProfileExtractor


def extract_all(pages: list[Page], extractor: Callable[[Page], Article]) -> list[Outcome]:
    """Extract a batch (in the extraction helper process)."""
    return [run_extraction(page, extractor) for page in pages]


def tune_gc() -> None:
    """Garbage collection for a long crawl (process-wide; the crawl's process is the crawl's own).

    Scrapy makes and drops many container objects per page (requests, deferreds, coroutines), so Python's
    collector ran every 700 allocations and, every so often, walked every object of the process, the
    ~50,000 made at start-up (modules, Scrapy, lxml) included: 0.2-0.3 ms of CPU per page of a fast crawl.
    The objects made so far are frozen (never walked again; they live as long as the process anyway), and
    the young generation is collected every 10,000 allocations instead. Reference counting still frees
    almost everything at once; only reference cycles wait a little longer.
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(10_000, middle, old)


class ArchivePipeline:
    def __init__(self, crawler: Any):
        s = crawler.settings
        self.crawler = crawler
        self.db_path: str = s.get("NEWS_ARCHIVE_DB") or ""
        if not self.db_path:
            raise NotConfigured("NEWS_ARCHIVE_DB is not set")
        self.batch_size = max(1, s.getint("NEWS_ARCHIVE_BATCH_SIZE", 25))
        self.batch_seconds = s.getfloat("NEWS_ARCHIVE_BATCH_SECONDS", 2.0)
        self.max_error_ratio = s.getfloat("NEWS_ARCHIVE_MAX_ERROR_RATIO", runs.DEFAULT_MAX_ERROR_RATIO)
        self.lock_held = s.getbool("NEWS_ARCHIVE_LOCK_HELD", False)
        self.run_args: dict[str, Any] = s.getdict("NEWS_ARCHIVE_RUN_ARGS") or {}
        extractor = s.get("NEWS_ARCHIVE_EXTRACTOR")
        self.base_extractor: Callable[[Page], Article] | None = load_object(extractor) if extractor else None
        profile = s.get("NEWS_ARCHIVE_PROFILE")
        self.profiles = load_profiles(profile) if profile else Profiles()
        self.counts = RunCounts()
        self.ingest_errors: Counter[str] = Counter()
        self.report = RunReport(db_path=self.db_path, counts=self.counts)
        self._buffer: list[dict[str, Any]] = []
        self._buffer_since = time.monotonic()
        # Back-pressure: at this many pages waiting for the writer, the engine stops starting downloads until
        # the writer takes them (pausing beats making every page's item wait: thousands of waiting coroutines
        # made the crawl's garbage collector the crawl's largest cost).
        self.max_waiting = max(2 * self.batch_size, s.getint("NEWS_ARCHIVE_MAX_WAITING", 0))
        self._paused = False
        self._opening = False  # the writer is starting (open_spider to _open_writer)
        # Extraction shared with the crawl's process: while the writer process writes one batch, the crawl's
        # process extracts the pages of the next (one per reactor turn, between downloads), and the writer
        # extracts only what it was not sent extracted. Each process then does what the other has no time
        # for. With both processes busy each one's CPU per page grows, so it pays only while the machine has
        # the second core to spare (docs/benchmarks.md, ## Crawl); it is a fast crawl's default.
        self.share_extraction = s.getbool("NEWS_ARCHIVE_SHARE_EXTRACTION", True)
        self.tune_gc = s.getbool("NEWS_ARCHIVE_TUNE_GC", True)
        self._outcomes: list[Outcome | None] = []  # beside _buffer: what the crawl's process extracted
        self._local_extractor: Callable[[Page], Article] | None = None
        self._local_profiles: Profiles | None = None  # what _local_extractor applies
        self._next_local = 0  # the index in _buffer of the next page to extract here
        self._sharing = False  # an extraction is scheduled on the reactor
        self._flush_lock = defer.DeferredLock()  # held while a batch is being written
        self._pool = ThreadPool(minthreads=1, maxthreads=1, name="archive-writer")
        self._ingestor: Ingestor | None = None
        self.extract_processes = s.getint("NEWS_ARCHIVE_EXTRACT_PROCESSES", 0)
        # The writer's work in a child process (crawler/writer_process.py), off the crawl's interpreter.
        self.writer_process = s.getbool("NEWS_ARCHIVE_WRITER_PROCESS", True)
        self._writer_settings = {k: v for k, v in s.items() if k.startswith("NEWS_ARCHIVE_")}
        self._remote: Any = None
        self._extract_pool: ProcessPoolExecutor | None = None
        self._in_extraction: tuple[Any, ...] | None = None
        self._extractor: Callable[[Page], Article] | None = None
        self._lock: runs.ArchiveLock | None = None
        self._timer: task.LoopingCall | None = None
        self._had_articles = False
        self._failed: str | None = None
        self._refused: str | None = None  # 'locked': the archive's lock is another run's
        self._write_lock = threading.Lock()
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.news_archive_pipeline = self

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivePipeline:
        return cls(crawler)

    # -- writer-thread work ---------------------------------------------------------------------------

    def _open(self) -> Profiles:
        """Open the archive and the run record; return the site profiles extraction applies (the ones given,
        else the archive's own), for the crawl's process to extract the same way."""
        if not self.lock_held:
            self._lock = runs.ArchiveLock(self.db_path).acquire()
        base = self.base_extractor
        if base is None:
            from archive.ingest import default_extractor

            base = default_extractor
        spider = self.crawler.spider
        if (
            getattr(spider, "profiles", None) is not None
            and spider.profiles.sites
            and not self.profiles.sites
        ):
            self.profiles = spider.profiles
        if self.extract_processes > 0:
            # spawn, not fork: this process runs threads (the reactor's, this one).
            self._extract_pool = ProcessPoolExecutor(self.extract_processes, mp_context=get_context("spawn"))
        # The Ingestor applies the profiles (and keeps them in the archive); without any, the archive's own.
        self._ingestor = Ingestor.open(
            self.db_path, extractor=base, profiles=self.profiles if self.profiles.sites else None
        )
        self._extractor = self._ingestor.extractor
        db = self._ingestor.db
        runs.mark_abandoned(db)
        hosts = [site_of(u) for u in getattr(spider, "start_urls", [])]
        self._had_articles = runs.site_has_articles(db, hosts)
        args = {"start_urls": list(getattr(spider, "start_urls", [])), **self.run_args}
        self.report.run_id = runs.start_run(db, "crawl", args)
        self.report.started_at = datetime.now(UTC).isoformat(timespec="seconds")
        return self._ingestor.profiles

    def _prepare(
        self, items: list[dict[str, Any]]
    ) -> tuple[list[Page], list[dict[str, Any]], Callable[[Page], Article]]:
        """The pages of a batch (a multi-page article is one Page with ``parts``), the items they came from,
        and the extractor."""
        assert self._extractor is not None
        return [to_page(item) for item in items], items, self._extractor

    def _write(
        self,
        items: list[dict[str, Any]],
        states: list[FetchState],
        outcomes: list[Outcome | None] | None = None,
    ) -> list[FetchState]:
        """Ingest one batch, save fetch states, update the run's figures. Returns listing states for the
        spider (pages the archive found to be listings).

        ``outcomes``: what the crawl's process extracted already (None for a page it did not): the batch is
        stored, the rest extracted here, and all applied, as ``Ingestor.ingest_many`` does.

        With extraction helper processes, the batch is stored and its extraction started, and the batch
        before it (extracted meanwhile) is applied: extraction runs beside the writing and the crawl."""
        assert self._ingestor is not None
        ing = self._ingestor
        pages, owners, ex = self._prepare(items)
        if self._extract_pool is None:
            ing.extractor = ex
            results = ing.ingest_many(pages, run_id=self.report.run_id, extracted=outcomes) if pages else []
            return self._record(pages, owners, results, states)
        ids = ing.store(pages, self.report.run_id) if pages else []
        future = self._extract_pool.submit(extract_all, pages, ex) if pages else None
        previous, self._in_extraction = self._in_extraction, (pages, owners, ids, future, states)
        return self._apply_extracted(previous) if previous else []

    def _apply_extracted(self, batch: tuple[Any, ...]) -> list[FetchState]:
        assert self._ingestor is not None
        pages, owners, ids, future, states = batch
        outcomes = future.result() if future is not None else []
        results = self._ingestor.apply(list(zip(ids, pages, outcomes, strict=True))) if pages else []
        return self._record(pages, owners, results, states)

    def _drain(self) -> list[FetchState]:
        """Apply the batch still being extracted (at the end of the run)."""
        batch, self._in_extraction = self._in_extraction, None
        return self._apply_extracted(batch) if batch else []

    def _record(
        self,
        pages: list[Page],
        owners: list[dict[str, Any]],
        results: list[IngestResult],
        states: list[FetchState],
    ) -> list[FetchState]:
        assert self._ingestor is not None
        ing = self._ingestor
        listing_states: list[FetchState] = []
        now = datetime.now(UTC)
        new_states: list[FetchState] = list(states)
        for page, result in zip(pages, results, strict=True):
            self.counts.add_status(result.status)
            if result.status == "error":
                self.ingest_errors["extract_error"] += 1
                logger.warning("%s: extraction failed: %s", page.url, result.error)
            if result.status in ARTICLE_STATUSES:
                # A multi-page article's parts are revisited with it.
                new_states += fetch_state.article_states(ing.conn, page, result.article_id, now)
            elif result.status == "listing":
                etag, lm = page.header("ETag"), page.header("Last-Modified")
                listing_states.append(FetchState(page.url, "listing", etag, lm, fetch_state.iso(now)))
            elif result.status in ("other", "skipped"):
                etag, lm = page.header("ETag"), page.header("Last-Modified")
                new_states.append(FetchState(page.url, "other", etag, lm, fetch_state.iso(now)))
        fetch_state.save(ing.db, new_states)
        runs.update_run(ing.db, self.report.run_id or 0, self.counts)
        return listing_states

    def _close(self, outcome: runs.Outcome, final_states: list[FetchState]) -> None:
        if self._ingestor is None:
            return
        try:
            fetch_state.save(self._ingestor.db, final_states)
            assert self.report.run_id is not None
            runs.finish_run(self._ingestor.db, self.report.run_id, self.counts, outcome)
        finally:
            if self._extract_pool is not None:
                self._extract_pool.shutdown(cancel_futures=True)
            self._ingestor.close()
            self._ingestor = None
            if self._lock is not None:
                self._lock.release()

    # -- reactor side ---------------------------------------------------------------------------------

    def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        from twisted.internet import reactor

        if self._remote is not None:  # the same method, run by the writer process's pipeline
            args = (self, fn.__name__, *args)
            fn = self._remote.call
        return maybe_deferred_to_future(threads.deferToThreadPool(reactor, self._pool, fn, *args))

    async def open_spider(self) -> None:
        """Start the writer and return at once: downloads begin while the writer starts and opens the archive
        (in a process of its own that takes about a second to import its code, against which a fast crawl's
        whole run is a few seconds), and the first batch is written when it is open."""
        if self.tune_gc:
            tune_gc()
        if not self.lock_held:
            # Taken here, before anything is fetched: a run refused for the lock fetches nothing.
            try:
                self._lock = runs.ArchiveLock(self.db_path).acquire()
            except ArchiveLocked as exc:
                # Another run holds the archive (plain `scrapy crawl` or Scrapyd, which take no lock first):
                # one line and a clean close with reason 'locked', not a traceback.
                self.report.error = str(exc)
                logger.error("%s", exc)
                self._failed = self._refused = "locked"
                from scrapy.utils.defer import deferred_from_coro

                deferred_from_coro(self.crawler.engine.close_spider_async(reason="locked"))
                return
            self.lock_held = True  # the writer (this process's thread or the writer process) opens under it
            self._writer_settings["NEWS_ARCHIVE_LOCK_HELD"] = True
        self._pool.start()
        if self.writer_process:
            from crawler.writer_process import RemoteWriter

            self._remote = RemoteWriter(self._writer_settings, self.crawler.spider)
        # The write lock is held until the archive is open, so every write waits for it.
        await maybe_deferred_to_future(self._flush_lock.acquire())
        self._opening = True
        if self._shares_extraction():
            # Pages fetched while the writer starts are extracted here meanwhile, with the profiles the
            # archive will apply (checked once it is open).
            profiles = self._profiles_before_open()
            if profiles is not None:
                self._local_extractor = self._extractor_with(profiles)
                self._local_profiles = profiles
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(self._open_writer())
        self._timer = task.LoopingCall(self._tick)
        self._timer.start(max(self.batch_seconds / 2, 0.1), now=False)

    async def _open_writer(self) -> None:
        """Open the archive in the writer (holding the write lock, taken by open_spider)."""
        try:
            profiles = await self._call(self._open)
        except Exception as exc:
            if self._remote is not None:  # nothing was opened: the close runs here, as a no-op
                self._remote.stop()
                self._remote = None
            self.report.error = str(exc)
            self._failed = f"{type(exc).__name__}: {exc}"
            logger.error("archive could not be opened: %s", exc)
            self._resume(force=True)
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_error"))
            return
        finally:
            self._opening = False
            self._flush_lock.release()
        if self._shares_extraction() and profiles != self._local_profiles:
            # Not the profiles extracted with so far (the archive's stored ones changed meanwhile): what was
            # extracted here is extracted again by the writer.
            self._outcomes = [None] * len(self._outcomes)
            self.report.extracted_in_crawl = 0
            self._local_extractor = self._extractor_with(profiles)
            self._local_profiles = profiles
        if len(self._buffer) >= self.batch_size:
            self._start_flush()
        else:
            self._share()

    def _shares_extraction(self) -> bool:
        return self._remote is not None and self.share_extraction and self.extract_processes == 0

    def _extractor_with(self, profiles: Profiles) -> Callable[[Page], Article]:
        from archive.ingest import default_extractor
        from archive.profiles import with_profiles

        extractor: Callable[[Page], Article] = with_profiles(
            self.base_extractor or default_extractor, profiles
        )
        return extractor

    def _profiles_before_open(self) -> Profiles | None:
        """The profiles the writer's ``_open`` will settle on: the ones given, else the archive's stored ones
        (read here, read-only); None when they cannot be known before it opens."""
        spider_profiles = getattr(self.crawler.spider, "profiles", None)
        if self.profiles.sites:
            return self.profiles
        if spider_profiles is not None and spider_profiles.sites:
            return spider_profiles  # type: ignore[no-any-return]
        from pathlib import Path

        if not Path(self.db_path).exists():
            return Profiles()
        try:
            from archive.db import connect
            from archive.profiles import stored

            conn = connect(self.db_path, readonly=True)
            try:
                return stored(conn)
            finally:
                conn.close()
        except Exception:  # unreadable here: the writer's open reports it; extraction waits for that
            return None

    def _tick(self) -> None:
        if self._buffer and time.monotonic() - self._buffer_since >= self.batch_seconds:
            self._start_flush()

    def process_item(self, item: Any) -> Any:
        """Queue the page for the writer and return at once: a full batch starts a write in the background
        (or waits for the one being written), and too many waiting pages pause the downloads."""
        if self._failed:
            return item
        if isinstance(item, Page):
            item = {**item.__dict__}
        if not self._buffer:
            self._buffer_since = time.monotonic()
        self._buffer.append(item)
        self._outcomes.append(None)
        if len(self._buffer) >= self.batch_size:
            self._start_flush()
        if len(self._buffer) >= self._waiting_limit():
            self._hold_back()
        self._share()
        # What Scrapy logs and counts as the scraped item: not the page's bytes.
        return {"url": item.get("url"), "kind": item.get("kind"), "parts": len(item.get("parts") or [])}

    def _start_flush(self) -> None:
        """Write the buffer in the background, unless a batch is being written: that write's loop takes the
        buffer next."""
        if not self._flush_lock.locked and not self._failed:
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(self._flush())

    async def _flush(self) -> None:
        # One batch in flight at a time. What gathers meanwhile is the next batch: taken as soon as the
        # write is done if it is full already (else by the timer, or the run's close, which waits here).
        await maybe_deferred_to_future(self._flush_lock.acquire())
        try:
            while not self._failed and (self._buffer or self._spider_states()):
                batch, self._buffer = self._buffer, []
                outcomes, self._outcomes = self._outcomes, []
                self._next_local = 0
                self._resume()
                states = self._take_states()
                self._sync_counts()
                shared = outcomes if any(o is not None for o in outcomes) else None
                pending = self._call(self._write, batch, states, shared)
                self._share()  # the next batch's pages, while this one is written
                try:
                    listing_states = await pending
                except Exception as exc:  # the archive cannot be written: stop the crawl, report it
                    self._failed = f"{type(exc).__name__}: {exc}"
                    logger.error("archive write failed: %s", self._failed)
                    self._resume(force=True)
                    from scrapy.utils.defer import deferred_from_coro

                    deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_error"))
                    return
                spider = self.crawler.spider
                for state in listing_states:
                    if hasattr(spider, "note_listing"):
                        spider.note_listing(state)
                if len(self._buffer) < self.batch_size:
                    break
        finally:
            self._flush_lock.release()

    # -- back-pressure and shared extraction (reactor side) ---------------------------------------------

    def _hold_back(self) -> None:
        """Stop starting downloads: the writer is behind (downloads in flight still finish and queue)."""
        engine = self.crawler.engine
        if not self._paused and engine is not None:
            engine.pause()
            self._paused = True
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("news_archive/download_pauses")

    def _waiting_limit(self) -> int:
        # While the writer starts, the crawl goes on further: the pages it fetches meanwhile are work the
        # writer finds ready, where pausing at once would leave both processes idle for most of a second.
        return OPENING_WAITING_FACTOR * self.max_waiting if self._opening else self.max_waiting

    def _resume(self, force: bool = False) -> None:
        if self._paused and (force or len(self._buffer) < self._waiting_limit()):
            engine = self.crawler.engine
            engine.unpause()
            self._paused = False
            # Scrapy looks for the next request on its next event, or on its 5 s heartbeat: ask it now.
            nextcall = getattr(getattr(engine, "_slot", None), "nextcall", None)
            if nextcall is not None:
                nextcall.schedule()

    def _share(self) -> None:
        """Extract the next waiting page in this process on a later reactor turn, while the writer writes."""
        if self._local_extractor is None or self._sharing:
            return
        if self._flush_lock.locked and self._next_local < len(self._buffer):
            from twisted.internet import reactor

            self._sharing = True
            reactor.callLater(0, self._extract_next)

    def _extract_next(self) -> None:
        self._sharing = False
        i = self._next_local
        if self._local_extractor is None or not self._flush_lock.locked or i >= len(self._buffer):
            return  # the writer is idle (it extracts what it is sent), or nothing waits
        self._outcomes[i] = run_extraction(to_page(self._buffer[i]), self._local_extractor)
        self._next_local = i + 1
        self.report.extracted_in_crawl += 1
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("news_archive/extracted_in_crawl")
        self._share()

    def _sync_counts(self) -> None:
        """The spider's figures (every page it fetched, 304s, skips, failures) into the run's counts."""
        spider, c = self.crawler.spider, self.counts
        c.pages_fetched = getattr(spider, "pages_fetched", 0)
        c.not_modified = getattr(spider, "not_modified", 0)
        c.known_skipped = getattr(spider, "known_skipped", 0)
        errors = type(c.errors)(getattr(spider, "errors", {}))
        errors.update(self.ingest_errors)
        c.errors = errors

    def _spider_states(self) -> bool:
        return bool(getattr(self.crawler.spider, "_fetched_states", None))

    def _take_states(self) -> list[FetchState]:
        take = getattr(self.crawler.spider, "take_fetch_states", None)
        return list(take()) if take else []

    async def close_spider(self) -> None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        await self._flush()  # also waits for a batch being written
        extracting = self._extract_pool is not None or (
            self._remote is not None and self.extract_processes > 0
        )
        if extracting and not self._failed:
            await maybe_deferred_to_future(self._flush_lock.acquire())
            try:
                listing_states = await self._call(self._drain)
            finally:
                self._flush_lock.release()
            for state in listing_states:
                self.crawler.spider.note_listing(state) if hasattr(
                    self.crawler.spider, "note_listing"
                ) else None

    async def spider_closed(self, spider: Any, reason: str) -> None:
        """The run's end: its figures, outcome and (for a completed run) the listings' validators."""
        if self._refused:  # nothing was opened, nothing to record: the archive belongs to another run
            self.report.finish_reason = reason
            self._pool.stop()
            return
        c = self.counts
        self._sync_counts()
        self.report.finish_reason = reason
        completed = reason == "finished"
        if self._failed:
            outcome: runs.Outcome = "failed"
            self.report.error = self._failed
            self.ingest_errors["archive_error"] += 1
            self._sync_counts()
        elif not completed:
            outcome = "interrupted"
        else:
            outcome = runs.classify(
                c, had_articles_before=self._had_articles, max_error_ratio=self.max_error_ratio
            )
        final = (
            spider.final_fetch_states(completed and not self._failed)
            if hasattr(spider, "final_fetch_states")
            else []
        )
        final += self._take_states()
        self.report.outcome = outcome
        self.report.ended_at = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            await self._call(self._close, outcome, final)
        finally:
            self._pool.stop()
            if self._remote is not None:
                self._remote.stop()
            if self._lock is not None:  # taken by open_spider; released once the writer is done
                self._lock.release()
