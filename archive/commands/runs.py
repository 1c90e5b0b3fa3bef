"""`news-archive runs [--db PATH] [--json] [--limit N]`: the crawl (and import) runs, newest first."""

from __future__ import annotations

import json
from typing import Any

import click

from archive.cli import db_option
from archive.db import open_db
from archive.runs import list_runs


def _duration(row: dict[str, Any]) -> str:
    from archive.fetch_state import parse_time

    if not row.get("started_at") or not row.get("ended_at"):
        return "-"
    seconds = (parse_time(row["ended_at"]) - parse_time(row["started_at"])).total_seconds()
    return f"{seconds:.0f}s" if seconds < 120 else f"{seconds / 60:.1f}m"


def format_row(row: dict[str, Any]) -> str:
    errors = row.get("errors") or {}
    err = (
        ", ".join(f"{k} {v}" for k, v in sorted(errors.items())) if isinstance(errors, dict) else str(errors)
    )
    outcome = row.get("outcome") or "running"
    return (
        f"{row['id']:>4}  {row['kind']:<6} {row['started_at']:<25} {_duration(row):>6}  {outcome:<11}"
        f" {row['pages_fetched']:>6} {row['articles_new']:>5} {row['articles_updated']:>5}"
        f" {row['articles_unchanged']:>5} {row['articles_duplicate']:>5}  {err or '-'}"
    )


HEADER = (
    f"{'id':>4}  {'kind':<6} {'started (UTC)':<25} {'took':>6}  {'outcome':<11}"
    f" {'pages':>6} {'new':>5} {'upd':>5} {'same':>5} {'dup':>5}  errors"
)


@click.command("runs")
@db_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per run and line.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the latest N runs.")
def command(db_path: str, as_json: bool, limit: int | None) -> None:
    """The crawl runs, with their figures and outcome (newest first).

    A run still open is shown as "running" (or "interrupted" once a later run found it abandoned).
    """
    db = open_db(db_path, readonly=True)
    try:
        rows = list_runs(db, limit)
    finally:
        db.conn.close()
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    if not rows:
        click.echo("no runs yet")
        return
    click.echo(HEADER)
    for row in rows:
        click.echo(format_row(row))
