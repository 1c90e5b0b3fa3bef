"""Open an archive: one SQLite file, its pragmas, its schema and the migrations between versions.

The schema version is kept in ``PRAGMA user_version``; :data:`MIGRATIONS` holds one function per version step,
so an archive made by an older release opens and is upgraded in place, in one transaction.

Tables (all written through :mod:`archive.ingest`, the one write path):

- ``payloads``: raw response bodies, compressed (against a page of the same host), keyed by their digest, so an
  unchanged refetch stores nothing new.
- ``responses``: every fetch (url, final_url, status, headers, fetched_at, payload digest, run), and what parsing
  made of it (parse_status, parse_error, parser_version, article_id). Stored before extraction runs.
- ``articles``: the deduplicated records (SPEC fields plus site, hashes, simhash, revision count).
- ``article_urls``: every URL (and its canonical form) an article was found at.
- ``revisions``: earlier versions of an article's content when a refetch changed it.
- ``views``: the view count as a time series.
- ``simhash_bands``: the near-duplicate index (band number, band value) -> article.
- ``articles_fts``: the full-text index (see :mod:`archive.search`).
- ``runs``: crawl and import runs with their figures and outcome.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from archive.errors import ArchiveError, NotAnArchive

# Stored in PRAGMA application_id so a foreign SQLite file is told apart from an archive ("NWSA").
APPLICATION_ID = 0x4E575341
SCHEMA_VERSION = 3
BUSY_TIMEOUT_MS = 30_000


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run several statements inside the caller's transaction (executescript would COMMIT first)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        conn.execute(statement)


def _v1(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE payloads (
            digest TEXT PRIMARY KEY,          -- 'sha1:' + base32, as WARC-Payload-Digest
            codec TEXT NOT NULL,              -- 'zlib' or 'identity'
            size INTEGER NOT NULL,            -- uncompressed size in bytes
            data BLOB NOT NULL
        );
        CREATE TABLE responses (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL,
            final_url TEXT,
            status INTEGER NOT NULL,
            headers TEXT NOT NULL,            -- JSON list of [name, value] pairs, in received order
            content_type TEXT,
            fetched_at TEXT NOT NULL,         -- ISO 8601 UTC
            payload_digest TEXT NOT NULL REFERENCES payloads(digest),
            run_id INTEGER,
            parse_status TEXT,                -- NULL until parsed; 'article' | 'listing' | 'other' | 'error' | 'skipped' | 'part'
            parse_error TEXT,
            parser_version TEXT,
            article_id TEXT,
            -- A later page of a multi-page article: the first page's response (parse_status 'part'). Parts
            -- follow their first page in id order; reparse and WARC export rebuild the article from them.
            part_of INTEGER REFERENCES responses(id)
        );
        CREATE INDEX responses_url ON responses(url);
        CREATE INDEX responses_part_of ON responses(part_of) WHERE part_of IS NOT NULL;
        CREATE INDEX responses_article ON responses(article_id);
        CREATE INDEX responses_parser ON responses(parser_version);
        CREATE TABLE articles (
            id TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            site TEXT NOT NULL,
            title TEXT,
            published_at TEXT,
            source TEXT,
            author TEXT,
            editor TEXT,
            views INTEGER,
            credits TEXT NOT NULL DEFAULT '{}',
            body TEXT,
            body_html TEXT,
            images TEXT NOT NULL DEFAULT '[]',
            lang TEXT,
            spam TEXT NOT NULL DEFAULT '[]',
            page_type TEXT NOT NULL DEFAULT 'article',
            encoding TEXT,
            parser_version TEXT,
            duplicate_of TEXT REFERENCES articles(id),
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            content_hash TEXT NOT NULL,       -- of the normalized (Simplified) title + body: exact copies
            simhash INTEGER,                  -- 64-bit, signed for SQLite: near copies
            response_id INTEGER REFERENCES responses(id),
            revision INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX articles_site ON articles(site);
        CREATE INDEX articles_published ON articles(published_at);
        CREATE INDEX articles_content_hash ON articles(content_hash);
        CREATE INDEX articles_duplicate_of ON articles(duplicate_of);
        -- Full-text index (archive/search.py): external content on articles, so datasette and sqlite-utils
        -- detect it, but what is indexed is the folded (Simplified) text as CJK bigrams + words, written only
        -- by archive.search. articles_fts_indexed keeps what was indexed, for FTS5's 'delete' command.
        CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, body, content="articles", tokenize="unicode61 remove_diacritics 2"
        );
        CREATE TABLE articles_fts_indexed (
            rowid INTEGER PRIMARY KEY,        -- articles.rowid, the FTS rowid
            article_id TEXT NOT NULL UNIQUE,
            source BLOB NOT NULL              -- zlib(JSON [title, body]) as indexed
        );
        CREATE TABLE article_urls (
            url TEXT PRIMARY KEY,
            canonical_url TEXT NOT NULL,
            article_id TEXT NOT NULL REFERENCES articles(id),
            first_seen TEXT NOT NULL
        );
        CREATE INDEX article_urls_canonical ON article_urls(canonical_url);
        CREATE INDEX article_urls_article ON article_urls(article_id);
        CREATE TABLE revisions (
            id INTEGER PRIMARY KEY,
            article_id TEXT NOT NULL REFERENCES articles(id),
            revision INTEGER NOT NULL,
            record TEXT NOT NULL,             -- the superseded record as JSON
            content_hash TEXT NOT NULL,
            response_id INTEGER REFERENCES responses(id),
            fetched_at TEXT NOT NULL,
            UNIQUE(article_id, revision)
        );
        CREATE TABLE views (
            article_id TEXT NOT NULL REFERENCES articles(id),
            observed_at TEXT NOT NULL,
            views INTEGER NOT NULL,
            PRIMARY KEY (article_id, observed_at)
        );
        CREATE TABLE simhash_bands (
            band INTEGER NOT NULL,
            value INTEGER NOT NULL,
            article_id TEXT NOT NULL REFERENCES articles(id),
            PRIMARY KEY (band, value, article_id)
        ) WITHOUT ROWID;
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,               -- 'crawl' | 'import' | 'reparse' | 'writer'
            args TEXT,                        -- JSON: start URLs, files, settings
            started_at TEXT NOT NULL,
            ended_at TEXT,
            pages_fetched INTEGER NOT NULL DEFAULT 0,
            articles_new INTEGER NOT NULL DEFAULT 0,
            articles_updated INTEGER NOT NULL DEFAULT 0,
            articles_unchanged INTEGER NOT NULL DEFAULT 0,
            articles_duplicate INTEGER NOT NULL DEFAULT 0,
            errors TEXT NOT NULL DEFAULT '{}', -- JSON: error kind -> count
            outcome TEXT                      -- NULL while running; 'ok' | 'degraded' | 'failed' | 'interrupted'
        );
        CREATE TABLE fetch_state (            -- conditional requests and revisit schedule for the crawler
            url TEXT PRIMARY KEY,
            etag TEXT,
            last_modified TEXT,
            last_fetched TEXT,
            next_visit TEXT,
            kind TEXT                         -- 'listing' | 'feed' | 'sitemap' | 'article' | 'other'
        );
        CREATE TABLE settings (               -- what the archive keeps about how its records are made
            key TEXT PRIMARY KEY,             -- 'profiles': the site profile file (TOML), archive/profiles.py
            value TEXT NOT NULL
        );
        """,
    )


