"""The console script's entry point: the archive's commands plus the crawl-side ones.

Scrapy is imported only inside the crawl-side commands, so ``news-archive extract`` starts fast.
"""

from __future__ import annotations

from archive.cli import cli


def _register() -> None:
    from crawler.commands import ALL_COMMANDS

    for command in ALL_COMMANDS:
        cli.add_command(command)


_register()


def main() -> None:
    cli(prog_name="news-archive")
