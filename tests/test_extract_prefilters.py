"""The quick checks extraction runs before its costly patterns never change an answer.

Each quick check is a necessary condition for the costly pattern to match (a character it must start with,
a separator a label needs, a digit a labelled date needs); these tests hold the checks to that on generated
lines built from the very words the patterns look for, and derive the first characters from the pattern
itself, so a word added to a pattern cannot slip past its check.
"""

from __future__ import annotations

import re
from pathlib import Path
from re import _parser as sre_parse  # the parse tree of a pattern: its alternatives' first characters

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from archive.extract import body, dom, meta, pipeline, spam
from archive.extract.text import _CONTROL, _SPACES, PUNCT, clean, collapse, punct_count


def _first_chars(items: list[tuple[object, object]]) -> set[str]:
    """The characters a parsed pattern's matches can start with (literals, groups and alternations only)."""
    op, arg = items[0]
    if op is sre_parse.LITERAL:
        assert isinstance(arg, int)
        return {chr(arg)}
    if op is sre_parse.SUBPATTERN:
        assert isinstance(arg, tuple)
        return _first_chars(list(arg[-1]))
    if op is sre_parse.BRANCH:
        assert isinstance(arg, tuple)
        return set().union(*(_first_chars(list(alt)) for alt in arg[1]))
    if op is sre_parse.IN:  # a class of single characters
        assert isinstance(arg, list) and all(kind is sre_parse.LITERAL for kind, _ in arg)
        return {chr(code) for _, code in arg}
    raise AssertionError(f"a pattern that starts with {op}: extend _first_chars")


def test_boiler_word_check_lists_every_first_character() -> None:
    pattern = body._BOILER_LINE_ANYWHERE
    firsts = _first_chars(list(sre_parse.parse(pattern.pattern, pattern.flags)))
    listed = set(body._BOILER_WORD_FIRST.pattern.strip("[]"))
    assert listed == firsts
    assert body._BOILER_WORD_FIRST.flags == pattern.flags  # the same case folding


def test_field_check_lists_every_first_character() -> None:
    pattern = meta._FIELD_POSSIBLE
    firsts = _first_chars(list(sre_parse.parse(pattern.pattern, pattern.flags)))
    assert set(meta._FIELD_FIRST.pattern.strip("[]")) == firsts
    assert meta._FIELD_FIRST.flags == pattern.flags


BOILER_WORDS = [
    "版权所有",
    "Copyright",
    "COPYRIGHT",
    "copyright",
    "©",
    "(c) 2020",
    "(C)2021",
    "ICP备",
    "icp证",
    "ıcp备",
    "公网安备",
    "All Rights Reserved",
    "all rights reserved",
    "关注我们的微信",
    "关注本站app",
    "下载客户端",
    "下载新闻APP",
    "分享到：",
    "不得转载",
    "打印",
    "【关闭】",
    "上一篇：",
    "声明：",
    "当前位置：",
    " THE END ",
    "Print",
]
FILLER = st.text(alphabet="中文新闻稿件的一是了不下分公关 abcCIAi()0123:：|【】", max_size=30)


@settings(max_examples=800, deadline=None)
@given(FILLER, st.sampled_from(BOILER_WORDS), FILLER, st.booleans())
def test_boiler_lines_as_with_one_pattern(before: str, word: str, after: str, with_word: bool) -> None:
    text = before + word + after if with_word else before + after
    # The one pattern the two were split from: the line-start alternatives all begin with ^.
    whole = re.compile(body._BOILER_LINE_START.pattern + "|" + body._BOILER_LINE_ANYWHERE.pattern, re.I)
    split = bool(body._BOILER_LINE_START.match(text) or body._has_boiler_words(text))
    assert split == bool(whole.search(text))


LABEL_PIECES = [
    *meta.SOURCE_LABELS,
    *meta.AUTHOR_LABELS,
    *meta.EDITOR_LABELS,
    *meta.VIEWS_LABELS,
    *meta.DATE_LABELS,
    *meta.OTHER_LABELS,
    "本报记者",
    "记者",
    "编辑",
    "阅读",
    "发表于",
    "Posted",
    "Published",
    "：",
    ":",
    "/",
    "／",
    " ",
    "  ",
    "|",
    "，",
    "(",
    "【",
    "2021-01-19",
    "12:30",
    "356",
    "张三",
    "阅读(",
    "（",
    ")",
    "次浏览",
    "人阅读",
    "新闻中心",
    "的",
]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(LABEL_PIECES), max_size=8))
def test_field_checks_never_hide_a_label(pieces: list[str]) -> None:
    line = "".join(pieces)
    assert meta._field_possible(line) == bool(meta._FIELD_POSSIBLE.search(line))
    if not meta._FIELD_POSSIBLE.search(line):
        assert not meta._LABEL_RE.search(line) and not meta._GLUED_LABEL_RE.search(line)
        assert meta.parse_fields_line(line) == ()
    if not meta._DIGIT.search(line):
        assert not meta.LABELLED_DATE_RE.search(line)
        assert not meta._VIEWS_INLINE.search(line)  # read_lines looks for a bare count only with a digit
    # Remembered or not, a line parses the same.
    unremembered = meta._parse_fields.__wrapped__(line) if meta._field_possible(line) else ()  # type: ignore[attr-defined]
    assert meta.parse_fields_line(line) == unremembered


