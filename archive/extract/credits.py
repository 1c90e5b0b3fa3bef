"""Credits: the review chain and other credited roles at the end of an article.

``责编：X  初审：Y  二审：Z  终审：W`` (and the Traditional 責編 / 初審 / 二審 / 終審) is how Chinese government
and regional portals sign an article; photographers are credited as 摄影 / 图. The labels map onto the SPEC's
``credits`` keys; :mod:`archive.extract.meta` reads them with the other labelled fields of a line.
"""

from __future__ import annotations

from archive.article import CREDIT_ROLES

CREDIT_LABELS = {
    "责任编辑": "responsible_editor",
    "責任編輯": "responsible_editor",
    "责编": "responsible_editor",
    "責編": "responsible_editor",
    "初审": "first_review",
    "初審": "first_review",
    "二审": "second_review",
    "二審": "second_review",
    "复审": "second_review",
    "複審": "second_review",
    "终审": "final_review",
    "終審": "final_review",
    "三审": "final_review",
    "三審": "final_review",
    "摄影": "photographer",
    "攝影": "photographer",
    "图片": "photographer",
    "圖片": "photographer",
    "图": "photographer",
    "圖": "photographer",
}

# A responsible editor is also the record's ``editor`` when no plain 编辑 is named.
RESPONSIBLE_EDITOR_LABELS = frozenset(k for k, v in CREDIT_LABELS.items() if v == "responsible_editor")

assert set(CREDIT_LABELS.values()) <= set(CREDIT_ROLES)


def credit_role(label: str) -> str:
    """The SPEC's credits key for a label (``初審`` -> ``first_review``)."""
    return CREDIT_LABELS[label]
