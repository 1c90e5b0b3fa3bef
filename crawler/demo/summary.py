"""What ``news-archive demo`` reports: the archive it made, set against what the demo site holds.

:func:`summarize` reads the archive (through :mod:`archive.records` and :mod:`archive.search`), the site's
manifest and the server's request log into one plain dict (printed as JSON by ``demo --json``);
:func:`render` turns that dict into the lines the command prints.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from archive.db import open_db
from archive.records import iter_records
from archive.search import search
from crawler.demo.server import Request

FIELDS = ("title", "published_at", "source", "author", "editor", "views", "credits")
CHECKED = ("title", "published_at", "source", "author", "editor", "views")
SNIPPET_MARKS = ("【", "】")


def _path(url: str) -> str:
    return urlsplit(url).path or "/"


def summarize(
    db_path: str,
    origin: str,
    manifest: dict[str, Any],
    requests: Iterable[Request],
    run: dict[str, Any],
    search_limit: int = 8,
) -> dict[str, Any]:
    """The demo's findings as a JSON-ready dict."""
    by_path: dict[str, dict[str, Any]] = {}
    for a in manifest["articles"]:
        by_path[a["path"]] = a
        for other in a["also_at"]:
            by_path[other] = a
    listings = set(manifest["listings"])

    db = open_db(db_path, readonly=True)
    try:
        records = list(iter_records(db))
        hits = search(db, manifest["search_example"]["query"], limit=search_limit, marks=SNIPPET_MARKS)
        langs = dict(db.conn.execute("SELECT id, lang FROM articles").fetchall())
    finally:
        db.conn.close()

    by_id = {r["id"]: r for r in records}
    archived_by_section: Counter[str] = Counter()
    unmatched: list[str] = []
    listings_archived: list[str] = []
    fields: Counter[str] = Counter()
    exact: list[dict[str, Any]] = []
    near: list[dict[str, Any]] = []
    spam_pages = 0
    spam_strings: list[str] = []
    right: Counter[str] = Counter()
    mismatches: list[dict[str, Any]] = []
    record_at: dict[str, dict[str, Any]] = {}
    for r in records:
        paths = [_path(u) for u in r["urls"]]
        for p in paths:
            record_at[p] = r
        entry = next((by_path[p] for p in paths if p in by_path), None)
        if entry is not None:
            archived_by_section[entry["section"]] += 1
            for f in CHECKED:
                got, want = r.get(f), entry["expected"][f]
                if _same(f, got, want):
                    right[f] += 1
                else:
                    mismatches.append({"url": r["url"], "field": f, "got": got, "expected": want})
        else:
            unmatched.append(r["url"])
        listings_archived += [u for u, p in zip(r["urls"], paths, strict=True) if p in listings]
        for f in FIELDS:
            if r.get(f) not in (None, {}, []):
                fields[f] += 1
        if len(set(paths)) > 1 or len(r["urls"]) > 1:
            exact.append({"id": r["id"], "title": r["title"], "urls": r["urls"]})
        if r["duplicate_of"]:
            original = by_id.get(r["duplicate_of"], {})
            near.append(
                {
                    "id": r["id"],
                    "title": r["title"],
                    "url": r["url"],
                    "lang": r["lang"],
                    "duplicate_of": r["duplicate_of"],
                    "original_url": original.get("url"),
                    "original_lang": original.get("lang"),
                }
            )
        if r["spam"]:
            spam_pages += 1
            spam_strings += r["spam"]

    requested: dict[str, list[int]] = {}
    for req in requests:
        requested.setdefault(req.path, []).append(req.status)
    multi_page = []
    for a in manifest["articles"]:
        if a["parts"]:
            rec = record_at.get(a["path"])
            multi_page.append(
                {
                    "title": rec["title"] if rec else a["title"],
                    "pages": [a["path"], *a["parts"]],
                    "merged": bool(rec and a["parts_text"] in (rec["body"] or "")),
                    "parts_archived_alone": [p for p in a["parts"] if p in record_at],
                }
            )
    sections = []
    for key, info in manifest["sections"].items():
        pages = sum(1 for a in manifest["articles"] if a["section"] == key)
        sections.append(
            {"section": key, **info, "article_pages": pages, "archived": archived_by_section[key]}
        )

    return {
        "site": origin + "/",
        "db": db_path,
        "run": run,
        "articles": len(records),
        "article_pages_on_site": len(manifest["articles"]),
        "sections": sections,
        "fields": {f: fields[f] for f in FIELDS},
        "checked": {f: right[f] for f in CHECKED},
        "checked_of": len(records) - len(unmatched),
        "mismatches": mismatches,
        "exact_copies": exact,
        "multi_page": multi_page,
        "near_copies": near,
        "spam": {
            "pages": spam_pages,
            "strings": len(spam_strings),
            "examples": list(dict.fromkeys(spam_strings))[:3],
        },
        "listings_archived": listings_archived,
        "unmatched": unmatched,
        "robots": {
            "disallowed": manifest["disallowed"],
            "fetched": [p for p in manifest["disallowed"] if p in requested],
        },
        "errors": [
            {"path": p, "statuses": s} for p, s in sorted(requested.items()) if any(code >= 400 for code in s)
        ],
        "requests": len([r for s in requested.values() for r in s]),
        "search": {
            "query": manifest["search_example"]["query"],
            "hits": [
                {
                    "id": h.id,
                    "title": h.title,
                    "url": h.url,
                    "lang": langs.get(h.id),
                    "snippet": h.snippet,
                    "duplicates": h.duplicates,
                }
                for h in hits
            ],
        },
    }


