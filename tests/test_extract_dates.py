"""Publish dates on pages that have none: facts and prose are not the page's date; a declared
last-modified date is used when no publish date exists (docs/extraction.md, "Publish date").

The pages are hand-written (tests/fixtures/pages/dates/<case>/page.html, one directory per case).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.extract import extract_bytes
from archive.extract.facts import is_fact_term

DATES = Path(__file__).resolve().parent / "fixtures" / "pages" / "dates"
URL = "http://example.org/wiki/entry.html"  # no date in the URL: the fallback from the URL stays out

# case -> the published_at the record must carry
EXPECTED = {
    # an encyclopedia entry: birth date in the infobox (<dt>出生日期</dt>), repeated unlabelled in the summary
    # box and in the prose; the page declares only <meta itemprop="dateModified">
    "entry_modified": "2021-07-09T16:20:11+08:00",
    # the same entry with a <th>/<td> infobox and no date in its metadata: nothing to give
    "entry_no_date": None,
    # an English entry: "Born March 5, 1931" in a <th>/<td> infobox, JSON-LD dateModified in UTC
    "entry_english_modified": "2022-10-03T08:14:00+00:00",
    # a news page whose dateline is a <td>发布时间：</td><td>…</td> pair: kept, ahead of a later dateModified
    # and of a 会议日期 fact in the body
    "news_dateline_kept": "2021-01-19T15:38+08:00",
    # the only date is in the first sentence of the story: prose, not a dateline
    "prose_date_only": None,
}


def record(case: str) -> dict[str, object]:
    return extract_bytes((DATES / case / "page.html").read_bytes(), URL).to_dict()


def test_every_case_has_a_page() -> None:
    assert sorted(p.name for p in DATES.iterdir() if (p / "page.html").is_file()) == sorted(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_published_at(case: str) -> None:
    assert record(case)["published_at"] == EXPECTED[case]


@pytest.mark.parametrize("case", ["entry_modified", "entry_no_date", "entry_english_modified"])
def test_entry_is_still_read_as_an_article(case: str) -> None:
    rec = record(case)
    assert rec["page_type"] == "article"
    assert rec["title"] in ("林静秋", "Margaret Hollis")
    assert "botanist" in str(rec["body"]) or "作曲家" in str(rec["body"])


def test_modified_date_does_not_replace_a_visible_dateline() -> None:
    page = (DATES / "news_dateline_kept" / "page.html").read_bytes()
    assert b'itemprop="dateModified" content="2021-01-22' in page  # the fixture does declare a later one
    assert record("news_dateline_kept")["published_at"] == "2021-01-19T15:38+08:00"


def test_itemprop_lists_are_read_as_names() -> None:
    """itemprop holds a list of names; `datePublished` is the page's date even beside other attributes."""
    html = (
        b'<html><head><meta property="article:published" itemprop="datePublished dateCreated" '
        b'content="2019-11-19T11:00:09.000Z"><meta property="article:modified" itemprop="dateModified" '
        b'content="2019-11-20T08:00:00.000Z"></head><body><h1>Storm closes harbour</h1>'
        b"<p>The harbour closed on Tuesday as the storm arrived, and ferries stayed in port all day.</p>"
        b"<p>Officials said the harbour would reopen once the wind dropped below gale force.</p></body></html>"
    )
    assert extract_bytes(html, URL).published_at == "2019-11-19T11:00:09+00:00"


def test_modified_meta_forms() -> None:
    body = (
        "<h1>Water rates to stay unchanged</h1><p>The council voted to keep water rates unchanged for "
        "another year, citing lower treatment costs.</p><p>The decision will be reviewed next spring.</p>"
    )
    for head in (
        '<meta property="og:updated_time" content="2020-05-06T07:08:09+02:00">',
        '<meta name="lastmod" content="2020-05-06T07:08:09+02:00">',
        '<meta name="dcterms.modified" content="2020-05-06T07:08:09+02:00">',
        '<meta property="article:modified_time" content="2020-05-06T07:08:09+02:00">',
    ):
        html = f"<html><head>{head}</head><body>{body}</body></html>".encode()
        assert extract_bytes(html, URL).published_at == "2020-05-06T07:08:09+02:00", head


@pytest.mark.parametrize(
    ("term", "fact"),
    [
        ("出生日期", True),
        ("Born", True),
        ("成立时间", True),
        ("截止日期：", True),
        ("发布时间", False),
        ("发布时间：", False),
        ("更新日期", False),
        ("日期", False),
        ("来源", False),
        ("Published", False),
        ("Last updated", False),
        ("来源：新华网", False),  # a value, not a term
        ("2021-01-19", False),
        ("", False),
    ],
)
def test_fact_terms(term: str, fact: bool) -> None:
    assert is_fact_term(term) is fact


def test_modified_date_alone_does_not_make_a_page_an_article() -> None:
    """A short titled page is an article by its publish date; a declared last-modified date (set on every
    page by many CMSs) fills published_at but does not change the page type."""
    page = (
        '<html><head><meta charset="utf-8">{meta}<title>关于本馆</title></head><body><h1>关于本馆</h1>'
        "<p>本馆每天九点至十七点开放，周一闭馆，节假日照常开放，欢迎参观。</p></body></html>"
    )
    bare = extract_bytes(page.format(meta="").encode(), URL)
    modified = extract_bytes(
        page.format(meta='<meta itemprop="dateModified" content="2020-01-02 03:04:05">').encode(), URL
    )
    published = extract_bytes(
        page.format(
            meta='<meta property="article:published_time" content="2020-01-02T03:04:05+08:00">'
        ).encode(),
        URL,
    )
    assert (bare.page_type, bare.published_at) == ("other", None)
    assert (modified.page_type, modified.published_at) == ("other", "2020-01-02T03:04:05+08:00")
    assert (published.page_type, published.published_at) == ("article", "2020-01-02T03:04:05+08:00")
