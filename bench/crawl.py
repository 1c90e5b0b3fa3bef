"""Crawl benchmark: crawl-and-archive throughput beside a bare Scrapy crawl of the same pages, and the peak
memory of a large crawl. Results go to the ``## Crawl`` section of docs/benchmarks.md.

    python bench/crawl.py                    # 2,000-page site, both crawls, then the 20,000-page memory run
    python bench/crawl.py --pages 500 --memory-pages 0 --no-write

The site is served by a small asyncio HTTP/1.1 server in its own process (prebuilt responses, keep-alive),
so the server is not what limits either crawl. Politeness is off for both (no robots.txt, no delay, no
AutoThrottle, 16 concurrent requests). Each crawl runs in its own child process (one reactor per process)
and reports its own wall time (reactor start to stop) and peak RSS.

- bare: a Scrapy spider that requests every page's URL (listings and articles) and discards the responses;
- archive: ``crawler.run.run_crawl`` from the home page: the news spider discovers the same pages through
  the listings and the pipeline archives every article (store raw, extract, dedup, index) in batches.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

PER_LISTING = 100
POLITENESS_OFF = {
    "ROBOTSTXT_OBEY": False,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "LOG_LEVEL": "ERROR",
    "NEWS_ARCHIVE_BATCH_SIZE": 50,
}


def text_paragraphs(seed: int, n: int = 6) -> list[str]:
    """Six paragraphs of pseudo-Chinese text, different for every seed (articles must not be near-copies of
    each other, or the benchmark measures the near-duplicate check rather than the crawl)."""
    import random

    rng = random.Random(seed)
    out = []
    for _ in range(n):
        sentences = []
        for _ in range(rng.randint(3, 5)):
            sentences.append("".join(chr(0x4E00 + rng.randrange(0x5000)) for _ in range(rng.randint(12, 30))))
        out.append("，".join(sentences) + "。")
    return out


def site_pages(n: int) -> dict[str, bytes]:
    """n article pages (distinct text, ~3 KB of Chinese each) and listing pages of 100 links, paginated."""
    from sitekit import article_html, listing_html

    arts = [f"/news/{2020 + i % 5}{i % 12 + 1:02d}/t2024{i % 12 + 1:02d}05_{i}.html" for i in range(n)]
    pages: dict[str, bytes] = {}
    for i, path in enumerate(arts):
        pages[path] = article_html(f"基准测试稿件第{i}号的标题", text_paragraphs(i)).encode()
    chunks = [arts[k : k + PER_LISTING] for k in range(0, n, PER_LISTING)]
    for c, chunk in enumerate(chunks):
        name = "index.html" if c == 0 else f"index_{c}.html"
        nxt = f'<a href="index_{c + 1}.html">下一页</a>' if c + 1 < len(chunks) else ""
        pages[f"/news/{name}"] = listing_html(f"列表{c}", [(p, "稿件") for p in chunk], extra=nxt).encode()
    pages["/"] = listing_html("首页", [("/news/index.html", "新闻")]).encode()
    return pages


def _serve(n: int, port_queue: mp.Queue) -> None:  # type: ignore[type-arg]
    pages = site_pages(n)
    responses = {
        path.encode(): b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
        for path, body in pages.items()
    }
    not_found = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1]
                writer.write(responses.get(path, not_found))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
        port_queue.put(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def _child(kind: str, base: str, db: str, n: int, out: str) -> None:
    """One crawl in this (child) process; writes {"seconds", "maxrss_mb", ...} to ``out``."""
    if kind in ("bare", "discover"):
        from scrapy import Request, Spider
        from scrapy.crawler import CrawlerProcess

        from crawler.run import crawl_settings
        from crawler.spiders.news import NewsSpider

        urls = [base + p for p in site_pages(n)]

        class Bare(Spider):
            name = "bare"

            async def start(self):  # type: ignore[no-untyped-def]
                for u in urls:
                    yield Request(u, callback=self.parse)

            def parse(self, response, **kwargs):  # type: ignore[no-untyped-def]
                return None

        settings = crawl_settings(db, {**POLITENESS_OFF, "ITEM_PIPELINES": {}})
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(Bare if kind == "bare" else NewsSpider)
        process.crawl(crawler, **({} if kind == "bare" else {"start_urls": [base + "/"]}))
        t = time.perf_counter()
        process.start()
        seconds = time.perf_counter() - t
        pages = crawler.stats.get_value("response_received_count", 0)
        result = {"seconds": seconds, "pages": pages}
    elif kind == "ingest":
        from archive.ingest import Ingestor
        from archive.page import Page

        headers = (("Content-Type", "text/html; charset=utf-8"),)
        pages = [Page(url=base + p, body=b, headers=headers) for p, b in site_pages(n).items() if "/t20" in p]
        t = time.perf_counter()
        with Ingestor.open(db) as ing:
            for k in range(0, len(pages), 50):
                ing.ingest_many(pages[k : k + 50])
        seconds = time.perf_counter() - t
        result = {"seconds": seconds, "pages": len(pages)}
    else:
        from crawler.run import run_crawl

        t = time.perf_counter()
        settings = dict(POLITENESS_OFF)
        if kind == "archive+1":
            settings["NEWS_ARCHIVE_EXTRACT_PROCESSES"] = 1
        report = run_crawl([base + "/"], db, settings, install_signal_handlers=False)
        seconds = time.perf_counter() - t
        c = report.counts
        result = {"seconds": seconds, "pages": c.pages_fetched, "articles": c.new, "outcome": report.outcome}
    result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Path(out).write_text(json.dumps(result))


def run_child(kind: str, base: str, db: str, n: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = fh.name
    code = f"import sys; sys.argv=['x']; from bench.crawl import _child; _child({kind!r}, {base!r}, {db!r}, {n}, {out!r})"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    result = json.loads(Path(out).read_text())
    os.unlink(out)
    return result


def measure(
    n: int, tmp: Path, kinds: tuple[str, ...] = ("bare", "discover", "ingest", "archive", "archive+1")
) -> dict[str, dict[str, float]]:
    q: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    server = mp.Process(target=_serve, args=(n, q), daemon=True)
    server.start()
    try:
        base = f"http://127.0.0.1:{q.get(timeout=120)}"
        results = {}
        for kind in kinds:
            db = str(tmp / f"{kind}-{n}.db")
            results[kind] = run_child(kind, base, db, n)
            r = results[kind]
            r["pages_per_s"] = r["pages"] / r["seconds"]
            print(f"{n} pages, {kind}: {json.dumps(r)}", flush=True)
        return results
    finally:
        server.terminate()
        server.join()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--memory-pages", type=int, default=20000)
    ap.add_argument("--no-write", action="store_true", help="Print only; do not update docs/benchmarks.md.")
    args = ap.parse_args()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        speed = measure(args.pages, tmp)
        memory = measure(args.memory_pages, tmp, kinds=("archive",))["archive"] if args.memory_pages else None
    bare, disc, arch, arch1 = speed["bare"], speed["discover"], speed["archive"], speed["archive+1"]
    ingest = speed["ingest"]
    cost = 1 - arch["pages_per_s"] / bare["pages_per_s"]
    lines = [
        "## Crawl",
        "",
        f"`python bench/crawl.py` on {platform.machine()} ({os.cpu_count()} cores, shared), Python"
        f" {platform.python_version()}, {time.strftime('%Y-%m-%d')}. A local site (asyncio server in its own"
        " process, keep-alive, prebuilt responses) of"
        f" {args.pages:,} article pages (~3 KB of Chinese text each) under paginated listings of {PER_LISTING};"
        " politeness off (no robots.txt, no delay, no AutoThrottle, 16 concurrent requests). Each crawl runs in"
        " its own process, one after the other, in the same run of the script.",
        "",
        "| crawl | pages | seconds | pages/s | peak RSS |",
        "|---|---:|---:|---:|---:|",
        f"| bare Scrapy spider, responses discarded | {bare['pages']:,} | {bare['seconds']:.1f} |"
        f" {bare['pages_per_s']:.0f} | {bare['maxrss_mb']:.0f} MB |",
        f"| news spider, nothing archived (discovery: links, pagination) | {disc['pages']:,} |"
        f" {disc['seconds']:.1f} | {disc['pages_per_s']:.0f} | {disc['maxrss_mb']:.0f} MB |",
        f"| no crawl: the same article pages handed to `Ingestor.ingest_many` in batches of 50 | {ingest['pages']:,} |"
        f" {ingest['seconds']:.1f} | {ingest['pages_per_s']:.0f} | {ingest['maxrss_mb']:.0f} MB |",
        f"| `news-archive crawl` (discover, store raw, extract, dedup, index) | {arch['pages']:,} |"
        f" {arch['seconds']:.1f} | {arch['pages_per_s']:.0f} | {arch['maxrss_mb']:.0f} MB |",
        f"| the same, extraction in a helper process (`-s NEWS_ARCHIVE_EXTRACT_PROCESSES=1`) |"
        f" {arch1['pages']:,} | {arch1['seconds']:.1f} | {arch1['pages_per_s']:.0f} | {arch1['maxrss_mb']:.0f} MB |",
        "",
        f"Archiving costs **{cost:.0%}** of the bare crawl's throughput (target: under 30%; not met)."
        f" Discovery itself (every page decoded and parsed for its links, pagination, known-URL checks) costs"
        f" {1 - disc['pages_per_s'] / bare['pages_per_s']:.0%}. The rest is the archive's ingest path (store the"
        " raw page, extract, deduplicate, index): the pipeline runs it in a writer thread, in batches, while the"
        " reactor goes on downloading, but both share one interpreter (the GIL), so their costs add up: crawling"
        f" alone at {disc['pages_per_s']:.0f} pages/s and ingesting alone at {ingest['pages_per_s']:.0f} predict"
        f" {1 / (1 / disc['pages_per_s'] + 1 / ingest['pages_per_s']):.0f} pages/s together; measured {arch['pages_per_s']:.0f} (the rest goes to the"
        " two threads handing the interpreter back and forth). Reaching the target"
        " needs the ingest in another process on an idle core (the scale-out writer, docs/scale-out.md, is that"
        " design) and a faster ingest path. Load average"
        f" during the run: {load[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end (2 cores shared with"
        " other work), so the absolute figures are low and noisy; the ratio is what the run compares."
        f" Extraction in a helper process ran at {arch1['pages_per_s'] / arch['pages_per_s']:.2f}x the inline"
        " rate: it pays only when a core is idle for it, which this shared machine did not have.",
    ]
    if memory:
        lines += [
            "",
            f"Peak memory of a {args.memory_pages:,}-page crawl-and-archive: **{memory['maxrss_mb']:.0f} MB** max RSS"
            f" ({memory['pages']:,} pages in {memory['seconds']:.0f} s, {memory['pages_per_s']:.0f} pages/s; the"
            " rate falls as the archive grows, with the cost of an ingest). The crawl's own state (URLs"
            " scheduled, article -> listing origins) is a few sets of URLs; the peak is set by pages and records in"
            " flight, not by the size of the site.",
        ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        write_section(ROOT / "docs" / "benchmarks.md", "## Crawl", text)


def write_section(path: Path, heading: str, text: str) -> None:
    """Replace our own section (heading to the next '## ') or append it; other sections are left alone."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start = old.find(heading + "\n")
    if start == -1:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        end = old.find("\n## ", start + len(heading))
        new = old[:start] + text + ("\n" + old[end + 1 :] if end != -1 else "")
    path.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
