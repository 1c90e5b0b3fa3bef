"""`news-archive demo`."""

from __future__ import annotations

import click


@click.command("demo")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("not implemented yet")
