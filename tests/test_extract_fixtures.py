"""Extraction on the team's fixture pages (tests/fixtures/pages), field by field.

Each fixture is a page in its real encoding with ``<name>.expected.json`` beside it, written by
tests/fixtures/make_pages.py (see its docstring for the expected file's keys). Every field of the SPEC record is
its own test, so a failure names the page and the field. Pages are extracted once per run and cached.
"""

from __future__ import annotations

import codecs
import hashlib
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import unicodedata
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from archive.article import RECORD_KEYS
from archive.extract import extract
from archive.page import Page, normalize_headers

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PAGES = sorted((FIXTURES / "pages").glob("*/*.html"))
TEXT_FIELDS = ("title", "source", "author", "editor", "body")

# (test name, fixture id) -> reason, for what the engine still gets wrong; strict, so a fix must remove it.
XFAIL: dict[tuple[str, str], str] = {}


def fixture_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def expected_of(path: Path) -> dict[str, Any]:
    return json.loads(path.with_name(f"{path.stem}.expected.json").read_text(encoding="utf-8"))


def cases(test: str, needs: str | None = None) -> list[Any]:
    """One pytest param per fixture (that carries ``needs`` in its expected record), with its xfail mark."""
    out = []
    for path in PAGES:
        if needs is not None and needs not in expected_of(path):
            continue
        fid = fixture_id(path)
        marks = [pytest.mark.xfail(strict=True, reason=XFAIL[(test, fid)])] if (test, fid) in XFAIL else []
        out.append(pytest.param(path, id=fid, marks=marks))
    return out


@cache
def run(path: Path) -> tuple[dict[str, Any], bytes, str]:
    """The record for one fixture, the raw bytes given, and their digest taken after extraction."""
    exp = expected_of(path)
    raw = path.read_bytes()
    page = Page(url=exp.get("url") or "", body=raw, headers=normalize_headers(exp.get("headers")))
    record = extract(page).to_dict()
    return record, page.body, hashlib.sha256(page.body).hexdigest()


