"""The one ingest path: store raw -> extract -> dedup -> upsert -> revisions.

A crawl, a WARC import and a reparse all call :meth:`Ingestor.ingest` (or ``ingest_many``) with a
:class:`~archive.page.Page`. The raw response is committed before extraction runs, so a parse failure never
loses a page: it stays stored with its error and a later ``reparse`` can recover it.

Interface (stable; other modules rely on it):

    with Ingestor.open("archive.db") as ing:          # or Ingestor(db) around an open sqlite_utils.Database
        result = ing.ingest(page, run_id=None)         # -> IngestResult
        results = ing.ingest_many(pages, run_id=None)  # one BEGIN IMMEDIATE transaction per batch
        ing.is_known(url)                              # an archived article exists at this URL (or a variant)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

IngestStatus = Literal["new", "updated", "unchanged", "duplicate", "listing", "other", "error", "skipped"]


@dataclass(frozen=True)
class IngestResult:
    status: IngestStatus
    response_id: int
    article_id: str | None = None
    duplicate_of: str | None = None
    error: str | None = None
