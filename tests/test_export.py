"""Export to JSON Lines and CSV: one SPEC record per article, SPEC key order, -o and stdout, bad input."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.article import RECORD_KEYS
from archive.cli import cli
from archive.export import CSV_KEYS, export
from archive.ingest import Ingestor
from archive.page import Page


def html(title: str, paragraphs: list[str], date: str, charset: str = "utf-8") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}_湘潭市人民政府</title></head>
<body><div class="nav"><a href="/">首页</a></div><div class="article"><h1>{title}</h1>
<div class="info">发布时间：{date}　来源：湘潭日报　作者：李四　浏览次数：321</div>
<div class="content">{body}<p><img src="/img/1.jpg"></p></div>
<div class="credits">责任编辑：王五</div></div><div class="footer">版权所有</div></body></html>""".encode(
        charset
    )


PAGES = [
    (
        "http://www.xiangtan.gov.cn/news/1.html",
        html(
            "湘潭市召开优化营商环境工作推进会",
            [
                "1月21日，湘潭市召开优化营商环境工作推进会，总结去年工作成效，部署今年重点任务。",
                "会议指出，要以市场主体满意度为标准，持续深化“放管服”改革，推动政务服务提质增效。",
                "会议要求，各县市区和市直部门要对标先进，补齐短板，打造市场化、法治化、国际化营商环境。",
            ],
            "2021-01-21 16:20",
        ),
    ),
    (
        "http://www.xiangtan.gov.cn/news/2.html",
        html(
            "韶山景区春节假期接待游客创新高",
            [
                "春节假期，韶山景区累计接待游客二十八万人次，同比增长百分之十五，旅游收入稳步增长。",
                "景区提前制定疫情防控和客流管控方案，实行预约、限流、错峰游览，确保游客安全有序参观。",
                "据介绍，景区还推出了红色研学、非遗体验等系列活动，丰富了游客的假日生活。",
            ],
            "2021-02-18 09:05",
            charset="gbk",
        ),
    ),
]


@pytest.fixture()
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "archive.db"
    with Ingestor.open(path) as ing:
        results = ing.ingest_many(
            [
                Page(
                    url=url,
                    body=body,
                    headers=(("Content-Type", "text/html"),),
                    fetched_at=datetime(2021, 3, 1, 8, 0, n, tzinfo=UTC),
                )
                for n, (url, body) in enumerate(PAGES)
            ]
        )
    assert [r.status for r in results] == ["new", "new"], results
    return path


def test_jsonl_is_one_spec_record_per_article_in_spec_key_order(db_path: Path) -> None:
    result = CliRunner().invoke(cli, ["export", "--format", "jsonl", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    for line in lines:
        record = json.loads(line)
        keys = list(record)
        assert keys == [k for k in RECORD_KEYS if k in record]  # the SPEC's order
        assert "file" not in record
        assert {"id", "urls", "duplicate_of", "first_seen", "last_seen", "parser_version"} <= set(keys)
        assert isinstance(record["urls"], list) and isinstance(record["credits"], dict)
        assert all(v != "" for v in record.values())  # absent values are null, never ""
    first = json.loads(lines[0])
    assert first["title"] == "湘潭市召开优化营商环境工作推进会"
    assert first["url"] == "http://www.xiangtan.gov.cn/news/1.html"
    assert first["urls"] == ["http://www.xiangtan.gov.cn/news/1.html"]
    assert first["published_at"] == "2021-01-21T16:20+08:00"
    assert first["first_seen"] == "2021-03-01T08:00:00Z"
    assert "营商环境" in first["body"]
    second = json.loads(lines[1])
    assert second["title"] == "韶山景区春节假期接待游客创新高"  # GBK page decoded
    assert "exported 2 articles" in result.stderr


def test_csv_has_a_column_per_spec_key_and_json_for_lists(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "articles.csv"
    result = CliRunner().invoke(cli, ["export", "--format", "csv", "--db", str(db_path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert list(rows[0]) == list(CSV_KEYS) and "file" not in CSV_KEYS
    jsonl = [
        json.loads(line)
        for line in CliRunner()
        .invoke(cli, ["export", "--format", "jsonl", "--db", str(db_path)])
        .stdout.splitlines()
    ]
    assert len(rows) == len(jsonl) == 2
    for row, record in zip(rows, jsonl, strict=True):
        for key in CSV_KEYS:
            value = record.get(key)
            if value is None:
                assert row[key] == ""
            elif isinstance(value, list | dict):
                assert json.loads(row[key]) == value
            else:
                assert row[key] == str(value)  # multi-line bodies survive CSV quoting
    assert not (tmp_path / "articles.csv.part").exists()


def test_export_to_stdout_with_dash(db_path: Path) -> None:
    result = CliRunner().invoke(cli, ["export", "--format", "jsonl", "-o", "-", "--db", str(db_path)])
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 2


def test_export_of_an_empty_archive(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    Ingestor.open(path).close()
    buf = io.BytesIO()
    from archive.db import open_db

    assert export(open_db(path), "jsonl", buf) == 0 and buf.getvalue() == b""
    buf = io.BytesIO()
    assert export(open_db(path), "csv", buf) == 0
    assert buf.getvalue().decode().strip() == ",".join(CSV_KEYS)


def test_export_leaves_the_archive_untouched(db_path: Path, tmp_path: Path) -> None:
    def snapshot() -> list[tuple]:
        conn = sqlite3.connect(db_path)
        try:
            return conn.execute("SELECT * FROM articles ORDER BY id").fetchall()
        finally:
            conn.close()

    before = snapshot()
    for fmt in ("jsonl", "csv", "warc"):
        result = CliRunner().invoke(
            cli, ["export", "--format", fmt, "--db", str(db_path), "-o", str(tmp_path / fmt)]
        )
        assert result.exit_code == 0
    assert snapshot() == before


@pytest.mark.parametrize(
    "args, message",
    [
        (["--format", "xml"], "Invalid value"),
        ([], "Missing option"),
    ],
)
def test_bad_options(db_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["export", *args, "--db", str(db_path)])
    assert result.exit_code != 0 and message in result.output


def test_not_an_archive_or_missing_archive_is_a_one_line_error(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    for path in (other, text, tmp_path / "missing.db"):
        result = CliRunner().invoke(cli, ["export", "--format", "jsonl", "--db", str(path)])
        assert result.exit_code != 0
        assert len(result.output.strip().splitlines()) == 1 and "error" in result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "missing.db").exists()


def test_unwritable_output_is_an_error_and_leaves_no_partial_file(db_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "no-such-dir" / "out.jsonl"
    result = CliRunner().invoke(cli, ["export", "--format", "jsonl", "--db", str(db_path), "-o", str(target)])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert not target.parent.exists()
