"""Raw response bodies as stored: digest, compression and decompression.

Bodies are keyed by their SHA-1 in base32 prefixed with ``sha1:``, the form of WARC-Payload-Digest, so an
unchanged refetch (or the same bytes at two URLs) stores nothing new and a WARC export can reuse the digest.
They are compressed with zlib at level 6 (``codec = 'zlib'``); bodies that do not shrink are kept as they are
(``codec = 'identity'``). The bytes come back exactly as received.
"""

from __future__ import annotations

import base64
import hashlib
import zlib

ZLIB_LEVEL = 6


def payload_digest(body: bytes) -> str:
    """``sha1:`` + base32 of the SHA-1 of ``body``, as in WARC-Payload-Digest."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def compress(body: bytes) -> tuple[str, bytes]:
    """(codec, data) for storing ``body``."""
    packed = zlib.compress(body, ZLIB_LEVEL)
    if len(packed) < len(body):
        return "zlib", packed
    return "identity", body


def decompress(codec: str, data: bytes) -> bytes:
    if codec == "zlib":
        return zlib.decompress(data)
    if codec == "identity":
        return bytes(data)
    raise ValueError(f"unknown payload codec {codec!r}")
