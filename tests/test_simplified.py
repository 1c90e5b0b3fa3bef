"""The fast path of Traditional -> Simplified (archive.simplified._FastT2S) converts exactly as OpenCC t2s.

Its output goes into content hashes, band keys and search index entries, so it must equal OpenCC's for every
input: generated text dense in the characters of OpenCC's phrases (whole phrases, their beginnings, phrases
overlapping), in the characters t2s changes, across the CJK ranges, with the characters that send a text to
OpenCC whole; and its tables must be those of the installed OpenCC.
"""

from __future__ import annotations

import random
from pathlib import Path

import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive import simplified, t2s_tables
from archive import t2s_tables_build as build

T2S = opencc.OpenCC("t2s")
S2T = opencc.OpenCC("s2t")
PHRASES = t2s_tables.PHRASES.split(" ")
PHRASE_CHARS = sorted(set("".join(PHRASES)))
# What t2s changes alone, less the compatibility ideographs (its normalization pre-pass changes those).
CHANGED = [c for c in t2s_tables.CHANGED if c not in t2s_tables.NORMALIZED]
EVERYDAY = "国务院新闻办公室今天举行发布会，介绍经济发展情况。记者从会上了解到，头发和公里数都有变化。"
# Characters OpenCC's pre-pass normalizes, treats specially, or that lie past the fast path's table.
TO_OPENCC = [t2s_tables.NORMALIZED[0], t2s_tables.NORMALIZED[-1], "\u2ff0", "\u2ff2", "\ufe00", "\U000e0100"]
TO_OPENCC += ["\U00031350", "\U0010fffd"]
TO_OPENCC_WHOLE = frozenset(
    c
    for c in map(chr, range(0x110000))
    if not simplified.plain_for_opencc(c) or ord(c) >= simplified.TABLE_END - 1
) | frozenset(t2s_tables.NORMALIZED)


def fast() -> simplified._FastT2S:
    converter = simplified._fast_t2s()
    assert converter is not None, "t2s_tables.py was built for another OpenCC: rebuild it"
    return converter


def _piece(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.25:  # a phrase, or its beginning (a stretch the fast path sends to OpenCC for nothing)
        phrase = rng.choice(PHRASES)
        return phrase[: rng.randint(1, len(phrase))]
    if r < 0.5:
        return rng.choice(PHRASE_CHARS)
    if r < 0.65:
        return rng.choice(CHANGED)
    if r < 0.8:
        return chr(rng.randint(0x4E00, 0x9FFF))
    if r < 0.85:
        return chr(rng.randint(0x3400, 0x4DBF))
    if r < 0.88:
        return chr(rng.randint(0x20000, 0x3134A))
    if r < 0.995:
        return rng.choice(" \n\t，。、：；？！“”《》（）abcXYZ0123456789")
    return chr(rng.randint(0, 0x10FFFF if rng.random() < 0.05 else 0x3134A))


def _text(rng: random.Random) -> str:
    n = rng.choice((1, 2, 10, 64, 100, 300, 1500))
    text = "".join(_piece(rng) for _ in range(n))
    return "".join(c for c in text if not 0xD800 <= ord(c) < 0xE000)  # OpenCC cannot take lone surrogates


def test_fast_path_is_opencc_on_generated_text() -> None:
    rng = random.Random(7)
    converter = fast()
    to_opencc = 0
    for _ in range(4000):
        text = _text(rng)
        assert converter.convert(text) == T2S.convert(text), text
        to_opencc += any(c in TO_OPENCC_WHOLE for c in text)
    assert to_opencc < 800  # most texts were converted by the fast path itself


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(PHRASES + PHRASE_CHARS + list("乾隆年間一目瞭然，\n")), min_size=1, max_size=200)
)
def test_fast_path_is_opencc_on_phrases(pieces: list[str]) -> None:
    """Phrases next to and inside each other: stretches overlapping, at the start and end of the text."""
    text = "".join(pieces)
    assert fast().convert(text) == T2S.convert(text)


def test_both_ways_of_finding_phrases() -> None:
    """Few characters that may start a phrase are looked up one by one, many all at once: both agree."""
    rng = random.Random(3)
    few = simplified._LOOKED_UP_ONE_BY_ONE
    for count in (0, 1, few, few + 1, 5 * few):
        for _ in range(50):
            text = "".join(rng.choice(PHRASES) + rng.choice(CHANGED) for _ in range(count))
            text += S2T.convert(EVERYDAY)
            assert fast().convert(text) == T2S.convert(text)


def test_texts_left_to_opencc() -> None:
    """A character of the normalization pre-pass, an ideographic description sequence, a variation selector,
    a code point past the table: the whole text goes to OpenCC, which alone knows what it does with them."""
    for char in TO_OPENCC:
        for text in (char + "乾隆年間" * 20, "乾" + char + "隆" + EVERYDAY, S2T.convert(EVERYDAY) + char):
            assert fast().convert(text) == T2S.convert(text)
    assert fast().convert("") == T2S.convert("")
    with pytest.raises(UnicodeEncodeError):
        simplified.to_simplified_uncached("\ud800" * simplified._FAST_FROM)


def test_every_character_alone_and_in_a_row() -> None:
    every = "".join(chr(c) for c in range(0x31350) if not 0xD800 <= c < 0xE000)
    assert fast().convert(every) == T2S.convert(every)
    plain = "".join(c for c in every if simplified.plain_for_opencc(c) and c not in t2s_tables.NORMALIZED)
    assert fast().convert(plain) == T2S.convert(plain)
    assert all(fast().convert(c * 2) == T2S.convert(c * 2) for c in t2s_tables.CHANGED)


def test_to_simplified_uses_the_fast_path_from_its_length(monkeypatch: pytest.MonkeyPatch) -> None:
    traditional = S2T.convert(EVERYDAY) * 3
    calls: list[str] = []
    monkeypatch.setattr(simplified, "opencc_t2s", lambda text: calls.append(text) or T2S.convert(text))
    assert simplified.to_simplified_uncached(traditional) == T2S.convert(traditional)
    assert all(len(c) < 10 for c in calls)  # only stretches where a phrase may stand
    short = traditional[: simplified._FAST_FROM - 1]
    assert simplified.to_simplified_uncached(short) == T2S.convert(short)
    assert calls[-1] == short


def test_tables_for_another_opencc_are_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(t2s_tables, "OPENCC_VERSION", "0.0")
    simplified._fast_t2s.cache_clear()
    try:
        assert simplified._fast_t2s() is None
        traditional = S2T.convert(EVERYDAY) * 3
        assert simplified.to_simplified_uncached(traditional) == T2S.convert(traditional)
    finally:
        monkeypatch.undo()
        simplified._fast_t2s.cache_clear()
    assert simplified._fast_t2s() is not None


def test_tables_are_those_of_the_installed_opencc() -> None:
    tool = Path(opencc.__file__).parent / "clib" / "bin" / "opencc_dict"
    if not tool.exists():
        pytest.skip("this OpenCC package ships no opencc_dict tool to read its dictionaries with")
    assert t2s_tables.OPENCC_VERSION == opencc.__version__
    assert build.render() == build.OUTPUT.read_text(encoding="utf-8")
