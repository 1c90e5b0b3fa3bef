"""`news-archive runs`."""

from __future__ import annotations

import click

from archive.cli import db_option


@click.command("runs")
@db_option
def command(db_path: str) -> None:
    """Not implemented yet."""
    raise click.ClickException("not implemented yet")
