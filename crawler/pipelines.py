"""The item pipeline: every fetched page goes to the archive's one ingest path, in small batches.

One writer (crawler/archive_writer.py, in a process of its own by default) owns the archive connection (the
Ingestor) and does all of its writing (ingest, fetch state, the run record), one batch at a time, while the
reactor goes on downloading. A batch is written when it holds ``NEWS_ARCHIVE_BATCH_SIZE`` pages or is
``NEWS_ARCHIVE_BATCH_SECONDS`` old, or, while another is being written, as soon as that one is committed. A page's item never waits for the writer: when
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
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet import defer, task, threads
from twisted.internet.interfaces import IReadDescriptor
from twisted.python.threadpool import ThreadPool
from zope.interface import implementer

from archive import runs
from archive.article import Article
from archive.errors import ArchiveLocked
from archive.fetch_state import FetchState
from archive.ingest import Outcome, default_extractor, run_extraction
from archive.page import Page
from archive.profiles import stored_at as stored_profiles_at
from archive.profiles import with_profiles
from crawler.archive_writer import ARTICLE_STATUSES as ARTICLE_STATUSES  # re-exported, as before the split
from crawler.archive_writer import ArchiveWriter, RunReport, extract_all, to_page
from crawler.profiles import ProfileExtractor, Profiles
from crawler.profiles import in_site_zone as in_site_zone  # re-exported: where the crawl's callers find it

__all__ = ["ARTICLE_STATUSES", "ArchivePipeline", "RunReport", "SiteAwareExtractor", "extract_all", "to_page"]

logger = logging.getLogger(__name__)

# Pages that may wait while the writer starts, as a multiple of NEWS_ARCHIVE_MAX_WAITING.
OPENING_WAITING_FACTOR = 4


# The archive's extractor with site profiles applied (archive/profiles.py); the name the crawl always used.
SiteAwareExtractor = ProfileExtractor


def tune_gc() -> None:
    """Garbage collection for a long crawl (process-wide; the crawl's process is the crawl's own).

    Scrapy makes and drops many container objects per page (requests, deferreds, coroutines), so Python's
    collector ran every 700 allocations and, every so often, walked every object of the process, the
    ~50,000 made at start-up (modules, Scrapy, lxml) included: 0.2-0.3 ms of CPU per page of a fast crawl.
    The objects made so far are frozen (never walked again; they live as long as the process anyway), and
    the young generation is collected every 10,000 allocations instead. Reference counting still frees
    almost everything at once; only reference cycles wait a little longer. No collection before freezing:
    the start-up leaves next to no garbage, and walking its objects cost 30-100 ms of the crawl's start.
    """
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(10_000, middle, old)


@implementer(IReadDescriptor)
class WriterAnswers:
    """Calls to the writer process, answered on the reactor: a call is sent at once and its Deferred fires
    when the answer arrives (the reactor watches the pipe), with no thread in between.

    A thread blocked on the pipe had to win the GIL back from the reactor, busy with downloads and
    extraction, at each step (the answer, the next batch, the hand-back): 12-18 ms of an idle writer
    between every two batches of a fast crawl.
    """

    def __init__(self, remote: Any, pipeline: Any):
        self.remote = remote
        self.pipeline = pipeline
        self._waiting: deque[defer.Deferred[Any]] = deque()
        self._watching = False

    def call(self, name: str, *args: Any) -> defer.Deferred[Any]:
        from twisted.internet import reactor

        try:
            self.remote.send(self.pipeline, name, *args)
        except Exception as exc:
            return defer.fail(exc)
        answer: defer.Deferred[Any] = defer.Deferred()
        self._waiting.append(answer)
        if not self._watching:
            self._watching = True
            reactor.addReader(self)  # type: ignore[attr-defined]
        return answer

    def doRead(self) -> None:
        from crawler.writer_process import WriterStopped

        while self._waiting and self.remote.answered():
            answer = self._waiting.popleft()
            try:
                value = self.remote.receive(self.pipeline)
            except WriterStopped as exc:
                self._fail_all(answer, exc)
                return
            except Exception as exc:  # the call's own error, raised in the writer
                answer.errback(exc)
            else:
                answer.callback(value)  # may send the next call (the flush loop goes on)
        if not self._waiting:
            self._unwatch()

    def _fail_all(self, first: defer.Deferred[Any], exc: Exception) -> None:
        self._unwatch()
        waiting = [first, *self._waiting]
        self._waiting.clear()
        for answer in waiting:
            answer.errback(exc)

    def _unwatch(self) -> None:
        from twisted.internet import reactor

        if self._watching:
            self._watching = False
            reactor.removeReader(self)  # type: ignore[attr-defined]

    def connectionLost(self, reason: Any) -> None:
        self._watching = False

    def fileno(self) -> int:
        return int(self.remote.fileno())

    def logPrefix(self) -> str:
        return "news-archive-writer"


class ArchivePipeline(ArchiveWriter):
    """The Scrapy side: queues pages, batches them, and has the writer (this ArchiveWriter's methods, in the
    writer process or a thread of this one) write each batch while the crawl goes on."""

    def __init__(self, crawler: Any):
        s = crawler.settings
        if not s.get("NEWS_ARCHIVE_DB"):
            raise NotConfigured("NEWS_ARCHIVE_DB is not set")
        super().__init__(s)
        self.crawler = crawler
        self.batch_size = max(1, s.getint("NEWS_ARCHIVE_BATCH_SIZE", 25))
        self.batch_seconds = s.getfloat("NEWS_ARCHIVE_BATCH_SECONDS", 2.0)
        self.max_error_ratio = s.getfloat("NEWS_ARCHIVE_MAX_ERROR_RATIO", runs.DEFAULT_MAX_ERROR_RATIO)
        self._buffer: list[dict[str, Any]] = []
        self._buffer_since = time.monotonic()
        # Back-pressure: at this many pages waiting for the writer, the engine stops starting downloads until
        # the writer takes them (pausing beats making every page's item wait: thousands of waiting coroutines
        # made the crawl's garbage collector the crawl's largest cost).
        self.max_waiting = max(2 * self.batch_size, s.getint("NEWS_ARCHIVE_MAX_WAITING", 0))
        self._paused = False
        self._opening = False  # the writer is starting (open_spider to _open_writer)
        self._closing = False  # the spider is closing: nothing more to download
        # Extraction shared with the crawl's process: when the writer process is behind (a full batch waits
        # while it writes), the crawl's process extracts waiting pages (one per reactor turn, between
        # downloads), and the writer extracts only what it was not sent extracted (_worth_extracting_here).
        # It pays only while the machine has the second core to spare (docs/benchmarks.md, ## Crawl).
        self.share_extraction = s.getbool("NEWS_ARCHIVE_SHARE_EXTRACTION", True)
        self.tune_gc = s.getbool("NEWS_ARCHIVE_TUNE_GC", True)
        self._outcomes: list[Outcome | None] = []  # beside _buffer: what the crawl's process extracted
        self._local_extractor: Callable[[Page], Article] | None = None
        self._local_profiles: Profiles | None = None  # what _local_extractor applies
        self._next_local = 0  # the index in _buffer of the next page to extract here
        self._sharing = False  # an extraction is scheduled on the reactor
        self._flush_lock = defer.DeferredLock()  # held while a batch is being written
        self._pool = ThreadPool(minthreads=1, maxthreads=1, name="archive-writer")
        # The writer's work in a child process (crawler/writer_process.py), off the crawl's interpreter.
        self.writer_process = s.getbool("NEWS_ARCHIVE_WRITER_PROCESS", True)
        self._writer_settings = {k: v for k, v in s.items() if k.startswith("NEWS_ARCHIVE_")}
        self._remote: Any = None
        self._answers: WriterAnswers | None = None
        self._timer: task.LoopingCall | None = None
        self._failed: str | None = None
        self._refused: str | None = None  # 'locked': the archive's lock is another run's
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.news_archive_pipeline = self

    def _spider(self) -> Any:
        return self.crawler.spider

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivePipeline:
        return cls(crawler)

    # -- reactor side ---------------------------------------------------------------------------------

    def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` run by the writer, as a future to await."""
        return maybe_deferred_to_future(self._call_deferred(fn, *args))

    def _call_deferred(self, fn: Callable[..., Any], *args: Any) -> defer.Deferred[Any]:
        from twisted.internet import reactor

        if self._answers is not None:  # the same method, run by the writer process's pipeline
            return self._answers.call(fn.__name__, *args)
        return threads.deferToThreadPool(reactor, self._pool, fn, *args)  # type: ignore[no-any-return]

    async def open_spider(self) -> None:
        """Start the writer and return at once: downloads begin while the writer starts and opens the archive
        (a process of its own takes 0.3-0.4 s to import its code, time a fast crawl fetches hundreds of pages
        in), and the first batch is written when it is open."""
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
                deferred_from_coro(self.crawler.engine.close_spider_async(reason="locked"))
                return
            self.lock_held = True  # the writer (this process's thread or the writer process) opens under it
            self._writer_settings["NEWS_ARCHIVE_LOCK_HELD"] = True
        if self.writer_process:
            from crawler.writer_process import RemoteWriter

            self._remote = RemoteWriter(self._writer_settings, self.crawler.spider)
            self._answers = WriterAnswers(self._remote, self)
        else:
            self._pool.start()
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
                self._remote = self._answers = None
                self._pool.start()
            self.report.error = str(exc)
            self._stop_crawl("archive could not be opened", exc)
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
        extractor: Callable[[Page], Article] = with_profiles(
            self.base_extractor or default_extractor, profiles
        )
        return extractor

    def _profiles_before_open(self) -> Profiles | None:
        """The profiles the writer's ``_open`` will settle on: the ones given, else the archive's stored ones
        (read here, read-only); None when they cannot be known before it opens."""
        given = self._given_profiles()
        if given.sites:
            return given
        try:
            return stored_profiles_at(self.db_path)
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
            deferred_from_coro(self._flush())

    async def _flush(self) -> None:
        # One batch in flight at a time. What gathers meanwhile is the next batch: taken as soon as the
        # write is done if it is full already (else by the timer, or the run's close, which waits here).
        await maybe_deferred_to_future(self._flush_lock.acquire())
        try:
            await maybe_deferred_to_future(self._write_batches())
        finally:
            self._flush_lock.release()

    def _write_batches(self) -> defer.Deferred[None]:
        """Write the buffer, and the next batch as soon as the writer answers while a full one waits; fires
        when the buffer is left to gather.

        Each next batch is sent from the answer's own callback, not by a coroutine resumed on a later turn
        of the event loop: behind a busy reactor's queue (downloads, extraction) that resumption took about
        10 ms, an idle writer between every two batches."""
        done: defer.Deferred[None] = defer.Deferred()
        self._write_next(done)
        return done

    def _write_next(self, done: defer.Deferred[None]) -> None:
        if self._failed or not (self._buffer or self._spider_states()):
            done.callback(None)
            return
        batch, self._buffer = self._buffer, []
        outcomes, self._outcomes = self._outcomes, []
        self._next_local = 0
        self._resume()
        states = self._take_states()
        self._sync_counts()
        shared = outcomes if any(o is not None for o in outcomes) else None
        pending = self._call_deferred(self._write, batch, states, shared)
        self._share()  # the next batch's pages, while this one is written
        pending.addCallbacks(self._written, self._write_failed, callbackArgs=(done,), errbackArgs=(done,))

    def _written(self, listing_states: list[FetchState], done: defer.Deferred[None]) -> None:
        try:
            self._note_listings(listing_states)
            if len(self._buffer) >= self.batch_size:
                self._write_next(done)
            else:
                done.callback(None)
        except Exception as exc:  # a bug here must not leave the write lock held
            done.errback(exc)

    def _write_failed(self, failure: Any, done: defer.Deferred[None]) -> None:
        # The archive cannot be written: stop the crawl, report it.
        self._stop_crawl("archive write failed", failure.value)
        done.callback(None)

    def _stop_crawl(self, what: str, exc: Exception) -> None:
        """The archive cannot be opened or written: log it, let waiting downloads go, close the spider."""
        self._failed = f"{type(exc).__name__}: {exc}"
        logger.error("%s: %s", what, self._failed)
        self._resume(force=True)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_error"))

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
        if self._worth_extracting_here():
            from twisted.internet import reactor

            self._sharing = True
            reactor.callLater(0, self._extract_next)

    def _worth_extracting_here(self) -> bool:
        """Whether this process should extract a waiting page: only while the writer writes, and only when
        the writer is behind (a full batch waits for it) or this process has nothing else to do (the writer
        is starting, or the downloads are over).

        Extracting here whenever the writer was busy made this process the crawl's bottleneck once the
        writer got faster: it extracted 60% of the pages, at 0.9 ms each between downloads (against 0.6 in
        the writer's warm loop), while the writer waited for a batch to fill.
        """
        if not self._flush_lock.locked or self._next_local >= len(self._buffer):
            return False
        return len(self._buffer) >= self.batch_size or self._opening or self._closing

    def _extract_next(self) -> None:
        self._sharing = False
        i = self._next_local
        if self._local_extractor is None or not self._worth_extracting_here():
            return  # the writer is idle (it extracts what it is sent), not behind, or nothing waits
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
        self._closing = True  # no more downloads: extract what waits while the writer finishes its batch
        self._share()
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
            self._note_listings(listing_states)

    def _note_listings(self, states: list[FetchState]) -> None:
        """Hand the spider the fetch states of pages the archive found to be listings."""
        note = getattr(self.crawler.spider, "note_listing", None)
        if note is not None:
            for state in states:
                note(state)

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
        except Exception as exc:
            # The writer cannot record the run's end (it died, or the disk filled at the last commit): what
            # was committed stays, the run stays open in the archive and the next run marks it abandoned.
            # Reported once: a failed write has been already.
            if not self._failed:
                self._failed = self.report.error = f"{type(exc).__name__}: {exc}"
                self.report.outcome = "failed"
                logger.error("archive could not be closed: %s", self._failed)
        finally:
            self._pool.stop()
            if self._remote is not None:
                self._remote.stop()
            if self._lock is not None:  # taken by open_spider; released once the writer is done
                self._lock.release()
