"""The persisted text values stay what plain, slow implementations of their definitions give.

Content hashes, MinHash band keys and the search index's text are stored in archives: a faster
implementation that changed any of them would silently break the exact-copy lookup, near-copy lookup and
search of existing archives (and removing an index entry needs the very text that was indexed). Each
reference below is written the obvious way, independent of archive/'s code paths (zlib.crc32 for each
shingle, a loop over bins, a regular expression per token), and the fast code must agree with it everywhere:
Chinese in both scripts, English, mixed text, empty and one-character texts, characters NFKC changes (and
changes the length of), characters beyond the Basic Multilingual Plane, decomposed accents.
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
import zlib
from collections.abc import Callable

import numpy as np
import opencc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive import dedup, search, simplified

T2S = opencc.OpenCC("t2s")
S2T = opencc.OpenCC("s2t")
MIX, MASK = 0x9E3779B97F4A7C15, (1 << 64) - 1

# --- references ---------------------------------------------------------------------------------------------


def ref_normalize(text: str | None) -> str:
    if not text:
        return ""
    return re.sub(r"[\W_]+", "", T2S.convert(unicodedata.normalize("NFKC", text)).casefold())


def ref_content_hash(title: str | None, body: str | None) -> str:
    return hashlib.sha1((ref_normalize(title) + "\n" + ref_normalize(body)).encode("utf-8")).hexdigest()


def ref_shingle_hashes(normalized: str, size: int) -> list[int]:
    """CRC-32 of each ``size``-character window's UTF-32-LE bytes (of the whole text if shorter), mixed."""
    if len(normalized) <= size:
        return [(zlib.crc32(normalized.encode("utf-32-le")) * MIX) & MASK]
    return [
        (zlib.crc32(normalized[i : i + size].encode("utf-32-le")) * MIX) & MASK
        for i in range(len(normalized) - size + 1)
    ]


def ref_minhash(hashes: list[int], size: int) -> list[int]:
    bins: list[int | None] = [None] * size
    for h in hashes:
        b, value = h % size, h // size
        current = bins[b]
        bins[b] = value if current is None else min(current, value)
    out = []
    for i in range(size):
        j, dist = i, 0
        while bins[j] is None:
            j, dist = (j + 1) % size, dist + 1
        borrowed = bins[j]
        assert borrowed is not None
        out.append((borrowed + dist * MIX) & MASK)
    return out


def ref_band_keys(signature: list[int], bands: int, rows: int) -> list[tuple[int, int]]:
    keys = []
    for band in range(bands):
        data = b"".join(v.to_bytes(8, "little") for v in signature[band * rows : (band + 1) * rows])
        digest = hashlib.blake2b(data, digest_size=8).digest()
        keys.append((band, int.from_bytes(digest[:4], "little", signed=True)))
    return keys


def ref_fingerprint(
    title: str | None, body: str | None, config: dedup.DedupConfig
) -> tuple[str, str, frozenset[int], tuple[tuple[int, int], ...]]:
    norm = ref_normalize(body)
    chash = ref_content_hash(title, body)
    if len(norm) < config.min_chars:
        return chash, norm, frozenset(), ()
    hashes = ref_shingle_hashes(norm, config.shingle_size)
    signature = ref_minhash(hashes, config.signature_size)
    return chash, norm, frozenset(hashes), tuple(ref_band_keys(signature, config.bands, config.rows_per_band))


def ref_same_length(func: Callable[[str], str], text: str) -> str:
    whole = func(text)
    if len(whole) == len(text):
        return str(whole)
    parts = []
    for line in text.splitlines(keepends=True):
        out = func(line)
        if len(out) != len(line):
            out = "".join(func(c) if len(func(c)) == 1 else c for c in line)
        parts.append(out)
    return "".join(parts)


REF_DIACRITICS = {
    code: unicodedata.normalize("NFD", chr(code))[0]
    for code in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00))
    if unicodedata.normalize("NFD", chr(code))[0] != chr(code)
    and unicodedata.normalize("NFD", chr(code))[0].isascii()
}


def ref_fold(text: str) -> str:
    text = ref_same_length(lambda t: unicodedata.normalize("NFKC", t), text)
    text = ref_same_length(T2S.convert, text)
    return ref_same_length(str.lower, text).translate(REF_DIACRITICS)


