"""Full-text search (issue #3). STUB created by the ingest helper so the write path can call its hooks;
the search helper replaces the bodies (and the rest of this module).

:func:`index_article` is called by :mod:`archive.ingest` inside the write transaction after an article row is
inserted or updated (new record, new revision, reparse, an exact copy's URL added); :func:`unindex_article`
before a record is removed.
"""

from __future__ import annotations

import sqlite_utils


def index_article(db: sqlite_utils.Database, article_id: str) -> None:
    """(Re)index one article in the full-text index. No-op until archive.search lands."""


def unindex_article(db: sqlite_utils.Database, article_id: str) -> None:
    """Remove one article from the full-text index. No-op until archive.search lands."""
