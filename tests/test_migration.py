"""An archive made by release 0.1 (schema v1) opens with this release and is upgraded in place."""

from __future__ import annotations

import json
import sqlite3
import zlib
from pathlib import Path

from archive import dedup
from archive.db import APPLICATION_ID, FTS_AUTOMERGE, MIGRATIONS, SCHEMA_VERSION, open_db
from archive.ingest import Ingestor
from archive.payloads import payload_digest, read_payload
from archive.records import get_record
from archive.search import index_text, search
from tests.ingest_helpers import article_paragraphs, fake_extract, html_page, page

PARAS_A = [
    "株洲高新区围绕产业转型升级不断完善顶层设计，全力支持新能源汽车等新兴优势产业链。",
    "在项目招商上并不是一味招大引强，而是瞄准产业价值链中高端。",
    "二零二零年全区新签项目一百六十二个，累计合同引资额四百六十亿元。",
]
BODY_A = "\n\n".join(PARAS_A)
BODY_B = "\n\n".join(
    f"市政府召开第{i}次常务会议，研究部署{area}近期重点工作。会议强调要坚持稳中求进工作总基调，统筹发展和安全。"
    for i, area in enumerate(("城乡建设", "教育卫生", "交通运输", "文化旅游"), 30)
)
BODY_C = "\n\n".join(
    f"{place}气象台发布暴雨蓝色预警信号：预计未来六小时内，{place}大部分地区将出现五十毫米以上降雨。"
    "请注意防范城市内涝、山洪、地质灾害，合理安排出行时间。"
    for place in ("荷塘区", "芦淞区", "石峰区", "天元区")
)
HTML_A = "".join(f"<p>{p}</p>" for p in PARAS_A)


