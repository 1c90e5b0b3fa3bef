"""`news-archive crawl START_URL... [--db PATH] [-s NAME=VALUE]... [--profile FILE]`."""

from __future__ import annotations

import sys

import click

from archive.cli import db_option
from archive.errors import BadInput


def parse_setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise BadInput(f"-s {text!r}: expected NAME=VALUE")
    return name.strip(), value


@click.command("crawl")
@click.argument("start_urls", nargs=-1)
@db_option
@click.option(
    "-s",
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a Scrapy setting (repeatable).",
)
@click.option(
    "--profile",
    type=click.Path(dir_okay=False),
    default=None,
    help="A TOML file of per-site profiles (start URLs, paths, patterns, selectors, time zone).",
)
@click.option("--quiet", "-q", is_flag=True, help="Log only warnings and errors.")
def command(
    start_urls: tuple[str, ...], db_path: str, settings: tuple[str, ...], profile: str | None, quiet: bool
) -> None:
    """Crawl the sites of START_URLS and archive every article found.

    A later run of the same crawl fetches only what is new or due for a revisit. Exit status: 0 ok,
    1 failed, 3 degraded (too many errors, or nothing found on a site that had articles), 4 refused
    (another run holds the archive's lock), 130 interrupted.
    """
    from crawler.run import run_crawl

    overrides: dict[str, str] = dict(parse_setting(s) for s in settings)
    if quiet:
        overrides.setdefault("LOG_LEVEL", "WARNING")
    report = run_crawl(list(start_urls), db_path, overrides, profile=profile)
    click.echo(report.summary())
    if report.error:
        click.echo(f"news-archive: error: {report.error}", err=True)
    sys.exit(report.exit_code)
