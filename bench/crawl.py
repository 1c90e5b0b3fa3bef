"""Crawl benchmark: crawl-and-archive throughput beside a bare Scrapy crawl of the same pages, and the peak
memory of a large crawl. Results go to the ``## Crawl`` section of docs/benchmarks.md.

    python bench/crawl.py                    # 2,000-page site, both crawls, then the 20,000-page memory run
    python bench/crawl.py --pages 500 --memory-pages 0 --no-write

The site is served by a small asyncio HTTP/1.1 server in its own process (prebuilt responses, keep-alive),
so the server is not what limits either crawl. Politeness is off for both (no robots.txt, no delay, no
AutoThrottle, 16 concurrent requests). Each crawl runs in its own child process (one reactor per process)
and reports its own wall time and peak RSS. Every crawl is timed over the same span: from making its Scrapy
settings and CrawlerProcess to the reactor's stop (``run_crawl`` for the archiving crawls), so Scrapy's own
start-up (about 0.27 s: components, lazy imports) counts in both; the page list is built before.

The bare and the archiving crawl run in five alternating pairs; the cost is the median pair's.

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

from bench.doc_sections import write_section  # noqa: E402

PER_LISTING = 100
# The bare and the archiving crawl alternate, five pairs: the machine's load drifts during a run, and each
# pair's ratio is taken from two crawls a few seconds apart. Three pairs left one noisy pair a third of the
# median's weight (pairs of 25%, 25% and 32% in one run).
PAIRS = (("bare", "archive"),) + tuple((f"bare-{k}", f"archive-{k}") for k in range(2, 6))
KINDS = (
    *(kind for pair in PAIRS for kind in pair),
    "discover",
    "ingest",
    "archive-noshare",
    "archive-inline",
    "archive+1",
    "archive+2",
)
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


def _cpu_self() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def _writer_startup() -> None:
    """What the archive writer process does before its first page (imports), to subtract from its CPU."""
    import crawler.archive_writer  # noqa: F401
    import crawler.writer_process  # noqa: F401
    from archive.extract import extract  # noqa: F401


def writer_startup_cpu() -> float:
    """CPU seconds a fresh spawned process spends importing what the writer imports."""
    code = "import sys; sys.argv=['x']; from bench.crawl import _writer_startup; _writer_startup()"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def _child(kind: str, base: str, db: str, n: int, out: str) -> None:
    """One crawl in this (child) process; writes {"seconds", "maxrss_mb", ...} to ``out``."""
    if kind.startswith("bare") or kind == "discover":
        from scrapy import Request, Spider
        from scrapy.crawler import CrawlerProcess

        from crawler.run import crawl_settings, skip_disabled_log_records
        from crawler.spiders.news import NewsSpider

        urls = [base + p for p in site_pages(n)]

        class Bare(Spider):
            name = "bare"

            async def start(self):  # type: ignore[no-untyped-def]
                for u in urls:
                    yield Request(u, callback=self.parse)

            def parse(self, response, **kwargs):  # type: ignore[no-untyped-def]
                return None

        # Timed from the settings on, as the archiving crawl's run_crawl is: making the CrawlerProcess and
        # the crawler (settings, components, Scrapy's lazy imports) takes about 0.27 s of either.
        cpu0 = _cpu_self()
        t = time.perf_counter()
        settings = crawl_settings(db, {**POLITENESS_OFF, "ITEM_PIPELINES": {}})
        process = CrawlerProcess(settings)
        skip_disabled_log_records(settings)  # as run_crawl does: no debug record built only to be dropped
        bare = kind != "discover"
        crawler = process.create_crawler(Bare if bare else NewsSpider)
        process.crawl(crawler, **({} if bare else {"start_urls": [base + "/"]}))
        process.start()
        seconds = time.perf_counter() - t
        pages = crawler.stats.get_value("response_received_count", 0)
        result = {"seconds": seconds, "pages": pages}
    elif kind == "ingest":
        from archive.ingest import Ingestor
        from archive.page import Page

        headers = (("Content-Type", "text/html; charset=utf-8"),)
        pages = [Page(url=base + p, body=b, headers=headers) for p, b in site_pages(n).items() if "/t20" in p]
        cpu0 = _cpu_self()
        t = time.perf_counter()
        with Ingestor.open(db) as ing:
            for k in range(0, len(pages), 50):
                ing.ingest_many(pages[k : k + 50])
        seconds = time.perf_counter() - t
        result = {"seconds": seconds, "pages": len(pages)}
    else:
        from crawler.run import run_crawl

        cpu0 = _cpu_self()
        t = time.perf_counter()
        settings = dict(POLITENESS_OFF)
        if kind == "archive+1":
            settings["NEWS_ARCHIVE_EXTRACT_PROCESSES"] = 1
        if kind == "archive+2":
            settings["NEWS_ARCHIVE_EXTRACT_PROCESSES"] = 2
        settings["NEWS_ARCHIVE_WRITER_PROCESS"] = kind != "archive-inline"
        if kind == "archive-noshare":
            settings["NEWS_ARCHIVE_SHARE_EXTRACTION"] = False
        report = run_crawl([base + "/"], db, settings, install_signal_handlers=False)
        seconds = time.perf_counter() - t
        c = report.counts
        result = {
            "seconds": seconds,
            "pages": c.pages_fetched,
            "articles": c.new,
            "outcome": report.outcome,
            "extracted_in_crawl": report.extracted_in_crawl,
        }
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    result["maxrss_mb"] = own.ru_maxrss / 1024
    # CPU seconds of this process and of the processes it started and waited for (the archive writer, and
    # the writer's extraction processes, which it waits for in turn).
    result["cpu_self"] = own.ru_utime + own.ru_stime - cpu0  # the timed part only, not the imports
    result["cpu_children"] = children.ru_utime + children.ru_stime
    result["writer_maxrss_mb"] = children.ru_maxrss / 1024
    Path(out).write_text(json.dumps(result))


def run_child(kind: str, base: str, db: str, n: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = fh.name
    code = f"import sys; sys.argv=['x']; from bench.crawl import _child; _child({kind!r}, {base!r}, {db!r}, {n}, {out!r})"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    result = json.loads(Path(out).read_text())
    os.unlink(out)
    return result


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) process ``pid`` has used so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(n: int, tmp: Path, kinds: tuple[str, ...] = KINDS) -> dict[str, dict[str, float]]:
    q: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    server = mp.Process(target=_serve, args=(n, q), daemon=True)
    server.start()
    try:
        base = f"http://127.0.0.1:{q.get(timeout=120)}"
        results = {}
        for kind in kinds:
            db = str(tmp / f"{kind}-{n}.db")
            server_cpu = process_cpu(server.pid or 0)
            results[kind] = run_child(kind, base, db, n)
            r = results[kind]
            r["cpu_server"] = process_cpu(server.pid or 0) - server_cpu  # the site's server shares the cores
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
    disc, ingest = speed["discover"], speed["ingest"]
    bares, archs = [speed[b] for b, _ in PAIRS], [speed[a] for _, a in PAIRS]
    costs = sorted(1 - a["pages_per_s"] / b["pages_per_s"] for b, a in zip(bares, archs, strict=True))
    # The reference rows: each crawl's median run.
    middle = len(PAIRS) // 2
    bare = sorted(bares, key=lambda r: r["pages_per_s"])[middle]
    arch = sorted(archs, key=lambda r: r["pages_per_s"])[middle]
    share, noshare, inline = arch, speed["archive-noshare"], speed["archive-inline"]
    arch1, arch2 = speed["archive+1"], speed["archive+2"]
    startup = writer_startup_cpu()
    for r, processes in ((arch, 1), (noshare, 1), (inline, 0), (arch1, 2), (arch2, 3)):
        r["cpu_writer"] = max(0.0, r["cpu_children"] - processes * startup)
    cost = costs[middle]  # the median pair's
    best = max((arch, noshare, arch1, arch2), key=lambda r: r["pages_per_s"])
    best_cost = 1 - best["pages_per_s"] / bare["pages_per_s"]

    def rates(runs: list[dict[str, float]]) -> str:
        return ", ".join(f"{r['pages_per_s']:.0f}" for r in runs)

    def ms(r: dict[str, float], key: str) -> str:
        return f"{1000 * r[key] / r['pages']:.2f}"

    def per_page(r: dict[str, float], key: str) -> float:
        return 1000 * r[key] / r["pages"]

    def row(label: str, r: dict[str, float]) -> str:
        writer = f"{ms(r, 'cpu_writer')} ms" if r.get("cpu_children", 0) > 0.05 else "-"
        server = f"{ms(r, 'cpu_server')} ms" if r.get("cpu_server", 0) > 0 else "-"
        return (
            f"| {label} | {r['pages']:,} | {r['seconds']:.1f} | {r['pages_per_s']:.0f} |"
            f" {ms(r, 'cpu_self')} ms | {writer} | {server} | {r['maxrss_mb']:.0f} MB |"
        )

    bare_ms, disc_ms = per_page(bare, "cpu_self"), per_page(disc, "cpu_self")
    crawl_ms = per_page(noshare, "cpu_self")  # the crawl's process with no extraction in it
    server_ms = per_page(bare, "cpu_server")
    writer_ms = per_page(noshare, "cpu_writer")
    writer_busy = noshare["cpu_writer"] / noshare["seconds"]
    ingest_ms = 1000 * ingest["cpu_self"] / ingest["pages"]
    target = 0.7 * bare["pages_per_s"]
    cores = os.cpu_count() or 1
    shared = share.get("extracted_in_crawl", 0)
    lines = [
        "## Crawl",
        "",
        f"`python bench/crawl.py` on {platform.machine()} ({cores} cores, shared with other work), Python"
        f" {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M')}. A local site (asyncio server in its own"
        " process, keep-alive, prebuilt responses) of"
        f" {args.pages:,} article pages (~3 KB of Chinese text each) under paginated listings of {PER_LISTING};"
        " politeness off (no robots.txt, no delay, no AutoThrottle, 16 concurrent requests). Each crawl runs in"
        " its own process, one after the other, in the same run of the script. CPU per page: of the crawl's"
        " process, of the archive writer process with its extraction processes (less the"
        f" {startup:.1f} s of CPU each of those processes spends importing its code at start), and of the site's"
        " server (which runs on the same cores).",
        "",
        "| crawl | pages | seconds | pages/s | CPU/page, crawl process | CPU/page, writer | CPU/page, server |"
        " peak RSS (crawl) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        row(f"bare Scrapy spider, responses discarded (the median of its {len(PAIRS)} runs)", bare),
        row("news spider, nothing archived (discovery: links, pagination)", disc),
        row("no crawl: the same article pages handed to `Ingestor.ingest_many` in batches of 50", ingest),
        row(
            "**`news-archive crawl`** (default: archive writer in its own process, extraction shared with the"
            f" crawl's process; the median of its {len(PAIRS)} runs)",
            arch,
        ),
        row("the same, extraction in the writer only (`-s NEWS_ARCHIVE_SHARE_EXTRACTION=False`)", noshare),
        row(
            "the same, writer thread in the crawl's process (`-s NEWS_ARCHIVE_WRITER_PROCESS=False`)", inline
        ),
        row(
            "writer process plus one extraction process (`-s NEWS_ARCHIVE_EXTRACT_PROCESSES=1`)",
            arch1,
        ),
        row("the same, two extraction processes (`-s NEWS_ARCHIVE_EXTRACT_PROCESSES=2`)", arch2),
        "",
        f"Archiving costs **{cost:.0%}** of the bare crawl's throughput with the default settings: the median"
        f" of {len(PAIRS)} pairs, each an archiving crawl run right after a bare one"
        f" ({', '.join(f'{c:.0%}' for c in costs)}; bare"
        f" {rates(bares)} pages/s, archiving {rates(archs)}). {best_cost:.0%} at best of the settings"
        f" above (against the median bare run). **Target (under 30%): {'met' if cost < 0.3 else 'not met'}.**",
        "",
        "**The crawl's side.** The crawl's process spends"
        f" {crawl_ms:.2f} ms of CPU per page when it archives (extraction left to the writer: discovery, items,"
        f" batching, the pipe to the writer), against {bare_ms:.2f} ms for the bare spider and {disc_ms:.2f} ms"
        " for discovery alone. The writer process spends"
        f" {writer_ms:.2f} ms per page (store, extract, deduplicate, index, commit; the run's bookkeeping in"
        f" it is about 1%): at most {1000 / writer_ms:.0f} pages/s on a whole core; it had"
        f" {writer_busy:.0%} of one in that run.",
        "",
        "**Sharing the cores.** By default, when the writer falls behind (a full batch waits for it while it"
        " writes), the crawl's process extracts the waiting pages between downloads and sends them extracted;"
        " it also does while the writer starts and once the downloads are over. Here it extracted"
        f" {shared:,} of {share.get('articles', 0):,} articles; against extraction in the writer only, the"
        f" writer's CPU per page went from {writer_ms:.2f} to {per_page(share, 'cpu_writer'):.2f} ms, the"
        f" crawl's from {crawl_ms:.2f} to {per_page(share, 'cpu_self'):.2f} ms, and the crawl ran at"
        f" {share['pages_per_s']:.0f} pages/s against {noshare['pages_per_s']:.0f} (single runs: within about"
        " 10% of each other, as the pairs above show). A page extracted between downloads costs the crawl's"
        " process more than one in the writer's loop (0.7-0.77 ms against 0.43: the extractor's code and tables"
        " have left the CPU caches), so it pays only while the second core would otherwise wait. With this"
        " site's light pages and the writer's ingest at 0.84 ms it no longer pays here: six alternating runs"
        " each, 2026-11-30 14:55, gave 635 pages/s with sharing and 633 without. It is kept on for real pages,"
        " whose extraction costs 8 ms (docs/extraction-speed.md), where the writer alone is the bottleneck.",
        "",
        "**This round** (the previous run of this script, 2026-11-30 12:54, measured 635 pages/s against a bare"
        " 938, a cost of 32%, the median of three pairs): (1) five alternating pairs instead of three;"
        " (2) the writer's ingest of an extracted page 1.09 -> 0.86 ms of CPU (bench/writer.py, the same rows"
        " stored): a batch's dedup fingerprints and search-index texts computed together before its SQL (with"
        " SQLite's work between them the text work ran on cold caches: 0.09 ms a page), Traditional ->"
        " Simplified from OpenCC's own tables wherever none of its phrases can start, no savepoint per page"
        " unless a page fails (the batch is then applied again page by page), one zstd context for every"
        " row's body_html instead of a new compressor per article, the stored columns read without a whole"
        " to_dict, a batch's fetch states in one statement; (3) extraction 0.52 -> 0.43 ms per page of this"
        " site (records byte-identical on 4,722 pages; docs/extraction-speed.md, third round).",
        "",
        "**Where the time goes.** The archiving crawl's process spends"
        f" {crawl_ms:.2f} ms of CPU per page without extraction ({disc_ms:.2f} for discovery alone, {bare_ms:.2f}"
        f" for the bare spider) and the writer {writer_ms:.2f} ms with it (the ingest path alone, with no crawl"
        f" beside it: {ingest_ms:.2f} ms): together {crawl_ms + writer_ms:.2f} ms"
        f" on {cores} cores, {1000 * cores / (crawl_ms + writer_ms + server_ms):.0f} pages/s if both were busy"
        " all the time. They are not at the ends of a run: the first downloads wait for Scrapy's start (as the"
        " bare crawl's do) and, after the last download, the writer writes what still waits and merges the"
        " search index's segments (about 0.1 ms per page indexed: the archive's size target, docs/storage.md)"
        " while the crawl's process has nothing left to do: 0.25-0.35 s of a 3-3.3 s run. For the target,"
        f" archiving has to run at {target:.0f} pages/s, {1000 * cores / target:.2f} ms of CPU per page on"
        f" {cores} cores, this run's bare crawl at {bare['pages_per_s']:.0f}. Load average during the run:"
        f" {load[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end. The pages' text is random"
        " characters (so that no two are near copies), which makes nearly every CJK bigram a new search-index"
        " term: a heavier index than real text gives.",
    ]
    if memory:
        lines += [
            "",
            f"Peak memory of a {args.memory_pages:,}-page crawl-and-archive (default settings):"
            f" **{memory['maxrss_mb']:.0f} MB** max RSS for the crawl's process and"
            f" **{memory['writer_maxrss_mb']:.0f} MB** for the archive writer process"
            f" ({memory['pages']:,} pages in {memory['seconds']:.0f} s, {memory['pages_per_s']:.0f} pages/s; the"
            " rate falls as the archive grows, with the cost of an ingest). The crawl's own state (URLs"
            " scheduled, article -> listing origins) is a few sets of URLs; the peak is set by pages and records in"
            " flight (the batch being written and at most `NEWS_ARCHIVE_MAX_WAITING` pages waiting, after which"
            " downloads pause), not by the size of the site; the extractor loaded for shared extraction is much"
            " of the crawl's process's peak.",
        ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        write_section(text)


if __name__ == "__main__":
    main()
