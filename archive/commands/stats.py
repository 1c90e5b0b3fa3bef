"""`news-archive stats`: what the archive holds, articles per site and per day."""

from __future__ import annotations

import json
from typing import Any

import click

from archive.cli import db_option
from archive.db import open_db


def collect(conn: Any) -> dict[str, Any]:
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    raw, stored = conn.execute(
        "SELECT coalesce(sum(size), 0), coalesce(sum(length(data)), 0) FROM payloads"
    ).fetchone()
    return {
        "articles": one("SELECT count(*) FROM articles"),
        "near_copies": one("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL"),
        "revisions": one("SELECT count(*) FROM revisions"),
        "responses": one("SELECT count(*) FROM responses"),
        "parse_errors": one("SELECT count(*) FROM responses WHERE parse_status = 'error'"),
        "payload_bytes_raw": raw,
        "payload_bytes_stored": stored,
        "per_site": dict(
            conn.execute("SELECT site, count(*) FROM articles GROUP BY site ORDER BY count(*) DESC, site")
        ),
        # By publication date; articles without one count under "undated".
        "per_day": dict(
            conn.execute(
                "SELECT coalesce(substr(published_at, 1, 10), 'undated') AS day, count(*) FROM articles"
                " GROUP BY day ORDER BY day"
            )
        ),
    }


@click.command("stats")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def command(db_path: str, as_json: bool) -> None:
    """Articles per site and per day (of publication), and what the archive stores."""
    db = open_db(db_path, readonly=True)
    try:
        stats = collect(db.conn)
    finally:
        db.conn.close()
    if as_json:
        click.echo(json.dumps(stats, ensure_ascii=False))
        return
    click.echo(
        f"articles: {stats['articles']} (near copies: {stats['near_copies']}, revisions: {stats['revisions']})\n"
        f"responses: {stats['responses']} (parse errors: {stats['parse_errors']}); raw payloads "
        f"{stats['payload_bytes_raw']:,} bytes stored in {stats['payload_bytes_stored']:,}"
    )
    click.echo("\narticles per site:")
    for site, n in stats["per_site"].items():
        click.echo(f"  {n:>8}  {site}")
    click.echo("\narticles per day:")
    for day, n in stats["per_day"].items():
        click.echo(f"  {n:>8}  {day}")
