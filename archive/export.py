"""Exporting the archive: articles as JSON Lines or CSV, stored responses as WARC. All streaming.

- ``jsonl``: one SPEC record per article (``archive.records``), keys in the SPEC's order.
- ``csv``: one row per article, a column per SPEC key; lists and objects as JSON strings, null as an empty cell.
- ``warc``: a ``warcinfo`` record, then every stored response (oldest first) as a ``response`` record with its
  original status and headers and the raw payload as received. The payload is stored decoded, so the headers
  describing the wire encoding (Content-Encoding, Transfer-Encoding, Content-Length) are renamed
  ``X-Archive-Orig-...`` and a true Content-Length added; ``news-archive import`` restores them, so export
  then import gives the same archive records. The later pages of a multi-page article follow their first page
  and carry its WARC-Record-ID in ``WARC-Concurrent-To`` and ``X-News-Archive-Part-Of`` (archive.warc), so import
  makes one article of them again.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from typing import IO, Any

import sqlite_utils
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive import __version__
from archive.article import RECORD_KEYS
from archive.payloads import read_stored
from archive.records import iter_records
from archive.warc import ORIG_PREFIX, PART_OF_HEADER, REQUESTED_URL_HEADER, WIRE_HEADERS, reason_phrase

FORMATS = ("jsonl", "csv", "warc")
CSV_KEYS = tuple(k for k in RECORD_KEYS if k != "file")
_CHUNK = 200

Connection = sqlite3.Connection | sqlite_utils.Database


def _conn(db: Connection) -> sqlite3.Connection:
    return db.conn if isinstance(db, sqlite_utils.Database) else db


def export_jsonl(db: Connection, out: IO[bytes]) -> int:
    """Write one JSON record per article; return the count."""
    count = 0
    for record in iter_records(db):
        out.write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
        count += 1
    return count


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def export_csv(db: Connection, out: IO[bytes]) -> int:
    """Write a header row and one row per article (UTF-8, RFC 4180 quoting); return the count."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        writer = csv.writer(text)
        writer.writerow(CSV_KEYS)
        count = 0
        for record in iter_records(db):
            writer.writerow([_cell(record.get(k)) for k in CSV_KEYS])
            count += 1
        text.flush()
    finally:
        text.detach()  # the caller owns ``out``
    return count


def wire_safe_headers(
    headers: list[tuple[str, str]], body_length: int, url: str, final_url: str | None
) -> list[tuple[str, str]]:
    """The stored headers, made true of the stored (decoded) payload; see the module doc.

    Only when the payload was encoded on the wire (or the declared length is not the stored one) are the
    wire headers renamed ``X-Archive-Orig-...``, and a Content-Length added when the original had one, so
    that import can restore exactly what was received.
    """
    wire = {h.lower() for h in WIRE_HEADERS}
    encoded = any(
        name.lower() in ("content-encoding", "transfer-encoding")
        and value.strip().lower() not in ("", "identity")
        for name, value in headers
    )
    lengths = [value.strip() for name, value in headers if name.lower() == "content-length"]
    out: list[tuple[str, str]]
    if encoded or any(v != str(body_length) for v in lengths):
        out = [((ORIG_PREFIX + name) if name.lower() in wire else name, value) for name, value in headers]
        if lengths:
            out.append(("Content-Length", str(body_length)))
    else:
        out = list(headers)
    if final_url and final_url != url:
        out.append((REQUESTED_URL_HEADER, url))
    return out


def _responses(conn: sqlite3.Connection) -> Iterator[tuple[Any, ...]]:
    last = 0
    while True:
        rows = conn.execute(
            "SELECT r.id, r.url, r.final_url, r.status, r.headers, r.fetched_at, p.codec, p.dict, p.data,"
            " r.part_of"
            " FROM responses r JOIN payloads p ON p.digest = r.payload_digest"
            " WHERE r.id > ? ORDER BY r.id LIMIT ?",
            (last, _CHUNK),
        ).fetchall()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def export_warc(db: Connection, out: IO[bytes], *, gzip: bool = True, filename: str = "archive.warc") -> int:
    """Write every stored response as a WARC response record; return the count."""
    conn = _conn(db)
    writer = WARCWriter(out, gzip=gzip)
    info = {
        "software": f"news-archive/{__version__}",
        "format": "WARC File Format 1.0",
        "description": "Responses exported from a news-archive archive; payloads as received, decoded of "
        "their transfer and content encodings (original headers kept as X-Archive-Orig-*)",
    }
    writer.write_record(writer.create_warcinfo_record(filename, info))
    count = 0
    # The last first page's response id and WARC-Record-ID: its parts were stored (so come) right after it.
    first_page: tuple[int, str] | None = None
    for (
        rid,
        url,
        final_url,
        status,
        headers_json,
        fetched_at,
        codec,
        dict_digest,
        data,
        part_of,
    ) in _responses(conn):
        body = read_stored(conn, codec, dict_digest, data)
        headers = [(str(k), str(v)) for k, v in json.loads(headers_json or "[]")]
        http = StatusAndHeaders(
            f"{status} {reason_phrase(status)}",
            wire_safe_headers(headers, len(body), url, final_url),
            protocol="HTTP/1.1",
        )
        record = writer.create_warc_record(
            final_url or url,
            "response",
            payload=io.BytesIO(body),
            length=None,
            http_headers=http,
            warc_headers_dict={"WARC-Date": fetched_at},
        )
        if part_of is None:
            first_page = (rid, record.rec_headers.get_header("WARC-Record-ID"))
        elif first_page is not None and first_page[0] == part_of:
            record.rec_headers.add_header("WARC-Concurrent-To", first_page[1])
            record.rec_headers.add_header(PART_OF_HEADER, first_page[1])
        writer.write_record(record)
        count += 1
    return count


def export(db: Connection, fmt: str, out: IO[bytes], *, gzip: bool = True, filename: str = "archive") -> int:
    """Write the archive in ``fmt`` (jsonl, csv, warc) to a binary stream; return the number of items."""
    if fmt == "jsonl":
        return export_jsonl(db, out)
    if fmt == "csv":
        return export_csv(db, out)
    if fmt == "warc":
        return export_warc(db, out, gzip=gzip, filename=filename)
    raise ValueError(f"unknown export format {fmt!r}")
