"""The article's language: zh-Hans or zh-Hant by which OpenCC conversion changes the text, else by script.

The ``<html lang>`` attribute is only a hint: Chinese CMS templates often say ``zh-CN`` over Traditional text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from archive.extract.text import han_count, visible_len

_KANA = re.compile(r"[\u3040-\u30ff]")
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
    sample = "".join(ch for ch in text[:2000] if "\u3400" <= ch <= "\u9fff")[:600]
    if not sample:
        return "zh-Hans"
    to_s = _converter("t2s").convert(sample)
    to_t = _converter("s2t").convert(sample)
    changed_by_t2s = sum(1 for a, b in zip(sample, to_s, strict=False) if a != b)
    changed_by_s2t = sum(1 for a, b in zip(sample, to_t, strict=False) if a != b)
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
    words = [w.lower() for w in _LATIN_WORD.findall(sample)]
    if words:
        best, hits = "en", 0
        for lang, stop in _STOPWORDS.items():
            n = sum(1 for w in words if w in stop)
            if n > hits:
                best, hits = lang, n
        if hits:
            return best
    hint = (html_lang or "").strip().lower()
    return hint.split("-")[0] if hint else None
