"""A multi-page article goes through the one ingest path: a crawl, a reparse and a WARC export -> import into
an empty archive all give the same single record, with every part's text; no part is a record of its own."""

from __future__ import annotations

import io
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sitekit import Resp, SiteServer, article_html, listing_html, paragraphs, query, run_crawl_cli

from archive.db import open_db
from archive.export import export_warc
from archive.ingest import Ingestor
from archive.records import iter_records
from archive.reparse import reparse_path
from archive.warc import import_files

TITLE = "分三页刊出的长篇调查报道标题"
ONLY = [
    "第一页独有的段落：记者走访了多个社区。",
    "第二页独有的段落：续页记录了各方反应。",
    "第三页独有的段落：报道最后总结了经验。",
]


def three_part_site() -> dict[str, Any]:
    pager = (
        '<div class="page"><a href="content_77.htm">1</a> <a href="content_77_2.htm">2</a>'
        ' <a href="content_77_3.htm">3</a> <a href="content_77_2.htm">下一页</a></div>'
    )
    routes: dict[str, Any] = {
        "/": Resp(listing_html("测试新闻网 首页", [("/a/content_77.htm", TITLE)]).encode()),
        "/robots.txt": Resp(b"User-agent: *\nAllow: /\n", content_type="text/plain"),
    }
    for n, name in enumerate(("content_77.htm", "content_77_2.htm", "content_77_3.htm")):
        html = article_html(TITLE, [ONLY[n] * 2, *paragraphs(770 + n)], extra=pager)
        routes[f"/a/{name}"] = Resp(html.encode())
    return routes


def records(db: Path) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db)
    try:
        return list(iter_records(conn))
    finally:
        conn.close()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    db = tmp_path_factory.mktemp("multipage") / "a.db"
    with SiteServer(three_part_site()) as srv:
        result = run_crawl_cli(str(db), srv.url("/"))
    return db, result


def assert_one_record_of_three_parts(db: Path) -> dict[str, Any]:
    (record,) = [r for r in records(db) if "content_77" in r["url"]]
    assert record["url"].endswith("/a/content_77.htm")
    body = record["body"]
    positions = [body.find(text) for text in ONLY]
    assert -1 not in positions and positions == sorted(positions), body  # every part, in order
    return record


def test_crawl_makes_one_record_of_three_parts(crawled: tuple[Path, Any]) -> None:
    db, result = crawled
    assert result.returncode == 0, result.stderr
    assert_one_record_of_three_parts(db)
    rows = query(str(db), "SELECT url, parse_status, part_of, article_id FROM responses ORDER BY id")
    first = [r for r in rows if r[0].endswith("content_77.htm")]
    parts = [r for r in rows if "content_77_" in r[0]]
    assert len(first) == 1 and first[0][1] == "article" and first[0][2] is None
    assert [r[1] for r in parts] == ["part", "part"]
    first_id = query(str(db), "SELECT id FROM responses WHERE url LIKE '%content_77.htm'")[0][0]
    assert {r[2] for r in parts} == {first_id} and {r[3] for r in parts} == {first[0][3]}


def test_reparse_keeps_the_same_record(crawled: tuple[Path, Any], tmp_path: Path) -> None:
    src, _ = crawled
    db = tmp_path / "copy.db"
    db.write_bytes(src.read_bytes())  # the crawl's archive, closed (WAL checkpointed on close)
    before = records(db)
    report = reparse_path(db, workers=1, parser_version="999.0.0")
    assert report.responses == len(query(str(db), "SELECT id FROM responses WHERE part_of IS NULL"))
    after = records(db)
    strip = lambda rs: [{k: v for k, v in r.items() if k != "parser_version"} for r in rs]  # noqa: E731
    assert strip(after) == strip(before)
    assert_one_record_of_three_parts(db)
    assert {s for (s,) in query(str(db), "SELECT parse_status FROM responses WHERE part_of IS NOT NULL")} == {
        "part"
    }


def test_warc_export_then_import_gives_the_same_single_record(
    crawled: tuple[Path, Any], tmp_path: Path
) -> None:
    src, _ = crawled
    out = io.BytesIO()
    conn = sqlite3.connect(src)
    try:
        export_warc(conn, out)
    finally:
        conn.close()
    warc = tmp_path / "a.warc.gz"
    warc.write_bytes(out.getvalue())
    db = tmp_path / "imported.db"
    with Ingestor(open_db(db), owns_db=True) as ing:
        report = import_files(ing, [warc])
    assert not report.errors
    assert records(db) == records(src)
    assert_one_record_of_three_parts(db)
    assert query(str(db), "SELECT count(*) FROM responses WHERE parse_status = 'part'") == [(2,)]
