"""The Redis list of fetched pages between the workers and the writer, as a reliable queue.

A page travels as one Redis string: a JSON header line (url, final_url, status, headers, fetched_at), a newline,
then the body bytes exactly as received (no base64: JSON escapes every newline, so the first one ends the header).

Workers ``LPUSH`` onto ``<prefix>:pages``. The writer moves entries with ``BLMOVE``/``LMOVE`` (``RPOPLPUSH``
on Redis before 6.2) into ``<prefix>:pages:processing`` and deletes that list only after the batch has been
committed to the archive. A writer killed mid-batch leaves the batch in the processing list; the next writer
ingests it first. Re-ingesting a page is harmless (the archive's ingest path is idempotent), so the queue
delivers each page at least once and loses none.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import cast

import redis

from archive.page import Page
from crawler.distributed.keys import Keys

FORMAT_VERSION = 1


class BadPageEntry(ValueError):
    """A queue entry that is not an encoded page (written by something else, or truncated)."""


def encode_page(page: Page) -> bytes:
    header = {
        "v": FORMAT_VERSION,
        "url": page.url,
        "final_url": page.final_url,
        "status": page.status,
        "headers": [list(pair) for pair in page.headers],
        "fetched_at": page.fetched_at.isoformat(),
    }
    return json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n" + page.body


def decode_page(data: bytes) -> Page:
    head, sep, body = data.partition(b"\n")
    if not sep:
        raise BadPageEntry("no header line")
    try:
        header = json.loads(head)
        if header.get("v") != FORMAT_VERSION:
            raise BadPageEntry(f"unknown format version {header.get('v')!r}")
        return Page(
            url=str(header["url"]),
            body=body,
            status=int(header["status"]),
            headers=tuple((str(k), str(v)) for k, v in header["headers"]),
            final_url=header.get("final_url"),
            fetched_at=datetime.fromisoformat(header["fetched_at"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, BadPageEntry):
            raise
        raise BadPageEntry(f"bad header: {exc}") from exc


def connect(url: str) -> redis.Redis:
    """A client for ``redis://host:port/db`` that returns bytes (page bodies are not text)."""
    return redis.Redis.from_url(url, socket_connect_timeout=10, health_check_interval=30)


class PageQueue:
    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.client = client
        self.keys = keys
        self._has_lmove = True

    # -- workers --------------------------------------------------------------------------------------------
    def push(self, page: Page) -> None:
        self.client.lpush(self.keys.pages, encode_page(page))

    def push_many(self, pages: Iterable[Page]) -> None:
        entries = [encode_page(p) for p in pages]
        if entries:
            self.client.lpush(self.keys.pages, *entries)

    # -- the writer -----------------------------------------------------------------------------------------
    def claim(self, batch_size: int, timeout: float) -> list[bytes]:
        """The next batch, oldest first, held in the processing list until :meth:`ack`.

        A batch left there by a killed writer is returned again first. Waits up to ``timeout`` seconds for the
        first entry; returns ``[]`` if none came.
        """
        left_over = self._processing()
        if left_over:
            return left_over
        first = self._move(block_timeout=timeout)
        if first is None:
            return []
        pipe = self.client.pipeline(transaction=False)
        for _ in range(batch_size - 1):
            if self._has_lmove:
                pipe.lmove(self.keys.pages, self.keys.pages_processing, "RIGHT", "LEFT")
            else:
                pipe.rpoplpush(self.keys.pages, self.keys.pages_processing)
        pipe.execute()
        return self._processing()

    def ack(self) -> None:
        """The claimed batch is committed: forget it."""
        self.client.delete(self.keys.pages_processing)

    def reject(self, entry: bytes) -> None:
        """Set an undecodable entry aside (kept for inspection) so it cannot block the queue."""
        pipe = self.client.pipeline(transaction=True)
        pipe.lpush(f"{self.keys.pages}:rejected", entry)
        pipe.lrem(self.keys.pages_processing, 1, entry)
        pipe.execute()

    def waiting(self) -> int:
        """Pages queued or claimed but not yet committed."""
        pipe = self.client.pipeline(transaction=False)
        pipe.llen(self.keys.pages)
        pipe.llen(self.keys.pages_processing)
        queued, claimed = pipe.execute()
        return int(queued) + int(claimed)

    def _processing(self) -> list[bytes]:
        # LMOVE ... LEFT puts the newest at the head: reverse so the batch is in arrival order.
        entries = self.client.lrange(self.keys.pages_processing, 0, -1)
        return list(reversed(entries))

    def _move(self, block_timeout: float) -> bytes | None:
        src, dst = self.keys.pages, self.keys.pages_processing
        if self._has_lmove:
            try:
                if block_timeout > 0:
                    return self.client.blmove(src, dst, block_timeout, "RIGHT", "LEFT")
                return self.client.lmove(src, dst, "RIGHT", "LEFT")
            except redis.ResponseError as exc:
                if "unknown command" not in str(exc).lower():
                    raise
                self._has_lmove = False  # Redis < 6.2
        if block_timeout > 0:
            return cast(bytes | None, self.client.brpoplpush(src, dst, int(max(1, round(block_timeout)))))
        return cast(bytes | None, self.client.rpoplpush(src, dst))
