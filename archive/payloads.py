"""Raw response bodies as stored: digest, compression against a page of the same site, and back.

Bodies are keyed by their SHA-1 in base32 prefixed with ``sha1:``, the form of WARC-Payload-Digest, so an
unchanged refetch (or the same bytes at two URLs) stores nothing new and a WARC export can reuse the digest.

Pages of one site share most of their bytes (navigation, inline style and script, footers), and compressing
each page on its own keeps all of that once per page: zlib or zstd alone leave 17-24% of a portal's HTML. So
a body is compressed with zstd against a *dictionary*: an earlier page of the same host, itself a stored
payload (content-addressed, so a dictionary never changes once written). On generated portal pages that is 6%
of the raw size instead of 18% with zlib, at a fifth of zlib's CPU time (docs/benchmarks.md, ## Ingest).

- ``codec = 'zstd'``, ``dict`` NULL: compressed on its own. A page that serves as a dictionary is always stored
  this way (no chains: any body is one dictionary away from its bytes), marked with its host in ``dict_for``.
- ``codec = 'zstd'``, ``dict`` = a payload digest: compressed with that payload's body as a raw-content
  dictionary.
- ``codec = 'zlib'`` (archives from release 0.1) and ``'identity'`` (bodies that do not shrink): read as ever.

A host's dictionary is judged by the bytes it saves (:meth:`PayloadWriter._pack`). One that halves a page's
compressed size serves; one that saves almost nothing (the site was redesigned) is replaced by the page at hand
at once. In between (short pages, or pages mostly of text: the template is a small part of each) a page would
not serve better as a dictionary, and replacing it on every such page cost four compressions and a new
compressor per page while storing every page alone: so the dictionary is replaced only when an earlier page
that it served that poorly, tried on the page at hand, does clearly better (a new template, seen twice). Once
judged, a dictionary is trusted without comparison for pages it compresses about as well as the last judged one.
Bodies under 1 KiB or over 2 MiB never become dictionaries.
"""

from __future__ import annotations

import base64
import hashlib
import sqlite3
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import urlsplit

import zstandard

ZSTD_LEVEL = 3
# A dictionary page is compressed once for every page that refers to it: a stronger level pays.
DICT_LEVEL = 9
# A dictionary serves well when a page compressed with it is at most this fraction of it compressed alone.
DICT_GAIN = 0.5
# Above this fraction it saves almost nothing: the page at hand replaces it at once.
DICT_USELESS = 0.9
# An earlier poorly served page replaces the dictionary when, tried on the page at hand, it gives at most this
# fraction of what the dictionary gives.
CANDIDATE_GAIN = 0.75
# A page compressing with the dictionary to at most this multiple of the last judged page's ratio (compressed
# size / raw size) is stored without comparison.
TRUSTED_SLACK = 1.25
# With a dictionary a page this small (as a fraction of its raw size) needs no comparison.
SURELY_GOOD = 0.10
# Bodies smaller than this are compressed alone and never serve as a dictionary (robots.txt, stubs, errors);
# the demo site's 3 KB pages take 37% of their size with dictionaries, 54% without.
MIN_DICT_BODY = 1024
# Nor do bodies larger than this (a compressor loads its whole dictionary; a portal page is about 100 KB).
MAX_DICT_BODY = 2 * 1024 * 1024
# A compressor with a 100 KB page loaded holds about 0.75 MB: the most recent hosts only.
_HOSTS_CACHED = 16
_DICTS_CACHED = 16


def payload_digest(body: bytes) -> str:
    """``sha1:`` + base32 of the SHA-1 of ``body``, as in WARC-Payload-Digest."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def _host(url: str | None) -> str:
    try:
        return (urlsplit(url or "").hostname or "").lower()
    except ValueError:
        return ""


def _raw_dict(body: bytes) -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(body, dict_type=zstandard.DICT_TYPE_RAWCONTENT)


class _Dictionaries:
    """Decompressors by dictionary digest. Content-addressed, so valid for any archive and after rollbacks."""

    def __init__(self) -> None:
        self._cache: OrderedDict[str, zstandard.ZstdDecompressor] = OrderedDict()

    def decompressor(self, conn: sqlite3.Connection, digest: str) -> zstandard.ZstdDecompressor:
        found = self._cache.get(digest)
        if found is not None:
            self._cache.move_to_end(digest)
            return found
        row = conn.execute("SELECT codec, dict, data FROM payloads WHERE digest = ?", (digest,)).fetchone()
        if row is None or row[1] is not None:
            raise ValueError(f"payload dictionary {digest} is missing")
        made = zstandard.ZstdDecompressor(dict_data=_raw_dict(_decompress_alone(row[0], row[2])))
        self._cache[digest] = made
        if len(self._cache) > _DICTS_CACHED:
            self._cache.popitem(last=False)
        return made


_DICTIONARIES = _Dictionaries()


def _decompress_alone(codec: str, data: bytes) -> bytes:
    """A body stored without a dictionary."""
    if codec == "zstd":
        return zstandard.ZstdDecompressor().decompress(data)
    if codec == "zlib":
        return zlib.decompress(data)
    if codec == "identity":
        return bytes(data)
    raise ValueError(f"unknown payload codec {codec!r}")


def read_stored(conn: sqlite3.Connection, codec: str, dict_digest: str | None, data: bytes) -> bytes:
    """A stored body from its row's ``codec``, ``dict`` and ``data``; exactly the bytes received."""
    if dict_digest is None:
        return _decompress_alone(codec, data)
    if codec != "zstd":
        raise ValueError(f"payload codec {codec!r} cannot use a dictionary")
    return _DICTIONARIES.decompressor(conn, dict_digest).decompress(data)


