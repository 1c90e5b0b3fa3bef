"""Crawl-side commands of ``news-archive``; each module exposes ``command``."""

from __future__ import annotations

import click

from crawler.commands import crawl, demo, worker, writer

ALL_COMMANDS: list[click.Command] = [crawl.command, demo.command, worker.command, writer.command]