@given(st.text(alphabet="".join(PUNCT) + "中文 ab\\^-[]", max_size=60))
def test_punct_count_counts_every_mark(text: str) -> None:
    assert punct_count(text) == sum(1 for ch in text if ch in PUNCT)


DATE_PIECES = [
    "2021-01-19",
    "2021年1月9日",
    "9/17/2004",
    "12:30",
    "2021",
    "19",
    "-",
    "/",
    "年",
    "日",
    "１２",
    "abc",
    "新闻",
]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(DATE_PIECES), max_size=6))
def test_date_checks_as_date_re(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert meta.has_date(text) == bool(meta.DATE_RE.search(text))
    every = [(m.span(), iso) for m in meta.DATE_RE.finditer(text) if (iso := meta.date_iso(m))]
    assert [(m.span(), iso) for m, iso in meta.find_dates(text)] == every
    first = meta.first_date(text)
    assert (None if first is None else (first[0].span(), first[1])) == (every[0] if every else None)


def test_lower_case_finds_every_latin_term_but_three_characters() -> None:
    # spam._may_hold_latin_terms: a character re.I takes for a term's letter is lower-cased to that letter,
    # or is one of the three it checks for.
    letters = sorted({ch for term in spam._LATIN_TERMS for ch in term})
    any_letter = re.compile("[" + re.escape("".join(letters)) + "]", re.I)
    exceptions = set()
    for cp in range(0x110000):
        ch = chr(cp)
        if any_letter.fullmatch(ch):
            same = [x for x in letters if re.fullmatch(re.escape(x), ch, re.I)]
            if any(ch.lower() != x for x in same):
                exceptions.add(ch)
    assert exceptions == set(spam._FOLDS_UNLIKE_LOWER.pattern.strip("[]"))
    # ... and the first-letter check lists every character re.I takes for a term's first letter.
    firsts = re.compile("[" + "".join(sorted({term[0] for term in spam._LATIN_TERMS})) + "]", re.I)
    taken = {chr(cp) for cp in range(0x110000) if firsts.fullmatch(chr(cp))}
    assert taken == set(spam._LATIN_TERM_FIRST.pattern.strip("[]"))


SPAM_PIECES = [
    "casino",
    "CASINO",
    "Poker",
    "ſlots",
    "blackjacK",
    "bet365",
    "porn",
    "xxx",
    "色情",
    "博彩",
    " ",
    "新闻",
    "abc",
]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(SPAM_PIECES), max_size=6))
def test_term_hits_as_both_patterns(pieces: list[str]) -> None:
    text = "".join(pieces)
    expected = len(spam._TERM_RE.findall(text)) + len(spam._LATIN_TERM_RE.findall(text))
    assert spam.term_hits(text) == expected


def test_str_split_whitespace_is_the_pattern_s_but_two() -> None:
    # collapse() leaves runs of whitespace to str.split() unless the text holds one of the two exceptions.
    matched = {chr(cp) for cp in range(0x110000) if _SPACES.fullmatch(chr(cp))}
    splits = {chr(cp) for cp in range(0x110000) if chr(cp).isspace()}
    assert matched - splits == {"\u200b", "\ufeff"} and not splits - matched


@given(
    st.text(
        alphabet=" \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2000\u200a\u200b\u2028\u202f\u3000\ufeff中a",
        max_size=30,
    )
)
def test_collapse_as_the_pattern(text: str) -> None:
    assert collapse(text) == _SPACES.sub(" ", text).strip()


