#!/usr/bin/env python3
"""CPU per page of ``archive.extract.extract``, this tree beside an earlier revision, on two sets of pages.

    python bench/extract_cpu.py --baseline 269ba13          # 4 rounds; writes its section of docs/extraction-speed.md
    python bench/extract_cpu.py --baseline HEAD~3 --rounds 2 --no-write

Pages: the crawl benchmark's article pages (``bench/crawl.py``'s ``site_pages(2000)``, about 2 KB of
Chinese each, the pages issue #4's crawl archives) and every real page of ``../shared/data`` (``--data`` for
a worktree elsewhere; read in place, never copied). The baseline revision is checked out into a temporary git worktree. Each round runs one
child process per parser, the two alternating (baseline first in even rounds), so that load from other jobs
on this shared machine falls on both alike; each child makes every page once per pass, with the parser's
memos emptied before each pass (a crawl sees each page once), and reports its best pass. CPU time
(``time.process_time``) of the child is the figure; ratios are taken round by round.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
DOC = ROOT / "docs" / "extraction-speed.md"
SECTION = "## Measured: this tree beside an earlier revision"

# Run in a child with the tree to measure first on sys.path: prints {"bench": ms, "real": ms}.
_CHILD = r"""
import functools, gc, json, sys, time
tree, crawl_tree, data, passes = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sys.path[:0] = [tree, crawl_tree, crawl_tree + "/tests"]
from pathlib import Path
from archive.extract import extract
from archive.page import Page
from bench.crawl import site_pages
headers = (("Content-Type", "text/html; charset=utf-8"),)
sets = {
    "bench": [Page(url="http://127.0.0.1:8000" + p, body=b, headers=headers)
              for p, b in site_pages(2000).items() if "/t20" in p],
    "real": [Page(url="", body=f.read_bytes()) for f in sorted(Path(data).glob("*/pages/*")) if f.is_file()],
}
def empty_memos():
    for o in gc.get_objects():
        if isinstance(o, functools._lru_cache_wrapper) and getattr(o, "__module__", "").startswith("archive"):
            o.cache_clear()
best = {}
for _ in range(passes):
    for name, pages in sets.items():
        if not pages:
            continue
        empty_memos()
        t = time.process_time()
        for page in pages:
            extract(page)
        ms = (time.process_time() - t) * 1000 / len(pages)
        best[name] = min(best.get(name, ms), ms)
print(json.dumps({**best, "pages": {k: len(v) for k, v in sets.items()}}))
"""


def measure(tree: Path, passes: int, data: Path = DATA) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tree), str(ROOT), str(data), str(passes)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", required=True, help="git revision to compare with (e.g. a commit hash)")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--passes", type=int, default=2, help="passes per child process (its best counts)")
    ap.add_argument(
        "--data",
        type=Path,
        default=DATA,
        help="the real pages' directory (from a worktree elsewhere: give it)",
    )
    ap.add_argument(
        "--no-write", action="store_true", help="print only; leave docs/extraction-speed.md alone"
    )
    args = ap.parse_args()

    rev = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", args.baseline],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "baseline"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base), rev],
            check=True,
            capture_output=True,
        )
        try:
            runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
            for r in range(args.rounds):
                order = [("before", base), ("after", ROOT)]
                for label, tree in order if r % 2 == 0 else order[::-1]:
                    runs[label].append(measure(tree, args.passes, args.data))
                    print(label, runs[label][-1], flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False)

    counts = runs["after"][0]["pages"]
    names = {
        "bench": f"crawl benchmark's article pages ({counts['bench']})",
        "real": f"real pages ({counts['real']})",
    }
    lines = [
        SECTION,
        "",
        f"`python bench/extract_cpu.py --baseline {rev}` at {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}:"
        f" {head} (this tree, uncommitted changes included) beside {rev}; {args.rounds} rounds of one child process"
        f" per parser, alternating, {args.passes} passes each (memos emptied before each), best pass per child,"
        " CPU time; medians over the rounds. The machine is shared, so single figures move by ±10%: the ratio,"
        " taken round by round, is the steadier number.",
        "",
        "| pages | before (ms/page) | after (ms/page) | after ÷ before |",
        "|---|---:|---:|---:|",
    ]
    for key, label in names.items():
        if not counts.get(key):
            continue
        before = statistics.median(b[key] for b in runs["before"])
        after = statistics.median(a[key] for a in runs["after"])
        ratio = statistics.median(a[key] / b[key] for a, b in zip(runs["after"], runs["before"], strict=True))
        lines.append(f"| {label} | {before:.3f} | {after:.3f} | {ratio:.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        from bench.doc_sections import write_section

        write_section(text, DOC)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
