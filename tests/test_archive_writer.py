"""The writer process reads its settings without Scrapy: the same values Scrapy's getters give."""

from __future__ import annotations

import pytest
from scrapy.settings import BaseSettings

from crawler.archive_writer import load_callable, setting_bool, setting_dict, to_page


@pytest.mark.parametrize("value", [True, False, 0, 1, "0", "1", "True", "False", "true", "false"])
def test_setting_bool_reads_as_scrapy_does(value: object) -> None:
    assert setting_bool(value) is BaseSettings({"X": value}).getbool("X")


@pytest.mark.parametrize("value", [None, {}, {"a": 1}, '{"settings": {"A": "1"}}'])
def test_setting_dict_reads_as_scrapy_does(value: object) -> None:
    assert setting_dict(value) == BaseSettings({"X": value}).getdict("X")


def test_load_callable_names_an_object_by_its_path() -> None:
    assert load_callable("crawler.archive_writer.to_page") is to_page
    assert load_callable(to_page) is to_page
    with pytest.raises(ValueError, match="not a full path"):
        load_callable("to_page")


def test_a_batchs_article_states_are_each_pages_own(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The writer reads the batch's article dates at once: the states are those read page by page."""
    from datetime import UTC, datetime, timedelta

    from archive import fetch_state
    from archive.page import Page
    from crawler.archive_writer import ArchiveWriter
    from tests.ingest_helpers import article_paragraphs, html_page, page

    writer = ArchiveWriter({"NEWS_ARCHIVE_DB": str(tmp_path / "a.db"), "NEWS_ARCHIVE_LOCK_HELD": True})
    writer._open()
    ing = writer._ingestor
    assert ing is not None
    pages: list[Page] = [
        page(
            f"http://a.gov.cn/n/{i}.html",
            html_page(f"标题{i}", article_paragraphs(i % 5), published=published),
        )
        for i, published in enumerate(
            ["2024-05-01 08:00", None, "2023-01-02", None, "2024-04-30 10:00", None]
        )
    ]
    pages[1] = Page(url=pages[1].url, body=pages[1].body, headers=(("ETag", '"x"'),), parts=(pages[2],))
    results = ing.ingest_many(pages)

    def one_by_one(when: datetime) -> list[fetch_state.FetchState]:
        """Each page's states with its article's dates read for it alone (as the writer did)."""
        out = []
        for p, aid in batch:
            row = ing.conn.execute(
                "SELECT published_at, first_seen FROM articles WHERE id = ?", (aid,)
            ).fetchone()
            visit = fetch_state.next_visit(when, published_at=row and row[0], first_seen=row and row[1])
            for q in (p, *p.parts):
                etag, modified = q.header("ETag"), q.header("Last-Modified")
                out.append(
                    fetch_state.FetchState(
                        q.url, "article", etag, modified, fetch_state.iso(when), fetch_state.iso(visit)
                    )
                )
        return out

    batch = [(p, r.article_id) for p, r in zip(pages, results, strict=True)] + [
        (pages[0], None),
        (pages[3], "zz"),
    ]
    now = datetime(2024, 5, 2, tzinfo=UTC)
    for when in (now, now + timedelta(hours=5)):
        expected = one_by_one(when)
        assert fetch_state.articles_states(ing.conn, batch, when) == expected
        assert [s for p, aid in batch for s in fetch_state.article_states(ing.conn, p, aid, when)] == expected
    assert len({s.next_visit for s in expected}) > 2 and {s.etag for s in expected} == {None, '"x"'}
    assert len(expected) == len(batch) + 1  # the multi-page article's part
    writer._close("ok", [])
