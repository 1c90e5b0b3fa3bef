"""lang.chinese_script counts from OpenCC's character tables instead of converting: same decision, always.

The reference is chinese_script_by_conversion (run both OpenCC conversions and compare how many positions
each changes). Samples are built to be hard: both scripts mixed, and text made of the very phrases whose
conversion differs from their characters' (the only places the tables cannot settle a position alone).
"""

from __future__ import annotations

import operator
import random
from collections import Counter
from pathlib import Path

import opencc
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from archive.extract import lang, zh_chars
from archive.extract import zh_chars_build as build
from archive.extract.text import han_count, visible_len

FIXTURES = Path(__file__).parent / "fixtures" / "pages"
T2S, S2T = opencc.OpenCC("t2s"), opencc.OpenCC("s2t")


def _pairs(concatenated: str) -> list[str]:
    return [concatenated[i : i + 2] for i in range(0, len(concatenated), 2)]


PHRASE_PAIRS = _pairs(zh_chars.S2T_BIGRAMS) + _pairs(zh_chars.T2S_BIGRAMS)


def _page_texts() -> list[str]:
    texts = []
    for path in sorted(FIXTURES.glob("*/*.html")):
        text = path.read_bytes().decode("utf-8", "ignore")
        sample = lang._han_sample(text[-8000:])
        if sample:
            texts.append(sample)
    return texts


PAGES = _page_texts()
# The characters either conversion changes or may change, and those of real pages.
CHARS = sorted(
    set(
        zh_chars.T2S_CHANGED
        + zh_chars.S2T_CHANGED
        + zh_chars.T2S_UNSURE
        + zh_chars.S2T_UNSURE
        + "".join(PAGES)
    )
)


def _samples(rng: random.Random, count: int) -> list[str]:
    pages = PAGES or ["这是一篇简体中文的新闻稿件记者在现场了解到有关情况"]
    out = []
    for i in range(count):
        n = rng.randint(1, 700)
        kind = i % 5
        if kind == 0:
            s = "".join(rng.choice(CHARS) for _ in range(n))
        elif kind == 1:
            s = rng.choice((T2S, S2T)).convert(rng.choice(pages))
        elif kind == 2:  # half Simplified, half Traditional, position by position
            a = rng.choice(pages)
            b = S2T.convert(a)
            s = "".join(rng.choice(pair) for pair in zip(a, b, strict=True))
        else:  # dense in the phrases that convert characters unlike alone, in either script
            s = "".join(
                rng.choice(PHRASE_PAIRS) + (rng.choice(CHARS) if rng.random() < 0.3 else "")
                for _ in range(n // 2)
            )
            if kind == 4:
                s = S2T.convert(s)
        out.append(lang._han_sample(s))
    return [s for s in out if s]


def _true_count(converter: opencc.OpenCC, sample: str) -> int:
    return sum(map(operator.ne, sample, converter.convert(sample)))


def test_decision_is_the_conversions_on_hard_samples() -> None:
    rng = random.Random(4)
    conversions = lang._conversions()
    assert conversions is not None, "zh_chars.py was built for another OpenCC: rebuild it"
    samples = _samples(rng, 1500)
    for sample in samples:
        assert lang.chinese_script(sample) == lang.chinese_script_by_conversion(sample), sample
        # The tables' range always holds the conversion's true count.
        for conversion, converter in zip(conversions, (T2S, S2T), strict=True):
            low, high = conversion.changed_range(sample)
            assert low <= _true_count(converter, sample) <= high, (conversion.config, sample)
    # The samples reach both answers and the cases the tables leave to the conversions.
    decisions = {lang.chinese_script(s) for s in samples}
    assert decisions == {"zh-Hans", "zh-Hant"}
    assert any(
        conversions[0].changed_range(s)[0] != conversions[0].changed_range(s)[1]
        or conversions[1].changed_range(s)[0] != conversions[1].changed_range(s)[1]
        for s in samples
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(CHARS + PHRASE_PAIRS), min_size=1, max_size=300))
def test_decision_is_the_conversions_on_generated_text(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert lang.chinese_script(text) == lang.chinese_script_by_conversion(text)


def test_everyday_text() -> None:
    simplified = "国务院新闻办公室今天举行发布会，介绍经济发展情况。记者从会上了解到，头发和公里数都有变化。"
    assert lang.chinese_script(simplified) == "zh-Hans"
    assert lang.chinese_script(S2T.convert(simplified)) == "zh-Hant"
    assert lang.chinese_script("English only") == "zh-Hans"


def test_tables_for_another_opencc_are_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zh_chars, "OPENCC_VERSION", "0.0")
    lang._conversions.cache_clear()
    try:
        assert lang._conversions() is None
        traditional = S2T.convert("国务院新闻办公室今天举行发布会，介绍经济发展情况。")
        assert lang.chinese_script(traditional) == "zh-Hant"
    finally:
        monkeypatch.undo()
        lang._conversions.cache_clear()
    assert lang._conversions() is not None


