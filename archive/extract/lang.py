"""The article's language: zh-Hans or zh-Hant by which OpenCC conversion changes the text, else by script.

The ``<html lang>`` attribute is only a hint: Chinese CMS templates often say ``zh-CN`` over Traditional text.

How many characters each conversion would change is counted from OpenCC's own character tables
(archive/extract/zh_chars.py) where they settle the decision, which is nearly always; only where phrases could
tip it are the conversions run. The decision is the same either way.
"""

from __future__ import annotations

import operator
import re
from collections import Counter
from functools import lru_cache
from typing import Any

from archive.extract.text import han_count, visible_len

_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
# The CJK compatibility ideographs, which text.han_count counts as Han beside _HAN_RUN's characters.
_COMPAT_HAN = re.compile(r"[\uf900-\ufaff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_LATIN_WORD = re.compile(r"[A-Za-zÀ-ÿ]+")
_STOPWORDS = {
    "en": {
        "the",
        "and",
        "of",
        "to",
        "in",
        "is",
        "that",
        "for",
        "was",
        "with",
        "on",
        "it",
        "as",
        "he",
        "said",
    },
    "de": {"der", "die", "und", "das", "ist", "nicht", "mit", "den", "von", "sich", "auf", "ein", "eine"},
    "fr": {"le", "la", "les", "et", "des", "est", "une", "un", "dans", "pour", "que", "qui", "du", "pas"},
    "es": {"el", "la", "los", "las", "y", "que", "del", "en", "por", "una", "para", "con", "se", "es"},
    "pt": {"o", "a", "os", "as", "que", "do", "da", "em", "para", "com", "um", "uma", "não", "é"},
    "id": {
        "yang",
        "dan",
        "di",
        "ini",
        "itu",
        "dengan",
        "untuk",
        "tidak",
        "dari",
        "dalam",
        "akan",
        "pada",
        "juga",
    },
    "it": {"il", "la", "che", "di", "e", "per", "un", "una", "non", "sono", "della", "del", "gli"},
}


@lru_cache(maxsize=2)
def _converter(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


def _han_sample(text: str) -> str:
    # 600 Han characters tell the scripts apart (a Traditional text changes ~1 in 6 under t2s); more only costs.
    # Runs of Han characters joined are the Han characters joined (fewer, longer matches).
    return "".join(_HAN_RUN.findall(text[:2000]))[:600]


def _changed_by(config: str, sample: str) -> int:
    """Positions of ``sample`` that OpenCC's ``config`` conversion changes."""
    converted = _converter(config).convert(sample)
    # Position by position, up to the shorter string (map stops there like zip); counted in C.
    return sum(map(operator.ne, sample, converted))


def chinese_script_by_conversion(text: str) -> str:
    """``zh-Hant`` when converting to Simplified changes more characters than converting to Traditional."""
    return _script_by_conversion(_han_sample(text))


def _script_by_conversion(sample: str) -> str:
    if not sample:
        return "zh-Hans"
    return "zh-Hant" if _changed_by("t2s", sample) > _changed_by("s2t", sample) else "zh-Hans"


class _Conversion:
    """What one OpenCC conversion does to the sampled characters, from its tables (zh_chars)."""

    def __init__(self, config: str, changed: str, unsure: str, bigrams: str) -> None:
        self.config = config
        self.changed = frozenset(changed)
        self._changed = re.compile(f"[{changed}]") if changed else None
        self._unsure = re.compile(f"[{unsure}]") if unsure else None
        self._bigrams = frozenset(bigrams[i : i + 2] for i in range(0, len(bigrams), 2))

    def changed_range(self, sample: str) -> tuple[int, int]:
        """The fewest and the most positions of ``sample`` the conversion can change (equal when exact)."""
        n = len(self._changed.findall(sample)) if self._changed is not None else 0
        low = high = n
        bigrams = self._bigrams
        for m in self._unsure.finditer(sample) if self._unsure is not None else ():
            i = m.start()
            if sample[max(i - 1, 0) : i + 1] in bigrams or sample[i : i + 2] in bigrams:
                # A phrase may stand here that converts this character unlike alone: either way.
                if m.group() in self.changed:
                    low -= 1
                else:
                    high += 1
        return low, high


@lru_cache(maxsize=1)
def _conversions() -> tuple[_Conversion, _Conversion] | None:
    """The t2s and s2t tables, or None when they were made for another OpenCC than the one installed."""
    import opencc

    from archive.extract import zh_chars as z

    if opencc.__version__ != z.OPENCC_VERSION:
        return None
    return (
        _Conversion("t2s", z.T2S_CHANGED, z.T2S_UNSURE, z.T2S_BIGRAMS),
        _Conversion("s2t", z.S2T_CHANGED, z.S2T_UNSURE, z.S2T_BIGRAMS),
    )


def chinese_script(text: str) -> str:
    """``zh-Hant`` when converting to Simplified changes more characters than converting to Traditional.

    Decides exactly as chinese_script_by_conversion, converting only when the tables leave it open.
    """
    return _script_of_sample(_han_sample(text))


def _script_of_sample(sample: str) -> str:
    """chinese_script of a text whose _han_sample is ``sample``."""
    conversions = _conversions()
    if conversions is None:
        return _script_by_conversion(sample)
    if not sample:
        return "zh-Hans"
    (t2s_low, t2s_high), (s2t_low, s2t_high) = (c.changed_range(sample) for c in conversions)
    if t2s_low > s2t_high:
        return "zh-Hant"
    if t2s_high <= s2t_low:
        return "zh-Hans"
    # Phrases may tip it: count exactly, by converting, whichever side the tables left open.
    t2s = t2s_low if t2s_low == t2s_high else _changed_by("t2s", sample)
    s2t = s2t_low if s2t_low == s2t_high else _changed_by("s2t", sample)
    return "zh-Hant" if t2s > s2t else "zh-Hans"


def detect(text: str, html_lang: str | None) -> str | None:
    sample = text[:5000]
    total = visible_len(sample)
    if not total:
        hint = (html_lang or "").strip().lower()
        return hint.split("-")[0] or None if hint else None
    if len(_KANA.findall(sample)) * 20 > total:
        return "ja"
    if len(_HANGUL.findall(sample)) * 4 > total:
        return "ko"
    if len(sample) <= 2000 and _COMPAT_HAN.search(sample) is None:
        # The Han characters han_count counts are then those of the runs _han_sample joins: one pass finds
        # both (a short body, the crawl benchmark's pages).
        runs = _HAN_RUN.findall(sample)
        if sum(map(len, runs)) * 5 > total:
            return _script_of_sample("".join(runs)[:600])
    elif han_count(sample) * 5 > total:
        return chinese_script(sample)
    if len(_CYRILLIC.findall(sample)) * 3 > total:
        return (html_lang or "ru").split("-")[0].lower()
    if len(_ARABIC.findall(sample)) * 3 > total:
        return (html_lang or "ar").split("-")[0].lower()
    words = Counter(map(str.lower, _LATIN_WORD.findall(sample)))
    if words:
        best, hits = "en", 0
        for lang, stop in _STOPWORDS.items():
            n = sum(words[w] for w in stop)  # occurrences of the language's stop words
            if n > hits:
                best, hits = lang, n
        if hits:
            return best
    hint = (html_lang or "").strip().lower()
    return hint.split("-")[0] if hint else None
