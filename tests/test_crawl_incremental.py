"""Incremental runs: conditional requests for listings, feeds and sitemaps; archived articles not fetched
again until due; a listing's pagination abandoned at the first page of known articles."""

from __future__ import annotations

from pathlib import Path

from sitekit import Resp, SiteServer, article_html, listing_html, news_site, paragraphs, query, run_crawl_cli

ARTICLE = "/news/202403/t20240305_{}.html"


def test_second_run_asks_conditionally_and_refetches_no_article(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    with SiteServer(news_site()) as srv:
        first = run_crawl_cli(db, srv.url("/"))
        assert first.returncode == 0, first.stderr
        assert len(query(db, "SELECT id FROM articles")) == 15
        srv.clear()
        second = run_crawl_cli(db, srv.url("/"))
        assert second.returncode == 0, second.stderr
        home = srv.requests_for("/")
        assert home and home[0].headers.get("if-none-match") == '"home"' and home[0].status == 304
        for path, etag in (("/rss.xml", '"rss"'), ("/sitemap.xml", '"sm"')):
            (seen,) = srv.requests_for(path)
            assert seen.headers.get("if-none-match") == etag and seen.status == 304
        fetched_articles = [p for p in srv.paths() if "t2024" in p or "content_" in p]
        assert fetched_articles == []
    runs = query(db, "SELECT outcome, articles_new, pages_fetched FROM runs ORDER BY id")
    assert runs[1] == ("ok", 0, 0)


def test_changed_listing_gives_new_article_only_and_pagination_stops_at_known(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    site = news_site(n_articles=15, per_page=5, etags=False)
    with SiteServer(site) as srv:
        assert run_crawl_cli(db, srv.url("/news/")).returncode == 0
        assert len(query(db, "SELECT id FROM articles")) == 17  # + the sitemap's and the feed's
        # A new article appears at the top of the first listing page.
        new = "/news/202403/t20240305_99.html"
        site[new] = Resp(article_html("刚刚发布的一篇新稿件", paragraphs(99)).encode())
        first_page = [(new, "刚刚发布的一篇新稿件")] + [(ARTICLE.format(i), f"稿件{i}") for i in range(1, 6)]
        site["/news/"] = Resp(
            listing_html("新闻列表", first_page, extra='<a href="index_1.html">下一页</a>').encode()
        )
        srv.clear()
        second = run_crawl_cli(db, srv.url("/news/"))
        assert second.returncode == 0, second.stderr
        paths = srv.paths()
        assert new in paths
        assert [
            p for p in paths if p.startswith("/news/2024") and p != new
        ] == []  # no known article refetched
        assert "/news/index_1.html" in paths  # page 1 held a new article: page 2 is read...
        assert "/news/index_2.html" not in paths  # ...and holds only known ones: the walk stops there
    assert query(db, "SELECT articles_new FROM runs ORDER BY id DESC LIMIT 1") == [(1,)]
    assert query(db, "SELECT count(*) FROM articles WHERE url LIKE ?", f"%{new}") == [(1,)]


def test_due_article_is_revisited_conditionally(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    site = {
        "/": Resp(
            listing_html("首页", [(ARTICLE.format(1), "稿件一"), (ARTICLE.format(2), "稿件二")]).encode()
        ),
        ARTICLE.format(1): Resp(article_html("第一篇稿件的标题", paragraphs(1)).encode(), etag='"a1"'),
        ARTICLE.format(2): Resp(article_html("第二篇稿件的标题", paragraphs(2)).encode(), etag='"a2"'),
        "/robots.txt": Resp(b"User-agent: *\nAllow: /\n", content_type="text/plain"),
    }
    with SiteServer(site) as srv:
        assert run_crawl_cli(db, srv.url("/")).returncode == 0
        (visit,) = query(db, "SELECT next_visit FROM fetch_state WHERE url LIKE ?", "%_1.html")[0]
        assert visit  # scheduled
        # Article 1 falls due; article 2 does not.
        import sqlite3

        with sqlite3.connect(db) as conn:
            conn.execute(
                "UPDATE fetch_state SET next_visit = '2000-01-01T00:00:00+00:00' WHERE url LIKE '%_1.html'"
            )
        srv.clear()
        assert run_crawl_cli(db, srv.url("/")).returncode == 0
        (seen,) = srv.requests_for(ARTICLE.format(1))
        assert seen.headers.get("if-none-match") == '"a1"' and seen.status == 304
        assert srv.requests_for(ARTICLE.format(2)) == []
    (visit2,) = query(db, "SELECT next_visit FROM fetch_state WHERE url LIKE ?", "%_1.html")[0]
    assert visit2 > "2000-01-02"  # rescheduled


def test_revisit_schedule_decays() -> None:
    from datetime import UTC, datetime, timedelta

    from archive.fetch_state import next_visit

    now = datetime(2024, 3, 10, tzinfo=UTC)
    hour = timedelta(hours=1)
    assert next_visit(now) == now + hour  # a fresh article: an hour
    assert next_visit(now, published_at=(now - 40 * hour).isoformat()) == now + 10 * hour
    assert next_visit(now, published_at="2020-01-01") == now + timedelta(days=30)  # old: a month
    assert next_visit(now, first_seen=(now - 8 * hour).isoformat()) == now + 2 * hour
    assert next_visit(now, published_at="garbage", first_seen=(now - 8 * hour).isoformat()) == now + 2 * hour


def test_article_missed_on_a_listing_is_picked_up_next_run(tmp_path: Path) -> None:
    """A listing whose article failed keeps no validators, so the next run reads it in full (no 304 hiding
    the article) and archives what the first run missed."""
    db = str(tmp_path / "a.db")
    site = news_site(n_articles=4, per_page=10)  # listings with ETags
    broken = ARTICLE.format(3)
    good = site[broken]
    site[broken] = Resp(b"<html>busy</html>", status=503)
    with SiteServer(site) as srv:
        assert run_crawl_cli(db, srv.url("/news/")).returncode == 0
        assert not query(db, "SELECT id FROM articles WHERE url LIKE ?", f"%{broken}")
        site[broken] = good
        srv.clear()
        assert run_crawl_cli(db, srv.url("/news/")).returncode == 0
        (listing,) = srv.requests_for("/news/")
        assert listing.status == 200 and "if-none-match" not in listing.headers
        assert [p for p in srv.paths() if p.startswith("/news/2024")] == [broken]
    assert len(query(db, "SELECT id FROM articles WHERE url LIKE ?", f"%{broken}")) == 1


def test_last_modified_alone_gives_if_modified_since(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    stamp = "Tue, 05 Mar 2024 02:20:00 GMT"
    site = {
        "/news/": Resp(listing_html("新闻", [(ARTICLE.format(1), "稿件")]).encode(), last_modified=stamp),
        ARTICLE.format(1): Resp(article_html("只有修改时间的站点稿件", paragraphs(1)).encode()),
        "/robots.txt": Resp(b"User-agent: *\nAllow: /\n", content_type="text/plain"),
    }
    with SiteServer(site) as srv:
        assert run_crawl_cli(db, srv.url("/news/")).returncode == 0
        srv.clear()
        assert run_crawl_cli(db, srv.url("/news/")).returncode == 0
        (seen,) = srv.requests_for("/news/")
    assert seen.headers.get("if-modified-since") == stamp and seen.status == 304
