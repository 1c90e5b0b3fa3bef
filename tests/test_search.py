"""Full-text search: CJK bigrams, either script, filters, snippets, near-copies, malformed queries, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from archive.cli import cli
from archive.db import open_db
from archive.errors import BadInput
from archive.search import fold, index_article, indexed_state, parse_query, rebuild_index, search

ARTICLES = [
    # id, site, published_at, title, body, duplicate_of
    (
        "zz1",
        "www.zhuzhou.gov.cn",
        "2021-01-19T15:38:57+08:00",
        "株洲市长调研疫情防控工作",
        "1月19日，株洲市长来到芦淞区，调研新冠肺炎疫情防控工作。\n\n他强调，要压实责任，抓好冬春季疫情防控。",
        None,
    ),
    (
        "tw1",
        "news.example.com.tw",
        "2021-02-03T09:00+08:00",
        "臺灣經濟發展論壇在臺北舉行",
        "來自各界的專家學者齊聚臺北，討論經濟發展與產業轉型。\n\n與會者認為，數位轉型是關鍵。",
        None,
    ),
    (
        "cn2",
        "www.xinhuanet.com",
        "2021-02-04",
        "台湾经济发展论坛在台北举行",
        "来自各界的专家学者齐聚台北，讨论经济发展与产业转型。\n\n与会者认为，数字转型是关键。",
        "tw1",
    ),
    (
        "en1",
        "www.example.com",
        "2021-03-01T08:00:00+00:00",
        "Vaccine rollout begins in Hunan",
        "The COVID-19 vaccine rollout began in Hunan province on Monday.\n\nHealth workers were first in line.",
        None,
    ),
    (
        "bj1",
        "www.beijing.gov.cn",
        "2020-12-30T10:00+08:00",
        "北京市发布冬季供暖通知",
        "北京市城市管理委员会发布通知，今年冬季供暖将提前开始。\n\n市民如遇问题可拨打热线。",
        None,
    ),
]


def _insert(db: sqlite_utils.Database, row: tuple[str, str, str, str, str, str | None]) -> None:
    article_id, site, published_at, title, body, duplicate_of = row
    before = indexed_state(db, article_id)
    db.conn.execute(
        "INSERT INTO articles (id, url, site, title, published_at, body, duplicate_of, first_seen, last_seen,"
        " content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, '2021-03-02T00:00:00Z', '2021-03-02T00:00:00Z', ?)",
        (
            article_id,
            f"http://{site}/{article_id}.html",
            site,
            title,
            published_at,
            body,
            duplicate_of,
            article_id,
        ),
    )
    index_article(db, article_id, before)


@pytest.fixture()
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "archive.db"
    db = open_db(path)
    for row in ARTICLES:
        _insert(db, row)
    db.conn.close()
    return path


@pytest.fixture()
def db(db_path: Path) -> sqlite_utils.Database:
    return open_db(db_path)


def ids(hits: list) -> list[str]:
    return sorted(h.id for h in hits)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("株洲", ["zz1"]),  # 2 characters
        ("疫情", ["zz1"]),
        ("芦淞区", ["zz1"]),  # 3 characters
        ("疫情防控", ["zz1"]),  # 4 characters
        ("冬季供暖", ["bj1"]),
        ("供暖", ["bj1"]),
        ("市长", ["zz1"]),
    ],
)
def test_chinese_words_of_two_three_and_four_characters_match(db, query: str, expected: list[str]) -> None:
    assert ids(search(db, query)) == expected


def test_characters_that_are_not_adjacent_do_not_make_a_word(db) -> None:
    # 株 and 长 both occur in zz1, and "株洲市长" does, but never "株长".
    assert search(db, "株长") == []
    assert search(db, "调研冬春") == []  # both words occur, not side by side
    assert ids(search(db, "调研 冬春")) == ["zz1"]  # as two words, both must occur


def test_simplified_query_finds_traditional_article_and_the_reverse(db) -> None:
    # tw1 is Traditional, cn2 (its near-copy) Simplified: without collapsing both are found either way.
    for query in ("经济发展", "經濟發展", "台北", "臺北"):
        assert ids(search(db, query, collapse_duplicates=False)) == ["cn2", "tw1"], query
    # A Traditional query on a Simplified-only article.
    assert ids(search(db, "冬季供暖", collapse_duplicates=False)) == ["bj1"]
    assert ids(search(db, "城市管理委員會")) == ["bj1"]
    assert ids(search(db, "發佈通知")) == ["bj1"]  # 發佈 -> 发布
    assert search(db, "發佈會") == []  # 发布会: not in any article


def test_english_words_and_prefixes(db) -> None:
    assert ids(search(db, "vaccine")) == ["en1"]
    assert ids(search(db, "VACCINE")) == ["en1"]
    assert ids(search(db, "covid-19")) == ["en1"]
    assert ids(search(db, "vacc*")) == ["en1"]
    assert search(db, "vacc") == []  # whole words only without the *
    assert ids(search(db, '"health workers"')) == ["en1"]
    assert search(db, '"workers health"') == []


def test_boolean_operators(db) -> None:
    assert ids(search(db, "株洲 OR 供暖")) == ["bj1", "zz1"]
    assert ids(search(db, "市长 -株洲")) == []
    assert ids(search(db, "北京 NOT 株洲")) == ["bj1"]
    assert ids(search(db, "(株洲 OR 北京) 通知")) == ["bj1"]


def test_filters_by_site_and_date(db) -> None:
    assert ids(search(db, "发展 OR 供暖 OR 疫情", collapse_duplicates=False)) == ["bj1", "cn2", "tw1", "zz1"]
    assert ids(search(db, "经济", site="xinhuanet.com", collapse_duplicates=False)) == ["cn2"]
    assert ids(search(db, "经济", site="www.xinhuanet.com", collapse_duplicates=False)) == ["cn2"]
    assert search(db, "经济", site="zhuzhou.gov.cn") == []
    # Sites are stored as archive.urls.site_of makes them (no www.); a user may type either form, or a URL.
    _insert(db, ("hn1", "hunan.gov.cn", "2021-08-01", "湖南经济", "湖南经济稳步增长。", None))
    for typed in ("hunan.gov.cn", "www.hunan.gov.cn", "WWW.Hunan.gov.cn", "http://www.hunan.gov.cn/news/"):
        assert ids(search(db, "经济", site=typed)) == ["hn1"], typed
    with pytest.raises(BadInput):
        search(db, "经济", site="http://")
    q = "发展 OR 供暖 OR 疫情"
    assert ids(search(db, q, since="2021-01-01", collapse_duplicates=False)) == ["cn2", "tw1", "zz1"]
    assert ids(search(db, q, until="2021-01-19", collapse_duplicates=False)) == ["bj1", "zz1"]
    assert ids(search(db, q, since="2021-02-04", until="2021-02-04", collapse_duplicates=False)) == ["cn2"]
    assert ids(search(db, q, since="2021-01-19T16:00:00+08:00", collapse_duplicates=False)) == ["cn2", "tw1"]


def test_snippets_come_from_the_original_text_with_matches_marked(db) -> None:
    (hit,) = search(db, "经济发展", collapse_duplicates=False, site="example.com.tw")
    # The Traditional original is shown, the match marked in its own script; no bigram text.
    assert "<mark>經濟發展</mark>" in hit.snippet
    assert "經濟 濟發" not in hit.snippet
    (hit,) = search(db, "疫情防控")
    assert hit.snippet.count("<mark>疫情防控</mark>") == 2
    assert "\n" not in hit.snippet
    (hit,) = search(db, "vaccine", marks=("[", "]"))
    assert "[vaccine]" in hit.snippet and "<mark>" not in hit.snippet


def test_long_body_snippet_is_a_window_around_the_match(db) -> None:
    body = "无关的内容。" * 200 + "这里提到了湘江大桥的维修。" + "其他内容。" * 200
    _insert(db, ("long", "long.example.cn", "2021-05-01", "长文", body, None))
    (hit,) = search(db, "湘江大桥")
    assert "<mark>湘江大桥</mark>" in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert len(hit.snippet) < 200


def test_near_copies_are_collapsed_under_their_original(db) -> None:
    hits = search(db, "经济发展")
    assert [h.id for h in hits] == ["tw1"]
    assert hits[0].duplicates == ["cn2"]
    # Every copy can still be listed on its own.
    assert ids(search(db, "经济发展", collapse_duplicates=False)) == ["cn2", "tw1"]
    # Only the copy matches the filter: it is shown, pointing at its original.
    (hit,) = search(db, "经济发展", site="xinhuanet.com")
    assert hit.id == "cn2" and hit.duplicate_of == "tw1"


def test_limit_counts_collapsed_groups(db) -> None:
    for n in range(30):
        _insert(db, (f"x{n}", "x.example.cn", "2021-06-01", f"湘江第{n}号通告", "湘江水位上涨。", None))
    assert len(search(db, "湘江", limit=7)) == 7
    assert len(search(db, "湘江", limit=100)) == 30


@pytest.mark.parametrize(
    "query",
    [
        '"株洲',
        '株洲"',
        "OR",
        "株洲 OR",
        "OR 株洲",
        "AND",
        "株洲 AND",
        "NOT",
        "株洲 NOT",
        "(株洲",
        "株洲)",
        "()",
        "-",
        "",
        "   ",
        "！！",
        "-株洲",
        "*",
    ],
)
def test_malformed_query_is_a_clear_error(db, query: str) -> None:
    with pytest.raises(BadInput) as err:
        search(db, query)
    assert "\n" not in str(err.value) and str(err.value)


def test_user_text_cannot_inject_fts_syntax(db) -> None:
    # Column filters, NEAR and the like are FTS5 syntax; here they are only words.
    assert search(db, "title:株洲") == []
    assert search(db, "NEAR(株洲 疫情)") == []  # the word "near" is in no article
    assert '"near"' in parse_query("NEAR(株洲 疫情)").expression
    assert "title" in parse_query("title:株洲").expression  # searched as the word "title"


def test_reindex_after_update_and_delete(db) -> None:
    before = indexed_state(db, "zz1")
    db.conn.execute("UPDATE articles SET title = '株洲天气', body = '今天株洲有雨。' WHERE id = 'zz1'")
    index_article(db, "zz1", before)
    assert search(db, "疫情防控") == []
    assert ids(search(db, "有雨")) == ["zz1"]
    index_article(db, "zz1", indexed_state(db, "zz1"))  # unchanged: no-op
    assert ids(search(db, "有雨")) == ["zz1"]
    assert rebuild_index(db) == len(ARTICLES)
    assert ids(search(db, "有雨")) == ["zz1"]
    # After all that churn the index still answers every other article, and FTS5 finds itself consistent.
    assert ids(search(db, "供暖")) == ["bj1"]
    db.conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 0)")


def test_deleted_article_is_unindexed_by_index_article(db) -> None:
    before = indexed_state(db, "bj1")
    db.conn.execute("DELETE FROM articles WHERE id = 'bj1'")
    index_article(db, "bj1", before)
    assert search(db, "供暖") == []
    # No term of the deleted article is left in the index: its entry was removed with the text it held.
    db.conn.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, articles_fts, 'row')")
    assert db.conn.execute("SELECT term FROM temp.v WHERE term = '供暖'").fetchall() == []


def test_an_article_deleted_behind_the_index_is_not_a_hit(db) -> None:
    db.conn.execute("DELETE FROM articles WHERE id = 'bj1'")  # e.g. by hand in sqlite3, no unindex
    assert search(db, "供暖") == []
    assert ids(search(db, "北京 OR 株洲")) == ["zz1"]


def test_fold_is_length_preserving() -> None:
    for text in ("臺灣經濟發展", "ＡＢＣ１２３", "İstanbul ß", "e\u0301 café", "㈱ ﬁ 裏"):
        assert len(fold(text)) == len(text)
    assert fold("臺灣ＡＢＣ") == "台湾abc"
    assert fold("Café Ñandú Việt") == "cafe nandu viet"


def test_accents_are_ignored_and_still_highlighted(db) -> None:
    _insert(
        db, ("fr1", "www.example.fr", "2021-09-01", "Le café de Hunan", "Un café célèbre à Changsha.", None)
    )
    for query in ("cafe", "CAFÉ", "celebre"):
        (hit,) = search(db, query)
        assert hit.id == "fr1" and "<mark>" in hit.snippet, query
    (hit,) = search(db, "célèbre")
    assert "<mark>célèbre</mark>" in hit.snippet


def test_datasette_and_sqlite_utils_detect_the_search_index(db) -> None:
    assert db["articles"].detect_fts() == "articles_fts"
    # The plain phrase query datasette sends for ?_search=株洲 finds the article.
    rows = db.execute(
        "SELECT id FROM articles WHERE rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)",
        ['"株洲"'],
    ).fetchall()
    assert rows == [("zz1",)]


def test_sqlite_utils_search_uses_the_index(db) -> None:
    rows = list(db["articles"].search("供暖", columns=["id"]))
    assert rows == [{"id": "bj1"}]


def test_cli_search_human_and_json(db_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["search", "疫情防控", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "株洲市长调研[疫情防控]工作" in result.output
    assert "http://www.zhuzhou.gov.cn/zz1.html" in result.output

    result = runner.invoke(cli, ["search", "經濟發展", "--json", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == 1
    hit = lines[0]
    assert {"id", "url", "title", "published_at", "snippet"} <= hit.keys()
    assert hit["id"] == "tw1" and hit["duplicates"] == ["cn2"]
    assert hit["title"] == "臺灣經濟發展論壇在臺北舉行"
    assert "<mark>經濟發展</mark>" in hit["snippet"]

    result = runner.invoke(
        cli,
        [
            "search",
            "经济",
            "--json",
            "--all-copies",
            "--site",
            "xinhuanet.com",
            "--since",
            "2021-02-01",
            "--until",
            "2021-02-28",
            "--limit",
            "5",
            "--db",
            str(db_path),
        ],
    )
    assert [json.loads(line)["id"] for line in result.output.splitlines()] == ["cn2"]


@pytest.mark.parametrize(
    "args, message",
    [
        (['"株洲'], "unbalanced quote"),
        (["OR"], "malformed query"),
        (["株洲", "--since", "yesterday"], "--since"),
    ],
)
def test_cli_bad_input_is_one_line_and_non_zero(db_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["search", *args, "--db", str(db_path)])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_cli_missing_archive_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["search", "株洲", "--db", str(tmp_path / "none.db")])
    assert result.exit_code != 0 and "no such archive" in result.output
    assert not (tmp_path / "none.db").exists()


def test_rank_window_keeps_every_match_reachable_and_filters_first(db, monkeypatch) -> None:
    import archive.search as search_module

    for n in range(12):
        site = "old.example.cn" if n < 3 else "new.example.cn"
        _insert(db, (f"w{n:02d}", site, "2021-07-01", f"湘江通告{n}", "湘江水位上涨。", None))
    monkeypatch.setattr(search_module, "RANK_WINDOW", 5)
    # Beyond the window only the newest matches are ranked...
    hits = search(db, "湘江", limit=3)
    assert len(hits) == 3 and set(ids(hits)) <= {f"w{n:02d}" for n in range(7, 12)}
    # ...but a filter applies before the window: the oldest articles are still found.
    assert ids(search(db, "湘江", site="old.example.cn")) == ["w00", "w01", "w02"]
