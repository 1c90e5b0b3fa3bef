#!/usr/bin/env python3
"""Pages per second of our extraction beside trafilatura (and GNE) on every page of ../shared/data, one process.

    python bench/extract_speed.py                # 2 rounds over every page; writes "## Extraction speed"
    python bench/extract_speed.py --rounds 1 --no-write

All pages are read into memory first, so only extraction is timed (decoding included: every extractor gets
the raw bytes, except GNE, which needs text and is timed with a plain decode). The extractors are interleaved
page by page, in an order that rotates from page to page, so that a load spike on this shared machine or a
warm cache falls on all of them alike. Both CPU time of this process (the fair figure on a busy machine) and
wall time are reported. Install the peers with `pip install -r bench/requirements.txt`.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "adapters"))

from archive.extract import PARSER_VERSION, extract  # noqa: E402
from archive.page import Page  # noqa: E402
from bench.doc_sections import write_section  # noqa: E402

SECTION = "## Extraction speed"


def extractors() -> dict[str, Callable[[bytes], Any]]:
    import trafilatura
    from common import plain_decode
    from gne import GeneralNewsExtractor

    gne = GeneralNewsExtractor()

    def ours(raw: bytes) -> Any:
        return extract(Page(url="", body=raw))

    def traf(raw: bytes) -> Any:
        # the same settings as bench/adapters/trafilatura_extract.py (the accuracy run)
        return trafilatura.bare_extraction(
            raw,
            with_metadata=True,
            include_comments=False,
            date_extraction_params={"outputformat": "%Y-%m-%dT%H:%M"},
        )

    def gne_(raw: bytes) -> Any:
        return gne.extract(plain_decode(raw))

    return {"news-archive": ours, "trafilatura": traf, "GNE": gne_}


def load(data: Path) -> list[tuple[str, bytes]]:
    pages = []
    for folder in sorted(p for p in data.iterdir() if p.is_dir()):
        for f in sorted((folder / "pages").iterdir()):
            if f.is_file():
                pages.append((folder.name, f.read_bytes()))
    return pages


def measure(
    pages: list[tuple[str, bytes]], rounds: int, funcs: dict[str, Callable[[bytes], Any]]
) -> dict[str, dict[str, Any]]:
    names = list(funcs)
    stats = {n: {"cpu": 0.0, "wall": 0.0, "errors": 0, "by_folder": {}} for n in names}
    for _ in range(rounds):
        for i, (folder, raw) in enumerate(pages):
            order = names[i % len(names) :] + names[: i % len(names)]
            for name in order:
                c0, w0 = time.process_time(), time.perf_counter()
                try:
                    funcs[name](raw)
                except Exception:
                    stats[name]["errors"] += 1
                cpu, wall = time.process_time() - c0, time.perf_counter() - w0
                s = stats[name]
                s["cpu"] += cpu
                s["wall"] += wall
                s["by_folder"][folder] = s["by_folder"].get(folder, 0.0) + cpu
    return stats


def report(pages: list[tuple[str, bytes]], stats: dict[str, dict[str, Any]], rounds: int) -> list[str]:
    n = len(pages) * rounds
    folders: dict[str, int] = {}
    for folder, _ in pages:
        folders[folder] = folders.get(folder, 0) + 1
    mb = sum(len(r) for _, r in pages) / 1e6
    ours = stats["news-archive"]
    lines = [
        SECTION,
        "",
        f"`python bench/extract_speed.py` — every page of `../shared/data` ({len(pages)} pages, {mb:.1f} MB: "
        + ", ".join(f"{k} {v}" for k, v in folders.items())
        + f"), {rounds} rounds, one process, extractors interleaved page by page in rotating order. "
        f"Run at {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.python_implementation()} "
        f"{platform.python_version()}, parser version {PARSER_VERSION}, a 2-core machine shared with other jobs "
        "(CPU time is the fair figure; wall time beside it).",
        "",
        "| extractor | pages/s (CPU) | pages/s (wall) | ms/page (CPU) | "
        + " | ".join(f"{f} pages/s" for f in folders)
        + " | errors | ours ÷ it (CPU) |",
        "|---|---:|---:|---:|" + "---:|" * len(folders) + "---:|---:|",
    ]
    for name, s in stats.items():
        per_folder = " | ".join(f"{folders[f] * rounds / s['by_folder'][f]:.1f}" for f in folders)
        ratio = "—" if name == "news-archive" else f"{s['cpu'] / ours['cpu']:.2f}×"
        lines.append(
            f"| {name} | {n / s['cpu']:.1f} | {n / s['wall']:.1f} | {1000 * s['cpu'] / n:.1f} | {per_folder} | "
            f"{s['errors'] // rounds} | {ratio} |"
        )
    traf = stats["trafilatura"]
    ratio = traf["cpu"] / ours["cpu"]
    lines += [
        "",
        f"news-archive extracts **{ratio:.2f}×** trafilatura's throughput (target ≥ 2×: "
        f"{'met' if ratio >= 2 else '**not met**'}). Errors are pages on which an extractor raised "
        "(ours never raises by contract; it returns a record).",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = ap.parse_args(argv)
    pages = load(Path(args.data))
    funcs = extractors()
    for fn in funcs.values():  # warm-up: imports, lazy tables, first-call caches
        for _, raw in pages[:3]:
            try:
                fn(raw)
            except Exception:
                pass
    stats = measure(pages, args.rounds, funcs)
    lines = report(pages, stats, args.rounds)
    print("\n".join(lines))
    if not args.no_write:
        write_section("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
