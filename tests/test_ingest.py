"""The one write path: raw stored first, then extraction, dedup, upsert, revisions and views."""

from __future__ import annotations

import json
import sqlite3

import pytest

from archive.db import memory_db, open_db
from archive.ingest import Ingestor
from archive.payloads import payload_digest, read_payload
from tests.ingest_helpers import FAKE_VERSION, article_paragraphs, fake_extract, html_page, page


@pytest.fixture()
def ing() -> Ingestor:
    return Ingestor(memory_db(), extractor=fake_extract)


def rows(ing: Ingestor, sql: str, *params: object) -> list[tuple]:
    return ing.conn.execute(sql, params).fetchall()


def test_raw_response_is_stored_compressed_with_its_digest_and_headers(ing: Ingestor) -> None:
    body = html_page("标题一", article_paragraphs(1))
    res = ing.ingest(page("http://a.gov.cn/n/1.html", body, final_url="http://a.gov.cn/n/1.htm"), run_id=7)
    assert res.status == "new"
    (url, final, status, headers, ctype, fetched, digest, run_id, pstatus, pver, aid) = rows(
        ing,
        "SELECT url, final_url, status, headers, content_type, fetched_at, payload_digest, run_id,"
        " parse_status, parser_version, article_id FROM responses",
    )[0]
    assert (url, final, status, ctype, run_id) == (
        "http://a.gov.cn/n/1.html",
        "http://a.gov.cn/n/1.htm",
        200,
        "text/html",
        7,
    )
    assert json.loads(headers) == [["Content-Type", "text/html; charset=utf-8"], ["Server", "test"]]
    assert fetched == "2024-05-01T08:00:00Z"
    assert (pstatus, pver, aid) == ("article", FAKE_VERSION, res.article_id)
    assert digest == payload_digest(body) and digest.startswith("sha1:") and len(digest) == 5 + 32
    codec, size, data = rows(ing, "SELECT codec, size, data FROM payloads")[0]
    assert codec == "zstd" and size == len(body) and len(data) < len(body)
    assert read_payload(ing.conn, digest) == body


def test_identical_payloads_are_stored_once(ing: Ingestor) -> None:
    body = html_page("标题一", article_paragraphs(1))
    ing.ingest(page("http://a.gov.cn/n/1.html", body))
    ing.ingest(page("http://a.gov.cn/n/1.html", body, minutes=60))
    assert rows(ing, "SELECT count(*) FROM payloads") == [(1,)]
    assert rows(ing, "SELECT count(*) FROM responses") == [(2,)]


def test_record_id_is_stable_and_url_variants_are_one_record(ing: Ingestor) -> None:
    body = html_page("标题一", article_paragraphs(1), views=10)
    first = ing.ingest(page("https://www.a.gov.cn/n/1.html?utm_source=wx#top", body))
    again = ing.ingest(page("http://WWW.a.gov.cn:80/n/1.html?spm=3.4", body, minutes=5))
    assert again.status == "unchanged" and again.article_id == first.article_id
    import hashlib

    assert first.article_id == hashlib.sha1(b"http://www.a.gov.cn/n/1.html").hexdigest()[:16]
    assert rows(ing, "SELECT count(*) FROM articles") == [(1,)]
    assert sorted(r[0] for r in rows(ing, "SELECT url FROM article_urls")) == [
        "http://WWW.a.gov.cn:80/n/1.html?spm=3.4",
        "https://www.a.gov.cn/n/1.html?utm_source=wx#top",
    ]
    assert ing.is_known("http://www.a.gov.cn/n/1.html")
    assert not ing.is_known("http://www.a.gov.cn/n/2.html")


def test_unchanged_refetch_moves_last_seen_and_views_only(ing: Ingestor) -> None:
    url = "http://a.gov.cn/n/1.html"
    first = ing.ingest(page(url, html_page("标题一", article_paragraphs(1), views=10)))
    res = ing.ingest(page(url, html_page("标题一", article_paragraphs(1), views=25), minutes=90))
    assert res.status == "unchanged"
    assert rows(ing, "SELECT first_seen, last_seen, views, revision FROM articles") == [
        ("2024-05-01T08:00:00Z", "2024-05-01T09:30:00Z", 25, 1)
    ]
    assert rows(ing, "SELECT observed_at, views FROM views ORDER BY observed_at") == [
        ("2024-05-01T08:00:00Z", 10),
        ("2024-05-01T09:30:00Z", 25),
    ]
    assert rows(ing, "SELECT count(*) FROM revisions") == [(0,)]
    assert first.article_id == res.article_id


