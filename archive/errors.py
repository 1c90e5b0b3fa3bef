"""Domain errors. Each carries a one-line reason that the CLI prints as is (no traceback)."""

from __future__ import annotations


class ArchiveError(Exception):
    """Base of every error the CLI turns into a one-line message and a non-zero exit."""

    exit_code = 1


class NotAnArchive(ArchiveError):
    """The file exists but is not a news-archive database (or not SQLite at all)."""


class ArchiveLocked(ArchiveError):
    """Another process holds the archive's write lock (a crawl run, an import)."""

    exit_code = 4


class BadInput(ArchiveError):
    """A file or argument the command cannot use (truncated WARC, malformed query, ...)."""
