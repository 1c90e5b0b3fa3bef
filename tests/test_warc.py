"""WARC import through the real ingest path, damaged files, and export -> import round trips (warcio check)."""

from __future__ import annotations

import gzip
import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.cli import cli
from archive.db import open_db
from archive.records import iter_records
from archive.search import search


def article_html(
    title: str, paragraphs: list[str], date: str = "2021-01-19 15:38", charset: str = "utf-8"
) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="{charset}">
<title>{title}_株洲市人民政府</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/news/">新闻</a></div>
<div class="article"><h1>{title}</h1><div class="info">发布时间：{date}　来源：株洲日报　作者：张三</div>
<div class="content">{body}</div></div><div class="footer">版权所有 株洲市人民政府</div></body></html>""".encode(
        charset
    )


PARAS_A = [
    "如今，全国各地产业园区竞争日益激烈，如何在庞大的市场蓝海中乘风破浪？株洲高新区围绕产业转型升级，不断完善顶层设计。",
    "产业发展，离不开项目支撑。在项目招商上，高新区并不是一味招大引强，而是瞄准产业价值链中高端，招大挖潜并重。",
    "按照建链、强链、补链、延链的要求，梳理出与高新区产业相匹配的世界500强、中国500强企业，开展点对点的招商。",
]
PARAS_B = [
    "1月18日，芦淞区召开冬春季疫情防控工作会议，部署近期疫情防控重点任务，要求各街道社区压实责任。",
    "会议强调，要严格落实外来人员登记报告制度，加强农贸市场、商场超市等人员密集场所的消杀和管理。",
    "会议还对春节期间的安全生产、森林防火和市场保供等工作作了安排，确保群众过一个平安祥和的春节。",
]
PARAS_C = [
    "湘江风光带改造工程近日完工，沿江步道全线贯通，新增绿地十二万平方米，市民休闲又多了一个好去处。",
    "据介绍，工程共分三期实施，改造了防洪堤、步道和照明设施，并在沿线建设了五处口袋公园和两座驿站。",
    "下一步，有关部门将加强日常养护，完善便民设施，让湘江风光带成为展示城市形象的一张靓丽名片。",
]


PARAS_D = [
    "1月25日，湘江风光带二期工程正式开工建设，项目全长八点六公里，计划总投资十二亿元，预计明年底建成。",
    "二期工程将向北延伸至石峰区，新建滨江步道、自行车道和防洪堤，同步实施沿线老旧码头的生态修复。",
    "项目负责人介绍，工程将采用海绵城市理念，建设雨水花园和下沉式绿地，提升沿江地区的防洪排涝能力。",
    "据悉，二期工程建成后将与一期无缝衔接，形成贯通城区南北的滨江休闲带，惠及沿线三十多万居民。",
]


def s2t(text: str) -> str:
    import opencc

    return str(opencc.OpenCC("s2t").convert(text))


def http(status: str, headers: list[tuple[str, str]]) -> StatusAndHeaders:
    return StatusAndHeaders(status, headers, protocol="HTTP/1.1")


def write_warc(path: Path, records: list[dict[str, Any]], *, compress: bool = True) -> None:
    """Write records: {'type', 'url', 'status', 'headers', 'payload', 'date'} with warcio."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=compress)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests"}))
        for rec in records:
            kind = rec.get("type", "response")
            headers = {"WARC-Date": rec.get("date", "2021-01-19T08:00:00Z")}
            if kind == "response":
                record = writer.create_warc_record(
                    rec["url"],
                    "response",
                    payload=io.BytesIO(rec["payload"]),
                    http_headers=http(rec.get("status", "200 OK"), rec["headers"]),
                    warc_headers_dict=headers,
                )
            else:
                record = writer.create_warc_record(
                    rec["url"], kind, payload=io.BytesIO(rec["payload"]), warc_headers_dict=headers
                )
            writer.write_record(record)


def chunked(data: bytes, size: int = 300) -> bytes:
    out = b""
    for i in range(0, len(data), size):
        part = data[i : i + size]
        out += f"{len(part):x}\r\n".encode() + part + b"\r\n"
    return out + b"0\r\n\r\n"