def render(s: dict[str, Any]) -> list[str]:
    """The summary as the lines ``news-archive demo`` prints."""
    run = s["run"]
    out = [
        f"Crawled {s['site']} in {run['seconds']:.1f} s: {run['pages_fetched']} pages fetched, "
        f"{s['requests']} requests answered by the site; run {run['id']}: {run['outcome']}.",
        "",
        f"Archived {s['articles']} articles into {s['db']} (the site has {s['article_pages_on_site']} article pages):",
        f"  {'section':<8}{'site':<22}{'layout':<30}{'encoding':<13}{'pages':>6}{'archived':>10}",
    ]
    for sec in s["sections"]:
        out.append(
            f"  {sec['dir'].split('/')[1]:<8}{_pad(sec['name'], 22)}{sec['layout']:<30}{sec['encoding']:<13}"
            f"{sec['article_pages']:>6}{sec['archived']:>10}"
        )
    checked = ", ".join(f"{k} {v}" for k, v in s["checked"].items())
    out += [f"  fields right, against what the site's pages say (of {s['checked_of']}): {checked}", ""]

    out.append("Duplicates and multi-page articles:")
    for d in s["exact_copies"]:
        out.append(f"  one record, {len(d['urls'])} URLs: {d['title']}")
        out += [f"      {u}" for u in d["urls"]]
    for d in s["near_copies"]:
        out.append(f"  near copy ({d['lang']}) of an earlier record ({d['original_lang']}): {d['title']}")
        out.append(f"      {d['url']}  duplicate_of {d['duplicate_of']} ({d['original_url']})")
    if not s["exact_copies"] and not s["near_copies"] and not s["multi_page"]:
        out.append("  none found")
    for m in s["multi_page"]:
        state = "one record holding every page" if m["merged"] else "NOT merged into one record"
        out.append(f"  multi-page article, {len(m['pages'])} pages, {state}: {m['title']}")
        out += [f"      {p}" for p in m["pages"]]
    spam = s["spam"]
    out += ["", f"Spam removed: {spam['strings']} injected strings on {spam['pages']} pages, e.g.:"]
    out += [f"  {_clip(x, 70)}" for x in spam["examples"]]
    if s["listings_archived"]:
        out += ["", f"Listing pages archived as articles (should be none): {len(s['listings_archived'])}"]
        out += [f"  {u}" for u in s["listings_archived"]]

    out += ["", "Not archived, as it should be:"]
    for p in s["robots"]["disallowed"]:
        fetched = "FETCHED (robots.txt ignored!)" if p in s["robots"]["fetched"] else "not fetched"
        out.append(f"  {p}: disallowed by robots.txt, {fetched}")
    for e in s["errors"]:
        tries = f" ({len(e['statuses'])} attempts)" if len(e["statuses"]) > 1 else ""
        out.append(f"  {e['path']}: HTTP {e['statuses'][-1]}{tries}")
    errors = ", ".join(f"{k} {v}" for k, v in sorted(run["errors"].items())) or "none"
    out.append(f"  errors recorded in the run: {errors}")

    q = s["search"]
    out += [
        "",
        f"Search for “{q['query']}” (Simplified or Traditional, both match): {len(q['hits'])} results",
    ]
    for h in q["hits"]:
        dup = f" (+{len(h['duplicates'])} near copy)" if h["duplicates"] else ""
        out.append(f"  [{h['lang']}] {h['title']}{dup}")
        out.append(f"      {_clip(h['snippet'], 60)}")
    out += [
        "",
        "Next:",
        f"  news-archive search {q['query']} --db {s['db']}",
        f"  news-archive show {q['hits'][0]['id'] if q['hits'] else 'ID'} --db {s['db']}",
        f"  news-archive export --db {s['db']} --format jsonl",
        f"  datasette {s['db']}",
    ]
    return out


def _same(field: str, got: Any, want: Any) -> bool:
    if field == "published_at" and got and want:
        return bool(
            got[:16] == want[:16]
        )  # to the minute: the SPEC keeps seconds only where the page has them
    return bool(got == want)


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _pad(text: str, width: int) -> str:
    """Pad to a display width: CJK characters take two columns in a terminal."""
    cols = sum(2 if ord(c) > 0x2E80 else 1 for c in text)
    return text + " " * max(1, width - cols)
