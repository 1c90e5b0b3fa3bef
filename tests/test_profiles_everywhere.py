"""Site profiles are part of extraction: a crawl, a reparse and a WARC import make the same records.

The profile gives a title and a body selector, a published_at selector on some pages and a time zone that
is not the SPEC's default (+08:00), so every one of them is visible in the records; the archive keeps the
profile file, so a reparse or an import without --profile applies it too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sitekit import Resp, SiteServer, article_html, listing_html, paragraphs, query, run_crawl_cli

from archive.cli import cli
from archive.db import memory_db
from archive.ingest import Ingestor
from archive.page import Page
from archive.profiles import parse_profiles, profiles_from_text

RECORD = (
    "SELECT id, url, title, body, published_at, source, author, lang, page_type FROM articles ORDER BY id"
)


def run(args: list[str]) -> Any:
    return CliRunner().invoke(cli, args)


def site_pages() -> dict[str, Resp]:
    site = {}
    for i in range(1, 4):
        # A headline and a summary in divs the generic extraction does not take for title and body.
        extra = (
            f'<div class="real-headline">配置文件指定的第{i}篇标题</div>'
            f'<div class="summary"><p>摘要第{i}篇第一段。</p><p>摘要第{i}篇第二段。</p></div>'
        )
        if i == 3:  # its time comes from a selector, not from the info line
            extra += '<span class="stamp">2024年07月06日 08:09</span>'
        site[f"/xw/p/{i}"] = Resp(article_html(f"通用标题{i}号稿件", paragraphs(i), extra=extra).encode())
    site["/xw/"] = Resp(listing_html("新闻", [(f"/xw/p/{i}", "稿件") for i in range(1, 4)]).encode())
    return site


def profile_text(start_url: str, *, stamp: bool = True) -> str:
    return f"""
[[site]]
start_urls = ["{start_url}"]
allowed_paths = ["^/xw/"]
article_patterns = ["^/xw/p/\\\\d+$"]
timezone = "Europe/Berlin"
[site.selectors]
title = "div.real-headline"
body = "div.summary"
{'published_at = "span.stamp"' if stamp else ""}
"""


def assert_profiled(records: list[tuple[Any, ...]]) -> None:
    assert len(records) == 3
    by_title = {r[2]: r for r in records}
    assert set(by_title) == {f"配置文件指定的第{i}篇标题" for i in range(1, 4)}
    for i in range(1, 4):
        rec = by_title[f"配置文件指定的第{i}篇标题"]
        assert rec[3] == f"摘要第{i}篇第一段。\n\n摘要第{i}篇第二段。"
    # 10:20 Berlin wall-clock time (winter: +01:00), not the Chinese default +08:00.
    assert by_title["配置文件指定的第1篇标题"][4] == "2024-03-05T10:20+01:00"
    # A time taken by the published_at selector, placed in the site's zone (summer: +02:00).
    assert by_title["配置文件指定的第3篇标题"][4] == "2024-07-06T08:09+02:00"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An archive crawled with the profile, and the profile file."""
    tmp = tmp_path_factory.mktemp("crawl")
    db = tmp / "crawl.db"
    with SiteServer(site_pages()) as srv:
        profile = tmp / "site.toml"
        profile.write_text(profile_text(srv.url("/xw/")), encoding="utf-8")
        result = run_crawl_cli(str(db), extra=["--profile", str(profile)])
        assert result.returncode == 0, result.stderr[-2000:]
    return db, profile


def test_crawl_applies_the_profile_and_the_archive_keeps_it(crawled: tuple[Path, Path]) -> None:
    db, profile = crawled
    assert_profiled(query(str(db), RECORD))
    stored = query(str(db), "SELECT value FROM settings WHERE key = 'profiles'")
    assert stored == [(profile.read_text(encoding="utf-8"),)]


def test_reparse_gives_the_same_records(crawled: tuple[Path, Path], tmp_path: Path) -> None:
    db = tmp_path / "copy.db"
    db.write_bytes(crawled[0].read_bytes())
    before = query(str(db), RECORD)
    result = run(["reparse", "--db", str(db), "--workers", "1", "--json"])
    assert result.exit_code == 0, result.output
    assert '"updated"' not in result.output  # nothing the crawl made was changed
    assert query(str(db), RECORD) == before
    assert_profiled(query(str(db), RECORD))


