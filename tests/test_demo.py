"""The demo: the bundled sample site meets its spec, the server serves it right, and `news-archive demo` works.

The site tests read the committed files themselves (not only the manifest's word for them); the end-to-end
test runs the real command in a temporary directory and inspects the archive it leaves.
"""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import opencc
import pytest

from crawler.demo import make_site
from crawler.demo.server import SITE_DIR, DemoServer, load_manifest

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
