"""`news-archive show ID_OR_URL`: one record, with its URLs, revisions, near copies and view counts (JSON)."""

from __future__ import annotations

import json

import click

from archive import records
from archive.cli import db_option
from archive.db import open_db
from archive.errors import ArchiveError


@click.command("show")
@click.argument("id_or_url")
@db_option
def command(id_or_url: str, db_path: str) -> None:
    """Show the article with this id, or found at this URL, as JSON."""
    db = open_db(db_path, readonly=True)
    try:
        article_id = records.resolve(db, id_or_url)
        if article_id is None:
            raise ArchiveError(f"no article with id or URL {id_or_url!r} in {db_path}")
        record = records.get_record(db, article_id)
        assert record is not None
        out = {
            **record,
            "revisions": records.get_revisions(db, article_id),
            "duplicates": records.get_duplicates(db, article_id),
            "view_history": records.get_views(db, article_id),
            "fetches": records.get_fetches(db, article_id),
        }
    finally:
        db.conn.close()
    click.echo(json.dumps(out, ensure_ascii=False, indent=2))