def test_warc_import_gives_the_same_records(crawled: tuple[Path, Path], tmp_path: Path) -> None:
    db, profile = crawled
    warc = tmp_path / "out.warc.gz"
    assert run(["export", "--format", "warc", "--db", str(db), "-o", str(warc)]).exit_code == 0
    expected = query(str(db), RECORD)

    with_profile = tmp_path / "with.db"
    result = run(["import", str(warc), "--db", str(with_profile), "--profile", str(profile)])
    assert result.exit_code == 0, result.output
    assert query(str(with_profile), RECORD) == expected

    # Without the profile the generic extraction makes other records (the profile is what differs) ...
    generic = tmp_path / "generic.db"
    assert run(["import", str(warc), "--db", str(generic)]).exit_code == 0
    generic_records = query(str(generic), RECORD)
    assert len(generic_records) == 3 and not {r[2] for r in generic_records} & {r[2] for r in expected}
    assert all(r[4] == "2024-03-05T10:20+08:00" for r in generic_records)
    # ... and a reparse given the profile makes the crawl's records, and keeps the profile for later imports.
    result = run(["reparse", "--db", str(generic), "--workers", "1", "--profile", str(profile)])
    assert result.exit_code == 0, result.output
    assert query(str(generic), RECORD) == expected
    assert run(["import", str(warc), "--db", str(generic)]).exit_code == 0
    assert query(str(generic), RECORD) == expected


def test_bad_profile_is_a_one_line_error_and_changes_nothing(
    crawled: tuple[Path, Path], tmp_path: Path
) -> None:
    db = tmp_path / "copy.db"
    db.write_bytes(crawled[0].read_bytes())
    bad = tmp_path / "bad.toml"
    bad.write_text("[[site]]\ntimezone = 'Mars/Olympus'\n", encoding="utf-8")
    for args in (["reparse", "--db", str(db)], ["import", str(bad), "--db", str(db)]):
        result = run([*args, "--profile", str(bad)])
        assert result.exit_code != 0
        assert "unknown time zone" in result.output and "Traceback" not in result.output
    stored = query(str(db), "SELECT value FROM settings WHERE key = 'profiles'")
    assert stored == [(crawled[1].read_text(encoding="utf-8"),)]


def test_ingestor_keeps_the_profiles_it_is_given() -> None:
    db = memory_db()
    page = Page(
        url="http://www.x.de/a/1",
        body=article_html("通用标题", paragraphs(1), extra='<div class="hl">真正的标题</div>').encode(),
        headers=(("Content-Type", "text/html; charset=utf-8"),),
    )
    text = '[[site]]\nhosts = ["x.de"]\ntimezone = "Asia/Tokyo"\n[site.selectors]\ntitle = ".hl"\n'
    Ingestor(db, profiles=profiles_from_text(text)).ingest(page)
    assert Ingestor(db).profiles == profiles_from_text(text)  # a later ingest without profiles: the stored
    row = db.conn.execute("SELECT title, published_at FROM articles").fetchone()
    assert row == ("真正的标题", "2024-03-05T10:20+09:00")
    Ingestor(db, profiles=parse_profiles({}))  # an empty profile file clears them
    assert Ingestor(db).profiles.sites == ()


def test_distributed_writer_applies_the_stored_profiles(crawled: tuple[Path, Path], tmp_path: Path) -> None:
    from crawler.distributed.writer import ArchiveSink

    db = tmp_path / "copy.db"
    db.write_bytes(crawled[0].read_bytes())
    url = query(str(db), "SELECT url FROM articles ORDER BY url")[0][0].replace("/xw/p/1", "/xw/p/7")
    extra = (
        '<div class="real-headline">写入进程的标题</div><div class="summary"><p>写入进程的摘要。</p></div>'
    )
    body = article_html("通用标题7号稿件", paragraphs(7), extra=extra).encode()
    item = {"url": url, "body": body, "status": 200, "headers": {"Content-Type": "text/html; charset=utf-8"}}
    sink = ArchiveSink(str(db))  # no --profile: the archive's own
    try:
        assert [r.status for r in sink([item])] == ["new"]
    finally:
        sink.close("ok")
    row = query(str(db), "SELECT title, body, published_at FROM articles WHERE url = ?", url)
    assert row == [("写入进程的标题", "写入进程的摘要。", "2024-03-05T10:20+01:00")]
