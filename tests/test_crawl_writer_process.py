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

from sitekit import (
    Resp,
    SiteServer,
    article_html,
    crawl_cmd,
    listing_html,
    news_site,
    paragraphs,
    query,
    run_crawl_cli,
)

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


def slow_recording_extractor(page: Page) -> Article:
    """The archive's extractor, made slow (so the writer falls behind a fast crawl) and noting which process
    ran it, in the file named by $EXTRACTED_BY."""
    from archive.extract import extract

    time.sleep(0.03)
    with open(os.environ["EXTRACTED_BY"], "a") as fh:
        fh.write(f"{os.getpid()} {page.url}\n")
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


def _crawl_with_slow_writer(
    db: str, srv: SiteServer, log: Path, start: str | None = None, **settings: str
) -> subprocess.CompletedProcess[str]:
    cmd = crawl_cmd(
        db,
        start or srv.url("/"),
        settings={
            "NEWS_ARCHIVE_EXTRACTOR": "test_crawl_writer_process.slow_recording_extractor",
            "NEWS_ARCHIVE_BATCH_SIZE": "2",
            "LOG_LEVEL": "INFO",
            **settings,
        },
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), str(ROOT)]), "EXTRACTED_BY": str(log)}
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_a_writer_behind_the_crawl_pauses_the_downloads_and_loses_nothing(tmp_path: Path) -> None:
    db, log = str(tmp_path / "a.db"), tmp_path / "extracted.txt"
    with SiteServer(news_site(n_articles=20, per_page=20)) as srv:
        result = _crawl_with_slow_writer(db, srv, log)
    assert result.returncode == 0, result.stderr[-2000:]
    # Batches of 2 and an extractor slower than the local server: pages pile up, downloads pause, resume.
    assert "'news_archive/download_pauses'" in result.stderr
    ((outcome, new),) = query(db, "SELECT outcome, articles_new FROM runs")
    assert outcome == "ok" and new >= 20
    urls = [line.split()[1] for line in log.read_text().splitlines()]
    assert len(urls) == len(set(urls)), "a page was extracted twice"


def test_extraction_shared_with_the_crawls_process_makes_the_same_archive(tmp_path: Path) -> None:
    got, pids = {}, {}
    for share in ("False", "True"):
        db, log = str(tmp_path / f"{share}.db"), tmp_path / f"{share}.txt"
        with SiteServer(news_site(n_articles=16, per_page=16)) as srv:
            result = _crawl_with_slow_writer(db, srv, log, NEWS_ARCHIVE_SHARE_EXTRACTION=share)
            assert result.returncode == 0, result.stderr[-2000:]
            got[share] = _port_free(db, srv)
        lines = [line.split() for line in log.read_text().splitlines()]
        urls = [url for _, url in lines]
        assert len(urls) == len(set(urls)), "a page was extracted twice"
        pids[share] = {pid for pid, _ in lines}
    assert got["True"]["articles"], "nothing archived"
    assert got["True"] == got["False"]
    assert len(pids["False"]) == 1  # the writer process alone
    assert len(pids["True"]) == 2  # the writer and the crawl's process


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


def test_pages_extracted_while_the_writer_starts_apply_the_archives_stored_profiles(tmp_path: Path) -> None:
    """Downloads start before the writer process has opened the archive, and the crawl's process extracts
    the pages meanwhile: with the profiles the archive keeps from an earlier run, as the writer would."""
    db, log = str(tmp_path / "a.db"), tmp_path / "extracted.txt"
    headline = '<div class="real-headline">配置文件指定的真实标题</div>'

    def site(first: int) -> dict[str, Resp]:
        pages = {
            f"/xw/p/{i}": Resp(article_html(f"通用标题{i}号稿件", paragraphs(i), extra=headline).encode())
            for i in range(first, first + 12)
        }
        pages["/xw/"] = Resp(listing_html("新闻", [(p, "稿件") for p in pages]).encode())
        return pages

    with SiteServer(site(1)) as srv:
        profile = tmp_path / "site.toml"
        profile.write_text(
            f'[[site]]\nstart_urls = ["{srv.url("/xw/")}"]\n[site.selectors]\ntitle = "div.real-headline"\n',
            encoding="utf-8",
        )
        first = run_crawl_cli(db, extra=["--profile", str(profile)])
        assert first.returncode == 0, first.stderr[-2000:]
    # The second run names no profile: the archive's stored one applies (same host, another port).
    with SiteServer(site(101)) as srv:
        result = _crawl_with_slow_writer(db, srv, log, start=srv.url("/xw/"))
        assert result.returncode == 0, result.stderr[-2000:]
    titles = query(db, "SELECT title FROM articles WHERE url LIKE '%/xw/p/1__'")
    assert len(titles) == 12 and {t for (t,) in titles} == {"配置文件指定的真实标题"}
    pids = {line.split()[0] for line in log.read_text().splitlines()}
    assert len(pids) == 2  # the crawl's process extracted some of them, the writer the rest


