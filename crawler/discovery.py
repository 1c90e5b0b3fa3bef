"""Link discovery for news sites, as plain functions over URLs and bytes (no Scrapy state).

The ``news`` spider uses them, and so can any other spider (the scale-out workers reuse them): what a link
on a page is (an article, a listing, something else), which links lead to the next page of a listing,
which lead to the next part of a multi-page article, and what URLs a sitemap, a feed or a robots.txt lists.

URL heuristics come from the CMSs Chinese portals run on (TRS WCM ``t20210119_123.html`` and
``index_1.html``, ``content_123.htm`` / ``content_123_2.htm``, ``/art/2021/1/19/art_12_345.html``,
``?page=2``) and from the common dated-path shape of news sites everywhere (``/2021/01/19/slug``).
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from urllib.parse import parse_qsl, urldefrag, urlencode, urljoin, urlsplit, urlunsplit

import lxml.etree
import lxml.html

LinkKind = Literal["article", "listing", "unknown", "skip"]

# Files that are never pages of the site's text.
_SKIP_EXT = re.compile(
    r"\.(?:jpe?g|png|gif|bmp|webp|svg|ico|css|js|json|pdf|docx?|xlsx?|pptx?|wps|et|zip|rar|7z|gz|tar|"
    r"mp[34]|m4a|avi|mov|wmv|flv|swf|apk|exe|dmg|iso|txt|xml|rss|atom)$",
    re.I,
)

_ARTICLE_PATTERNS = [
    re.compile(p, re.I)
    for p in (
        r"/t20\d{6}_\d+\.s?html?$",  # TRS WCM: /202101/t20210119_123456.html
        r"/content_\d+(?:_\d+)?\.s?html?$",  # content_123.htm (and its continuation pages)
        r"/art_\d+_\d+\.s?html?$",  # Hanweb: /art/2021/1/19/art_1229_456.html
        r"/(?:19|20)\d{2}[-/]?[01]?\d[-/]?[0-3]?\d/[^/?#]+\.s?html?$",  # /2021-01/19/xxx.html, /20210119/..
        r"/(?:19|20)\d{2}/[01]?\d/[0-3]?\d/[^/?#]+/?$",  # /2021/01/19/a-slug
        r"/(?:article|articles|story|stories|news|detail|content|show|view|a)/[^/?#]*\d{4,}[^/?#]*$",
        r"/\d{6,}(?:_\d+)?\.s?html?$",  # /123456.html
        r"[?&](?:id|aid|articleid|newsid|docid|contentid|itemid)=\d{3,}",
        r"/(?:doc|news|info|article)-\d{3,}",
    )
]

_LISTING_PATTERNS = [
    re.compile(p, re.I)
    for p in (
        r"/(?:index|default|list|more)(?:_\d+)?\.s?html?$",
        r"/(?:list|lists|channel|column|col|category|section|node|tag|tags|topic)[/_-]",
        r"[?&](?:page|p|pageno|pagenum|pn|currpage)=\d+",
        r"/page/\d+/?$",
        r"/$",
    )
]

NEXT_TEXTS = (
    "下一页",
    "下页",
    "下一頁",
    "下頁",
    "后页",
    "後頁",
    "next",
    "next page",
    "next »",
    "»",
    "›",
    "older",
)


def clean_url(href: str, base: str) -> str | None:
    """An absolute http(s) URL without its fragment, or None for links that are not pages."""
    href = (href or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    url, _ = urldefrag(urljoin(base, href))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    if _SKIP_EXT.search(parts.path):
        return None
    return url


@lru_cache(maxsize=65536)
def classify_url(url: str) -> LinkKind:
    """What a URL most likely is, from its shape alone (memoised: a site's navigation links are on every page)."""
    parts = urlsplit(url)
    path_q = parts.path + ("?" + parts.query if parts.query else "")
    if _SKIP_EXT.search(parts.path):
        return "skip"
    if any(p.search(path_q) for p in _ARTICLE_PATTERNS):
        # content_123_2.htm is an article part; index_2.html is a listing page: article patterns first,
        # but a listing-named file wins.
        if re.search(r"/(?:index|default|list)(?:_\d+)?\.s?html?$", parts.path, re.I):
            return "listing"
        return "article"
    if any(p.search(path_q) for p in _LISTING_PATTERNS) or parts.path in ("", "/"):
        return "listing"
    return "unknown"


def same_site(url: str, hosts: Iterable[str]) -> bool:
    """Whether ``url`` is on one of ``hosts`` or a subdomain of one (www. ignored)."""
    host = _host(url)
    for h in hosts:
        h = h.lower().removeprefix("www.")
        if host == h or host.endswith("." + h):
            return True
    return False


@lru_cache(maxsize=65536)
def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def parse_html(body: bytes, url: str, header_charset: str | None = None) -> lxml.html.HtmlElement | None:
    """Parse for link discovery only, decoded the way the archive decodes (a header charset that
    contradicts the page loses), so link texts such as 下一页 read right. The stored bytes are untouched."""
    if not body.strip():
        return None
    from archive.extract.decode import decode

    try:
        text = decode(body, header_charset).text
        doc = lxml.html.document_fromstring(text, base_url=url)
    except (lxml.etree.ParserError, ValueError):
        return None
    return doc


@dataclass(frozen=True)
class Link:
    url: str
    text: str


def links(doc: lxml.html.HtmlElement, base: str) -> list[Link]:
    """Every page link of a document (a[href], area[href]), absolute, in document order, once each."""
    base = _base_href(doc, base)
    seen: set[str] = set()
    out: list[Link] = []
    for el in doc.iter("a", "area"):
        url = clean_url(el.get("href", ""), base)
        if url and url not in seen:
            seen.add(url)
            out.append(Link(url, " ".join((el.text_content() or "").split())))
    return out


def _base_href(doc: lxml.html.HtmlElement, url: str) -> str:
    for b in doc.iter("base"):
        href = b.get("href")
        if href:
            return urljoin(url, href)
    return url


def next_page_urls(doc: lxml.html.HtmlElement, url: str) -> list[str]:
    """Links to the next page of a listing: rel=next, 下一页/next anchors, and TRS's createPageHTML()."""
    base = _base_href(doc, url)
    found: list[str] = []

    def add(href: str | None) -> None:
        u = clean_url(href or "", base)
        if u and u != url and u not in found:
            found.append(u)

    for el in doc.iter("link", "a"):
        if "next" in (el.get("rel") or "").lower().split():
            add(el.get("href"))
    for el in doc.iter("a"):
        text = " ".join((el.text_content() or "").split()).lower()
        title = (el.get("title") or "").strip().lower()
        if text in NEXT_TEXTS or title in NEXT_TEXTS:
            add(el.get("href"))
    for script in doc.iter("script"):
        add_all = trs_pages(script.text or "", base)
        for u in add_all:
            add(u)
    return found


_CREATE_PAGE = re.compile(
    r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([^'\"]+)['\"]\s*,\s*['\"]([^'\"]+)['\"]"
)
_COUNT_PAGE = re.compile(r"var\s+countPage\s*=\s*['\"]?(\d+)")
_CURRENT_PAGE = re.compile(r"var\s+currentPage\s*=\s*['\"]?(\d+)")


def trs_pages(script: str, base: str) -> list[str]:
    """TRS WCM writes its pager in script: ``createPageHTML(12, 0, "index", "html")`` means pages
    index.html, index_1.html ... index_11.html; return the next one (the walk goes page by page so it can
    stop at the first page of known articles)."""
    m = _CREATE_PAGE.search(script)
    if m:
        total, current, prefix, ext = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
    else:
        c, cur = _COUNT_PAGE.search(script), _CURRENT_PAGE.search(script)
        if not c or not cur:
            return []
        total, current, prefix, ext = int(c.group(1)), int(cur.group(1)), "index", "html"
    nxt = current + 1
    if nxt >= total:
        return []
    return [urljoin(base, f"{prefix}_{nxt}.{ext}")]


@lru_cache(maxsize=65536)
def listing_stem(url: str) -> str:
    """A listing URL without its page number: index_3.html, ?page=3 and /page/3/ all give the first page's
    URL, so the pages of one listing are recognised as one walk."""
    parts = urlsplit(url)
    path = re.sub(r"/(index|default|list|more)_\d+(\.s?html?)$", r"/\1\2", parts.path, flags=re.I)
    path = re.sub(r"/page/\d+/?$", "/", path)
    path = re.sub(r"/(?:index|default)\.s?html?$", "/", path, flags=re.I)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in ("page", "p", "pageno", "pagenum", "pn", "currpage")
    ]
    return urlunsplit(parts._replace(path=path, query=urlencode(query), fragment=""))


# Multi-page articles ----------------------------------------------------------------------------------

_PART_TEXT = re.compile(r"^(?:第\s*(\d+)\s*[页頁]|\[?(\d+)\]?|下一页|下页|下一頁|next page|next)$", re.I)


@lru_cache(maxsize=65536)
def part_stem(url: str) -> tuple[str, int]:
    """(URL with the part number removed, part number): content_12_3.htm -> (content_12.htm, 3)."""
    parts = urlsplit(url)
    m = re.search(r"^(.*?/[^/]*?\d+)_(\d{1,3})(\.s?html?)$", parts.path, re.I)
    if m:
        return urlunsplit(parts._replace(path=m.group(1) + m.group(3))), int(m.group(2))
    query = parse_qsl(parts.query, keep_blank_values=True)
    for i, (k, v) in enumerate(query):
        if k.lower() in ("page", "p", "pageno") and v.isdigit():
            rest = query[:i] + query[i + 1 :]
            return urlunsplit(parts._replace(query=urlencode(rest))), int(v)
    return url, 1


def continuation_urls(
    doc: lxml.html.HtmlElement, url: str, page_links: list[Link] | None = None
) -> list[str]:
    """The other parts of a multi-page article, in order: links whose URL is this page's with a part number
    (content_12_2.htm, ?page=2), shown as 第2页 / 2 / 下一页. Only parts after this one. ``page_links``: the
    page's :func:`links`, when the caller has them already."""
    stem, number = part_stem(url)
    found: dict[int, str] = {}
    for link in links(doc, url) if page_links is None else page_links:
        other_stem, other_number = part_stem(link.url)
        if other_stem != stem or other_number <= number:
            continue
        if not (_PART_TEXT.match(link.text.strip()) or other_number == number + 1):
            continue
        found.setdefault(other_number, link.url)
    return [found[k] for k in sorted(found)]


# Sitemaps, feeds, robots.txt ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    lastmod: str | None = None


def maybe_gunzip(body: bytes, limit: int = 50 * 1024 * 1024) -> bytes:
    """Gzipped sitemaps (sitemap.xml.gz) unpacked, up to ``limit`` bytes; a broken archive gives b""."""
    if body[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as fh:
                return fh.read(limit)
        except (OSError, EOFError):
            return b""
    return body


def _xml_head(body: bytes) -> bytes:
    head = maybe_gunzip(body)[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return (
        head if head.startswith((b"<?xml", b"<rss", b"<feed", b"<urlset", b"<sitemapindex", b"<rdf")) else b""
    )


def _xml_root(body: bytes) -> lxml.etree._Element | None:
    parser = lxml.etree.XMLParser(recover=True, remove_comments=True, resolve_entities=False, no_network=True)
    try:
        return lxml.etree.fromstring(maybe_gunzip(body).strip(), parser=parser)
    except (lxml.etree.XMLSyntaxError, ValueError, OSError, EOFError):
        return None


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def parse_sitemap(body: bytes) -> tuple[str, list[SitemapEntry]]:
    """('urlset' | 'sitemapindex' | 'invalid', entries). Gzipped sitemaps are accepted."""
    root = _xml_root(body)
    if root is None:
        return "invalid", []
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        return "invalid", []
    entries = []
    for child in root:
        if _local(child.tag) not in ("url", "sitemap"):
            continue
        loc = lastmod = None
        for el in child:
            name = _local(el.tag)
            if name == "loc":
                loc = (el.text or "").strip()
            elif name == "lastmod":
                lastmod = (el.text or "").strip() or None
        if loc:
            entries.append(SitemapEntry(loc, lastmod))
    return kind, entries


def parse_feed(body: bytes, base: str) -> list[str]:
    """Item links of an RSS 2.0 / RSS 1.0 / Atom feed, in feed order."""
    root = _xml_root(body)
    if root is None:
        return []
    out: list[str] = []
    for el in root.iter():
        name = _local(el.tag)
        if name == "item":
            for child in el:
                if _local(child.tag) == "link" and (child.text or "").strip():
                    out.append(urljoin(base, child.text.strip()))
                    break
            else:
                for child in el:
                    if _local(child.tag) == "guid" and (child.text or "").startswith("http"):
                        out.append(child.text.strip())
        elif name == "entry":
            hrefs = [
                c.get("href")
                for c in el
                if _local(c.tag) == "link" and c.get("rel", "alternate") == "alternate" and c.get("href")
            ]
            if hrefs:
                out.append(urljoin(base, hrefs[0]))
    return out


def is_feed(body: bytes) -> bool:
    head = _xml_head(body)
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def is_sitemap(body: bytes) -> bool:
    head = _xml_head(body)
    return b"<urlset" in head or b"<sitemapindex" in head


def feed_urls(doc: lxml.html.HtmlElement, url: str) -> list[str]:
    """Feeds a page advertises with <link rel="alternate" type="application/rss+xml|atom+xml">."""
    out = []
    for el in doc.iter("link"):
        rel = (el.get("rel") or "").lower().split()
        typ = (el.get("type") or "").lower()
        if "alternate" in rel and ("rss" in typ or "atom" in typ) and el.get("href"):
            u = urljoin(url, el.get("href", ""))
            if u not in out:
                out.append(u)
    return out


def sitemaps_from_robots(body: bytes, base: str) -> list[str]:
    out = []
    for line in body.decode("utf-8", "ignore").splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip():
            out.append(urljoin(base, value.strip()))
    return out


def iter_unique(urls: Iterable[str]) -> Iterator[str]:
    seen: set[str] = set()
    for u in urls:
        if u not in seen:
            seen.add(u)
            yield u
