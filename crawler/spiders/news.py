"""The ``news`` spider: discovers a news site's articles and yields each fetched article page as an item.

    scrapy crawl news -a start_urls=https://example.gov.cn/,https://example.gov.cn/xwzx/ [-a profile=sites.toml]

What it fetches, from each start URL's site only (the hosts of the start URLs, and their subdomains):

- the start pages and every same-site link on the pages it fetches; links are classified by their shape
  (:func:`crawler.discovery.classify_url`, or a profile's patterns) so listings are walked and articles
  archived;
- listing pagination (``index_1.html``, ``?page=2``, 下一页 / next links, TRS ``createPageHTML``), walked page
  by page and abandoned at the first page whose article links are all archived already;
- the sitemaps robots.txt names (or ``/sitemap.xml``), sitemap indexes, and the RSS / Atom feeds pages
  advertise;
- the continuation pages of a multi-page article (``content_12_2.htm``, 第2页, 下一页 inside an article), which
  travel with the first page in one item so the archive makes one record of them.

Incremental: a URL whose archived article is not yet due for a revisit is not fetched; listings, feeds and
sitemaps fetched before are asked for conditionally (If-None-Match / If-Modified-Since), and a 304 ends
the walk there. What a run learns about listings (their validators) is handed to the pipeline at the end of a
completed run only, so an interrupted run's listings are read again in full next time and nothing it missed
stays hidden behind a 304.

Items are dicts with the :class:`~archive.page.Page` fields (url, final_url, status, headers, body, fetched_at)
plus ``kind`` and, for a multi-page article, ``parts`` (the later pages as dicts of the same shape).
The raw bytes are ``response.body`` untouched; the spider never decodes a page for storage.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure
from w3lib.url import canonicalize_url

from archive import fetch_state
from archive.db import open_db
from archive.errors import ArchiveError
from archive.fetch_state import FetchState
from archive.urls import canonicalize
from crawler import discovery
from crawler.profiles import Profiles, SiteProfile, load_profiles

logger = logging.getLogger(__name__)

# Content types archived (the archive skips anything else anyway; not fetching it saves the bytes).
_HTML_TYPES = (b"text/html", b"application/xhtml+xml")


def error_kind(failure: Failure) -> str:
    """A short, stable name for why a request failed: the keys of a run's ``errors``."""
    exc = failure.value
    name = type(exc).__name__
    if isinstance(exc, HttpError):
        status = exc.response.status
        return f"http_{status // 100}xx"
    text = str(exc)
    if name == "IgnoreRequest":
        if "robots.txt unreachable" in text:
            return "robots_unreachable"
        if "robots.txt" in text:
            return "robots_forbidden"
        if "redirect" in text:
            return "redirect_loop"
        if "offsite" in text.lower():
            return "offsite"
        return "ignored"
    lowered = name.lower()
    if "timeout" in lowered or "timedout" in lowered:
        return "timeout"
    if name == "DownloadCancelledError" or "maxsize" in text.lower() or "max size" in text.lower():
        return "too_large"
    if "dataloss" in lowered or "DataLoss" in text:
        return "truncated"
    if name in ("CannotResolveHostError", "DNSLookupError"):
        return "dns"
    if name in ("ConnectionRefusedError", "DownloadConnectionRefusedError"):
        return "connection_refused"
    if name in (
        "ConnectionLost",
        "ConnectionDone",
        "ConnectionAborted",
        "ResponseFailed",
        "DownloadFailedError",
    ):
        if "DataLoss" in text or "dataloss" in text.lower():
            return "truncated"
        return "connection_lost"
    return name


def page_dict(response: Response, kind: str) -> dict[str, Any]:
    """The item for one response: the Page fields, the bytes exactly as received."""
    redirects = response.request.meta.get("redirect_urls") if response.request else None
    headers: list[tuple[str, str]] = []
    for name, values in response.headers.items():
        for value in values:
            headers.append((name.decode("latin-1"), value.decode("latin-1")))
    return {
        "url": redirects[0] if redirects else response.url,
        "final_url": response.url,
        "status": response.status,
        "headers": headers,
        "body": response.body,
        "fetched_at": datetime.now(UTC),
        "kind": kind,
    }


@lru_cache(maxsize=65536)
def fetch_key(url: str) -> str:
    """What makes two links one fetch within a run: Scrapy's canonical URL (fragment dropped, query
    sorted). Looser than the archive's identity on purpose: ``/news/`` and ``/news/index.html`` are one
    record when both are articles, but a server may answer them differently, so both are fetched.
    Memoised, as :func:`archive_key` is: a link is looked at several times, and a site's navigation links are
    on every page."""
    return canonicalize_url(url)


