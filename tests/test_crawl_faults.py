"""A server that misbehaves in every common way: the crawl finishes, records each failure by kind, and
archives everything else."""

from __future__ import annotations

import json
import time
from pathlib import Path

from sitekit import Handler, Resp, SiteServer, article_html, listing_html, paragraphs, query, run_crawl_cli

GOOD = [f"/news/202403/t20240305_{i}.html" for i in range(1, 7)]
FAULTS = {
    "/f/t20240305_901.html": "timeout",
    "/f/t20240305_902.html": "connection reset",
    "/f/t20240305_903.html": "server error",
    "/f/t20240305_904.html": "truncated",
    "/f/t20240305_905.html": "redirect loop",
    "/f/t20240305_906.html": "50 MB",
    "/f/t20240305_907.html": "wrong charset",
}


def faulty_site() -> dict:
    site: dict = {
        p: Resp(article_html(f"正常稿件第{i}号的标题", paragraphs(i)).encode()) for i, p in enumerate(GOOD, 1)
    }
    links = [(p, "稿件") for p in GOOD] + [(p, name) for p, name in FAULTS.items()]
    site["/news/"] = Resp(listing_html("新闻", links).encode())

    def robots(h: Handler) -> Resp:
        # robots.txt of the second host name of this server answers 503: that host is off limits.
        if h.headers.get("Host", "").startswith("localhost"):
            return Resp(b"busy", status=503)
        return Resp(b"User-agent: *\nAllow: /\n", content_type="text/plain")

    def slow(h: Handler) -> Resp:
        time.sleep(8)  # well past DOWNLOAD_TIMEOUT, which leaves a loaded machine room for the good pages
        return Resp(b"<html>late</html>")

    def reset(h: Handler) -> None:
        h.reset_connection()

    def truncated(h: Handler) -> None:
        h.send_truncated(article_html("截断的稿件", paragraphs(904)).encode()[:300], claimed=20000)

    def huge(h: Handler) -> None:
        h.send_stream(50 * 1024 * 1024)

    site["/robots.txt"] = robots
    site["/f/t20240305_901.html"] = slow
    site["/f/t20240305_902.html"] = reset
    site["/f/t20240305_903.html"] = Resp(b"<html>500</html>", status=500)
    site["/f/t20240305_904.html"] = truncated
    site["/f/t20240305_905.html"] = Resp(b"", status=302, headers={"Location": "/f/loop_b.html"})
    site["/f/loop_b.html"] = Resp(b"", status=302, headers={"Location": "/f/t20240305_905.html"})
    site["/f/t20240305_906.html"] = huge
    # GBK bytes under a header that says UTF-8: decoded right, stored as received.
    gbk = article_html("字符集声明错误的稿件标题", paragraphs(907), charset="gbk").encode("gbk")
    site["/f/t20240305_907.html"] = Resp(gbk, content_type="text/html; charset=utf-8")
    return site


def test_faults_are_recorded_and_the_rest_archived(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    site = faulty_site()
    with SiteServer(site) as srv:
        result = run_crawl_cli(
            db,
            srv.url("/news/"),
            f"http://localhost:{srv.server_address[1]}/news/",
            settings={"DOWNLOAD_TIMEOUT": "3", "RETRY_TIMES": "1"},
            timeout=120,
        )
        other_host = [s for s in srv.seen if s.headers.get("host", "").startswith("localhost")]
    assert result.returncode in (0, 3), result.stderr[-3000:]
    assert {s.path for s in other_host} == {"/robots.txt"}  # robots 503: nothing else fetched there
    ((errors_json, outcome),) = query(db, "SELECT errors, outcome FROM runs")
    errors = json.loads(errors_json)
    for kind in ("timeout", "connection_lost", "http_5xx", "truncated", "redirect_loop", "too_large"):
        assert errors.get(kind, 0) >= 1, (kind, errors)
    assert errors.get("robots_unreachable", 0) >= 1
    assert outcome == "degraded"  # six of thirteen article fetches failed
    titles = {t for (t,) in query(db, "SELECT title FROM articles")}
    assert {f"正常稿件第{i}号的标题" for i in range(1, 7)} <= titles
    assert "字符集声明错误的稿件标题" in titles
    (encoding,) = query(db, "SELECT encoding FROM articles WHERE url LIKE '%907.html'")[0]
    assert encoding in ("gb18030", "gbk")
    import sqlite3

    from archive.payloads import read_payload

    ((digest,),) = query(db, "SELECT payload_digest FROM responses WHERE url LIKE '%907.html'")
    conn = sqlite3.connect(db)
    try:
        assert read_payload(conn, digest) == site["/f/t20240305_907.html"].body
    finally:
        conn.close()
    # Nothing of a failed fetch was archived as an article.
    assert not query(db, "SELECT url FROM articles WHERE url LIKE '%/f/%' AND url NOT LIKE '%907.html'")