def _v1_archive(path: Path) -> None:
    """Rows as release 0.1 wrote them: zlib payloads, body_html as text, the index's copy of what it indexed
    in articles_fts_indexed, 64-bit band values keyed by article id."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    MIGRATIONS[0](conn)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    raw = html_page("株洲高新区加强产业链招商", PARAS_A)
    digest = payload_digest(raw)
    conn.execute(
        "INSERT INTO payloads (digest, codec, size, data) VALUES (?, 'zlib', ?, ?)",
        (digest, len(raw), zlib.compress(raw)),
    )
    conn.execute(
        "INSERT INTO responses (url, status, headers, fetched_at, payload_digest, parse_status, article_id)"
        " VALUES ('http://a.gov.cn/1.html', 200, '[]', '2021-01-19T07:38:57Z', ?, 'article', 'a1')",
        (digest,),
    )
    articles = [
        ("a1", "株洲高新区加强产业链招商", BODY_A, HTML_A),
        ("b2", "市政府召开常务会议", BODY_B, None),
        ("c3", "气象台发布暴雨预警", BODY_C, None),
    ]
    for aid, title, body, html in articles:
        conn.execute(
            "INSERT INTO articles (id, url, site, title, body, body_html, first_seen, last_seen, content_hash)"
            " VALUES (?, ?, 'a.gov.cn', ?, ?, ?, '2021-01-19T07:38:57Z', '2021-01-19T07:38:57Z', ?)",
            (aid, f"http://a.gov.cn/{aid}.html", title, body, html, aid),
        )
        fp = dedup.fingerprint(title, body)
        # 0.1 stored the whole 64-bit value; its low 32 bits are what dedup computes now.
        conn.executemany(
            "INSERT INTO simhash_bands (band, value, article_id) VALUES (?, ?, ?)",
            [(band, (0x5A5A5A5A << 32 | (value & 0xFFFFFFFF)) - (1 << 63), aid) for band, value in fp.bands],
        )
    rowid = dict(conn.execute("SELECT id, rowid FROM articles"))
    # a1 indexed as it is; b2 indexed with text it no longer has (the index lagged behind its row); c3 never.
    indexed = {"a1": ("株洲高新区加强产业链招商", BODY_A), "b2": ("旧标题供暖通知", "今年冬季供暖时间提前。")}
    for aid, (title, body) in indexed.items():
        conn.execute(
            "INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)",
            (rowid[aid], index_text(title), index_text(body)),
        )
        conn.execute(
            "INSERT INTO articles_fts_indexed (rowid, article_id, source) VALUES (?, ?, ?)",
            (rowid[aid], aid, zlib.compress(json.dumps([title, body], ensure_ascii=False).encode())),
        )
    conn.execute("COMMIT")
    conn.close()


def test_a_v1_archive_is_upgraded_with_nothing_lost(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _v1_archive(path)
    db = open_db(path)
    conn = db.conn
    assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 0)")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "articles_fts_indexed" not in tables

    # The 0.1 payload reads as ever.
    (digest,) = conn.execute("SELECT payload_digest FROM responses").fetchone()
    assert read_payload(conn, digest) == html_page("株洲高新区加强产业链招商", PARAS_A)

    # body_html is stored packed now, and the record shows it unchanged.
    assert conn.execute("SELECT typeof(body_html) FROM articles WHERE id = 'a1'").fetchone() == ("blob",)
    record = get_record(db, "a1")
    assert record is not None and record["body_html"] == HTML_A and record["body"] == BODY_A

    # The index holds every article's current text, and no longer the stale text b2 had.
    assert [h.id for h in search(db, "产业链")] == ["a1"]
    assert [h.id for h in search(db, "常务会议")] == ["b2"]
    assert [h.id for h in search(db, "暴雨")] == ["c3"]
    assert search(db, "供暖") == []

    # The near-copy index was carried over: an edited copy of c3 finds it.
    copy = dedup.fingerprint("气象台发布暴雨预警", BODY_C + "\n\n（来源：气象台）")
    assert dedup.find_near_copy(conn, copy) is not None
    assert dedup.find_near_copy(conn, copy)[0] == "c3"  # type: ignore[index]

    # And the upgraded archive goes on taking pages, an update of a1 replacing its index entry.
    ing = Ingestor(db, extractor=fake_extract)
    result = ing.ingest(
        page("http://a.gov.cn/n/9.html", html_page("全市农业农村工作会议召开", article_paragraphs(9)))
    )
    assert result.status == "new"
    assert [h.id for h in search(db, "农业农村")] == [result.article_id]
    conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 0)")


def test_opening_twice_migrates_once(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _v1_archive(path)
    open_db(path).conn.close()
    db = open_db(path)
    assert db.conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    # Every band of the articles long enough to have bands (a1 is too short), converted once.
    expected = {
        (band, value, rowid)
        for rowid, title, body in db.conn.execute("SELECT rowid, title, body FROM articles")
        for band, value in dedup.fingerprint(title, body).bands
    }
    assert len(expected) == 2 * dedup.DEFAULT_CONFIG.bands
    assert set(db.conn.execute("SELECT band, value, article FROM simhash_bands")) == expected


def _automerge(conn: sqlite3.Connection) -> int | None:
    row = conn.execute("SELECT v FROM articles_fts_config WHERE k = 'automerge'").fetchone()
    return None if row is None else int(row[0])


def test_the_search_index_merges_segments_16_at_a_time_in_new_and_upgraded_archives(tmp_path: Path) -> None:
    assert _automerge(open_db(tmp_path / "new.db").conn) == FTS_AUTOMERGE == 16
    path = tmp_path / "old.db"
    _v1_archive(path)
    conn = sqlite3.connect(path)
    assert _automerge(conn) is None  # FTS5's default (4) until the upgrade
    conn.close()
    db = open_db(path)
    assert _automerge(db.conn) == 16
    # The index is still whole after the upgrade and after more pages are indexed under the new setting.
    ing = Ingestor(db, extractor=fake_extract)
    new = {
        ing.ingest(
            page(f"http://a.gov.cn/n/{n}.html", html_page(f"第{n}次常务会议", article_paragraphs(n)))
        ).article_id
        for n in range(40)
    }
    db.conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 0)")
    assert {h.id for h in search(db, "常务会议", limit=100)} == new | {"b2"}
