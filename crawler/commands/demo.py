"""`news-archive demo`: serve the bundled sample site on 127.0.0.1, crawl it into demo.db, say what was archived.

Needs no network: the site (:mod:`crawler.demo`) ships inside the package and is served from this process on
an ephemeral port; the crawl runs in-process through :func:`crawler.run.run_crawl`, as ``news-archive crawl``
does, with the politeness delays relaxed because the only host is our own loopback server. robots.txt is still
obeyed, so the demo shows a disallowed page left alone.
"""

from __future__ import annotations

import json
import shutil
import signal
import time
from pathlib import Path
from typing import Any

import click

from archive.runs import ArchiveLock

# Relaxed for the loopback demo server only; every other setting keeps the crawler's polite default.
DEMO_SETTINGS: dict[str, Any] = {
    "ROBOTSTXT_OBEY": True,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    # One request at a time: the same crawl order on every run, so the archive always meets the Simplified
    # original before its Traditional reprint (the earlier record is the original). With 8, how fast each
    # page came back decided it, and a crawl that never waits on its writer sometimes met the reprint first.
    "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    "RETRY_BACKOFF_BASE": 0.05,
    "RETRY_BACKOFF_MAX": 0.2,
    "DOWNLOAD_TIMEOUT": 10,
}
SIDE_FILES = ("-wal", "-shm")


def start_fresh(db: Path) -> str | None:
    """Move an existing archive (and its WAL files) aside so every demo run starts empty; say where.

    Under the archive's lock: an archive another run is writing is refused (ArchiveLocked), never moved.
    """
    if not db.exists():
        return None
    with ArchiveLock(db):
        return _move_aside(db)


def _move_aside(db: Path) -> str:
    backup = db.with_name(db.name + ".bak")
    for suffix in ("", *SIDE_FILES):
        old = Path(str(backup) + suffix)
        if old.exists():
            old.unlink()
    for suffix in ("", *SIDE_FILES):
        current = Path(str(db) + suffix)
        if current.exists():
            shutil.move(str(current), str(backup) + suffix)
    return str(backup)


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


@click.command("demo")
@click.option(
    "--db",
    "db_path",
    default="demo.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to archive the demo crawl (an existing file is moved aside to FILE.bak first).",
)
@click.option(
    "--keep-serving", is_flag=True, help="Keep serving the sample site after the crawl, until Ctrl-C."
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option("-v", "--verbose", is_flag=True, help="Show the crawler's log.")
def command(db_path: str, keep_serving: bool, as_json: bool, verbose: bool) -> None:
    """Serve the bundled sample news site on 127.0.0.1, crawl it into demo.db, print what was archived.

    The site (a fictional city's portals in five CMS layouts, GBK and Big5 pages, injected spam, a copied
    and a reprinted article, robots.txt, a sitemap, a broken link and a server error) is described in
    docs/demo.md. No network is used.
    """
    # Scrapy is imported here, not at module level, so other commands start fast.
    from crawler.demo.server import DemoServer, load_manifest
    from crawler.demo.summary import render, summarize
    from crawler.run import run_crawl

    say = (lambda _msg: None) if as_json else click.echo
    db = Path(db_path)
    if not db.parent.is_dir():
        raise click.BadParameter(f"no such directory: {db.parent}", param_hint="--db")
    moved = start_fresh(db)
    if moved:
        say(f"{db} exists: moved it to {moved} so the demo starts from an empty archive.")
    manifest = load_manifest()
    with DemoServer() as server:
        say(
            f"Serving the sample site ({len(manifest['articles'])} article pages in {len(manifest['sections'])}"
            f" layouts) at {server.url}/ and crawling it into {db} ..."
        )
        settings = dict(DEMO_SETTINGS)
        settings["LOG_LEVEL"] = "INFO" if verbose else "CRITICAL"
        started = time.monotonic()
        report = run_crawl([server.url + "/"], str(db), settings, install_signal_handlers=True)
        seconds = time.monotonic() - started
        if report.outcome != "ok" and report.run_id is None:
            raise click.ClickException(f"the demo crawl failed: {report.error or report.outcome}")
        counts = report.counts
        run = {
            "id": report.run_id,
            "outcome": report.outcome,
            "seconds": round(seconds, 2),
            "pages_fetched": counts.pages_fetched,
            "new": counts.new,
            "duplicate": counts.duplicate,
            "errors": dict(counts.errors),
        }
        summary = summarize(str(db), server.url, manifest, server.requests, run)
        if as_json:
            click.echo(json.dumps(summary, ensure_ascii=False))
        else:
            click.echo("")
            for line in render(summary):
                click.echo(line)
        if keep_serving:
            # Scrapy leaves its shutdown handlers installed after the crawl, and they only talk to the stopped
            # reactor: give Ctrl-C and SIGTERM back their plain meaning so they end the serving. Ctrl-C is how
            # serving is meant to end, so it is no error here, whenever it arrives.
            try:
                signal.signal(signal.SIGINT, signal.default_int_handler)
                signal.signal(signal.SIGTERM, _raise_interrupt)
                say(f"\nStill serving the sample site at {server.url}/ (Ctrl-C to stop).")
                server.serve_until_interrupted()
            except KeyboardInterrupt:
                pass
    if report.outcome != "ok":
        raise click.ClickException(f"the demo crawl ended {report.outcome}: {report.summary()}")
