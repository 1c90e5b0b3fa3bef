"""Article: the SPEC's record (../shared/SPEC.md) as a dataclass.

Key order of :meth:`Article.to_dict` is the SPEC's order. Absent values are None / [] / {}, never "".
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

# The SPEC's key order; ``file`` belongs to ``extract`` output and the archive-only keys to stored records.
RECORD_KEYS = (
    "file",
    "url",
    "title",
    "published_at",
    "source",
    "author",
    "editor",
    "views",
    "credits",
    "body",
    "body_html",
    "images",
    "lang",
    "spam",
    "page_type",
    "encoding",
    "parser_version",
    "id",
    "urls",
    "duplicate_of",
    "first_seen",
    "last_seen",
)

CREDIT_ROLES = ("responsible_editor", "first_review", "second_review", "final_review", "photographer")


@dataclass
class Image:
    src: str
    caption: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"src": self.src, "caption": self.caption}


@dataclass
class Article:
    """What extraction makes of one page. ``page_type`` says whether it is an article at all."""

    url: str | None = None
    title: str | None = None
    published_at: str | None = None
    source: str | None = None
    author: str | None = None
    editor: str | None = None
    views: int | None = None
    credits: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    body_html: str | None = None
    images: list[Image] = field(default_factory=list)
    lang: str | None = None
    spam: list[str] = field(default_factory=list)
    page_type: str = "other"
    encoding: str | None = None
    parser_version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The record in the SPEC's key order (extraction keys only)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "images":
                value = [img.to_dict() for img in value]
            elif isinstance(value, str) and value == "":
                value = None
            out[f.name] = value
        return {k: out[k] for k in RECORD_KEYS if k in out}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        names = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        kwargs["images"] = [Image(**i) if isinstance(i, dict) else i for i in kwargs.get("images") or []]
        kwargs["credits"] = dict(kwargs.get("credits") or {})
        kwargs["spam"] = list(kwargs.get("spam") or [])
        return cls(**kwargs)


# How the archive stores a record: every extraction field but ``url`` is a column of ``articles`` (the url
# column holds the canonical first URL), in this order; the list- and dict-valued ones are JSON text.
STORED_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Article) if f.name != "url")
JSON_FIELDS: dict[str, Any] = {"credits": {}, "images": [], "spam": []}  # field -> its empty value
