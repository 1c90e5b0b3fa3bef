"""`news-archive writer`: the one process that writes the archive in distributed mode."""

from __future__ import annotations

import signal
from types import FrameType

import click
import redis

from archive.cli import db_option
from archive.errors import ArchiveError, BadInput
from archive.runs import Outcome
from crawler.distributed.keys import DEFAULT_PREFIX, Keys
from crawler.distributed.pagequeue import DEFAULT_BATCH_SIZE, PageQueue, connect


@click.command("writer")
@click.option(
    "--redis", "redis_url", required=True, metavar="URL", help="redis://host:port/db shared with the workers."
)
@db_option
@click.option("--prefix", default=DEFAULT_PREFIX, show_default=True, help="Redis key prefix of the crawl.")
@click.option(
    "--profile", type=click.Path(dir_okay=False), default=None, help="Site profiles (TOML), as for crawl."
)
@click.option(
    "--jobs",
    default=1,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Processes that extract in parallel (the archive is still written by one).",
)
@click.option("--batch-size", default=DEFAULT_BATCH_SIZE, show_default=True, type=click.IntRange(1, 10_000))
@click.option(
    "--idle-exit",
    type=click.FloatRange(min=0),
    default=None,
    metavar="SECONDS",
    help="Exit once no page has arrived for this long (default: run until stopped).",
)
def command(
    redis_url: str,
    db_path: str,
    prefix: str,
    profile: str | None,
    jobs: int,
    batch_size: int,
    idle_exit: float | None,
) -> None:
    """Ingest the pages that distributed crawl workers queue in Redis into the archive.

    Run exactly one writer per archive, on the machine that holds the SQLite file. Ctrl-C or SIGTERM stops it
    after the batch in hand is committed; a killed writer loses nothing (the next one re-ingests that batch).
    """
    # The ingest path (extraction, SQLite): imported only when the command runs, so other commands start fast.
    from crawler.distributed.writer import ArchiveSink, PageWriter

    try:
        client = connect(redis_url)
        client.ping()
    except ValueError as exc:
        raise BadInput(f"--redis: {exc}") from exc
    except redis.RedisError as exc:
        raise ArchiveError(f"cannot reach Redis at {redis_url}: {exc}") from exc

    queue = PageQueue(client, Keys(prefix))
    sink = ArchiveSink(db_path, profile, run_args={"redis": redis_url, "prefix": prefix}, jobs=jobs)
    writer = PageWriter(queue, sink, batch_size)
    stopped: list[int] = []

    def stop(signum: int, frame: FrameType | None) -> None:
        stopped.append(signum)
        writer.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    outcome: Outcome = "failed"
    try:
        stats = writer.run(idle_exit=idle_exit)
        outcome = "interrupted" if stopped else "ok"
    except redis.RedisError as exc:
        raise ArchiveError(f"Redis: {exc} ({writer.stats.summary()} committed before)") from exc
    finally:
        sink.close(outcome)
    click.echo(f"writer: run {sink.run_id}: {stats.summary()}; {queue.waiting()} pages still queued")
