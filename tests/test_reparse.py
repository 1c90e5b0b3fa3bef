"""`reparse`: re-extraction from stored bytes through the ingest path; recovers failures, idempotent."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.article import Article
from archive.cli import cli
from archive.db import open_db
from archive.ingest import Ingestor
from archive.page import Page
from archive.reparse import is_outdated, reparse
from tests.ingest_helpers import article_paragraphs, fake_extract, html_page, page


def fragile_v1(p: Page) -> Article:
    """An old parser: fails on article 3, keeps the portal's name in titles."""
    if "/n/3.html" in p.url:
        raise RuntimeError("old parser chokes")
    art = fake_extract(p)
    return dataclasses.replace(art, title=f"{art.title}_株洲市人民政府", parser_version="1.0")


def fixed_v2(p: Page) -> Article:
    """The new parser: no failure, clean titles."""
    return dataclasses.replace(fake_extract(p), parser_version="2.0")


def snapshot(path: Path) -> dict[str, list[tuple]]:
    db = open_db(path)
    out = {
        t: db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
        for t in ("articles", "article_urls", "revisions", "views", "simhash_bands")
    }
    out["responses"] = db.execute(
        "SELECT id, parse_status, parse_error, parser_version, article_id FROM responses ORDER BY id"
    ).fetchall()
    db.conn.close()
    return out


@pytest.fixture()
def archive(tmp_path: Path) -> Path:
    path = tmp_path / "a.db"
    with Ingestor.open(path, extractor=fragile_v1, parser_version="1.0") as ing:
        for i in range(6):
            ing.ingest(
                page(f"http://www.a.gov.cn/n/{i}.html", html_page(f"标题{i}", article_paragraphs(i), views=i))
            )
        # A revised article: two versions.
        ing.ingest(
            page("http://www.a.gov.cn/n/1.html", html_page("标题1", article_paragraphs(1)[:-1]), minutes=60)
        )
        ing.ingest(page("http://www.a.gov.cn/f.pdf", b"%PDF", ctype="application/pdf"))
    return path


def run_reparse(path: Path, **kw: object):  # type: ignore[no-untyped-def]
    db = open_db(path)
    try:
        return reparse(db, extractor=fixed_v2, parser_version="2.0", **kw)  # type: ignore[arg-type]
    finally:
        db.conn.close()


def test_reparse_recovers_failures_and_updates_records_in_place(archive: Path) -> None:
    before = snapshot(archive)
    assert [r[1] for r in before["responses"]].count("error") == 1
    report = run_reparse(archive, workers=1)
    assert report.responses == 8
    assert report.statuses["new"] == 1  # article 3, which the old parser could not read
    assert report.statuses["updated"] == 6  # five records and one stored revision
    assert report.statuses["skipped"] == 1
    assert report.field_changes["title"] == 6 and set(report.field_changes) == {"title"}
    db = open_db(archive)
    titles = dict(db.execute("SELECT id, title FROM articles").fetchall())
    assert sorted(titles.values()) == [f"标题{i}" for i in range(6)]
    assert db.execute("SELECT count(*) FROM articles WHERE parser_version = '2.0'").fetchone()[0] == 6
    # The revision history is kept, re-extracted in place; the record still shows the newest version.
    rev = db.execute("SELECT revision, record FROM revisions").fetchall()
    assert len(rev) == 1 and json.loads(rev[0][1])["title"] == "标题1"
    assert db.execute("SELECT revision FROM articles WHERE url LIKE '%/n/1.html'").fetchone()[0] == 2
    assert db.execute("SELECT count(*) FROM responses WHERE parser_version != '2.0'").fetchone()[0] == 0
    db.conn.close()


def test_a_second_reparse_changes_nothing(archive: Path) -> None:
    run_reparse(archive, workers=1)
    first = snapshot(archive)
    report = run_reparse(archive, workers=1)
    assert report.field_changes == {} and report.statuses["new"] == 0 and report.statuses["updated"] == 0
    assert snapshot(archive) == first


def test_outdated_only_picks_unparsed_and_older_responses(archive: Path) -> None:
    assert run_reparse(archive, workers=1, outdated_only=True).responses == 8
    assert run_reparse(archive, workers=1, outdated_only=True).responses == 0
    # Responses stored by an ingest that died before extraction (parse_status NULL) are completed.
    with Ingestor.open(archive, extractor=fixed_v2, parser_version="2.0") as ing:
        ing.store(
            [page("http://www.a.gov.cn/n/9.html", html_page("标题9", article_paragraphs(9)), minutes=99)]
        )
    report = run_reparse(archive, workers=1, outdated_only=True)
    assert report.responses == 1 and report.statuses["new"] == 1


def test_all_cores_give_the_same_archive_as_one(tmp_path: Path, archive: Path) -> None:
    copy = tmp_path / "copy.db"
    db = open_db(archive)
    db.conn.execute(f"VACUUM INTO '{copy}'")
    db.conn.close()
    run_reparse(archive, workers=1)
    report = run_reparse(copy, workers=2, batch_size=3)
    assert report.statuses["new"] == 1
    assert snapshot(copy) == snapshot(archive)


def test_version_order() -> None:
    assert is_outdated(None, "0.1.0") and is_outdated("0.1.0", "0.2.0") and is_outdated("0.9", "0.10")
    assert not is_outdated("0.2.0", "0.2.0") and not is_outdated("0.3.0", "0.2.0")


