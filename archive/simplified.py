"""Traditional -> Simplified Chinese (OpenCC ``t2s``) and NFKC, with the last few texts remembered.

Why a shared cache: the ingest path converts the same title and body once for deduplication
(:func:`archive.dedup.normalize_text`) and again for the search index (:func:`archive.search.fold`), and an
OpenCC conversion of an article's body costs more than hashing it for a dictionary lookup.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def converter() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


# Enough for a whole ingest batch (200 pages by default: a title and a body each), since dedup folds a page's
# text when it is applied and the search index only at the end of the batch; about 10 MB at most.
_REMEMBERED = 512


@lru_cache(maxsize=_REMEMBERED)
def nfkc(text: str) -> str:
    """``text`` in Unicode NFKC (remembered for the same reason: dedup and the search index both fold)."""
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=_REMEMBERED)
def to_simplified(text: str) -> str:
    """``text`` converted by OpenCC ``t2s``."""
    return str(converter().convert(text))
