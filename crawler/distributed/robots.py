"""A fix-up of the crawler's robots.txt middleware for workers, whose first burst of requests is concurrent.

:class:`crawler.middlewares.PoliteRobotsTxtMiddleware` makes every request that arrives while a site's
robots.txt is being fetched await the same Deferred through ``maybe_deferred_to_future``. Under the asyncio
reactor that converts the Deferred into a Future, which *consumes* its result (Twisted's ``Deferred.asFuture``
documents this): the first waiter gets the rules, every later one gets ``None`` and fails with AttributeError.
A single-process crawl rarely has several requests waiting at that moment; a worker that joins a running
crawl pops a full batch from the shared queue at once and would lose all but one of them. Here each waiter
gets its own Deferred, fed from the shared one without consuming it.
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Request
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import defer

from crawler.middlewares import PoliteRobotsTxtMiddleware


class WorkerRobotsTxtMiddleware(PoliteRobotsTxtMiddleware):
    async def _rules(self, request: Request) -> Any:
        site = getattr(self, "_sites", {}).get(urlparse_cached(request).netloc)
        pending = getattr(site, "pending", None)
        if isinstance(pending, defer.Deferred):
            waiter: defer.Deferred[Any] = defer.Deferred()

            def relay(result: Any) -> Any:
                waiter.callback(result)
                return result  # keep the shared result for the other waiters

            pending.addCallback(relay)
            return await maybe_deferred_to_future(waiter)
        return await super()._rules(request)
