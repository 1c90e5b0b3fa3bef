"""Shortcuts extraction takes through work already done give what doing the work again would."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from archive.extract import body, dom, meta, pagetype, pipeline, spam
from archive.extract import decode as decode_mod
from archive.extract.text import collapse, visible_len

FIXTURES = Path(__file__).parent / "fixtures" / "pages"
DEMO = Path(__file__).parent.parent / "crawler" / "demo" / "site"


def _page_roots() -> list[Any]:
    roots = []
    for path in sorted(FIXTURES.glob("*/*.html")) + sorted(DEMO.glob("**/*.htm*")):
        root = dom.parse(path.read_bytes().decode("utf-8", "replace"))
        if root is not None:
            # As the pipeline has it when it walks the lines: no head, no scripts and the like.
            for head in root.findall("head"):
                root.remove(head)
            etree.strip_elements(root, *dom.JUNK_TAGS, with_tail=False)
            roots.append(root)
    return roots


def test_content_blocks_from_the_page_lines_as_from_walking_the_node(monkeypatch: pytest.MonkeyPatch) -> None:
    taken: list[bool] = []
    lines_inside = body._lines_inside

    def spy(node: Any, page_lines: list[dom.Line], skip: Any) -> list[dom.Line] | None:
        got = lines_inside(node, page_lines, skip)
        taken.append(got is not None)
        return got

    monkeypatch.setattr(body, "_lines_inside", spy)
    for root in _page_roots():
        page_lines = list(dom.lines(root))
        for node in root.iter():
            if dom.tag_of(node) in dom.BLOCK_TAGS:
                for cjk in (True, False):
                    assert body.content_blocks(node, cjk, page_lines=page_lines) == body.content_blocks(
                        node, cjk
                    )
    assert len(taken) > 1000 and sum(taken) > 300  # both ways taken, many times


def test_text_len_as_xpath_string() -> None:
    # dom.text_len joins an element's text with lxml's text serializer; XPath string() is the definition.
    string = etree.XPath("string()")
    measured = 0
    for root in _page_roots():
        for el in root.iter():
            assert dom.text_len(el) == len("".join(str(string(el)).split()))
            measured += 1
    assert measured > 3000


def test_hidden_candidates_as_testing_every_element() -> None:
    for key, attrs in pipeline._HIDING_ATTRS.items():
        every = etree.XPath("//*[" + " or ".join(f"@{a}" for a in attrs) + "]")
        for root in _page_roots():
            assert pipeline._MAY_BE_HIDDEN[key](root) == every(root)


def _date_iso_computed(m: re.Match[str], offset: str = "") -> str | None:
    """meta.date_iso as it was before it remembered days and times: computed from the match each time."""
    if m["y"] is not None:
        y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
    else:
        y, mo, d = int(m["uy"]), int(m["um"]), int(m["ud"])
        if mo > 12 >= d:
            mo, d = d, mo
    try:
        datetime(y, mo, d)
    except ValueError:
        return None
    out = f"{y:04d}-{mo:02d}-{d:02d}"
    if m["H"] is not None:
        h, mi = int(m["H"]), int(m["M"])
        ampm = (m["ampm"] or "").lower().replace(".", "")
        if ampm == "pm" and h < 12:
            h += 12
        elif ampm == "am" and h == 12:
            h = 0
        if h > 23 or mi > 59:
            return out
        out += f"T{h:02d}:{mi:02d}"
        if m["S"] is not None and int(m["S"]) <= 59:
            out += f":{int(m['S']):02d}"
        out += offset
    return out


NUMBER = (
    st.integers(1, 12).map(str)
    | st.integers(1, 28).map("{:02d}".format)
    | st.integers(0, 99).map(str)
    | st.sampled_from(["００", "１２", "31", "29", "2023"])
)
DATE_TEXT = st.tuples(
    st.sampled_from(["2021", "1999", "2024", "2000", "２０２１"]),
    st.sampled_from(["-", "/", ".", "年", " 年 "]),
    NUMBER,
    st.sampled_from(["-", "/", ".", "月"]),
    NUMBER,
    st.sampled_from(["", "日", " "]),
    st.sampled_from([" ", "T", "&nbsp;", ""]),
    NUMBER,
    st.sampled_from([":", "：", "时"]),
    st.integers(0, 99).map("{:02d}".format),
    st.sampled_from(["", ":00", ":61", "分59"]),
    st.sampled_from(["", " pm", " AM", "p.m.", "am"]),
).map("".join) | st.tuples(NUMBER, st.just("/"), NUMBER, st.just("/"), st.sampled_from(["2004", "1988"])).map(
    "".join
)


@settings(max_examples=800, deadline=None)
@given(DATE_TEXT, st.sampled_from(["", "+08:00"]))
def test_date_iso_remembered_as_computed(text: str, offset: str) -> None:
    for m in meta.DATE_RE.finditer(text):
        # Twice: the second time from what was remembered.
        assert meta.date_iso(m, offset) == meta.date_iso(m, offset) == _date_iso_computed(m, offset)


@given(st.text(alphabet="张三李四 、,/记者本报(实习)发自北京=_AB12", max_size=30))
def test_clean_names_remembered_as_computed(value: str) -> None:
    computed = meta.clean_names.__wrapped__(value)  # type: ignore[attr-defined]
    assert meta.clean_names(value) == meta.clean_names(value) == computed


def _decode_eager(body: bytes, header: str | None) -> decode_mod.Decoded:
    """decode as it was before it looked for <meta> lazily: every declaration read first."""
    if any(body.startswith(bom) for bom, _ in decode_mod._BOMS):
        return decode_mod.decode(body, header)
    candidates: list[str] = []
    for label in (header, decode_mod.declared_in_markup(body)):
        norm = decode_mod.normalize_label(label)
        if norm and norm not in candidates:
            candidates.append(norm)
    if body.isascii():
        enc = candidates[0] if candidates else "utf-8"
        return decode_mod.Decoded(body.decode(enc, "replace"), enc)
    text = decode_mod._strict(body, "utf-8")
    if text is not None:
        return decode_mod.Decoded(text, "utf-8")
    return decode_mod.decode(body, header)  # from here on the two never differed


BODY_PIECES = [
    b"<html><head>",
    b'<meta charset="gbk">',
    b'<meta http-equiv="Content-Type" content="text/html; charset=big5">',
    b'<META CHARSET="bogus">',
    b'<?xml version="1.0" encoding="utf-8"?>',
    "新闻".encode(),
    "新闻".encode("gb18030"),
    "新聞".encode("big5"),
    b"\xff\xfe",
    b"\xe6\x96",
    b"abc ",
    b"\x80",
]


@settings(max_examples=600, deadline=None)
@given(
    st.lists(st.sampled_from(BODY_PIECES), max_size=6),
    st.sampled_from([None, "", "utf-8", "gbk", "big5", "latin-1", "bogus", "ascii"]),
)
def test_decode_reads_meta_lazily_as_eagerly(pieces: list[bytes], header: str | None) -> None:
    body = b"".join(pieces)
    assert decode_mod.decode(body, header) == _decode_eager(body, header)


CSS_PIECES = [".a{display:none}", "#B { visibility : hidden }", "div.c, .d{left:-999px}", ".e{width:0;}"]
CSS_PIECES += ["}", "{", ".f{color:red}", "p{font-size:0!important}", "\n", ".g,#h{top:-1000px}"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(CSS_PIECES), max_size=8), st.lists(st.sampled_from(CSS_PIECES), max_size=4))
def test_hidden_selectors_remembered_as_computed(first: list[str], second: list[str]) -> None:
    styles = ["".join(first), "".join(second)]
    computed: tuple[set[str], set[str]] = (set(), set())
    for css in styles:
        classes, ids = spam._hidden_in_style.__wrapped__(css)  # type: ignore[attr-defined]
        computed[0].update(classes)
        computed[1].update(ids)
    assert spam.hidden_selectors(styles) == spam.hidden_selectors(styles) == computed


def _first_post_measuring_all(node: Any, cjk: bool) -> Any:
    """body.first_post as it was before it skipped elements too small to hold a run: each one judged."""
    queue = [(node, 0)]
    visited = 0
    lengths = dom.TextLengths()
    while queue and visited < 80:
        el, depth = queue.pop(0)
        visited += 1
        found = body._first_of_run(el, cjk, lengths=lengths)
        if found is not None:
            return found
        if depth < 3:
            queue.extend((k, depth + 1) for k in el if isinstance(k.tag, str))
    anc = node.getparent()
    for _ in range(4):
        if anc is None or dom.tag_of(anc) in ("body", "html"):
            break
        found = body._first_of_run(anc, cjk, holding=node, lengths=lengths)
        if found is not None:
            return found
        anc = anc.getparent()
    return None


def _blog_pages() -> list[Any]:
    """Pages whose content is a run of posts (the fixtures hold none), nested at several depths."""
    prose = "这是一段足够长的博客正文，讲述了作者在旅途中的见闻和感受。" * 8
    roots = []
    for wrappers in range(5):
        for posts in (1, 2, 3, 5):
            items = "".join(
                f'<div class="post"><h2>第{i}篇文章的标题</h2><p>{prose}</p><p>由作者{i}张贴 @ 2006-05-2{i} 21:14</p></div>'
                f'<div class="ad"><a href="/x">广告</a></div>'
                for i in range(posts)
            )
            html = "<html><body><div class='nav'><a href='/'>首页</a></div>"
            html += "<div>" * wrappers + items + "</div>" * wrappers + "</body></html>"
            roots.append(dom.parse(html))
    return roots


def test_first_post_as_judging_every_element() -> None:
    found = judged = 0
    for root in _page_roots() + _blog_pages():
        for node in root.iter():
            if dom.tag_of(node) in dom.BLOCK_TAGS:
                for cjk in (True, False):
                    post = body.first_post(node, cjk)
                    assert post is _first_post_measuring_all(node, cjk)
                    found += post is not None
                    judged += 1
    assert judged > 1000 and found > 20


def test_scored_blocks_come_in_document_order_unless_nested() -> None:
    # body._widen sums the blocks' scores in document order, and sorts them only when one holds another.
    unsorted = 0
    for root in _page_roots() + _blog_pages():
        for cjk in (True, False):
            own: dict[Any, float] = {}
            body.score_blocks(list(dom.lines(root)), cjk, own)
            nested = any(anc in own for block in own for anc in block.iterancestors())
            if not nested:
                assert list(own) == body._document_order(own)
                unsorted += 1
    assert unsorted > 10


def _lines_keeping_whitespace(root: Any, with_images: bool) -> list[tuple[Any, ...]]:
    """dom.lines (no skip) as it was before it left out whitespace that opens a line: every text kept."""
    out: list[tuple[Any, ...]] = []
    parts: list[str] = []
    images: list[Any] = []
    link_len, in_link = 0, 0
    blocks, heading = [root], [0]

    def flush() -> None:
        nonlocal parts, link_len, images
        text = collapse("".join(parts))
        if text or images:
            out.append((text, link_len, blocks[-1], heading[-1], len(text) - text.count(" "), images))
        parts, link_len, images = [], 0, []

    def gather(text: str | None) -> None:
        nonlocal link_len
        if text:
            parts.append(text)
            link_len += visible_len(text) if in_link else 0

    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in dom.BLOCK_TAGS:
                if parts or images:
                    flush()
                if tag not in ("br", "hr"):
                    blocks.append(el)
                    heading.append(int(tag[1]) if tag in dom.HEADING_TAGS else heading[-1])
                    gather(el.text)
                continue
            in_link += tag == "a"
            if tag == "img" and with_images:
                images.append(el)
            gather(el.text)
        else:
            if tag in dom.BLOCK_TAGS:
                if parts or images:
                    flush()
                if tag not in ("br", "hr") and len(blocks) > 1:
                    blocks.pop()
                    heading.pop()
            elif tag == "a":
                in_link -= 1
            if el is root:
                break
            gather(el.tail)
    if parts or images:
        flush()
    return out


TAGS = ["div", "p", "span", "a", "b", "h2", "li", "br", "img", "td"]
TEXTS = ["", " ", "\n  ", "\u3000", "\xa0", "\u200b", "新闻", " 正文 ", "a b", "链接"]
HTML = st.recursive(
    st.sampled_from(TEXTS),
    lambda inner: st.builds(
        lambda tag, kids, tail: f"<{tag}>{''.join(kids)}</{tag}>{tail}",
        st.sampled_from(TAGS),
        st.lists(inner, max_size=4),
        st.sampled_from(TEXTS),
    ),
    max_leaves=25,
)


@settings(max_examples=500, deadline=None)
@given(st.lists(HTML, min_size=1, max_size=4), st.booleans())
def test_lines_as_keeping_every_text(body_parts: list[str], with_images: bool) -> None:
    root = dom.parse("<html><body>" + "".join(body_parts) + "</body></html>")
    if root is None:
        return
    got = [
        (ln.text, ln.link_len, ln.block, ln.heading, ln.length, ln.images)
        for ln in dom.lines(root, with_images=with_images)
    ]
    assert got == _lines_keeping_whitespace(root, with_images)


# Teaser-like siblings: links of headline length and shorter, dates, prose, in runs of alike elements.
TEASER = st.builds(
    lambda tag, cls, links, date, prose: (
        f"<{tag} class='{cls}'>"
        + "".join(f"<a href='/{i}'>{'标题文字' * n}</a>" for i, n in enumerate(links))
        + date
        + prose
        + f"</{tag}>"
    ),
    st.sampled_from(["li", "div"]),
    st.sampled_from(["item", "card"]),
    st.lists(st.sampled_from([0, 1, 2, 5, 15, 20]), max_size=3),
    st.sampled_from(["", "<span>2024-03-05</span>"]),
    st.sampled_from(["", "摘要" * 20, "这是正文。" * 80]),
)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.lists(TEASER, max_size=6), min_size=1, max_size=3))
def test_no_teaser_runs_without_three_headline_links(groups: list[list[str]]) -> None:
    # pagetype.classify looks for runs only where the page has at least three headline links: each teaser of a
    # run holds one of its own.
    root = dom.parse("<html><body>" + "".join(f"<ul>{''.join(g)}</ul>" for g in groups) + "</body></html>")
    for cjk in (True, False):
        runs = pagetype.teaser_runs(root, cjk)
        if pagetype.headline_links(root, cjk) < pagetype._LEAST_RUN:
            assert runs == []


def test_teaser_runs_need_headline_links_on_real_layouts() -> None:
    with_runs = 0
    for root in _page_roots():
        for cjk in (True, False):
            runs = pagetype.teaser_runs(root, cjk)
            with_runs += bool(runs)
            assert not runs or pagetype.headline_links(root, cjk) >= pagetype._LEAST_RUN
    assert with_runs > 5


def _first_of_run_grouping_all(container: Any, cjk: bool, holding: Any = None) -> Any:
    """body._first_of_run as it was before it grouped only children with a block inside: every big child."""
    measure = dom.TextLengths()
    least = body._post_text(cjk)
    if measure[container] < 2 * least:
        return None
    kids = [k for k in container if isinstance(k.tag, str)][:200]
    big = [k for k in kids if measure[k] >= least]
    if len(big) < 2:
        return None
    big = [k for k in big if not body._in_comments(k)]
    total = measure[container] or 1
    alike: dict[tuple[str, frozenset[str]], list[Any]] = {}
    for k in big:
        alike.setdefault(body._fingerprint(k), []).append(k)
    for group in alike.values():
        if len(group) < 2 or sum(measure[k] for k in group) < 0.6 * total:
            continue
        run = [k for k in group if body._post_shape(k, cjk)[0]]
        if len(run) < 2 or sum(measure[k] for k in run) < 0.6 * total:
            continue
        if holding is None or any(k is holding or k in holding.iterancestors() for k in run):
            first = run[0]
            if body.link_density(first, measure[first]) < 0.3:
                return first
    return None


def _runs_beside_paragraphs() -> list[Any]:
    """Runs of posts beside big paragraphs and big single-line children of the posts' template."""
    prose = "这是一段足够长的博客正文，讲述了作者在旅途中的见闻和感受。" * 8
    posts = (
        '<div class="post"><h2>标题{i}</h2><p>{prose}</p><p>由作者{i}张贴 @ 2006-05-2{i} 21:14</p></div>',
        '<div class="post"><h2>标题{i}</h2>{prose}<br>由作者{i}张贴 @ 2006-05-2{i} 21:14</div>',
    )
    flat = '<div class="post">{prose}<b>{prose}</b></div>'
    roots = []
    for post in posts:
        for before in ("", f"<p>{prose}</p>", flat.format(prose=prose)):
            for n in (1, 2, 3):
                for after in ("", f"<p>{prose * 3}</p>", flat.format(prose=prose) * 2):
                    items = "".join(post.format(i=i, prose=prose) for i in range(n))
                    roots.append(dom.parse(f"<html><body><div>{before}{items}{after}</div></body></html>"))
    return roots