_EXTRACTED_HERE = 0


def dying_on_the_15th_page(page: Page) -> Article:
    """The archive's extractor, except that the process running it is killed outright at its 15th page (the
    writer process dying mid-run: out of memory, a crash in a C extension)."""
    from archive.extract import extract

    global _EXTRACTED_HERE
    _EXTRACTED_HERE += 1
    if _EXTRACTED_HERE == 15:
        os.kill(os.getpid(), signal.SIGKILL)
    return extract(page)


def test_a_writer_process_dying_mid_crawl_stops_the_crawl_cleanly_and_the_rerun_completes(
    tmp_path: Path,
) -> None:
    """The crawl's 'archive write failed' path: one error line, no traceback, the failed run's exit status,
    every batch committed before kept; the next run closes the dead run as interrupted and archives the rest."""
    from archive import runs

    db = str(tmp_path / "a.db")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), str(ROOT)])}
    with SiteServer(news_site(n_articles=24, per_page=24)) as srv:
        cmd = crawl_cmd(
            db,
            srv.url("/"),
            settings={
                "NEWS_ARCHIVE_EXTRACTOR": "test_crawl_writer_process.dying_on_the_15th_page",
                "NEWS_ARCHIVE_SHARE_EXTRACTION": "False",  # extraction in the writer process only
                # Slow enough that the writer opens long before the site is fetched: batches of 4 are
                # committed before the writer dies.
                "DOWNLOAD_DELAY": "0.05",
                "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
                "LOG_LEVEL": "INFO",
            },
        )
        result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == runs.EXIT_CODES["failed"], result.stderr[-3000:]
        assert "Traceback" not in result.stderr, result.stderr[-3000:]
        errors = [line for line in result.stderr.splitlines() if "] ERROR:" in line]
        assert len(errors) == 1 and "archive write failed" in errors[0], result.stderr[-3000:]
        assert "writer process stopped" in errors[0]
        assert 0 < len(query(db, "SELECT url FROM articles")) < 15  # the batches committed before it died
        assert query(db, "SELECT outcome FROM runs") == [
            (None,)
        ]  # still open: the dead writer could not close it

        again = run_crawl_cli(db, srv.url("/"), timeout=120)
        reference = str(tmp_path / "reference.db")  # the same site crawled with nothing going wrong
        assert run_crawl_cli(reference, srv.url("/"), timeout=120).returncode == 0
    assert again.returncode == 0, again.stderr[-3000:]
    assert query(db, "SELECT outcome FROM runs ORDER BY id") == [("interrupted",), ("ok",)]
    urls = [url for (url,) in query(db, "SELECT url FROM articles ORDER BY url")]
    assert len(urls) == len(set(urls)) >= 24
    assert urls == [url for (url,) in query(reference, "SELECT url FROM articles ORDER BY url")]


def test_the_crawls_process_leaves_extraction_to_a_writer_that_keeps_up(tmp_path: Path) -> None:
    """Shared extraction only helps a writer that is behind: with pages arriving a little slower than the
    writer writes them (it is busy most of the time, but never a full batch behind), the crawl's process
    extracts none once the writer is open: it has downloads to do."""
    db, log = str(tmp_path / "a.db"), tmp_path / "extracted.txt"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), str(ROOT)]), "EXTRACTED_BY": str(log)}
    with SiteServer(news_site(n_articles=16, per_page=16)) as srv:
        cmd = crawl_cmd(
            db,
            srv.url("/"),
            settings={
                "NEWS_ARCHIVE_EXTRACTOR": "test_crawl_writer_process.slow_recording_extractor",  # 30 ms a page
                "NEWS_ARCHIVE_SHARE_EXTRACTION": "True",
                "DOWNLOAD_DELAY": "0.2",  # a page every 0.2 s, a batch of 4 every 0.8 s: written in 0.15 s
                "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
            },
        )
        crawl = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        _, stderr = crawl.communicate(timeout=120)
    assert crawl.returncode == 0, stderr[-2000:]
    lines = [line.split() for line in log.read_text().splitlines()]
    assert len(lines) >= 16
    by_crawl = [i for i, (pid, _) in enumerate(lines) if int(pid) == crawl.pid]
    # Only pages fetched while the writer process started (well under a second: the first few) or, once the
    # downloads are over, what waits for the writer's last batch (at most a batch of 4): none in between.
    assert not [i for i in by_crawl if 4 <= i < len(lines) - 4], (by_crawl, len(lines))
