"""Extraction: a pure function from a fetched page (raw bytes + URL + headers) to an Article.

No network, no database. ``PARSER_VERSION`` is bumped whenever a change can alter any record, so that
``news-archive reparse`` can find the records an older parser made.

The steps, each in its own module: decode the bytes (decode), parse with lxml (dom), take out injected spam
(spam), find the content block and its paragraphs (body), the headline (title), the metadata lines (meta),
decide the page type (pagetype) and the language (lang), and render safe HTML (sanitize).
"""

from __future__ import annotations

from archive.article import Article
from archive.page import Page

PARSER_VERSION = "1.4.6"


def extract(page: Page) -> Article:
    """Extract the SPEC's record from one page (with its later parts, for a multi-page article).

    Bad input is not an error: empty, binary, truncated or malformed pages give a record (``page_type``
    ``other`` when nothing could be read). An exception here is a bug; callers record it as the page's error.
    """
    from archive.extract.pipeline import run

    article = run(page, PARSER_VERSION)
    if page.parts and article.page_type == "article":
        # A multi-page article: each part's body extracted on its own, joined in order (archive.extract.parts).
        from archive.extract.parts import join_parts

        later = [run(part, PARSER_VERSION) for part in page.parts if 200 <= part.status < 300]
        article = join_parts(article, later)
    return article


def extract_bytes(body: bytes, url: str | None = None, headers: dict[str, str] | None = None) -> Article:
    """Convenience wrapper for callers that hold bytes rather than a Page."""
    from archive.page import normalize_headers

    return extract(Page(url=url or "", body=body, headers=normalize_headers(headers)))