def test_first_of_run_as_grouping_every_big_child() -> None:
    found = judged = 0
    for root in _page_roots() + _blog_pages() + _runs_beside_paragraphs():
        elements = [el for el in root.iter() if isinstance(el.tag, str)]
        for container in elements:
            for cjk in (True, False):
                for holding in (None, *list(container.iterdescendants())[:3]):
                    got = body._first_of_run(container, cjk, holding=holding)
                    assert got is _first_of_run_grouping_all(container, cjk, holding)
                    found += got is not None
                    judged += 1
    assert judged > 5000 and found > 40


def _widen_reading_hints_each_climb(node: Any, own: dict[Any, float], measure: dom.TextLengths) -> Any:
    """body._widen as it was before it remembered where the climb stops: each element's hint read per block."""
    totals: dict[Any, float] = {}
    nested = any(anc in own for block in own for anc in block.iterancestors())
    for block in body._document_order(own) if nested else list(own):
        el = block
        while el is not None:
            totals[el] = totals.get(el, 0.0) + own[block]
            if el.get("class") or el.get("id"):
                hint = dom.attr_text(el)
                if body._COMMENT_ATTR.search(hint) and not body._ARTICLE_HINT.search(hint):
                    break
            el = el.getparent()
    best, best_total = node, totals.get(node, 0.0)
    cursor = node
    for _ in range(8):
        parent = cursor.getparent()
        if parent is None or dom.tag_of(parent) in ("body", "html"):
            break
        parent_total = totals.get(parent, 0.0)
        if parent_total <= best_total * 1.05:
            cursor = parent
            continue
        if (
            parent_total >= 1.35 * best_total
            and body.link_density(parent, measure[parent]) < 0.15
            and not body._in_comments(parent)
        ):
            best, best_total = parent, parent_total
            cursor = parent
            continue
        break
    return best


