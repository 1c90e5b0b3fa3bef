"""The Redis list of fetched pages between the workers and the writer, as a reliable queue.

A page travels as one Redis string: a JSON header line holding the spider's item (url, final_url, status,
headers, fetched_at, kind, the parts of a multi-page article...) with each body replaced by a reference, a
newline, then the bodies exactly as received, one after the other (no base64: JSON escapes every newline, so
the first one ends the header).

Workers ``LPUSH`` onto ``<prefix>:pages``. The writer moves entries with ``BLMOVE``/``LMOVE`` (``RPOPLPUSH``
on Redis before 6.2) into ``<prefix>:pages:processing`` and deletes that list only after the batch has been
committed to the archive. A writer killed mid-batch leaves the batch in the processing list; the next writer
ingests it first. Re-ingesting a page is harmless (the archive's ingest path is idempotent), so the queue
delivers each page at least once and loses none.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, cast

import redis

from archive.page import Page, normalize_headers
from crawler.distributed.keys import Keys

# Pages a writer takes from the queue and commits at once.
DEFAULT_BATCH_SIZE = 100

FORMAT_VERSION = 2


class BadPageEntry(ValueError):
    """A queue entry that is not an encoded page (written by something else, or truncated)."""


def _flatten(value: Any, blobs: list[bytes]) -> Any:
    """JSON-able form of an item: bytes become {"$b": n} (the n-th blob), datetimes {"$dt": iso}."""
    if isinstance(value, bytes | bytearray | memoryview):
        blobs.append(bytes(value))
        return {"$b": len(blobs) - 1}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, Mapping):
        return {str(k): _flatten(v, blobs) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_flatten(v, blobs) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot queue a value of type {type(value).__name__}")


def _restore(value: Any, blobs: list[bytes]) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and "$b" in value:
            return blobs[int(value["$b"])]
        if len(value) == 1 and "$dt" in value:
            return datetime.fromisoformat(value["$dt"])
        return {k: _restore(v, blobs) for k, v in value.items()}
    if isinstance(value, list):
        return [_restore(v, blobs) for v in value]
    return value


def encode_item(item: Mapping[str, Any]) -> bytes:
    """One queue entry for a spider item (a dict with the Page fields, and whatever else the spider adds,
    such as ``kind`` and a multi-page article's ``parts``): a JSON header line, then the raw bodies."""
    blobs: list[bytes] = []
    flat = _flatten(item, blobs)
    header = {"v": FORMAT_VERSION, "item": flat, "sizes": [len(b) for b in blobs]}
    head = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return b"".join([head, b"\n", *blobs])


def decode_item(data: bytes) -> dict[str, Any]:
    head, sep, rest = data.partition(b"\n")
    if not sep:
        raise BadPageEntry("no header line")
    try:
        header = json.loads(head)
        if not isinstance(header, dict) or header.get("v") != FORMAT_VERSION:
            raise BadPageEntry("unknown format version")
        blobs, offset = [], 0
        for size in header["sizes"]:
            blobs.append(rest[offset : offset + int(size)])
            offset += int(size)
        if offset != len(rest):
            raise BadPageEntry(f"bodies are {len(rest)} bytes, the header says {offset}")
        item = _restore(header["item"], blobs)
    except BadPageEntry:
        raise
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise BadPageEntry(f"bad header: {exc}") from exc
    if not isinstance(item, dict) or "url" not in item or "body" not in item:
        raise BadPageEntry("not a page")
    return item


def page_fields(page: Page) -> dict[str, Any]:
    return {
        "url": page.url,
        "final_url": page.final_url,
        "status": page.status,
        "headers": [list(pair) for pair in page.headers],
        "body": page.body,
        "fetched_at": page.fetched_at,
    }


def encode_page(page: Page) -> bytes:
    return encode_item(page_fields(page))


def decode_page(data: bytes) -> Page:
    return page_from_item(decode_item(data))


def page_from_item(item: Mapping[str, Any]) -> Page:
    """The :class:`Page` of an item's main response (extra keys such as ``kind`` are ignored)."""
    try:
        fetched_at = item.get("fetched_at")
        if isinstance(fetched_at, str):
            fetched_at = datetime.fromisoformat(fetched_at)
        extra: dict[str, Any] = {"fetched_at": fetched_at} if isinstance(fetched_at, datetime) else {}
        return Page(
            url=str(item["url"]),
            body=bytes(item["body"]),
            status=int(item.get("status", 200)),
            headers=normalize_headers(tuple(pair) for pair in item.get("headers") or ()),
            final_url=item.get("final_url"),
            **extra,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BadPageEntry(f"not a page: {exc}") from exc


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

    def push_item(self, item: Mapping[str, Any]) -> None:
        self.client.lpush(self.keys.pages, encode_item(item))

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
                    return cast(bytes | None, self.client.blmove(src, dst, block_timeout, "RIGHT", "LEFT"))
                return cast(bytes | None, self.client.lmove(src, dst, "RIGHT", "LEFT"))
            except redis.ResponseError as exc:
                if "unknown command" not in str(exc).lower():
                    raise
                self._has_lmove = False  # Redis < 6.2
        if block_timeout > 0:
            return cast(bytes | None, self.client.brpoplpush(src, dst, int(max(1, round(block_timeout)))))
        return cast(bytes | None, self.client.rpoplpush(src, dst))
