"""Extraction: a pure function from a fetched page (raw bytes + URL + headers) to an Article.

No network, no database. ``PARSER_VERSION`` is bumped whenever a change can alter any record, so that
``news-archive reparse`` can find the records an older parser made.
"""

from __future__ import annotations

from archive.article import Article
from archive.page import Page

PARSER_VERSION = "0.1.0"


def extract(page: Page) -> Article:
    """Extract the SPEC's record from one page. Never raises on bad markup; see ExtractionError."""
    raise NotImplementedError("extraction engine: issue #2")


def extract_bytes(body: bytes, url: str | None = None, headers: dict[str, str] | None = None) -> Article:
    """Convenience wrapper for callers that hold bytes rather than a Page."""
    from archive.page import normalize_headers

    return extract(Page(url=url or "", body=body, headers=normalize_headers(headers)))