@lru_cache(maxsize=65536)
def archive_key(url: str) -> str:
    """The archive's identity of a URL (:func:`archive.urls.canonicalize`), memoised."""
    return canonicalize(url)


def header_charset(response: Response) -> str | None:
    value = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
    for part in value.split(";")[1:]:
        key, _, val = part.partition("=")
        if key.strip().lower() == "charset" and val.strip():
            return val.strip().strip("\"'")
    return None


def _validators(response: Response) -> tuple[str | None, str | None]:
    etag = response.headers.get(b"ETag")
    lm = response.headers.get(b"Last-Modified")
    return (etag.decode("latin-1") if etag else None, lm.decode("latin-1") if lm else None)


class CrawlMemory:
    """What earlier runs left in the archive, loaded once at start: article URLs (canonical), and each URL's
    fetch state. Lookups per link then cost no database round trip."""

    def __init__(self, states: dict[str, FetchState] | None = None, known: set[str] | None = None):
        self.states = states or {}
        self.known = known or set()

    @classmethod
    def load(cls, db_path: str | None) -> CrawlMemory:
        if not db_path:
            return cls()
        try:
            db = open_db(db_path, readonly=True)
        except ArchiveError:
            return cls()  # no archive yet: everything is new
        try:
            states = fetch_state.load_all(db)
            known = {r[0] for r in db.conn.execute("SELECT canonical_url FROM article_urls")}
        finally:
            db.conn.close()
        return cls(states, known)

    def is_archived(self, url: str) -> bool:
        state = self.states.get(url)
        if state is not None and state.kind == "article":
            return True
        return bool(self.known) and archive_key(url) in self.known  # (a first run knows nothing)

    def is_due(self, url: str, now: datetime) -> bool:
        state = self.states.get(url)
        return state is not None and state.kind == "article" and state.is_due(now)

    def headers_for(self, url: str) -> dict[str, str]:
        state = self.states.get(url)
        return state.conditional_headers() if state else {}


