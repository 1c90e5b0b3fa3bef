"""`news-archive import PATH...`: ingest the HTML responses of WARC files through the one ingest path."""

from __future__ import annotations

import sys

import click

from archive.cli import db_option
from archive.ingest import Ingestor
from archive.profiles import load_profiles
from archive.runs import ArchiveLock, mark_abandoned
from archive.warc import DEFAULT_BATCH, ImportReport, import_files


@click.command("import")
# Plain strings: an unreadable path or a directory is reported by the reader as one line, like a bad file.
@click.argument("paths", nargs=-1, required=True)
@db_option
@click.option(
    "--batch-size", default=DEFAULT_BATCH, show_default=True, type=click.IntRange(min=1), hidden=True
)
@click.option(
    "--profile",
    "profile",
    default=None,
    help="Site profiles (TOML) to apply and keep in the archive [the archive's stored profiles].",
)
def command(paths: tuple[str, ...], db_path: str, batch_size: int, profile: str | None) -> None:
    """Import WARC files (.warc, .warc.gz): every HTML response is archived as a crawl would archive it.

    Each batch of pages is committed as it goes, so an interrupted import keeps what it did and running it
    again completes it without duplicates. A truncated or damaged file is reported with its offset (the
    pages before the damage are kept) and the exit status is 1. Site profiles (selectors, time zone) apply
    as in a crawl: those of --profile, which the archive then keeps, else the archive's stored ones.
    """
    profiles = load_profiles(profile) if profile else None  # a bad file: one line, before anything changes
    progress = sys.stderr.isatty()

    def on_batch(report: ImportReport) -> None:
        if progress:
            click.echo(f"\r{report.records} records, {report.pages} pages ingested", nl=False, err=True)

    # One run at a time per archive, as for a crawl; a run a killed process left open is closed first.
    with ArchiveLock(db_path), Ingestor.open(db_path, profiles=profiles) as ingestor:
        mark_abandoned(ingestor.db)
        report = import_files(ingestor, paths, batch_size=batch_size, on_batch=on_batch)
    if progress:
        click.echo("", err=True)
    click.echo(report.summary())
    for error in report.errors:
        click.echo(f"news-archive: error: {error}", err=True)
    if report.errors:
        sys.exit(1)
