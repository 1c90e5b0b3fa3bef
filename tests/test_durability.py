"""An ingest killed with SIGKILL midway loses nothing committed; running it again completes it exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from archive.db import open_db
from archive.reparse import reparse
from tests.ingest_helpers import fake_extract

ROOT = Path(__file__).resolve().parent.parent
TOTAL = 1000

# Ingests TOTAL generated pages (every tenth an exact copy at a second URL, every 50th a later revision),
# slowly enough that the test can kill it midway.
SCRIPT = """
import sys, time
from archive.ingest import Ingestor
from tests.ingest_helpers import article_paragraphs, fake_extract, html_page, page

def slow(p):
    time.sleep(float(sys.argv[3]))
    return fake_extract(p)

def pages(total):
    for i in range(total):
        paras = article_paragraphs(i) + [f"独有内容{i}"]
        yield page(f"http://www.a.gov.cn/n/{i}.html", html_page(f"标题{i}", paras, views=i))
        if i % 10 == 0:
            yield page(f"http://www.a.gov.cn/copy/{i}.html", html_page(f"标题{i}", paras), minutes=1)
        if i % 50 == 0:
            yield page(f"http://www.a.gov.cn/n/{i}.html", html_page(f"标题{i}（修订）", paras), minutes=2)

with Ingestor.open(sys.argv[1], extractor=slow, batch_size=20) as ing:
    ing.ingest_many(pages(int(sys.argv[2])))
print("done")
"""


def start(db: Path, delay: float) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(db), str(TOTAL), str(delay)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def count(db: Path, sql: str) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(conn.execute(sql).fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def test_sigkill_midway_then_rerun_completes_with_no_duplicate_and_no_loss(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    proc = start(db, delay=0.003)
    deadline = time.monotonic() + 60
    while count(db, "SELECT count(*) FROM articles") < 200:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "ingest made no progress"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    killed_at = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    conn.close()
    assert 200 <= killed_at < TOTAL

    # Run the same ingest again, to completion.
    proc = start(db, delay=0)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    # Responses stored by the killed run but not yet parsed are completed by reparse --outdated-only.
    archive = open_db(db)
    reparse(archive, outdated_only=True, extractor=fake_extract, parser_version="fake-1", workers=1)
    c = archive.conn
    assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert c.execute("SELECT count(*) FROM responses WHERE parse_status IS NULL").fetchone()[0] == 0
    # One record per article; every URL kept once, on the right record.
    assert c.execute("SELECT count(*) FROM articles").fetchone()[0] == TOTAL
    assert c.execute("SELECT count(DISTINCT title) FROM articles").fetchone()[0] == TOTAL
    assert c.execute("SELECT count(*) FROM article_urls").fetchone()[0] == TOTAL + TOTAL // 10
    wrong = c.execute(
        "SELECT count(*) FROM article_urls u JOIN articles a ON a.id = u.article_id"
        " WHERE replace(u.url, '/copy/', '/n/') != a.url"
    ).fetchone()[0]
    assert wrong == 0
    # Every 50th article was revised: exactly one kept revision each, the record shows the newest.
    assert c.execute("SELECT count(*) FROM revisions").fetchone()[0] == TOTAL // 50
    assert (
        c.execute("SELECT count(*) FROM articles WHERE title LIKE '%（修订）'").fetchone()[0] == TOTAL // 50
    )
    assert c.execute("SELECT count(*) FROM articles WHERE revision = 2").fetchone()[0] == TOTAL // 50
    c.close()
