"""Reading WARC files (warcio): HTTP responses become Pages for the one ingest path; ``import`` runs.

Each ``response`` record with an HTML payload becomes a :class:`~archive.page.Page`: its URL (the request's,
when a redirect in the same file or our own export names it), the final URL, the status, the original
headers in order, the payload bytes after transfer and content decoding, and the WARC-Date as ``fetched_at``.
A ``revisit`` record of the identical-payload-digest profile (a deduplicating crawler's refetch) is an
unchanged refetch when the payload it names is archived (or earlier in the same import). Other records
(warcinfo, request, metadata, resource, other revisits, redirects, non-HTML payloads) are skipped and counted.

warcio stops silently at a truncated file, so truncation is detected here: a record whose content ends before
its Content-Length, or an iteration that ends before the end of the file, is an error naming the file and the
offset; what was read before it is ingested (and committed) all the same.
"""

from __future__ import annotations

import gzip
import os
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from archive import runs
from archive.errors import BadInput
from archive.page import Page, header_value, is_html
from archive.payloads import payload_digest, read_payload

# Headers that describe the bytes on the wire, not the payload stored (which is decoded). A WARC export
# renames them with this prefix (as pywb does) so the record stays valid; import restores them.
ORIG_PREFIX = "X-Archive-Orig-"
WIRE_HEADERS = ("Content-Encoding", "Transfer-Encoding", "Content-Length")
# Our exports name the URL originally requested when a redirect led to the stored response.
REQUESTED_URL_HEADER = "X-News-Archive-Requested-URL"
# A WARC header of our exports on a later page of a multi-page article: the WARC-Record-ID of its first page's
# record (which comes earlier in the file; WARC-Concurrent-To names it too). Import makes them one Page again.
PART_OF_HEADER = "X-News-Archive-Part-Of"

_DECODABLE = {"", "identity", "gzip", "x-gzip", "deflate", "br"}
_DRAIN = 1 << 16
DEFAULT_BATCH = 100


@dataclass
class ImportReport:
    """What an import read and what the ingest path made of it."""

    files: int = 0
    records: int = 0
    pages: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        s = self.statuses
        skipped = ", ".join(f"{n} {k}" for k, n in sorted(self.skipped.items())) or "none"
        return (
            f"{self.files} file(s), {self.records} records read, {self.pages} pages ingested: "
            f"{s['new']} new, {s['updated']} updated, {s['unchanged']} unchanged, {s['duplicate']} duplicate "
            f"articles; {s['listing']} listing, {s['other']} other, {s['skipped']} not archived as articles, "
            f"{s['error']} extraction errors; skipped records: {skipped}; file errors: {len(self.errors)}"
        )


