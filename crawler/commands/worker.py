"""`news-archive worker`: one distributed crawl worker (see docs/scale-out.md)."""

from __future__ import annotations

import click
import redis

from archive.errors import ArchiveError, BadInput
from crawler.distributed.keys import DEFAULT_PREFIX
from crawler.distributed.pagequeue import connect


def _parse_settings(pairs: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise BadInput(f"-s expects NAME=VALUE, got {pair!r}")
        out[name] = value
    return out


@click.command("worker")
@click.argument("start_urls", nargs=-1, required=True)
@click.option(
    "--redis", "redis_url", required=True, metavar="URL", help="redis://host:port/db shared by the crawl."
)
@click.option("--prefix", default=DEFAULT_PREFIX, show_default=True, help="Redis key prefix of the crawl.")
@click.option(
    "--idle-exit",
    type=click.FloatRange(min=0),
    default=None,
    metavar="SECONDS",
    help="Exit once the shared queue has stayed empty this long (setting NEWS_ARCHIVE_IDLE_EXIT, default 30).",
)
@click.option("--spider", default="news", show_default=True, help="Spider of the Scrapy project to run.")
@click.option(
    "-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="Override a Scrapy setting."
)
def command(
    start_urls: tuple[str, ...],
    redis_url: str,
    prefix: str,
    idle_exit: float | None,
    spider: str,
    settings: tuple[str, ...],
) -> None:
    """Crawl START_URL... as one of many workers sharing a Redis frontier.

    Requests and the duplicate filter live in Redis (scrapy-redis); fetched pages are queued there for
    `news-archive writer`, which alone writes the archive. Start any number of workers, on any machines, with
    the same START_URLs: each URL is fetched once. A worker exits once the shared queue has stayed empty for
    --idle-exit seconds; a killed worker's requests are fetched by the others.
    """
    from crawler.distributed.worker import run_worker

    overrides: dict[str, object] = dict(_parse_settings(settings))
    if idle_exit is not None:
        overrides["NEWS_ARCHIVE_IDLE_EXIT"] = idle_exit
    try:
        connect(redis_url).ping()
    except ValueError as exc:
        raise BadInput(f"--redis: {exc}") from exc
    except redis.RedisError as exc:
        raise ArchiveError(f"cannot reach Redis at {redis_url}: {exc}") from exc
    outcome = run_worker(redis_url, list(start_urls), prefix=prefix, overrides=overrides, spider=spider)
    errors = ", ".join(f"{k} {v}" for k, v in sorted(outcome.errors.items())) or "none"
    click.echo(
        f"worker: {outcome.fetched} responses, {outcome.queued_pages} pages queued ({outcome.reason}); errors: {errors}"
    )
    if outcome.reason not in ("finished", "shutdown"):
        raise ArchiveError(f"worker stopped: {outcome.reason}")
