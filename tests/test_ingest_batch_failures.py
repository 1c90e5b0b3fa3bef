"""A batch is applied without a savepoint per page, and again page by page when one fails: the outcome is the
same as applying every page in its own savepoint (a failing page rolls back alone, the others are kept)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from archive import dedup, search
from archive import ingest as ingest_mod
from archive.db import memory_db
from archive.errors import ArchiveError
from archive.ingest import Ingestor, IngestResult
from archive.page import Page
from tests.ingest_helpers import article_paragraphs, fake_extract, html_page, page

TABLES = (
    "articles",
    "article_urls",
    "responses",
    "simhash_bands",
    "views",
    "revisions",
    "articles_fts_docsize",
)


def _pages() -> list[Page]:
    """New articles, an exact copy, a refetch with changed text (a revision) and a near copy, in one batch."""
    out = [
        page(f"http://a.gov.cn/n/{i}.html", html_page(f"标题{i}", article_paragraphs(i))) for i in range(8)
    ]
    out.append(page("http://a.gov.cn/zt/3.html", html_page("标题3", article_paragraphs(3))))
    out.append(page("http://a.gov.cn/n/5.html", html_page("标题5", article_paragraphs(50)), minutes=5))
    near = article_paragraphs(6)
    near[0] = "来源：新华网。" + near[0]
    out.append(page("http://b.gov.cn/c/6.html", html_page("标题6", near)))
    return out


@contextmanager
def _failing(monkeypatch: pytest.MonkeyPatch, url_part: str, error: Exception) -> Iterator[None]:
    """Recording the URLs of the page whose URL holds ``url_part`` fails (after its record was written, when
    it makes one)."""
    real = Ingestor._add_urls

    def flaky(self, aid, urls, canon, fetched):  # type: ignore[no-untyped-def]
        if any(url_part in u for u in urls):
            raise error
        return real(self, aid, urls, canon, fetched)

    monkeypatch.setattr(Ingestor, "_add_urls", flaky)
    yield
    monkeypatch.setattr(Ingestor, "_add_urls", real)


def _always_careful(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reference: every page in a savepoint of its own, as every batch was applied before."""
    real = Ingestor._apply_batch
    monkeypatch.setattr(
        Ingestor, "_apply_batch", lambda self, items, reparse, careful: real(self, items, reparse, True)
    )


def _run(pages: list[Page]) -> tuple[list[IngestResult], dict[str, list[tuple]], list[str]]:
    ing = Ingestor(memory_db(), extractor=fake_extract, batch_size=len(pages))
    statements: list[str] = []
    ing.ingest_many(pages[:3])  # an archive with articles already
    ing.conn.set_trace_callback(statements.append)
    results = ing.ingest_many(pages[3:])
    ing.conn.set_trace_callback(None)
    tables = {t: ing.conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in TABLES}
    tables["search"] = ing.conn.execute(
        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH '标题' ORDER BY rowid"
    ).fetchall()
    return results, tables, statements


@pytest.mark.parametrize("error", [RuntimeError("bands exploded"), sqlite3.IntegrityError("UNIQUE failed")])
@pytest.mark.parametrize("failing", ["/n/4.", "/zt/3.", "/n/5.", "/c/6."])
def test_a_failing_page_in_a_batch_is_as_with_a_savepoint_per_page(
    monkeypatch: pytest.MonkeyPatch, error: Exception, failing: str
) -> None:
    with _failing(monkeypatch, failing, error):
        results, tables, statements = _run(_pages())
        _always_careful(monkeypatch)
        ref_results, ref_tables, _ = _run(_pages())
    assert results == ref_results
    assert tables == ref_tables
    failed = [r for r in results if r.status == "error"]
    assert len(failed) == sum(failing in p.url for p in _pages()[3:])
    assert all(type(error).__name__ in (r.error or "") for r in failed)
    assert sum(r.status == "new" for r in results) >= 4
    assert any(s.startswith("SAVEPOINT") for s in statements)  # applied again, page by page


def test_a_batch_without_failures_runs_no_savepoint(monkeypatch: pytest.MonkeyPatch) -> None:
    results, tables, statements = _run(_pages())
    assert not any(s.startswith("SAVEPOINT") for s in statements)
    _always_careful(monkeypatch)
    ref_results, ref_tables, ref_statements = _run(_pages())
    assert any(s.startswith("SAVEPOINT") for s in ref_statements)
    assert results == ref_results and tables == ref_tables
    assert {r.status for r in results} == {"new", "duplicate", "updated"}


def test_a_database_error_on_a_page_still_rolls_the_whole_batch_back(monkeypatch: pytest.MonkeyPatch) -> None:
    ing = Ingestor(memory_db(), extractor=fake_extract)
    with _failing(monkeypatch, "/n/4.", sqlite3.OperationalError("database or disk is full")):
        with pytest.raises(ArchiveError, match="full"):
            ing.ingest_many(_pages())
    assert ing.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
    assert ing.conn.execute("SELECT count(*) FROM responses WHERE parse_status IS NULL").fetchone()[0] == 11
    assert (
        ing._fingerprints == {}
    )  # the batch's, computed ahead, are not kept: no freed Article's id can match


def _one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reference: each fingerprint and index text computed where it is used, page by page."""
    monkeypatch.setattr(Ingestor, "_fingerprint_all", lambda self, items: [])


def test_fingerprints_and_index_texts_computed_ahead_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    computed: list[str | None] = []
    real = dedup.fingerprint

    def counted(title, body, config=dedup.DEFAULT_CONFIG):  # type: ignore[no-untyped-def]
        computed.append(title)
        return real(title, body, config)

    monkeypatch.setattr(ingest_mod.dedup, "fingerprint", counted)
    results, tables, _ = _run(_pages())
    ahead = len(computed)
    _one_at_a_time(monkeypatch)
    ref_results, ref_tables, _ = _run(_pages())
    assert results == ref_results and tables == ref_tables
    assert ahead == len(computed) - ahead  # each article's fingerprint computed once either way


@pytest.mark.parametrize("where", ["fingerprint", "index_text"])
def test_a_text_that_fails_ahead_fails_its_page_only(monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """A failure while computing ahead is raised where the result is used: that page fails alone."""
    module = ingest_mod.dedup if where == "fingerprint" else search
    real = getattr(module, where) if where == "fingerprint" else search._index_text

    def flaky(*args):  # type: ignore[no-untyped-def]
        if any(isinstance(a, str) and a.startswith("标题7") for a in args):
            raise RuntimeError(f"{where} exploded")
        return real(*args)

    monkeypatch.setattr(module, "fingerprint" if where == "fingerprint" else "_index_text", flaky)
    ing = Ingestor(memory_db(), extractor=fake_extract, batch_size=20)
    results = ing.ingest_many(_pages())
    failed = [r for r in results if r.status == "error"]
    assert len(failed) == 1 and f"{where} exploded" in (failed[0].error or "")
    assert sum(r.status == "new" for r in results) >= 7
    _one_at_a_time(monkeypatch)
    ref = Ingestor(memory_db(), extractor=fake_extract, batch_size=20).ingest_many(_pages())
    assert [(r.status, r.error) for r in results] == [(r.status, r.error) for r in ref]