def sample_records() -> list[dict[str, Any]]:
    page_a = article_html("株洲高新区加强产业链精准招商", PARAS_A)
    page_b = article_html("芦淞区部署冬春季疫情防控工作", PARAS_B, "2021-01-18 10:00", charset="gbk")
    page_c = article_html("湘江风光带改造工程完工", PARAS_C, "2021-01-20 09:30")
    zipped = gzip.compress(page_a)
    return [
        {
            "type": "request",
            "url": "http://www.zhuzhou.gov.cn/a/1.html",
            "payload": b"GET /a/1.html HTTP/1.1\r\nHost: www.zhuzhou.gov.cn\r\n\r\n",
        },
        {
            "url": "http://www.zhuzhou.gov.cn/a/1.html",
            "headers": [
                ("Server", "nginx"),
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Encoding", "gzip"),
                ("Content-Length", str(len(zipped))),
            ],
            "payload": zipped,
            "date": "2021-01-19T08:00:00Z",
        },
        {"type": "metadata", "url": "http://www.zhuzhou.gov.cn/a/1.html", "payload": b"outlinks: none"},
        {
            "url": "http://www.zhuzhou.gov.cn/b/2.html",
            "headers": [("Content-Type", "text/html; charset=gbk"), ("Transfer-Encoding", "chunked")],
            "payload": chunked(page_b),
            "date": "2021-01-19T08:01:00Z",
        },
        {
            "url": "http://www.zhuzhou.gov.cn/logo.png",
            "headers": [("Content-Type", "image/png")],
            "payload": b"\x89PNG\r\n\x1a\n" + bytes(64),
        },
        {
            "url": "http://www.zhuzhou.gov.cn/old/c.html",
            "status": "301 Moved Permanently",
            "headers": [("Location", "/c/3.html"), ("Content-Type", "text/html")],
            "payload": b"<html>moved</html>",
            "date": "2021-01-19T08:02:00Z",
        },
        {
            "url": "http://www.zhuzhou.gov.cn/c/3.html",
            "headers": [("Content-Type", "text/html; charset=utf-8")],
            "payload": page_c,
            "date": "2021-01-19T08:02:01Z",
        },
    ]


def run(args: list[str]):
    return CliRunner().invoke(cli, args)


@pytest.fixture()
def warc(tmp_path: Path) -> Path:
    path = tmp_path / "crawl.warc.gz"
    write_warc(path, sample_records())
    return path


def records(db_path: Path) -> list[dict[str, Any]]:
    db = open_db(db_path, readonly=True)
    try:
        return sorted(iter_records(db), key=lambda r: r["id"])
    finally:
        db.conn.close()


