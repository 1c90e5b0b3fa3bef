"""Parsing with lxml and walking the tree without recursion.

A page can be 20 MB or nested 10,000 deep: the parser runs with ``huge_tree`` off (libxml2's own depth and
size limits apply), the text is capped before parsing, and every walk here is iterative (``iterwalk``), so no
page can exhaust the Python stack or run unbounded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from archive.extract.text import collapse, visible_len

MAX_CHARS = 3_000_000  # decoded characters parsed per page; the rest of a giant page is not an article
MAX_NODES = 200_000  # elements walked per page

BLOCK_TAGS = frozenset(
    "p div td th tr table tbody thead tfoot ul ol li dl dt dd h1 h2 h3 h4 h5 h6 section article main aside "
    "header footer nav blockquote pre figure figcaption center form fieldset hr br address details summary "
    "caption body html legend option".split()
)
HEADING_TAGS = frozenset("h1 h2 h3 h4 h5 h6".split())
# Removed before anything reads the page: never visible article text.
JUNK_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "svg",
    "canvas",
    "select",
    "textarea",
    "button",
    "input",
    "link",
    "map",
    "audio",
    "video",
)

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>", re.I)
# C0 and C1 controls and non-characters: never text. Removed once here, so the hot text loops need not.
_C0 = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_HUGE_TAG = re.compile(r"<[a-zA-Z][^<>]{8000,}>")
_PARSER = etree.HTMLParser(
    remove_comments=True, remove_pis=True, huge_tree=False, no_network=True, recover=True
)


# The bytes of what _C0 matches, in UTF-8: control bytes (all but tab, LF and CR, which are text), C1
# controls (two bytes after \xc2) and U+FFFE/U+FFFF.
_TEXT_BYTES = bytes([9, 10, 13, *range(32, 127), *range(128, 256)])
_C1_UTF8 = re.compile(b"\xc2[\x80-\x9f]")
_NONCHAR_UTF8 = re.compile(b"\xef\xbf[\xbe\xbf]")  # a two-byte prefix: found faster than by `in`


def utf8_may_hold_controls(data: bytes) -> bool:
    """Whether UTF-8 ``data`` (decoded strictly or with replacement) can give a character _C0 matches.

    Checked on the bytes in C (deleting every text byte, a search for one lead byte) instead of a regex
    scan of every decoded character: the same answer where it says no, several times faster.
    """
    if data.translate(None, _TEXT_BYTES):
        return True
    if b"\xc2" in data and _C1_UTF8.search(data):
        return True
    return _NONCHAR_UTF8.search(data) is not None


_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def has_huge_tag(text: str) -> bool:
    """Whether _HUGE_TAG matches ``text``, found from the runs between ">" (split and measured in C) instead
    of scanning every tag: such a tag is the last "<" of a run of at least 8,002 characters that a ">" ends.
    """
    if len(text) < 8002:
        return False  # no room for such a run (most pages of the crawl benchmark): nothing split
    runs = text.split(">")
    if max(map(len, runs)) < 8002:
        return False
    for run in runs[:-1]:  # the last run is not followed by a ">"
        if len(run) >= 8002:
            start = run.rfind("<")
            if 0 <= start <= len(run) - 8002 and run[start + 1] in _ASCII_LETTERS:
                return True
    return False


def parse(text: str, controls: bool = True) -> Any:
    """The document's root element, or None when there is no markup at all.

    ``controls`` False: the caller knows the text holds no control character (utf8_may_hold_controls).
    """
    text = _XML_DECL.sub("", text[:MAX_CHARS], count=1)
    # C0 controls are not text in HTML, and lxml refuses them in any text node the pipeline later edits.
    if controls:
        text = _C0.sub("", text)
    # libxml2 checks attributes for duplicates pairwise: a tag with 100,000 attributes takes minutes.
    # No real tag is 8,000 characters long; cut such tags down before parsing.
    if has_huge_tag(text):
        text = _HUGE_TAG.sub(lambda m: m.group(0)[:2000] + ">", text)
    if not text.strip():
        return None
    try:
        root = etree.fromstring(text, _PARSER)
    except (etree.ParserError, ValueError, etree.XMLSyntaxError):
        return None
    return root


def tag_of(el: Any) -> str:
    # lxml's HTML parser already lower-cases tag names, and nothing here creates elements: no .lower().
    tag = el.tag
    return tag if isinstance(tag, str) else ""


@dataclass(slots=True)  # built by the thousand per page: slots make building and reading them cheaper
class Line:
    """One visual line of text: what lies between two block boundaries (or <br>)."""

    text: str
    link_len: int
    block: Any  # the nearest block element holding the text
    heading: int  # 1..6 for text inside <hN>
    length: int  # characters that are not spaces (lines() computes it with the text)
    images: list[Any] = field(default_factory=list)

    @property
    def link_density(self) -> float:
        return self.link_len / self.length if self.length else 0.0


def lines(
    root: Any, skip: Any = None, with_images: bool = False, cut_short: list[bool] | None = None
) -> Iterator[Line]:
    """Text lines of ``root`` in document order; ``skip(el)`` true prunes an element's subtree.

    ``cut_short`` (when given) gets True appended if the walk stopped at MAX_NODES before the end.
    """
    # The hottest loop of extraction (every element of the page, twice): names are bound locally, and a
    # line is only built where text or an image has gathered (most block boundaries close nothing).
    # Whitespace that would open a line is not gathered at all: collapse() strips it, it counts for no link
    # text, and the whitespace between tags then leaves nothing to flush.
    parts: list[str] = []
    link_len = 0
    images: list[Any] = []
    blocks: list[Any] = [root]
    in_link = 0
    heading: list[int] = [0]
    count = 0
    skipped: Any = None
    block_tags = BLOCK_TAGS
    heading_tags = HEADING_TAGS

    def flush() -> Line | None:
        nonlocal parts, link_len, images
        # Most gathered text is the whitespace between tags, which collapse() turns into "" in C.
        text = collapse("".join(parts))
        line = None
        if text or images:
            # collapse() leaves single spaces as the text's only whitespace.
            line = Line(text, link_len, blocks[-1], heading[-1], len(text) - text.count(" "), images)
        parts, link_len, images = [], 0, []
        return line

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if not isinstance(tag, str):
            tag = ""
        if event == "start":
            count += 1
            if count > MAX_NODES:
                if cut_short is not None:
                    cut_short.append(True)
                break
            if not tag or (skip is not None and el is not root and skip(el)):
                walker.skip_subtree()
                skipped = el  # its "end" event still comes: only its tail is read then
                if tag in block_tags and (parts or images):
                    line = flush()
                    if line:
                        yield line
                continue
            if tag in block_tags:
                if parts or images:
                    line = flush()
                    if line:
                        yield line
                if tag != "br" and tag != "hr":
                    blocks.append(el)
                    heading.append(int(tag[1]) if tag in heading_tags else heading[-1])
                    text = el.text
                    if text and (parts or not text.isspace()):
                        parts.append(text)
                        if in_link:
                            link_len += visible_len(text)
                continue
            if tag == "a":
                in_link += 1
            elif tag == "img" and with_images:
                images.append(el)
            text = el.text
            if text and (parts or not text.isspace()):
                parts.append(text)
                if in_link:
                    link_len += visible_len(text)
        else:
            if el is skipped:
                skipped = None
            elif tag in block_tags:
                if parts or images:
                    line = flush()
                    if line:
                        yield line
                if tag != "br" and tag != "hr" and len(blocks) > 1:
                    blocks.pop()
                    heading.pop()
            elif tag == "a":
                in_link -= 1
            if el is root:
                break
            tail = el.tail
            if tail and (parts or not tail.isspace()):
                parts.append(tail)
                if in_link:
                    link_len += visible_len(tail)
    if parts or images:
        line = flush()
        if line:
            yield line


def text_len(el: Any) -> int:
    """Non-whitespace characters under an element (its text nodes joined by lxml's text serializer in C)."""
    if not len(el):
        text = el.text  # a leaf (most links): its text is all there is
        return len("".join(text.split())) if text else 0
    # The same text as XPath string() (tests/test_extract_shortcuts.py), without an XPath evaluation's setup,
    # which cost more than the joining on all but the largest elements.
    try:
        text = etree.tostring(el, method="text", encoding=str, with_tail=False)
    except (ValueError, etree.LxmlError):
        return 0
    return len("".join(text.split()))


class TextLengths(dict[Any, int]):
    """text_len of elements, measured once: for steps that measure the same elements repeatedly. Only valid
    while the tree is not changed."""

    def __missing__(self, el: Any) -> int:
        n = self[el] = text_len(el)
        return n


def attr_text(el: Any) -> str:
    """The class and id of an element, lower-cased, for boilerplate hints."""
    return f"{el.get('class') or ''} {el.get('id') or ''}".lower()


def absolute(base: str | None, href: str | None) -> str | None:
    """An absolute http(s) URL, or None for javascript:, data: and the like."""
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    low = href[:12].lower()
    if low.startswith(("javascript:", "data:", "vbscript:", "mailto:", "about:")):
        return None
    try:
        url = urljoin(base or "", href)
    except ValueError:
        return None
    if url.startswith("//"):
        url = "http:" + url
    return url if url.lower().startswith(("http://", "https://")) else (url if not base else None)
