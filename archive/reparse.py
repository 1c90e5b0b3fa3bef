"""Re-extract stored responses from their stored raw bytes (no network), through the ingest path.

Extraction runs in a pool of worker processes (one per core); each worker reads payloads through its own
read-only connection, so only response ids and results cross process boundaries. The parent is the single
writer: it applies results in batches with :meth:`archive.ingest.Ingestor.apply` in reparse mode, where a
response that already made (or revised) a record updates that record in place. Each batch is one
transaction, so an interrupted reparse leaves every batch either applied or not; ``--outdated-only`` then
picks up where it stopped, and running it again when nothing changed changes nothing.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import sqlite_utils

from archive.db import connect
from archive.ingest import (
    Extractor,
    Ingestor,
    IngestResult,
    Outcome,
    current_parser_version,
    default_extractor,
    run_extraction,
)
from archive.page import Page
from archive.payloads import read_stored
from archive.profiles import Profiles

DEFAULT_BATCH_SIZE = 100


@dataclass
class ReparseReport:
    parser_version: str
    responses: int = 0
    seconds: float = 0.0
    statuses: Counter[str] = field(default_factory=Counter)
    field_changes: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {
            "parser_version": self.parser_version,
            "responses": self.responses,
            "seconds": round(self.seconds, 3),
            "statuses": dict(sorted(self.statuses.items())),
            "field_changes": dict(self.field_changes.most_common()),
        }


def _version_key(version: str) -> tuple[Any, ...]:
    try:
        from packaging.version import Version

        return (0, Version(version))
    except Exception:  # not PEP 440: compare as text
        return (1, version)


def is_outdated(stored: str | None, current: str) -> bool:
    """A response needs reparsing when no parser has read it, or an older one did."""
    if stored is None:
        return True
    if stored == current:
        return False
    a, b = _version_key(stored), _version_key(current)
    if a[0] == b[0] == 0:
        return bool(a[1] < b[1])
    return True


def select_responses(conn: sqlite3.Connection, *, outdated_only: bool, parser_version: str) -> list[int]:
    # A multi-page article's later parts are read with their first page (load_page), never on their own.
    rows = conn.execute(
        "SELECT id, parser_version, parse_status FROM responses WHERE part_of IS NULL ORDER BY fetched_at, id"
    )
    return [
        rid
        for rid, version, status in rows
        if not outdated_only or status is None or is_outdated(version, parser_version)
    ]


def load_page(conn: sqlite3.Connection, rid: int, *, with_body: bool = True) -> Page:
    """A stored response as the Page it was when fetched: same bytes, headers, URLs and time, and the later
    parts of a multi-page article (the responses stored as its parts, in order)."""
    page = _load_one(conn, rid, with_body)
    parts = [
        _load_one(conn, pid, with_body)
        for (pid,) in conn.execute("SELECT id FROM responses WHERE part_of = ? ORDER BY id", (rid,))
    ]
    return replace(page, parts=tuple(parts)) if parts else page


def _load_one(conn: sqlite3.Connection, rid: int, with_body: bool) -> Page:
    row = conn.execute(
        "SELECT r.url, r.final_url, r.status, r.headers, r.fetched_at, p.codec, p.dict, p.data"
        " FROM responses r JOIN payloads p ON p.digest = r.payload_digest WHERE r.id = ?",
        (rid,),
    ).fetchone()
    if row is None:
        raise LookupError(f"response {rid} has no stored payload")
    url, final_url, status, headers, fetched_at, codec, dict_digest, data = row
    return Page(
        url=url,
        body=read_stored(conn, codec, dict_digest, data) if with_body else b"",
        status=status,
        headers=tuple((str(k), str(v)) for k, v in json.loads(headers)),
        final_url=final_url,
        fetched_at=datetime.fromisoformat(fetched_at.replace("Z", "+00:00")),
    )


# -- worker side --------------------------------------------------------------------------------------------

_worker_conn: sqlite3.Connection | None = None
_worker_extractor: Extractor | None = None


def _init_worker(db_path: str, extractor: Extractor) -> None:
    global _worker_conn, _worker_extractor
    # Ctrl-C is the writer's to handle (it stops the pool); workers would only print tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_conn = connect(db_path, readonly=True)
    _worker_extractor = extractor


def _extract_one(rid: int) -> tuple[int, Page, Outcome]:
    assert _worker_conn is not None and _worker_extractor is not None
    return _extract_with(_worker_conn, _worker_extractor, rid)


def _extract_with(conn: sqlite3.Connection, extractor: Extractor, rid: int) -> tuple[int, Page, Outcome]:
    try:
        page = load_page(conn, rid)
    except Exception as exc:
        # The payload cannot be read back: report it on the response, never stop the run.
        meta = Page(url="", body=b"")
        return rid, meta, Outcome(error=f"stored payload unreadable: {type(exc).__name__}: {exc}")
    outcome = run_extraction(page, extractor)
    # The body stays on this side: the writer needs the URLs and the time, not the bytes.
    return rid, Page(page.url, b"", page.status, page.headers, page.final_url, page.fetched_at), outcome


# -- writer side --------------------------------------------------------------------------------------------


def _results(
    db_path: str | None,
    conn: sqlite3.Connection,
    ids: Sequence[int],
    extractor: Extractor,
    workers: int,
) -> Iterator[tuple[int, Page, Outcome]]:
    if workers <= 1 or db_path is None or len(ids) < 2:
        for rid in ids:
            yield _extract_with(conn, extractor, rid)
        return
    ctx = get_context("fork") if "fork" in _start_methods() else get_context()
    with ctx.Pool(workers, initializer=_init_worker, initargs=(db_path, extractor)) as pool:
        yield from pool.imap(_extract_one, ids, chunksize=4)


def _start_methods() -> list[str]:
    from multiprocessing import get_all_start_methods

    return get_all_start_methods()


def _db_path(conn: sqlite3.Connection) -> str | None:
    for _, name, path in conn.execute("PRAGMA database_list"):
        if name == "main" and path:
            return str(path)
    return None


def reparse(
    db: sqlite_utils.Database,
    *,
    outdated_only: bool = False,
    extractor: Extractor | None = None,
    parser_version: str | None = None,
    workers: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    profiles: Profiles | None = None,
) -> ReparseReport:
    """Re-extract stored responses (all, or those an older parser read) and apply the results.

    Site profiles apply as at ingest: ``profiles`` (which the archive then keeps), else the archive's own."""
    version = parser_version or current_parser_version()
    ingestor = Ingestor(
        db, extractor=extractor or default_extractor, parser_version=version, profiles=profiles
    )
    conn = db.conn
    ids = select_responses(conn, outdated_only=outdated_only, parser_version=version)
    report = ReparseReport(parser_version=version, responses=len(ids))
    started = time.perf_counter()
    pending: list[tuple[int, Page, Outcome]] = []

    def flush() -> None:
        for result in ingestor.apply(pending, reparse=True):
            _count(report, result)
        if progress is not None:
            progress(len(pending))
        pending.clear()

    workers = workers if workers is not None else (os.cpu_count() or 1)
    for item in _results(_db_path(conn), conn, ids, ingestor.extractor, workers):
        pending.append(item)
        if len(pending) >= batch_size:
            flush()
    if pending:
        flush()
    ingestor.compact()  # merge the search index's segments the changed articles left
    report.seconds = time.perf_counter() - started
    return report


def _count(report: ReparseReport, result: IngestResult) -> None:
    report.statuses[result.status] += 1
    report.field_changes.update(result.changed)


def reparse_path(path: str | Path, **kwargs: Any) -> ReparseReport:
    from archive.db import open_db

    db = open_db(path)
    try:
        return reparse(db, **kwargs)
    finally:
        db.conn.close()
