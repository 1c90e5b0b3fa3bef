"""Ingest benchmarks: the archive's write path, its dedup index, storage size and reparse, on generated pages.

    python bench/ingest.py                 # prints the `## Ingest` section of docs/benchmarks.md
    python bench/ingest.py --write         # ... and puts it into docs/benchmarks.md (own section only)
    python bench/ingest.py --quick         # small sizes, to check the script itself

What it measures (every archive in a temporary directory):

1. Ingest rate of fetched pages: raw storage only (``Ingestor.store``); the whole ingest path with the
   articles already extracted (store, dedup, upsert, full-text index); the whole path with the real extraction.
2. Bytes stored per article: the archive file (after VACUUM) divided by its articles, against the raw HTML.
3. Near-duplicate lookup cost as the archive grows from 10,000 to 100,000 articles: time to find (or not
   find) the near copy of a probe article, and how many candidates the band index returns.
4. Reparse throughput with one worker and with every core.

Pages are generated: a regional-portal template (navigation, inline style and script, footer) around an
article of 8-16 paragraphs written from a Zipf-distributed vocabulary, with exact copies, syndicated copies
(other footer, edited sentences) and Traditional-script copies mixed in.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive import dedup  # noqa: E402
from archive.article import Article  # noqa: E402
from archive.db import open_db  # noqa: E402
from archive.extract import extract  # noqa: E402
from archive.ingest import Ingestor, IngestResult  # noqa: E402
from archive.page import Page  # noqa: E402
from archive.reparse import reparse  # noqa: E402
from bench.doc_sections import write_section  # noqa: E402

T0 = datetime(2024, 3, 1, tzinfo=UTC)


class Corpus:
    """Deterministic generated news text."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        # Common Han characters: the first 3,000 of the CJK block stand in for a real frequency list.
        chars = [chr(0x4E00 + i) for i in range(0, 6000, 2)]
        self.words = [
            "".join(self.rng.choices(chars, k=self.rng.choice((2, 2, 2, 3, 4)))) for _ in range(8000)
        ]
        self.weights = [1 / (rank + 1) for rank in range(len(self.words))]

    def sentence(self) -> str:
        n = self.rng.randint(8, 20)
        return "".join(self.rng.choices(self.words, self.weights, k=n)) + self.rng.choice("。。。，；！")

    def paragraph(self) -> str:
        return "".join(self.sentence() for _ in range(self.rng.randint(2, 5)))

    def article(self) -> tuple[str, list[str]]:
        title = "".join(self.rng.choices(self.words, self.weights, k=self.rng.randint(4, 9)))
        return title, [self.paragraph() for _ in range(self.rng.randint(8, 16))]


class Portal:
    """One site's template: navigation, style, script, link lists and footer, as regional portals carry
    (real ones weigh about 130 KB a page, three quarters of it markup around the article)."""

    def __init__(self, site: int, corpus: Corpus) -> None:
        rng = corpus.rng
        words = lambda k: "".join(rng.choices(corpus.words, corpus.weights, k=k))  # noqa: E731
        self.site = site
        self.nav = "".join(
            f'<li class="nav-item"><a href="/col/col{site}{i:04d}/index.html" target="_blank">{words(2)}</a></li>'
            for i in range(160)
        )
        self.style = "".join(
            f".s{site}-{i}{{margin:{i % 13}px auto;padding:{i % 7}px;font-size:{12 + i % 6}px;"
            f"color:#{(i * 4111 + site) % 0xFFFFFF:06x};background:url(/images/bg{i % 9}.png) no-repeat}}"
            for i in range(150)
        )
        self.script = "".join(
            f"function f{i}(e){{var n=document.getElementById('m{i}');if(n){{n.className=e?'on':'off';}}"
            f"return $('#t{i}').attr('data-id','{site}{i}');}}"
            for i in range(120)
        )
        self.footer = "".join(
            f'<a href="http://www.dept{site}-{i}.gov.cn/">{words(3)}</a> ' for i in range(40)
        )

    def html(self, corpus: Corpus, title: str, paragraphs: list[str], day: int, views: int) -> bytes:
        rng = corpus.rng
        teasers = "".join(
            f'<li><span class="date">2024-0{1 + k % 9}-1{k % 10}</span><a href="/art/2024/{rng.randrange(10**6)}.html"'
            f' title="{t}">{t}</a></li>'
            for k, t in enumerate("".join(rng.choices(corpus.words, corpus.weights, k=6)) for _ in range(45))
        )
        body = "".join(f'<p style="text-indent:2em">\u3000\u3000{p}</p>' for p in paragraphs)
        site = self.site
        return (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_第{site}市人民政府</title>'
            f'<meta name="keywords" content="{title}"><style>{self.style}</style><script>{self.script}</script>'
            f'</head><body><div class="top"><ul class="nav">{self.nav}</ul></div>'
            f'<div class="crumb">首页 &gt; 新闻中心 &gt; 本地要闻</div><div class="article"><h1>{title}</h1>'
            f'<div class="info">发布时间：2024-{1 + day % 12:02d}-{1 + day % 28:02d} 09:30 来源：第{site}市融媒体中心 '
            f"作者：记者 张三 编辑：李四 浏览次数：{views}</div>"
            f'<div class="content">{body}</div><div class="share">分享到：微信 微博 打印本页 关闭窗口</div></div>'
            f'<div class="related"><h3>相关新闻</h3><ul>{teasers}</ul></div>'
            f'<div class="footer">{self.footer}<p>主办：第{site}市人民政府办公室 ICP备000{site}号</p></div></body></html>'
        ).encode()