def _v2(conn: sqlite3.Connection) -> None:
    """Release 0.2: a third of the size. Payloads are compressed against a page of their host
    (archive/payloads.py), body_html against the row's body (archive/stored_html.py), and the search index's
    compressed copy of what it indexed (articles_fts_indexed) is dropped: the articles' rows are that text.

    Payloads stored by 0.1 stay zlib (readable as ever; only new ones use dictionaries).
    """
    run_script(
        conn,
        """
        -- Compressed with this payload's body as dictionary (NULL: compressed alone).
        ALTER TABLE payloads ADD COLUMN dict TEXT REFERENCES payloads(digest);
        -- The host this payload is the compression dictionary of (NULL for most).
        ALTER TABLE payloads ADD COLUMN dict_for TEXT;
        CREATE INDEX payloads_dict_for ON payloads(dict_for) WHERE dict_for IS NOT NULL;
        """,
    )
    _pack_stored_body_html(conn)
    _drop_indexed_copy(conn)
    # The near-copy band index by article rowid (not its 16-character id) and 32-bit band values: half the
    # size. A 0.1 value's low 32 bits are the value archive.dedup computes now.
    run_script(
        conn,
        """
        CREATE TABLE simhash_bands_v2 (
            band INTEGER NOT NULL,
            value INTEGER NOT NULL,           -- signed 32-bit hash of the band's MinHash rows
            article INTEGER NOT NULL,         -- articles.rowid
            PRIMARY KEY (band, value, article)
        ) WITHOUT ROWID;
        INSERT OR IGNORE INTO simhash_bands_v2 (band, value, article)
            SELECT b.band, (b.value & 4294967295) - (CASE WHEN b.value & 2147483648 THEN 4294967296 ELSE 0 END),
                a.rowid
            FROM simhash_bands b JOIN articles a ON a.id = b.article_id;
        DROP TABLE simhash_bands;
        ALTER TABLE simhash_bands_v2 RENAME TO simhash_bands;
        """,
    )


