"""``body_html``: the kept blocks as clean, safe HTML, passed through nh3 (ammonia) as the last word.

Only p, h2-h4, figure/img/figcaption, table, lists and a with absolute http(s) href survive; no script,
style, event attributes or ``javascript:`` URLs, whatever the page held.
"""

from __future__ import annotations

import html
import re
from typing import Any

import nh3

from archive.article import Image
from archive.extract.body import Block
from archive.extract.dom import absolute
from archive.extract.text import clean

_TAGS = {"p", "h2", "h3", "h4", "figure", "img", "figcaption", "table", "thead", "tbody", "tr", "td", "th"}
_TAGS |= {"ul", "ol", "li", "a", "br", "strong", "em", "b", "i", "blockquote"}
_ATTRS = {"img": {"src", "alt"}, "a": {"href"}}


def sanitize(fragment: str) -> str:
    return nh3.clean(
        fragment,
        tags=_TAGS,
        attributes=_ATTRS,
        url_schemes={"http", "https"},
        link_rel="noopener nofollow",
        strip_comments=True,
    )


def caption_for(img: Any, line_text: str) -> str | None:
    """An image's caption: its figcaption, else its alt/title when meaningful."""
    fig = img
    for _ in range(4):
        fig = fig.getparent()
        if fig is None:
            break
        if isinstance(fig.tag, str) and fig.tag.lower() == "figure":
            cap = fig.find(".//figcaption")
            if cap is not None:
                text = clean("".join(cap.itertext()))
                if text:
                    return text
            break
    for attr in ("alt", "title"):
        text = clean(img.get(attr))
        if text and len(text) >= 2 and not text.lower().endswith((".jpg", ".png", ".gif", ".jpeg")):
            return text
    return None


# What nh3 would write otherwise than it reads in a fragment of our own <p> and <hN> tags: "&" (html.escape
# writes it for & < > " ', and nh3 writes those back its own way), NUL, CR and NBSP. A fragment without any is
# its own sanitized form (tests/test_extract_render.py holds nh3 to that), and holds no markup of the page's.
_NH3_REWRITES = re.compile("[&\x00\r\xa0]")


def render(blocks: list[Block], base: str | None) -> tuple[str, list[Image]]:
    fragment, images = fragment_of(blocks, base)
    if not images and not _NH3_REWRITES.search(fragment):
        return fragment, images  # paragraphs and headings of plain text: nh3 would return it unchanged
    return sanitize(fragment), images


def fragment_of(blocks: list[Block], base: str | None) -> tuple[str, list[Image]]:
    """The blocks as HTML before sanitizing, and the images it shows."""
    parts: list[str] = []
    images: list[Image] = []
    seen: set[str] = set()
    for b in blocks:
        if b.kind == "img":
            src = absolute(base, b.src)
            if not src or src in seen:
                continue
            seen.add(src)
            images.append(Image(src=src, caption=b.caption))
            cap = f"<figcaption>{html.escape(b.caption)}</figcaption>" if b.caption else ""
            parts.append(f'<figure><img src="{html.escape(src)}">{cap}</figure>')
        elif b.kind == "h":
            parts.append(f"<h{b.level}>{html.escape(b.text)}</h{b.level}>")
        else:
            parts.append(f"<p>{html.escape(b.text)}</p>")
    return "\n".join(parts), images