def test_widen_as_reading_hints_on_each_climb() -> None:
    widened = 0
    for root in _page_roots() + _blog_pages():
        for cjk in (True, False):
            own: dict[Any, float] = {}
            body.score_blocks(list(dom.lines(root)), cjk, own)
            for node in root.iter():
                if isinstance(node.tag, str):
                    got = body._widen(node, own, dom.TextLengths())
                    assert got is _widen_reading_hints_each_climb(node, own, dom.TextLengths())
                    widened += got is not node
    assert widened > 100


@settings(max_examples=500, deadline=None)
@given(st.lists(HTML, min_size=1, max_size=4))
def test_first_line_text_as_walking_the_element(body_parts: list[str]) -> None:
    root = dom.parse("<html><body>" + "".join(body_parts) + "</body></html>")
    if root is None:
        return
    for el in root.iter():
        first = next(iter(dom.lines(el)), None)
        assert pipeline.first_line_text(el) == (first.text if first is not None else "")


def test_first_line_text_of_the_pages_elements() -> None:
    leaves = 0
    for root in _page_roots():
        for el in root.iter():
            first = next(iter(dom.lines(el)), None)
            assert pipeline.first_line_text(el) == (first.text if first is not None else "")
            leaves += not len(el)
    assert leaves > 1000


