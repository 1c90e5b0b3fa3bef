"""Run records, the runs command, and the crawl's exit status: 0 ok, 1 failed, 3 degraded, 4 refused (lock)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sitekit import Resp, SiteServer, news_site, query, run_crawl_cli

from archive.db import open_db
from archive.runs import ArchiveLock, RunCounts, classify, finish_run, list_runs, mark_abandoned, start_run

ROOT = Path(__file__).resolve().parent.parent


def news_archive(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", "from crawler.cli import main; main()", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=60)


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_ok_run_and_the_runs_command(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    with SiteServer(news_site(n_articles=3)) as srv:
        result = run_crawl_cli(db, srv.url("/news/"))
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout and "articles new 5" in result.stdout
    table = news_archive("runs", "--db", db)
    assert table.returncode == 0
    header, row = table.stdout.splitlines()
    assert header.split()[:5] == ["id", "kind", "started", "(UTC)", "took"]
    assert row.split()[0] == "1" and " ok " in row and " crawl " in row
    lines = news_archive("runs", "--db", db, "--json").stdout.splitlines()
    record = json.loads(lines[0])
    assert record["outcome"] == "ok" and record["articles_new"] == 5 and record["ended_at"]
    assert record["args"]["start_urls"] == [srv.url("/news/")]
    assert isinstance(record["errors"], dict)


def test_unreachable_site_is_a_failed_run(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    result = run_crawl_cli(db, f"http://127.0.0.1:{closed_port()}/")
    assert result.returncode == 1
    ((outcome, errors),) = query(db, "SELECT outcome, errors FROM runs")
    assert outcome == "failed" and json.loads(errors)


def test_site_that_had_articles_and_now_shows_none_is_degraded(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    site = news_site(n_articles=3, etags=False)
    with SiteServer(site) as srv:
        assert run_crawl_cli(db, srv.url("/news/")).returncode == 0
        # The layout changed: the pages now link to nothing the crawl recognises.
        site["/news/"] = site["/"] = Resp(b"<html><body><script>render()</script></body></html>")
        for path in ("/sitemap.xml", "/rss.xml"):
            site[path] = Resp(b"gone", status=404)
        result = run_crawl_cli(db, srv.url("/news/"))
    assert result.returncode == 3, result.stdout
    assert query(db, "SELECT outcome FROM runs ORDER BY id") == [("ok",), ("degraded",)]


def test_too_many_server_errors_is_degraded(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    site = news_site(n_articles=10, per_page=10, etags=False)
    for i in range(2, 10):
        site[f"/news/202403/t20240305_{i}.html"] = Resp(b"oops", status=500)
    with SiteServer(site) as srv:
        result = run_crawl_cli(db, srv.url("/news/"))
    assert result.returncode == 3
    ((outcome, errors),) = query(db, "SELECT outcome, errors FROM runs")
    assert outcome == "degraded" and json.loads(errors)["http_5xx"] == 8


def test_second_run_on_a_locked_archive_is_refused(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    with SiteServer(news_site(n_articles=2)) as srv, ArchiveLock(db):
        result = run_crawl_cli(db, srv.url("/"))
        assert srv.paths() == []  # refused before fetching anything
    assert result.returncode == 4
    assert result.stderr.strip().count("\n") == 0 and "lock" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["crawl", "notaurl"], "not an http(s) URL"),
        (["crawl"], "no start URL"),
        (["crawl", "http://127.0.0.1:9/", "-s", "NOEQUALS"], "NAME=VALUE"),
        (["crawl", "http://127.0.0.1:9/", "--profile", "/nonexistent.toml"], "no such profile"),
    ],
)
def test_bad_input_is_a_one_line_error(tmp_path: Path, args: list[str], message: str) -> None:
    result = news_archive(*args, "--db", str(tmp_path / "a.db"))
    assert result.returncode == 1
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_not_an_archive_is_a_one_line_error(tmp_path: Path) -> None:
    bogus = tmp_path / "x.db"
    bogus.write_bytes(b"this is not sqlite at all" * 100)
    with SiteServer(news_site(n_articles=2)) as srv:
        result = run_crawl_cli(str(bogus), srv.url("/"))
    assert result.returncode == 1
    assert "not" in result.stderr and "Traceback" not in result.stderr
    assert bogus.read_bytes() == b"this is not sqlite at all" * 100
    runs = news_archive("runs", "--db", str(bogus))
    assert runs.returncode == 1 and runs.stderr.count("\n") == 1


def test_classify() -> None:
    ok = RunCounts(pages_fetched=20, new=5)
    assert classify(ok, had_articles_before=False) == "ok"
    assert classify(RunCounts(), had_articles_before=False) == "failed"
    assert classify(RunCounts(errors=Counter(timeout=5)), had_articles_before=True) == "failed"
    assert (
        classify(RunCounts(pages_fetched=4, errors=Counter(http_5xx=4)), had_articles_before=False)
        == "degraded"
    )
    assert classify(RunCounts(pages_fetched=4, errors=Counter(http_4xx=4)), had_articles_before=False) == "ok"
    assert classify(RunCounts(pages_fetched=3), had_articles_before=True) == "degraded"
    assert classify(RunCounts(not_modified=3), had_articles_before=True) == "ok"
    assert classify(RunCounts(pages_fetched=3, known_skipped=9), had_articles_before=True) == "ok"
    assert classify(ok, had_articles_before=True, crashed=True) == "failed"


def test_abandoned_runs_are_marked_interrupted(tmp_path: Path) -> None:
    db = open_db(tmp_path / "a.db")
    killed = start_run(db, "crawl", {"start_urls": ["http://x/"]})
    done = start_run(db, "crawl")
    finish_run(db, done, RunCounts(pages_fetched=1), "ok")
    assert mark_abandoned(db) == 1
    outcomes = {r["id"]: r["outcome"] for r in list_runs(db)}
    assert outcomes == {killed: "interrupted", done: "ok"}
