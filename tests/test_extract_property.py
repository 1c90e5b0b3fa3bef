"""Property test: the extractor on generated markup never raises and always returns a record of SPEC shape.

The markup is built from the pieces real and hacked pages are made of: nested blocks, tables, paragraphs with
CJK text, full-width spaces and &nbsp;, metadata-looking lines, hidden link blocks, scripts, broken tags and
entities, in several encodings.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.article import CREDIT_ROLES, RECORD_KEYS
from archive.extract import extract
from archive.page import Page

WORDS = [
    "青溪市",
    "农机购置补贴",
    "株洲新聞網",
    "來源:",
    "来源：",
    "作者：",
    "记者 王明",
    "编辑：",
    "責編:",
    "初审：",
    "终审:",
    "浏览次数：",
    "瀏覽量:8219",
    "2021-01-19 15:38:57",
    "2021年01月19日",
    "2023/4/5",
    "|",
    "｜",
    "&nbsp;",
    "\u3000\u3000",
    "&#x20BB7;",
    "&#0;",
    "&#xD800;",
    "&bogus;",
    "澳门金沙娱乐城-真人百家乐",
    "打印本页",
    "关闭窗口",
    "下载APP",
    "The council voted",
    "By Maria Alvarez",
    "April 5, 2023",
    "\x00",
    "\x0b",
    "e\u0301",
    "\ufeff",
    "<",
    ">",
    "&",
]
TAGS = [
    "div",
    "p",
    "span",
    "a",
    "h1",
    "h2",
    "table",
    "tr",
    "td",
    "font",
    "article",
    "ul",
    "li",
    "b",
    "section",
]
STYLES = [
    "",
    "display:none",
    "position:absolute;left:-9999px",
    "width:0;height:0;overflow:hidden",
    "color:red",
]

text = st.lists(st.sampled_from(WORDS) | st.text(max_size=12), max_size=8).map(" ".join)


def element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    def build(tag: str, style: str, href: str, inner: list[str], closed: bool) -> str:
        attrs = f' style="{style}"' if style else ""
        if tag == "a":
            attrs += f' href="{href}"'
        return f"<{tag}{attrs}>{''.join(inner)}" + (f"</{tag}>" if closed else "")

    return st.builds(
        build,
        st.sampled_from(TAGS),
        st.sampled_from(STYLES),
        st.sampled_from(["/a.html", "http://other.example/x", "javascript:alert(1)", "", "//cdn.example/y"]),
        st.lists(children, max_size=5),
        st.booleans(),
    )


fragments = st.recursive(
    text | st.sampled_from(["<br>", "<img src='p.jpg'>", "<script>var a='<p>x</p>';</script>", "<!-- c -->"]),
    element,
    max_leaves=40,
)


@st.composite
def pages(draw: st.DrawFn) -> bytes:
    title = draw(text)
    head = draw(
        st.sampled_from(
            [
                "",
                '<meta charset="utf-8">',
                '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">',
                '<meta charset="big5">',
                '<meta charset="no-such-codec">',
                '<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2021-13-45"}</script>',
            ]
        )
    )
    body = "".join(draw(st.lists(fragments, max_size=6)))
    markup = f"<html><head>{head}<title>{title}</title></head><body>{body}</body></html>"
    if draw(st.booleans()):
        markup = markup[: draw(st.integers(0, len(markup)))]  # truncated anywhere
    codec = draw(st.sampled_from(["utf-8", "gb18030", "big5hkscs", "utf-16"]))
    return markup.encode(codec, errors="replace")


def check_record(record: dict[str, Any]) -> None:
    assert set(record) <= set(RECORD_KEYS)
    for key in (
        "title",
        "published_at",
        "source",
        "author",
        "editor",
        "body",
        "body_html",
        "lang",
        "encoding",
    ):
        assert record[key] is None or isinstance(record[key], str), key
    if record["published_at"] is not None:
        s = record["published_at"]
        assert (datetime.fromisoformat(s) if "T" in s else date.fromisoformat(s)) is not None
    assert record["views"] is None or (type(record["views"]) is int and record["views"] >= 0)
    assert isinstance(record["credits"], dict) and set(record["credits"]) <= set(CREDIT_ROLES)
    assert all(isinstance(v, str) and v for v in record["credits"].values())
    assert isinstance(record["images"], list)
    for img in record["images"]:
        assert set(img) == {"src", "caption"} and isinstance(img["src"], str) and img["src"]
        assert img["caption"] is None or (isinstance(img["caption"], str) and img["caption"])
    assert isinstance(record["spam"], list) and all(isinstance(s, str) and s for s in record["spam"])
    assert record["page_type"] in ("article", "listing", "other")
    for key in ("title", "source", "author", "editor", "body"):
        value = record[key]
        if value is not None:
            assert value, f"{key}: empty string instead of null"
            assert unicodedata.is_normalized("NFC", value), key
            assert value == value.strip(), key
            assert "\x00" not in value, key


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages())
def test_extract_on_generated_markup(raw: bytes) -> None:
    check_record(extract(Page(url="http://news.example.cn/a/b/c.html", body=raw)).to_dict())


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=4000), st.sampled_from([(), (("Content-Type", "text/html; charset=gbk"),)]))
def test_extract_on_arbitrary_bytes(raw: bytes, headers: tuple[tuple[str, str], ...]) -> None:
    check_record(extract(Page(url="", body=raw, headers=headers)).to_dict())


def test_control_character_after_a_removed_hidden_block() -> None:
    """Found by the property test above: lxml refuses C0 controls when text is moved around."""
    raw = b'<html><head><title>t</title></head><body><div style="display:none"></div>\x1f<p>text</p></body></html>'
    check_record(extract(Page(url="http://news.example.cn/a.html", body=raw)).to_dict())
