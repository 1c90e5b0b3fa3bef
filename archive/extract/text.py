"""Small text helpers shared by the extraction modules: whitespace, NFC, CJK detection, punctuation."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import TypeVar

T = TypeVar("T")

# Every kind of space a page uses for layout: NBSP, ideographic space (full-width indent), thin spaces, ZWSP.
_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
PUNCT = frozenset("，。！？；：、,.!?;:”“\"'）)（(」「』『《》")
SENTENCE_END = frozenset('。！？!?.…”"」』')


def clean(text: str | None) -> str:
    """NFC, every run of whitespace (NBSP, ideographic spaces, ...) to one space, stripped."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    # Printable text holds no control character (nor U+FFFE/U+FFFF) and no whitespace but " ": settled by
    # one C loop, no regex scan; with single inner spaces it is collapsed already (most lines are).
    if text.isprintable():
        return text if "  " not in text and text[:1] != " " and text[-1:] != " " else collapse(text)
    return collapse(_CONTROL.sub("", text))


def collapse(text: str) -> str:
    """Whitespace collapsed, for hot loops on the parsed page's text (dom.parse removed its controls)."""
    if "\u200b" in text or "\ufeff" in text:
        return _SPACES.sub(" ", text).strip()
    # Every other character _SPACES matches is whitespace to str.split() too (both go by str.isspace()),
    # which splits and joins in C without the regex engine: the same result, several times faster.
    return " ".join(text.split())


def visible_len(text: str) -> int:
    """Characters that are not whitespace."""
    return len("".join(text.split()))


def han_count(text: str) -> int:
    # Summed lengths of runs: one match per run of Han characters rather than one per character.
    return sum(map(len, _HAN_RUN.findall(text)))


def is_cjk(text: str) -> bool:
    """Mostly Chinese (or Japanese) text: decides length thresholds, which differ by a factor of ~3."""
    sample = text[:2000]
    han = han_count(sample)
    return han > 0 and han * 4 >= visible_len(sample)


# One match per punctuation mark, found by the regex engine's character-set scan (in C; str.translate with a
# table looks every character of non-ASCII text up in a dict, several times slower).
_PUNCT_RE = re.compile("[" + re.escape("".join(sorted(PUNCT))) + "]")


def punct_count(text: str) -> int:
    return len(_PUNCT_RE.findall(text))


_NOT_CONTROL = bytes([9, 10, 12, 13, *range(32, 256)])


def looks_binary(data: bytes) -> bool:
    """Not a text document at all (an image, an archive, random bytes): NULs or many control bytes."""
    head = data[:8192]
    if not head:
        return False
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    # Control bytes counted in C: deleting every other byte leaves only them.
    control = len(head.translate(None, _NOT_CONTROL))
    return control * 20 > len(head)


count_punct = punct_count


def occurs_from(first: re.Pattern[str], pattern: re.Pattern[str], text: str) -> bool:
    """Whether ``pattern`` occurs in ``text``, where every match of it starts with a character that ``first``
    (a character class) matches: tried only from the first such character. A pattern that does not open
    with a literal (alternatives, case folding) is tried at every position; a class is found by the
    engine's quick scan, and most lines hold none of its characters."""
    start = first.search(text)
    return start is not None and pattern.search(text, start.start()) is not None


def remembered_up_to(max_len: int, maxsize: int) -> Callable[[Callable[[str], T]], Callable[[str], T]]:
    """Remember a function of one text for texts of up to ``max_len`` characters (the last ``maxsize``).

    For what several steps of one extraction ask of the same short line (a metadata line, a link's text),
    which also recurs across a site's pages. Longer texts (paragraphs, a whole page) are computed each time:
    remembering them would hold megabytes for no repeat.
    """

    def decorate(func: Callable[[str], T]) -> Callable[[str], T]:
        memo = lru_cache(maxsize=maxsize)(func)

        @wraps(func)
        def call(text: str) -> T:
            return memo(text) if len(text) <= max_len else func(text)

        return call

    return decorate
