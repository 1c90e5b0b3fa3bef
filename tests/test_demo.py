"""The demo: the bundled sample site meets its spec, the server serves it right, and `news-archive demo` works.

The site tests read the committed files themselves (not only the manifest's word for them); the end-to-end
test runs the real command in a temporary directory and inspects the archive it leaves.
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

import opencc
import pytest

from crawler.demo import make_site
from crawler.demo.server import SITE_DIR, DemoServer, load_manifest

REPO = Path(__file__).resolve().parent.parent
MANIFEST = load_manifest()
ARTICLES = MANIFEST["articles"]
HREF = re.compile(rb'href="([^"#]+)"')


def read(path: str) -> bytes:
    return (SITE_DIR / path.lstrip("/")).read_bytes()


def text_of(article: dict) -> str:
    return html.unescape(read(article["path"]).decode(article["encoding"]))


def links_from(paths: list[str]) -> set[str]:
    found: set[str] = set()
    for p in paths:
        for href in HREF.findall(read(p)):
            found.add(html.unescape(href.decode("ascii", "replace")))
    return found


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


# --- the site -------------------------------------------------------------------------------------------------


def test_site_has_30_articles_in_at_least_4_layouts() -> None:
    assert len(ARTICLES) >= 30
    layouts = Counter(a["layout"] for a in ARTICLES)
    assert len(layouts) >= 4, layouts
    assert all(n >= 5 for n in layouts.values()), layouts
    for a in ARTICLES:
        assert (SITE_DIR / a["path"].lstrip("/")).is_file(), a["path"]
        # Each page holds its headline, decoded with the encoding it was written in.
        assert a["title"] in text_of(a), a["path"]


def test_site_is_generated_deterministically(tmp_path: Path) -> None:
    # The committed site is exactly what make_site.py makes: nobody edited the output by hand.
    make_site.write(make_site.build(), tmp_path)
    committed = sorted(p.relative_to(SITE_DIR) for p in SITE_DIR.rglob("*") if p.is_file())
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert committed == generated
    for rel in committed:
        assert (SITE_DIR / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel


def test_site_has_gbk_gb18030_and_big5_hkscs_pages() -> None:
    gb = [a for a in ARTICLES if a["encoding"] == "gb18030"]
    big5 = [a for a in ARTICLES if a["encoding"] == "big5hkscs"]
    assert len(gb) >= 5 and len(big5) >= 5
    gb_bytes = [read(a["path"]) for a in gb]
    for raw in gb_bytes:
        assert b'charset=gb2312"' in raw
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
    # Declared gb2312, but holding characters only GBK (堃, 喆) and only GB18030's four-byte form (𫖯) have.
    assert any("堃".encode("gbk") in raw for raw in gb_bytes)
    assert any("𫖯".encode("gb18030") in raw for raw in gb_bytes)
    with pytest.raises(UnicodeDecodeError):
        b"".join(gb_bytes).decode("gb2312")
    big5_bytes = [read(a["path"]) for a in big5]
    assert all(b"charset=big5" in raw for raw in big5_bytes)
    # HKSCS characters (啲, 㗎) under a plain big5 label, and a numeric reference for one Big5 lacks.
    assert any("㗎".encode("big5hkscs") in raw for raw in big5_bytes)
    assert any(b"&#134071;" in raw for raw in big5_bytes)
    assert all(a["lang"] == "zh-Hant" for a in big5)


def test_site_has_a_page_whose_header_charset_contradicts_it() -> None:
    contradicting = [
        a for a in ARTICLES if a["encoding"] == "gb18030" and a["content_type"].endswith("charset=utf-8")
    ]
    assert len(contradicting) == 1
    raw = read(contradicting[0]["path"])
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


def test_listings_are_paginated_and_link_every_article() -> None:
    listings = MANIFEST["listings"]
    for section_dir in ("/zz/", "/gov/xwdt/zwyw/", "/old/list/", "/news/", "/big5/"):
        assert f"{section_dir}index.html" in listings
        assert f"{section_dir}index_1.html" in listings
        assert b"index_1.html" in read(f"{section_dir}index.html")
    linked = links_from(listings)
    for a in ARTICLES:
        assert a["path"] in linked, f"{a['path']} is linked from no listing"
    assert not {a["path"] for a in ARTICLES} & set(listings)


def test_spam_pages_hold_what_an_extractor_must_remove() -> None:
    spammy = [a for a in ARTICLES if a["spam"]]
    assert len(spammy) >= 5
    assert len({a["layout"] for a in spammy}) >= 4
    for a in spammy:
        page = text_of(a)
        for s in a["spam"]:
            # Hidden link blocks are recorded as their joined link texts.
            assert s in re.sub(r"</a><a [^>]*>", "", page), (a["path"], s)
    all_pages = "".join(text_of(a) for a in spammy)
    assert "display:none" in all_pages and "left:-9999px" in all_pages and "height:0" in all_pages
    assert "document.title=" in all_pages  # a spam <title> restored by script
    clean = [a for a in ARTICLES if not a["spam"]]
    assert not any("百家乐" in text_of(a) for a in clean)


def test_robots_disallows_a_linked_page_and_sitemap_lists_articles() -> None:
    robots = read("/robots.txt").decode()
    (disallowed,) = MANIFEST["disallowed"]
    assert any(line == f"Disallow: {disallowed.rsplit('/', 1)[0]}/" for line in robots.splitlines())
    assert "Sitemap: __ORIGIN__/sitemap.xml" in robots
    assert (SITE_DIR / disallowed.lstrip("/")).is_file()
    assert disallowed in links_from(MANIFEST["listings"])
    sitemap = read("/sitemap.xml").decode()
    for a in ARTICLES:
        assert f"<loc>__ORIGIN__{a['path']}</loc>" in sitemap


def test_one_article_at_two_paths_and_a_tracking_variant() -> None:
    (dup,) = [a for a in ARTICLES if a["also_at"]]
    (second,) = dup["also_at"]
    assert read(second) == read(dup["path"])
    home_links = links_from(["/index.html"])
    assert MANIFEST["utm_variant"] in home_links and second in home_links
    assert MANIFEST["utm_variant"].startswith(dup["path"] + "?utm_source=")


def test_a_two_page_article_links_its_second_page() -> None:
    (multi,) = [a for a in ARTICLES if a["parts"]]
    (part,) = multi["parts"]
    first, second = text_of(multi), html.unescape(read(part).decode(multi["encoding"]))
    name = part.rsplit("/", 1)[1]
    assert f'<a href="{name}">第2页</a>' in first and f'<a href="{name}">下一页</a>' in first
    assert multi["parts_text"] in second and multi["parts_text"] not in first
    assert MANIFEST["content_types"][part] == multi["content_type"]


def test_syndicated_copy_is_the_same_story_in_traditional() -> None:
    (copy,) = [a for a in ARTICLES if a["syndicated_from"]]
    original = next(a for a in ARTICLES if a["path"] == copy["syndicated_from"])
    assert original["lang"] == "zh-Hans" and copy["lang"] == "zh-Hant"
    t2s = opencc.OpenCC("t2s")

    def paragraphs(a: dict) -> set[str]:
        found = re.findall(r"<p>(?:\u3000\u3000)?([^<]{20,})</p>", text_of(a))
        return {t2s.convert(p) for p in found if "。" in p}  # body sentences, not credit or footer lines

    ours, theirs = paragraphs(original), paragraphs(copy)
    shared = ours & theirs
    # Near, not exact: most paragraphs the same once converted, one edited, a reprint note added.
    assert len(shared) >= len(ours) - 1 >= 2
    assert ours != theirs


# --- the server -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    with DemoServer() as srv:
        yield srv


def test_server_sends_each_file_with_its_content_type(server: DemoServer) -> None:
    for a in ARTICLES:
        status, headers, body = get(server.url + a["path"])
        assert status == 200
        assert headers["Content-Type"] == a["content_type"]
        assert body == read(a["path"]).replace(b"__ORIGIN__", server.url.encode())
    status, headers, _ = get(server.url + "/old/list/index.html")
    assert headers["Content-Type"] == "text/html"  # no charset: only the page's <meta> tells
    status, headers, body = get(server.url + "/")
    assert status == 200 and body == read("/index.html")


def test_server_fills_in_its_origin_and_answers_errors(server: DemoServer) -> None:
    _, _, robots = get(server.url + "/robots.txt")
    assert f"Sitemap: {server.url}/sitemap.xml".encode() in robots
    _, _, sitemap = get(server.url + "/sitemap.xml")
    assert b"__ORIGIN__" not in sitemap and f"<loc>{server.url}/zz/".encode() in sitemap
    (error_path,) = MANIFEST["errors"]
    assert get(server.url + error_path)[0] == 500
    (broken,) = MANIFEST["broken_links"]
    assert broken in links_from(MANIFEST["listings"])
    assert get(server.url + broken)[0] == 404
    assert get(server.url + "/_manifest.json")[0] == 404
    status, _, body = get(server.url + MANIFEST["utm_variant"])
    assert status == 200 and body == read(MANIFEST["utm_variant"].split("?")[0])


def test_server_answers_conditional_requests_and_records_requests(server: DemoServer) -> None:
    _, headers, _ = get(server.url + "/news/index.html")
    assert get(server.url + "/news/index.html", {"If-None-Match": headers["ETag"]})[0] == 304
    assert get(server.url + "/news/index.html", {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert get(server.url + "/news/index.html", {"If-None-Match": '"other"'})[0] == 200
    assert server.was_requested("/news/index.html")
    assert not server.was_requested("/news/preview/2024-11-draft.html")


# --- `news-archive demo`, end to end --------------------------------------------------------------------------


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from crawler.cli import main; main()", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    pytest.importorskip("crawler.run", reason="the crawler (issue #4) has not landed")
    cwd = tmp_path_factory.mktemp("demo")
    proc = run_cli("demo", "--json", cwd=cwd)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    return cwd, json.loads(proc.stdout)


def records_by_path(db: Path) -> dict[str, tuple[str, str | None, str | None]]:
    """URL path -> (article id, duplicate_of, lang), for every URL an article was found at."""
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute(
            "SELECT u.url, a.id, a.duplicate_of, a.lang FROM article_urls u JOIN articles a ON a.id = u.article_id"
        ).fetchall()
    return {urlsplit(url).path: (aid, dup, lang) for url, aid, dup, lang in rows}


def test_demo_archives_the_site(demo_run: tuple[Path, dict]) -> None:
    cwd, summary = demo_run
    db = cwd / "demo.db"
    with closing(sqlite3.connect(db)) as conn:
        n_articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        (errors,) = conn.execute("SELECT errors FROM runs").fetchone()
    assert n_articles >= 30 and summary["articles"] == n_articles
    by_path = records_by_path(db)
    # Every article page of every section is archived.
    for a in ARTICLES:
        assert a["path"] in by_path, a["path"]
    # Listing and index pages are not.
    assert not set(MANIFEST["listings"]) & set(by_path)
    assert summary["listings_archived"] == []
    # The 404 and the 500 were met and recorded as errors of the run.
    errors = json.loads(errors)
    assert errors.get("http_4xx", 0) >= 1 and errors.get("http_5xx", 0) >= 1
    # The records say what the pages say (the demo checks them against the site's manifest): headline and time.
    assert summary["checked_of"] == n_articles
    for field in ("title", "published_at"):
        assert summary["checked"][field] >= 0.9 * n_articles, [
            m for m in summary["mismatches"] if m["field"] == field
        ]
    met = {e["path"]: e["statuses"] for e in summary["errors"]}
    assert met[MANIFEST["broken_links"][0]][-1] == 404
    assert met[next(iter(MANIFEST["errors"]))][-1] == 500


def test_demo_obeys_robots_txt(demo_run: tuple[Path, dict]) -> None:
    cwd, summary = demo_run
    # The server's own log says the disallowed page was never requested, and nothing under it is stored.
    assert summary["robots"]["disallowed"] == MANIFEST["disallowed"]
    assert summary["robots"]["fetched"] == []
    with closing(sqlite3.connect(cwd / "demo.db")) as conn:
        stored = conn.execute("SELECT count(*) FROM responses WHERE url LIKE '%/news/preview/%'").fetchone()[
            0
        ]
    assert stored == 0


def test_demo_collapses_copies_and_links_the_reprint(demo_run: tuple[Path, dict]) -> None:
    cwd, _ = demo_run
    by_path = records_by_path(cwd / "demo.db")
    (dup,) = [a for a in ARTICLES if a["also_at"]]
    (second,) = dup["also_at"]
    # The same article at two paths (one of them also linked with ?utm_source=) is one record with both URLs.
    assert by_path[dup["path"]][0] == by_path[second][0]
    with closing(sqlite3.connect(cwd / "demo.db")) as conn:
        urls = [
            u
            for (u,) in conn.execute(
                "SELECT url FROM article_urls WHERE article_id = ?", (by_path[second][0],)
            )
        ]
    assert len(urls) >= 2
    # The two pages of a multi-page article are one record holding the text of both.
    (multi,) = [a for a in ARTICLES if a["parts"]]
    assert multi["parts"][0] not in by_path
    with closing(sqlite3.connect(cwd / "demo.db")) as conn:
        (body,) = conn.execute(
            "SELECT body FROM articles WHERE id = ?", (by_path[multi["path"]][0],)
        ).fetchone()
    assert multi["parts_text"] in body
    # The Traditional reprint is its own record, linked to the Simplified original.
    (copy,) = [a for a in ARTICLES if a["syndicated_from"]]
    original_id, original_dup, original_lang = by_path[copy["syndicated_from"]]
    copy_id, copy_dup, copy_lang = by_path[copy["path"]]
    assert copy_id != original_id and original_dup is None
    assert copy_dup == original_id
    assert (original_lang, copy_lang) == ("zh-Hans", "zh-Hant")


def test_demo_search_finds_both_scripts(demo_run: tuple[Path, dict]) -> None:
    cwd, summary = demo_run
    assert {h["lang"] for h in summary["search"]["hits"]} >= {"zh-Hans", "zh-Hant"}
    by_path = records_by_path(cwd / "demo.db")
    lang_of = {aid: lang for aid, _, lang in by_path.values()}
    for query in (MANIFEST["search_example"]["query"], MANIFEST["search_example"]["traditional"]):
        proc = run_cli("search", query, "--db", "demo.db", "--json", cwd=cwd)
        assert proc.returncode == 0, proc.stderr
        hits = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
        assert {lang_of[h["id"]] for h in hits} >= {"zh-Hans", "zh-Hant"}, query


def test_demo_starts_fresh_prints_a_summary_and_keeps_serving(demo_run: tuple[Path, dict]) -> None:
    cwd, _ = demo_run
    # A second run in the same directory: the first archive is moved aside, and the site stays up after it.
    proc = subprocess.Popen(
        [sys.executable, "-c", "from crawler.cli import main; main()", "demo", "--keep-serving"],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Still serving the sample site at "):
                url = line.split(" at ", 1)[1].split()[0]
                break
        else:
            pytest.fail("the demo never said it was still serving:\n" + "".join(lines))
        assert get(url + "big5/index.html")[0] == 200  # the crawl is over, the site is still up
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out = "".join(lines)
    assert "demo.db exists: moved it to demo.db.bak" in out
    assert (cwd / "demo.db.bak").is_file()
    with closing(sqlite3.connect(cwd / "demo.db")) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    for expected in (
        "Archived",
        "青石市人民政府",
        "Big5",
        "Duplicates and multi-page articles:",
        "multi-page article, 2 pages, one record",
        "Spam removed:",
        "robots.txt",
        "HTTP 404",
        "HTTP 500",
        "醫院",
    ):
        assert expected in out, expected