def test_changed_refetch_keeps_the_old_version_as_a_revision(ing: Ingestor) -> None:
    url = "http://a.gov.cn/n/1.html"
    paras = article_paragraphs(1)
    ing.ingest(page(url, html_page("标题一", paras)))
    edited = [*paras[:-1], "更正：本文第三段数据有误，现已更正。"]
    res = ing.ingest(page(url, html_page("标题一（更新）", edited), minutes=60))
    assert res.status == "updated"
    title, body, revision, last_seen = rows(ing, "SELECT title, body, revision, last_seen FROM articles")[0]
    assert title == "标题一（更新）" and body.endswith("现已更正。") and revision == 2
    assert last_seen == "2024-05-01T09:00:00Z"
    rev, record, fetched = rows(ing, "SELECT revision, record, fetched_at FROM revisions")[0]
    assert rev == 1 and fetched == "2024-05-01T08:00:00Z"
    assert json.loads(record)["title"] == "标题一" and json.loads(record)["body"] == "\n\n".join(paras)


def test_an_older_fetch_with_other_content_becomes_a_revision_not_the_record(ing: Ingestor) -> None:
    url = "http://a.gov.cn/n/1.html"
    ing.ingest(page(url, html_page("新标题", article_paragraphs(1)), minutes=60))
    res = ing.ingest(page(url, html_page("旧标题", article_paragraphs(1)), minutes=0))
    assert res.status == "updated"
    assert rows(ing, "SELECT title, revision FROM articles") == [("新标题", 2)]
    assert [json.loads(r[0])["title"] for r in rows(ing, "SELECT record FROM revisions")] == ["旧标题"]
    # The same old fetch again changes nothing.
    assert ing.ingest(page(url, html_page("旧标题", article_paragraphs(1)))).status == "unchanged"


def test_exact_copy_at_another_url_of_the_site_is_one_record(ing: Ingestor) -> None:
    body = html_page("标题一", article_paragraphs(1))
    first = ing.ingest(page("http://a.gov.cn/n/1.html", body))
    # The same text, with other markup around it (another channel's template).
    copy = html_page("标题一", article_paragraphs(1), template="<div>专题频道</div>")
    res = ing.ingest(page("http://a.gov.cn/zt/2021/99.html", copy, minutes=3))
    assert res.status == "duplicate" and res.article_id == first.article_id
    assert rows(ing, "SELECT count(*) FROM articles") == [(1,)]
    assert len(rows(ing, "SELECT url FROM article_urls WHERE article_id = ?", first.article_id)) == 2


def test_exact_copy_on_another_site_is_a_linked_record(ing: Ingestor) -> None:
    body = html_page("标题一", article_paragraphs(1))
    first = ing.ingest(page("http://a.gov.cn/n/1.html", body))
    res = ing.ingest(page("http://news.b.com/c/1.html", body, minutes=3))
    assert res.status == "new" and res.duplicate_of == first.article_id
    assert rows(ing, "SELECT duplicate_of FROM articles WHERE id = ?", res.article_id) == [
        (first.article_id,)
    ]


def test_failed_extraction_keeps_the_page_with_its_error(ing: Ingestor) -> None:
    res = ing.ingest(page("http://a.gov.cn/n/1.html", html_page("x", ["y"], fail=True)))
    assert res.status == "error" and "boom" in (res.error or "")
    assert rows(ing, "SELECT parse_status, parse_error LIKE '%boom%', article_id FROM responses") == [
        ("error", 1, None)
    ]
    assert rows(ing, "SELECT count(*) FROM payloads") == [(1,)]
    assert rows(ing, "SELECT count(*) FROM articles") == [(0,)]


