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


def opencc_t2s(text: str) -> str:
    """``text`` converted by OpenCC ``t2s`` itself."""
    return str(converter().convert(text))


def to_simplified_uncached(text: str) -> str:
    """``text`` converted by OpenCC ``t2s``; for pieces of a text (a line, a character), which would push
    whole texts out of :func:`to_simplified`'s cache.

    From its tables where they settle the conversion (see :class:`_FastT2S`), else by OpenCC itself."""
    fast = _fast_t2s() if len(text) >= _FAST_FROM else None
    return opencc_t2s(text) if fast is None else fast.convert(text)


# Shorter texts (headlines) are converted by OpenCC: its call costs about 1 µs and 25 ns a character, the fast
# path about 4 µs a text (equal at about 100 characters, when both run warm, as they do in the ingest path,
# which converts a batch's texts together).
_FAST_FROM = 64


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
    # The ufunc itself: ndarray.max's wrapper costs 0.5 µs more, three times per article in the writer.
    if not codes.size or int(np.maximum.reduce(codes)) < TABLE_END:
        return table[codes]
    out = table[np.minimum(codes, TABLE_END - 1)]
    far = np.flatnonzero(codes >= TABLE_END)
    out[far] = [beyond(chr(c)) for c in codes[far].tolist()]
    return out


def alnum_mask(codes: np.ndarray) -> np.ndarray:
    """``chr(c).isalnum()`` for each code point of ``codes``."""
    return table_lookup(alnum_table(), codes, str.isalnum)


# Characters OpenCC 1.4 handles itself besides its dictionaries (its UTF8Util.hpp parses ideographic
# description sequences, an operator U+2FF0..U+2FFF and its operands, and looks for variation selectors);
# a lone surrogate cannot even be encoded for it. A text holding one goes to OpenCC whole.
_OPENCC_SPECIAL = ((0x2FF0, 0x2FFF), (0xD800, 0xDFFF), (0xFE00, 0xFE0F), (0xE0100, 0xE01EF))


def plain_for_opencc(char: str) -> bool:
    """Whether OpenCC converts ``char`` through its dictionaries only (not one of :data:`_OPENCC_SPECIAL`)."""
    return not any(lo <= ord(char) <= hi for lo, hi in _OPENCC_SPECIAL)


# Bits of _FastT2S.kinds, per code point.
_CHANGES, _STARTS_PHRASE, _TO_OPENCC = np.uint8(1), np.uint8(2), np.uint8(4)
_PAIR_SHIFT = 21  # code points have 21 bits: a pair of them as one integer
# Up to this many characters that may start a phrase, their pairs are looked up one by one (0.15 µs each);
# beyond, all at once (about 4 µs).
_LOOKED_UP_ONE_BY_ONE = 24


