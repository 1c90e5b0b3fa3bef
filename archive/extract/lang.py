"""The article's language: zh-Hans or zh-Hant by which OpenCC conversion changes the text, else by script.

The ``<html lang>`` attribute is only a hint: Chinese CMS templates often say ``zh-CN`` over Traditional text.
"""

from __future__ import annotations

import operator
import re
from collections import Counter
from functools import lru_cache
from typing import Any

from archive.extract.text import han_count, visible_len

_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN_CHAR = re.compile(r"[\u3400-\u9fff]")
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


def chinese_script(text: str) -> str:
    """``zh-Hant`` when converting to Simplified changes more characters than converting to Traditional."""
    # 600 Han characters tell the scripts apart (a Traditional text changes ~1 in 6 under t2s); more only costs.
    sample = "".join(_HAN_CHAR.findall(text[:2000]))[:600]
    if not sample:
        return "zh-Hans"
    to_s = _converter("t2s").convert(sample)
    to_t = _converter("s2t").convert(sample)
    # Position by position, up to the shorter string (map stops there like zip); counted in C.
    changed_by_t2s = sum(map(operator.ne, sample, to_s))
    changed_by_s2t = sum(map(operator.ne, sample, to_t))
    return "zh-Hant" if changed_by_t2s > changed_by_s2t else "zh-Hans"


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
    if han_count(sample) * 5 > total:
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