def restore_headers(headers: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Undo an export's renaming of the wire headers (``X-Archive-Orig-Content-Encoding`` -> ``Content-Encoding``)."""
    names = {k.lower() for k, _ in headers}
    restored = {h.lower() for h in WIRE_HEADERS if (ORIG_PREFIX + h).lower() in names}
    out: list[tuple[str, str]] = []
    for name, value in headers:
        lname = name.lower()
        if lname in restored or lname == REQUESTED_URL_HEADER.lower():
            continue  # the export's own value: the original one follows under the prefixed name
        if lname.startswith(ORIG_PREFIX.lower()) and lname[len(ORIG_PREFIX) :] in restored:
            name = name[len(ORIG_PREFIX) :]
        out.append((name, value))
    return out


def _is_html(headers: Sequence[tuple[str, str]], head: bytes) -> bool:
    return is_html(header_value(headers, "Content-Type"), head)


def _warc_date(value: str | None) -> datetime:
    if value:
        try:
            moment = datetime.fromisoformat(value.strip())
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.now(UTC)


def _drain(record: ArcWarcRecord) -> int:
    """Read what is left of a record's block; return how many of its declared bytes never came (truncation)."""
    stream = record.raw_stream
    while stream.read(_DRAIN):
        pass
    return int(getattr(stream, "limit", 0) or 0)


class _WholeGzip(Exception):
    """The file is one gzip stream, not one gzip member per record."""


class WarcReader:
    """Iterate the Pages of one WARC file, counting what is skipped; raises BadInput on a damaged file."""

    def __init__(
        self,
        path: str | Path,
        report: ImportReport,
        payload_of: Callable[[str], bytes | None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.report = report
        self.redirects: dict[str, str] = {}
        # Finds the payload a revisit record refers to by its digest (the archive's payloads use the same
        # 'sha1:BASE32' form as WARC-Payload-Digest).
        self.payload_of = payload_of
        self._held: Page | None = None

    def _fail(self, what: str, offset: int) -> BadInput:
        return BadInput(f"{self.path}: {what} at offset {offset}")

    def _looks_like_warc(self) -> bool:
        """Whether the file starts as a WARC (or gzipped) file does: tells a damaged WARC from another file."""
        with self.path.open("rb") as fh:
            head = fh.read(5)
        return head.startswith((b"WARC/", b"\x1f\x8b"))

    def pages(self) -> Iterator[Page]:
        """The file's pages; a multi-page article of our export (parts marked with PART_OF_HEADER, following
        their first page) is one Page with ``parts``."""
        pending: tuple[Page, str] | None = None  # a first page, held until its parts have been read
        try:
            for page, record_id, part_of in self._ungrouped():
                if part_of is not None and pending is not None and part_of == pending[1]:
                    pending = (replace(pending[0], parts=(*pending[0].parts, page)), pending[1])
                    self._held = pending[0]
                    continue
                if pending is not None:
                    yield pending[0]
                pending = (page, record_id)
                self._held = page
        except BadInput:
            if pending is not None:
                yield pending[0]  # what was read before the damage is ingested all the same
            raise
        if pending is not None:
            yield pending[0]

    def _ungrouped(self) -> Iterator[tuple[Page, str, str | None]]:
        try:
            fh = self.path.open("rb")
        except OSError as exc:
            raise BadInput(f"{self.path}: cannot read ({exc.strerror or exc})") from None
        with fh:
            size = os.fstat(fh.fileno()).st_size
            if size == 0:
                raise self._fail("empty file, not a WARC", 0)
            self._done = 0
            try:
                yield from self._records(fh, size)
            except _WholeGzip:
                # Gzipped as one stream rather than record by record (valid, but not seekable): read it through
                # gzip from the start, passing over the records already handled. Offsets are then uncompressed.
                fh.seek(0)
                with gzip.open(fh) as stream:
                    yield from self._records(stream, None, skip=self._done, unit="uncompressed offset")

    def _records(
        self, fh: IO[bytes] | gzip.GzipFile, size: int | None, *, skip: int = 0, unit: str = "offset"
    ) -> Iterator[tuple[Page, str, str | None]]:
        iterator = ArchiveIterator(fh, no_record_parse=False)
        offset = 0

        def fail(what: str, at: int) -> BadInput:
            return BadInput(f"{self.path}: {what} at {unit} {at}")

        try:
            for n, record in enumerate(iterator):
                # Where this record starts (get_record_offset() would read it to its end first).
                offset = iterator.offset
                if n < skip:
                    continue
                if record.format.startswith("warc") and (
                    not record.rec_type or record.rec_headers.get_header("Content-Length") is None
                ):
                    raise fail("truncated or damaged WARC record", offset)
                self.report.records += 1
                page = self._page(record)
                if _drain(record):
                    raise fail("truncated WARC record", offset)
                self._done += 1
                if page is not None:
                    headers = record.rec_headers
                    yield (
                        page,
                        headers.get_header("WARC-Record-ID") or "",
                        headers.get_header(PART_OF_HEADER),
                    )
            end = iterator.offset
        except ArchiveLoadFailed as exc:
            message = " ".join(str(exc).split())
            if "non-chunked gzip" in message and size is not None:
                raise _WholeGzip() from None
            reason = "damaged WARC" if self._looks_like_warc() else "not a WARC file"
            raise fail(f"{reason} ({message[:80]})", offset) from None
        except BadInput:
            raise
        except Exception as exc:  # warcio's parsers (and gzip) fail in many ways on damaged input
            raise fail(f"truncated or damaged WARC ({type(exc).__name__}: {exc})", offset) from None
        if size is not None and end < size:
            raise fail("truncated or damaged WARC" if self._looks_like_warc() else "not a WARC file", end)

    def _revisit(
        self,
        record: ArcWarcRecord,
        url: str,
        requested: str | None,
        status: int,
        headers: list[tuple[str, str]],
    ) -> Page | None:
        digest = record.rec_headers.get_header("WARC-Payload-Digest") or ""
        # The payload may be the page held back by pages() (not yet handed on, so not yet archived).
        held = (
            [p.body for p in (self._held, *self._held.parts) if payload_digest(p.body) == digest]
            if (self._held is not None and digest)
            else []
        )
        body = held[0] if held else (self.payload_of(digest) if self.payload_of and digest else None)
        if body is None:
            self.report.skipped["revisit of a payload not archived"] += 1
            return None
        if not _is_html(headers, body[:1024]):
            self.report.skipped["not HTML"] += 1
            return None
        return self._as_page(record, url, requested, status, headers, body)

    def _as_page(
        self,
        record: ArcWarcRecord,
        url: str,
        requested: str | None,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> Page:
        # Requested (pre-redirect) URL when the exporter kept it, else the start of a redirect chain.
        return Page(
            url=requested or self.redirects.get(url, url),
            body=body,
            status=status,
            headers=tuple(headers),
            final_url=url,
            fetched_at=_warc_date(record.rec_headers.get_header("WARC-Date")),
        )

    def _page(self, record: ArcWarcRecord) -> Page | None:
        # A revisit record (a deduplicating crawler's "payload unchanged since") is an unchanged refetch.
        revisit = (
            record.rec_type == "revisit"
            and self.payload_of is not None
            and (record.rec_headers.get_header("WARC-Profile") or "").endswith("identical-payload-digest")
        )
        if record.rec_type != "response" and not revisit:
            self.report.skipped[record.rec_type or "unknown"] += 1
            return None
        http = record.http_headers
        if http is None or not http.protocol.upper().startswith("HTTP"):
            self.report.skipped["response without HTTP headers"] += 1
            return None
        url = record.rec_headers.get_header("WARC-Target-URI") or ""
        headers = list(http.headers)
        try:
            status = int(http.get_statuscode())
        except (TypeError, ValueError):
            self.report.skipped["response with a bad status line"] += 1
            return None
        if 300 <= status < 400 and header_value(headers, "Location"):
            from urllib.parse import urljoin

            target = urljoin(url, header_value(headers, "Location") or "")
            self.redirects[target] = self.redirects.get(url, url)
            self.report.skipped["redirect"] += 1
            return None
        requested = header_value(headers, REQUESTED_URL_HEADER)
        headers = restore_headers(headers)
        if revisit:
            return self._revisit(record, url, requested, status, headers)
        encoding = (header_value(headers, "Content-Encoding") or "").strip().lower()
        if encoding not in _DECODABLE:
            self.report.skipped[f"content encoding {encoding}"] += 1
            return None
        stream = record.content_stream()
        try:
            head = stream.read(1024)
            if not _is_html(headers, head):
                self.report.skipped["not HTML"] += 1
                return None
            body = head + stream.read()
        except Exception:  # a corrupt gzip/deflate/br body: this record only, the file goes on
            self.report.skipped["undecodable payload"] += 1
            return None
        return self._as_page(record, url, requested, status, headers, body)


def stored_payload(conn: Any, digest: str) -> bytes | None:
    """The raw body the archive stores under this payload digest, or None."""
    return read_payload(conn, digest)


def _counts(report: ImportReport) -> runs.RunCounts:
    """The run's figures in the form the ``runs`` table (and ``news-archive runs``) shows."""
    counts = runs.RunCounts(pages_fetched=report.pages)
    for status, n in report.statuses.items():
        for _ in range(n):
            counts.add_status(status)
    if report.errors:
        counts.errors["bad_file"] = len(report.errors)
    return counts


def import_files(
    ingestor: Any,
    paths: Sequence[str | Path],
    *,
    batch_size: int = DEFAULT_BATCH,
    on_batch: Any = None,
) -> ImportReport:
    """Ingest the HTML responses of WARC files through ``ingestor`` (an :class:`archive.ingest.Ingestor`).

    Pages go in batches (each committed by the ingest path), so an error or an interruption keeps every
    batch before it. A damaged file is reported in ``errors`` and the next file is read. The run is recorded
    in ``runs`` (kind ``import``) with its figures after every batch and its outcome at the end. The caller
    holds the archive's lock (:class:`archive.runs.ArchiveLock`), as a crawl does.
    """
    report = ImportReport()
    db = ingestor.db
    run_id = runs.start_run(db, "import", {"files": [str(p) for p in paths]})

    def flush(batch: list[Page]) -> None:
        if not batch:
            return
        for result in ingestor.ingest_many(batch, run_id=run_id):
            report.statuses[result.status] += 1
        report.pages += len(batch)
        batch.clear()
        runs.update_run(db, run_id, _counts(report))
        if on_batch is not None:
            on_batch(report)

    batch: list[Page] = []

    def payload_of(digest: str) -> bytes | None:
        body = stored_payload(ingestor.conn, digest)
        if body is None and batch:  # it may be in the batch not yet stored
            flush(batch)
            body = stored_payload(ingestor.conn, digest)
        return body

    outcome: runs.Outcome = "failed"
    try:
        for path in paths:
            report.files += 1
            try:
                for page in WarcReader(path, report, payload_of).pages():
                    batch.append(page)
                    if len(batch) >= batch_size:
                        flush(batch)
            except BadInput as exc:
                report.errors.append(str(exc))
            flush(batch)  # what was read before an error is kept
        outcome = ("degraded" if report.pages else "failed") if report.errors else "ok"
    except KeyboardInterrupt:
        outcome = "interrupted"
        raise
    finally:
        try:
            runs.finish_run(db, run_id, _counts(report), outcome)
        except Exception:  # pragma: no cover - the archive itself failed (disk full): keep the first error
            pass
    return report


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