REF_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
REF_SEGMENT = re.compile(f"[{REF_CJK}]+|[^\\W_{REF_CJK}]+")
REF_CJK_RUN = re.compile(f"[{REF_CJK}]+")


def ref_tokens(folded: str) -> list[str]:
    out: list[str] = []
    for match in REF_SEGMENT.finditer(folded):
        segment = match.group()
        if REF_CJK_RUN.fullmatch(segment) and len(segment) > 1:
            for i in range(len(segment) - 1):
                out.append(segment[i : i + 2])
        else:
            out.append(segment)
    return out


def ref_index_text(text: str | None) -> str:
    return " ".join(ref_tokens(ref_fold(text or "")))


# --- texts --------------------------------------------------------------------------------------------------

SIMPLIFIED = (
    "6月18日，市防汛抗旱指挥部召开全市防汛工作调度会，分析研判当前汛情形势，安排部署下一阶段防汛救灾工作。"
)
TRADITIONAL = S2T.convert(SIMPLIFIED) + "乾杯！臺灣發展與經濟關係，著名學者說：「這個問題很複雜」。"
ENGLISH = "The Café's C.E.O. said on Tuesday: “We’re up 12.5%” — naïve résumé, ﬁnancial Straße İstanbul."
# Characters NFKC changes: full-width forms, ideographic space, ligatures, circled and squared forms, and some
# that change the length ("…" -> "...", "½" -> "1⁄2", "㈱" -> "(株)").
NFKC_CHANGES = "ＡＢＣ１２３，．　ﬁ①㈱㍿ｶﾞ…½™℃Ⅱ︰⁵\u00a0"
# Decomposed accents, voicing marks, Hangul jamo, emoji, CJK Extension B, line separators; and code points
# beyond the tables (a variation selector, private use), which take the slow paths.
ODD = "e\u0301a\u0308\u3099か\u3099가\u1161각🙂𠀀𠀁𪚥\u2028_x__y\r\n\t\x0b\U000e0100\U000f0000\U0010fffd"

EXAMPLES = [
    "",
    "a",
    "北",
    "臺",
    "…",
    "_",
    " ",
    "\n",
    "北京",
    "北京市长",
    SIMPLIFIED,
    TRADITIONAL,
    ENGLISH,
    NFKC_CHANGES,
    ODD,
    SIMPLIFIED * 8,
    TRADITIONAL * 6 + "\n" + ENGLISH * 3,
    "\n".join([SIMPLIFIED, NFKC_CHANGES, TRADITIONAL, ENGLISH, ODD] * 4),
    ENGLISH * 20,
]

POOL = SIMPLIFIED + TRADITIONAL + ENGLISH + NFKC_CHANGES + ODD


def pseudo_chinese(seed: int, sentences: int = 12) -> str:
    """Random CJK ideographs in sentences and paragraphs, as the crawl benchmark's pages."""
    rng = random.Random(seed)
    out = []
    for _ in range(sentences):
        out.append("".join(chr(0x4E00 + rng.randrange(0x5000)) for _ in range(rng.randint(12, 30))))
        out.append(rng.choice("，，，。\n"))
    return "".join(out)


def mixed(seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(POOL) for _ in range(rng.choice([1, 3, 4, 5, 60, 160, 450, 1200])))


TEXTS = EXAMPLES + [pseudo_chinese(s) for s in range(12)] + [mixed(s) for s in range(40)]

# Hypothesis: any characters but lone surrogates (which OpenCC cannot encode), with the interesting ones and
# whole sentences often enough that long texts (the array code paths) come up.
chars = st.characters(blacklist_categories=("Cs",))
pieces = st.one_of(
    st.text(chars, max_size=20),
    st.text(st.sampled_from(POOL), max_size=80),
    st.sampled_from([SIMPLIFIED, TRADITIONAL, ENGLISH, NFKC_CHANGES, ODD, "\n", "……", "  "]),
)
texts = st.lists(pieces, max_size=40).map("".join)

SMALL = dedup.DedupConfig(shingle_size=3, bands=5, rows_per_band=3, min_chars=1)
CONFIGS = [dedup.DEFAULT_CONFIG, SMALL]


def fields(fp: dedup.Fingerprint) -> tuple[str, str, frozenset[int], tuple[tuple[int, int], ...]]:
    return fp.content_hash, fp.normalized_body, fp.shingles, fp.bands