def test_non_html_and_non_2xx_are_stored_but_not_parsed(ing: Ingestor) -> None:
    called = []

    def spy(p):  # type: ignore[no-untyped-def]
        called.append(p.url)
        return fake_extract(p)

    ing.extractor = spy
    pdf = ing.ingest(page("http://a.gov.cn/f.pdf", b"%PDF-1.4 ...", ctype="application/pdf"))
    gone = ing.ingest(page("http://a.gov.cn/n/404.html", html_page("404", ["not found"]), status=404))
    assert (pdf.status, gone.status) == ("skipped", "skipped")
    assert called == []
    assert rows(ing, "SELECT parse_status, parse_error FROM responses ORDER BY id") == [
        ("skipped", "not HTML (application/pdf)"),
        ("skipped", "HTTP status 404"),
    ]
    assert rows(ing, "SELECT count(*) FROM articles") == [(0,)]


def test_only_article_pages_become_records(ing: Ingestor) -> None:
    res = ing.ingest(page("http://a.gov.cn/n/", html_page("新闻列表", ["a", "b"], page_type="listing")))
    assert res.status == "listing"
    assert rows(ing, "SELECT parse_status FROM responses") == [("listing",)]
    assert rows(ing, "SELECT count(*) FROM articles") == [(0,)]
    assert not ing.is_known("http://a.gov.cn/n/")


def test_ingest_many_batches_and_returns_one_result_per_page(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "a.db"
    pages = [
        page(f"http://a.gov.cn/n/{i}.html", html_page(f"标题{i}", article_paragraphs(i))) for i in range(25)
    ]
    with Ingestor.open(path, extractor=fake_extract, batch_size=10) as ing:
        results = ing.ingest_many(pages, run_id=None)
    assert [r.status for r in results] == ["new"] * 25
    db = open_db(path)
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 25
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize(
    "error", [RuntimeError("index exploded"), sqlite3.IntegrityError("UNIQUE constraint failed")]
)
def test_a_bug_while_applying_one_page_does_not_lose_the_batch(ing: Ingestor, monkeypatch, error) -> None:  # type: ignore[no-untyped-def]
    from archive import ingest as ingest_mod

    calls = {"n": 0}
    real = ingest_mod.search.index_article

    def flaky(db, aid, before):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise error
        return real(db, aid, before)

    monkeypatch.setattr(ingest_mod.search, "index_article", flaky)
    pages = [
        page(f"http://a.gov.cn/n/{i}.html", html_page(f"标题{i}", article_paragraphs(i))) for i in range(3)
    ]
    results = ing.ingest_many(pages)
    assert [r.status for r in results] == ["new", "error", "new"]
    assert rows(ing, "SELECT count(*) FROM articles") == [(2,)]
    assert rows(ing, "SELECT count(*) FROM responses") == [(3,)]
    assert rows(ing, "SELECT parse_status FROM responses WHERE id = ?", results[1].response_id) == [
        ("error",)
    ]


def test_pages_without_body_are_never_merged_but_title_changes_are_revisions(ing: Ingestor) -> None:
    a = ing.ingest(page("http://a.gov.cn/v/1.html", html_page("视频新闻", [])))
    b = ing.ingest(page("http://a.gov.cn/v/2.html", html_page("视频新闻", []), minutes=1))
    assert a.status == b.status == "new" and a.article_id != b.article_id
    c = ing.ingest(page("http://a.gov.cn/v/1.html", html_page("视频新闻（更正）", []), minutes=2))
    assert c.status == "updated" and c.article_id == a.article_id


def test_closing_the_ingestor_merges_the_search_index_segments(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from archive.search import search

    path = tmp_path / "a.db"
    ing = Ingestor.open(path, extractor=fake_extract, batch_size=4)  # a segment (or more) per small batch
    pages = [
        page(f"http://a.gov.cn/n/{i}.html", html_page(f"标题{i}", article_paragraphs(i))) for i in range(80)
    ]
    ing.ingest_many(pages)

    def index_bytes() -> int:
        return ing.conn.execute("SELECT sum(length(block)) FROM articles_fts_data").fetchone()[0]

    before = index_bytes()
    ing.compact()
    after = index_bytes()
    assert after < before * 0.95, (before, after)
    ing.conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 0)")
    assert len(search(ing.db, "标题", limit=100, collapse_duplicates=False)) > 0
    ing.compact()  # nothing indexed since: nothing to do
    assert index_bytes() == after
    ing.close()
