"""Discovery: a crawl of a local site follows links, walks pagination, reads sitemaps and feeds, stays on the
site, does not archive listings, and makes one record of a multi-page article. Plus the pure helpers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sitekit import FAST, SiteServer, news_site, query, run_crawl_cli

from crawler import discovery

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def crawled(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[SiteServer, str, subprocess.CompletedProcess[str]]:
    db = str(tmp_path_factory.mktemp("crawl") / "a.db")
    with SiteServer(news_site()) as srv:
        result = run_crawl_cli(db, srv.url("/"))
        yield srv, db, result


def test_archives_every_article_of_the_site(crawled) -> None:
    srv, db, result = crawled
    assert result.returncode == 0, result.stderr
    paths = {u.split(":", 2)[2].split("/", 1)[1] for (u,) in query(db, "SELECT url FROM articles")}
    expected = {f"news/202403/t20240305_{i}.html" for i in range(1, 13)}
    # listing pagination (index.html -> index_1 -> index_2), the sitemap's and the feed's own articles
    expected |= {"sitemap_only/t20240306_700.html", "feed_only/t20240306_800.html", "long/content_900.htm"}
    assert paths == expected


def test_stays_on_the_site_and_obeys_robots(crawled) -> None:
    srv, db, _ = crawled
    assert "/private/t20240305_500.html" not in srv.paths()
    assert not query(db, "SELECT url FROM responses WHERE url LIKE '%elsewhere%' OR url LIKE '%private%'")


def test_listing_pages_are_walked_but_not_archived(crawled) -> None:
    srv, db, _ = crawled
    assert {"/news/", "/news/index_1.html", "/news/index_2.html"} <= set(srv.paths())
    assert not query(db, "SELECT url FROM articles WHERE url LIKE '%index%' OR url LIKE '%/news/'")
    assert not query(db, "SELECT url FROM articles WHERE url LIKE '%/'")


def test_multi_page_article_is_one_record(crawled) -> None:
    _, db, _ = crawled
    rows = query(db, "SELECT url, body FROM articles WHERE url LIKE '%content_900%'")
    assert len(rows) == 1
    url, body = rows[0]
    assert url.endswith("content_900.htm")
    assert "第900号新闻第1段" in body and "第二页独有的段落" in body and "第901号新闻第1段" in body
    # the second page is stored as received, but is no record of its own
    assert query(db, "SELECT parse_status FROM responses WHERE url LIKE '%content_900_2.htm'") == [("part",)]


def test_raw_bytes_are_stored_as_received(crawled) -> None:
    srv, db, _ = crawled
    import sqlite3

    from archive.payloads import read_payload

    ((digest,),) = query(db, "SELECT payload_digest FROM responses WHERE url LIKE '%t20240305_3.html'")
    conn = sqlite3.connect(db)
    try:
        assert read_payload(conn, digest) == srv.routes["/news/202403/t20240305_3.html"].body
    finally:
        conn.close()


def test_run_is_recorded(crawled) -> None:
    _, db, _ = crawled
    ((outcome, new, pages, errors),) = query(
        db, "SELECT outcome, articles_new, pages_fetched, errors FROM runs"
    )
    assert outcome == "ok" and new == 15 and pages >= 20
    assert "robots_forbidden" in errors


def test_scrapy_crawl_and_list_work_at_the_repository_root(tmp_path: Path) -> None:
    listed = subprocess.run(["scrapy", "list"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert listed.stdout.split() == ["news"]
    db = str(tmp_path / "s.db")
    with SiteServer(news_site(n_articles=3)) as srv:
        cmd = [
            "scrapy",
            "crawl",
            "news",
            "-a",
            f"start_urls={srv.url('/news/')}",
            "-s",
            f"NEWS_ARCHIVE_DB={db}",
        ]
        for k, v in FAST.items():
            cmd += ["-s", f"{k}={v}"]
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert out.returncode == 0, out.stderr[-2000:]
    # the section's three, and the two only the sitemap (robots.txt's Sitemap:) and the feed list
    assert len(query(db, "SELECT id FROM articles")) == 5


# Pure helpers -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://x.gov.cn/xwzx/202101/t20210119_123456.html", "article"),
        ("http://x.cn/news/content_123.htm", "article"),
        ("http://x.cn/art/2021/1/19/art_1229_456.html", "article"),
        ("https://news.example.com/2021/01/19/city-budget-passes", "article"),
        ("http://x.cn/show.asp?id=12345", "article"),
        ("http://x.gov.cn/xwzx/index_3.html", "listing"),
        ("http://x.gov.cn/xwzx/", "listing"),
        ("http://x.cn/list.php?page=2", "listing"),
        ("http://x.cn/upload/a.pdf", "skip"),
        ("http://x.cn/about", "unknown"),
    ],
)
def test_classify_url(url: str, kind: str) -> None:
    assert discovery.classify_url(url) == kind


def test_next_page_links() -> None:
    html = b"""<html><head><link rel="next" href="?page=3"></head><body>
    <a href="list_1.html">1</a><a href="list_2.html">\xe4\xb8\x8b\xe4\xb8\x80\xe9\xa1\xb5</a>
    <script>createPageHTML(5, 0, "index", "shtml");</script></body></html>"""
    doc = discovery.parse_html(html, "http://x.cn/news/list.php?page=2")
    assert doc is not None
    assert discovery.next_page_urls(doc, "http://x.cn/news/list.php?page=2") == [
        "http://x.cn/news/list.php?page=3",
        "http://x.cn/news/list_2.html",
        "http://x.cn/news/index_1.shtml",
    ]


def test_listing_stem_groups_the_pages_of_one_listing() -> None:
    stem = discovery.listing_stem("http://x.cn/news/index.html")
    assert discovery.listing_stem("http://x.cn/news/index_7.html") == stem
    assert discovery.listing_stem("http://x.cn/news/") == stem
    assert discovery.listing_stem("http://x.cn/l?cat=2&page=3") == discovery.listing_stem(
        "http://x.cn/l?cat=2"
    )
    assert discovery.listing_stem("http://x.cn/sports/index_2.html") != stem


def test_continuation_urls_of_a_multi_page_article() -> None:
    html = """<html><body><p>text</p><div>
    <a href="content_55.htm">1</a><a href="content_55_2.htm">2</a><a href="content_55_3.htm">第3页</a>
    <a href="content_56.htm">another article</a><a href="content_55_2.htm">下一页</a></div></body></html>"""
    doc = discovery.parse_html(html.encode(), "http://x.cn/a/content_55.htm")
    assert doc is not None
    assert discovery.continuation_urls(doc, "http://x.cn/a/content_55.htm") == [
        "http://x.cn/a/content_55_2.htm",
        "http://x.cn/a/content_55_3.htm",
    ]
    assert discovery.continuation_urls(doc, "http://x.cn/a/content_55_3.htm") == []


def test_sitemap_index_gzip_and_feeds() -> None:
    import gzip

    index = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>http://x.cn/s1.xml.gz</loc><lastmod>2024-01-01</lastmod></sitemap></sitemapindex>"""
    assert discovery.parse_sitemap(index) == (
        "sitemapindex",
        [discovery.SitemapEntry("http://x.cn/s1.xml.gz", "2024-01-01")],
    )
    urlset = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://x.cn/a.html</loc></url></urlset>'
    assert discovery.parse_sitemap(gzip.compress(urlset))[1] == [discovery.SitemapEntry("http://x.cn/a.html")]
    assert discovery.is_sitemap(gzip.compress(urlset)) and not discovery.is_feed(urlset)
    atom = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry>
    <link rel="alternate" href="/2024/01/02/a"/></entry></feed>"""
    assert discovery.parse_feed(atom, "http://x.cn/feed") == ["http://x.cn/2024/01/02/a"]
    assert discovery.parse_sitemap(b"<html>not xml") == ("invalid", [])
    assert not discovery.is_feed(b"<!DOCTYPE html><html><head><title>rss</title>")


def test_robots_off_still_reads_its_sitemap_lines(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    with SiteServer(news_site(n_articles=2)) as srv:
        result = run_crawl_cli(db, srv.url("/"), settings={"ROBOTSTXT_OBEY": "False"})
        assert result.returncode == 0, result.stderr
        assert "/private/t20240305_500.html" in srv.paths()  # not obeyed: fetched
    urls = {u for (u,) in query(db, "SELECT url FROM articles")}
    assert any(u.endswith("/sitemap_only/t20240306_700.html") for u in urls)


def test_extraction_in_a_helper_process_archives_the_same(tmp_path: Path, crawled) -> None:
    _, db_inline, _ = crawled
    db = str(tmp_path / "p.db")
    with SiteServer(news_site()) as srv:
        result = run_crawl_cli(db, srv.url("/"), settings={"NEWS_ARCHIVE_EXTRACT_PROCESSES": "1"})
        assert result.returncode == 0, result.stderr[-2000:]

    def records(path: str) -> set[tuple[str, str, int]]:
        rows = query(path, "SELECT url, title, length(body) FROM articles")
        return {(u.split("/", 3)[3], t, n) for u, t, n in rows}

    assert records(db) == records(db_inline)
    assert len(records(db)) == 15
    assert query(db, "SELECT count(*) FROM responses WHERE parse_status IS NULL") == [(0,)]
