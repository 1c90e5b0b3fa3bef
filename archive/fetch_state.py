"""What the crawler remembers about each URL between runs: validators and the revisit schedule.

One row per URL in the ``fetch_state`` table. Listing pages, feeds and sitemaps keep their ``ETag`` and
``Last-Modified`` so a later run asks for them conditionally; archived articles keep ``next_visit``, on a
decaying schedule: a fresh article is revisited soon (edits, view counts), an old one rarely.

No Scrapy here: the crawler calls these functions, so does anything else that wants to know.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import sqlite_utils

from archive.page import Page

FetchKind = Literal["listing", "feed", "sitemap", "article", "other"]

MIN_REVISIT = timedelta(hours=1)
MAX_REVISIT = timedelta(days=30)
# The next visit comes after a quarter of the article's age: revisits thin out as the article ages.
REVISIT_FRACTION = 4


@dataclass(frozen=True)
class FetchState:
    url: str
    kind: FetchKind = "other"
    etag: str | None = None
    last_modified: str | None = None
    last_fetched: str | None = None
    next_visit: str | None = None

    def conditional_headers(self) -> dict[str, str]:
        """The If-None-Match / If-Modified-Since headers that make a refetch cheap when nothing changed."""
        headers: dict[str, str] = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers

    def is_due(self, now: datetime | None = None) -> bool:
        """An article is due for a revisit once its ``next_visit`` has passed (never scheduled: not due)."""
        if self.next_visit is None:
            return False
        return parse_time(self.next_visit) <= (now or datetime.now(UTC))


def parse_time(value: str) -> datetime:
    """An ISO 8601 time; naive values are taken as UTC, a bare date as its midnight UTC."""
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def revisit_interval(age: timedelta) -> timedelta:
    """clamp(age / 4, 1 h, 30 d)."""
    return min(max(age / REVISIT_FRACTION, MIN_REVISIT), MAX_REVISIT)


def next_visit(now: datetime, *, published_at: str | None = None, first_seen: str | None = None) -> datetime:
    """When an article fetched ``now`` should be fetched again.

    Its age counts from its publication time when the page gave one, else from when the archive first saw it.
    """
    anchor = now
    for value in (published_at, first_seen):
        if value:
            try:
                anchor = parse_time(value)
                break
            except ValueError:
                continue
    return now + revisit_interval(max(now - anchor, timedelta(0)))


def article_states(
    conn: sqlite3.Connection, page: Page, article_id: str | None, now: datetime
) -> list[FetchState]:
    """The state to keep for an archived article fetched ``now``: its validators and its next visit.

    One state per page it came from: a multi-page article's parts are revisited with it.
    """
    return articles_states(conn, [(page, article_id)], now)


def articles_states(
    conn: sqlite3.Connection, pages: Sequence[tuple[Page, str | None]], now: datetime
) -> list[FetchState]:
    """:func:`article_states` of each (page, article id), in order: the articles' dates read at once (a
    statement per page cost about 0.005 ms of the crawl's archive writer per page)."""
    ids = list(dict.fromkeys(aid for _, aid in pages if aid is not None))
    dates: dict[str, tuple[str | None, str | None]] = {}
    for chunk in range(0, len(ids), _IDS_PER_QUERY):
        some = ids[chunk : chunk + _IDS_PER_QUERY]
        rows = conn.execute(
            f"SELECT id, published_at, first_seen FROM articles WHERE id IN ({','.join('?' * len(some))})",
            some,
        )
        dates.update((r[0], (r[1], r[2])) for r in rows)
    fetched = iso(now)
    out = []
    for page, article_id in pages:
        published, first_seen = dates.get(article_id, (None, None)) if article_id else (None, None)
        visit = iso(next_visit(now, published_at=published, first_seen=first_seen))
        out += [
            FetchState(p.url, "article", p.header("ETag"), p.header("Last-Modified"), fetched, visit)
            for p in (page, *page.parts)
        ]
    return out


_IDS_PER_QUERY = 500  # under SQLite's limit on a statement's parameters


_COLUMNS = ("url", "kind", "etag", "last_modified", "last_fetched", "next_visit")


def _row(state: FetchState) -> tuple[str | None, ...]:
    return (state.url, state.kind, state.etag, state.last_modified, state.last_fetched, state.next_visit)


def load_all(db: sqlite_utils.Database) -> dict[str, FetchState]:
    """Every URL's state (a snapshot the crawler consults without touching the database per link)."""
    rows = db.conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM fetch_state")
    return {r[0]: FetchState(*r) for r in rows}


def get(db: sqlite_utils.Database, url: str) -> FetchState | None:
    row = db.conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM fetch_state WHERE url = ?", (url,)).fetchone()
    return FetchState(*row) if row else None


def save(db: sqlite_utils.Database | sqlite3.Connection, states: Iterable[FetchState]) -> int:
    """Upsert states in one transaction (or inside the caller's, if one is open). Returns the row count.

    A state with no validators does not erase validators stored earlier: a 304 answer carries none.
    """
    conn = db.conn if isinstance(db, sqlite_utils.Database) else db
    rows = [_row(s) for s in states]
    if not rows:
        return 0
    own_tx = not conn.in_transaction
    if own_tx:
        conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany(
            """
            INSERT INTO fetch_state (url, kind, etag, last_modified, last_fetched, next_visit)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(url) DO UPDATE SET
                kind = excluded.kind,
                etag = coalesce(excluded.etag, fetch_state.etag),
                last_modified = coalesce(excluded.last_modified, fetch_state.last_modified),
                last_fetched = coalesce(excluded.last_fetched, fetch_state.last_fetched),
                next_visit = excluded.next_visit
            """,
            rows,
        )
        if own_tx:
            conn.execute("COMMIT")
    except BaseException:
        if own_tx:
            conn.execute("ROLLBACK")
        raise
    return len(rows)
