"""Interrupted runs lose nothing archived, and the next run picks up what they missed."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from sitekit import (
    Handler,
    Resp,
    SiteServer,
    article_html,
    crawl_cmd,
    listing_html,
    paragraphs,
    query,
    run_crawl_cli,
)

N = 40
ROOT = Path(__file__).resolve().parent.parent


def slow_site(delay: list[float]) -> dict:
    site: dict = {}
    paths = [f"/news/202403/t20240305_{i}.html" for i in range(1, N + 1)]
    for i, p in enumerate(paths, 1):
        body = article_html(f"第{i}号稿件的完整标题", paragraphs(i)).encode()

        def route(h: Handler, body: bytes = body) -> Resp:
            time.sleep(delay[0])
            return Resp(body)

        site[p] = route
    site["/news/"] = Resp(listing_html("新闻", [(p, "稿件") for p in paths]).encode())
    site["/robots.txt"] = Resp(b"User-agent: *\nAllow: /\n", content_type="text/plain")
    return site


def _articles(db: str) -> int:
    try:
        return query(db, "SELECT count(*) FROM articles")[0][0]
    except sqlite3.Error:
        return 0


def _start(db: str, url: str) -> subprocess.Popen[str]:
    cmd = crawl_cmd(db, url, settings={"NEWS_ARCHIVE_BATCH_SIZE": "3", "CONCURRENT_REQUESTS_PER_DOMAIN": "2"})
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_articles(db: str, proc: subprocess.Popen[str], n: int) -> None:
    deadline = time.monotonic() + 60
    while _articles(db) < n:
        assert proc.poll() is None, "the crawl ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_sigkill_mid_crawl_then_rerun_completes(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    delay = [0.2]
    with SiteServer(slow_site(delay)) as srv:
        proc = _start(db, srv.url("/news/"))
        _wait_for_articles(db, proc, 6)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert query(db, "PRAGMA integrity_check") == [("ok",)]
        first = {u for (u,) in query(db, "SELECT url FROM articles")}
        assert 6 <= len(first) < N
        assert query(db, "SELECT outcome FROM runs") == [(None,)]  # left open by the killed process
        delay[0] = 0.0
        srv.clear()
        result = run_crawl_cli(db, srv.url("/news/"))
        assert result.returncode == 0, result.stderr[-2000:]
        refetched = {srv.url(p) for p in srv.paths()} & first
        assert refetched == set()  # what the killed run archived is not fetched again
    urls = [u for (u,) in query(db, "SELECT url FROM articles")]
    assert len(urls) == len(set(urls)) == N  # every article, once
    assert query(db, "SELECT outcome FROM runs ORDER BY id") == [("interrupted",), ("ok",)]


def test_sigterm_stops_gracefully_and_keeps_everything(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    with SiteServer(slow_site([0.2])) as srv:
        proc = _start(db, srv.url("/news/"))
        _wait_for_articles(db, proc, 3)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        fetched_ok = {p for p in srv.paths(status=200) if "t2024" in p}
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err
    ((outcome, new),) = query(db, "SELECT outcome, articles_new FROM runs")
    assert outcome == "interrupted"
    # Every article page the server delivered before the stop made it into the archive.
    archived = {u.split(str(srv.server_address[1]), 1)[1] for (u,) in query(db, "SELECT url FROM articles")}
    assert archived == fetched_ok and new == len(archived)
