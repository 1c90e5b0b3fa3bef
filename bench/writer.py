"""The archive writer's CPU per page on the crawl benchmark's article pages, already extracted.

What the crawl's writer process does per batch (``ArchiveWriter._write``: store, apply, fetch states, run
figures) and at the end (``_close``: the search index's compaction), without the crawl: the part of issue #4's
cost that is the archive's. CPU time (process_time) per page, in a fresh archive each round.

    python bench/writer.py                            # this checkout, 3 rounds
    python bench/writer.py --baseline /path/checkout  # alternating with another checkout (the same pages)

Each round runs in a process of its own (the checkout's modules imported from its root); extraction runs
before the clock starts, with each checkout's own extractor.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BATCH = 80  # about what the crawl's pipeline hands the writer


def one_round(pages_file: str) -> dict[str, float]:
    """Runs inside the checkout being measured (see main)."""
    from archive.ingest import default_extractor, run_extraction
    from crawler.archive_writer import ArchiveWriter, to_page

    pages = json.loads(Path(pages_file).read_text(encoding="utf-8"))
    items = [
        {
            "url": url,
            "body": body.encode(),
            "status": 200,
            "headers": {"Content-Type": "text/html; charset=utf-8"},
        }
        for url, body in pages
    ]
    outcomes = [run_extraction(to_page(item), default_extractor) for item in items]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "a.db")
        writer = ArchiveWriter({"NEWS_ARCHIVE_DB": path, "NEWS_ARCHIVE_LOCK_HELD": True})
        writer._open()
        gc.collect()
        start = time.process_time()
        for k in range(0, len(items), BATCH):
            writer._write(items[k : k + BATCH], [], outcomes[k : k + BATCH])
        written = time.process_time()
        writer._close("ok", [])
        closed = time.process_time()
        import sqlite3

        conn = sqlite3.connect(path)
        stored, dictionaries = conn.execute(
            "SELECT sum(length(data)), count(dict_for) FROM payloads"
        ).fetchone()
        conn.close()
    n = len(items)
    return {
        "write": (written - start) * 1000 / n,
        "close": (closed - written) * 1000 / n,
        "payloads": stored / sum(len(i["body"]) for i in items),
        "dictionaries": dictionaries,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", help="another checkout, measured alternately on the same pages")
    parser.add_argument("--round", help=argparse.SUPPRESS)  # internal: one round, in the checkout's process
    args = parser.parse_args()
    if args.round:
        print(json.dumps(one_round(args.round)))
        return
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    from bench.crawl import site_pages

    pages = [
        (f"http://127.0.0.1:8000{path}", body.decode())
        for path, body in site_pages(args.pages).items()
        if "/t20" in path
    ]
    trees = {"this checkout": ROOT}
    if args.baseline:
        trees = {"baseline": Path(args.baseline).resolve(), **trees}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as f:
        json.dump(pages, f)
        f.flush()
        for _ in range(args.rounds):
            for name, tree in trees.items():
                env = {**os.environ, "PYTHONPATH": f"{tree}{os.pathsep}{tree / 'tests'}"}
                out = subprocess.run(
                    [sys.executable, str(ROOT / "bench" / "writer.py"), "--round", f.name],
                    cwd=tree,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                results[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(
        f"{len(pages):,} article pages, batches of {BATCH}, {args.rounds} rounds (median; CPU ms per page):\n"
    )
    print("| checkout | write | close | total | payloads / raw | dictionaries |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, rounds in results.items():
        write = statistics.median(r["write"] for r in rounds)
        close = statistics.median(r["close"] for r in rounds)
        total = statistics.median(r["write"] + r["close"] for r in rounds)
        print(
            f"| {name} | {write:.3f} | {close:.3f} | {total:.3f} | {rounds[0]['payloads']:.1%} |"
            f" {rounds[0]['dictionaries']:,.0f} |"
        )


if __name__ == "__main__":
    main()
