"""`news-archive extract FILE... [--url URL]`: one JSON record per file, JSON Lines on stdout."""

from __future__ import annotations

import json
import sys

import click

from archive.extract import extract
from archive.page import Page


@click.command("extract")
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--url", default=None, help="The page's URL (resolves relative links; names the site).")
def command(files: tuple[str, ...], url: str | None) -> None:
    """Extract the article record from each FILE (raw bytes, any encoding; - is stdin)."""
    failed = 0
    for path in files:
        try:
            if path == "-":
                raw = sys.stdin.buffer.read()
            else:
                with open(path, "rb") as fh:
                    raw = fh.read()
            record = extract(Page(url=url or "", body=raw)).to_dict()
            out = {"file": path, **record}
        except Exception as exc:  # one bad file never stops the others
            failed += 1
            out = {"file": path, "error": f"{type(exc).__name__}: {exc}"}
        click.echo(json.dumps(out, ensure_ascii=False))
    if failed:
        sys.exit(1)
