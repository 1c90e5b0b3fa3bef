"""Shortcuts extraction takes through work already done give what doing the work again would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from archive.extract import body, dom

FIXTURES = Path(__file__).parent / "fixtures" / "pages"


def _page_roots() -> list[Any]:
    roots = []
    for path in sorted(FIXTURES.glob("*/*.html")):
        root = dom.parse(path.read_bytes().decode("utf-8", "replace"))
        if root is not None:
            # As the pipeline has it when it walks the lines: no head, no scripts and the like.
            for head in root.findall("head"):
                root.remove(head)
            etree.strip_elements(root, *dom.JUNK_TAGS, with_tail=False)
            roots.append(root)
    return roots


def test_content_blocks_from_the_page_lines_as_from_walking_the_node(monkeypatch: pytest.MonkeyPatch) -> None:
    taken: list[bool] = []
    lines_inside = body._lines_inside

    def spy(node: Any, page_lines: list[dom.Line], skip: Any) -> list[dom.Line] | None:
        got = lines_inside(node, page_lines, skip)
        taken.append(got is not None)
        return got

    monkeypatch.setattr(body, "_lines_inside", spy)
    for root in _page_roots():
        page_lines = list(dom.lines(root))
        for node in root.iter():
            if dom.tag_of(node) in dom.BLOCK_TAGS:
                for cjk in (True, False):
                    assert body.content_blocks(node, cjk, page_lines=page_lines) == body.content_blocks(
                        node, cjk
                    )
    assert len(taken) > 1000 and sum(taken) > 300  # both ways taken, many times
