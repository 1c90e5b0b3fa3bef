#!/usr/bin/env python3
"""trafilatura as an extract command: `trafilatura_extract.py FILE...` prints SPEC-shaped JSON lines."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import trafilatura  # noqa: E402
from common import clean, main, paragraphs  # noqa: E402


def extract_one(raw: bytes) -> dict[str, Any]:
    # the peer's best settings for article pages: no reader comments, a time of day when the page gives one
    doc = trafilatura.bare_extraction(
        raw,
        with_metadata=True,
        include_comments=False,
        date_extraction_params={"outputformat": "%Y-%m-%dT%H:%M"},
    )
    if doc is None:
        return {"title": None, "published_at": None, "author": None, "body": None}
    d = doc if isinstance(doc, dict) else doc.as_dict()
    authors = [clean(a) for a in (d.get("author") or "").split(";")]
    return {
        "title": clean(d.get("title")),
        "published_at": clean(d.get("date")),
        "source": None,
        "author": " ".join(a for a in authors if a) or None,
        "editor": None,
        "body": paragraphs(d.get("text")),
        "lang": d.get("language"),
        "spam": [],
    }


if __name__ == "__main__":
    main(extract_one)