class NewsSpider(Spider):
    name = "news"

    def __init__(
        self,
        start_urls: str | list[str] | None = None,
        profile: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if isinstance(start_urls, str):
            start_urls = [u.strip() for u in start_urls.split(",") if u.strip()]
        self.profile_path = profile
        self.profiles = load_profiles(profile) if profile else Profiles()
        urls = list(start_urls or []) + [u for u in self.profiles.start_urls if u not in (start_urls or [])]
        self.start_urls = urls
        self.hosts = sorted({(urlsplit(u).hostname or "").lower().removeprefix("www.") for u in urls} - {""})
        # Scrapy's OffsiteMiddleware reads allowed_domains: the same hosts (subdomains included).
        self.allowed_domains = list(self.hosts)
        self.memory = CrawlMemory()
        self.now = datetime.now(UTC)
        self.errors: Counter[str] = Counter()
        self.pages_fetched = 0
        self.not_modified = 0
        self.known_skipped = 0
        self.article_links_seen = 0
        self._scheduled: set[str] = set()
        self._part_urls: set[str] = set()
        self._origin: dict[str, str] = {}  # article URL -> the listing it was found on
        self._incomplete: set[str] = set()  # listings with an article that failed this run
        self._listing_states: dict[str, FetchState] = {}  # handed over at the end of a completed run
        self._fetched_states: list[FetchState] = []  # non-listing fetches, handed over as they come
        self._sitemaps_tried: set[str] = set()
        self.max_listing_pages = 500
        self.revisit = True

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        spider: NewsSpider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        if not spider.profile_path and settings.get("NEWS_ARCHIVE_PROFILE"):
            spider.profiles = load_profiles(settings["NEWS_ARCHIVE_PROFILE"])
            extra = [u for u in spider.profiles.start_urls if u not in spider.start_urls]
            spider.start_urls += extra
            spider.hosts = sorted(
                {(urlsplit(u).hostname or "").lower().removeprefix("www.") for u in spider.start_urls} - {""}
            )
            spider.allowed_domains = list(spider.hosts)
        spider.memory = CrawlMemory.load(settings.get("NEWS_ARCHIVE_DB"))
        spider.max_listing_pages = settings.getint("NEWS_ARCHIVE_MAX_LISTING_PAGES", 500)
        spider.revisit = settings.getbool("NEWS_ARCHIVE_REVISIT", True)
        return spider

    # -- start ----------------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        if not self.start_urls:
            logger.error("no start URLs: pass -a start_urls=URL1,URL2 (or a profile with start_urls)")
            return
        robots_obeyed = self.settings.getbool("ROBOTSTXT_OBEY")
        for url in self.start_urls:
            req = self.page_request(url, kind="listing", role="seed", force=True)
            if req is not None:
                yield req
            if not robots_obeyed:
                # Nobody else reads robots.txt then: read it for its Sitemap: lines.
                root = self._root(url)
                yield Request(
                    root + "/robots.txt",
                    callback=self.parse_robots,
                    errback=self.on_error,
                    meta={"role": "robots", "handle_httpstatus_all": True},
                    dont_filter=True,
                )

    @staticmethod
    def _root(url: str) -> str:
        p = urlsplit(url)
        return f"{p.scheme}://{p.netloc}"

    # -- requests -------------------------------------------------------------------------------------

    def profile_for(self, url: str) -> SiteProfile | None:
        return self.profiles.for_url(url) if self.profiles.sites else None

    def classify(self, url: str) -> str:
        profile = self.profile_for(url)
        if profile is not None:
            kind = profile.classify(url)
            if kind:
                return kind
        return discovery.classify_url(url)

    def allowed(self, url: str) -> bool:
        if not discovery.same_site(url, self.hosts):
            return False
        profile = self.profile_for(url)
        return profile is None or profile.allows(url)

    def page_request(
        self,
        url: str,
        *,
        kind: str,
        role: str,
        origin: str | None = None,
        force: bool = False,
        meta: dict[str, Any] | None = None,
        priority: int = 0,
    ) -> Request | None:
        """A request for ``url`` unless it was scheduled already this run, or is an archived article that
        is not due for a revisit. Conditional headers when the URL was fetched before."""
        key = fetch_key(url)
        if key in self._scheduled and not force:
            return None
        self._scheduled.add(key)
        headers: dict[str, str] = {}
        if self.memory.is_archived(url):
            if not (self.revisit and self.memory.is_due(url, self.now)) and role != "seed":
                self.known_skipped += 1
                return None
        headers = self.memory.headers_for(url)
        if origin is not None and kind == "article":
            self._origin[url] = origin
        m = {"kind": kind, "role": role, "handle_httpstatus_list": [304], **(meta or {})}
        return Request(
            url,
            callback=self.parse,
            errback=self.on_error,
            headers=headers or None,
            meta=m,
            priority=priority,
            dont_filter=force,
        )

    # -- responses ------------------------------------------------------------------------------------

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        meta = response.meta
        kind, role = meta.get("kind", "unknown"), meta.get("role", "page")
        if response.status == 304:
            self.not_modified += 1
            self._not_modified(response, kind)
            if role == "seed":
                yield from self._known_feeds_and_sitemaps(response.url)
            return
        self.pages_fetched += 1
        body = response.body
        if role in ("sitemap", "feed") or discovery.is_sitemap(body) or discovery.is_feed(body):
            yield from self.parse_xml(response)
            return
        ctype = (response.headers.get(b"Content-Type") or b"").split(b";")[0].strip().lower()
        if ctype and not ctype.startswith(_HTML_TYPES):
            return  # not a page (an image or a document served from an extensionless URL)
        doc = discovery.parse_html(body, response.url, header_charset(response))
        if doc is None:
            if kind != "listing":
                yield page_dict(response, kind)
            return
        is_listing = role in ("seed", "listing") or kind == "listing"
        if role == "seed":
            yield from self._seed_extras(response, doc)
        page_links = discovery.links(doc, response.url)  # once, for the parts and for the links to follow
        if not is_listing:
            parts = discovery.continuation_urls(doc, response.url, page_links)
            parts = [u for u in parts if self.allowed(u) and fetch_key(u) not in self._scheduled]
            if parts:
                for u in parts:
                    self._part_urls.add(fetch_key(u))
                    self._scheduled.add(fetch_key(u))
                item = page_dict(response, "article")
                item["parts"] = []
                yield self._part_request(item, parts)
            else:
                yield page_dict(response, kind)  # the pipeline records its fetch state from the result
        else:
            self._remember(response, "listing")
        yield from self.follow_links(response, doc, listing=is_listing, page_links=page_links)

    def _seed_extras(self, response: Response, doc: Any) -> Iterator[Request]:
        """On a start page: the site's feeds, and its sitemaps (robots.txt's, else /sitemap.xml)."""
        for url in discovery.feed_urls(doc, response.url):
            if self.allowed(url):
                req = self.page_request(url, kind="feed", role="feed")
                if req is not None:
                    yield req
        from crawler.middlewares import PoliteRobotsTxtMiddleware

        mw = self.crawler.get_downloader_middleware(PoliteRobotsTxtMiddleware)
        netloc = urlsplit(response.url).netloc
        rules = mw.rules_for(netloc) if mw is not None else None
        if rules is not None:  # (robots.txt not obeyed: parse_robots reads its Sitemap: lines instead)
            root = self._root(response.url)
            yield from self._sitemap_requests(root, [urljoin(root + "/", u) for u in rules.sitemaps])

    def _known_feeds_and_sitemaps(self, url: str) -> Iterator[Request]:
        """An unchanged start page still leads to the site's feeds and sitemaps (asked conditionally)."""
        root = self._root(url)
        self._sitemaps_tried.add(root)
        for state in self.memory.states.values():
            if state.kind in ("feed", "sitemap") and self._root(state.url) == root:
                req = self.page_request(state.url, kind=state.kind, role=state.kind)
                if req is not None:
                    yield req

    def parse_robots(self, response: Response) -> Iterator[Request]:
        if response.status != 200:
            yield from self._sitemap_requests(self._root(response.url), [])
            return
        found = discovery.sitemaps_from_robots(response.body, response.url)
        yield from self._sitemap_requests(self._root(response.url), found)

    def _sitemap_requests(self, root: str, listed: list[str]) -> Iterator[Request]:
        if root in self._sitemaps_tried:
            return
        self._sitemaps_tried.add(root)
        guessed = not listed
        for url in listed or [root + "/sitemap.xml"]:
            if not self.allowed(url):
                continue
            req = self.page_request(url, kind="sitemap", role="sitemap", meta={"guessed": guessed})
            if req is not None:
                yield req

    def parse_xml(self, response: Response) -> Iterator[Request]:
        body = response.body
        if discovery.is_sitemap(body):
            kind, entries = discovery.parse_sitemap(body)
            self._remember(response, "sitemap")
            for entry in entries:
                if not self.allowed(entry.url):
                    continue
                if kind == "sitemapindex":
                    req = self.page_request(entry.url, kind="sitemap", role="sitemap")
                else:  # a sitemap lists a site's pages worth indexing: mostly articles
                    req = self._link_request(entry.url, origin=response.url, default_kind="article")
                if req is not None:
                    yield req
            return
        self._remember(response, "feed")
        for url in discovery.parse_feed(body, response.url):
            if self.allowed(url):
                req = self._link_request(url, origin=response.url, default_kind="article")
                if req is not None:
                    yield req

    def _link_request(self, url: str, *, origin: str, default_kind: str | None = None) -> Request | None:
        if fetch_key(url) in self._part_urls:
            return None
        kind = self.classify(url)
        if kind == "skip":
            return None
        if kind == "unknown" and default_kind:
            kind = default_kind
        state = self.memory.states.get(url)
        if state is not None and state.kind in ("listing", "feed", "sitemap"):
            return self.page_request(url, kind=state.kind, role=state.kind)
        if kind == "article" or self.memory.is_archived(url):
            self.article_links_seen += 1
            return self.page_request(url, kind="article", role="article", origin=origin)
        if kind == "listing":
            return self.page_request(url, kind="listing", role="listing", priority=1)
        return self.page_request(url, kind="unknown", role="page")

    def follow_links(
        self, response: Response, doc: Any, *, listing: bool, page_links: list[discovery.Link] | None = None
    ) -> Iterator[Request]:
        url = response.url
        if page_links is None:
            page_links = discovery.links(doc, url)
        links = [link.url for link in page_links if self.allowed(link.url)]
        next_pages = set(discovery.next_page_urls(doc, url))
        stem = discovery.listing_stem(url)
        pagination = {u for u in links if u != url and discovery.listing_stem(u) == stem} | next_pages
        article_links = [u for u in links if u not in pagination and self._looks_article(u)]
        all_known = bool(article_links) and all(self.memory.is_archived(u) for u in article_links)
        depth = int(response.meta.get("listing_page", 0))
        walk_pagination = listing and not all_known and depth < self.max_listing_pages
        for u in links:
            if u in pagination:
                continue
            req = self._link_request(u, origin=url)
            if req is not None:
                yield req
        if listing and all_known and pagination:
            logger.debug("%s: every article on this page is archived; not walking its pagination", url)
        for u in sorted(pagination | next_pages, key=lambda x: (x not in next_pages, x)):
            if not walk_pagination and listing:
                break
            if not listing and u not in next_pages:
                continue
            req = self.page_request(u, kind="listing", role="listing", meta={"listing_page": depth + 1})
            if req is not None:
                yield req

    def _looks_article(self, url: str) -> bool:
        return self.classify(url) == "article" or self.memory.is_archived(url)

    # -- multi-page articles --------------------------------------------------------------------------

    def _part_request(self, item: dict[str, Any], remaining: list[str]) -> Request:
        url, rest = remaining[0], remaining[1:]
        return Request(
            url,
            callback=self.parse_part,
            errback=self.part_failed,
            meta={"item": item, "remaining": rest, "role": "part"},
            dont_filter=True,
        )

    def parse_part(self, response: Response) -> Iterator[Any]:
        item, remaining = response.meta["item"], list(response.meta["remaining"])
        self.pages_fetched += 1
        item["parts"].append(page_dict(response, "part"))
        doc = discovery.parse_html(response.body, response.url, header_charset(response))
        if doc is not None:
            for u in discovery.continuation_urls(doc, response.url):
                key = fetch_key(u)
                if self.allowed(u) and key not in self._scheduled and u not in remaining:
                    self._scheduled.add(key)
                    self._part_urls.add(key)
                    remaining.append(u)
        if remaining:
            yield self._part_request(item, remaining)
        else:
            yield item

    def part_failed(self, failure: Failure) -> Iterator[Any]:
        """A later part failed: archive what was fetched (the record says less, but nothing is lost), and
        count the failure."""
        self.on_error(failure)
        request = failure.request  # type: ignore[attr-defined]
        item, remaining = request.meta["item"], list(request.meta["remaining"])
        if remaining:
            yield self._part_request(item, remaining)
        else:
            yield item

    # -- bookkeeping ----------------------------------------------------------------------------------

    def _not_modified(self, response: Response, kind: str) -> None:
        """A 304: a listing keeps its validators; an article revisit is rescheduled (twice the last
        interval, within the schedule's bounds)."""
        url = response.request.url if response.request else response.url
        state = self.memory.states.get(url)
        if kind == "article" or (state is not None and state.kind == "article"):
            now = datetime.now(UTC)
            interval = fetch_state.MIN_REVISIT
            if state is not None and state.last_fetched and state.next_visit:
                previous = fetch_state.parse_time(state.next_visit) - fetch_state.parse_time(
                    state.last_fetched
                )
                interval = min(max(previous * 2, fetch_state.MIN_REVISIT), fetch_state.MAX_REVISIT)
            self._fetched_states.append(
                FetchState(url, "article", None, None, fetch_state.iso(now), fetch_state.iso(now + interval))
            )
            return
        self._remember(response, kind if kind in ("listing", "feed", "sitemap") else "listing")

    def note_listing(self, state: FetchState) -> None:
        """The archive found a page to be a listing: its validators follow the listings' end-of-run rule."""
        self._listing_states[state.url] = state

    def _remember(self, response: Response, kind: str) -> None:
        etag, lm = _validators(response)
        state = FetchState(
            url=response.request.url if response.request else response.url,
            kind=kind,  # type: ignore[arg-type]
            etag=etag,
            last_modified=lm,
            last_fetched=fetch_state.iso(datetime.now(UTC)),
        )
        if kind in ("listing", "feed", "sitemap"):
            self._listing_states[state.url] = state
        elif kind != "article":
            self._fetched_states.append(state)

    def take_fetch_states(self) -> list[FetchState]:
        """Fetch states the pipeline should save now (pages that are not listings)."""
        out, self._fetched_states = self._fetched_states, []
        return out

    def final_fetch_states(self, completed: bool) -> list[FetchState]:
        """Listing validators to keep, at the end of a run: only from a completed run, and only for listings
        none of whose articles failed (so a 304 next time hides nothing this run missed)."""
        if not completed:
            return []
        return [s for url, s in self._listing_states.items() if url not in self._incomplete]

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        kind = error_kind(failure)
        if kind == "offsite":
            return  # a redirect off the site: not followed, not a failure
        if request is not None:
            if kind == "http_4xx" and request.meta.get("guessed"):
                return  # a guessed /sitemap.xml that is not there is no error
        if request is not None and kind != "robots_forbidden":
            # A listing whose article (or whose own fetch) failed keeps no validators: next run reads it
            # in full and finds what this one missed. (A page robots.txt forbids will never be fetched.)
            origin = self._origin.get(request.url)
            if origin:
                self._incomplete.add(origin)
            if request.meta.get("role") in ("seed", "listing", "sitemap", "feed"):
                self._incomplete.add(request.url)
        self.errors[kind] += 1
        logger.info("failed %s: %s", getattr(request, "url", "?"), kind)
