"""Distributed mode: workers sharing a Redis frontier, one writer keeping the archive (issue #5).

Needs a Redis server: scripts/test.sh starts one and sets NEWS_ARCHIVE_TEST_REDIS. Each test uses its own key
prefix and deletes its keys afterwards. The crawl tests run `news-archive worker` / `writer` as real processes
against a local site served from this process, which counts the requests it receives per path.
"""

from __future__ import annotations

import collections
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

REDIS_URL = os.environ.get("NEWS_ARCHIVE_TEST_REDIS")
pytestmark = pytest.mark.skipif(
    not REDIS_URL,
    reason="NEWS_ARCHIVE_TEST_REDIS is not set: run scripts/test.sh, which starts a redis-server and sets it",
)

redis = pytest.importorskip("redis")

from archive.page import Page  # noqa: E402
from crawler.distributed.inflight import InflightTracker  # noqa: E402
from crawler.distributed.keys import Keys  # noqa: E402
from crawler.distributed.pagequeue import (  # noqa: E402
    BadPageEntry,
    PageQueue,
    decode_item,
    decode_page,
    encode_item,
    encode_page,
)
from crawler.distributed.writer import ArchiveSink, PageWriter  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
N_ARTICLES = 40
PER_LISTING = 10

# ---------------------------------------------------------------------------------------------------------
# A local news site: a home page, a paginated listing (4 pages of 10), 40 articles that link to each other.


def _text(rng: random.Random, n: int) -> str:
    # Random CJK text: every article distinct, so no two collapse as copies or near-copies.
    return "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(n)) + "。"


def article_path(i: int) -> str:
    return f"/news/202401/t202401{(i % 28) + 1:02d}_{1000 + i}.html"


def listing_path(page: int) -> str:
    return "/news/index.html" if page == 0 else f"/news/index_{page}.html"


def article_html(i: int) -> bytes:
    rng = random.Random(i)
    paras = "".join(f"<p>{_text(rng, 120)}</p>" for _ in range(6))
    related = "".join(
        f'<li><a href="{article_path(j)}">相关 {j}</a></li>'
        for j in ((i + 1) % N_ARTICLES, (i + 7) % N_ARTICLES)
    )
    title = f"测试新闻第{i}号 {_text(rng, 8)}"
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}_测试网</title></head><body>"
        f'<div class="nav"><a href="/">首页</a> <a href="{listing_path(0)}">新闻</a></div>'
        f"<h1>{title}</h1><div class='info'>发布时间：2024-01-{(i % 28) + 1:02d} 10:{i % 60:02d} 来源：测试网</div>"
        f"<div class='content'>{paras}</div><ul class='related'>{related}</ul></body></html>"
    ).encode()


