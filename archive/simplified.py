"""Traditional -> Simplified Chinese (OpenCC ``t2s``) and NFKC, with the last few texts remembered; and the
table of word characters that deduplication and the search index both filter by.

Why a shared cache: the ingest path converts the same title and body once for deduplication
(:func:`archive.dedup.normalize_text`) and again for the search index (:func:`archive.search.fold`), and an
OpenCC conversion of an article's body costs more than hashing it for a dictionary lookup. Only whole texts go
into the caches: pieces converted one line or one character at a time (:func:`nfkc_each_char`) would push a
batch's bodies out before the search index reads them again.

Every function here returns exactly what the plain library call returns (``unicodedata.normalize``,
``str.isalnum``): their results end up in persisted content hashes, band keys and search index entries
(tests/test_text_identity.py pins them against plain reference implementations).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np


@lru_cache(maxsize=1)
def converter() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


# Enough for a whole ingest batch (200 pages by default: a title and a body each), since dedup folds a page's
# text when it is applied and the search index only at the end of the batch; about 10 MB at most.
_REMEMBERED = 512

# Code points whose NFKC form was looked for one by one (the rest of the BMP is CJK ideographs, Hangul
# syllables, surrogates and private use, which NFKC leaves alone); the supplementary planes are matched whole.
_SCANNED = ((0x0000, 0x3400), (0xA000, 0xAC00), (0xD7B0, 0xD800), (0xF900, 0x10000))


@lru_cache(maxsize=1)
def _nfkc_changes() -> re.Pattern[str]:
    """One character that NFKC may change on its own (a few milliseconds to build, once per process)."""
    ranges: list[tuple[int, int]] = []
    for lo, hi in _SCANNED:
        for code in range(lo, hi):
            char = chr(code)
            if unicodedata.normalize("NFKC", char) != char:
                if ranges and ranges[-1][1] == code - 1:
                    ranges[-1] = (ranges[-1][0], code)
                else:
                    ranges.append((code, code))
    ranges.append((0x10000, 0x10FFFF))
    return re.compile("[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges) + "]")


_CHAR_NFKC: dict[str, str] = {}


def _one_char_nfkc(char: str) -> str:
    out = _CHAR_NFKC.get(char)
    if out is None:
        out = unicodedata.normalize("NFKC", char)
        if len(_CHAR_NFKC) < _CHARS_REMEMBERED:  # bounded: the supplementary planes are matched whole
            _CHAR_NFKC[char] = out
    return out


_CHARS_REMEMBERED = 10_000


def _char_nfkc(match: re.Match[str]) -> str:
    return _one_char_nfkc(match.group())


# The full-width punctuation of Chinese text (the comma alone is four in five of what NFKC changes there).
_COMMON_CHANGES = [(c, unicodedata.normalize("NFKC", c)) for c in "，：；（）？！"]


def nfkc_uncached(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, in a fraction of its time on Chinese text.

    CPython normalizes a whole text (decompose, reorder, compose: about 0.13 µs a character) as soon as one
    character in it is not in NFKC already, and every Chinese article has some: the full-width comma, the
    ideographic space. Replacing each such character by its own NFKC form first leaves the result unchanged
    (a character and its NFKC form have the same compatibility decomposition, so the text's NFKD, and thus
    its NFKC, is the same), and the final call then usually only checks the text.
    """
    if unicodedata.is_normalized("NFKC", text):
        return text
    for full_width, ascii_form in _COMMON_CHANGES:  # str.replace: no call per occurrence
        text = text.replace(full_width, ascii_form)
    return unicodedata.normalize("NFKC", _nfkc_changes().sub(_char_nfkc, text))


@lru_cache(maxsize=_REMEMBERED)
def nfkc(text: str) -> str:
    """``text`` in Unicode NFKC (remembered for the same reason: dedup and the search index both fold)."""
    return nfkc_uncached(text)


def _single_char_nfkc(match: re.Match[str]) -> str:
    char = match.group()
    out = _one_char_nfkc(char)
    return out if len(out) == 1 else char


def nfkc_each_char(text: str) -> str:
    """Every character of ``text`` replaced by its own NFKC form where that is one character, else kept.

    What the search index's folding falls back to where NFKC would change a line's length. Not remembered.
    """
    return _nfkc_changes().sub(_single_char_nfkc, text)


def to_simplified_uncached(text: str) -> str:
    """``text`` converted by OpenCC ``t2s``; for pieces of a text (a line, a character), which would push
    whole texts out of :func:`to_simplified`'s cache."""
    return str(converter().convert(text))


@lru_cache(maxsize=_REMEMBERED)
def to_simplified(text: str) -> str:
    """``text`` converted by OpenCC ``t2s``, the last few texts remembered."""
    return to_simplified_uncached(text)


# Code points below this are looked up in tables (:func:`alnum_table`, and dedup's and the search index's own):
# the Basic Multilingual Plane and the supplementary planes up to the end of CJK Extension H, whose characters
# Simplified Chinese text does contain (OpenCC writes some Simplified forms there). The rest (tags, variation
# selectors, private use) is looked up one character at a time.
TABLE_END = 0x31350


@lru_cache(maxsize=1)
def alnum_table() -> np.ndarray:
    """For each code point c below :data:`TABLE_END`: whether it is a word character other than ``_``
    (what ``[^\\W_]`` matches, which is ``chr(c).isalnum()``), as a bool array.

    Looked up for a whole text at once: a regular expression substitution costs about 0.3 µs for each run of
    punctuation or spaces it removes. Built from the regular expression itself (a few milliseconds).
    """
    every = np.arange(TABLE_END, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    table = np.zeros(TABLE_END, dtype=bool)
    for run in _WORD_RUN.finditer(every):
        table[run.start() : run.end()] = True
    return table


_WORD_RUN = re.compile(r"[^\W_]+")


def code_points(text: str) -> np.ndarray:
    """The code points of ``text`` as uint32 (a lone surrogate as its own value)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def table_lookup(table: np.ndarray, codes: np.ndarray, beyond: Callable[[str], Any]) -> np.ndarray:
    """``table[c]`` for each code point ``c`` of ``codes``, and ``beyond(chr(c))`` for the rare one at or
    above :data:`TABLE_END`, past the table's end."""
    if not codes.size or int(codes.max()) < TABLE_END:
        return table[codes]
    out = table[np.minimum(codes, TABLE_END - 1)]
    far = np.flatnonzero(codes >= TABLE_END)
    out[far] = [beyond(chr(c)) for c in codes[far].tolist()]
    return out


def alnum_mask(codes: np.ndarray) -> np.ndarray:
    """``chr(c).isalnum()`` for each code point of ``codes``."""
    return table_lookup(alnum_table(), codes, str.isalnum)
