"""Invariants of the write path under any order of fetches: variants, copies, revisions, refetches, failures."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive import ingest
from archive.article import CREDIT_ROLES, Article, Image
from archive.db import memory_db
from archive.ingest import Ingestor
from archive.reparse import reparse, select_responses
from archive.stored_html import pack_body_html
from archive.urls import canonicalize
from tests.ingest_helpers import article_paragraphs, fake_extract, html_page, page

URLS = [
    "http://www.a.gov.cn/n/1.html",
    "https://www.a.gov.cn/n/1.html?utm_source=wx",
    "http://www.a.gov.cn/n/2.html",
    "http://www.a.gov.cn/zt/9.html",
    "http://news.b.com/c/1.html",
]
BODIES = [
    html_page("标题一", article_paragraphs(1) + ["甲"], views=3),
    html_page("标题一", article_paragraphs(1) + ["甲"], views=8),
    html_page("标题一（更新）", article_paragraphs(1) + ["乙"]),
    html_page("标题二", article_paragraphs(2) + ["丙"]),
    html_page("列表", ["a", "b"], page_type="listing"),
    html_page("坏", ["x"], fail=True),
]

fetch = st.tuples(st.sampled_from(range(len(URLS))), st.sampled_from(range(len(BODIES))), st.integers(0, 500))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(fetch, min_size=1, max_size=12))
def test_invariants_hold_for_any_sequence_of_fetches(fetches: list[tuple[int, int, int]]) -> None:
    ing = Ingestor(memory_db(), extractor=fake_extract, parser_version="fake-1")
    for u, b, minute in fetches:
        result = ing.ingest(page(URLS[u], BODIES[b], minutes=minute))
        assert result.status in ("new", "updated", "unchanged", "duplicate", "listing", "error")
    c = ing.conn
    assert c.execute("PRAGMA foreign_key_check").fetchall() == []
    # Every response was parsed; every article-made response points at an existing record.
    assert select_responses(c, outdated_only=True, parser_version="fake-1") == []
    assert (
        c.execute(
            "SELECT count(*) FROM responses WHERE article_id IS NOT NULL AND article_id NOT IN (SELECT id FROM articles)"
        ).fetchone()[0]
        == 0
    )
    # One record per canonical URL: no canonical URL is on two records.
    rows = c.execute(
        "SELECT canonical_url, count(DISTINCT article_id) FROM article_urls GROUP BY 1"
    ).fetchall()
    assert all(n == 1 for _, n in rows)
    for url, canon in c.execute("SELECT url, canonical_url FROM article_urls"):
        assert canonicalize(url) == canon
    # Each record: first_seen <= last_seen; revision count = 1 + kept revisions; no record without a URL.
    for aid, first, last, revision in c.execute("SELECT id, first_seen, last_seen, revision FROM articles"):
        assert first <= last
        kept = c.execute("SELECT count(*) FROM revisions WHERE article_id = ?", (aid,)).fetchone()[0]
        assert revision == 1 + kept
        assert c.execute("SELECT count(*) FROM article_urls WHERE article_id = ?", (aid,)).fetchone()[0] >= 1
    # duplicate_of always points at an existing original, never at a copy or at itself.
    for aid, dup in c.execute("SELECT id, duplicate_of FROM articles WHERE duplicate_of IS NOT NULL"):
        assert dup != aid
        assert c.execute("SELECT duplicate_of FROM articles WHERE id = ?", (dup,)).fetchone() == (None,)
    # The same sequence again changes no record (only last_seen and views could move, and they do not).
    before = c.execute("SELECT * FROM articles ORDER BY id").fetchall()
    for u, b, minute in fetches:
        ing.ingest(page(URLS[u], BODIES[b], minutes=minute))
    assert c.execute("SELECT * FROM articles ORDER BY id").fetchall() == before
    # Reparsing with the same parser changes nothing either.
    tables = ("articles", "article_urls", "revisions", "views", "simhash_bands")
    snapshot = {t: c.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables}
    report = reparse(ing.db, extractor=fake_extract, parser_version="fake-1", workers=1)
    assert report.field_changes == {} and report.statuses["new"] == 0 and report.statuses["updated"] == 0
    assert {t: c.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables} == snapshot


optional_text = st.one_of(st.none(), st.just(""), st.text(max_size=20))
articles = st.builds(
    Article,
    url=optional_text,
    title=optional_text,
    published_at=optional_text,
    source=optional_text,
    author=optional_text,
    editor=optional_text,
    views=st.one_of(st.none(), st.integers(0, 10**9)),
    credits=st.dictionaries(st.sampled_from(CREDIT_ROLES), st.text(max_size=8), max_size=3),
    body=optional_text,
    body_html=optional_text,
    images=st.lists(st.builds(Image, st.text(max_size=10), optional_text), max_size=3),
    lang=optional_text,
    spam=st.lists(st.text(max_size=6), max_size=3),
    page_type=st.sampled_from(["article", "listing", "other", ""]),
    encoding=optional_text,
    parser_version=optional_text,
)


@settings(max_examples=300, deadline=None)
@given(articles)
def test_stored_columns_are_the_records_values(article: Article) -> None:
    """The columns read from the article's attributes are what its to_dict() record gives."""
    record = article.to_dict()
    cols = ingest._columns(article)
    assert list(cols) == list(ingest.RECORD_COLUMNS)
    for name in ingest.RECORD_COLUMNS:
        value = record[name]
        if name in ingest.JSON_COLUMNS:
            value = json.dumps(
                value if value is not None else {} if name == "credits" else [], ensure_ascii=False
            )
        elif name == "page_type":
            value = value or "article"
        elif name == "body_html":
            value = pack_body_html(value, record["body"])
        assert cols[name] == value, name