class _FastT2S:
    """OpenCC ``t2s``, character by character from a table except where one of its phrases may stand.

    OpenCC converts a text by greedy longest match over its dictionaries' keys, after a pre-pass that
    normalizes compatibility ideographs. Where no key of two or more characters (only TSPhrases has any, 477
    in OpenCC 1.4.2) covers a character, the match there is the character alone, converted as it is when
    it stands alone (``t2s_tables.CHANGED`` -> ``SIMPLIFIED``). And a boundary no such key occurrence
    straddles is one the greedy match reaches in any case, so the text on either side converts as it would
    alone: each stretch where a phrase may stand (from a pair of characters that starts one, as long as the
    longest phrase starting with that pair) is converted by OpenCC alone. Every key converts to as many
    characters as it has, so positions stay put. A text holding a character of the pre-pass, one OpenCC treats specially
    (:data:`_OPENCC_SPECIAL`) or one past the table goes to OpenCC whole.

    Why: OpenCC took about 0.07 ms of the archive writer's CPU per page on the crawl benchmark's pages when
    it ran between SQLite's work, cold in the CPU's caches; with this, bench/writer.py measured about 0.05 ms
    less per page. Now that the ingest path converts a batch's texts together (ingest._fingerprint_all),
    this still saves about 0.03 ms per page (in-process A/B, 6 rounds, noisy). tests/test_simplified.py
    holds it to OpenCC's output on generated text and the tables to the installed OpenCC; it also gave
    OpenCC's output on all 292 real pages of the team's measuring set (titles, bodies, whole pages, in
    either script).
    """

    def __init__(self, changed: str, simplified: str, phrases: list[str], normalized: str) -> None:
        self.mapping = np.arange(TABLE_END, dtype=np.uint32)
        self.mapping[code_points(changed)] = code_points(simplified)
        kinds = np.zeros(TABLE_END, dtype=np.uint8)
        kinds[code_points(changed)] |= _CHANGES
        kinds[[ord(p[0]) for p in phrases]] |= _STARTS_PHRASE
        kinds[code_points(normalized)] |= _TO_OPENCC
        for lo, hi in _OPENCC_SPECIAL:
            kinds[lo : min(hi + 1, TABLE_END)] |= _TO_OPENCC
        kinds[TABLE_END - 1] |= _TO_OPENCC  # unassigned; where convert() looks up the code points beyond
        self.kinds = kinds
        longest: dict[int, int] = {}  # the first two characters of phrases -> the longest such phrase
        for phrase in phrases:
            pair = ord(phrase[0]) << _PAIR_SHIFT | ord(phrase[1])
            longest[pair] = max(longest.get(pair, 0), len(phrase))
        self.longest_by_pair = {chr(p >> _PAIR_SHIFT) + chr(p & 0x1FFFFF): n for p, n in longest.items()}
        self.pairs = np.array(sorted(longest), dtype=np.uint64)
        self.longest = np.array([longest[p] for p in sorted(longest)], dtype=np.intp)

    def convert(self, text: str) -> str:
        codes = code_points(text)
        if not codes.size:
            return text
        # Past the table's end: its last entry, one that goes to OpenCC (no character is assigned there).
        kinds = self.kinds.take(codes, mode="clip")
        found = int(np.bitwise_or.reduce(kinds))
        if found & _TO_OPENCC:
            return opencc_t2s(text)
        out = self.mapping.take(codes).tobytes().decode("utf-32-le") if found & _CHANGES else text
        if not found & _STARTS_PHRASE:
            return out
        parts: list[str] = []
        done = 0
        for start, end in self._phrase_stretches(text, codes, kinds):
            stretch = opencc_t2s(text[start:end])
            if len(stretch) != end - start:  # never with the tables' dictionaries (the builder checks)
                return opencc_t2s(text)
            parts += (out[done:start], stretch)
            done = end
        if not parts:
            return out
        parts.append(out[done:])
        return "".join(parts)

    def _phrase_stretches(self, text: str, codes: np.ndarray, kinds: np.ndarray) -> list[tuple[int, int]]:
        """The stretches of the text where a phrase may stand, merged where they overlap, in order."""
        starts = np.flatnonzero(np.bitwise_and(kinds[:-1], _STARTS_PHRASE))
        if len(starts) <= _LOOKED_UP_ONE_BY_ONE:
            longest = self.longest_by_pair
            found = [(j, n) for j in starts.tolist() if (n := longest.get(text[j : j + 2]))]
        else:
            pairs = codes[starts].astype(np.uint64) << np.uint64(_PAIR_SHIFT) | codes[starts + 1]
            at = np.minimum(np.searchsorted(self.pairs, pairs), len(self.pairs) - 1)
            hit = self.pairs[at] == pairs
            found = list(zip(starts[hit].tolist(), self.longest[at[hit]].tolist(), strict=True))
        stretches: list[tuple[int, int]] = []
        size = len(codes)
        for start, length in found:
            end = min(start + length, size)
            if stretches and start < stretches[-1][1]:
                stretches[-1] = (stretches[-1][0], max(stretches[-1][1], end))
            else:
                stretches.append((start, end))
        return stretches


@lru_cache(maxsize=1)
def _fast_t2s() -> _FastT2S | None:
    """The fast path, or None when its tables were made for another OpenCC than the one installed."""
    import opencc

    from archive import t2s_tables as t

    if opencc.__version__ != t.OPENCC_VERSION:
        return None
    return _FastT2S(t.CHANGED, t.SIMPLIFIED, t.PHRASES.split(" "), t.NORMALIZED)
