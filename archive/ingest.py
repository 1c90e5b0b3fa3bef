"""The one ingest path: store raw -> extract -> dedup -> upsert -> revisions.

A crawl, a WARC import and a reparse all call :meth:`Ingestor.ingest` (or ``ingest_many``) with a
:class:`~archive.page.Page`. A multi-page article is one Page with its later pages in ``parts``: every part's
raw response is stored, linked to the first page's (``responses.part_of``, ``parse_status`` 'part'), and only
the first page's response makes a record, of all the parts' text. The raw response is committed before extraction runs, so a parse failure never
loses a page: it stays stored with its error and a later ``reparse`` can recover it.

Interface (stable; other modules rely on it):

    with Ingestor.open("archive.db") as ing:          # or Ingestor(db) around an open sqlite_utils.Database
        result = ing.ingest(page, run_id=None)         # -> IngestResult
        results = ing.ingest_many(pages, run_id=None)  # one BEGIN IMMEDIATE transaction per batch
        ing.is_known(url)                              # an archived article exists at this URL (or a variant)

Site profiles (archive/profiles.py) are part of extraction: ``Ingestor.open(path, profiles=...)`` applies
them and stores them in the archive; without ``profiles`` the archive's stored ones apply.

Per batch of pages: (1) one transaction stores every payload (compressed, deduplicated by digest) and response
row and commits; (2) extraction runs with no lock held; (3) one transaction applies each result: the response
row gets ``parse_status`` / ``parse_error`` / ``parser_version`` / ``article_id``, and an article page is
deduplicated and upserted. A crash between (1) and (3) leaves responses with ``parse_status`` NULL, which
``news-archive reparse --outdated-only`` (or simply ingesting the page again) completes.

Result statuses: ``new`` (a new record; ``duplicate_of`` set when it nearly copies an earlier one),
``duplicate`` (an exact copy of a record of the same site, merged into it: its URL added), ``updated``
(changed content: the old version kept in ``revisions``), ``unchanged`` (only ``last_seen`` and the view
count move), ``listing`` / ``other`` (not an article), ``error`` (extraction failed), ``skipped`` (not HTML,
or not a 2xx response).
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import sqlite_utils

from archive import dedup, search
from archive.article import JSON_FIELDS, STORED_FIELDS, Article
from archive.db import open_db
from archive.errors import ArchiveError
from archive.page import Page, is_html
from archive.payloads import PayloadWriter
from archive.profiles import Profiles, with_profiles
from archive.profiles import save as save_profiles
from archive.profiles import stored as stored_profiles
from archive.stored_html import pack_body_html, unpack_body_html
from archive.urls import canonicalize, record_id, site_of

IngestStatus = Literal["new", "updated", "unchanged", "duplicate", "listing", "other", "error", "skipped"]

Extractor = Callable[[Page], Article]

DEFAULT_BATCH_SIZE = 200
RECORD_COLUMNS = STORED_FIELDS
JSON_COLUMNS = frozenset(JSON_FIELDS)


@dataclass(frozen=True)
class IngestResult:
    status: IngestStatus
    response_id: int
    article_id: str | None = None
    duplicate_of: str | None = None
    error: str | None = None
    # Record fields a reparse changed (empty for ordinary ingests).
    changed: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Outcome:
    """What extraction made of one stored page: an article, an error, or a reason it was not parsed."""

    article: Article | None = None
    error: str | None = None
    skipped: str | None = None


@lru_cache(maxsize=1024)
def iso_utc(moment: datetime) -> str:
    """ISO 8601 UTC with a Z, to the second; naive datetimes are taken as UTC. Remembered for a batch or
    more: a page's fetch time is written when it is stored and again when it is applied."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def looks_like_html(page: Page) -> bool:
    return is_html(page.header("content-type"), page.body)


def skip_reason(page: Page) -> str | None:
    """Why a stored page is not parsed at all, or None when it is."""
    if not 200 <= page.status < 300:
        return f"HTTP status {page.status}"
    if not looks_like_html(page):
        return f"not HTML ({page.content_type or 'unknown type'})"
    return None


