"""One module per command of ``news-archive``; each exposes ``command`` (a click.Command)."""

from __future__ import annotations

import click

from archive.commands import export, extract, import_warc, reparse, runs, search, show, stats

ALL_COMMANDS: list[click.Command] = [
    extract.command,
    import_warc.command,
    search.command,
    show.command,
    export.command,
    reparse.command,
    stats.command,
    runs.command,
]
