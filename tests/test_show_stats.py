"""`news-archive show` and `news-archive stats` on a temporary archive."""

from __future__ import annotations

import json
from pathlib import Path

import opencc
import pytest
from click.testing import CliRunner

from archive.article import RECORD_KEYS
from archive.cli import cli
from archive.ingest import Ingestor
from tests.ingest_helpers import article_paragraphs, fake_extract, html_page, page
from tests.test_dedup import ORIGINAL


@pytest.fixture()
def archive(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    path = tmp_path / "archive.db"
    s2t = opencc.OpenCC("s2t")
    with Ingestor.open(path, extractor=fake_extract) as ing:
        a = ing.ingest(page("http://www.a.gov.cn/n/1.html", html_page("防汛调度会", ORIGINAL, views=5)))
        ing.ingest(
            page(
                "http://www.a.gov.cn/n/1.html",
                html_page("防汛调度会（更新）", ORIGINAL[:-1], views=9),
                minutes=30,
            )
        )
        ing.ingest(
            page(
                "http://www.a.gov.cn/n/1.html?utm_source=x",
                html_page("防汛调度会（更新）", ORIGINAL[:-1], views=12),
                minutes=60,
            )
        )
        t = ing.ingest(
            page(
                "http://b.example.hk/x.html",
                html_page(
                    s2t.convert("防汛调度会（更新）"), [s2t.convert(p) for p in ORIGINAL[:-1]], lang="zh-Hant"
                ),
                minutes=70,
            )
        )
        c = ing.ingest(
            page(
                "http://b.example.hk/y.html",
                html_page("另一篇", article_paragraphs(3), published="2021-01-19T15:38:57+08:00"),
                minutes=80,
            )
        )
    assert a.article_id and t.article_id and c.article_id
    return path, {"a": a.article_id, "t": t.article_id, "c": c.article_id}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_show_by_id_prints_the_record_with_urls_revisions_duplicates(archive) -> None:  # type: ignore[no-untyped-def]
    path, ids = archive
    code, out, _ = run("show", ids["a"], "--db", str(path))
    assert code == 0
    rec = json.loads(out)
    spec_keys = [k for k in rec if k in RECORD_KEYS]
    assert spec_keys == [k for k in RECORD_KEYS if k in spec_keys]  # SPEC key order
    assert {
        "id",
        "urls",
        "duplicate_of",
        "first_seen",
        "last_seen",
        "title",
        "body",
        "parser_version",
    } <= set(rec)
    assert rec["id"] == ids["a"] and rec["title"] == "防汛调度会（更新）" and rec["views"] == 12
    assert rec["urls"] == ["http://www.a.gov.cn/n/1.html", "http://www.a.gov.cn/n/1.html?utm_source=x"]
    assert rec["first_seen"] == "2024-05-01T08:00:00Z" and rec["last_seen"] == "2024-05-01T09:00:00Z"
    assert [r["record"]["title"] for r in rec["revisions"]] == ["防汛调度会"]
    assert [d["id"] for d in rec["duplicates"]] == [ids["t"]]
    assert [v["views"] for v in rec["view_history"]] == [5, 9, 12]


def test_show_by_url_variant_finds_the_record(archive) -> None:  # type: ignore[no-untyped-def]
    path, ids = archive
    code, out, _ = run("show", "https://WWW.a.gov.cn/n/1.html#top", "--db", str(path))
    assert code == 0 and json.loads(out)["id"] == ids["a"]
    code, out, _ = run("show", "http://b.example.hk/x.html", "--db", str(path))
    assert code == 0 and json.loads(out)["duplicate_of"] == ids["a"]


def test_show_unknown_id_is_a_one_line_error(archive) -> None:  # type: ignore[no-untyped-def]
    path, _ = archive
    code, out, err = run("show", "nope", "--db", str(path))
    assert code != 0 and out == "" and len(err.strip().splitlines()) == 1 and "no article" in err


def test_show_on_a_missing_archive_does_not_create_one(tmp_path: Path) -> None:
    code, _, err = run("show", "x", "--db", str(tmp_path / "none.db"))
    assert code != 0 and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "none.db").exists()


def test_stats_counts_articles_per_site_and_day(archive) -> None:  # type: ignore[no-untyped-def]
    path, _ = archive
    code, out, _ = run("stats", "--db", str(path), "--json")
    assert code == 0
    stats = json.loads(out)
    assert stats["articles"] == 3 and stats["near_copies"] == 1 and stats["revisions"] == 1
    assert stats["per_site"] == {"b.example.hk": 2, "a.gov.cn": 1}
    assert stats["per_day"] == {"2021-01-19": 1, "undated": 2}
    assert stats["responses"] == 5 and 0 < stats["payload_bytes_stored"] < stats["payload_bytes_raw"]
    code, out, _ = run("stats", "--db", str(path))
    assert code == 0 and "a.gov.cn" in out and "articles: 3" in out


def test_iter_records_reads_every_record_in_batches(archive) -> None:  # type: ignore[no-untyped-def]
    from archive.db import open_db
    from archive.records import get_record, iter_records

    path, ids = archive
    db = open_db(path, readonly=True)
    got = list(iter_records(db, batch_size=2))
    assert [r["id"] for r in got] == [ids["a"], ids["t"], ids["c"]]
    assert got == [get_record(db, r["id"]) for r in got]
