"""Tables of facts (infoboxes): a date given there is a fact about the subject, not the page's date.

An encyclopedia entry or a profile lists its facts as key/value pairs: a definition list (``<dt>出生日期</dt>
<dd>1975年1月28日</dd>``) or a table row (``<th>Born</th><td>…</td>``, ``<td>成立时间：</td><td>…</td>``).
A date there says when something happened, not when the page was published. The pair is page metadata only
when its term labels the page's own date (发布时间, 更新日期, Published) or another metadata field (来源,
作者); any other term makes it a fact.
"""

from __future__ import annotations

import re
from typing import Any

from archive.extract import meta as meta_mod
from archive.extract.text import clean

_CELLS = ("dd", "td")
_CLIMB = 4  # a value's text sits in the cell itself or a few levels inside it (<dd><ul><li>)
# Terms that label the page's own date: the generic ones, and any naming what happens to a page (published,
# posted, updated, edited). 出生日期 or 成立时间 names what happened to the story's subject.
_PAGE_DATE_TERM = re.compile(
    r"^(?:date|time|dated|published|posted|updated|last updated|modified|last modified)$"
    r"|发布|發佈|發布|发表|發表|发稿|發稿|更新|修改|修订|修訂|编辑|編輯|刊登|刊出|上传|上傳|成文",
    re.I,
)
_COLONS = ":："


def _cell_of(el: Any) -> Any:
    for _ in range(_CLIMB):
        if el is None:
            return None
        if el.tag in _CELLS:
            return el
        el = el.getparent()
    return None


def _term_of(cell: Any) -> str | None:
    """The term a value cell is paired with: its <dt>, its row's <th>, or a label cell ending in a colon."""
    if cell.tag == "dd":
        for prev in cell.itersiblings(preceding=True):
            if prev.tag == "dt":
                return "".join(prev.itertext())
        return None
    row = cell.getparent()
    if row is None or row.tag != "tr":
        return None
    header = None
    for prev in cell.itersiblings(preceding=True):
        if prev.tag == "th":
            header = prev
            break
    if header is not None:
        return "".join(header.itertext())
    cells = [c for c in row if c.tag in ("td", "th")]
    if len(cells) == 2 and cells[1] is cell:
        label = clean("".join(cells[0].itertext()))
        # Two plain cells pair a label with its value only when the first is written as a label.
        if label and label[-1] in _COLONS:
            return label
    return None


def is_fact_term(term: str) -> bool:
    """A bare term naming a fact (出生日期, Born, 成立时间), not a metadata label nor a value."""
    t = clean(term).rstrip(_COLONS + " ").replace(" ", "")
    if not 1 <= len(t) <= 12 or any(ch.isdigit() for ch in t) or any(ch in _COLONS for ch in t):
        return False  # a value ("来源：新华网", a date), not a term
    return not meta_mod.is_label(t) and not _PAGE_DATE_TERM.search(clean(term).rstrip(_COLONS + " "))


def in_fact_cell(el: Any) -> bool:
    """The element holds the value of a key/value pair whose term names a fact."""
    cell = _cell_of(el)
    if cell is None:
        return False
    term = _term_of(cell)
    return term is not None and is_fact_term(term)
