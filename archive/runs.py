"""Run records (the ``runs`` table), the archive's run lock, and how a run's figures become its outcome.

A crawl (or an import) opens a run when it starts, updates its figures after every committed batch (so a
killed run still shows what it did) and closes it with an outcome. A run left open by a killed process is
marked ``interrupted`` by the next run that takes the lock.

No Scrapy here: the crawler and the CLI both use it.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import sqlite_utils

from archive.errors import ArchiveLocked

Outcome = Literal["ok", "degraded", "failed", "interrupted"]

# Exit status of a run, by outcome (interrupted by Ctrl-C / SIGTERM: 130, as a shell reports SIGINT; a
# refused run exits with ArchiveLocked.exit_code, 4).
EXIT_CODES: dict[str, int] = {"ok": 0, "failed": 1, "degraded": 3, "interrupted": 130}

# A run is degraded when more than this share of its fetches failed (and at least MIN_ERRORS did).
DEFAULT_MAX_ERROR_RATIO = 0.25
MIN_ERRORS = 3
# Failures that are the site's ordinary state, not a sign the crawl went wrong: a broken link, a page
# robots.txt keeps us from. They are recorded, but do not make a run degraded.
ROUTINE_ERRORS = frozenset({"http_4xx", "robots_forbidden"})


@dataclass
class RunCounts:
    """The figures of one run, as the pipeline counts them."""

    pages_fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicate: int = 0
    listing: int = 0
    other: int = 0
    not_modified: int = 0  # 304 answers to conditional requests
    known_skipped: int = 0  # article links not fetched because they are archived and not due
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def articles(self) -> int:
        return self.new + self.updated + self.unchanged + self.duplicate

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def add_status(self, status: str) -> None:
        """Count one IngestResult status."""
        if status in ("new", "updated", "unchanged", "duplicate", "listing", "other"):
            setattr(self, status, getattr(self, status) + 1)


def classify(
    counts: RunCounts,
    *,
    had_articles_before: bool,
    max_error_ratio: float = DEFAULT_MAX_ERROR_RATIO,
    crashed: bool = False,
) -> Outcome:
    """The outcome of a finished run.

    failed: the run crashed, or it could fetch nothing at all (every request failed or was refused).
    degraded: too many of its fetches failed (more than ``max_error_ratio`` of them, and at least
    MIN_ERRORS; broken links and robots.txt refusals do not count), or it found nothing on a site whose archive had articles
    (no article, no known article link, no listing answering "not modified": the layout or the site broke).
    """
    attempts = counts.pages_fetched + counts.not_modified + counts.error_count
    if crashed or (counts.pages_fetched + counts.not_modified == 0):
        return "failed"
    serious = sum(n for kind, n in counts.errors.items() if kind not in ROUTINE_ERRORS)
    if serious >= MIN_ERRORS and serious / attempts > max_error_ratio:
        return "degraded"
    found = counts.articles + counts.known_skipped + counts.not_modified
    if had_articles_before and found == 0:
        return "degraded"
    return "ok"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def start_run(db: sqlite_utils.Database, kind: str, args: dict[str, Any] | None = None) -> int:
    conn = db.conn
    cur = conn.execute(
        "INSERT INTO runs (kind, args, started_at) VALUES (?, ?, ?)",
        (kind, json.dumps(args or {}, ensure_ascii=False), _now()),
    )
    return int(cur.lastrowid or 0)


def update_run(db: sqlite_utils.Database, run_id: int, counts: RunCounts) -> None:
    """Write the run's figures so far (it stays open: outcome NULL)."""
    db.conn.execute(
        """UPDATE runs SET pages_fetched = ?, articles_new = ?, articles_updated = ?, articles_unchanged = ?,
           articles_duplicate = ?, errors = ? WHERE id = ?""",
        (
            counts.pages_fetched,
            counts.new,
            counts.updated,
            counts.unchanged,
            counts.duplicate,
            json.dumps(dict(sorted(counts.errors.items()))),
            run_id,
        ),
    )


def finish_run(db: sqlite_utils.Database, run_id: int, counts: RunCounts, outcome: Outcome) -> None:
    update_run(db, run_id, counts)
    db.conn.execute("UPDATE runs SET ended_at = ?, outcome = ? WHERE id = ?", (_now(), outcome, run_id))


def mark_abandoned(db: sqlite_utils.Database) -> int:
    """Close runs a killed process left open. Call only while holding the archive's lock."""
    cur = db.conn.execute("UPDATE runs SET outcome = 'interrupted' WHERE outcome IS NULL")
    return cur.rowcount


def list_runs(db: sqlite_utils.Database, limit: int | None = None) -> list[dict[str, Any]]:
    """Runs, newest first, as dicts with ``args`` and ``errors`` decoded."""
    sql = "SELECT * FROM runs ORDER BY id DESC" + (f" LIMIT {int(limit)}" if limit else "")
    out = []
    for row in db.query(sql):
        row = dict(row)
        for key in ("args", "errors"):
            try:
                row[key] = json.loads(row[key]) if row[key] else {}
            except ValueError:
                pass
        out.append(row)
    return out


def site_has_articles(db: sqlite_utils.Database, sites: list[str]) -> bool:
    """Whether the archive holds any article of these sites (host names)."""
    if not sites:
        return False
    marks = ",".join("?" for _ in sites)
    row = db.conn.execute(f"SELECT 1 FROM articles WHERE site IN ({marks}) LIMIT 1", sites).fetchone()
    return row is not None


class ArchiveLock:
    """An exclusive lock on an archive (``<db>.lock`` beside it), held for the whole of a run.

    flock is released by the kernel when the process dies, so a SIGKILLed run never leaves a stale lock.
    """

    def __init__(self, db_path: str | Path):
        self.path = Path(f"{db_path}.lock")
        self._fd: int | None = None

    def acquire(self) -> ArchiveLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = self.path.read_text(encoding="utf-8", errors="replace").strip() or "another process"
            raise ArchiveLocked(
                f"{self.path.with_suffix('')}: another run holds the archive's lock ({holder})"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> ArchiveLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
