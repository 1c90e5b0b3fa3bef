"""An article's ``body_html`` as stored: zstd-compressed with the article's own body text as dictionary.

``body_html`` is the body's text again with its markup (paragraphs, headings, images, links), so stored as
text it doubled the record's size. Compressed against ``body``, which the row keeps as plain text anyway (for
reading in datasette, snippets and dedup), what is left is little more than the markup: 2-5% of its size
(docs/benchmarks.md, ## Ingest). The column holds a BLOB; archives made by release 0.1 hold text, read as is.
"""

from __future__ import annotations

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
    dictionary = _dictionary(body)
    compressor = (
        zstandard.ZstdCompressor(level=_LEVEL, dict_data=dictionary)
        if dictionary is not None
        else zstandard.ZstdCompressor(level=_LEVEL)
    )
    return compressor.compress(body_html.encode("utf-8"))


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
