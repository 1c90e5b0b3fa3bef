"""What the peer adapters share: a plain decoder for peers that need text, and the record shape score.py reads.

The decoder is deliberately ordinary (declared charset, then UTF-8, then GB18030, then replacement characters), so
that a peer is not handed our own decoding work; trafilatura is given the raw bytes and decodes them itself.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Callable
from typing import Any

DECLARED = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)


def plain_decode(raw: bytes) -> str:
    """Bytes to text the way a simple scraper does it."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", "replace")
    m = DECLARED.search(raw[:4096])
    if m:
        name = m.group(1).decode("ascii", "replace").lower()
        if name in ("gb2312", "gbk"):
            name = "gb18030"
        try:
            return raw.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    for name in ("utf-8", "gb18030"):
        try:
            return raw.decode(name)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")


def clean(s: Any) -> str | None:
    if s is None:
        return None
    s = re.sub(r"[ \t\u00a0\u3000]+", " ", unicodedata.normalize("NFC", str(s))).strip()
    return s or None


def paragraphs(text: str | None) -> str | None:
    """A peer's newline-separated text as the SPEC body: paragraphs separated by one blank line."""
    if not text:
        return None
    paras = [clean(p) for p in text.splitlines()]
    return "\n\n".join(p for p in paras if p) or None


def main(extract_one: Callable[[bytes], dict[str, Any]]) -> None:
    """Run ``extract_one`` on every path in argv; one JSON line per file, an error line when it fails."""
    failed = 0
    for path in sys.argv[1:]:
        try:
            with open(path, "rb") as fh:
                raw = fh.read()
            out = {"file": path, **extract_one(raw)}
        except Exception as exc:  # a peer failing on one page must not stop the others
            failed += 1
            out = {"file": path, "error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(out, ensure_ascii=False), flush=True)
    sys.exit(1 if failed else 0)