def test_import_ingests_html_responses_and_counts_the_rest(tmp_path: Path, warc: Path) -> None:
    db_path = tmp_path / "archive.db"
    result = run(["import", str(warc), "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "8 records read, 3 pages ingested: 3 new" in result.stdout
    assert "1 metadata" in result.stdout and "1 request" in result.stdout and "1 warcinfo" in result.stdout
    assert "1 not HTML" in result.stdout and "1 redirect" in result.stdout

    recs = {r["title"]: r for r in records(db_path)}
    assert set(recs) == {
        "株洲高新区加强产业链精准招商",
        "芦淞区部署冬春季疫情防控工作",
        "湘江风光带改造工程完工",
    }
    a = recs["株洲高新区加强产业链精准招商"]
    assert a["url"] == "http://www.zhuzhou.gov.cn/a/1.html"
    assert a["first_seen"] == a["last_seen"] == "2021-01-19T08:00:00Z"  # the WARC-Date
    assert a["body"].startswith("如今，全国各地产业园区")  # content-encoding removed before extraction
    b = recs["芦淞区部署冬春季疫情防控工作"]
    assert b["encoding"] in ("gbk", "gb18030") and "疫情防控" in b["body"]  # chunked + GBK
    c = recs["湘江风光带改造工程完工"]
    # The redirect in the same file: the requested URL and the final one are both the record's.
    assert set(c["urls"]) == {"http://www.zhuzhou.gov.cn/old/c.html", "http://www.zhuzhou.gov.cn/c/3.html"}

    conn = sqlite3.connect(db_path)
    headers = json.loads(
        conn.execute("SELECT headers FROM responses WHERE final_url LIKE '%/a/1.html'").fetchone()[0]
    )
    assert ["Content-Encoding", "gzip"] in headers and headers[0] == ["Server", "nginx"]  # original, in order
    run_row = conn.execute(
        "SELECT kind, started_at, ended_at, pages_fetched, articles_new, outcome, args FROM runs"
    ).fetchone()
    assert run_row[0] == "import" and run_row[1] and run_row[2]
    assert run_row[3:6] == (3, 3, "ok") and str(warc) in run_row[6]

    # The imported articles are searchable.
    db = open_db(db_path, readonly=True)
    assert [h.title for h in search(db, "风光带")] == ["湘江风光带改造工程完工"]


def test_importing_the_same_warc_again_adds_nothing(tmp_path: Path, warc: Path) -> None:
    db_path = tmp_path / "archive.db"
    assert run(["import", str(warc), "--db", str(db_path)]).exit_code == 0
    first = records(db_path)
    result = run(["import", str(warc), "--db", str(db_path)])
    assert result.exit_code == 0
    assert "0 new, 0 updated, 3 unchanged" in result.stdout
    assert records(db_path) == first


@pytest.mark.parametrize("compress", [True, False])
def test_truncated_warc_keeps_what_came_before_and_names_the_offset(tmp_path: Path, compress: bool) -> None:
    path = tmp_path / ("cut.warc.gz" if compress else "cut.warc")
    write_warc(path, sample_records(), compress=compress)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 200])  # the last record (page c) loses its end
    db_path = tmp_path / "archive.db"
    result = run(["import", str(path), "--db", str(db_path)])
    assert result.exit_code == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1 and str(path) in errors[0] and "offset" in errors[0]
    assert "Traceback" not in result.output
    assert "2 pages ingested: 2 new" in result.stdout
    assert len(records(db_path)) == 2  # everything before the damage kept
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT outcome, errors FROM runs").fetchone() == ("degraded", '{"bad_file": 1}')
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.parametrize(
    "content",
    [b"<html><body>not a warc</body></html>", b"", b"\x00\x01\x02binary" * 100, b"WARC/1.0\r\nWARC-Ty"],
)
def test_a_file_that_is_not_a_warc_is_a_one_line_error_and_loses_nothing(
    tmp_path: Path, warc: Path, content: bytes
) -> None:
    db_path = tmp_path / "archive.db"
    assert run(["import", str(warc), "--db", str(db_path)]).exit_code == 0
    before = records(db_path)
    bad = tmp_path / "page.warc"
    bad.write_bytes(content)
    result = run(["import", str(bad), "--db", str(db_path)])
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("news-archive: error: ") and str(bad) in line and "offset 0" in line
    assert records(db_path) == before


def test_one_bad_file_does_not_stop_the_others(tmp_path: Path, warc: Path) -> None:
    bad = tmp_path / "bad.warc"
    bad.write_bytes(b"hello")
    missing = tmp_path / "missing.warc"
    db_path = tmp_path / "archive.db"
    result = run(["import", str(bad), str(missing), str(tmp_path), str(warc), "--db", str(db_path)])
    assert result.exit_code == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 3 and all(line.startswith("news-archive: error: ") for line in errors)
    assert str(missing) in errors[1] and str(tmp_path) in errors[2]
    assert len(records(db_path)) == 3