def paragraphs(text: str | None) -> list[str]:
    """Body paragraphs with whitespace collapsed: the normalized form two bodies are compared in."""
    if text is None:
        return []
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def flat(s: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", s))


def spam_parts(s: str) -> list[str]:
    """The pieces of an injected string each of which must be gone and reported (keyword chains split)."""
    seps = r"[-_|,，、]+"
    if re.search(r"[\u3400-\u9fff]", s):
        seps = r"[-_|,，、\s]+"  # Chinese keyword lines are chains of words separated by spaces too
    return [p.strip() for p in re.split(seps, s) if len(p.strip()) >= 2]


def when(s: str) -> date | datetime:
    return datetime.fromisoformat(s) if "T" in s else date.fromisoformat(s)


def test_fixture_files_are_what_the_generator_writes() -> None:
    """The committed bytes are exactly make_pages.py's output: nobody re-saved a page in another encoding."""
    spec = importlib.util.spec_from_file_location("make_pages", FIXTURES / "make_pages.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_pages"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    files = module.render()
    assert len(files) == 2 * len(PAGES) and len(PAGES) >= 16
    for path, data in files.items():
        assert path.read_bytes() == data, path


def test_enough_distinct_layouts_each_clean_and_spammed() -> None:
    layouts: dict[str, set[str]] = {}
    for path in PAGES:
        layouts.setdefault(path.parent.name, set()).add(path.stem)
    assert len(layouts) >= 8
    assert all(names >= {"clean", "spam"} for names in layouts.values()), layouts


@pytest.mark.parametrize("path", cases("test_raw_bytes_unaltered"))
def test_raw_bytes_unaltered(path: Path) -> None:
    _, given, digest_after = run(path)
    assert given == path.read_bytes()
    assert digest_after == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("path", cases("test_encoding", "encoding"))
def test_encoding(path: Path) -> None:
    record, raw, _ = run(path)
    allowed = {codecs.lookup(e).name for e in expected_of(path)["encoding"]}
    assert record["encoding"], "no encoding reported"
    assert codecs.lookup(record["encoding"]).name in allowed
    raw.decode(record["encoding"])  # the reported encoding really decodes these bytes, strictly


@pytest.mark.parametrize("path", cases("test_url", "url"))
def test_url(path: Path) -> None:
    assert run(path)[0]["url"] == expected_of(path)["url"]


@pytest.mark.parametrize("path", cases("test_page_type", "page_type"))
def test_page_type(path: Path) -> None:
    assert run(path)[0]["page_type"] == expected_of(path)["page_type"]


@pytest.mark.parametrize("path", cases("test_title", "title"))
def test_title(path: Path) -> None:
    assert run(path)[0]["title"] == expected_of(path)["title"]


@pytest.mark.parametrize("path", cases("test_published_at", "published_at"))
def test_published_at(path: Path) -> None:
    """Equal to the minute with the same UTC offset; seconds, when given, must match; a date stays a date."""
    want, got = expected_of(path)["published_at"], run(path)[0]["published_at"]
    if want is None:
        assert got is None
        return
    assert isinstance(got, str), got
    w, g = when(want), when(got)
    assert type(g) is type(w), (got, want)
    if isinstance(w, datetime):
        assert isinstance(g, datetime)
        assert g.utcoffset() == w.utcoffset(), (got, want)
        assert g.replace(second=0) == w.replace(second=0), (got, want)
        if g.second:
            assert g.second == w.second, (got, want)
    else:
        assert g == w


@pytest.mark.parametrize("path", cases("test_source", "source"))
def test_source(path: Path) -> None:
    assert run(path)[0]["source"] == expected_of(path)["source"]


@pytest.mark.parametrize("path", cases("test_author", "author"))
def test_author(path: Path) -> None:
    assert run(path)[0]["author"] == expected_of(path)["author"]


@pytest.mark.parametrize("path", cases("test_editor", "editor"))
def test_editor(path: Path) -> None:
    assert run(path)[0]["editor"] == expected_of(path)["editor"]


@pytest.mark.parametrize("path", cases("test_views", "views"))
def test_views(path: Path) -> None:
    got, want = run(path)[0]["views"], expected_of(path)["views"]
    assert got == want and type(got) is type(want), (got, want)


@pytest.mark.parametrize("path", cases("test_credits", "credits"))
def test_credits(path: Path) -> None:
    assert run(path)[0]["credits"] == expected_of(path)["credits"]


@pytest.mark.parametrize("path", cases("test_body", "body"))
def test_body(path: Path) -> None:
    want, got = expected_of(path)["body"], run(path)[0]["body"]
    if want is None:
        assert got is None
        return
    assert paragraphs(got) == paragraphs(want)
    assert got == "\n\n".join(paragraphs(got)), "paragraphs are separated by one blank line, nothing else"


@pytest.mark.parametrize("path", cases("test_images", "images"))
def test_images(path: Path) -> None:
    assert run(path)[0]["images"] == expected_of(path)["images"]


@pytest.mark.parametrize("path", cases("test_lang", "lang"))
def test_lang(path: Path) -> None:
    assert run(path)[0]["lang"] == expected_of(path)["lang"]


@pytest.mark.parametrize("path", cases("test_must_contain_and_not_contain"))
def test_must_contain_and_not_contain(path: Path) -> None:
    exp, body = expected_of(path), run(path)[0]["body"] or ""
    for snippet in exp.get("must_contain", []):
        assert snippet in body, snippet
    for snippet in exp.get("must_not_contain", []):
        assert snippet not in body, snippet


@pytest.mark.parametrize("path", cases("test_spam_reported", "spam"))
def test_spam_reported(path: Path) -> None:
    """Every injected string is reported in ``spam`` (as one string or in pieces); a clean page reports none."""
    want, got = expected_of(path)["spam"], run(path)[0]["spam"]
    assert isinstance(got, list) and all(isinstance(s, str) and s.strip() for s in got), got
    if not want:
        assert got == [], "a clean page reported spam"
        return
    reported = flat(" ".join(got))
    missing = [part for s in want for part in spam_parts(s) if flat(part) not in reported]
    assert not missing, f"not reported: {missing}"


@pytest.mark.parametrize("path", cases("test_spam_gone", "spam"))
def test_spam_gone(path: Path) -> None:
    """No injected string survives in the title, the metadata or the body; no article text is called spam."""
    exp, record = expected_of(path), run(path)[0]
    text = flat(" ".join(record.get(f) or "" for f in TEXT_FIELDS))
    left = [part for s in exp["spam"] for part in spam_parts(s) if flat(part) in text]
    assert not left, f"spam left in the record: {left}"
    reported = flat(" ".join(record["spam"]))
    wrongly = [p for p in paragraphs(exp.get("body")) if len(p) >= 10 and flat(p) in reported]
    assert not wrongly, f"article text reported as spam: {wrongly}"


@pytest.mark.parametrize("path", cases("test_body_html_is_safe_and_matches_body"))
def test_body_html_is_safe_and_matches_body(path: Path) -> None:
    record = run(path)[0]
    body_html, body = record["body_html"], record["body"]
    if expected_of(path).get("page_type") != "article":
        assert body is None or body_html is not None
        if body_html is None:
            return
    assert body_html, "an article has body_html"
    assert not re.search(r"<\s*(script|style|iframe|object|embed)\b", body_html, re.I)
    assert not re.search(r"\son[a-z]+\s*=", body_html, re.I), "event attribute"
    assert "javascript:" not in body_html.lower()
    tree = lxml.html.fragment_fromstring(body_html, create_parent="div")
    for attr in ("href", "src"):
        for value in tree.xpath(f"//@{attr}"):
            assert re.match(r"https?://", str(value)), f"{attr} not absolute: {value}"
    html_text = flat(tree.text_content())
    for para in paragraphs(body):
        assert flat(para) in html_text, para


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.mark.parametrize("path", cases("test_record_text_is_clean"))
def test_record_text_is_clean(path: Path) -> None:
    """SPEC: NFC, collapsed whitespace, no empty strings, no &nbsp; or full-width indents, the SPEC's keys."""
    record = run(path)[0]
    assert list(record) == [k for k in RECORD_KEYS if k in record], "keys in the SPEC's order"
    for key in (
        "title",
        "published_at",
        "source",
        "author",
        "editor",
        "body",
        "lang",
        "page_type",
        "encoding",
    ):
        assert key in record, key
    assert isinstance(record["credits"], dict) and isinstance(record["images"], list)
    assert isinstance(record["spam"], list)
    # spam strings are verbatim page text, and body_html is markup: both are exempt from the text rules
    for s in _strings({k: v for k, v in record.items() if k not in ("body_html", "spam")}):
        assert s != "", "empty string instead of null"
        assert unicodedata.is_normalized("NFC", s), s[:40]
        assert "\u00a0" not in s and "\u3000" not in s, s[:40]
        assert s == s.strip(), s[:40]
    for key in ("title", "source", "author", "editor"):
        if record.get(key):
            assert "\n" not in record[key] and "  " not in record[key], record[key]


def test_cli_prints_the_same_records_as_the_library() -> None:
    """`news-archive extract` on every fixture at once (no --url, no headers) gives the library's records."""
    paths = [p for p in PAGES if "headers" not in expected_of(p)]
    exe = shutil.which("news-archive")
    cmd = [exe] if exe else [sys.executable, "-c", "from crawler.cli import main; main()"]
    res = subprocess.run([*cmd, "extract", *map(str, paths)], capture_output=True, timeout=300)
    assert res.returncode == 0, res.stderr.decode("utf-8", "replace")[-2000:]
    lines = [json.loads(line) for line in res.stdout.decode("utf-8").splitlines()]
    assert [line["file"] for line in lines] == [str(p) for p in paths]
    for path, line in zip(paths, lines, strict=True):
        record = extract(Page(url="", body=path.read_bytes())).to_dict()
        assert {k: v for k, v in line.items() if k != "file"} == record, path
