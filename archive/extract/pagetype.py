"""Article, listing or other: a listing or index page must never become an article of glued teasers."""

from __future__ import annotations

import re
from typing import Any

from archive.extract.meta import DATE_RE

_LISTING_URL = re.compile(
    r"(?:/|_)(?:index|list|lists|more|node|column|channel|category|tag|tags|search)(?:[_-]?\d+)?(?:\.s?html?|\.php|\.aspx?|\.jsp|/)?(?:$|\?)"
    r"|/$|\?page=|[?&]p=\d",
    re.I,
)


def headline_links(node: Any, cjk: bool) -> int:
    """Links whose text is the length of a headline: what listings are made of."""
    count = 0
    lo, hi = (6, 60) if cjk else (20, 160)
    for a in node.iter("a"):
        n = len("".join("".join(a.itertext()).split()))
        if lo <= n <= hi:
            count += 1
            if count >= 200:
                break
    return count


def classify(
    root: Any,
    node: Any,
    body: str,
    title: str | None,
    has_date: bool,
    cjk: bool,
    url: str | None,
    teaser_lines: int,
) -> str:
    body_len = len("".join(body.split()))
    long_enough = body_len >= (80 if cjk else 250)
    page_links = headline_links(root, cjk) if root is not None else 0
    if node is not None:
        inner = headline_links(node, cjk)
        dated = len(DATE_RE.findall(" ".join(node.itertext())[:20000])) if inner >= 6 else 0
        # Teasers: many headline links inside the content and a date beside most of them.
        longest = max((len(p) for p in body.split("\n\n")), default=0)
        text_len = len("".join("".join(node.itertext()).split())) or 1
        link_len = sum(len("".join("".join(a.itertext()).split())) for a in node.iter("a"))
        teaser_like = link_len / text_len >= 0.3 or longest < (150 if cjk else 300)
        if inner >= 8 and teaser_like and (dated >= inner // 2 or teaser_lines >= 6):
            return "listing"
        if long_enough:
            return "article"
    if title and has_date and body_len >= (20 if cjk else 80):
        return "article"
    if page_links >= 10 or (url and _LISTING_URL.search(url) and page_links >= 5):
        return "listing"
    return "other"
