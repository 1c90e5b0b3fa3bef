"""Each benchmark script owns one ``## `` section of docs/benchmarks.md: this replaces it, or appends it."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def write_section(text: str, doc: Path = DOC) -> None:
    """Put ``text`` (which starts with its ``## `` heading line) in place of the section of the same heading,
    from that line to the next ``## ``, or at the end; the other sections are left as they are."""
    heading = text.split("\n", 1)[0]
    if not heading.startswith("## "):
        raise ValueError(f"a section starts with its '## ' heading, not {heading!r}")
    old = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    block = text.rstrip("\n") + "\n"
    found = old.find("\n" + heading + "\n")
    if found == -1:
        doc.write_text(old.rstrip("\n") + "\n\n" + block, encoding="utf-8")
        return
    start = found + 1
    end = old.find("\n## ", start + len(heading))
    doc.write_text(old[:start] + block + ("\n" + old[end + 1 :] if end != -1 else ""), encoding="utf-8")
