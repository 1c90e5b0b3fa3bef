"""Bad archives: not an archive, read-only, full. One-line error, non-zero exit, nothing archived lost."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import cli
from archive.db import open_db
from archive.errors import ArchiveError, NotAnArchive
from archive.ingest import Ingestor
from tests.ingest_helpers import article_paragraphs, fake_extract, html_page, page


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_archive(path: Path, n: int = 5) -> None:
    with Ingestor.open(path, extractor=fake_extract) as ing:
        ing.ingest_many(
            page(f"http://a.gov.cn/n/{i}.html", html_page(f"标题{i}", article_paragraphs(i)))
            for i in range(n)
        )
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


@pytest.mark.parametrize("command", [["show", "x"], ["stats"], ["reparse"]])
def test_a_file_that_is_not_an_archive(tmp_path: Path, command: list[str]) -> None:
    text = tmp_path / "notes.db"
    text.write_text("these are my notes, not a database\n" * 100)
    foreign = tmp_path / "other.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO customers (name) VALUES ('x')")
    conn.commit()
    conn.close()
    for path in (text, foreign):
        before = digest(path)
        result = CliRunner().invoke(cli, [*command, "--db", str(path)])
        assert result.exit_code != 0
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
        assert digest(path) == before


def test_ingestor_refuses_a_foreign_database(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(NotAnArchive):
        Ingestor.open(path)


def test_writing_to_a_read_only_archive_is_a_clear_error_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    make_archive(path)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    import sqlite_utils

    ing = Ingestor(sqlite_utils.Database(conn), extractor=fake_extract)
    before = digest(path)
    with pytest.raises(ArchiveError, match="read-only"):
        ing.ingest(page("http://a.gov.cn/n/99.html", html_page("新", article_paragraphs(99))))
    conn.close()
    assert digest(path) == before


def test_a_full_archive_rolls_back_the_batch_and_keeps_what_was_archived(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    make_archive(path, n=20)
    db = open_db(path)
    pages_now = db.execute("PRAGMA page_count").fetchone()[0]
    # SQLITE_FULL, as on a full disk: the file may grow by a few pages only.
    db.execute(f"PRAGMA max_page_count = {pages_now + 8}")
    ing = Ingestor(db, extractor=fake_extract, batch_size=50)
    big = [
        page(f"http://a.gov.cn/big/{i}.html", html_page(f"大{i}", [os.urandom(3000).hex()]))
        for i in range(50)
    ]
    with pytest.raises(ArchiveError, match="full"):
        ing.ingest_many(big)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 20
    assert db.execute("SELECT count(*) FROM responses").fetchone()[0] == 20
    # Once there is room again, the same pages go in.
    db.execute("PRAGMA max_page_count = 1073741823")
    assert [r.status for r in ing.ingest_many(big)] == ["new"] * 50
    db.conn.close()


def test_a_full_disk_through_the_cli_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.db"
    make_archive(path, n=3)
    import archive.reparse as reparse_mod

    real_init = reparse_mod.Ingestor.__init__

    def no_room(self, db, **kw):  # type: ignore[no-untyped-def]
        real_init(self, db, **kw)
        # As on a full disk: the file cannot grow by one page.
        db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")

    def longer(p):  # type: ignore[no-untyped-def]
        art = fake_extract(p)
        return dataclasses.replace(art, body=(art.body or "") * 40, parser_version="9.0")

    monkeypatch.setattr(reparse_mod.Ingestor, "__init__", no_room)
    monkeypatch.setattr(reparse_mod, "default_extractor", longer)
    before = open_db(path).execute("SELECT id, body FROM articles ORDER BY id").fetchall()
    result = CliRunner().invoke(cli, ["reparse", "--db", str(path), "--workers", "1"])
    assert result.exit_code != 0
    lines = [ln for ln in result.stderr.strip().splitlines() if not ln.startswith("reparsing")]
    assert len(lines) == 1 and "full" in lines[0] and "Traceback" not in result.stderr, result.stderr
    db = open_db(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT id, body FROM articles ORDER BY id").fetchall() == before
