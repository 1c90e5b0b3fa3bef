"""The console script's entry point: the archive's commands plus the crawl-side ones.

Scrapy is imported only inside the crawl-side commands, so ``news-archive extract`` starts fast.
"""

from __future__ import annotations

from archive.cli import add_commands, main
from crawler.commands import ALL_COMMANDS

add_commands(ALL_COMMANDS)

__all__ = ["main"]
