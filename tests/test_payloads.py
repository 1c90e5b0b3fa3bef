"""Raw bodies as stored: compressed against a page of the same host, read back byte for byte."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
import zstandard

from archive.db import memory_db, open_db
from archive.ingest import Ingestor
from archive.page import Page
from archive.payloads import MIN_DICT_BODY, PayloadWriter, payload_digest, read_payload
from tests.ingest_helpers import article_paragraphs, fake_extract, html_page, page

# A portal template: what every page of a site repeats around its article.
NAV = "".join(f'<li><a href="/col/{i}/index.html">栏目{i}</a></li>' for i in range(120))
STYLE = "".join(f".c{i}{{margin:{i % 9}px;color:#{i * 7919 % 0xFFFFFF:06x}}}" for i in range(300))
FOOTER = "主办单位：某市人民政府办公室 承办：某市大数据中心 ICP备案号：湘ICP备12345678号 " * 20


def portal_page(seed: int, template: str = "") -> bytes:
    rng = random.Random(seed)
    chars = [chr(0x4E00 + rng.randrange(3000)) for _ in range(900)]
    body = "".join(f"<p>{''.join(chars[i : i + 90])}</p>" for i in range(0, 900, 90))
    return (
        f"<html><head><style>{STYLE}{template}</style></head><body><ul>{NAV}</ul>"
        f"<h1>标题{seed}</h1>{body}<div>{FOOTER}</div></body></html>"
    ).encode()


def rows(conn: sqlite3.Connection, sql: str, *args: object) -> list[tuple]:
    return conn.execute(sql, args).fetchall()


@pytest.fixture()
def conn() -> sqlite3.Connection:
    return memory_db().conn


def test_pages_of_a_host_are_compressed_against_its_first_page(conn: sqlite3.Connection) -> None:
    writer = PayloadWriter(conn)
    bodies = [portal_page(i) for i in range(5)]
    digests = [writer.put(b, f"http://www.a.gov.cn/n/{i}.html") for i, b in enumerate(bodies)]
    first = digests[0]
    assert rows(conn, "SELECT dict, dict_for FROM payloads WHERE digest = ?", first) == [
        (None, "www.a.gov.cn")
    ]
    for digest, body in zip(digests[1:], bodies[1:], strict=True):
        (codec, dict_digest, dict_for, data) = rows(
            conn, "SELECT codec, dict, dict_for, data FROM payloads WHERE digest = ?", digest
        )[0]
        assert (codec, dict_digest, dict_for) == ("zstd", first, None)
        alone = zstandard.ZstdCompressor(level=3).compress(body)
        assert len(data) < len(alone) / 2  # the template is stored once, in the dictionary page
    for digest, body in zip(digests, bodies, strict=True):
        assert read_payload(conn, digest) == body


def test_another_host_never_uses_the_first_hosts_dictionary(conn: sqlite3.Connection) -> None:
    writer = PayloadWriter(conn)
    writer.put(portal_page(1), "http://www.a.gov.cn/n/1.html")
    other = writer.put(portal_page(2), "http://news.b.com/c/2.html")
    assert rows(conn, "SELECT dict, dict_for FROM payloads WHERE digest = ?", other) == [(None, "news.b.com")]


def test_an_unrelated_page_replaces_the_hosts_dictionary(conn: sqlite3.Connection) -> None:
    writer = PayloadWriter(conn)
    writer.put(portal_page(1), "http://www.a.gov.cn/n/1.html")
    # The site's redesign: nothing of the old template is left.
    rng = random.Random(9)
    redesigned = bytes(rng.randrange(256) for _ in range(MIN_DICT_BODY)) + b"<html>" * 50
    new_dict = writer.put(redesigned, "http://www.a.gov.cn/n/2.html")
    assert rows(conn, "SELECT dict, dict_for FROM payloads WHERE digest = ?", new_dict) == [
        (None, "www.a.gov.cn")
    ]
    later = writer.put(redesigned + b"<p>one more paragraph</p>", "http://www.a.gov.cn/n/3.html")
    assert rows(conn, "SELECT dict FROM payloads WHERE digest = ?", later) == [(new_dict,)]
    assert read_payload(conn, later) == redesigned + b"<p>one more paragraph</p>"


def test_small_bodies_are_stored_alone_and_never_become_dictionaries(conn: sqlite3.Connection) -> None:
    writer = PayloadWriter(conn)
    small = b"User-agent: *\nDisallow: /private/\n" * 10
    assert len(small) < MIN_DICT_BODY
    digest = writer.put(small, "http://www.a.gov.cn/robots.txt")
    assert rows(conn, "SELECT dict, dict_for FROM payloads WHERE digest = ?", digest) == [(None, None)]
    assert read_payload(conn, digest) == small
    assert read_payload(conn, payload_digest(b"never stored")) is None


def test_a_rolled_back_dictionary_is_never_referred_to(tmp_path: Path) -> None:
    # A batch fails after its first page became the host's dictionary: the whole batch is rolled back, and
    # the next page of that host must not be compressed against the dictionary page that is gone.
    ing = Ingestor.open(tmp_path / "a.db", extractor=fake_extract)
    broken = Page(
        url="http://www.a.gov.cn/n/1.html",
        body=portal_page(1),
        headers=(("Content-Type", object()),),  # type: ignore[arg-type]  # cannot be stored: the batch fails
    )
    with pytest.raises(TypeError):
        ing.store([broken])
    assert rows(ing.conn, "SELECT count(*) FROM payloads") == [(0,)]
    result = ing.ingest(page("http://www.a.gov.cn/n/2.html", portal_page(2)))
    assert result.status == "new"
    assert rows(ing.conn, "PRAGMA foreign_key_check") == []
    ing.close()
    # Read back through a fresh connection: nothing cached, everything from the archive itself.
    db = open_db(tmp_path / "a.db", readonly=True)
    (digest,) = db.conn.execute("SELECT payload_digest FROM responses").fetchone()
    assert read_payload(db.conn, digest) == portal_page(2)


def test_ingested_pages_read_back_exactly_after_reopening(tmp_path: Path) -> None:
    bodies = {
        f"http://www.s{i % 3}.gov.cn/n/{i}.html": html_page(f"标题{i}", article_paragraphs(i), template=STYLE)
        for i in range(30)
    }
    with Ingestor.open(tmp_path / "a.db", extractor=fake_extract) as ing:
        ing.ingest_many([page(url, body) for url, body in bodies.items()])
    db = open_db(tmp_path / "a.db", readonly=True)
    stored = rows(db.conn, "SELECT r.url, r.payload_digest FROM responses r")
    assert len(stored) == 30
    for url, digest in stored:
        assert read_payload(db.conn, digest) == bodies[url]
    # Three hosts, three dictionaries; every other page refers to its host's.
    assert rows(db.conn, "SELECT count(*) FROM payloads WHERE dict_for IS NOT NULL") == [(3,)]
    assert rows(db.conn, "SELECT count(*) FROM payloads WHERE dict IS NOT NULL") == [(27,)]


def test_a_huge_body_is_stored_alone_and_never_becomes_a_dictionary(conn: sqlite3.Connection) -> None:
    from archive.payloads import MAX_DICT_BODY

    writer = PayloadWriter(conn)
    rng = random.Random(5)
    huge = b"<html>" + rng.randbytes(MAX_DICT_BODY + 1024) + b"</html>"
    digest = writer.put(huge, "http://www.a.gov.cn/big.html")
    assert rows(conn, "SELECT dict, dict_for FROM payloads WHERE digest = ?", digest) == [(None, None)]
    assert read_payload(conn, digest) == huge
    # The host's next ordinary page still becomes its dictionary.
    first = writer.put(portal_page(1), "http://www.a.gov.cn/n/1.html")
    assert rows(conn, "SELECT dict_for FROM payloads WHERE digest = ?", first) == [("www.a.gov.cn",)]


def text_page(seed: int, template: str = "") -> bytes:
    """A short page that is mostly its own text: a small template around 600 random CJK characters."""
    rng = random.Random(seed)
    text = "".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(600))
    return f"<html><head>{template}<title>稿件{seed}</title></head><body><p>{text}</p></body></html>".encode()


def test_pages_of_unique_text_keep_their_hosts_dictionary(conn: sqlite3.Connection) -> None:
    # The dictionary saves these pages only the template's bytes (it does not halve them), and no later page
    # would do better: it must not be replaced by every page, which stored every page alone.
    writer = PayloadWriter(conn)
    bodies = [text_page(i, template=STYLE[:600]) for i in range(40)]
    digests = [writer.put(b, f"http://www.a.gov.cn/n/{i}.html") for i, b in enumerate(bodies)]
    assert rows(conn, "SELECT digest FROM payloads WHERE dict_for IS NOT NULL") == [(digests[0],)]
    assert rows(conn, "SELECT count(*) FROM payloads WHERE dict = ?", digests[0]) == [(39,)]
    alone = sum(len(zstandard.ZstdCompressor(level=3).compress(b)) for b in bodies[1:])
    (stored,) = rows(conn, "SELECT sum(length(data)) FROM payloads WHERE dict IS NOT NULL")[0]
    assert stored < alone * 0.95
    for digest, body in zip(digests, bodies, strict=True):
        assert read_payload(conn, digest) == body


def test_a_new_template_seen_twice_replaces_a_dictionary_that_serves_it_poorly(
    conn: sqlite3.Connection,
) -> None:
    writer = PayloadWriter(conn)
    old_dict = writer.put(text_page(1, template=STYLE[:600]), "http://www.a.gov.cn/n/1.html")
    # The site adds a large navigation block: the old dictionary still saves the small template, no more.
    new_template = STYLE[:600] + NAV
    first_new = writer.put(text_page(2, template=new_template), "http://www.a.gov.cn/n/2.html")
    assert rows(conn, "SELECT dict, dict_for FROM payloads WHERE digest = ?", first_new) == [(old_dict, None)]
    second_new = writer.put(text_page(3, template=new_template), "http://www.a.gov.cn/n/3.html")
    assert rows(conn, "SELECT dict, dict_for FROM payloads WHERE digest = ?", second_new) == [
        (None, "www.a.gov.cn")
    ]
    later = writer.put(text_page(4, template=new_template), "http://www.a.gov.cn/n/4.html")
    assert rows(conn, "SELECT dict FROM payloads WHERE digest = ?", later) == [(second_new,)]
    for digest, seed in ((first_new, 2), (second_new, 3), (later, 4)):
        assert read_payload(conn, digest) == text_page(seed, template=new_template)