def generate_pages(n: int, sites: int = 20, seed: int = 7) -> tuple[list[Page], dict[str, Article]]:
    """n pages: mostly new articles; 5% exact copies on the same site, 5% syndicated, 3% in Traditional."""
    import opencc

    s2t = opencc.OpenCC("s2t")
    corpus = Corpus(seed)
    rng = corpus.rng
    pages: list[Page] = []
    articles: dict[str, Article] = {}
    made: list[tuple[int, str, list[str]]] = []
    portals = [Portal(site, corpus) for site in range(sites)]
    for i in range(n):
        roll = rng.random()
        site = rng.randrange(sites)
        if made and roll < 0.05:
            site, title, paras = rng.choice(made)
            url = f"http://www.site{site}.gov.cn/zt/{i}.html"
        elif made and roll < 0.10:
            _, title, paras = rng.choice(made)
            paras = [*paras]
            for _ in range(2):
                k = rng.randrange(len(paras))
                paras[k] = corpus.paragraph()
            paras = ["来源：新华网", *paras, "（转载请注明出处）"]
            url = f"http://news.site{site}.com/c/{i}.html"
        elif made and roll < 0.13:
            _, title, paras = rng.choice(made)
            title, paras = s2t.convert(title), [s2t.convert(p) for p in paras]
            url = f"http://big5.site{site}.gov.cn/n/{i}.html"
        else:
            title, paras = corpus.article()
            made.append((site, title, paras))
            url = f"http://www.site{site}.gov.cn/n/2024/{i}.html"
        views = rng.randint(10, 9000)
        page = Page(
            url=url,
            body=portals[site].html(corpus, title, paras, i, views),
            headers=(("Content-Type", "text/html; charset=utf-8"),),
            fetched_at=T0 + timedelta(seconds=i),
        )
        pages.append(page)
        articles[url] = Article(
            url=url,
            title=title,
            body="\n\n".join(paras),
            views=views,
            page_type="article",
            lang="zh-Hans",
            parser_version="bench",
        )
    return pages, articles


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}"


def bench_ingest(pages: list[Page], articles: dict[str, Article], tmp: Path) -> tuple[list[str], Path]:
    lines = []
    batch = 200

    def timed(fn: Callable[[], object]) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        return time.perf_counter() - wall, time.process_time() - cpu

    with Ingestor.open(tmp / "store.db", extractor=lambda p: articles[p.url]) as ing:
        store = timed(lambda: [ing.store(pages[i : i + batch]) for i in range(0, len(pages), batch)])

    with Ingestor.open(tmp / "noextract.db", extractor=lambda p: articles[p.url], batch_size=batch) as ing:
        noextract = timed(lambda: ing.ingest_many(pages))

    extract_only = timed(lambda: [extract(p) for p in pages[:300]])

    full = tmp / "full.db"
    results: list[IngestResult] = []
    with Ingestor.open(full, batch_size=batch) as ing:
        full_t = timed(lambda: results.extend(ing.ingest_many(pages)))
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    near = sum(1 for r in results if r.duplicate_of)

    lines += [
        f"{len(pages):,} generated pages (mean {statistics.mean(len(p.body) for p in pages) / 1024:.1f} KiB of HTML),"
        f" batches of {batch}, one process:",
        "",
        "| ingest path | pages/s (wall clock) | pages per CPU-second |",
        "|---|---:|---:|",
        f"| raw response stored only (`Ingestor.store`) | {rate(len(pages), store[0])} | {rate(len(pages), store[1])} |",
        "| whole path, articles already extracted (store, dedup, upsert, full-text index) |"
        f" {rate(len(pages), noextract[0])} | {rate(len(pages), noextract[1])} |",
        f"| whole path with the real extraction | {rate(len(pages), full_t[0])} | {rate(len(pages), full_t[1])} |",
        f"| (the real extraction alone, first 300 pages) | {rate(300, extract_only[0])} | {rate(300, extract_only[1])} |",
        "",
        "Outcome of the full run: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(statuses.items()))
        + f"; {near:,} linked to an earlier record by `duplicate_of`.",
    ]
    return lines, full


