"""An article's ``body_html`` as stored: zstd-compressed with the article's own body text as dictionary.

``body_html`` is the body's text again with its markup (paragraphs, headings, images, links), so stored as
text it doubled the record's size. Compressed against ``body``, which the row keeps as plain text anyway (for
reading in datasette, snippets and dedup), what is left is little more than the markup: 2-5% of its size
(docs/benchmarks.md, ## Ingest). The column holds a BLOB; archives made by release 0.1 hold text, read as is.
"""

from __future__ import annotations

import threading
from typing import Any

import zstandard

_LEVEL = 3


def _dictionary(body: str | None) -> zstandard.ZstdCompressionDict | None:
    text = (body or "").encode("utf-8")
    if not text:
        return None
    return zstandard.ZstdCompressionDict(text, dict_type=zstandard.DICT_TYPE_RAWCONTENT)


def pack_body_html(body_html: str | None, body: str | None) -> bytes | None:
    """The stored form of ``body_html`` for a row whose ``body`` is ``body``."""
    if body_html is None:
        return None
    context = _context()
    if context is None:
        return compress_alone(body_html, body)
    return context.compress(body_html.encode("utf-8"), (body or "").encode("utf-8"))


def compress_alone(body_html: str, body: str | None) -> bytes:
    """``body_html`` compressed by a compressor of its own (what :class:`_ReusedContext` gives too)."""
    dictionary = _dictionary(body)
    compressor = (
        zstandard.ZstdCompressor(level=_LEVEL, dict_data=dictionary)
        if dictionary is not None
        else zstandard.ZstdCompressor(level=_LEVEL)
    )
    return compressor.compress(body_html.encode("utf-8"))


class _ReusedContext:
    """One zstd compression context for every row, its dictionary replaced by each row's body.

    Why: python-zstandard ties a compressor to its dictionary, and making one (a zstd context: its CPU
    features probed, its work space allocated) cost about 0.045 ms of the archive writer's CPU per article
    on the crawl benchmark, against a few microseconds to compress. Its cffi backend reaches zstd's own
    calls, with which one context serves every row: the parameters python-zstandard sets for a compressor
    of this level (content size written, no checksum, dictionary id written), the body loaded as a raw
    content dictionary, the size pledged. tests/test_stored_html.py holds the output to compress_alone's,
    byte for byte.
    """

    def __init__(self, ffi: Any, lib: Any) -> None:
        self._ffi, self._lib = ffi, lib
        self._cctx = ffi.gc(lib.ZSTD_createCCtx(), lib.ZSTD_freeCCtx)
        for parameter, value in (
            (lib.ZSTD_c_compressionLevel, _LEVEL),
            (lib.ZSTD_c_contentSizeFlag, 1),
            (lib.ZSTD_c_checksumFlag, 0),
            (lib.ZSTD_c_dictIDFlag, 1),
        ):
            self._check(lib.ZSTD_CCtx_setParameter(self._cctx, parameter, value))

    def compress(self, data: bytes, dictionary: bytes) -> bytes:
        ffi, lib, cctx = self._ffi, self._lib, self._cctx
        self._check(lib.ZSTD_CCtx_reset(cctx, lib.ZSTD_reset_session_only))  # keeps the parameters
        # Copied: the context keeps it past this call. No dictionary for an empty body (NULL clears the
        # last one), as compress_alone.
        self._check(
            lib.ZSTD_CCtx_loadDictionary_advanced(
                cctx, dictionary or ffi.NULL, len(dictionary), lib.ZSTD_dlm_byCopy, lib.ZSTD_dct_rawContent
            )
        )
        self._check(lib.ZSTD_CCtx_setPledgedSrcSize(cctx, len(data)))
        capacity = lib.ZSTD_compressBound(len(data))
        out = ffi.new("char[]", capacity)
        size = self._check(lib.ZSTD_compress2(cctx, out, capacity, data, len(data)))
        return bytes(ffi.buffer(out, size))

    def _check(self, code: int) -> int:
        if self._lib.ZSTD_isError(code):
            raise zstandard.ZstdError(self._ffi.string(self._lib.ZSTD_getErrorName(code)).decode())
        return code


_CONTEXTS = threading.local()  # a zstd context serves one thread at a time


def _context() -> _ReusedContext | None:
    """This thread's reused context, or None without python-zstandard's cffi backend."""
    context: _ReusedContext | None = getattr(_CONTEXTS, "context", None)
    if context is None and not getattr(_CONTEXTS, "unavailable", False):
        try:
            from zstandard.backend_cffi import ffi, lib

            context = _ReusedContext(ffi, lib)
        except Exception:
            # No cffi backend, or one whose names or zstd calls differ from these (its ffi and lib are not
            # python-zstandard's documented API): a compressor per row, as before, never a failed page.
            _CONTEXTS.unavailable = True
            return None
        _CONTEXTS.context = context
    return context


def unpack_body_html(stored: str | bytes | None, body: str | None) -> str | None:
    """``body_html`` from its stored form (text as stored by release 0.1 comes back unchanged)."""
    if stored is None or isinstance(stored, str):
        return stored
    dictionary = _dictionary(body)
    decompressor = (
        zstandard.ZstdDecompressor(dict_data=dictionary)
        if dictionary is not None
        else zstandard.ZstdDecompressor()
    )
    return decompressor.decompress(stored).decode("utf-8")
