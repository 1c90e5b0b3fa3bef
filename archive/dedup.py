"""Exact and near-copy detection, persisted in the archive.

Texts are first normalized: NFKC, Traditional -> Simplified (OpenCC ``t2s``), case folded, and every
character that is not a letter or digit dropped (whitespace, punctuation, symbols). Then:

- **Exact copies** share a ``content_hash``: SHA-1 of the normalized title and body. ``articles.content_hash``
  is indexed, so the lookup is one index probe.
- **Near copies** (a syndicated copy with another footer or source line and a few edited sentences; the same
  text in the other script) are found with MinHash over character shingles of the normalized body, indexed by
  LSH banding in ``simhash_bands`` (band number, hash of the band's rows) -> article. A new article looks up
  its :data:`DedupConfig.bands` band keys by indexed equality; the few candidates that share a band are then
  verified by the exact Jaccard similarity of their shingle sets (stricter for short bodies, and copies must
  share their figures: see :func:`is_near_copy`). The cost per new article therefore depends on the number
  of candidates, not on the size of the archive (measured flat from 10,000 to 100,000 articles).

Why MinHash and not a 64-bit SimHash with 4 bands of 16 bits: that index only guarantees candidates within a
Hamming distance of 3, and a 600-character article with a changed footer and two edited sentences (Jaccard
about 0.85 over 4-character shingles) lands 3-13 bits away from its original. LSH over MinHash finds it with
a probability above 0.99 at that similarity (see docs/storage.md), at the same indexed-equality lookup cost.

Every threshold is in :class:`DedupConfig`.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import struct
import zlib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import numpy as np

from archive.simplified import TABLE_END, alnum_mask, code_points, nfkc, to_simplified


@dataclass(frozen=True)
class DedupConfig:
    """All the knobs of deduplication, in one place."""

    # Characters per shingle of the normalized body. 4 keeps same-topic Chinese articles (which share many
    # 2- and 3-character words) apart while one edited sentence only touches a few dozen shingles.
    shingle_size: int = 4
    # LSH: the MinHash signature has bands * rows_per_band values; two articles become candidates when all
    # the rows of one band agree. P(candidate) = 1 - (1 - J**rows)**bands: 0.98 at J=0.6, 0.86 at J=0.5,
    # 0.22 at J=0.3, 0.003 at J=0.1. Four rows per band keep unrelated articles (J about 0.02) from ever
    # sharing a band, so the candidates per lookup stay flat as the archive grows (3 rows did not: their
    # number grew linearly with the archive in bench/ingest.py).
    bands: int = 30
    rows_per_band: int = 4
    # Verified Jaccard similarity of the shingle sets from which a candidate is a near copy.
    min_jaccard: float = 0.6
    # Bodies shorter than this (normalized characters) are matched exactly only: short notices written on one
    # template (weather warnings, appointments) share most of their text without being copies.
    min_chars: int = 150
    # When the shorter body of a pair is under short_chars, the pair must be this similar: in a short text a
    # few changed names and dates are the whole news.
    short_chars: int = 250
    min_jaccard_short: float = 0.8
    # Copies keep the figures: when both bodies quote at least min_numbers distinct numbers, at least this
    # share of them (Jaccard) must be common. Daily reports on one template differ mostly in their figures.
    min_numbers: int = 3
    min_number_overlap: float = 0.5
    # At most this many candidates are verified per new article (the ones sharing the most bands).
    max_candidates: int = 20

    @property
    def signature_size(self) -> int:
        return self.bands * self.rows_per_band


DEFAULT_CONFIG = DedupConfig()

_MASK64 = (1 << 64) - 1
_MIX = 0x9E3779B97F4A7C15  # odd: multiplying by it mod 2**64 is a bijection
# Whitespace, punctuation, symbols, controls (and "_"): everything but letters and digits.
_NOT_WORD = re.compile(r"[\W_]+")


def normalize_text(text: str | None) -> str:
    """Script- and layout-independent form of a text: what exact and near copies are compared on."""
    return _normalized(text)[0]


# From this length on, the characters to keep are looked up in a table for the whole text at once (what
# _NOT_WORD matches is exactly what str.isalnum() rejects): a regular expression substitution costs about
# 0.3 µs for each run of punctuation or spaces it removes, the table 4 µs per text and 5 ns a character (equal
# at about 150 characters of Chinese news text).
_TABLE_FROM = 150


def _normalized(text: str | None) -> tuple[str, np.ndarray | None]:
    """:func:`normalize_text` and, for a text of :data:`_TABLE_FROM` characters or more, its code points."""
    if not text:
        return "", None
    text = to_simplified(nfkc(text)).casefold()
    if len(text) < _TABLE_FROM:
        return _NOT_WORD.sub("", text), None
    codes = code_points(text)
    kept = codes[alnum_mask(codes)]
    return kept.tobytes().decode("utf-32-le"), kept


def content_hash(title: str | None, body: str | None) -> str:
    """SHA-1 (hex) of the normalized title and body: equal for exact copies, in either script."""
    data = normalize_text(title) + "\n" + normalize_text(body)
    return hashlib.sha1(data.encode("utf-8")).hexdigest()


_EMPTY_BIN = np.uint64(_MASK64)  # above any bin value (a hash divided by the number of bins)


@lru_cache(maxsize=4)
def _crc_tables(size: int) -> tuple[int, np.ndarray, np.ndarray]:
    """CRC-32 of a ``size``-character UTF-32 shingle as the XOR of one table entry per character.

    CRC-32 is affine over GF(2): for messages of one length, crc(a ^ b) = crc(a) ^ crc(b) ^ crc(zeros). So a
    shingle's CRC is crc(zeros) XOR, for each of its characters, the CRC contribution of that character at
    its position. Returns crc(zeros); the contribution of each code point below TABLE_END at each position
    (``size`` x TABLE_END, 3 MB for 4 positions); and that of each byte value at each byte offset (for the
    code points beyond).
    """
    width = 4 * size
    zero = zlib.crc32(bytes(width))
    byte_part = np.zeros((width, 256), dtype=np.uint32)
    message = bytearray(width)
    for k in range(width):
        for b in range(1, 256):
            message[k] = b
            byte_part[k, b] = zlib.crc32(message) ^ zero
        message[k] = 0
    codes = np.arange(TABLE_END)
    char_part = np.stack([_char_part(byte_part, j, codes) for j in range(size)])
    return zero, char_part, byte_part


def _char_part(byte_part: np.ndarray, position: int, codes: np.ndarray) -> np.ndarray:
    """The CRC contribution of each code point in ``codes`` at character ``position`` of a shingle (its top
    byte is always zero: code points end at 0x10FFFF)."""
    k = 4 * position
    return byte_part[k, codes & 0xFF] ^ byte_part[k + 1, (codes >> 8) & 0xFF] ^ byte_part[k + 2, codes >> 16]


def _shingle_hashes(normalized: str, size: int, codes: np.ndarray | None = None) -> np.ndarray:
    """The 64-bit hash of every ``size``-character shingle (repeats included), as uint64.

    zlib.crc32 of each shingle's UTF-32 bytes, spread over 64 bits by a multiplicative mix: stable across
    processes and releases, as the persisted band index needs. Computed for all shingles at once, ``size``
    table look-ups per shingle (see :func:`_crc_tables`): a hashing loop in Python cost a millisecond per
    article, the largest part of deduplication. ``codes``: the code points of ``normalized``, if known.
    """
    if codes is None:
        codes = np.frombuffer(normalized.encode("utf-32-le"), dtype=np.uint32)
    count = len(codes) - size + 1
    if count <= 1:
        return np.array([(zlib.crc32(codes.tobytes()) * _MIX) & _MASK64], dtype=np.uint64)
    zero, char_part, byte_part = _crc_tables(size)
    if int(np.maximum.reduce(codes)) < TABLE_END:  # the ufunc itself: ndarray.max's wrapper costs 0.5 µs
        index = codes.astype(np.intp)
        crc = char_part[0][index[:count]]
        for j in range(1, size):
            crc ^= char_part[j][index[j : j + count]]
    else:  # tags, variation selectors, private use: rare enough to be looked up byte by byte
        crc = _char_part(byte_part, 0, codes[:count])
        for j in range(1, size):
            crc ^= _char_part(byte_part, j, codes[j : j + count])
    crc ^= np.uint32(zero)
    return crc.astype(np.uint64) * np.uint64(_MIX)  # uint64 arithmetic wraps: the product mod 2**64


def shingles(normalized: str, size: int = DEFAULT_CONFIG.shingle_size) -> frozenset[int]:
    """The set of ``size``-character shingles of a normalized text, each as a 64-bit hash."""
    if not normalized:
        return frozenset()
    return frozenset(_shingle_hashes(normalized, size).tolist())


def minhash(shingle_set: frozenset[int] | np.ndarray, size: int) -> list[int]:
    """A MinHash signature by one-permutation hashing: each shingle hash falls into one of ``size`` bins
    (linear in the text, not ``size`` times it); empty bins borrow from the next filled bin (densification)."""
    hashes = (
        shingle_set
        if isinstance(shingle_set, np.ndarray)
        else np.fromiter(shingle_set, dtype=np.uint64, count=len(shingle_set))
    )
    if not len(hashes):
        return []
    return _signature(hashes, size)


def _signature(hashes: np.ndarray, size: int) -> list[int]:
    """:func:`minhash` of a non-empty uint64 array."""
    quotients, remainders = np.divmod(hashes, np.uint64(size))
    bins = _empty_bins(size).copy()
    np.minimum.at(bins, remainders.astype(np.intp), quotients)
    filled = bins.tolist()
    empty = int(_EMPTY_BIN)
    if empty not in filled:
        return filled
    out = list(filled)
    for i in np.flatnonzero(bins == _EMPTY_BIN).tolist():
        j, dist = i, 0
        while filled[j] == empty:
            j = (j + 1) % size
            dist += 1
        # The offset keeps a borrowed value distinct from the bin it came from.
        out[i] = (filled[j] + dist * _MIX) & _MASK64
    return out


@lru_cache(maxsize=4)
def _empty_bins(size: int) -> np.ndarray:
    """``size`` empty bins, copied for each signature (np.full cost 1 µs more, for every article)."""
    bins = np.full(size, _EMPTY_BIN, dtype=np.uint64)
    bins.flags.writeable = False
    return bins


_LOW_HALF = struct.Struct("<i")


def band_keys(signature: list[int], config: DedupConfig = DEFAULT_CONFIG) -> list[tuple[int, int]]:
    """(band number, signed 32-bit hash of the band's rows) for each band of the signature.

    32 bits are plenty: two articles sharing a band by accident (one chance in four billion per band) are only
    a candidate more, dropped by the verification; and they halve the band index's size.
    """
    if len(signature) < config.signature_size:
        return []
    packed = struct.pack(f"<{config.signature_size}Q", *signature[: config.signature_size])
    width = 8 * config.rows_per_band
    blake2b, low_half = hashlib.blake2b, _LOW_HALF.unpack_from  # looked up once, not per band
    # Each key: the low half of the band's 64-bit BLAKE2b value, the one release 0.1 stored (the v2
    # migration keeps its bands this way).
    return [
        (band, low_half(blake2b(packed[band * width : (band + 1) * width], digest_size=8).digest())[0])
        for band in range(config.bands)
    ]


@dataclass(frozen=True)
class Fingerprint:
    """What dedup needs to know about one article's text."""

    content_hash: str
    normalized_body: str
    # The shingle hashes: a set, or the uint64 array fingerprint() computed them as. Only the verification of
    # a candidate needs them as a set (:attr:`shingles`), and few articles have a candidate: making the set
    # for every article cost as much as the rest of its fingerprint (0.18 ms for a 3,000-character body).
    shingle_hashes: frozenset[int] | np.ndarray = field(repr=False, compare=False)
    bands: tuple[tuple[int, int], ...]  # empty when the body is too short for near-copy matching

    @cached_property
    def shingles(self) -> frozenset[int]:
        """The set of the body's shingle hashes (see :func:`shingles`); empty when it is too short."""
        hashes = self.shingle_hashes
        return hashes if isinstance(hashes, frozenset) else frozenset(hashes.tolist())

    @property
    def numbers(self) -> frozenset[str]:
        return numbers(self.normalized_body)


_NUMBER = re.compile(r"\d+")


def numbers(normalized: str) -> frozenset[str]:
    """The distinct digit runs of a normalized text (dates, figures, counts)."""
    return frozenset(_NUMBER.findall(normalized))


def is_near_copy(
    a: Fingerprint, b_body: str, b_shingles: frozenset[int], config: DedupConfig = DEFAULT_CONFIG
) -> float | None:
    """The Jaccard similarity of two bodies when they are near copies under ``config``, else None."""
    shorter = min(len(a.normalized_body), len(b_body))
    if shorter < config.min_chars:
        return None
    score = jaccard(a.shingles, b_shingles)
    if score < (config.min_jaccard_short if shorter < config.short_chars else config.min_jaccard):
        return None
    na, nb = a.numbers, numbers(b_body)
    if (
        len(na) >= config.min_numbers
        and len(nb) >= config.min_numbers
        and jaccard_sets(na, nb) < config.min_number_overlap
    ):
        return None
    return score


def fingerprint(title: str | None, body: str | None, config: DedupConfig = DEFAULT_CONFIG) -> Fingerprint:
    norm_body, codes = _normalized(body)
    chash = hashlib.sha1((normalize_text(title) + "\n" + norm_body).encode("utf-8")).hexdigest()
    if len(norm_body) < config.min_chars:
        return Fingerprint(chash, norm_body, frozenset(), ())
    hashes = _shingle_hashes(norm_body, config.shingle_size, codes)
    hashes.flags.writeable = False  # kept in the (frozen) Fingerprint
    bands = tuple(band_keys(_signature(hashes, config.signature_size), config))
    return Fingerprint(chash, norm_body, hashes, bands)


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    return jaccard_sets(a, b)


def jaccard_sets(a: frozenset[Any], b: frozenset[Any]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def _rowid(conn: sqlite3.Connection, article_id: str) -> int | None:
    row = conn.execute("SELECT rowid FROM articles WHERE id = ?", (article_id,)).fetchone()
    return None if row is None else int(row[0])


def add_bands(conn: sqlite3.Connection, article_id: str, fp: Fingerprint, rowid: int | None = None) -> None:
    """Index an article's bands (it must be in ``articles``: the index refers to its rowid, half the size of
    its id). ``rowid``: the article's, when the caller knows it."""
    if not fp.bands:
        return
    if rowid is None:
        rowid = _rowid(conn, article_id)
        if rowid is None:
            raise LookupError(f"no article {article_id} to index the bands of")
    # One statement for all the bands: executemany steps a statement (and binds from Python) once per row.
    conn.execute(
        _insert_bands_sql(len(fp.bands)), [x for band, value in fp.bands for x in (band, value, rowid)]
    )


@lru_cache(maxsize=4)
def _insert_bands_sql(count: int) -> str:
    return "INSERT OR IGNORE INTO simhash_bands (band, value, article) VALUES " + ", ".join(
        ["(?, ?, ?)"] * count
    )


def remove_bands(conn: sqlite3.Connection, article_id: str, config: DedupConfig = DEFAULT_CONFIG) -> None:
    # No index on article_id alone: the bands are recomputed from the body to find the rows by primary key.
    row = conn.execute("SELECT rowid, title, body FROM articles WHERE id = ?", (article_id,)).fetchone()
    if row is None:
        return
    old = fingerprint(row[1], row[2], config)
    conn.executemany(
        "DELETE FROM simhash_bands WHERE band = ? AND value = ? AND article = ?",
        [(band, value, row[0]) for band, value in old.bands],
    )


def candidates(conn: sqlite3.Connection, fp: Fingerprint, config: DedupConfig = DEFAULT_CONFIG) -> list[str]:
    """Ids of the articles sharing at least one band with ``fp``, most shared bands first."""
    if not fp.bands:
        return []
    where = " OR ".join(["(band = ? AND value = ?)"] * len(fp.bands))
    params: list[int] = [x for key in fp.bands for x in key]
    rows = conn.execute(
        f"SELECT a.id, count(*) AS n FROM simhash_bands b JOIN articles a ON a.rowid = b.article WHERE {where}"
        " GROUP BY b.article ORDER BY n DESC, a.id LIMIT ?",
        [*params, config.max_candidates],
    ).fetchall()
    return [r[0] for r in rows]


def find_near_copy(
    conn: sqlite3.Connection,
    fp: Fingerprint,
    exclude: str | None = None,
    config: DedupConfig = DEFAULT_CONFIG,
) -> tuple[str, float] | None:
    """The archived article ``fp`` nearly copies (id, Jaccard similarity), or None."""
    best: tuple[str, float] | None = None
    for cand in candidates(conn, fp, config):
        if cand == exclude:
            continue
        row = conn.execute("SELECT body FROM articles WHERE id = ?", (cand,)).fetchone()
        if row is None:
            continue
        body = normalize_text(row[0])
        score = is_near_copy(fp, body, shingles(body, config.shingle_size), config)
        if score is not None and (best is None or score > best[1]):
            best = (cand, score)
    return best