def _pack_stored_body_html(conn: sqlite3.Connection) -> None:
    from archive.stored_html import pack_body_html

    last = -1
    while True:  # in chunks: an archive is never held in memory whole
        rows = conn.execute(
            "SELECT rowid, body_html, body FROM articles WHERE rowid > ? AND typeof(body_html) = 'text'"
            " ORDER BY rowid LIMIT 1000",
            (last,),
        ).fetchall()
        if not rows:
            return
        conn.executemany(
            "UPDATE articles SET body_html = ? WHERE rowid = ?",
            [(pack_body_html(html, body), rowid) for rowid, html, body in rows],
        )
        last = rows[-1][0]


def _drop_indexed_copy(conn: sqlite3.Connection) -> None:
    """From here on the index holds each article's current row. 0.1 kept what it indexed beside the index; an
    entry that differs from its article's row (or an article never indexed) is brought up to date with it."""
    import json
    import zlib

    from archive import search

    last = -1
    while True:
        rows = conn.execute(
            "SELECT rowid, article_id, source FROM articles_fts_indexed WHERE rowid > ? ORDER BY rowid LIMIT 1000",
            (last,),
        ).fetchall()
        if not rows:
            break
        for rowid, article_id, source in rows:
            title, body = json.loads(zlib.decompress(source).decode("utf-8"))
            search.index_article(conn, article_id, search.Indexed(rowid, title, body))
        last = rows[-1][0]
    missing = conn.execute(
        "SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM articles_fts_indexed)"
    ).fetchall()
    for (article_id,) in missing:
        search.index_article(conn, article_id, None)
    conn.execute("DROP TABLE articles_fts_indexed")


# Segments FTS5 lets accumulate on a level before merging them into one on the next (its default is 4).
# Merging as pages are indexed was a third of the index's insert cost; with 16, each term's entries are
# rewritten about half as often, and the merge at the end of every crawl, import or reparse
# (Ingestor.compact) leaves the index as compact as before (bench/crawl.py, docs/benchmarks.md).
FTS_AUTOMERGE = 16


def _v3(conn: sqlite3.Connection) -> None:
    """Release 0.3: the search index merges its segments less eagerly while pages are indexed."""
    conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('automerge', ?)", (FTS_AUTOMERGE,))


# MIGRATIONS[n] upgrades a database at user_version n to n + 1.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {0: _v1, 1: _v2, 2: _v3}


def _is_sqlite_file(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(16) == b"SQLite format 3\x00"


def connect(path: str | Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A configured connection: WAL, a busy timeout, autocommit (transactions are explicit)."""
    path = Path(path)
    if path.exists() and path.stat().st_size > 0 and not _is_sqlite_file(path):
        raise NotAnArchive(f"{path}: not an SQLite database")
    if readonly:
        if not path.exists():
            raise ArchiveError(f"{path}: no such archive")
        conn = sqlite3.connect(
            f"file:{path}?mode=ro", uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000
        )
    else:
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if not readonly:
        # Before switching to WAL: changing a foreign database's journal mode would already alter its file.
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if app_id not in (0, APPLICATION_ID) or (
            app_id == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        ):
            conn.close()
            raise NotAnArchive(f"{path}: not a news-archive database (it holds other tables)")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def migrate(conn: sqlite3.Connection) -> None:
    """Create or upgrade the schema to :data:`SCHEMA_VERSION`. Refuses foreign databases."""
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    has_tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    if app_id not in (0, APPLICATION_ID) or (app_id == 0 and has_tables):
        raise NotAnArchive("not a news-archive database (it holds other tables)")
    if version > SCHEMA_VERSION:
        raise ArchiveError(
            f"archive schema v{version} is newer than this release understands (v{SCHEMA_VERSION})"
        )
    if version == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        while version < SCHEMA_VERSION:
            MIGRATIONS[version](conn)
            version += 1
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def open_db(path: str | Path, *, readonly: bool = False) -> sqlite_utils.Database:
    """Open (creating and migrating) an archive and wrap it in sqlite_utils.Database.

    Raises NotAnArchive for a file that is not an archive, ArchiveError for one that cannot be opened.
    """
    try:
        conn = connect(path, readonly=readonly)
        if readonly:
            if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                raise NotAnArchive(f"{path}: not a news-archive database")
        else:
            migrate(conn)
    except sqlite3.DatabaseError as exc:
        raise NotAnArchive(f"{path}: cannot open as an archive ({exc})") from exc
    return sqlite_utils.Database(conn)


def memory_db() -> sqlite_utils.Database:
    """A migrated in-memory archive, for tests."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrate(conn)
    return sqlite_utils.Database(conn)
