"""The archive writer in its own process, so that ingest (store, extract, dedup, index) does not share the
crawl's interpreter.

Why: the crawl (Scrapy's reactor: download, decode, find links) and the ingest path are both CPU-bound Python.
In one interpreter they take turns on the GIL and their costs add up, whatever threads are used. With the
writer in a child process each gets a core: the crawl's process only pickles pages into a pipe.

How: the pipeline's writer work (``ArchiveWriter._open`` / ``_write`` / ``_drain`` / ``_close``, which the
pipeline inherits) runs unchanged in the child, on an ArchiveWriter built there from the same
``NEWS_ARCHIVE_*`` settings; the crawl's reactor sends each call over a pipe and takes its answer when the
pipe turns readable (crawler/pipelines.py, ``WriterAnswers``), so batches stay bounded (one in flight, as
before) and the crawl's close still waits until every page is committed. The run's figures travel with each
call both ways, and errors come back as the exceptions they were.

A killed crawl loses nothing committed: every batch is its own transaction in the child. The child dies with
the crawl's process (Linux: PR_SET_PDEATHSIG; elsewhere it reads end-of-file on the pipe and stops), so a
killed crawl leaves no writer behind, exactly as when the writer was a thread: the batch in flight is rolled
back and fetched again by the next run, which also marks the open run abandoned. Ctrl-C reaches the whole
process group: the child ignores it and lets the crawl decide when to close.
"""

from __future__ import annotations

import importlib
import logging
import os
import signal
import sys
from multiprocessing import get_context, parent_process
from multiprocessing.connection import Connection
from types import SimpleNamespace
from typing import Any

from archive.errors import ArchiveError

logger = logging.getLogger(__name__)

# The pipeline's state that both sides change: the crawl counts pages, the writer counts ingest results.
_STATE = ("counts", "ingest_errors", "_had_articles")
_REPORT = ("run_id", "started_at")


def _state_of(pipeline: Any) -> dict[str, Any]:
    state = {name: getattr(pipeline, name) for name in _STATE}
    state.update({name: getattr(pipeline.report, name) for name in _REPORT})
    return state


def _adopt(pipeline: Any, state: dict[str, Any]) -> None:
    """Take the other side's state, in place (``report.counts`` is the same object as ``counts``)."""
    pipeline.counts.__dict__.update(state["counts"].__dict__)
    pipeline.ingest_errors.clear()
    pipeline.ingest_errors.update(state["ingest_errors"])
    pipeline._had_articles = state["_had_articles"]
    for name in _REPORT:
        setattr(pipeline.report, name, state[name])


class WriterStopped(ArchiveError):
    """The writer process is gone (killed, crashed): no call can be answered any more."""


# A writer process started ahead of its crawl (prestart), waiting for its settings.
_PRESTARTED: tuple[Any, Connection] | None = None


def _spawn() -> tuple[Any, Connection]:
    ctx = get_context("spawn")  # not fork: the crawl's process runs threads (the reactor's, the writer's)
    conn, child = ctx.Pipe()
    process = ctx.Process(target=serve, args=(child,), name="news-archive-writer", daemon=False)
    process.start()
    child.close()
    return process, conn


def prestart() -> None:
    """Start the writer process now; the first RemoteWriter made in this process takes it and sends it its
    settings. Its start (0.3-0.4 s of importing the archive's code) then overlaps Scrapy's own (about 0.3 s
    of making the crawler), instead of following it."""
    global _PRESTARTED
    if _PRESTARTED is None:
        _PRESTARTED = _spawn()


def discard_prestarted() -> None:
    """Stop a prestarted writer process that no crawl took (it was refused, or failed to start)."""
    global _PRESTARTED
    if _PRESTARTED is None:
        return
    process, conn = _PRESTARTED
    _PRESTARTED = None
    _stop(process, conn, timeout=10.0)


def _stop(process: Any, conn: Connection, timeout: float) -> None:
    """Tell the writer process to stop, and wait for it (``timeout`` seconds before it is terminated)."""
    try:
        conn.send(None)
    except OSError:
        pass
    conn.close()
    process.join(timeout)
    if process.is_alive():
        process.terminate()
        process.join()


