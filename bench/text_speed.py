#!/usr/bin/env python3
"""CPU per page of the ingest path's two text computations: dedup.fingerprint and search.index_text.

    python bench/text_speed.py --baseline /tmp/wt-base    # beside another checkout; writes "## Text"
    python bench/text_speed.py --no-write                   # this checkout only, print only

Texts: the crawl benchmark's pages (bench/crawl.py's text_paragraphs, 2,000 seeds: about 540 Chinese
characters each) and the bodies and titles extracted from every page of ../shared/data (if present).
Measured as the ingest path runs them: fingerprint with the conversion caches empty, then, in batches of 200
pages, index_text of titles and bodies after their fingerprints (the NFKC and OpenCC conversions are then
remembered). With --baseline (a checkout of another commit, e.g. `git worktree add /tmp/wt-base <commit>`),
both versions are imported side by side in this process and run in alternation, round after round, and every
output is compared: a text whose fingerprint or index text differs is an error (these values are persisted).
CPU time of this process (time.process_time), the best of the rounds: the machine is shared.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Text fingerprint and index"
BATCH = 200
MEASURED = ("archive/dedup.py", "archive/search.py", "archive/simplified.py")

Pages = list[tuple[str | None, str | None]]
NOTES = [
    "What the time goes to, and the changes of 2026-11-30 (same values: tests/test_text_identity.py pins them "
    "against plain reference implementations): NFKC replaces each character it changes by that character's own "
    "NFKC form first (same NFKD, so the same result; CPython otherwise decomposes and recomposes the whole "
    "text for one full-width comma); the shingles' CRC-32 is the XOR of one table entry per character and "
    "position (CRC-32 is affine); the word-character filter and the bigram join work on arrays of code points; "
    "the fingerprint keeps its shingle hashes as an array (the set is built only to verify a near-copy "
    "candidate); the search index's per-line and per-character folding no longer goes through the shared "
    "conversion caches, which it flushed (of 200 real pages' 399 titles and bodies, 392 had been pushed out by "
    "the time the index was written, and NFKC ran on them a second time; now none). Left as they were: the OpenCC conversion (25 µs a page alone, 50-80 µs "
    "inside the ingest loop, now the largest part; made a second time for the one text in ten whose NFKC form "
    "is longer or shorter, as with '…', because the index folds such a text at its original length) and the "
    "30 BLAKE2b band hashes (17 µs).",
]


def load_version(root: Path, prefix: str) -> dict[str, ModuleType]:
    """archive.simplified, archive.dedup and archive.search of the checkout at ``root``, kept under other
    names in sys.modules so that another checkout's can be imported beside them."""
    for key in [k for k in sys.modules if k == "archive" or k.startswith("archive.")]:
        del sys.modules[key]  # whatever imported it before: this version is imported afresh
    sys.path.insert(0, str(root))
    try:
        mods = {
            name: importlib.import_module(f"archive.{name}") for name in ("simplified", "dedup", "search")
        }
    finally:
        sys.path.remove(str(root))
    for key in [k for k in sys.modules if k == "archive" or k.startswith("archive.")]:
        sys.modules[prefix + key] = sys.modules.pop(key)
    return mods


def commit(root: Path) -> str:
    """`` (abc1234)``: the checkout's commit, with ``+`` when the measured modules have uncommitted changes."""
    git = ["git", "-C", str(root)]
    try:
        head = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
        dirty = subprocess.run([*git, "status", "--porcelain", *MEASURED], capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError):
        return ""
    return f" ({head.stdout.strip()}{'+' if dirty.stdout.strip() else ''})"


def benchmark_pages(n: int) -> Pages:
    sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests")]
    import crawl

    return [(f"基准测试稿件第{i}号的标题", "\n".join(crawl.text_paragraphs(i))) for i in range(n)]


def real_pages(data: Path) -> Pages:
    """Title and body of every page under ``data``, extracted by this checkout (extraction is not timed)."""
    sys.path.insert(0, str(ROOT))
    from archive.extract import extract
    from archive.page import Page

    out: Pages = []
    for path in sorted(data.glob("*/pages/*")):
        article = extract(Page(url="http://x.cn/a.html", body=path.read_bytes()))
        out.append((article.title, article.body))
    sys.path.remove(str(ROOT))
    return out


def clear(mods: dict[str, ModuleType]) -> None:
    mods["simplified"].nfkc.cache_clear()
    mods["simplified"].to_simplified.cache_clear()


