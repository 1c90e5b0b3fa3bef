"""`news-archive import`."""

from __future__ import annotations

import click

from archive.cli import db_option


@click.command("import")
@db_option
def command(db_path: str) -> None:
    """Not implemented yet."""
    raise click.ClickException("not implemented yet")
