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

A host's dictionary is replaced by the page at hand when it no longer halves that page's compressed size
(the site's templates changed, or the host serves unrelated pages); bodies under 1 KiB or over 2 MiB never become dictionaries.
"""

from __future__ import annotations

import base64
import hashlib
import sqlite3
import zlib
from collections import OrderedDict
from urllib.parse import urlsplit

import zstandard

ZSTD_LEVEL = 3
# A dictionary page is compressed once for every page that refers to it: a stronger level pays.
DICT_LEVEL = 9
# The dictionary is kept while a page compressed with it is at most this fraction of it compressed alone.
DICT_GAIN = 0.5
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


class PayloadWriter:
    """Stores bodies in one archive, compressed against their host's dictionary page.

    Keeps each recent host's dictionary compressor. The owner calls :meth:`forget` when a transaction rolls
    back, since a dictionary chosen inside it may no longer be stored.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._alone = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
        self._dict_alone = zstandard.ZstdCompressor(level=DICT_LEVEL)
        # host -> (dictionary digest, compressor with it); None: the host has no dictionary yet.
        self._hosts: OrderedDict[str, tuple[str, zstandard.ZstdCompressor] | None] = OrderedDict()

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
            with_dict = current[1].compress(body)
            if len(with_dict) <= SURELY_GOOD * len(body):
                return "zstd", with_dict, current[0], None
            alone = self._alone.compress(body)
            if len(with_dict) <= DICT_GAIN * len(alone):
                return "zstd", with_dict, current[0], None
        if len(body) > MAX_DICT_BODY:
            return (*_alone_or_identity(body, alone or self._alone.compress(body)), None, None)
        # This page becomes the host's dictionary: stored alone, at the dictionary level.
        self._hosts[host] = (digest, zstandard.ZstdCompressor(level=ZSTD_LEVEL, dict_data=_raw_dict(body)))
        self._trim()
        return (*_alone_or_identity(body, self._dict_alone.compress(body)), None, host)

    def _dictionary(self, host: str) -> tuple[str, zstandard.ZstdCompressor] | None:
        if host in self._hosts:
            self._hosts.move_to_end(host)
            return self._hosts[host]
        row = self.conn.execute(
            "SELECT digest, codec, data FROM payloads WHERE dict_for = ? ORDER BY rowid DESC LIMIT 1", (host,)
        ).fetchone()
        found = None
        if row is not None:
            body = _decompress_alone(row[1], row[2])
            found = (row[0], zstandard.ZstdCompressor(level=ZSTD_LEVEL, dict_data=_raw_dict(body)))
        self._hosts[host] = found
        self._trim()
        return found

    def _trim(self) -> None:
        while len(self._hosts) > _HOSTS_CACHED:
            self._hosts.popitem(last=False)