def time_fingerprint(mods: dict[str, ModuleType], pages: Pages) -> float:
    clear(mods)
    fingerprint = mods["dedup"].fingerprint
    start = time.process_time()
    for title, body in pages:
        fingerprint(title, body)
    return (time.process_time() - start) / len(pages) * 1e6


def time_index(mods: dict[str, ModuleType], pages: Pages) -> float:
    clear(mods)
    fingerprint, index_text = mods["dedup"].fingerprint, mods["search"].index_text
    spent = 0.0
    for k in range(0, len(pages), BATCH):
        batch = pages[k : k + BATCH]
        for title, body in batch:
            fingerprint(title, body)
        start = time.process_time()
        for title, body in batch:
            index_text(title)
            index_text(body)
        spent += time.process_time() - start
    return spent / len(pages) * 1e6


def outputs(mods: dict[str, ModuleType], title: str | None, body: str | None) -> tuple[Any, ...]:
    fp = mods["dedup"].fingerprint(title, body)
    index_text = mods["search"].index_text
    return fp.content_hash, fp.normalized_body, fp.shingles, fp.bands, index_text(title), index_text(body)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--baseline", type=Path, help="a checkout of another commit to compare with")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--seeds", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = ap.parse_args(argv)

    sets = {"benchmark pages": benchmark_pages(args.seeds)}
    if args.data.is_dir():
        sets["real pages"] = real_pages(args.data)
    versions = {}
    if args.baseline:
        versions[f"baseline{commit(args.baseline)}"] = load_version(args.baseline.resolve(), "baseline_")
    versions[f"this checkout{commit(ROOT)}"] = load_version(ROOT, "current_")

    differences = compared = 0
    if args.baseline:
        base, cur = versions.values()
        for pages in sets.values():
            for title, body in pages:
                compared += 1
                differences += outputs(base, title, body) != outputs(cur, title, body)
        print(f"compared {compared} pages: {differences} with different values", flush=True)

    timers: dict[str, Callable[[dict[str, ModuleType], Pages], float]] = {
        "fingerprint": time_fingerprint,
        "index_text (title + body)": time_index,
    }
    results: dict[tuple[str, str, str], float] = {}
    for set_name, pages in sets.items():
        for timer_name, timer in timers.items():
            for mods in versions.values():
                timer(mods, pages[:50])  # warm-up: lazy tables
            best: dict[str, float] = {}
            for _ in range(args.rounds):
                for version, mods in versions.items():
                    value = timer(mods, pages)
                    best[version] = min(best.get(version, value), value)
            for version, value in best.items():
                results[(set_name, timer_name, version)] = value
                print(f"{set_name:16s} {timer_name:26s} {version:14s} {value:8.1f} µs/page", flush=True)

    lines = [
        SECTION,
        "",
        f"`python bench/text_speed.py{' --baseline <checkout>' if args.baseline else ''}` — "
        + ", ".join(f"{name} ({len(pages)})" for name, pages in sets.items())
        + f"; CPU µs per page, best of {args.rounds} rounds, versions alternating. Run at "
        + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        + f" on CPython {platform.python_version()}, a 2-core machine shared with other jobs.",
        "",
    ]
    names = list(versions)
    lines.append("| texts | function | " + " | ".join(names) + (" | ratio |" if len(names) == 2 else ""))
    lines.append("|---|---|" + "---:|" * (len(names) + (1 if len(names) == 2 else 0)))
    for set_name in sets:
        for timer_name in timers:
            values = [results[(set_name, timer_name, v)] for v in names]
            row = f"| {set_name} | {timer_name} | " + " | ".join(f"{v:.0f}" for v in values)
            if len(values) == 2:
                row += f" | {values[1] / values[0]:.2f}"
            lines.append(row + " |")
    if args.baseline:
        lines += ["", f"Values compared on {compared} pages: {differences} differ."]
    lines += ["", *NOTES]
    print("\n".join(lines))
    if not args.no_write:
        # By path: putting the checkout on sys.path would decide which archive package the comparison imports.
        spec = importlib.util.spec_from_file_location(
            "doc_sections", Path(__file__).with_name("doc_sections.py")
        )
        assert spec is not None and spec.loader is not None
        doc_sections = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(doc_sections)
        doc_sections.write_section("\n".join(lines))
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