def test_an_element_without_blocks_inside_is_one_line() -> None:
    # body._post_shape decides such elements without walking them: a post needs two lines.
    fixtures = Path(__file__).parent / "fixtures" / "pages"
    checked = 0
    for path in sorted(fixtures.glob("*/*.html")):
        root = dom.parse(path.read_bytes().decode("utf-8", "replace"))
        for el in root.iter() if root is not None else ():
            if not any(dom.tag_of(d) in dom.BLOCK_TAGS for d in el.iterdescendants()):
                assert len(list(dom.lines(el))) <= 1
                checked += 1
    assert checked > 1000


def test_an_element_with_one_element_inside_holds_one_link_at_most() -> None:
    # pipeline._spam_link_rows passes over such blocks without iterating their links.
    fixtures = Path(__file__).parent / "fixtures" / "pages"
    checked = 0
    for path in sorted(fixtures.glob("*/*.html")):
        root = dom.parse(path.read_bytes().decode("utf-8", "replace"))
        for el in root.iter() if root is not None else ():
            if len(el) < 2 and (len(el) == 0 or len(el[0]) == 0) and el.tag != "a":
                assert len(list(el.iter("a"))) < 2
                checked += 1
    assert checked > 500


def test_tail_promo_check_lists_every_first_character() -> None:
    pattern = pipeline._TAIL_PROMO_END
    firsts = _first_chars(list(sre_parse.parse(pattern.pattern, pattern.flags)))
    assert set(pipeline._TAIL_PROMO_FIRST.pattern.strip("[]")) == firsts
    assert pipeline._TAIL_PROMO_FIRST.flags == pattern.flags == pipeline._TAIL_PROMO_START.flags


PROMO_PIECES = [
    "Subscribe",
    "subscribe",
    "SUBSCRIBE",
    "ſubscribe",
    "Follow us on",
    "FOLLOW HER ON",
    "Newsletter",
]
PROMO_PIECES += [
    "sign up",
    "may be reached at",
    "欢迎关注",
    "下载新闻客户端",
    "Read more",
    " ",
    "x",
    "新闻",
    ".",
]


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(PROMO_PIECES), max_size=6))
def test_tail_promo_as_one_pattern(pieces: list[str]) -> None:
    text = "".join(pieces)
    whole = re.compile(pipeline._TAIL_PROMO_START.pattern + "|" + pipeline._TAIL_PROMO_END.pattern, re.I)
    assert pipeline.is_tail_promo(text) == bool(whole.search(text))


def test_printable_text_holds_no_control_character() -> None:
    # text.clean skips the control-character pattern for printable text.
    assert not [cp for cp in range(0x110000) if _CONTROL.match(chr(cp)) and chr(cp).isprintable()]


@given(st.text(alphabet="\x00\x01\x0b\x0c\x7f\x85\x9f\ufffe\uffff\u3000\xa0 \te\u0301中", max_size=20))
def test_clean_as_removing_controls_always(text: str) -> None:
    import unicodedata

    assert clean(text) == collapse(_CONTROL.sub("", unicodedata.normalize("NFC", text)))


def test_every_control_character_has_control_bytes() -> None:
    # dom.parse skips the _C0 scan for UTF-8 pages whose bytes hold none of these.
    missed = [
        cp
        for cp in range(0x110000)
        if not 0xD800 <= cp < 0xE000
        and dom._C0.match(chr(cp))
        and not dom.utf8_may_hold_controls(b"ab" + chr(cp).encode() + "中".encode())
    ]
    assert not missed


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [b"a", b"\x01", b"\x0b", b"\x7f", b"\xc2", b"\x80", b"\x9f", b"\xa0", b"\xef", b"\xbf"]
        )
        | st.sampled_from(
            [b"\xbe", b"\xe6\x96\xb0", b"\xe6", b"\t\n\r", "\u0085".encode(), "\ufffe".encode()]
        ),
        max_size=8,
    )
)
def test_utf8_bytes_without_control_bytes_decode_without_controls(pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    if not dom.utf8_may_hold_controls(data):
        assert not dom._C0.search(data.decode("utf-8", "replace"))
        assert not dom._C0.search(data.decode("utf-8", "ignore"))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["<a", "<Z", "<中", "<", ">", "x" * 2000, "中" * 1999, "\n"]), max_size=12))
