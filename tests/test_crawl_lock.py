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