def test_reparse_command_prints_change_counts(archive: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import archive.ingest as ingest_mod
    import archive.reparse as reparse_mod

    monkeypatch.setattr(reparse_mod, "default_extractor", fixed_v2)
    monkeypatch.setattr(reparse_mod, "current_parser_version", lambda: "2.0")
    monkeypatch.setattr(ingest_mod, "current_parser_version", lambda: "2.0")
    result = CliRunner().invoke(cli, ["reparse", "--db", str(archive), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "reparsed 8 stored responses" in result.stdout and "title" in result.stdout
    result = CliRunner().invoke(cli, ["reparse", "--db", str(archive), "--outdated-only", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["responses"] == 0


def test_reparse_command_on_a_missing_archive(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["reparse", "--db", str(tmp_path / "none.db")])
    assert result.exit_code != 0 and "no such archive" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_reparse_with_the_real_extractor_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "real.db"
    html = (
        "<html><head><meta charset=utf-8><title>全市防汛工作调度会召开_株洲市人民政府</title></head><body>"
        "<h1>全市防汛工作调度会召开</h1><div class=info>发布时间：2021-06-18 10:20 来源：株洲日报</div>"
        + "".join(f"<p>{p}</p>" for p in article_paragraphs(4, 8))
        + "</body></html>"
    ).encode()
    with Ingestor.open(path) as ing:
        first = ing.ingest(page("http://www.zhuzhou.gov.cn/c/1.html", html))
    assert first.status == "new"
    db = open_db(path)
    assert db.execute("SELECT title, source FROM articles").fetchall() == [
        ("全市防汛工作调度会召开", "株洲日报")
    ]
    db.conn.close()
    result = CliRunner().invoke(cli, ["reparse", "--db", str(path), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "no field of any record changed" in result.stdout


def test_reparse_keeps_the_latest_view_count(tmp_path: Path) -> None:
    path = tmp_path / "v.db"
    url = "http://www.a.gov.cn/n/1.html"
    with Ingestor.open(path, extractor=fixed_v2, parser_version="2.0") as ing:
        ing.ingest(page(url, html_page("标题", article_paragraphs(1), views=5)))
        assert (
            ing.ingest(page(url, html_page("标题", article_paragraphs(1), views=50), minutes=60)).status
            == "unchanged"
        )
    report = run_reparse(path, workers=1)
    assert report.field_changes == {}
    db = open_db(path)
    assert db.execute("SELECT views FROM articles").fetchall() == [(50,)]
    assert db.execute("SELECT views FROM views ORDER BY observed_at").fetchall() == [(5,), (50,)]
    db.conn.close()


def test_reparse_after_exact_copies_with_their_own_counters_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    with Ingestor.open(path, extractor=fixed_v2, parser_version="2.0") as ing:
        a = ing.ingest(
            page("http://www.a.gov.cn/n/1.html", html_page("标题", article_paragraphs(1), views=5))
        )
        b = ing.ingest(
            page(
                "http://www.a.gov.cn/zt/1.html", html_page("标题", article_paragraphs(1), views=7), minutes=5
            )
        )
        assert b.status == "duplicate" and b.article_id == a.article_id
        assert ing.conn.execute("SELECT views FROM articles").fetchall() == [(7,)]
    report = run_reparse(path, workers=1)
    assert report.field_changes == {} and report.statuses["unchanged"] == 2


INTERRUPTED_REPARSE = """
import sys, time, dataclasses
import archive.reparse, archive.ingest
from tests.ingest_helpers import fake_extract

def slow_v2(p):
    time.sleep(0.02)
    return dataclasses.replace(fake_extract(p), parser_version="2.0")

archive.reparse.default_extractor = slow_v2
archive.reparse.current_parser_version = lambda: "2.0"
archive.ingest.current_parser_version = lambda: "2.0"
from archive.cli import main
sys.argv = ["news-archive", "reparse", "--db", sys.argv[1], "--workers", "2"]
main()
"""


def test_ctrl_c_stops_reparse_cleanly_and_outdated_only_finishes_it(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    root = Path(__file__).resolve().parent.parent
    path = tmp_path / "big.db"
    with Ingestor.open(path, extractor=fragile_v1, parser_version="1.0") as ing:
        ing.ingest_many(
            page(f"http://www.b.gov.cn/n/{i}.html", html_page(f"题{i}", article_paragraphs(i) + [f"唯一{i}"]))
            for i in range(400)
        )
    proc = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTED_REPARSE, str(path)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )

    def done() -> int:
        db = open_db(path)
        try:
            return int(
                db.execute("SELECT count(*) FROM responses WHERE parser_version = '2.0'").fetchone()[0]
            )
        finally:
            db.conn.close()

    deadline = time.monotonic() + 60
    while done() < 100:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole process group
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and [ln for ln in err.splitlines() if "error" in ln] == [
        "news-archive: error: interrupted"
    ]
    finished = done()
    assert 100 <= finished < 400
    report = run_reparse(path, workers=1, outdated_only=True)
    assert report.responses == 400 - finished  # only what was left
    assert done() == 400
    db = open_db(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 400
    assert db.execute("SELECT count(*) FROM articles WHERE title LIKE '%人民政府'").fetchone()[0] == 0
    db.conn.close()
