"""The ``news-archive`` command line: a thin Click layer over the library.

Each command lives in its own module under :mod:`archive.commands` and is registered here. Domain errors become
one-line messages and non-zero exits here, and only here; a traceback is shown only with NEWS_ARCHIVE_DEBUG=1.
The crawl-side commands (crawl, demo, writer) are added by :mod:`crawler.cli`, since this package never
imports Scrapy.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import sys
from typing import Any

import click

from archive import __version__
from archive.errors import ArchiveError

DEFAULT_DB = "archive.db"


def db_option(f: Any) -> Any:
    """The shared ``--db PATH`` option."""
    return click.option(
        "--db",
        "db_path",
        default=DEFAULT_DB,
        show_default=True,
        type=click.Path(dir_okay=False),
        help="The archive's SQLite file.",
    )(f)


def fail(message: str, code: int = 1) -> None:
    """Print one line to stderr and exit with ``code``."""
    click.echo(f"news-archive: error: {message}", err=True)
    sys.exit(code)


class ArchiveGroup(click.Group):
    """A group that turns every error into one line on stderr and a non-zero exit."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except ArchiveError as exc:
            fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except BrokenPipeError:
            # The reader went away (`| head`); nothing to report.
            sys.stderr.close()
            sys.exit(1)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                fail("disk full: nothing already archived was lost; free space and run again")
            fail(f"{exc.filename + ': ' if exc.filename else ''}{exc.strerror or exc}")
        except sqlite3.Error as exc:
            if os.environ.get("NEWS_ARCHIVE_DEBUG"):
                raise
            fail(f"database: {exc}")
        except Exception as exc:
            if os.environ.get("NEWS_ARCHIVE_DEBUG"):
                raise
            fail(f"internal error: {type(exc).__name__}: {exc} (set NEWS_ARCHIVE_DEBUG=1 for a traceback)")


@click.group(cls=ArchiveGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="news-archive")
def cli() -> None:
    """Crawl, extract and archive news sites into one SQLite file."""


def add_commands(commands: list[click.Command]) -> None:
    """Register commands on the group (the archive's here; the crawl side's from crawler.cli)."""
    for command in commands:
        cli.add_command(command)


def _register() -> None:
    # Imported here so that each command module stays independent of the others.
    from archive.commands import ALL_COMMANDS

    add_commands(ALL_COMMANDS)


_register()


def main() -> None:
    cli(prog_name="news-archive")
