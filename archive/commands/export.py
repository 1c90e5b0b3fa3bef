"""`news-archive export --format jsonl|csv|warc [-o FILE]`: every article, or every stored response."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from archive.cli import db_option
from archive.db import open_db
from archive.export import FORMATS, export


@click.command("export")
@db_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="What to write.")
@click.option(
    "-o",
    "--output",
    default="-",
    show_default=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="The file to write (- is standard output). A .gz WARC is gzipped record by record.",
)
def command(db_path: str, fmt: str, output: str) -> None:
    """Export every archived article (jsonl: one SPEC record per line; csv: one row per article) or every
    stored response as a WARC file (warc: original headers and raw payloads; readable by `news-archive
    import` and any WARC tool).

    The archive is only read. A file given with -o is written beside itself and renamed into place when
    complete, so a failed export never leaves a partial file.
    """
    db = open_db(db_path, readonly=True)
    if output == "-":
        count = export(db, fmt, sys.stdout.buffer, gzip=False, filename="archive.warc")
        sys.stdout.buffer.flush()
    else:
        target = Path(output)
        partial = target.with_name(target.name + ".part")
        try:
            with partial.open("wb") as fh:
                count = export(db, fmt, fh, gzip=target.name.endswith(".gz"), filename=target.name)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    what = "responses" if fmt == "warc" else "articles"
    click.echo(
        f"exported {count} {what} as {fmt} to {'standard output' if output == '-' else output}", err=True
    )
