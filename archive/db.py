"""Open an archive: one SQLite file, its pragmas, its schema and the migrations between versions.

The schema version is kept in ``PRAGMA user_version``; :data:`MIGRATIONS` holds one function per version step,
so an archive made by an older release opens and is upgraded in place, in one transaction.

Tables (all written through :mod:`archive.ingest`, the one write path):

- ``payloads``: raw response bodies, compressed, keyed by their digest, so an unchanged refetch stores nothing new.
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
SCHEMA_VERSION = 1
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


# MIGRATIONS[n] upgrades a database at user_version n to n + 1.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {0: _v1}


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
