"""Bytes to text: which encoding a page is really in.

Declarations are tried in the order a browser trusts them (BOM, HTTP header, ``<meta>``), but a declaration
that does not decode the bytes cleanly loses to one that does: hacked and misconfigured portals often send
``charset=utf-8`` over GBK bytes, or declare ``gb2312`` over GB18030 text. Legacy labels are widened to
their supersets (gb2312/gbk -> gb18030, big5 -> big5hkscs, latin-1 -> windows-1252), as WHATWG does, so
that characters outside the declared subset survive. The raw bytes are never altered; only a decoded copy
is returned.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

# Labels whose superset decodes everything they do and more.
_WIDEN = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "gb_2312-80": "gb18030",
    "csgb2312": "gb18030",
    "chinese": "gb18030",
    "euc-cn": "gb18030",
    "hz-gb-2312": "gb18030",
    "big5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "cp950": "big5hkscs",
    "csbig5": "big5hkscs",
    "iso-8859-1": "windows-1252",
    "latin-1": "windows-1252",
    "latin1": "windows-1252",
    "ascii": "windows-1252",
    "us-ascii": "windows-1252",
    "unicode": "utf-8",
    "utf8": "utf-8",
}

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# <meta charset="x"> and <meta http-equiv="Content-Type" content="text/html; charset=x">, in ASCII bytes.
_META_CHARSET = re.compile(rb"""<meta[^>]{0,400}?charset\s*=\s*["']?\s*([a-zA-Z0-9_:.+-]{2,40})""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([a-zA-Z0-9_.:+-]{2,40})""", re.I)


# What an undeclared news page is plausibly in; a wider choice lets the detector pick exotic code pages.
_SNIFFABLE = ("utf_8", "gb18030", "big5hkscs", "cp1252", "shift_jis", "euc_jp", "euc_kr", "cp1251", "koi8_r")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def normalize_label(label: str | None) -> str | None:
    """A Python codec name for a charset label, widened to its superset; None when unknown."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = _WIDEN.get(name, name)
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return None
    # codecs.lookup gives back narrow names for some aliases; widen those too.
    canonical = _WIDEN.get(canonical, canonical)
    if canonical in ("gbk", "gb2312"):
        return "gb18030"
    if canonical == "big5":
        return "big5hkscs"
    if canonical in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    if canonical == "utf-16":  # no BOM left to tell the order
        return None
    return canonical


def declared_in_markup(body: bytes) -> str | None:
    """The charset declared by ``<meta>`` (or an XML declaration) in the first bytes of the page."""
    head = body[:16384]
    m = _META_CHARSET.search(head) or _XML_DECL.search(head)
    return m.group(1).decode("ascii", "replace") if m else None


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _sniff(body: bytes) -> str | None:
    """charset-normalizer's guess, only when nothing declared decodes the page."""
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:200_000], steps=5, chunk_size=512, cp_isolation=list(_SNIFFABLE)).best()
    except Exception:  # a detector failure must not lose the page
        return None
    return normalize_label(best.encoding) if best is not None else None


# Very frequent characters in both scripts: GB bytes read as Big5 (or the reverse) give rare characters.
_COMMON_HAN = frozenset(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
    "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好"
    "应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道"
    "這個們來時為說國會過對後發經與當從現動於無開麼點學進種還長東將"
)


def _guess_chinese(body: bytes) -> str | None:
    """GB18030 or Big5 for an undeclared legacy Chinese page, by how common the decoded characters are."""
    sample = body[:100_000]
    best, best_score = None, 0
    for enc in ("gb18030", "big5hkscs"):
        text = sample.decode(enc, "replace")
        score = sum(1 for ch in text if ch in _COMMON_HAN) - 20 * text.count("\ufffd")
        if score > best_score:
            best, best_score = enc, score
    return best if best_score >= 10 else None


def decode(body: bytes, header_charset: str | None = None) -> Decoded:
    """Decode ``body``; header charset first, then BOM / meta, preferring whatever decodes cleanly."""
    for bom, enc in _BOMS:
        if body.startswith(bom):
            return Decoded(body[len(bom) :].decode(enc, "replace"), enc.replace("-le", "").replace("-be", ""))

    # The <meta> declaration is looked for only where it can decide: an ASCII page that the HTTP header names
    # no usable charset for, or bytes that are not clean UTF-8.
    header = normalize_label(header_charset)
    ascii_only = body.isascii()
    if ascii_only and header:
        return Decoded(body.decode(header, "replace"), header)
    if not ascii_only:
        # Valid UTF-8 with non-ASCII bytes is almost never an accident in a legacy encoding, while GB18030
        # and Big5 decode many UTF-8 byte runs "cleanly" into nonsense: so clean UTF-8 wins over any label.
        text = _strict(body, "utf-8")
        if text is not None:
            return Decoded(text, "utf-8")

    candidates: list[str] = [header] if header else []
    declared = normalize_label(declared_in_markup(body))
    if declared and declared not in candidates:
        candidates.append(declared)

    if ascii_only:
        enc = candidates[0] if candidates else "utf-8"
        return Decoded(body.decode(enc, "replace"), enc)

    for enc in candidates:
        text = _strict(body, enc)
        if text is not None:
            return Decoded(text, enc)

    # A declared encoding with a few bad bytes (a truncated page, a damaged byte) is still the right one.
    nonascii = max(1, sum(1 for b in body[:200_000] if b >= 0x80))
    for enc in candidates:
        text = body.decode(enc, "replace")
        if text.count("\ufffd") <= max(2, nonascii // 200):
            return Decoded(text, enc)

    guessed = _guess_chinese(body) or _sniff(body)
    if guessed and guessed not in candidates:
        text = _strict(body, guessed)
        if text is not None:
            return Decoded(text, guessed)

    # Nothing decodes cleanly: take the candidate with the fewest errors.
    pool = candidates + ([guessed] if guessed else []) + ["utf-8", "gb18030"]
    best_enc, best_text, best_bad = "utf-8", "", -1
    for enc in dict.fromkeys(pool):
        try:
            text = body.decode(enc, "replace")
        except LookupError:
            continue
        bad = text.count("\ufffd")
        if best_bad < 0 or bad < best_bad:
            best_enc, best_text, best_bad = enc, text, bad
        if bad == 0:
            break
    return Decoded(best_text, best_enc)