def run_extraction(page: Page, extractor: Extractor) -> Outcome:
    """Extract one page, turning any failure into an error Outcome (module level so pools can call it)."""
    reason = skip_reason(page)
    if reason is not None:
        return Outcome(skipped=reason)
    try:
        return Outcome(article=extractor(page))
    except Exception as exc:  # a bad page must never stop the others
        return Outcome(error=f"{type(exc).__name__}: {exc}"[:2000])


def default_extractor(page: Page) -> Article:
    from archive.extract import extract

    return extract(page)


def current_parser_version() -> str:
    from archive.extract import PARSER_VERSION

    return PARSER_VERSION


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


_EMPTY_JSON: dict[type, str] = {list: "[]", dict: "{}"}


def _columns(article: Article) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in RECORD_COLUMNS:
        value = _record_value(article, name)
        if name in JSON_COLUMNS:
            if value is None:
                value = {} if name == "credits" else []
            # Most records have no credits, images or spam terms: an empty list's or dict's JSON is known.
            empty = _EMPTY_JSON.get(type(value)) if not value else None
            value = empty if empty is not None else json.dumps(value, ensure_ascii=False)
        out[name] = value
    if not out["page_type"]:
        out["page_type"] = "article"
    out["body_html"] = pack_body_html(out["body_html"], out["body"])
    return out


def _record_value(article: Article, name: str) -> Any:
    """``article.to_dict()[name]``, without making the whole dict (0.01 ms per page of the writer's CPU)."""
    value = getattr(article, name)
    if name == "images":
        return [image.to_dict() for image in value]
    return None if value == "" else value


def _translate(exc: sqlite3.Error) -> ArchiveError:
    text = str(exc)
    if "full" in text:
        return ArchiveError(
            "the archive is full (no space left on the disk, or its size limit): this batch was rolled back,"
            " nothing already archived was lost"
        )
    if "readonly" in text or "read-only" in text:
        return ArchiveError("the archive is read-only: nothing can be written to it")
    if "not a database" in text or "malformed" in text:
        return ArchiveError(f"the archive is damaged or not an archive ({text})")
    if "locked" in text or "busy" in text:
        return ArchiveError(f"the archive is busy: another process holds its write lock ({text})")
    return ArchiveError(f"database: {text}")


