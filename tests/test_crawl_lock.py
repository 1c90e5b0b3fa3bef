"""Plain `scrapy crawl news` (or Scrapyd), which takes no lock before Scrapy starts, on an archive another run
holds: one error line and a clean close with reason 'locked', no traceback, nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sitekit import FAST, SiteServer, news_site

from archive.runs import ArchiveLock

ROOT = Path(__file__).resolve().parent.parent


def test_scrapy_crawl_on_a_locked_archive_closes_cleanly(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    with SiteServer(news_site(n_articles=2)) as srv, ArchiveLock(db):
        cmd = [sys.executable, "-m", "scrapy.cmdline", "crawl", "news", "-a", f"start_urls={srv.url('/')}"]
        for k, v in {**FAST, "NEWS_ARCHIVE_DB": str(db), "LOG_LEVEL": "INFO"}.items():
            cmd += ["-s", f"{k}={v}"]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=ROOT)
        fetched = srv.paths()
    log = result.stderr
    assert "Traceback" not in log, log
    errors = [line for line in log.splitlines() if "ERROR" in line]
    assert len(errors) == 1 and "another run holds the archive's lock" in errors[0], log
    assert "'finish_reason': 'locked'" in log, log
    assert result.returncode == 0, log
    assert not [p for p in fetched if p != "/robots.txt"]  # nothing crawled for an archive it cannot write
    assert not db.exists() or db.stat().st_size == 0


def test_scrapy_crawl_into_a_file_that_is_not_an_archive_stops_cleanly(tmp_path: Path) -> None:
    """The writer opens the archive while the crawl has already started: when it cannot, the crawl stops
    with one error line, no traceback, and the foreign file is left as it was."""
    import sqlite3

    db = tmp_path / "other.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.execute("INSERT INTO notes VALUES ('mine')")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    with SiteServer(news_site(n_articles=2)) as srv:
        cmd = [sys.executable, "-m", "scrapy.cmdline", "crawl", "news", "-a", f"start_urls={srv.url('/')}"]
        for k, v in {**FAST, "NEWS_ARCHIVE_DB": str(db), "LOG_LEVEL": "INFO"}.items():
            cmd += ["-s", f"{k}={v}"]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=ROOT)
    log = result.stderr
    assert "Traceback" not in log, log
    errors = [line for line in log.splitlines() if "] ERROR:" in line]
    assert len(errors) == 1 and "archive could not be opened" in errors[0], log
    assert "not a news-archive database" in errors[0], log
    # 'archive_error' when the crawl was still going; a site this small may be fetched before the writer
    # gives up, and then the spider is already closing as 'finished'.
    assert "'finish_reason': 'archive_error'" in log or "'finish_reason': 'finished'" in log, log
    assert "Spider closed" in log, log
    assert db.read_bytes() == before
