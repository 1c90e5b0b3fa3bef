"""Reading the archive: an article as the SPEC's record, its revisions, near copies and view counts.

Used by ``show``, ``export`` and anything else that prints records. Records come out in the SPEC's key order
(``file`` excepted) with the archive-only keys: ``id``, ``urls``, ``duplicate_of``, ``first_seen``,
``last_seen``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

import sqlite_utils

from archive.article import JSON_FIELDS, RECORD_KEYS, STORED_FIELDS
from archive.stored_html import unpack_body_html
from archive.urls import canonicalize

ARTICLE_COLUMNS = ("id", "url", *STORED_FIELDS, "duplicate_of", "first_seen", "last_seen")
_JSON = JSON_FIELDS
Conn = sqlite3.Connection | sqlite_utils.Database


def _conn(db: Conn) -> sqlite3.Connection:
    return db.conn if isinstance(db, sqlite_utils.Database) else db


def _record(row: tuple[Any, ...], urls: list[str]) -> dict[str, Any]:
    values = dict(zip(ARTICLE_COLUMNS, row, strict=True))
    for key, empty in _JSON.items():
        raw = values.get(key)
        values[key] = json.loads(raw) if raw else empty
    values["body_html"] = unpack_body_html(values.get("body_html"), values.get("body"))
    for key, value in values.items():
        if value == "":
            values[key] = None
    values["urls"] = urls
    return {k: values[k] for k in RECORD_KEYS if k in values}


def _urls(conn: sqlite3.Connection, article_id: str) -> list[str]:
    rows = conn.execute(
        "SELECT url FROM article_urls WHERE article_id = ? ORDER BY first_seen, rowid", (article_id,)
    ).fetchall()
    return [r[0] for r in rows]


def get_record(db: Conn, article_id: str) -> dict[str, Any] | None:
    """One article as the SPEC's record, or None."""
    conn = _conn(db)
    row = conn.execute(
        f"SELECT {', '.join(ARTICLE_COLUMNS)} FROM articles WHERE id = ?", (article_id,)
    ).fetchone()
    return None if row is None else _record(row, _urls(conn, article_id))


def iter_records(db: Conn, batch_size: int = 500) -> Iterator[dict[str, Any]]:
    """Every article record in the order they were archived, read in batches (constant memory)."""
    conn = _conn(db)
    last = 0
    while True:
        rows = conn.execute(
            f"SELECT rowid, {', '.join(ARTICLE_COLUMNS)} FROM articles WHERE rowid > ? ORDER BY rowid LIMIT ?",
            (last, batch_size),
        ).fetchall()
        if not rows:
            return
        ids = [r[1] for r in rows]
        urls: dict[str, list[str]] = {i: [] for i in ids}
        marks = ",".join("?" * len(ids))
        for aid, url in conn.execute(
            f"SELECT article_id, url FROM article_urls WHERE article_id IN ({marks}) ORDER BY first_seen, rowid",
            ids,
        ):
            urls[aid].append(url)
        for row in rows:
            yield _record(row[1:], urls[row[1]])
        last = rows[-1][0]


def resolve(db: Conn, id_or_url: str) -> str | None:
    """The id of the article with this id, or found at this URL (or a variant of it)."""
    conn = _conn(db)
    key = id_or_url.strip()
    if conn.execute("SELECT 1 FROM articles WHERE id = ?", (key,)).fetchone():
        return key
    row = conn.execute("SELECT article_id FROM article_urls WHERE url = ?", (key,)).fetchone()
    if row is None:
        row = conn.execute(
            "SELECT article_id FROM article_urls WHERE canonical_url = ? LIMIT 1", (canonicalize(key),)
        ).fetchone()
    return row[0] if row else None


def get_revisions(db: Conn, article_id: str) -> list[dict[str, Any]]:
    """Earlier versions of an article, oldest fetch first: revision number, fetch time, the record then."""
    rows = _conn(db).execute(
        "SELECT revision, fetched_at, record FROM revisions WHERE article_id = ? ORDER BY fetched_at, revision",
        (article_id,),
    )
    return [{"revision": r, "fetched_at": f, "record": json.loads(rec)} for r, f, rec in rows]


def get_duplicates(db: Conn, article_id: str) -> list[dict[str, Any]]:
    """The records that nearly copy this one (syndicated copies, the other script)."""
    rows = _conn(db).execute(
        "SELECT id, url, site, title, lang, first_seen FROM articles WHERE duplicate_of = ? ORDER BY first_seen, id",
        (article_id,),
    )
    keys = ("id", "url", "site", "title", "lang", "first_seen")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def get_views(db: Conn, article_id: str) -> list[dict[str, Any]]:
    """The view count as observed at each fetch."""
    rows = _conn(db).execute(
        "SELECT observed_at, views FROM views WHERE article_id = ? ORDER BY observed_at", (article_id,)
    )
    return [{"observed_at": t, "views": v} for t, v in rows]


def get_fetches(db: Conn, article_id: str) -> list[dict[str, Any]]:
    """Every stored response that made or refreshed this record."""
    rows = _conn(db).execute(
        "SELECT id, url, final_url, status, fetched_at, payload_digest, parser_version FROM responses"
        " WHERE article_id = ? ORDER BY fetched_at, id",
        (article_id,),
    )
    keys = ("response_id", "url", "final_url", "status", "fetched_at", "payload_digest", "parser_version")
    return [dict(zip(keys, r, strict=True)) for r in rows]