class Ingestor:
    """The archive's single write path (see the module doc)."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        *,
        extractor: Extractor | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        dedup_config: dedup.DedupConfig = dedup.DEFAULT_CONFIG,
        parser_version: str | None = None,
        owns_db: bool = False,
        profiles: Profiles | None = None,
    ) -> None:
        self.db = db
        self.conn: sqlite3.Connection = db.conn
        # Each page is applied in a savepoint, and the first change to a database page inside one copies that
        # page into the savepoint's journal: some 40 pages per article (its 30 bands land on 30 B-tree pages),
        # past the 64 KiB SQLite keeps in memory, so the copies went to a temporary file, about 0.1 ms per
        # page of writes and reads. In memory they are a page's worth of copying; this connection runs no
        # VACUUM and no large sorts, the other things temp_store moves into memory.
        try:
            self.conn.execute("PRAGMA temp_store = MEMORY")
        except sqlite3.OperationalError:
            pass  # a caller's open transaction with temporary tables: only slower
        # Site profiles are part of extraction: given ones are kept in the archive (for reparse and later
        # imports), else the archive's stored ones apply, so every way in makes the same record.
        if profiles is None:
            self.profiles = stored_profiles(self.conn)
        else:
            save_profiles(self.conn, profiles)
            self.profiles = profiles
        self.extractor: Extractor = with_profiles(extractor or default_extractor, self.profiles)
        self.batch_size = max(1, batch_size)
        self.dedup_config = dedup_config
        self._parser_version = parser_version
        self._owns_db = owns_db
        self.payloads = PayloadWriter(self.conn)
        # Articles whose title or body this batch may change -> what the search index held for them before
        # (search.indexed_state); the index is brought up to date at the end of the batch.
        self._index_before: dict[str, search.Indexed | None] = {}
        self._index_failed: dict[str, Exception] = {}  # articles whose indexing failed in this batch
        # The batch's fingerprints computed before its SQL, by id() of their Article (see _fingerprint_all):
        # emptied after every batch, so that no id of a freed Article can match a later one.
        self._fingerprints: dict[int, dedup.Fingerprint | Exception] = {}
        self._indexed = 0  # articles (re)indexed since the search index was last compacted

    @classmethod
    def open(cls, path: str | Path, **kwargs: Any) -> Ingestor:
        return cls(open_db(path), owns_db=True, **kwargs)

    def close(self) -> None:
        self.compact()
        if self._owns_db:
            self.conn.close()

    def compact(self) -> None:
        """Merge the search index's segments in proportion to what this session indexed
        (search.compact_index). Called by close(); a failure (a full disk, a busy archive) leaves the index as
        it is, correct and only less compact."""
        if not self._indexed:
            return
        try:
            with self._transaction():
                search.compact_index(self.conn, self._indexed)
        except ArchiveError:
            return
        self._indexed = 0

    def __enter__(self) -> Ingestor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def parser_version(self) -> str:
        if self._parser_version is None:
            self._parser_version = current_parser_version()
        return self._parser_version

    # -- public API ------------------------------------------------------------------------------------

    def ingest(self, page: Page, run_id: int | None = None) -> IngestResult:
        return self.ingest_many([page], run_id)[0]

    def ingest_many(
        self,
        pages: Iterable[Page],
        run_id: int | None = None,
        extracted: Iterable[Outcome | None] | None = None,
    ) -> list[IngestResult]:
        """Ingest pages in batches. ``extracted``, beside ``pages``: outcomes already computed elsewhere (the
        crawl's process extracts some pages while the writer is busy); a page given None is extracted here."""
        results: list[IngestResult] = []
        given = extracted if extracted is not None else itertools.repeat(None)
        for batch in _batched(zip(pages, given, strict=extracted is not None), self.batch_size):
            batch_pages = [page for page, _ in batch]
            ids = self.store(batch_pages, run_id)
            outcomes = [
                done if done is not None else run_extraction(page, self.extractor) for page, done in batch
            ]
            results.extend(self.apply(list(zip(ids, batch_pages, outcomes, strict=True))))
        return results

    def is_known(self, url: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM article_urls WHERE canonical_url = ? LIMIT 1", (canonicalize(url),)
        ).fetchone()
        return row is not None

    def store(self, pages: Sequence[Page], run_id: int | None = None) -> list[int]:
        """Store the raw responses (step 1) in one committed transaction; return their response ids."""
        ids: list[int] = []
        with self._transaction():
            for page in pages:
                rid = self._store_one(page, run_id, None)
                # A multi-page article's later pages: stored as received right after the first, linked to it.
                for part in page.parts:
                    self._store_one(part, run_id, rid)
                ids.append(rid)
        return ids

    def _store_one(self, page: Page, run_id: int | None, part_of: int | None) -> int:
        digest = self.payloads.put(page.body, page.effective_url)
        cur = self.conn.execute(
            "INSERT INTO responses (url, final_url, status, headers, content_type, fetched_at,"
            " payload_digest, run_id, part_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                page.url,
                page.final_url,
                page.status,
                json.dumps([list(h) for h in page.headers], ensure_ascii=False),
                page.content_type,
                iso_utc(page.fetched_at),
                digest,
                run_id,
                part_of,
            ),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def apply(
        self, items: Sequence[tuple[int, Page, Outcome]], *, reparse: bool = False
    ) -> list[IngestResult]:
        """Apply extraction outcomes to stored responses (step 3), in one transaction.

        With ``reparse=True`` a response that already made (or revised) a record updates that record in
        place instead of counting as a new fetch, so reparsing twice changes nothing the second time.
        """
        self._index_failed = {}
        careful = False
        while True:
            try:
                return self._apply_batch(items, reparse, careful)
            except (_PageFailed, _IndexFailed):
                # Again, each page in a savepoint: the failed page (or the one whose article could not be
                # indexed) fails alone.
                careful = True

    def _apply_batch(
        self, items: Sequence[tuple[int, Page, Outcome]], reparse: bool, careful: bool
    ) -> list[IngestResult]:
        """Apply a batch in one transaction. ``careful``: each page in a savepoint of its own, so that a page
        that fails is rolled back alone; else a failing page rolls the whole batch back (_PageFailed) for the
        caller to apply it again carefully. Savepoints cost about 0.03 ms of CPU per page (SQLite copies each
        database page a page's savepoint changes first), and pages rarely fail."""
        self._index_before = {}
        texts = self._fingerprint_all(items)
        try:
            with search.index_texts_ready(texts), self._transaction():
                results = [self._apply_in_batch(item, reparse, careful) for item in items]
                indexed = self._index_batch()
        finally:
            self._fingerprints = {}
        self._indexed += indexed  # once committed
        return results

    def _fingerprint_all(self, items: Sequence[tuple[int, Page, Outcome]]) -> list[str | None]:
        """Compute the dedup fingerprints of a batch's articles before any of its SQL runs, and return their
        titles and bodies (for the search index's texts, computed then too).

        Why: done together, the text work's code and tables (OpenCC's, numpy's, the CRC tables) stay in the
        CPU's caches; interleaved with SQLite's work page by page, the same work cost 0.09 ms more per page
        in the archive writer on the crawl benchmark (in-process A/B, 6 rounds). A failure is kept and raised
        where the fingerprint is used, so the page fails as it did."""
        self._fingerprints = {}
        texts: list[str | None] = []
        for _, _, outcome in items:
            article = outcome.article
            if outcome.skipped is None and outcome.error is None and article is not None:
                if article.page_type == "article":
                    fp: dedup.Fingerprint | Exception
                    try:
                        fp = dedup.fingerprint(article.title, article.body, self.dedup_config)
                    except Exception as exc:
                        fp = exc
                    self._fingerprints[id(article)] = fp
                    texts += (article.title, article.body)
        return texts

    def _fingerprint(self, article: Article) -> dedup.Fingerprint:
        """The article's fingerprint, computed with its batch's (see _fingerprint_all) or now."""
        fp = self._fingerprints.pop(id(article), None)
        if fp is None:
            return dedup.fingerprint(article.title, article.body, self.dedup_config)
        if isinstance(fp, Exception):
            raise fp
        return fp

    def _apply_in_batch(self, item: tuple[int, Page, Outcome], reparse: bool, careful: bool) -> IngestResult:
        rid, page, outcome = item
        if careful:
            return self._apply_in_savepoint(rid, page, outcome, reparse)
        try:
            return self._apply_page(rid, page, outcome, reparse)
        except sqlite3.Error as exc:
            if not isinstance(exc, sqlite3.IntegrityError):
                raise  # full, read-only, damaged: the whole batch is rolled back
            raise _PageFailed from exc
        except Exception as exc:
            raise _PageFailed from exc

    def _index_batch(self) -> int:
        """Bring the search index up to date with the batch's articles; returns how many changed.

        Once the pages' savepoints are released: FTS5 writes its pending terms out as a new segment at every
        savepoint, so indexing inside them cost a segment (and merges) per page. index_article compares with
        the state before the batch, so a page rolled back to its savepoint indexes nothing. A failure there is
        one page's (as when indexing ran inside its savepoint): the batch is rolled back and applied again
        with that page failed, so the others are kept."""
        indexed = 0
        for aid, before in self._index_before.items():
            try:
                indexed += search.index_article(self.db, aid, before)
            except Exception as exc:
                if isinstance(exc, sqlite3.Error) and not isinstance(exc, sqlite3.IntegrityError):
                    raise  # full, read-only, damaged: the whole batch is rolled back
                self._index_failed[aid] = exc
                raise _IndexFailed(aid) from exc
        return indexed

    def _apply_page(self, rid: int, page: Page, outcome: Outcome, reparse: bool) -> IngestResult:
        result = self._apply_one(rid, page, outcome, reparse)
        if page.parts or reparse:  # else no stored response is a part of this one
            self._mark_parts(rid, result)
        return result

    def _apply_in_savepoint(self, rid: int, page: Page, outcome: Outcome, reparse: bool) -> IngestResult:
        """Apply one page in a savepoint: if it fails, only its own changes are rolled back and the failure is
        recorded on its response."""
        self.conn.execute("SAVEPOINT ingest_page")
        try:
            result = self._apply_page(rid, page, outcome, reparse)
            self.conn.execute("RELEASE ingest_page")
        except sqlite3.Error as exc:
            if not isinstance(exc, sqlite3.IntegrityError):
                raise  # full, read-only, damaged: the whole batch is rolled back
            result = self._page_failed(rid, exc)
        except Exception as exc:  # a bug on one page must not lose the batch: record it on the page
            result = self._page_failed(rid, exc)
        return result

    def _will_change(self, aid: str, *, exists: bool = True) -> None:
        """Called before article ``aid``'s title or body may change (or the row is made): keeps what the
        search index holds for it, which FTS5 needs to replace the entry at the end of the batch.
        ``exists=False``: the caller knows there is no row at ``aid`` (the index holds nothing for it)."""
        failed = self._index_failed.get(aid)
        if failed is not None:
            raise failed
        if aid not in self._index_before:
            self._index_before[aid] = search.indexed_state(self.conn, aid) if exists else None

    def _mark_parts(self, rid: int, result: IngestResult) -> None:
        """The later pages of a multi-page article share its first page's outcome: never records of their own."""
        self.conn.execute(
            "UPDATE responses SET parse_status = 'part', parse_error = NULL,"
            " parser_version = (SELECT parser_version FROM responses WHERE id = ?),"
            " article_id = coalesce(?, article_id) WHERE part_of = ?",
            (rid, result.article_id, rid),
        )

    def _page_failed(self, rid: int, exc: Exception) -> IngestResult:
        self.conn.execute("ROLLBACK TO ingest_page")
        self.conn.execute("RELEASE ingest_page")
        error = f"ingest: {type(exc).__name__}: {exc}"[:2000]
        self._mark(rid, "error", error, None)
        return IngestResult("error", rid, error=error)

    # -- internals -------------------------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise _translate(exc) from exc
        try:
            yield
            self.conn.execute("COMMIT")
        except BaseException as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if not isinstance(exc, _PageFailed):  # a batch applied again (nothing stored) keeps its state
                self.payloads.forget()  # a dictionary page chosen in the transaction is gone with it
            if isinstance(exc, sqlite3.Error):
                raise _translate(exc) from exc
            raise

    def _mark(
        self,
        rid: int,
        status: str,
        error: str | None,
        article_id: str | None,
        parser_version: str | None = None,
        *,
        keep_article: bool = False,
    ) -> None:
        version = parser_version or self.parser_version
        if keep_article:
            self.conn.execute(
                "UPDATE responses SET parse_status = ?, parse_error = ?, parser_version = ? WHERE id = ?",
                (status, error, version, rid),
            )
        else:
            self.conn.execute(
                "UPDATE responses SET parse_status = ?, parse_error = ?, parser_version = ?, article_id = ?"
                " WHERE id = ?",
                (status, error, version, article_id, rid),
            )

    def _apply_one(self, rid: int, page: Page, outcome: Outcome, reparse: bool) -> IngestResult:
        if outcome.skipped is not None:
            self._mark(rid, "skipped", outcome.skipped, None, keep_article=reparse)
            return IngestResult("skipped", rid, error=outcome.skipped)
        if outcome.error is not None or outcome.article is None:
            error = outcome.error or "extraction returned nothing"
            # A reparse that now fails keeps the record made earlier: nothing archived is lost.
            self._mark(rid, "error", error, None, keep_article=reparse)
            return IngestResult("error", rid, error=error)
        article = outcome.article
        version = article.parser_version or self.parser_version
        if article.page_type != "article":
            status: IngestStatus = "listing" if article.page_type == "listing" else "other"
            self._mark(rid, status, None, None, version, keep_article=reparse)
            return IngestResult(status, rid)
        if reparse:
            row = self.conn.execute("SELECT article_id FROM responses WHERE id = ?", (rid,)).fetchone()
            if row is not None and row[0] is not None:
                exists = self.conn.execute("SELECT 1 FROM articles WHERE id = ?", (row[0],)).fetchone()
                if exists:
                    return self._reparse_known(rid, row[0], page, article, version)
        return self._upsert(rid, page, article, version)

    def _upsert(self, rid: int, page: Page, article: Article, version: str) -> IngestResult:
        cfg = self.dedup_config
        fetched = iso_utc(page.fetched_at)
        urls = list(dict.fromkeys(u for u in (page.url, page.final_url) if u))
        canon = [canonicalize(u) for u in urls]
        fp = self._fingerprint(article)
        content_hash = _content_key(fp, page.effective_url)

        marks = ",".join("?" * len(canon))
        known = self.conn.execute(
            f"SELECT article_id FROM article_urls WHERE canonical_url IN ({marks}) LIMIT 1", canon
        ).fetchone()
        if known is not None:
            return self._refetch(rid, known[0], page, article, version, fp, content_hash, urls, canon)

        site = site_of(page.effective_url)
        duplicate_of: str | None = None
        exact = self.conn.execute(
            "SELECT id, site, lang, duplicate_of FROM articles WHERE content_hash = ? ORDER BY first_seen, id",
            (content_hash,),
        ).fetchall()
        for aid, asite, alang, _ in exact:
            if asite == site and alang == article.lang:
                # The same article at another URL of the same site: one record, one more URL.
                self._add_urls(aid, urls, canon, fetched)
                # The record shows the latest view count observed, whichever of its URLs it was read at.
                self.conn.execute(
                    "UPDATE articles SET last_seen = max(last_seen, ?) WHERE id = ?", (fetched, aid)
                )
                self._add_views(aid, fetched, article.views)
                self._refresh_views(aid)
                self._mark(rid, "article", None, aid, version)
                return IngestResult("duplicate", rid, article_id=aid)
        if exact:
            duplicate_of = exact[0][3] or exact[0][0]
        else:
            near = dedup.find_near_copy(self.conn, fp, None, cfg)
            if near is not None:
                root = self.conn.execute(
                    "SELECT duplicate_of FROM articles WHERE id = ?", (near[0],)
                ).fetchone()
                duplicate_of = (root[0] if root else None) or near[0]

        effective = canon[urls.index(page.effective_url)]  # canonicalized above: not again
        aid = record_id(effective)
        suffix = 0
        while self.conn.execute("SELECT 1 FROM articles WHERE id = ?", (aid,)).fetchone():
            suffix += 1  # only when a canonical URL's id is taken by another record (hash prefix collision)
            aid = record_id(f"{effective}#{suffix}")
        cols = _columns(article)
        cols["parser_version"] = version
        self._will_change(aid, exists=False)  # no row at aid: just looked
        inserted = self.conn.execute(
            "INSERT INTO articles (id, url, site, "
            + ", ".join(RECORD_COLUMNS)
            + ", duplicate_of, first_seen, last_seen, content_hash, response_id, revision)"
            " VALUES (?, ?, ?, " + ", ".join("?" * len(RECORD_COLUMNS)) + ", ?, ?, ?, ?, ?, 1)",
            [
                aid,
                page.effective_url,
                site,
                *cols.values(),
                duplicate_of,
                fetched,
                fetched,
                content_hash,
                rid,
            ],
        )
        self._add_urls(aid, urls, canon, fetched)
        dedup.add_bands(self.conn, aid, fp, inserted.lastrowid)
        self._add_views(aid, fetched, article.views)
        self._mark(rid, "article", None, aid, version)
        if duplicate_of is not None:
            return IngestResult("new", rid, article_id=aid, duplicate_of=duplicate_of)
        return IngestResult("new", rid, article_id=aid)

    def _refetch(
        self,
        rid: int,
        aid: str,
        page: Page,
        article: Article,
        version: str,
        fp: dedup.Fingerprint,
        content_hash: str,
        urls: list[str],
        canon: list[str],
    ) -> IngestResult:
        fetched = iso_utc(page.fetched_at)
        cur = self.conn.execute(
            "SELECT content_hash, last_seen, revision, response_id, duplicate_of FROM articles WHERE id = ?",
            (aid,),
        ).fetchone()
        cur_hash, last_seen, revision, cur_rid, duplicate_of = cur
        self._add_urls(aid, urls, canon, fetched)
        self._add_views(aid, fetched, article.views)
        newer = fetched >= last_seen
        if content_hash == cur_hash:
            if newer:
                self.conn.execute("UPDATE articles SET last_seen = ? WHERE id = ?", (fetched, aid))
            self._refresh_views(aid)
            self._mark(rid, "article", None, aid, version)
            return IngestResult("unchanged", rid, article_id=aid, duplicate_of=duplicate_of)
        if fetched <= last_seen:
            # An older fetch (say, an old WARC imported late) with other content: kept as a revision only.
            # A fetch from the same second counts as older, so replaying the same fetches changes nothing.
            seen = self.conn.execute(
                "SELECT 1 FROM revisions WHERE article_id = ? AND content_hash = ?", (aid, content_hash)
            ).fetchone()
            if seen is None:
                record = {"url": page.effective_url, **_decoded(_columns(article))}
                record["parser_version"] = version
                self._add_revision(aid, revision, record, content_hash, rid, fetched)
                self.conn.execute("UPDATE articles SET revision = revision + 1 WHERE id = ?", (aid,))
            self._refresh_views(aid)
            self._mark(rid, "article", None, aid, version)
            return IngestResult("updated" if seen is None else "unchanged", rid, article_id=aid)
        # Changed content, fetched later than the record: keep the current version, show the new one.
        old = self._current_record(aid)
        old_fetched = self.conn.execute(
            "SELECT fetched_at FROM responses WHERE id = ?", (cur_rid,)
        ).fetchone()
        self._add_revision(
            aid, revision, old, cur_hash, cur_rid, old_fetched[0] if old_fetched else last_seen
        )
        dedup.remove_bands(self.conn, aid, self.dedup_config)
        cols = _columns(article)
        cols["parser_version"] = version
        if cols["views"] is None:  # the record shows the latest view count observed
            cols["views"] = old["views"]
        self._will_change(aid)
        self.conn.execute(
            "UPDATE articles SET "
            + ", ".join(f"{c} = ?" for c in RECORD_COLUMNS)
            + ", content_hash = ?, response_id = ?, last_seen = ?, revision = revision + 1 WHERE id = ?",
            [*cols.values(), content_hash, rid, fetched, aid],
        )
        dedup.add_bands(self.conn, aid, fp)
        self._refresh_views(aid)
        self._mark(rid, "article", None, aid, version)
        return IngestResult("updated", rid, article_id=aid, duplicate_of=duplicate_of)

    def _reparse_known(self, rid: int, aid: str, page: Page, article: Article, version: str) -> IngestResult:
        """A reparse of a response that already made (or revised) record ``aid``: update it in place."""
        cols = _columns(article)
        cols["parser_version"] = version
        fetched = iso_utc(page.fetched_at)
        # One view count per article and second: a later response of the same second wrote it last at ingest.
        later = self.conn.execute(
            "SELECT 1 FROM responses WHERE article_id = ? AND fetched_at = ? AND id > ? LIMIT 1",
            (aid, fetched, rid),
        ).fetchone()
        if later is None:
            self._add_views(aid, fetched, article.views)
        fp = self._fingerprint(article)
        cur = self.conn.execute(
            "SELECT response_id, content_hash, url, "
            + ", ".join(RECORD_COLUMNS)
            + " FROM articles WHERE id = ?",
            (aid,),
        ).fetchone()
        cur_rid, cur_hash, url = cur[0], cur[1], cur[2]
        content_hash = _content_key(fp, url)
        if cur_rid == rid:
            # The record shows the view count of the latest fetch, which may be a later, unchanged refetch.
            latest = self.conn.execute(
                "SELECT views FROM views WHERE article_id = ? ORDER BY observed_at DESC LIMIT 1", (aid,)
            ).fetchone()
            if latest is not None:
                cols["views"] = latest[0]
            old = _decoded(dict(zip(RECORD_COLUMNS, cur[3:], strict=True)))
            new = _decoded(cols)
            changed = tuple(c for c in RECORD_COLUMNS if old[c] != new[c])
            if changed:
                if content_hash != cur_hash:
                    dedup.remove_bands(self.conn, aid, self.dedup_config)
                self._will_change(aid)
                self.conn.execute(
                    "UPDATE articles SET "
                    + ", ".join(f"{c} = ?" for c in RECORD_COLUMNS)
                    + ", content_hash = ? WHERE id = ?",
                    [*cols.values(), content_hash, aid],
                )
                if content_hash != cur_hash:
                    dedup.add_bands(self.conn, aid, fp)
            self._mark(rid, "article", None, aid, version)
            real_changes = tuple(c for c in changed if c != "parser_version")
            return IngestResult("updated" if real_changes else "unchanged", rid, aid, changed=real_changes)
        rev = self.conn.execute(
            "SELECT id, record FROM revisions WHERE article_id = ? AND response_id = ?", (aid, rid)
        ).fetchone()
        changed = ()
        if rev is not None:
            old_record = json.loads(rev[1])
            record = {"url": old_record.get("url"), **_decoded(cols)}
            # A revision shows the view count its version had when superseded (maybe from a later refetch).
            record["views"] = old_record.get("views")
            changed = tuple(k for k in record if k != "parser_version" and old_record.get(k) != record[k])
            if record != old_record:
                self.conn.execute(
                    "UPDATE revisions SET record = ?, content_hash = ? WHERE id = ?",
                    (json.dumps(record, ensure_ascii=False), content_hash, rev[0]),
                )
        self._mark(rid, "article", None, aid, version)
        return IngestResult("updated" if changed else "unchanged", rid, aid, changed=changed)

    def _current_record(self, aid: str) -> dict[str, Any]:
        row = self.conn.execute(
            "SELECT url, " + ", ".join(RECORD_COLUMNS) + " FROM articles WHERE id = ?", (aid,)
        ).fetchone()
        return {"url": row[0], **_decoded(dict(zip(RECORD_COLUMNS, row[1:], strict=True)))}

    def _add_revision(
        self,
        aid: str,
        revision: int,
        record: dict[str, Any],
        content_hash: str,
        rid: int | None,
        fetched: str,
    ) -> None:
        self.conn.execute(
            "INSERT INTO revisions (article_id, revision, record, content_hash, response_id, fetched_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (aid, revision, json.dumps(record, ensure_ascii=False), content_hash, rid, fetched),
        )

    def _add_urls(self, aid: str, urls: list[str], canon: list[str], fetched: str) -> None:
        self.conn.executemany(
            "INSERT OR IGNORE INTO article_urls (url, canonical_url, article_id, first_seen) VALUES (?, ?, ?, ?)",
            [(u, c, aid, fetched) for u, c in zip(urls, canon, strict=True)],
        )

    def _refresh_views(self, aid: str) -> None:
        """The record shows the latest view count observed (the views time series' last entry)."""
        self.conn.execute(
            "UPDATE articles SET views = coalesce((SELECT views FROM views WHERE article_id = ?"
            " ORDER BY observed_at DESC LIMIT 1), views) WHERE id = ?",
            (aid, aid),
        )

    def _add_views(self, aid: str, fetched: str, views: int | None) -> None:
        if views is not None:
            self.conn.execute(
                "INSERT OR REPLACE INTO views (article_id, observed_at, views) VALUES (?, ?, ?)",
                (aid, fetched, views),
            )


class _IndexFailed(Exception):
    """Indexing an article failed at the end of a batch (the batch is applied again without it)."""


class _PageFailed(Exception):
    """A page failed in a batch applied without savepoints (applied again, each page in a savepoint)."""


def _content_key(fp: dedup.Fingerprint, url: str) -> str:
    """The content hash, made specific to the URL when there is no body: two pages with the same headline and
    no text are not copies of each other (the hash still covers the title, so a new title is a new version)."""
    return fp.content_hash if fp.normalized_body else f"nobody:{fp.content_hash}:{canonicalize(url)}"


def _decoded(cols: dict[str, Any]) -> dict[str, Any]:
    """Stored columns back to record values (JSON columns parsed, body_html unpacked)."""
    out = {k: (json.loads(v) if k in JSON_COLUMNS and isinstance(v, str) else v) for k, v in cols.items()}
    if "body_html" in out:
        out["body_html"] = unpack_body_html(out["body_html"], out.get("body"))
    return out