def test_tables_are_those_of_the_installed_opencc() -> None:
    if not (build._opencc_dir() / "bin" / "opencc_dict").exists():
        pytest.skip("this OpenCC package ships no opencc_dict tool to read its dictionaries with")
    assert zh_chars.OPENCC_VERSION == opencc.__version__
    for config, prefix in (("t2s", "T2S"), ("s2t", "S2T")):
        tables = build.build(config)
        assert tables.changed == getattr(zh_chars, f"{prefix}_CHANGED")
        assert tables.unsure == getattr(zh_chars, f"{prefix}_UNSURE")
        assert "".join(tables.bigrams) == getattr(zh_chars, f"{prefix}_BIGRAMS")


def _detect_counting_han_twice(text: str, html_lang: str | None) -> str | None:
    """lang.detect as it was before a short sample's Han runs served both the count and the script sample."""
    sample = text[:5000]
    total = visible_len(sample)
    if not total:
        hint = (html_lang or "").strip().lower()
        return hint.split("-")[0] or None if hint else None
    if len(lang._KANA.findall(sample)) * 20 > total:
        return "ja"
    if len(lang._HANGUL.findall(sample)) * 4 > total:
        return "ko"
    if han_count(sample) * 5 > total:
        return lang.chinese_script(sample)
    if len(lang._CYRILLIC.findall(sample)) * 3 > total:
        return (html_lang or "ru").split("-")[0].lower()
    if len(lang._ARABIC.findall(sample)) * 3 > total:
        return (html_lang or "ar").split("-")[0].lower()
    words = Counter(map(str.lower, lang._LATIN_WORD.findall(sample)))
    if words:
        best, hits = "en", 0
        for code, stop in lang._STOPWORDS.items():
            n = sum(words[w] for w in stop)
            if n > hits:
                best, hits = code, n
        if hits:
            return best
    hint = (html_lang or "").strip().lower()
    return hint.split("-")[0] if hint else None


# Han characters of both scripts, alone and in runs of each, compatibility ideographs (counted as Han, never
# sampled) and other scripts, at lengths around the 2,000 characters whose Han runs make the script sample.
SIMPLIFIED = "国务院新闻办公室今天举行发布会介绍经济发展情况记者从会上了解到" * 40
DETECT_PIECES = [
    *CHARS[:100],
    SIMPLIFIED,
    S2T.convert(SIMPLIFIED),
    "\uf900",
    "\ufa0e",
    "\ufaff",
    "か",
    "한",
    "слово",
    "the word",
    " ",
    "，",
    "x" * 400,
    "x" * 1700,
]


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(DETECT_PIECES), max_size=12), st.sampled_from([1, 3]))
@example(["x" * 1950, SIMPLIFIED[:50], S2T.convert(SIMPLIFIED)[:1000]], 1)  # Traditional only past 2,000
def test_detect_as_counting_han_characters_twice(pieces: list[str], repeat: int) -> None:
    text = "".join(pieces) * repeat
    assert lang.detect(text, None) == _detect_counting_han_twice(text, None)
