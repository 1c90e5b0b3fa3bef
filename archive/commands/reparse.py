"""`news-archive reparse [--outdated-only]`: re-extract stored pages from their raw bytes, print what changed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from archive.cli import db_option
from archive.db import open_db
from archive.errors import ArchiveError
from archive.profiles import load_profiles
from archive.reparse import ReparseReport, reparse, select_responses

# What each ingest status means after a reparse, in the order they are printed.
STATUS_LABELS = {
    "updated": "records updated",
    "unchanged": "records unchanged",
    "new": "new records (pages that failed or were not articles before)",
    "duplicate": "pages now found to be exact copies",
    "listing": "listing pages",
    "other": "other pages",
    "error": "extraction errors",
    "skipped": "skipped (not HTML or not a 2xx response)",
}


def render(report: ReparseReport) -> str:
    if report.responses == 0:
        return f"nothing to reparse (parser {report.parser_version})"
    rate = report.responses / report.seconds if report.seconds > 0 else 0.0
    lines = [
        f"reparsed {report.responses:,} stored responses with parser {report.parser_version}"
        f" in {report.seconds:.1f} s ({rate:,.1f}/s)"
    ]
    for status, label in STATUS_LABELS.items():
        if report.statuses.get(status):
            lines.append(f"  {report.statuses[status]:>8,}  {label}")
    if report.field_changes:
        lines.append("changed fields:")
        for name, n in report.field_changes.most_common():
            lines.append(f"  {n:>8,}  {name}")
    else:
        lines.append("no field of any record changed")
    return "\n".join(lines)


@click.command("reparse")
@db_option
@click.option("--outdated-only", is_flag=True, help="Only pages read by an older parser (or never parsed).")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Extraction processes [all cores].")
@click.option("--json", "as_json", is_flag=True, help="Print the change counts as one JSON object.")
@click.option(
    "--profile",
    "profile",
    default=None,
    help="Site profiles (TOML) to apply and keep in the archive [the archive's stored profiles].",
)
def command(
    db_path: str, outdated_only: bool, workers: int | None, as_json: bool, profile: str | None
) -> None:
    """Re-extract every stored page from its stored raw bytes (no network) and print what changed.

    Site profiles (selectors, time zone) apply as when the pages were archived: the archive keeps the
    profile file a crawl, import or reparse was given with --profile."""
    if not Path(db_path).exists():
        raise ArchiveError(f"{db_path}: no such archive")
    profiles = load_profiles(profile) if profile else None  # a bad file: one line, before anything changes
    db = open_db(db_path)
    try:
        from archive.ingest import current_parser_version

        total = len(
            select_responses(db.conn, outdated_only=outdated_only, parser_version=current_parser_version())
        )
        with click.progressbar(length=total, label="reparsing", file=sys.stderr) as bar:
            report = reparse(
                db, outdated_only=outdated_only, workers=workers, progress=bar.update, profiles=profiles
            )
    finally:
        db.conn.close()
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False) if as_json else render(report))