def bench_size(pages: list[Page], full: Path) -> list[str]:
    db = open_db(full)
    conn = db.conn
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("VACUUM")
    articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    payload = conn.execute("SELECT sum(length(data)) FROM payloads").fetchone()[0]
    raw = sum(len(p.body) for p in pages)
    size = full.stat().st_size
    parts: dict[str, int] = {}
    try:
        for name, nbytes in conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
            table = name.split("_fts")[0] + "_fts" if "_fts" in name else name
            table = (
                "(indexes)"
                if name.startswith(("sqlite_autoindex", "responses_", "articles_", "article_urls_"))
                and "_fts" not in name
                else table
            )
            parts[table] = parts.get(table, 0) + nbytes
    except Exception:  # dbstat not compiled in
        parts = {}
    db.conn.close()
    lines = [
        f"Archive of the full run above: {len(pages):,} responses, {articles:,} article records,"
        f" {raw / 1e6:.1f} MB of raw HTML.",
        "",
        "| | bytes |",
        "|---|---:|",
        f"| raw HTML per page | {raw / len(pages):,.0f} |",
        f"| archive file per page (after VACUUM) | {size / len(pages):,.0f} |",
        f"| archive file / raw HTML | **{size / raw:.1%}** (target: under 30%) |",
        f"| compressed raw responses (`payloads`) / raw HTML | **{payload / raw:.1%}** |",
    ]
    if parts:
        lines += [
            "",
            "Where the bytes go: "
            + ", ".join(
                f"{k} {v / size:.0%}"
                for k, v in sorted(parts.items(), key=lambda kv: -kv[1])
                if v / size >= 0.01
            )
            + ".",
        ]
    return lines


def bench_real_size(files: list[Path], tmp: Path) -> list[str]:
    """The same size measure on real portal pages, when the team's measuring set is at hand (never copied)."""
    path = tmp / "real.db"
    raw = 0
    with Ingestor.open(path) as ing:
        for f in files:
            body = f.read_bytes()
            raw += len(body)
            ing.ingest(
                Page(url=f"http://real.example/{f.name}", body=body, headers=(("Content-Type", "text/html"),))
            )
    db = open_db(path)
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.execute("VACUUM")
    articles = db.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    payload = db.conn.execute("SELECT sum(length(data)) FROM payloads").fetchone()[0]
    db.conn.close()
    size = path.stat().st_size
    return [
        f"The same measure on {len(files)} real Chinese news and government pages (`../shared/data/zh-*`, mean"
        f" {raw / len(files) / 1024:.0f} KiB; {articles} became article records): archive file / raw HTML"
        f" **{size / raw:.1%}**, of which the compressed raw responses {payload / raw:.1%}.",
    ]


