"""`news-archive extract FILE... [--url URL]`: one JSON record per file, JSON Lines on stdout.

Every file gets a line: its record, or ``{"file": ..., "error": ...}`` when it cannot be read or extracted.
The others go on; the exit status is 1 when any failed. A page that takes too long (pathological markup) is
stopped by an alarm and reported as an error rather than hanging the run.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from archive.extract import extract
from archive.page import Page

SECONDS_PER_PAGE = 30


class PageTimeout(Exception):
    """Extraction of one page ran past its time budget."""


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Raise PageTimeout after ``seconds`` (main thread on POSIX only; elsewhere no limit)."""
    if seconds <= 0 or not hasattr(signal, "SIGALRM"):
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise PageTimeout(f"extraction took longer than {seconds} s")

    try:
        previous = signal.signal(signal.SIGALRM, on_alarm)
    except ValueError:  # not the main thread
        yield
        return
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def read_input(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path}: is a directory")
    with open(path, "rb") as fh:
        return fh.read()


def extract_one(path: str, url: str | None) -> dict[str, Any]:
    """The output line for one file: its record, or its error."""
    try:
        raw = read_input(path)
    except OSError as exc:
        return {"file": path, "error": f"cannot read: {exc.strerror or exc}"}
    try:
        with time_limit(SECONDS_PER_PAGE):
            record = extract(Page(url=url or "", body=raw)).to_dict()
    except PageTimeout as exc:
        return {"file": path, "error": str(exc)}
    except (Exception, RecursionError, MemoryError) as exc:  # one bad file never stops the others
        return {"file": path, "error": f"cannot extract: {type(exc).__name__}: {exc}"}
    return {"file": path, **record}


@click.command("extract")
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--url", default=None, help="The page's URL (resolves relative links; names the site).")
def command(files: tuple[str, ...], url: str | None) -> None:
    """Extract the article record from each FILE (raw bytes, any encoding; - is stdin)."""
    failed = 0
    for path in files:
        out = extract_one(path, url)
        if "error" in out:
            failed += 1
        click.echo(json.dumps(out, ensure_ascii=False))
    if failed:
        sys.exit(1)