class RemoteWriter:
    """The crawl's end of the writer process."""

    def __init__(self, settings: dict[str, Any], spider: Any):
        global _PRESTARTED
        if _PRESTARTED is not None:
            (self._process, self._conn), _PRESTARTED = _PRESTARTED, None
        else:
            self._process, self._conn = _spawn()
        spider_info = {
            "start_urls": list(getattr(spider, "start_urls", [])),
            "profiles": getattr(spider, "profiles", None),
        }
        try:
            self._conn.send((settings, spider_info))
        except OSError as exc:
            raise self._stopped() from exc

    def send(self, pipeline: Any, name: str, *args: Any) -> None:
        """Start ``pipeline.<name>(*args)`` in the writer process; :meth:`receive` takes its answer. The
        writer answers calls in the order they were sent, one at a time."""
        try:
            self._conn.send((name, args, _state_of(pipeline)))
        except (EOFError, OSError) as exc:
            raise self._stopped() from exc

    def receive(self, pipeline: Any) -> Any:
        """The answer to the oldest call sent (waiting for it): its value, or its exception raised here."""
        try:
            ok, value, state = self._conn.recv()
        except (EOFError, OSError) as exc:
            raise self._stopped() from exc
        _adopt(pipeline, state)
        if not ok:
            raise value
        return value

    def answered(self) -> bool:
        """Whether an answer (or the end of the pipe) can be received without waiting."""
        try:
            return self._conn.poll()
        except (EOFError, OSError):
            return True

    def fileno(self) -> int:
        """The pipe's descriptor: readable when an answer has arrived (for an event loop to watch)."""
        return self._conn.fileno()

    def _stopped(self) -> WriterStopped:
        self._process.join(1.0)  # it is gone or going: its exit code says how
        return WriterStopped(f"the archive writer process stopped (exit code {self._process.exitcode})")

    def stop(self, timeout: float = 60.0) -> None:
        _stop(self._process, self._conn, timeout)


def _portable(exc: BaseException) -> BaseException:
    """The exception itself when it survives pickling, else an ArchiveError with its text."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return ArchiveError(f"{type(exc).__name__}: {exc}")


def _die_with_parent() -> None:
    """Ask Linux to kill this process when the process that started it dies (no-op elsewhere)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def serve(conn: Connection) -> None:
    """The writer process: a pipeline built from the crawl's settings (the first message), answering calls
    until told to stop."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The writer's side only (crawler/archive_writer.py): no Scrapy or Twisted to import, so it starts in a
    # third of the time. The extractor too, before the settings arrive: a prestarted writer imports while the
    # crawl's process makes its crawler.
    from crawler.archive_writer import ArchiveWriter

    importlib.import_module("archive.extract.pipeline")
    try:
        first = conn.recv()
    except (EOFError, OSError):
        first = None  # the crawl's process is gone before it sent the settings
    if first is None:
        _exit_child()
        return
    settings, spider_info = first
    pipeline = ArchiveWriter(settings, SimpleNamespace(**spider_info))
    try:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                break  # the crawl's process is gone: keep what is committed, stop
            if message is None:
                break
            name, args, state = message
            _adopt(pipeline, state)
            try:
                value = getattr(pipeline, name)(*args)
                reply: tuple[bool, Any, dict[str, Any]] = (True, value, _state_of(pipeline))
            except Exception as exc:
                reply = (False, _portable(exc), _state_of(pipeline))
            try:
                conn.send(reply)
            except (EOFError, OSError):
                break
    finally:
        _abandon(pipeline)
    _exit_child()


def _exit_child() -> None:
    """End the writer process at once, once everything is closed and committed.

    The interpreter's own exit tears down lxml, OpenCC, SQLite and the extractor's tables object by object:
    30-60 ms that the crawl's end waited for, with nothing left to save. Only in the child process.
    """
    if parent_process() is None:
        return
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(0)


def _abandon(pipeline: Any) -> None:
    """Close what a crawl that went away left open (after a normal close there is nothing left)."""
    if pipeline._extract_pool is not None:
        pipeline._extract_pool.shutdown(cancel_futures=True)
    if pipeline._ingestor is not None:
        pipeline._ingestor.close()
        pipeline._ingestor = None
    if pipeline._lock is not None:
        pipeline._lock.release()