def read_payload(conn: sqlite3.Connection, digest: str) -> bytes | None:
    """The body stored under ``digest``, or None."""
    row = conn.execute("SELECT codec, dict, data FROM payloads WHERE digest = ?", (digest,)).fetchone()
    return None if row is None else read_stored(conn, row[0], row[1], row[2])


def _alone_or_identity(body: bytes, packed: bytes) -> tuple[str, bytes]:
    """(codec, data) for a body compressed alone: as it is when compressing does not shrink it."""
    return ("zstd", packed) if len(packed) < len(body) else ("identity", body)


@dataclass
class _HostDictionary:
    """A host's dictionary as the writer judges it (see the module doc)."""

    digest: str
    compressor: zstandard.ZstdCompressor
    # Compressed / raw size of the last page judged with it; None until one was judged.
    trusted_ratio: float | None = None
    # The last page it served poorly (saved some bytes, did not halve), to try as its replacement.
    candidate: bytes | None = None


class PayloadWriter:
    """Stores bodies in one archive, compressed against their host's dictionary page.

    Keeps each recent host's dictionary compressor. The owner calls :meth:`forget` when a transaction rolls
    back, since a dictionary chosen inside it may no longer be stored.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._alone = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
        self._dict_alone = zstandard.ZstdCompressor(level=DICT_LEVEL)
        # host -> its dictionary; None: the host has no dictionary yet.
        self._hosts: OrderedDict[str, _HostDictionary | None] = OrderedDict()

    def forget(self) -> None:
        self._hosts.clear()

    def put(self, body: bytes, url: str | None) -> str:
        """Store ``body`` unless already stored; return its digest."""
        digest = payload_digest(body)
        if self.conn.execute("SELECT 1 FROM payloads WHERE digest = ?", (digest,)).fetchone() is None:
            codec, data, dict_digest, dict_for = self._pack(body, digest, _host(url))
            self.conn.execute(
                "INSERT INTO payloads (digest, codec, size, data, dict, dict_for) VALUES (?, ?, ?, ?, ?, ?)",
                (digest, codec, len(body), data, dict_digest, dict_for),
            )
        return digest

    def _pack(self, body: bytes, digest: str, host: str) -> tuple[str, bytes, str | None, str | None]:
        """(codec, data, dictionary digest, host it is the dictionary of) for a body not yet stored."""
        if len(body) < MIN_DICT_BODY:
            return (*_alone_or_identity(body, self._alone.compress(body)), None, None)
        current = self._dictionary(host)
        alone: bytes | None = None
        if current is not None:
            with_dict = current.compressor.compress(body)
            ratio = len(with_dict) / len(body)
            trusted = current.trusted_ratio
            if ratio <= SURELY_GOOD or (
                trusted is not None and ratio <= trusted * TRUSTED_SLACK and len(with_dict) < len(body)
            ):
                return "zstd", with_dict, current.digest, None
            alone = self._alone.compress(body)
            if len(with_dict) <= DICT_GAIN * len(alone):
                current.trusted_ratio = ratio
                return "zstd", with_dict, current.digest, None
            if len(with_dict) <= DICT_USELESS * len(alone):
                if len(body) > MAX_DICT_BODY:
                    return "zstd", with_dict, current.digest, None
                if not self._candidate_serves(current, body, with_dict):
                    current.candidate = body
                    return "zstd", with_dict, current.digest, None
        if len(body) > MAX_DICT_BODY:
            return (*_alone_or_identity(body, alone or self._alone.compress(body)), None, None)
        # This page becomes the host's dictionary: stored alone, at the dictionary level.
        self._hosts[host] = _HostDictionary(digest, _compressor_with(body))
        self._trim()
        return (*_alone_or_identity(body, self._dict_alone.compress(body)), None, host)

    @staticmethod
    def _candidate_serves(current: _HostDictionary, body: bytes, with_dict: bytes) -> bool:
        """Whether the page ``current`` last served poorly does clearly better on ``body`` than ``current``.
        When it does not, the host's pages share little beyond what ``current`` holds: ``current`` is
        trusted from now on for pages it compresses as well as this one (unless a page proved it better)."""
        if current.candidate is None:
            return False
        with_candidate = _compressor_with(current.candidate).compress(body)
        if len(with_candidate) <= CANDIDATE_GAIN * len(with_dict):
            return True
        if current.trusted_ratio is None:
            current.trusted_ratio = len(with_dict) / len(body)
        return False

    def _dictionary(self, host: str) -> _HostDictionary | None:
        if host in self._hosts:
            self._hosts.move_to_end(host)
            return self._hosts[host]
        row = self.conn.execute(
            "SELECT digest, codec, data FROM payloads WHERE dict_for = ? ORDER BY rowid DESC LIMIT 1", (host,)
        ).fetchone()
        found = None
        if row is not None:
            found = _HostDictionary(row[0], _compressor_with(_decompress_alone(row[1], row[2])))
        self._hosts[host] = found
        self._trim()
        return found

    def _trim(self) -> None:
        while len(self._hosts) > _HOSTS_CACHED:
            self._hosts.popitem(last=False)


def _compressor_with(dictionary: bytes) -> zstandard.ZstdCompressor:
    return zstandard.ZstdCompressor(level=ZSTD_LEVEL, dict_data=_raw_dict(dictionary))
