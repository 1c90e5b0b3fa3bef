"""The archive writer in its own process (the default) against the writer thread in the crawl's process:
the same archive, run figures and errors back in the run record, and nothing left behind by a killed crawl."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from sitekit import SiteServer, crawl_cmd, news_site, query, run_crawl_cli

from archive.article import Article
from archive.page import Page

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent


def failing_on_article_3(page: Page) -> Article:
    """The archive's extractor, except that it fails on one article page (a bug met on one page)."""
    from archive.extract import extract

    if page.url.endswith("t20240305_3.html"):
        raise RuntimeError("extractor bug on this page")
    return extract(page)


def _archive(db: str) -> dict[str, object]:
    articles = query(
        db, "SELECT url, title, body, duplicate_of IS NOT NULL, page_type FROM articles ORDER BY url"
    )
    responses = query(db, "SELECT url, parse_status FROM responses ORDER BY url, id")
    run = query(
        db,
        "SELECT outcome, pages_fetched, articles_new, articles_updated, articles_unchanged, articles_duplicate,"
        " errors FROM runs",
    )
    states = query(db, "SELECT url, kind FROM fetch_state ORDER BY url")
    return {"articles": articles, "responses": responses, "run": run, "states": states}


def _port_free(db: str, srv: SiteServer) -> dict[str, object]:
    """The archive with the server's port taken out of URLs (two runs use two servers)."""
    port = str(srv.server_address[1])
    return json.loads(json.dumps(_archive(db), ensure_ascii=False).replace(port, "PORT"))


def test_writer_process_and_writer_thread_make_the_same_archive(tmp_path: Path) -> None:
    got = {}
    for mode in ("True", "False"):
        db = str(tmp_path / f"{mode}.db")
        with SiteServer(news_site(n_articles=8)) as srv:
            result = run_crawl_cli(db, srv.url("/"), settings={"NEWS_ARCHIVE_WRITER_PROCESS": mode})
            assert result.returncode == 0, result.stderr[-2000:]
            got[mode] = _port_free(db, srv)
    assert got["True"]["articles"], "nothing archived"
    assert got["True"] == got["False"]


def test_extraction_errors_in_the_writer_process_reach_the_run_record(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    with SiteServer(news_site(n_articles=5)) as srv:
        cmd = crawl_cmd(
            db,
            srv.url("/"),
            settings={
                "NEWS_ARCHIVE_WRITER_PROCESS": "True",
                "NEWS_ARCHIVE_EXTRACTOR": "test_crawl_writer_process.failing_on_article_3",
            },
        )
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), str(ROOT)])}
        result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert "Traceback" not in result.stderr
    ((errors, new),) = query(db, "SELECT errors, articles_new FROM runs")
    assert json.loads(errors).get("extract_error") == 1
    assert new >= 5
    # The failed page is stored with its error (a reparse can recover it); the others are records.
    ((status, error),) = query(
        db, "SELECT parse_status, parse_error FROM responses WHERE url LIKE '%t20240305_3.html'"
    )
    assert status == "error" and "extractor bug on this page" in error
    assert "extract_error 1" in result.stdout


def _articles(db: str) -> int:
    try:
        return int(query(db, "SELECT count(*) FROM articles")[0][0])
    except sqlite3.Error:  # not created yet
        return 0


def _holders(path: str) -> list[int]:
    """Pids of processes that have ``path`` open (Linux /proc)."""
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        except OSError:
            continue
        if path in links:
            pids.append(int(pid))
    return pids


def test_a_killed_crawl_leaves_no_writer_behind(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    with SiteServer(news_site(n_articles=40, per_page=40)) as srv:
        cmd = crawl_cmd(db, srv.url("/"), settings={"NEWS_ARCHIVE_BATCH_SIZE": "2", "DOWNLOAD_DELAY": "0.05"})
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while _articles(db) < 3:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        assert _holders(db), "no process holds the archive open during the crawl"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _holders(db) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _holders(db) == []
        assert query(db, "PRAGMA integrity_check") == [("ok",)]
        result = run_crawl_cli(db, srv.url("/"))
        assert result.returncode == 0, result.stderr[-2000:]
    assert query(db, "SELECT outcome FROM runs ORDER BY id") == [("interrupted",), ("ok",)]