def check_text(text: str) -> None:
    norm = dedup.normalize_text(text)
    assert norm == ref_normalize(text)
    for size in (4, 3, 1):
        if norm:
            assert dedup._shingle_hashes(norm, size).tolist() == ref_shingle_hashes(norm, size)
    assert dedup.shingles(norm) == (frozenset(ref_shingle_hashes(norm, 4)) if norm else frozenset())
    assert simplified.nfkc(text) == unicodedata.normalize("NFKC", text)
    assert search.fold(text) == ref_fold(text)
    assert search.tokens(ref_fold(text)) == ref_tokens(ref_fold(text))
    assert search.index_text(text) == ref_index_text(text)


# --- tests --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", TEXTS)
def test_text_values_match_the_references(text: str) -> None:
    check_text(text)


@pytest.mark.parametrize("config", CONFIGS, ids=["default", "small"])
@pytest.mark.parametrize("body", TEXTS)
def test_fingerprint_matches_the_reference(body: str, config: dedup.DedupConfig) -> None:
    title = body[:30]
    assert fields(dedup.fingerprint(title, body, config)) == ref_fingerprint(title, body, config)
    assert dedup.content_hash(title, body) == ref_content_hash(title, body)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_any_text_matches_the_references(text: str) -> None:
    check_text(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.none(), texts), st.one_of(st.none(), texts), st.sampled_from(CONFIGS))
def test_any_fingerprint_matches_the_reference(
    title: str | None, body: str | None, config: dedup.DedupConfig
) -> None:
    assert fields(dedup.fingerprint(title, body, config)) == ref_fingerprint(title, body, config)
    assert search.index_text(body) == ref_index_text(body)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, MASK), min_size=1, max_size=400), st.sampled_from([2, 7, 120, 500]))
def test_minhash_and_band_keys_match_the_references(hashes: list[int], size: int) -> None:
    """Sparse inputs too: most bins empty, so that densification borrows across the wrap-around."""
    expected = ref_minhash(hashes, size)
    assert dedup.minhash(frozenset(hashes), size) == ref_minhash(list(frozenset(hashes)), size)
    assert dedup.minhash(np.array(hashes, dtype=np.uint64), size) == expected
    if size == 120:
        assert dedup.band_keys(expected) == ref_band_keys(expected, 30, 4)


@settings(max_examples=100, deadline=None)
@given(
    st.text(st.characters(min_codepoint=0x10000, blacklist_categories=("Cs",)), min_size=1, max_size=12),
    texts,
)
def test_shingles_with_characters_beyond_the_bmp(astral: str, text: str) -> None:
    """The high bits of a code point go through their own table: every window position is covered."""
    for position in (0, len(text) // 2, len(text)):
        mixed_text = text[:position] + astral + text[position:]
        for size in (4, 2):
            assert dedup._shingle_hashes(mixed_text, size).tolist() == ref_shingle_hashes(mixed_text, size)


def test_every_character_alone() -> None:
    """Per-character tables (what NFKC changes, word characters, CJK classes) agree with the library for every
    code point, one at a time and all at once."""
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    assert simplified.nfkc_each_char(every) == "".join(
        n if len(n := unicodedata.normalize("NFKC", c)) == 1 else c for c in every
    )
    table = simplified.alnum_table()
    assert (table == np.array([chr(c).isalnum() for c in range(len(table))])).all()
    sample = every[::7] + every[3::1009]
    assert search.index_text(sample) == ref_index_text(sample)
    assert dedup.normalize_text(sample) == ref_normalize(sample)


def test_folding_a_text_keeps_one_cache_entry_per_conversion() -> None:
    """Where NFKC changes a line's length the search index folds that line by character; those pieces stay
    out of the shared caches, which must still hold the batch's whole bodies when the index is written."""
    text = "第一行正常。\n第二行……有省略号½\n" + TRADITIONAL
    simplified.nfkc.cache_clear()
    simplified.to_simplified.cache_clear()
    dedup.normalize_text(text)
    search.fold(text)
    assert simplified.nfkc.cache_info().currsize == 1
    # dedup converts the NFKC text, the index the same-length fold of it: two whole texts, no pieces.
    assert simplified.to_simplified.cache_info().currsize == 2