def test_export_warc_passes_warcio_check_and_round_trips(tmp_path: Path, warc: Path) -> None:
    db_path = tmp_path / "archive.db"
    assert run(["import", str(warc), "--db", str(db_path)]).exit_code == 0
    # A later fetch with changed content makes a revision, which the export must carry too.
    changed = article_html(
        "湘江风光带改造工程完工", PARAS_C[:2] + ["工程获评年度优质工程。"], "2021-01-20 09:30"
    )
    later = tmp_path / "later.warc"
    write_warc(
        later,
        [
            {
                "url": "http://www.zhuzhou.gov.cn/c/3.html",
                "headers": [("Content-Type", "text/html; charset=utf-8")],
                "payload": changed,
                "date": "2021-02-01T00:00:00Z",
            },
            {
                "url": "http://www.zhuzhou.gov.cn/d/4.html",
                "headers": [("Content-Type", "text/html; charset=utf-8")],
                "payload": article_html("湘江风光带二期工程开工建设", PARAS_D, "2021-01-25 10:00"),
                "date": "2021-02-01T00:00:01Z",
            },
            {
                # The same article syndicated in Traditional script on another site: a near-copy.
                "url": "http://www.example.com.tw/news/88.html",
                "headers": [("Content-Type", "text/html; charset=utf-8")],
                "payload": article_html(
                    s2t("湘江风光带二期工程开工建设"), [s2t(p) for p in PARAS_D], "2021-01-26 08:00"
                ),
                "date": "2021-02-01T00:00:02Z",
            },
        ],
        compress=False,
    )
    result = run(["import", str(later), "--db", str(db_path)])
    assert result.exit_code == 0 and "1 updated" in result.stdout
    copies = [r for r in records(db_path) if r["duplicate_of"]]
    assert [r["url"] for r in copies] == ["http://www.example.com.tw/news/88.html"]
    # Through the real ingest path: the Traditional copy is found by a Simplified query, under its original.
    db = open_db(db_path, readonly=True)
    (hit,) = search(db, "二期工程")
    assert hit.id == copies[0]["duplicate_of"] and hit.duplicates == [copies[0]["id"]]
    assert {h.id for h in search(db, "二期工程", collapse_duplicates=False)} == {hit.id, copies[0]["id"]}
    db.conn.close()

    for name in ("out.warc.gz", "out.warc"):
        out = tmp_path / name
        result = run(["export", "--format", "warc", "--db", str(db_path), "-o", str(out)])
        assert result.exit_code == 0, result.output
        check = subprocess.run(
            [sys.executable, "-m", "warcio.cli", "check", "-v", str(out)], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stdout + check.stderr
        assert check.stdout.count("digest pass") == 7  # warcinfo + 6 stored HTML responses
        assert "fail" not in check.stdout

        copy = tmp_path / f"copy-{name}.db"
        result = run(["import", str(out), "--db", str(copy)])
        assert result.exit_code == 0, result.output
        assert records(copy) == records(db_path)
        # The original headers come back as they were received.
        headers = sqlite3.connect(copy).execute("SELECT headers FROM responses ORDER BY id").fetchone()[0]
        assert json.loads(headers) == [
            ["Server", "nginx"],
            ["Content-Type", "text/html; charset=utf-8"],
            ["Content-Encoding", "gzip"],
            [
                "Content-Length",
                str(len(gzip.compress(article_html("株洲高新区加强产业链精准招商", PARAS_A)))),
            ],
        ]


def test_exported_warc_is_readable_by_plain_warcio(tmp_path: Path, warc: Path) -> None:
    from warcio.archiveiterator import ArchiveIterator

    db_path = tmp_path / "archive.db"
    assert run(["import", str(warc), "--db", str(db_path)]).exit_code == 0
    out = tmp_path / "out.warc.gz"
    assert run(["export", "--format", "warc", "--db", str(db_path), "-o", str(out)]).exit_code == 0
    with out.open("rb") as fh:
        seen = {}
        for rec in ArchiveIterator(fh):
            if rec.rec_type == "response":
                seen[rec.rec_headers.get_header("WARC-Target-URI")] = (
                    rec.rec_headers.get_header("WARC-Date"),
                    rec.http_headers.get_header("X-Archive-Orig-Content-Encoding"),
                    rec.content_stream().read(),
                )
    date, encoding, payload = seen["http://www.zhuzhou.gov.cn/a/1.html"]
    assert date == "2021-01-19T08:00:00Z" and encoding == "gzip"
    assert payload == article_html("株洲高新区加强产业链精准招商", PARAS_A)  # the raw bytes as received
    assert seen["http://www.zhuzhou.gov.cn/b/2.html"][2] == article_html(
        "芦淞区部署冬春季疫情防控工作", PARAS_B, "2021-01-18 10:00", charset="gbk"
    )


SENTENCES = PARAS_A + PARAS_B + PARAS_C


def many_pages_warc(path: Path, n: int) -> None:
    import random

    rng = random.Random(3)
    recs = []
    for i in range(n):
        paras = [f"第{i}号通报：{s}" for s in rng.sample(SENTENCES, 4)] + [
            f"本期编号{i * 7919}，联系人编号{i}。"
        ]
        recs.append(
            {
                "url": f"http://www.example.cn/n/{i}.html",
                "headers": [("Content-Type", "text/html; charset=utf-8")],
                "payload": article_html(f"第{i}号工作通报", paras),
                "date": f"2021-03-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
            }
        )
    write_warc(path, recs)


def test_import_killed_midway_loses_nothing_and_completes_on_rerun(tmp_path: Path) -> None:
    import os
    import signal
    import time

    n = 400
    path = tmp_path / "big.warc.gz"
    many_pages_warc(path, n)
    db_path = tmp_path / "archive.db"
    cmd = [
        sys.executable,
        "-c",
        "from archive.cli import main; main()",
        "import",
        str(path),
        "--db",
        str(db_path),
    ]
    proc = subprocess.Popen([*cmd, "--batch-size", "5"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen = 0
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if db_path.exists():
                try:
                    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
                    seen = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
                    conn.close()
                except sqlite3.OperationalError:
                    seen = 0  # schema not there yet
            if seen >= 20:
                break
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    killed_at = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert 20 <= killed_at < n, "the import was not killed midway"
    assert conn.execute("SELECT outcome FROM runs").fetchall() == [(None,)]  # left open by the kill
    conn.close()

    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT count(*), count(DISTINCT id) FROM articles").fetchone() == (n, n)
    assert conn.execute("SELECT count(DISTINCT url) FROM article_urls").fetchone() == (n,)
    assert [r[0] for r in conn.execute("SELECT outcome FROM runs ORDER BY id")] == ["interrupted", "ok"]
    # Every article is searchable once, the index agreeing with the table.
    db = open_db(db_path, readonly=True)
    assert len(search(db, "工作通报", limit=1000, collapse_duplicates=False)) == n
    assert conn.execute("SELECT count(*) FROM articles_fts_docsize").fetchone() == (n,)
    conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 0)")


def test_an_import_is_refused_while_another_run_holds_the_archive(tmp_path: Path, warc: Path) -> None:
    from archive.runs import ArchiveLock

    db_path = tmp_path / "archive.db"
    with ArchiveLock(db_path):
        result = run(["import", str(warc), "--db", str(db_path)])
    assert result.exit_code == 4 and "lock" in result.output


def test_export_warc_to_stdout_is_an_uncompressed_warc(tmp_path: Path, warc: Path) -> None:
    from warcio.archiveiterator import ArchiveIterator

    db_path = tmp_path / "archive.db"
    assert run(["import", str(warc), "--db", str(db_path)]).exit_code == 0
    result = run(["export", "--format", "warc", "--db", str(db_path)])
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"WARC/1.0\r\n")
    types = [rec.rec_type for rec in ArchiveIterator(io.BytesIO(result.stdout_bytes))]
    assert types == ["warcinfo", "response", "response", "response"]


def test_revisit_records_are_unchanged_refetches(tmp_path: Path) -> None:
    from archive.payloads import payload_digest

    page = article_html("湘江风光带改造工程完工", PARAS_C)
    path = tmp_path / "recrawl.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        url = "http://www.zhuzhou.gov.cn/c/3.html"
        headers = [("Content-Type", "text/html; charset=utf-8")]
        writer.write_record(
            writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(page),
                http_headers=http("200 OK", headers),
                warc_headers_dict={"WARC-Date": "2021-01-19T08:00:00Z"},
            )
        )
        for digest, date in (
            (payload_digest(page), "2021-02-19T08:00:00Z"),
            ("sha1:" + "A" * 32, "2021-03-01T00:00:00Z"),
        ):
            writer.write_record(
                writer.create_revisit_record(
                    url,
                    digest=digest,
                    refers_to_uri=url,
                    refers_to_date="2021-01-19T08:00:00Z",
                    http_headers=http("200 OK", headers),
                    warc_headers_dict={"WARC-Date": date},
                )
            )
    db_path = tmp_path / "archive.db"
    result = run(["import", str(path), "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "2 pages ingested: 1 new, 0 updated, 1 unchanged" in result.stdout
    assert "1 revisit of a payload not archived" in result.stdout
    (record,) = records(db_path)
    assert record["first_seen"] == "2021-01-19T08:00:00Z" and record["last_seen"] == "2021-02-19T08:00:00Z"


def test_a_warc_gzipped_as_one_stream_is_read_too(tmp_path: Path) -> None:
    plain = tmp_path / "plain.warc"
    write_warc(plain, sample_records(), compress=False)
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(plain.read_bytes()))  # not one gzip member per record
    db_path = tmp_path / "archive.db"
    result = run(["import", str(whole), "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "8 records read, 3 pages ingested: 3 new" in result.stdout
    assert len(records(db_path)) == 3


@pytest.mark.parametrize(
    "headers",
    [
        [("Content-Type", "text/html")],  # no length at all
        [("Content-Type", "text/html"), ("Content-Length", "LEN")],  # the true length
        [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")],  # chunked on the wire
        [("Content-Type", "text/html"), ("Content-Encoding", "gzip"), ("Content-Length", "9")],
        [("Content-Type", "text/html"), ("Content-Length", "999999")],  # a length that was not true
        [("Set-Cookie", "a=1"), ("Content-Type", "text/html"), ("Set-Cookie", "b=2")],  # repeated names
    ],
)
def test_exported_headers_come_back_exactly_as_stored(tmp_path: Path, headers: list[tuple[str, str]]) -> None:
    from archive.ingest import Ingestor
    from archive.page import Page

    body = article_html("湘江风光带改造工程完工", PARAS_C)
    headers = [(k, str(len(body)) if v == "LEN" else v) for k, v in headers]
    with Ingestor.open(tmp_path / "a.db") as ing:
        ing.ingest(Page(url="http://www.zhuzhou.gov.cn/c/3.html", body=body, headers=tuple(headers)))
    out = tmp_path / "out.warc.gz"
    assert run(["export", "--format", "warc", "--db", str(tmp_path / "a.db"), "-o", str(out)]).exit_code == 0
    check = subprocess.run([sys.executable, "-m", "warcio.cli", "check", str(out)], capture_output=True)
    assert check.returncode == 0
    assert run(["import", str(out), "--db", str(tmp_path / "b.db")]).exit_code == 0
    stored = sqlite3.connect(tmp_path / "b.db").execute("SELECT headers FROM responses").fetchone()[0]
    assert [tuple(h) for h in json.loads(stored)] == headers


def test_a_record_with_a_corrupt_compressed_body_is_skipped_not_fatal(tmp_path: Path) -> None:
    broken = gzip.compress(article_html("湘江风光带改造工程完工", PARAS_C))[:-40] + b"garbage" * 10
    recs = [
        {
            "url": "http://www.zhuzhou.gov.cn/broken.html",
            "headers": [("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
            "payload": broken,
        },
        *sample_records(),
    ]
    path = tmp_path / "mixed.warc.gz"
    write_warc(path, recs)
    db_path = tmp_path / "archive.db"
    result = run(["import", str(path), "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    # warcio keeps what it could decode (or skips the record): either way the rest of the file is imported.
    titles = {r["title"] for r in records(db_path)}
    assert {
        "株洲高新区加强产业链精准招商",
        "芦淞区部署冬春季疫情防控工作",
        "湘江风光带改造工程完工",
    } <= titles
