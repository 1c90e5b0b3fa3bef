"""Article, listing or other: a listing or index page must never become an article of glued teasers."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from archive.extract.dom import TextLengths
from archive.extract.meta import DATE_RE, has_date

_LISTING_URL = re.compile(
    r"(?:/|_)(?:index|list|lists|more|node|column|channel|category|tag|tags|search)(?:[_-]?\d+)?(?:\.s?html?|\.php|\.aspx?|\.jsp|/)?(?:$|\?)"
    r"|/$|\?page=|[?&]p=\d",
    re.I,
)


_PAGER = re.compile(
    r"下一页|上一页|尾页|末页|共\s*\d+\s*页|下一頁|上一頁|尾頁|末頁|共\s*\d+\s*頁|Next page|Previous page|Older posts",
    re.I,
)


def headline_links(node: Any, cjk: bool, lengths: dict[Any, int] | None = None) -> int:
    """Links whose text is the length of a headline: what listings are made of."""
    count = 0
    lo, hi = (6, 60) if cjk else (20, 160)
    measure = lengths if lengths is not None else TextLengths()
    for a in node.iter("a"):
        n = measure[a]
        if lo <= n <= hi:
            count += 1
            if count >= 200:
                break
    return count


_LEAST_RUN = 3  # teasers in a run (teaser_runs)


def teaser_runs(root: Any, cjk: bool, lengths: dict[Any, int] | None = None) -> list[tuple[Any, list[Any]]]:
    """Runs of three or more alike siblings (same tag and class), each a headline link with a short teaser.

    This is the shape of every listing, whatever the CMS: ``<li><a>headline</a><span>date</span></li>``,
    ``<article class="card"><h2><a>…</a></h2><p>summary……</p><time>…</time></article>``.
    """
    lo, hi = (6, 60) if cjk else (20, 160)
    teaser_max = 300 if cjk else 800
    measure = lengths if lengths is not None else TextLengths()
    runs: list[tuple[Any, list[Any]]] = []
    seen = 0
    for parent in root.iter():
        seen += 1
        if seen > 50_000:
            break
        if len(parent) < 3 or not isinstance(parent.tag, str):
            continue
        groups: dict[tuple[str, str], list[Any]] = {}
        for child in parent:
            if isinstance(child.tag, str):
                groups.setdefault((child.tag, child.get("class") or ""), []).append(child)
        for members in groups.values():
            if len(members) < 3:
                continue
            units: list[Any] = []
            linky = 0
            for k, m in enumerate(members):
                # A run needs three units and two thirds of the group: once the members left cannot make
                # that up, the rest need not be measured.
                could_be = len(units) + len(members) - k
                if could_be < _LEAST_RUN or could_be * 3 < len(members) * 2:
                    break
                total = measure[m]
                if total > teaser_max:
                    continue  # decided before measuring each link
                link_lens = [n for n in (measure[a] for a in m.iter("a")) if lo <= n <= hi]
                if not 1 <= len(link_lens) <= 2:
                    continue
                link_share = sum(link_lens) / (total or 1)
                if link_share < 0.2:
                    continue  # a paragraph of prose with a link in it, not a teaser
                units.append(m)
                if link_share >= 0.5:
                    linky += 1
            # Listings date their teasers or are bare link lists; a numbered list inside a story is neither.
            # (The dates are read last, and only when they decide: reading every teaser's text costs most.)
            if (
                len(units) >= _LEAST_RUN
                and len(units) * 3 >= len(members) * 2
                and (linky * 4 >= len(units) * 3 or _dated(units) * 2 >= len(units))
            ):
                runs.append((parent, units))
    return runs


def _dated(units: list[Any]) -> int:
    """How many of the teasers show a date (in their text or a <time>)."""
    return sum(1 for m in units if has_date(" ".join(m.itertext())) or m.find(".//time") is not None)


def _is_teaser(node: Any, runs: list[tuple[Any, list[Any]]], measure: dict[Any, int]) -> bool:
    """The content block is one teaser of a run, or a container made mostly of teasers."""
    node_len = measure[node] or 1
    for parent, units in runs:
        unit_set = set(units)
        el = node
        for _ in range(3):
            if el is None:
                break
            if el in unit_set:
                return True
            el = el.getparent()
        inside = parent is node or any(anc is node for anc in parent.iterancestors())
        if inside and sum(measure[u] for u in units) * 10 >= node_len * 6:
            return True
    return False


def _count(count: int | Callable[[], int]) -> int:
    return count if isinstance(count, int) else count()


def classify(
    root: Any,
    node: Any,
    body: str,
    title: str | None,
    has_date: bool,
    cjk: bool,
    url: str | None,
    teaser_lines: int | Callable[[], int],
    lengths: TextLengths | None = None,
) -> str:
    """``teaser_lines``: the content's short dated lines, or how to count them (counted only if they decide)."""
    body_len = len("".join(body.split()))
    long_enough = body_len >= (80 if cjk else 250)
    if lengths is None:
        lengths = TextLengths()
    page_links = headline_links(root, cjk, lengths) if root is not None else 0
    # Runs of teasers are only looked for where a listing is plausible: a short "body", or links in it.
    plausible = body_len < (1500 if cjk else 4000) or (
        node is not None and headline_links(node, cjk, lengths) >= 5
    )
    # A run is three or more teasers, each holding a headline link of its own: a page with fewer such links
    # has none, decided without the walk over every element's children (0.017 ms of the crawl benchmark's
    # 0.54 ms per page, whose article pages link only "首页" and "新闻").
    may_hold_runs = plausible and page_links >= _LEAST_RUN
    runs = teaser_runs(root, cjk, lengths) if root is not None and may_hold_runs else []
    if node is not None and runs and _is_teaser(node, runs, lengths):
        return "listing"
    if node is not None:
        inner = headline_links(node, cjk, lengths)
        dated = len(DATE_RE.findall(" ".join(node.itertext())[:20000])) if inner >= 6 else 0
        # Teasers: many headline links inside the content and a date beside most of them.
        longest = max((len(p) for p in body.split("\n\n")), default=0)
        # The same counts as joining the texts (XPath string() is the element's text nodes joined).
        text_len = lengths[node] or 1
        link_len = sum(lengths[a] for a in node.iter("a"))
        teaser_like = link_len / text_len >= 0.3 or longest < (150 if cjk else 300)
        if inner >= 8 and teaser_like and (dated >= inner // 2 or _count(teaser_lines) >= 6):
            return "listing"
        if long_enough:
            return "article"
    if not long_enough and any(len(units) >= 4 for _, units in runs):
        return "listing"
    if not long_enough and root is not None and page_links >= 1:
        # The last page of a paginated listing holds one or two items: the pager gives it away.
        text = " ".join(root.itertext())[:200_000]
        if _PAGER.search(text) and DATE_RE.search(text):
            return "listing"
    if title and has_date and body_len >= (20 if cjk else 80):
        return "article"
    if page_links >= 10 or (url and _LISTING_URL.search(url) and page_links >= 5):
        return "listing"
    return "other"
