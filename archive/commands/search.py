"""`news-archive search QUERY`: full-text search, human-readable or JSON Lines (``--json``)."""

from __future__ import annotations

import json
import sys

import click

from archive.cli import db_option
from archive.db import open_db
from archive.search import highlight_title, search

# Matches are shown in reverse video on a terminal, in [brackets] when the output is piped.
_TTY_MARKS = ("\x1b[7m", "\x1b[0m")
_PLAIN_MARKS = ("[", "]")


@click.command("search")
@click.argument("query", nargs=-1, required=True)
@db_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit and line.")
@click.option("--site", default=None, help="Only this site (host name; subdomains included).")
@click.option("--since", default=None, metavar="DATE", help="Published on or after DATE (YYYY-MM-DD).")
@click.option("--until", default=None, metavar="DATE", help="Published on or before DATE (YYYY-MM-DD).")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1), help="At most N hits.")
@click.option("--all-copies", is_flag=True, help="List near-copies as hits of their own.")
def command(
    query: tuple[str, ...],
    db_path: str,
    as_json: bool,
    site: str | None,
    since: str | None,
    until: str | None,
    limit: int,
    all_copies: bool,
) -> None:
    """Search the archive's articles for QUERY.

    Chinese words of two characters or more match in either script (a Simplified query finds Traditional
    articles and the reverse). Words side by side must all match; "quoted words" match as a phrase;
    OR, NOT (or -word), parentheses and a trailing * (prefix) are understood. Near-copies of an article
    (syndicated or in the other script) are shown under their original.
    """
    text = " ".join(query)
    db = open_db(db_path, readonly=True)
    marks = ("<mark>", "</mark>") if as_json else _TTY_MARKS if sys.stdout.isatty() else _PLAIN_MARKS
    hits = search(
        db,
        text,
        site=site,
        since=since,
        until=until,
        limit=limit,
        collapse_duplicates=not all_copies,
        marks=marks,
    )
    if as_json:
        for hit in hits:
            click.echo(json.dumps(hit.to_dict(), ensure_ascii=False))
        return
    if not hits:
        click.echo("no match", err=True)
        return
    for n, hit in enumerate(hits, 1):
        title = highlight_title(hit.title, text, marks) if hit.title else "(untitled)"
        click.echo(f"{n}. {title}")
        click.echo(f"   {hit.published_at or 'undated'} · {hit.site} · {hit.url}")
        click.echo(f"   {hit.snippet}")
        extra = f"   id {hit.id}"
        if hit.duplicate_of:
            extra += f" · near-copy of {hit.duplicate_of}"
        if hit.duplicates:
            extra += f" · {len(hit.duplicates)} near-cop{'y' if len(hit.duplicates) == 1 else 'ies'}: "
            extra += ", ".join(hit.duplicates)
        click.echo(extra)
