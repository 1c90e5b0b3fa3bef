#!/usr/bin/env python3
"""GNE (GeneralNewsExtractor) as an extract command: `gne_extract.py FILE...` prints SPEC-shaped JSON lines."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import clean, main, paragraphs, plain_decode  # noqa: E402
from gne import GeneralNewsExtractor  # noqa: E402

EXTRACTOR = GeneralNewsExtractor()
WHEN = re.compile(r"(\d{4})\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})\D{0,3}(?:(\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def iso(s: str | None) -> str | None:
    """GNE's publish_time string ('2021-01-19 15:38:57', '2021年01月19日 15:38') as ISO 8601 local time."""
    m = WHEN.search(s or "")
    if not m:
        return None
    y, mo, d, h, mi, sec = m.groups()
    day = f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"
    if h is None:
        return day
    return f"{day}T{int(h):02d}:{mi}" + (f":{sec}" if sec else "")


def extract_one(raw: bytes) -> dict[str, Any]:
    r = EXTRACTOR.extract(plain_decode(raw))
    return {
        "title": clean(r.get("title")),
        "published_at": iso(r.get("publish_time")),
        "source": None,
        "author": clean(r.get("author")),
        "editor": None,
        "body": paragraphs(r.get("content")),
        "lang": None,
        "spam": [],
    }


if __name__ == "__main__":
    main(extract_one)
