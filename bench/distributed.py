"""Scale-out benchmark: crawl throughput with 1, 2 and 4 distributed workers, and the writer's ingest rate.

    python bench/distributed.py [--articles 240] [--delay 0.1] [--concurrency 2] [--workers 1,2,4]

A local site answers every request after ``--delay`` seconds, so a worker's speed is bounded by waiting, not
by CPU; each worker fetches at most ``--concurrency`` pages at a time. Throughput is measured at the server:
article pages served per second between the first and the last request of the crawl (so process start-up and
the idle wait before exit are not counted). The writer is measured separately: the same article pages queued
in Redis, ingested through the archive's ingest path (extraction included) in batches of 100.

Starts its own redis-server on a free port (or uses NEWS_ARCHIVE_BENCH_REDIS). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from archive.page import Page  # noqa: E402
from crawler.distributed.keys import Keys  # noqa: E402
from crawler.distributed.pagequeue import PageQueue  # noqa: E402
from crawler.distributed.writer import ArchiveSink, PageWriter  # noqa: E402

PER_LISTING = 10


def _text(rng: random.Random, n: int) -> str:
    return "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(n)) + "。"


def article_path(i: int) -> str:
    return f"/news/202401/t202401{(i % 28) + 1:02d}_{10000 + i}.html"


def listing_path(page: int) -> str:
    return "/news/index.html" if page == 0 else f"/news/index_{page}.html"


def article_html(i: int) -> bytes:
    rng = random.Random(i)
    paras = "".join(f"<p>{_text(rng, 150)}</p>" for _ in range(8))
    title = f"测试新闻第{i}号 {_text(rng, 8)}"
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}_测试网</title></head><body>"
        f'<div class="nav"><a href="/">首页</a> <a href="{listing_path(0)}">新闻</a></div>'
        f"<h1>{title}</h1><div class='info'>发布时间：2024-01-{(i % 28) + 1:02d} 10:{i % 60:02d} 来源：测试网</div>"
        f"<div class='content'>{paras}</div></body></html>"
    ).encode()


def site_routes(n_articles: int) -> dict[str, bytes]:
    n_listings = (n_articles + PER_LISTING - 1) // PER_LISTING
    home_links = "".join(f'<a href="{listing_path(p)}">{p + 1}</a> ' for p in range(n_listings))
    routes = {
        "/": f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Bench</title></head><body>{home_links}"
        "</body></html>".encode(),
        "/robots.txt": b"User-agent: *\nAllow: /\n",
    }
    for p in range(n_listings):
        items = "".join(
            f'<li><a href="{article_path(i)}">第{i}号</a></li>'
            for i in range(p * PER_LISTING, min(n_articles, (p + 1) * PER_LISTING))
        )
        routes[listing_path(p)] = (
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>列表</title></head><body>"
            f'<ul class="list">{items}</ul><a href="/">首页</a></body></html>'
        ).encode()
    for i in range(n_articles):
        routes[article_path(i)] = article_html(i)
    return routes


class DelayedSite(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, routes: dict[str, bytes], delay: float) -> None:
        self.routes = routes
        self.delay = delay
        self.lock = threading.Lock()
        self.times: list[float] = []
        self.count: dict[str, int] = {}
        super().__init__(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def reset(self) -> None:
        with self.lock:
            self.times.clear()
            self.count.clear()


class _Handler(BaseHTTPRequestHandler):
    server: DelayedSite
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        time.sleep(self.server.delay)
        body = self.server.routes.get(self.path)
        with self.server.lock:
            if self.path.startswith("/news/2024"):
                self.server.times.append(time.monotonic())
            self.server.count[self.path] = self.server.count.get(self.path, 0) + 1
        status = 200 if body is not None else 404
        body = body if body is not None else b"not found"
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8" if status == 200 else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def redis_server() -> Iterator[str]:
    url = os.environ.get("NEWS_ARCHIVE_BENCH_REDIS")
    if url:
        yield url
        return
    exe = shutil.which("redis-server")
    if exe is None:
        sys.exit("needs redis-server on PATH (or NEWS_ARCHIVE_BENCH_REDIS=redis://...)")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    rdir = tempfile.mkdtemp()
    proc = subprocess.Popen(
        [exe, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", rdir],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(rdir, ignore_errors=True)


def run_workers(url: str, site: DelayedSite, n: int, concurrency: int, workdir: Path) -> dict[str, float]:
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    settings = [
        "DOWNLOAD_DELAY=0",
        "AUTOTHROTTLE_ENABLED=False",
        f"CONCURRENT_REQUESTS={concurrency}",
        f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}",
        "NEWS_ARCHIVE_POLL_INTERVAL=0.1",
        "LOG_LEVEL=WARNING",
    ]
    args = [a for s in settings for a in ("-s", s)]
    site.reset()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-c", "from crawler.cli import main; main()", "worker", "--redis", url]
    procs = [
        subprocess.Popen(
            [*cmd, "--prefix", prefix, "--idle-exit", "1", *args, site.base + "/"],
            cwd=workdir,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(n)
    ]
    for p in procs:
        p.wait(timeout=600)
    client = redis.Redis.from_url(url)
    queued = client.llen(Keys(prefix).pages)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)
    times = sorted(site.times)
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    twice = sum(1 for path, c in site.count.items() if c > 1 and path != "/robots.txt")
    return {
        "articles": len(times),
        "seconds": span,
        "rate": (len(times) - 1) / span,
        "queued": queued,
        "twice": twice,
    }


def writer_rate(url: str, n_pages: int, base: str, workdir: Path, jobs: int) -> dict[str, Any]:
    client = redis.Redis.from_url(url)
    keys = Keys(f"bench-writer-{uuid.uuid4().hex[:8]}")
    queue = PageQueue(client, keys)
    # Distinct articles, as a crawl brings them (copies would take the cheaper exact-duplicate path).
    pages = [
        Page(
            url=base + article_path(i),
            body=article_html(i),
            headers=(("Content-Type", "text/html; charset=utf-8"),),
        )
        for i in range(n_pages)
    ]
    queue.push_many(pages)
    db = workdir / f"writer-bench-{jobs}.db"
    sink = ArchiveSink(str(db), jobs=jobs)
    writer = PageWriter(queue, sink, batch_size=100)
    started = time.monotonic()
    stats = writer.run(idle_exit=0.5)
    elapsed = time.monotonic() - started - 0.5
    sink.close("ok")
    for key in client.scan_iter(match=f"{keys.prefix}:*"):
        client.delete(key)
    return {
        "pages": stats.pages,
        "seconds": elapsed,
        "rate": stats.pages / elapsed,
        "statuses": dict(stats.statuses),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=240)
    ap.add_argument("--delay", type=float, default=0.1)
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--writer-pages", type=int, default=1000, help="article pages the writer bench ingests")
    ap.add_argument("--writer-jobs", default="1,2", help="writer bench: extraction processes (--jobs) to try")
    opts = ap.parse_args()
    routes = site_routes(opts.articles)
    site = DelayedSite(routes, opts.delay)
    workdir = Path(tempfile.mkdtemp())
    rows = []
    writers = []
    try:
        with redis_server() as url:
            for n in [int(x) for x in opts.workers.split(",") if x]:
                r = run_workers(url, site, n, opts.concurrency, workdir)
                rows.append((n, r))
                print(f"{n} workers: {r}", file=sys.stderr)
            for jobs in [int(x) for x in opts.writer_jobs.split(",") if x]:
                w = writer_rate(url, opts.writer_pages, site.base, workdir, jobs)
                writers.append((jobs, w))
                print(f"writer --jobs {jobs}: {w}", file=sys.stderr)
    finally:
        site.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)

    one = rows[0][1]["rate"] / rows[0][0] if rows else float("nan")
    if rows:
        print(
            f"\nSite: {opts.articles} articles, {(opts.articles + PER_LISTING - 1) // PER_LISTING} listings, "
            f"every response delayed {opts.delay * 1000:.0f} ms; each worker fetches at most {opts.concurrency} "
            f"pages at a time (ideal per worker: {opts.concurrency / opts.delay:.0f} pages/s).\n"
        )
        print("| workers | articles fetched | fetched twice | seconds | articles/s | speed-up | efficiency |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        base_rate = rows[0][1]["rate"]
        for n, r in rows:
            speedup = r["rate"] / base_rate
            print(
                f"| {n} | {r['articles']:.0f} | {r['twice']:.0f} | {r['seconds']:.1f} | {r['rate']:.1f} | "
                f"{speedup:.2f}x | {speedup / (n / rows[0][0]):.0%} |"
            )
    if writers:
        print(f"\nWriter: {opts.writer_pages} distinct article pages, batches of 100.\n")
        print("| writer --jobs | seconds | pages/s | workers kept up with (at the per-worker rate above) |")
        print("|---:|---:|---:|---:|")
        for jobs, w in writers:
            print(f"| {jobs} | {w['seconds']:.1f} | {w['rate']:.0f} | {w['rate'] / one:.1f} |")


if __name__ == "__main__":
    main()
