"""The archive writer's side of the crawl: open the archive and the run record, ingest batches of pages,
keep fetch states and the run's figures, close. No Scrapy and no Twisted here.

Why a module of its own: the writer runs in a process of its own by default (crawler/writer_process.py), and
a process that imports Scrapy and Twisted takes three times as long to start (about 0.9 s against 0.35 s of
wall time, 0.6 against 0.3 s of CPU), while the crawl's first pages wait for it. :class:`ArchiveWriter` is
that process's whole job; the Scrapy pipeline (:class:`crawler.pipelines.ArchivePipeline`) is an
ArchiveWriter too, running the same methods in a thread of the crawl's process when the writer process is
turned off, or sending each call to the writer process.
"""

from __future__ import annotations

import importlib
import itertools
import json
import logging
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from typing import Any

from archive import fetch_state, runs
from archive.article import Article
from archive.fetch_state import FetchState
from archive.ingest import Ingestor, IngestResult, Outcome, default_extractor, run_extraction
from archive.page import Page, normalize_headers
from archive.profiles import Profiles, load_profiles
from archive.runs import RunCounts
from archive.urls import site_of

logger = logging.getLogger("crawler.pipelines")  # what the crawl's log has always called it

ARTICLE_STATUSES = ("new", "updated", "unchanged", "duplicate")


# -- settings, read as Scrapy reads them (the writer process has them as a plain dict) ----------------------


def setting_bool(value: Any) -> bool:
    """Scrapy's ``getbool``: True, False, 1, 0 and their strings ("True", "false", "1", ...)."""
    if isinstance(value, str):
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        return bool(int(value))
    return bool(value)


def setting_dict(value: Any) -> dict[str, Any]:
    """Scrapy's ``getdict``: a dict, or its JSON text; nothing is {}."""
    if not value:
        return {}
    loaded = json.loads(value) if isinstance(value, str) else value
    return dict(loaded)


def load_callable(path: Any) -> Any:
    """Scrapy's ``load_object``: the object named by "module.name", or the object itself."""
    if not isinstance(path, str):
        return path
    module, _, name = path.rpartition(".")
    if not module:
        raise ValueError(f"{path!r}: not a full path (module.name)")
    return getattr(importlib.import_module(module), name)


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


def extract_all(pages: list[Page], extractor: Callable[[Page], Article]) -> list[Outcome]:
    """Extract a batch (in the extraction helper process)."""
    return [run_extraction(page, extractor) for page in pages]


class ArchiveWriter:
    """The writer's state and work. Each method runs in the writer (its process, or the crawl's writer
    thread), one at a time; the crawl's side sees only what they return and the figures they update."""

    def __init__(self, settings: Mapping[str, Any], spider: Any = None):
        get = settings.get
        self.db_path: str = get("NEWS_ARCHIVE_DB") or ""
        self.lock_held = setting_bool(get("NEWS_ARCHIVE_LOCK_HELD", False))
        self.run_args: dict[str, Any] = setting_dict(get("NEWS_ARCHIVE_RUN_ARGS"))
        extractor = get("NEWS_ARCHIVE_EXTRACTOR")
        self.base_extractor: Callable[[Page], Article] | None = (
            load_callable(extractor) if extractor else None
        )
        profile = get("NEWS_ARCHIVE_PROFILE")
        self.profiles = load_profiles(profile) if profile else Profiles()
        self.extract_processes = int(get("NEWS_ARCHIVE_EXTRACT_PROCESSES", 0) or 0)
        self.counts = RunCounts()
        self.ingest_errors: Counter[str] = Counter()
        self.report = RunReport(db_path=self.db_path, counts=self.counts)
        self.spider = spider
        self._ingestor: Ingestor | None = None
        self._extract_pool: ProcessPoolExecutor | None = None
        self._in_extraction: tuple[Any, ...] | None = None
        self._extractor: Callable[[Page], Article] | None = None
        self._lock: runs.ArchiveLock | None = None
        self._had_articles = False

    def _spider(self) -> Any:
        """The spider (its start URLs and profiles), as the writer knows it."""
        return self.spider

    def _given_profiles(self) -> Profiles:
        """The profiles this run was given: its own (NEWS_ARCHIVE_PROFILE), else the spider's; none when
        neither has any (the archive's stored ones then apply)."""
        if self.profiles.sites:
            return self.profiles
        spider_profiles = getattr(self._spider(), "profiles", None)
        if spider_profiles is not None and spider_profiles.sites:
            return spider_profiles  # type: ignore[no-any-return]
        return Profiles()

    def _open(self) -> Profiles:
        """Open the archive and the run record; return the site profiles extraction applies (the ones given,
        else the archive's own), for the crawl's process to extract the same way."""
        if not self.lock_held:
            self._lock = runs.ArchiveLock(self.db_path).acquire()
        base = self.base_extractor or default_extractor
        spider = self._spider()
        self.profiles = self._given_profiles()
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
        # The articles' states (a multi-page article's parts are revisited with it), their dates read at once.
        articles = [
            (page, r.article_id)
            for page, r in zip(pages, results, strict=True)
            if r.status in ARTICLE_STATUSES
        ]
        article_states = iter(fetch_state.articles_states(ing.conn, articles, now))
        for page, result in zip(pages, results, strict=True):
            self.counts.add_status(result.status)
            if result.status == "error":
                self.ingest_errors["extract_error"] += 1
                logger.warning("%s: extraction failed: %s", page.url, result.error)
            if result.status in ARTICLE_STATUSES:
                new_states += itertools.islice(article_states, 1 + len(page.parts))
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
