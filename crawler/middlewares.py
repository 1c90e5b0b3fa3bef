"""Downloader middlewares: robots.txt read per RFC 9309 with its Crawl-delay, and retries with backoff.

Scrapy's own RobotsTxtMiddleware parses whatever body robots.txt answers with, so a robots.txt that answers
503 (an HTML error page) reads as "allow all", and it ignores Crawl-delay. RFC 9309 says the opposite: an
unreachable robots.txt (5xx, network error) means "disallow all", an unavailable one (4xx) means "allow
all". :class:`PoliteRobotsTxtMiddleware` replaces it (settings.py swaps them).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from protego import Protego
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import defer, task

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


async def sleep(seconds: float) -> None:
    """Wait without blocking the reactor (whichever reactor runs)."""
    if seconds > 0:
        from twisted.internet import reactor

        await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))


@dataclass
class RobotsRules:
    """What one site's robots.txt says, or what RFC 9309 says to assume when it could not be read."""

    verdict: str  # 'parsed' | 'allow_all' (4xx) | 'disallow_all' (5xx, unreachable)
    parser: Protego | None = None
    expires: float = float("inf")
    status: int | None = None

    def allowed(self, url: str, user_agent: str) -> bool:
        if self.verdict == "disallow_all":
            return False
        if self.parser is None:
            return True
        return bool(self.parser.can_fetch(url, user_agent))

    def crawl_delay(self, user_agent: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(user_agent)
        return float(delay) if delay is not None else None

    @property
    def sitemaps(self) -> list[str]:
        return list(self.parser.sitemaps) if self.parser is not None else []


@dataclass
class _Pacer:
    """Spaces the starts of one site's requests by its Crawl-delay, whatever the concurrency."""

    delay: float = 0.0
    next_start: float = 0.0

    def reserve(self) -> float:
        now = time.monotonic()
        start = max(now, self.next_start)
        self.next_start = start + self.delay
        return start - now


@dataclass
class _Site:
    rules: RobotsRules | None = None
    fetching: bool = False
    # Requests that arrived while robots.txt was being fetched: one Deferred each. A shared Deferred would not
    # do: under asyncio, awaiting it (maybe_deferred_to_future) consumes its result, so only the first waiter
    # would get the rules and every later one None.
    waiters: list[defer.Deferred[RobotsRules]] = field(default_factory=list)
    pacer: _Pacer = field(default_factory=_Pacer)


class PoliteRobotsTxtMiddleware:
    """robots.txt per RFC 9309: 2xx parsed, 4xx allow all, 5xx or unreachable disallow all (for a while).

    Crawl-delay is honoured by spacing the site's request starts. Requests refused raise IgnoreRequest with a
    message starting "Forbidden by robots.txt" or "robots.txt unreachable", so the spider can count them.
    """

    DOWNLOAD_PRIORITY = 1000

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        if not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        self.crawler = crawler
        self.user_agent: str = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT") or "*"
        self.retry_unavailable: float = settings.getfloat("ROBOTSTXT_UNAVAILABLE_RETRY", 600)
        self._sites: dict[str, _Site] = {}
        self.listeners: list[Callable[[str, RobotsRules], None]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PoliteRobotsTxtMiddleware:
        return cls(crawler)

    def rules_for(self, netloc: str) -> RobotsRules | None:
        site = self._sites.get(netloc)
        return site.rules if site else None

    async def process_request(self, request: Request, spider: Any = None) -> None:
        if request.meta.get("dont_obey_robotstxt") or not request.url.startswith(("http://", "https://")):
            return
        netloc = urlparse_cached(request).netloc
        rules = await self._rules(request)
        stats = self.crawler.stats
        if rules.verdict == "disallow_all":
            if stats:
                stats.inc_value("robotstxt/unreachable_refused")
            raise IgnoreRequest(f"robots.txt unreachable (status {rules.status}): disallow all")
        if not rules.allowed(request.url, self.user_agent):
            if stats:
                stats.inc_value("robotstxt/forbidden")
            raise IgnoreRequest("Forbidden by robots.txt")
        wait = self._sites[netloc].pacer.reserve()
        await sleep(wait)

    async def _rules(self, request: Request) -> RobotsRules:
        url = urlparse_cached(request)
        site = self._sites.setdefault(url.netloc, _Site())
        if site.rules is not None and site.rules.expires > time.monotonic():
            return site.rules
        if site.fetching:
            waiter: defer.Deferred[RobotsRules] = defer.Deferred()
            site.waiters.append(waiter)
            return await maybe_deferred_to_future(waiter)
        site.fetching = True
        try:
            rules = await self._fetch(f"{url.scheme}://{url.netloc}/robots.txt")
        except BaseException as exc:  # cancelled: the waiters must not wait forever
            site.fetching, waiters, site.waiters = False, site.waiters, []
            for w in waiters:
                w.errback(exc)
            raise
        site.rules, site.fetching = rules, False
        delay = rules.crawl_delay(self.user_agent)
        if delay:
            site.pacer.delay = delay
            logger.info("%s: honouring Crawl-delay of %.1f s", url.netloc, delay)
        # The waiters first (Crawl-delay already set): a listener that fails must not leave them waiting.
        waiters, site.waiters = site.waiters, []
        for w in waiters:
            w.callback(rules)
        if rules.verdict != "parsed":
            logger.warning("%s/robots.txt: %s (status %s)", url.netloc, rules.verdict, rules.status)
        for listener in self.listeners:
            listener(url.netloc, rules)
        return rules

    async def _fetch(self, robots_url: str) -> RobotsRules:
        req = Request(
            robots_url,
            priority=self.DOWNLOAD_PRIORITY,
            meta={"dont_obey_robotstxt": True, "handle_httpstatus_all": True, "robots_fetch": True},
            callback=NO_CALLBACK,
        )
        stats = self.crawler.stats
        try:
            assert self.crawler.engine is not None
            resp: Response = await self.crawler.engine.download_async(req)
        except Exception:  # a network failure: unreachable, disallow all for a while
            if stats:
                stats.inc_value("robotstxt/unreachable")
            return RobotsRules("disallow_all", expires=time.monotonic() + self.retry_unavailable, status=None)
        if stats:
            stats.inc_value(f"robotstxt/response_status_count/{resp.status}")
        if 200 <= resp.status < 300:
            body = resp.body.decode("utf-8-sig", errors="ignore")
            return RobotsRules("parsed", parser=Protego.parse(body), status=resp.status)
        if 400 <= resp.status < 500:
            return RobotsRules("allow_all", status=resp.status)
        # 5xx, or redirects that never ended: unreachable
        if stats:
            stats.inc_value("robotstxt/unreachable")
        return RobotsRules(
            "disallow_all", expires=time.monotonic() + self.retry_unavailable, status=resp.status
        )


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, spaced out: retry n waits RETRY_BACKOFF_BASE * 2**(n-1) s (at most
    RETRY_BACKOFF_MAX), or longer when the server's Retry-After asks for it (up to the same cap)."""

    def __init__(self, settings: Any):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    def _with_delay(self, retry: Request | None, retry_after: float | None = None) -> Request | None:
        if retry is None:
            return None
        n = int(retry.meta.get("retry_times", 1))
        delay = self.backoff_base * 2 ** (n - 1)
        if retry_after is not None:
            delay = max(delay, retry_after)
        retry.meta["retry_not_before"] = time.monotonic() + min(delay, self.backoff_max)
        return retry

    async def process_request(self, request: Request, spider: Any = None) -> None:
        not_before = request.meta.get("retry_not_before")
        if not_before:
            await sleep(not_before - time.monotonic())

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Any:
        out = super().process_response(request, response)
        if isinstance(out, Request):
            retry_after: float | None = None
            value = response.headers.get(b"Retry-After")
            if value and value.strip().isdigit():
                retry_after = float(value.strip())
            return self._with_delay(out, retry_after)
        return out

    def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> Any:
        out = super().process_exception(request, exception)
        return self._with_delay(out) if isinstance(out, Request) else out


class ContactUserAgentMiddleware:
    """The User-Agent names the project and a contact URL: ``news-archive/VERSION (+CONTACT)``, with CONTACT
    from ``NEWS_ARCHIVE_CONTACT_URL``, unless USER_AGENT itself was set (``-s USER_AGENT=...``), whichever way
    the crawl was started (``news-archive crawl``, ``scrapy crawl``, Scrapyd)."""

    def __init__(self, user_agent: str):
        self.user_agent = user_agent

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ContactUserAgentMiddleware:
        from archive import __version__

        s = crawler.settings
        ua = s.get("USER_AGENT")
        contact = s.get("NEWS_ARCHIVE_CONTACT_URL")
        if contact and (s.getpriority("USER_AGENT") or 0) <= 20:  # not set above the project's settings
            ua = f"news-archive/{__version__} (+{contact})"
        return cls(ua)

    def process_request(self, request: Request, spider: Any = None) -> None:
        if self.user_agent:
            request.headers.setdefault(b"User-Agent", self.user_agent)


class LoopAwareRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirect handling, plus: a redirect back to a URL already in its own chain is a loop.

    Without this a loop (A -> B -> A) ends silently: the second request for A is dropped by the duplicate
    filter, so the run records nothing. Raising IgnoreRequest here reaches the request's errback, which
    counts it as ``redirect_loop``. ``_redirect`` is Scrapy's (private) single point where every redirect
    kind (3xx, meta refresh) is built.
    """

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        chain = {*request.meta.get("redirect_urls", ()), request.url}
        if redirected.url in chain:
            raise IgnoreRequest(f"redirect loop: {request.url} -> {redirected.url}")
        return super()._redirect(redirected, request, reason)