@example(["<a", "x" * 8000, ">"])
@example(["<a", "x" * 7999, ">"])
@example(["<1", "x" * 8000, ">"])
@example(["<a", "x" * 8000])
@example(["<a", "x" * 4000, "<", "x" * 4000, ">"])
@example(["<a", "x" * 4000, "<b", "x" * 8000, ">", "y"])
def test_huge_tag_check_as_the_pattern(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert dom.has_huge_tag(text) == bool(dom._HUGE_TAG.search(text))


def test_lower_cased_style_pattern_matches_as_the_folding_one() -> None:
    # spam.hidden_style runs the hiding pattern without re.I on the lower-cased style, unless the style holds
    # one of _FOLDS_UNLIKE_LOWER. Every atom of the pattern must then match the same characters either way.
    exceptions = set(spam._FOLDS_UNLIKE_LOWER.pattern.strip("[]"))
    chars = [chr(cp) for cp in range(0x110000) if not 0xD800 <= cp < 0xE000 and chr(cp) not in exceptions]
    lowered = [ch.lower() for ch in chars]
    assert all(len(low) == 1 for low in lowered)  # positions kept (U+0130, which grows, is an exception)
    text, low = "".join(chars), "".join(lowered)
    pattern = spam._HIDDEN_STYLE.pattern
    assert spam._HIDDEN_STYLE_LOWER.pattern == pattern and pattern == pattern.lower()
    letters = set(re.sub(r"\\.", "", pattern)) & set("abcdefghijklmnopqrstuvwxyz")
    for atom in [*sorted(letters), r"\d", r"\s", ":", ";", "-", "%", "!", "0", r"\."]:
        folded = {m.start() for m in re.finditer(atom, text, re.I)}
        assert folded == {m.start() for m in re.finditer(atom, low)}, atom


STYLE_PIECES = ["display", "DISPLAY", "Display", ":", " ", "none", "NONE", "visibility", "hıdden", "hİdden"]
STYLE_PIECES += [
    "hidden",
    "left",
    "TOP",
    "-999px",
    "width",
    "Height",
    "0",
    "px",
    ";",
    "!important",
    "opacity",
]
STYLE_PIECES += ["0.0", "font-size", "ſ", "K", "color:red"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(STYLE_PIECES), max_size=8))
def test_hidden_style_as_the_folding_pattern(pieces: list[str]) -> None:
    style = "".join(pieces)
    assert spam.hidden_style(style) == bool(spam._HIDDEN_STYLE.search(style))


@settings(max_examples=800, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "来源：新华网",
                " 来源：新华网",
                "来源：新华网\u3000",
                "",
                " ",
                "x" * 301,
                " " + "x" * 300,
                "正文。",
            ]
        )
    )
)
def test_lines_to_read_as_cleaning_each_line(lines: list[str]) -> None:
    # read_lines leaves a line given again before cleaning it: the cleaned line would be one seen already.
    cleaned = dict.fromkeys(clean(line) for line in lines)
    assert list(meta._lines_to_read(lines)) == [line for line in cleaned if line and len(line) <= 300]


def _read_parsing_every_line(lines: list[str]) -> meta.Fields:
    """meta.read_lines as it was before it checked for a label before parsing a line: every line parsed."""
    fields = meta.Fields()
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(meta, "_field_possible", lambda line: True)
        meta.read_lines(lines, fields)
    return fields


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.lists(st.sampled_from([*LABEL_PIECES, "张三", "的。", "(12)", "次浏览"]), max_size=6)))
def test_read_lines_as_parsing_every_line(lines: list[list[str]]) -> None:
    texts = ["".join(pieces) for pieces in lines]
    fields = meta.Fields()
    meta.read_lines(texts, fields)
    assert fields == _read_parsing_every_line(texts)


def test_views_check_lists_every_word_first_character() -> None:
    # A match holds a word of the first alternative (its start) or of the second's ending.
    first_alt, second_alt = sre_parse.parse(meta._VIEWS_INLINE.pattern)[0][1][1]
    firsts = _first_chars(list(first_alt)) | _first_chars([list(second_alt)[-1]])
    assert set(meta._VIEWS_WORD_FIRST.pattern.strip("[]")) == firsts
    assert meta._VIEWS_WORD_FIRST.flags == meta._VIEWS_INLINE.flags


@settings(max_examples=800, deadline=None)
@given(
    st.lists(
        st.sampled_from([*LABEL_PIECES, "12", "1,234", "次浏览", "人阅读", "阅读(", ")", "（"]), max_size=8
    )
)
def test_views_check_never_hides_a_count(pieces: list[str]) -> None:
    line = "".join(pieces)
    if meta._VIEWS_INLINE.search(line):
        assert meta._VIEWS_WORD_FIRST.search(line)


def test_markup_residue_needs_an_equals_sign() -> None:
    # read_lines looks for a broken tag's attribute only in values holding "=", which the pattern requires.
    items = list(sre_parse.parse(meta._MARKUP_RESIDUE.pattern))
    assert (sre_parse.LITERAL, ord("=")) in items
