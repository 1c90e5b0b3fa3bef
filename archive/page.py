"""Page: one fetched HTTP response as a frozen value.

A crawl, a WARC import and a reparse all build a Page and hand it to :func:`archive.ingest.ingest`, so every
page reaches the archive by one path. ``body`` holds the bytes exactly as received (after transfer/content
decoding, before any charset decoding): they are stored as they are and never altered.

A multi-page article (``content_2.htm``, 第2页) is one Page: the first page, with the later pages, in order, in
``parts``. Every part is stored as received, linked to the first, and extraction makes one record of them all,
so a crawl, a WARC import and a reparse give the same record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

Headers = tuple[tuple[str, str], ...]


def normalize_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> Headers:
    """Headers as an ordered tuple of (name, value) pairs; repeated names are kept."""
    if headers is None:
        return ()
    items = headers.items() if isinstance(headers, Mapping) else headers
    return tuple((str(k), str(v)) for k, v in items)


HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def media_type(content_type: str | None) -> str | None:
    """``text/html; charset=gbk`` -> ``text/html``."""
    return content_type.split(";", 1)[0].strip().lower() if content_type else None


def is_html(content_type: str | None, head: bytes) -> bool:
    """An HTML response: by its media type, or (none declared) by its first bytes starting with markup."""
    mtype = media_type(content_type)
    if mtype:
        return mtype in HTML_TYPES
    return head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def header_value(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """The first value of header ``name`` among (name, value) pairs, case-insensitively, or None."""
    lname = name.lower()
    for k, v in headers:
        if k.lower() == lname:
            return v
    return None


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Page:
    url: str
    body: bytes
    status: int = 200
    headers: Headers = ()
    final_url: str | None = None
    fetched_at: datetime = field(default_factory=utcnow)
    # The later pages of a multi-page article, in order (each with no parts of its own).
    parts: tuple[Page, ...] = ()

    def header(self, name: str) -> str | None:
        """The first value of a header, case-insensitively, or None."""
        return header_value(self.headers, name)

    @property
    def effective_url(self) -> str:
        """The URL the content was served from (after redirects)."""
        return self.final_url or self.url

    @property
    def content_type(self) -> str | None:
        return media_type(self.header("content-type"))

    @property
    def charset(self) -> str | None:
        """The charset declared in the Content-Type header, if any."""
        value = self.header("content-type") or ""
        for part in value.split(";")[1:]:
            key, _, val = part.partition("=")
            if key.strip().lower() == "charset" and val.strip():
                return val.strip().strip("\"'").lower()
        return None