def bench_reparse(full: Path, tmp: Path) -> list[str]:
    lines = [
        "| workers | responses | wall seconds | responses/s | writer CPU s | workers CPU s |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for workers in (1, os.cpu_count() or 1):
        copy = tmp / f"reparse-{workers}.db"
        shutil.copy(full, copy)
        db = open_db(copy)
        own0, kids0 = time.process_time(), _children_cpu()
        report = reparse(db, workers=workers)
        own, kids = time.process_time() - own0, _children_cpu() - kids0
        db.conn.close()
        lines.append(
            f"| {workers} | {report.responses:,} | {report.seconds:.1f} | {report.responses / report.seconds:,.0f}"
            f" | {own:.1f} | {kids:.1f} |"
        )
        copy.unlink()
    return lines


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def add_growth_articles(conn: sqlite3.Connection, corpus: Corpus, n: int, start: int) -> None:
    """Insert n generated articles with their dedup fingerprint and bands, straight into the tables the lookup
    reads (articles, simhash_bands): the lookup's cost does not depend on the rest, and this builds 100,000
    articles in minutes instead of the whole ingest path's hour on a shared machine."""
    conn.execute("BEGIN IMMEDIATE")
    for i in range(start, start + n):
        title, paras = corpus.article()
        body = "\n\n".join(paras[: corpus.rng.randint(4, 8)])
        url = f"http://www.site{i % 50}.gov.cn/n/{i}.html"
        fp = dedup.fingerprint(title, body)
        aid = f"{i:016x}"
        seen = (T0 + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        conn.execute(
            "INSERT INTO articles (id, url, site, title, body, first_seen, last_seen, content_hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (aid, url, f"site{i % 50}.gov.cn", title, body, seen, seen, fp.content_hash),
        )
        dedup.add_bands(conn, aid, fp)
    conn.execute("COMMIT")


def bench_growth(tmp: Path, checkpoints: list[int], probes: int) -> list[str]:
    corpus = Corpus(11)
    path = tmp / "growth.db"
    lines = [
        "| articles in the archive | lookup, median | lookup, p95 | candidates per lookup (mean) | near copies found |",
        "|---:|---:|---:|---:|---:|",
    ]
    db = open_db(path)
    conn = db.conn
    have = 0
    for target in checkpoints:
        while have < target:
            step = min(5000, target - have)
            add_growth_articles(conn, corpus, step, have)
            have += step
        # Probes: half near copies of archived articles, half unseen articles.
        rows = conn.execute("SELECT body FROM articles ORDER BY random() LIMIT ?", (probes // 2,)).fetchall()
        fps = []
        for (body,) in rows:
            # Two sentences rewritten and a source line added: a syndicated copy.
            chars = list(body)
            for _ in range(2):
                at = corpus.rng.randrange(max(1, len(chars) - 40))
                chars[at : at + 30] = list(corpus.sentence())
            fps.append(("copy", dedup.fingerprint(None, "".join(chars) + "\n\n（来源：新华网）")))
        for _ in range(probes - len(fps)):
            title, paras = corpus.article()
            fps.append(("new", dedup.fingerprint(title, "\n\n".join(paras[:5]))))
        times, cands, found = [], [], 0
        for kind, fp in fps:
            t = time.perf_counter()
            hit = dedup.find_near_copy(conn, fp)
            times.append(time.perf_counter() - t)
            cands.append(len(dedup.candidates(conn, fp)))
            found += kind == "copy" and hit is not None
        times.sort()
        lines.append(
            f"| {target:,} | {statistics.median(times) * 1e3:.2f} ms | {times[int(len(times) * 0.95)] * 1e3:.2f} ms"
            f" | {statistics.mean(cands):.2f} | {found}/{probes // 2} |"
        )
        print(lines[-1], file=sys.stderr)
    db.conn.close()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reparse-only", action="store_true", help="only the reparse measurement, printed")
    parser.add_argument(
        "--real-pages",
        default=str(ROOT.parent / "shared" / "data"),
        help="folder whose zh-*/pages/* real pages are also measured for size, if it exists",
    )
    parser.add_argument("--write", action="store_true", help="put the section into docs/benchmarks.md")
    args = parser.parse_args()
    checkpoints = [10_000, 20_000, 50_000, 100_000]
    probes = 400
    if args.quick:
        args.pages, checkpoints, probes = 300, [1000, 2000], 40

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        pages, articles = generate_pages(args.pages)
        if args.reparse_only:
            full = tmp / "full.db"
            with Ingestor.open(full) as ing:
                ing.ingest_many(pages)
            print("\n".join(bench_reparse(full, tmp)))
            return
        ingest_lines, full = bench_ingest(pages, articles, tmp)
        print("\n".join(ingest_lines), file=sys.stderr)
        size_lines = bench_size(pages, full)
        real = sorted(Path(args.real_pages).glob("zh-*/pages/*"))
        if real:
            size_lines += ["", *bench_real_size(real, tmp)]
        reparse_lines = bench_reparse(full, tmp)
        print("\n".join(size_lines + reparse_lines), file=sys.stderr)
        growth_lines = bench_growth(tmp, checkpoints, probes)

    section = "\n".join(
        [
            "## Ingest",
            "",
            f"`python bench/ingest.py` on {datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} cores shared with other jobs"
            f" (load average {os.getloadavg()[0]:.1f} at the end of the run: figures vary from run to run, and a"
            " second worker only helps when a core is free). Generated pages: a regional-portal"
            " template around Chinese articles, with exact copies, syndicated copies and Traditional copies mixed in.",
            "",
            "### Ingest rate",
            "",
            *ingest_lines,
            "",
            "### Bytes stored per article",
            "",
            *size_lines,
            "",
            "### Near-duplicate lookup as the archive grows",
            "",
            f"{probes} probes per size: half near copies of archived articles (two sentences rewritten, a source"
            " line added), half unseen articles. The lookup is the band-index query plus the verification of its"
            " candidates (`dedup.find_near_copy`). The archive is grown by inserting generated articles with their"
            " fingerprints straight into `articles` and `simhash_bands`, the two tables the lookup reads.",
            "",
            *growth_lines,
            "",
            "### Reparse throughput",
            "",
            "Every stored response of the full run re-extracted from its stored bytes and applied in batches:",
            "",
            *reparse_lines,
            "",
        ]
    )
    print(section)
    if args.write:
        write_section(section)


if __name__ == "__main__":
    main()
