"""robots.txt per RFC 9309: obeyed; 5xx or unreachable means disallow all; 4xx means allow all;
Crawl-delay honoured."""

from __future__ import annotations

import json
from pathlib import Path

from sitekit import Handler, Resp, SiteServer, news_site, query, run_crawl_cli

from crawler.middlewares import RobotsRules, _Pacer


def _site_with_robots(robots: Resp | object) -> dict:
    site = news_site(n_articles=4, robots=None)
    site["/robots.txt"] = robots
    return site


def test_disallow_all_fetches_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    robots = Resp(b"User-agent: *\nDisallow: /\n", content_type="text/plain")
    with SiteServer(_site_with_robots(robots)) as srv:
        result = run_crawl_cli(db, srv.url("/"))
        assert set(srv.paths()) == {"/robots.txt"}
    assert result.returncode == 1  # failed: nothing could be fetched
    assert query(db, "SELECT count(*) FROM responses") == [(0,)]
    (errors,) = query(db, "SELECT errors FROM runs")[0]
    assert json.loads(errors)["robots_forbidden"] >= 1


def test_robots_answering_503_means_disallow_all(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    robots = Resp(b"<html>Service Unavailable</html>", status=503)
    with SiteServer(_site_with_robots(robots)) as srv:
        result = run_crawl_cli(db, srv.url("/"))
        assert set(srv.paths()) == {"/robots.txt"}
        assert len(srv.requests_for("/robots.txt")) == 3  # asked again with backoff (RETRY_TIMES = 2)
    assert result.returncode == 1
    assert query(db, "SELECT count(*) FROM responses") == [(0,)]
    (errors,) = query(db, "SELECT errors FROM runs")[0]
    assert "robots_unreachable" in json.loads(errors)


def test_robots_unreachable_means_disallow_all(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")

    def reset(h: Handler) -> None:
        h.reset_connection()

    with SiteServer(_site_with_robots(reset)) as srv:
        result = run_crawl_cli(db, srv.url("/"))
        assert set(srv.paths()) == {"/robots.txt"}
    assert result.returncode == 1


def test_robots_404_means_allow_all(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    site = news_site(n_articles=4, robots=None)  # no /robots.txt: the server answers 404
    with SiteServer(site) as srv:
        result = run_crawl_cli(db, srv.url("/news/"))
        assert result.returncode == 0, result.stderr
    assert query(db, "SELECT count(*) FROM articles WHERE url LIKE '%/news/2024%'") == [(4,)]


def test_crawl_delay_spaces_requests(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    robots = Resp(b"User-agent: *\nCrawl-delay: 0.4\nAllow: /\n", content_type="text/plain")
    with SiteServer(_site_with_robots(robots)) as srv:
        result = run_crawl_cli(db, srv.url("/news/"), settings={"CONCURRENT_REQUESTS_PER_DOMAIN": "8"})
        assert result.returncode == 0, result.stderr
        starts = [s.at for s in srv.seen if s.path != "/robots.txt"]
    assert len(starts) >= 5
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= 0.35  # never faster than the site asked, whatever the concurrency


def test_rules_and_pacer_units() -> None:
    from protego import Protego

    rules = RobotsRules("parsed", Protego.parse("User-agent: *\nDisallow: /a/\nCrawl-delay: 3\n"))
    assert not rules.allowed("http://x/a/1.html", "news-archive") and rules.allowed("http://x/b", "x")
    assert rules.crawl_delay("news-archive") == 3.0
    assert not RobotsRules("disallow_all").allowed("http://x/", "ua")
    assert RobotsRules("allow_all").allowed("http://x/a/", "ua")
    pacer = _Pacer(delay=10.0)
    assert pacer.reserve() == 0.0
    assert 9.0 < pacer.reserve() <= 10.0
    assert 19.0 < pacer.reserve() <= 20.0


def test_user_agent_names_the_project_and_the_contact_url(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    site = news_site(n_articles=1)
    with SiteServer(site) as srv:
        result = run_crawl_cli(
            db, srv.url("/news/"), settings={"NEWS_ARCHIVE_CONTACT_URL": "https://me.example/bot"}
        )
        assert result.returncode == 0, result.stderr
        agents = {s.headers.get("user-agent") for s in srv.seen}
    assert len(agents) == 1
    (agent,) = agents
    assert agent.startswith("news-archive/") and "(+https://me.example/bot)" in agent


def test_explicit_user_agent_wins() -> None:
    from types import SimpleNamespace

    from scrapy.settings import Settings

    from crawler.middlewares import ContactUserAgentMiddleware

    s = Settings()
    s.setmodule("crawler.settings", priority="project")
    s.set("NEWS_ARCHIVE_CONTACT_URL", "https://c.example/", priority="cmdline")
    assert (
        "(+https://c.example/)"
        in ContactUserAgentMiddleware.from_crawler(SimpleNamespace(settings=s)).user_agent
    )
    s.set("USER_AGENT", "MyBot/1.0", priority="cmdline")
    assert ContactUserAgentMiddleware.from_crawler(SimpleNamespace(settings=s)).user_agent == "MyBot/1.0"


def test_retries_back_off_and_honour_retry_after() -> None:
    import time as _time
    from types import SimpleNamespace

    from scrapy import Request
    from scrapy.http import Response
    from scrapy.settings import Settings

    from crawler.middlewares import BackoffRetryMiddleware

    s = Settings()
    s.setmodule("crawler.settings", priority="project")
    s.set("RETRY_BACKOFF_BASE", 2.0)
    s.set("RETRY_BACKOFF_MAX", 30.0)
    mw = BackoffRetryMiddleware(s)
    mw.crawler = SimpleNamespace(
        spider=SimpleNamespace(
            crawler=SimpleNamespace(stats=SimpleNamespace(inc_value=lambda *a, **k: None), settings=s)
        )
    )  # type: ignore[assignment]
    req = Request("http://x/a")
    first = mw.process_response(req, Response("http://x/a", status=503))
    assert isinstance(first, Request) and first.meta["retry_times"] == 1
    assert 1.5 < first.meta["retry_not_before"] - _time.monotonic() <= 2.0  # base * 2**0
    second = mw.process_response(first, Response("http://x/a", status=503, headers={"Retry-After": "20"}))
    assert 19.0 < second.meta["retry_not_before"] - _time.monotonic() <= 20.0  # the server asked for more
    third = mw.process_response(second, Response("http://x/a", status=503))
    assert isinstance(third, Response)  # RETRY_TIMES = 2: given up, the 503 goes on to the spider


def test_requests_waiting_for_a_slow_robots_txt_all_get_its_rules(tmp_path: Path) -> None:
    # Several start URLs on one site arrive while its robots.txt is still being fetched: every one of them
    # must get the rules (a shared Deferred awaited under asyncio gave the rules to the first waiter only, and
    # the others failed with AttributeError and were dropped).
    from sitekit import article_html, listing_html, paragraphs, sleep_then

    seeds = [f"/s{n}/" for n in range(1, 4)]
    arts = [f"/s{n}/t20240305_{n}.html" for n in range(1, 4)]
    site: dict = {}
    for n, (seed, art) in enumerate(zip(seeds, arts, strict=True), 1):
        site[seed] = Resp(listing_html(f"栏目{n}", [(art, f"慢速规则测试稿件第{n}号")]).encode())
        site[art] = Resp(article_html(f"慢速规则测试稿件第{n}号", paragraphs(60 + n)).encode())
    site["/robots.txt"] = sleep_then(
        1.0, Resp(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    )
    db = str(tmp_path / "a.db")
    with SiteServer(site) as srv:
        result = run_crawl_cli(db, *(srv.url(p) for p in seeds))
        fetched = set(srv.paths())
    assert result.returncode == 0, result.stderr
    assert "AttributeError" not in result.stderr
    assert set(seeds) | set(arts) <= fetched
    assert len(srv.requests_for("/robots.txt")) == 1  # fetched once, shared by every waiter
    assert {u.split("/", 3)[3] for (u,) in query(db, "SELECT url FROM articles")} == {p[1:] for p in arts}