def test_nested_blocks_found_as_by_every_ancestor() -> None:
    answers = []
    for root in _page_roots() + _blog_pages() + _runs_beside_paragraphs():
        for cjk in (True, False):
            own: dict[Any, float] = {}
            body.score_blocks(list(dom.lines(root)), cjk, own)
            elements = [el for el in root.iter() if isinstance(el.tag, str)]
            # The scored blocks, and sets of elements with and without nesting among them.
            for blocks in (own, dict.fromkeys(elements[::7], 1.0), dict.fromkeys(elements[-3:], 1.0)):
                every = any(anc in blocks for block in blocks for anc in block.iterancestors())
                assert body._holds_nested(blocks) == every
                answers.append(every)
    assert answers.count(True) > 20 and answers.count(False) > 20


HINT_WORDS = [
    "comment",
    "COMMENTS",
    "article",
    "content",
    "footer",
    "sidebar",
    "ſidebar",
    "nav",
    "post-body",
    " ",
    "-",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(HINT_WORDS), max_size=5))
def test_comment_hint_remembered_as_computed(words: list[str]) -> None:
    hint = "".join(words).lower()
    computed = bool(body._COMMENT_ATTR.search(hint)) and not body._ARTICLE_HINT.search(hint)
    assert body._is_comment_hint(hint) == body._is_comment_hint(hint) == computed