def listing_html(page: int) -> bytes:
    items = "".join(
        f'<li><a href="{article_path(i)}">测试新闻第{i}号</a></li>'
        for i in range(page * PER_LISTING, (page + 1) * PER_LISTING)
    )
    pages = "".join(f'<a href="{listing_path(p)}">{p + 1}</a> ' for p in range(N_ARTICLES // PER_LISTING))
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>新闻列表</title></head><body>"
        f'<a href="/">首页</a><ul class="list">{items}</ul><div class="pages">{pages}</div></body></html>'
    ).encode()


def site_routes() -> dict[str, bytes]:
    routes = {
        "/": b"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Test</title></head><body>"
        b'<a href="/news/index.html">news</a></body></html>',
        "/robots.txt": b"User-agent: *\nAllow: /\n",
    }
    for p in range(N_ARTICLES // PER_LISTING):
        routes[listing_path(p)] = listing_html(p)
    for i in range(N_ARTICLES):
        routes[article_path(i)] = article_html(i)
    return routes


class Site(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, delay: float = 0.0) -> None:
        self.routes = site_routes()
        self.delay = delay
        self.counts: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()
        # Requests wait here until the test opens the gate (once every worker is up), so that no worker
        # crawls the whole site while another is still starting.
        self.gate = threading.Event()
        self.gate.set()
        super().__init__(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def served(self, prefix: str = "/news/2024") -> int:
        with self.lock:
            return sum(n for p, n in self.counts.items() if p.startswith(prefix))


class _Handler(BaseHTTPRequestHandler):
    server: Site
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.server.gate.wait(timeout=60)
        with self.server.lock:
            self.server.counts[self.path] += 1
        if self.server.delay:
            time.sleep(self.server.delay)
        body = self.server.routes.get(self.path)
        status = 200 if body is not None else 404
        body = body if body is not None else b"not found"
        ctype = "text/plain" if self.path.endswith(".txt") or status == 404 else "text/html; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site(delay=0.05)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def slow_site() -> Iterator[Site]:
    server = Site(delay=0.15)
    yield server
    server.shutdown()
    server.server_close()


# ---------------------------------------------------------------------------------------------------------
# Redis: one prefix per test, its keys deleted afterwards.


@pytest.fixture
def client() -> Any:
    c = redis.Redis.from_url(REDIS_URL)
    yield c
    c.close()


@pytest.fixture
def keys(client: Any) -> Iterator[Keys]:
    k = Keys(f"test-{uuid.uuid4().hex[:12]}")
    yield k
    for key in client.scan_iter(match=k.all_keys_pattern(), count=1000):
        client.delete(key)


# ---------------------------------------------------------------------------------------------------------
# Processes and archive queries.


def cli(*args: str, cwd: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-c", "from crawler.cli import main; main()", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


WORKER_SETTINGS = [
    "DOWNLOAD_DELAY=0",
    "AUTOTHROTTLE_ENABLED=False",
    "CONCURRENT_REQUESTS_PER_DOMAIN=2",
    # A worker takes from the shared queue only what it can fetch at once (Scrapy would take 16 and let them
    # wait in its per-site slot, where no other worker can get at them).
    "CONCURRENT_REQUESTS=2",
    "NEWS_ARCHIVE_WORKER_TTL=2",
    "NEWS_ARCHIVE_POLL_INTERVAL=0.2",
    "LOG_LEVEL=INFO",
]


def worker(keys: Keys, site: Site, cwd: Path, idle_exit: float = 1.0) -> subprocess.Popen[bytes]:
    settings = [a for s in WORKER_SETTINGS for a in ("-s", s)]
    return cli(
        "worker",
        "--redis",
        str(REDIS_URL),
        "--prefix",
        keys.prefix,
        "--idle-exit",
        str(idle_exit),
        *settings,
        site.base + "/",
        cwd=cwd,
    )


def writer(keys: Keys, db: Path, idle_exit: float | None = None, batch: int = 10) -> subprocess.Popen[bytes]:
    args = [
        "writer",
        "--redis",
        str(REDIS_URL),
        "--prefix",
        keys.prefix,
        "--db",
        str(db),
        "--batch-size",
        str(batch),
    ]
    if idle_exit is not None:
        args += ["--idle-exit", str(idle_exit)]
    return cli(*args, cwd=db.parent)


def open_when_registered(site: Site, client: Any, keys: Keys, n: int) -> None:
    """Let the site answer once ``n`` workers have registered in Redis."""
    deadline = time.monotonic() + 30
    while client.scard(keys.workers) < n and time.monotonic() < deadline:
        time.sleep(0.02)
    site.gate.set()


def drained(client: Any, keys: Keys) -> None:
    """Wait until the writer has committed every queued page."""
    queue, deadline = PageQueue(client, keys), time.monotonic() + 60
    while queue.waiting() and time.monotonic() < deadline:
        time.sleep(0.05)


def finish(proc: subprocess.Popen[bytes], timeout: float = 60) -> str:
    out, _ = proc.communicate(timeout=timeout)
    text = out.decode("utf-8", "replace")
    assert proc.returncode == 0, text[-3000:]
    return text


def archived_urls(db: Path, base: str) -> collections.Counter[str]:
    """Article URL (path) -> number of article records it belongs to."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT url, article_id FROM article_urls").fetchall()
        n_articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        conn.close()
    counts = collections.Counter(url.removeprefix(base) for url, _ in rows)
    assert n_articles == len({aid for _, aid in rows})
    return counts


def article_paths() -> set[str]:
    return {article_path(i) for i in range(N_ARTICLES)}


# ---------------------------------------------------------------------------------------------------------
# The page queue and the writer.


def test_queue_entry_keeps_bytes_headers_and_parts() -> None:
    page = Page(
        url="http://a.test/x",
        body=b"line1\nline2\x00\xff\xfe",
        status=203,
        headers=(("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Content-Type", "text/html; charset=gbk")),
        final_url="http://a.test/y",
    )
    assert decode_page(encode_page(page)) == page
    item = {
        "url": "http://a.test/c_1.htm",
        "body": b"\n\n",
        "kind": "article",
        "parts": [{"url": "u2", "body": b"\xb0\n"}],
    }
    back = decode_item(encode_item(item))
    assert back == item
    with pytest.raises(BadPageEntry):
        decode_item(encode_item(item)[:-1])  # truncated body
    with pytest.raises(BadPageEntry):
        decode_item(b"not a page")


def _pages(base: str, n: int) -> list[Page]:
    return [
        Page(
            url=base + article_path(i),
            body=article_html(i),
            headers=(("Content-Type", "text/html; charset=utf-8"),),
        )
        for i in range(n)
    ]


def test_writer_crash_after_commit_before_ack_loses_and_duplicates_nothing(
    client: Any, keys: Keys, tmp_path: Path
) -> None:
    queue = PageQueue(client, keys)
    base = "http://site.test"
    queue.push_many(_pages(base, 30))
    queue.client.lpush(keys.pages, b"garbage that is not a page")
    db = tmp_path / "a.db"

    class Crash(Exception):
        pass

    sink = ArchiveSink(str(db))
    calls = 0

    def ingest_then_crash(items: list[dict[str, Any]]) -> Any:
        nonlocal calls
        calls += 1
        results = sink(items)
        if calls == 2:
            raise Crash  # committed, but the process dies before acknowledging the batch
        return results

    with pytest.raises(Crash):
        PageWriter(queue, ingest_then_crash, batch_size=8).run(idle_exit=0.5)
    sink.close("failed")
    assert client.llen(keys.pages_processing) == 8  # the unacknowledged batch is still held

    sink = ArchiveSink(str(db))
    stats = PageWriter(queue, sink, batch_size=8).run(idle_exit=0.5)
    sink.close("ok")
    assert stats.rejected == 1 and client.llen(f"{keys.pages}:rejected") == 1
    assert queue.waiting() == 0
    counts = archived_urls(db, base)
    assert set(counts) == {article_path(i) for i in range(30)}
    assert set(counts.values()) == {1}


@pytest.mark.parametrize("jobs", [1, 2])
def test_writer_makes_one_record_of_a_multi_page_article(
    client: Any, keys: Keys, tmp_path: Path, jobs: int
) -> None:
    base = "http://site.test"
    first, second = (
        (base + article_path(0)).replace(".html", "_1.html"),
        base + article_path(0).replace(".html", "_2.html"),
    )
    queue = PageQueue(client, keys)
    queue.push_item(
        {
            "url": first,
            "body": article_html(0),
            "kind": "article",
            "parts": [{"url": second, "body": article_html(1)}],
        }
    )
    singles = [Page(url=base + article_path(i), body=article_html(i)) for i in range(2, 7)]
    queue.push_many(singles)
    db = tmp_path / "a.db"
    sink = ArchiveSink(str(db), jobs=jobs)  # jobs=2: extraction in a process pool, same archive
    stats = PageWriter(queue, sink).run(idle_exit=0.3)
    sink.close("ok")
    assert stats.statuses == {"new": 6}
    conn = sqlite3.connect(db)
    body = conn.execute("SELECT body FROM articles WHERE url = ?", (first,)).fetchone()[0]
    stored = {url for (url,) in conn.execute("SELECT url FROM responses")}
    run = conn.execute("SELECT kind, outcome, articles_new FROM runs").fetchall()
    conn.close()
    assert stored == {first, second} | {p.url for p in singles}
    rng0, rng1 = random.Random(0), random.Random(1)
    assert _text(rng0, 120)[:40] in body and _text(rng1, 120)[:40] in body  # both pages' text, one record
    assert run == [("writer", "ok", 6)]


def test_killed_writer_process_loses_nothing(client: Any, keys: Keys, tmp_path: Path) -> None:
    queue = PageQueue(client, keys)
    base = "http://site.test"
    queue.push_many(_pages(base, N_ARTICLES))
    db = tmp_path / "a.db"
    first = writer(keys, db, batch=4)
    deadline = time.monotonic() + 30
    while client.llen(keys.pages) > N_ARTICLES - 12 and time.monotonic() < deadline:
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=10)
    assert client.llen(keys.pages) > 0, "the writer finished before it could be killed"
    finish(writer(keys, db, idle_exit=1.0, batch=4))
    assert queue.waiting() == 0
    counts = archived_urls(db, base)
    assert set(counts) == article_paths()
    assert set(counts.values()) == {1}


# ---------------------------------------------------------------------------------------------------------
# The in-flight record.


def test_dead_worker_requests_go_back_on_the_queue(client: Any, keys: Keys) -> None:
    for n, data in enumerate([b"req-a", b"req-b", b"req-c"]):
        client.zadd(keys.requests, {data: -n})
    dead = InflightTracker(client, keys, "dead", heartbeat_ttl=0.3)
    alive = InflightTracker(client, keys, "alive", heartbeat_ttl=30)
    dead.register()
    alive.register()
    taken = [dead.pop(), dead.pop()]
    assert [t[1] for t in taken if t] == [b"req-c", b"req-b"]  # best priority first
    assert client.zcard(keys.requests) == 1 and client.hlen(keys.inflight("dead")) == 2
    assert alive.requeue_dead_workers() == 0  # its heartbeat is still fresh
    assert alive.others_busy()
    time.sleep(0.4)  # no heartbeat since: taken for dead
    assert alive.requeue_dead_workers() == 2
    assert client.zrange(keys.requests, 0, -1, withscores=True) == [
        (b"req-c", -2.0),
        (b"req-b", -1.0),
        (b"req-a", 0.0),
    ]
    assert not client.exists(keys.inflight("dead")) and not alive.others_busy()
    # Crawls: the first worker starts one, later ones join it, until one sees the frontier drained.
    assert alive.begin_or_join_crawl() and not dead.begin_or_join_crawl()
    alive.finish_crawl()
    assert dead.begin_or_join_crawl()
    # A request that is done leaves the record.
    popped = alive.pop()
    assert popped is not None
    alive.done(popped[0])
    assert client.hlen(keys.inflight("alive")) == 0


# ---------------------------------------------------------------------------------------------------------
# Whole crawls: two workers, one writer, a local site.


def test_two_workers_and_a_restarted_writer_archive_every_article_once(
    client: Any, keys: Keys, site: Site, tmp_path: Path
) -> None:
    db = tmp_path / "archive.db"
    first_writer = writer(keys, db)
    site.gate.clear()
    workers = [worker(keys, site, tmp_path), worker(keys, site, tmp_path)]
    open_when_registered(site, client, keys, 2)
    # Stop the writer while the crawl runs; what it had not ingested stays queued for the next one.
    deadline = time.monotonic() + 30
    while site.served() < N_ARTICLES // 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    first_writer.send_signal(signal.SIGTERM)
    finish(first_writer)
    logs = [finish(w) for w in workers]
    second_writer = writer(keys, db)
    drained(client, keys)

    fetched_twice = {p: n for p, n in site.counts.items() if n > 1 and p != "/robots.txt"}
    assert fetched_twice == {}, "pages fetched more than once"
    assert all(site.counts[p] == 1 for p in article_paths())
    assert all("pages queued (finished)" in log for log in logs), logs
    assert all(" 0 responses" not in log for log in logs), "one worker did all the work"
    counts = archived_urls(db, site.base)
    assert set(counts) == article_paths()
    assert set(counts.values()) == {1}
    assert client.zcard(keys.requests) == 0 and PageQueue(client, keys).waiting() == 0
    assert not client.exists(keys.crawl), "a drained crawl is over: the next worker starts a new one"

    # The next crawl under the same prefix starts afresh (the persisted filter would otherwise refuse the start
    # URL), and the archive records its pages as refetches of the same articles.
    finish(worker(keys, site, tmp_path, idle_exit=0.5))
    assert site.counts["/"] == 2
    # Started beside the archive, the worker read it and skipped the archived articles (none is due yet).
    assert all(site.counts[p] == 1 for p in article_paths())
    drained(client, keys)
    second_writer.send_signal(signal.SIGTERM)
    finish(second_writer)
    counts = archived_urls(db, site.base)
    assert set(counts) == article_paths() and set(counts.values()) == {1}


def test_killed_worker_loses_nothing(client: Any, keys: Keys, slow_site: Site, tmp_path: Path) -> None:
    site = slow_site
    db = tmp_path / "archive.db"
    site.gate.clear()
    victim = worker(keys, site, tmp_path)
    survivor = worker(keys, site, tmp_path)
    open_when_registered(site, client, keys, 2)

    def victim_holds() -> int:
        # Worker ids are host:pid:random; what the dead worker held must come back through the survivor.
        return sum(client.hlen(k) for k in client.scan_iter(match=f"{keys.prefix}:inflight:*:{victim.pid}:*"))

    deadline = time.monotonic() + 30
    while (site.served() < 10 or not victim_holds()) and time.monotonic() < deadline:
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=10)
    held = victim_holds()
    assert held > 0, "the worker was killed holding no request: nothing to recover"
    finish(survivor)
    finish(writer(keys, db, idle_exit=0.5))

    assert site.served() < N_ARTICLES + held + 1, "more refetches than requests the dead worker held"
    counts = archived_urls(db, site.base)
    assert set(counts) == article_paths()
    assert set(counts.values()) == {1}
    assert not list(client.scan_iter(match=f"{keys.prefix}:inflight:*"))


def test_stopped_crawl_resumes_without_refetching(
    client: Any, keys: Keys, slow_site: Site, tmp_path: Path
) -> None:
    site = slow_site
    db = tmp_path / "archive.db"
    first = worker(keys, site, tmp_path)
    deadline = time.monotonic() + 30
    while site.served() < 8 and time.monotonic() < deadline:
        time.sleep(0.01)
    first.send_signal(signal.SIGTERM)  # graceful: finishes what it holds, leaves the rest queued
    assert "(shutdown)" in finish(first)
    assert site.served() < N_ARTICLES, "the crawl ended before it could be stopped"
    assert client.exists(keys.crawl) and client.zcard(keys.requests) > 0
    finish(worker(keys, site, tmp_path))  # joins the crawl under way: its start URL is filtered
    finish(writer(keys, db, idle_exit=0.5))

    assert {p: n for p, n in site.counts.items() if n > 1 and p != "/robots.txt"} == {}
    counts = archived_urls(db, site.base)
    assert set(counts) == article_paths() and set(counts.values()) == {1}
