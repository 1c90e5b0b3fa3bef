"""`news-archive crawl`."""

from __future__ import annotations

import click


@click.command("crawl")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("not implemented yet")
