"""Exact and near-copy detection: pairs that must match and pairs that must not."""

from __future__ import annotations

import random
import zlib

import opencc
import pytest

from archive import dedup
from archive.db import memory_db
from archive.ingest import Ingestor
from tests.ingest_helpers import fake_extract, html_page, page

ORIGINAL = [
    "6月18日，市防汛抗旱指挥部召开全市防汛工作调度会，分析研判当前汛情形势，安排部署下一阶段防汛救灾工作。",
    "会议指出，入汛以来，我市降雨偏多、来水偏丰，湘江株洲段水位持续上涨，防汛形势严峻复杂。各地各部门要克服麻痹思想和侥幸心理，坚决扛牢防汛救灾政治责任。",
    "会议要求，要盯紧重点部位，加强对水库、山塘、堤防、涵闸等水利设施的巡查防守，对发现的险情做到早发现、早报告、早处置。",
    "要强化监测预警，气象、水文、自然资源等部门要加强会商研判，及时发布预警信息，确保预警信息第一时间传递到村到户到人。",
    "要做好人员转移避险工作，对地质灾害隐患点、低洼易涝区域的群众，提前组织转移，确保不漏一户、不落一人。",
    "要落实值班值守制度，严格执行领导带班和24小时值班制度，保持通信畅通，遇有重大情况第一时间报告。",
]

# Another article on the same topic, in the same style, from the same portal: not a copy.
SAME_TOPIC = [
    "6月20日，县防汛抗旱指挥部召开防汛工作视频会，传达全省防汛工作电视电话会议精神，部署全县防汛备汛工作。",
    "会议通报了近期全县雨情水情工情，入汛以来全县平均降雨量较常年同期偏多三成，多座中型水库超汛限水位运行。",
    "会议强调，各乡镇要压紧压实防汛责任，把防汛物资储备、抢险队伍建设、应急预案修订等工作落到实处。",
    "要全面排查在建工程、城市内涝点和老旧小区的安全隐患，建立问题清单，逐项整改销号。",
    "县应急管理局、水利局要加强协调配合，做好抢险救援队伍和物资装备的调配，确保关键时刻拉得出、顶得上。",
    "会议还对做好汛期安全生产和森林防火等工作作了安排部署。",
]


def syndicated(paragraphs: list[str]) -> list[str]:
    """A copy on another portal: its own source line and footer, two sentences edited."""
    out = list(paragraphs)
    out[1] = out[1].replace("我市降雨偏多、来水偏丰", "株洲市降雨明显偏多，来水总体偏丰")
    out[3] = out[3].replace("确保预警信息第一时间传递到村到户到人", "让预警信息及时传到每一个村组和农户")
    return ["来源：株洲日报", *out, "（本文转载自株洲新闻网，版权归原作者所有，如有侵权请联系删除）"]


def body(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


def near(a: list[str], b: list[str], title: str = "全市防汛工作调度会召开") -> float:
    fa = dedup.fingerprint(title, body(a))
    fb = dedup.fingerprint(title, body(b))
    return dedup.jaccard(fa.shingles, fb.shingles)


def shared_bands(a: str, b: str) -> int:
    fa, fb = dedup.fingerprint(None, a), dedup.fingerprint(None, b)
    return len(set(fa.bands) & set(fb.bands))


def test_normalization_folds_script_width_case_space_and_punctuation() -> None:
    assert dedup.normalize_text("臺灣　新聞，ＡＢＣ abc!\n\n") == dedup.normalize_text("台湾新闻abcabc")
    assert dedup.content_hash("標題", "正文，第一段。") == dedup.content_hash("标题", "正文 第一段")


def test_syndicated_copy_with_other_footer_and_two_edited_sentences_matches() -> None:
    score = near(ORIGINAL, syndicated(ORIGINAL))
    assert score >= dedup.DEFAULT_CONFIG.min_jaccard
    assert shared_bands(body(ORIGINAL), body(syndicated(ORIGINAL))) >= 1


def test_traditional_version_of_a_simplified_article_matches() -> None:
    s2t = opencc.OpenCC("s2t")
    trad = [s2t.convert(p) for p in ORIGINAL]
    assert trad != ORIGINAL
    assert near(ORIGINAL, trad) > 0.95
    assert dedup.content_hash("全市防汛工作调度会召开", body(ORIGINAL)) == dedup.content_hash(
        s2t.convert("全市防汛工作调度会召开"), body(trad)
    )


def test_two_articles_on_the_same_topic_do_not_match() -> None:
    assert near(ORIGINAL, SAME_TOPIC) < 0.2
    assert shared_bands(body(ORIGINAL), body(SAME_TOPIC)) == 0


@pytest.mark.parametrize("seed", range(5))
def test_short_notices_on_one_template_do_not_match(seed: int) -> None:
    template = "关于{}同志任职的通知：经研究决定，任命{}同志为{}局副局长。特此通知。"
    names = ["张伟", "李娜", "王强", "刘洋", "陈静", "杨帆"]
    a = template.format(names[seed], names[seed], "交通")
    b = template.format(names[seed + 1], names[seed + 1], "水利")
    fa, fb = dedup.fingerprint("任职通知", a), dedup.fingerprint("任职通知", b)
    assert fa.bands == () and fb.bands == ()  # too short for near-copy matching at all
    assert fa.content_hash != fb.content_hash


def test_lsh_probability_at_the_threshold_is_high_and_low_far_below_it() -> None:
    cfg = dedup.DEFAULT_CONFIG

    def p(j: float) -> float:
        return 1 - (1 - j**cfg.rows_per_band) ** cfg.bands

    assert p(cfg.min_jaccard) > 0.98
    assert p(0.1) < 0.05


def test_minhash_estimates_jaccard() -> None:
    a = dedup.shingles(dedup.normalize_text(body(ORIGINAL)))
    b = dedup.shingles(dedup.normalize_text(body(syndicated(ORIGINAL))))
    sa, sb = dedup.minhash(a, 240), dedup.minhash(b, 240)
    estimate = sum(x == y for x, y in zip(sa, sb, strict=True)) / 240
    assert abs(estimate - dedup.jaccard(a, b)) < 0.15


def ingest_all(ing: Ingestor, items: list[tuple[str, str, list[str], str]]) -> list:  # type: ignore[type-arg]
    return [
        ing.ingest(page(url, html_page(title, paras, lang=lang), minutes=i))
        for i, (url, title, paras, lang) in enumerate(items)
    ]


def test_archive_links_near_copies_to_the_earlier_record() -> None:
    s2t = opencc.OpenCC("s2t")
    ing = Ingestor(memory_db(), extractor=fake_extract)
    orig, other, synd, trad, synd2 = ingest_all(
        ing,
        [
            ("http://www.zhuzhou.gov.cn/a/1.html", "全市防汛工作调度会召开", ORIGINAL, "zh-Hans"),
            ("http://www.zhuzhou.gov.cn/a/2.html", "县防汛工作视频会召开", SAME_TOPIC, "zh-Hans"),
            ("http://news.example.com/c/9.html", "全市防汛工作调度会召开", syndicated(ORIGINAL), "zh-Hans"),
            (
                "http://www.hk-news.example/n/3.html",
                s2t.convert("全市防汛工作调度会召开"),
                [s2t.convert(p) for p in ORIGINAL],
                "zh-Hant",
            ),
            # A copy of the copy points at the original, not at the copy.
            ("http://third.example.org/x.html", "防汛调度会召开", syndicated(ORIGINAL)[:-1], "zh-Hans"),
        ],
    )
    assert orig.status == other.status == "new" and orig.duplicate_of is None and other.duplicate_of is None
    assert synd.status == "new" and synd.duplicate_of == orig.article_id
    assert trad.status == "new" and trad.duplicate_of == orig.article_id
    assert synd2.duplicate_of == orig.article_id
    got = dict(ing.conn.execute("SELECT id, duplicate_of FROM articles").fetchall())
    assert got[synd.article_id] == orig.article_id and got[other.article_id] is None
    assert ing.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 5


def test_the_same_text_in_the_other_script_on_the_same_site_is_linked_not_merged() -> None:
    s2t = opencc.OpenCC("s2t")
    ing = Ingestor(memory_db(), extractor=fake_extract)
    a, b = ingest_all(
        ing,
        [
            ("http://www.a.gov.cn/a/1.html", "全市防汛工作调度会召开", ORIGINAL, "zh-Hans"),
            (
                "http://www.a.gov.cn/big5/a/1.html",
                s2t.convert("全市防汛工作调度会召开"),
                [s2t.convert(p) for p in ORIGINAL],
                "zh-Hant",
            ),
        ],
    )
    assert b.status == "new" and b.duplicate_of == a.article_id


def test_candidate_lookup_uses_the_band_index_not_a_scan() -> None:
    db = memory_db()
    fp = dedup.fingerprint("t", body(ORIGINAL))
    where = " OR ".join(["(band = ? AND value = ?)"] * len(fp.bands))
    plan = db.conn.execute(
        f"EXPLAIN QUERY PLAN SELECT article FROM simhash_bands WHERE {where}",
        [x for key in fp.bands for x in key],
    ).fetchall()
    text = " ".join(str(r[-1]) for r in plan)
    assert "SCAN simhash_bands" not in text and "PRIMARY KEY" in text


WARNING = (
    "{place}气象台{y}年{m}月{d}日{h}时发布暴雨{c}预警信号：预计未来6小时内，{place}大部分地区将出现50毫米以上降雨，"
    "局地可达100毫米以上，请注意防范城市内涝、山洪、地质灾害等。"
)
APPOINTMENT = (
    "关于{n}同志任职的通知。各区县人民政府、市直各单位：经市委研究决定，任命{n}同志为市{d}局副局长，试用期一年。"
    "免去{n}同志原任{o}职务。请各单位按照有关规定办理相关手续，并做好工作交接。特此通知。"
)
DAILY = (
    "{m}月{d}日全市空气质量日报。今日全市环境空气质量指数为{aqi}，首要污染物为细颗粒物，细颗粒物平均浓度为每立方米{pm}微克，"
    "可吸入颗粒物平均浓度为每立方米{pm10}微克，二氧化氮平均浓度为每立方米{no2}微克。全市各监测点位中，{site}监测点空气质量最好，"
    "{bad}监测点空气质量相对较差。预计明日受冷空气影响，扩散条件转好，空气质量以良为主。市生态环境局提醒，"
    "儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼，一般人群适量减少户外运动。"
    "本报告数据为实时监测数据，未经审核，仅供参考，最终结果以审核后的数据为准。"
    "市民可通过市生态环境局门户网站、微信公众号和手机客户端查询各监测点位的实时空气质量状况和未来三天的空气质量预报，"
    "如发现露天焚烧、工地扬尘等污染环境的行为，可拨打环保举报热线进行举报。"
)


def verdict(a: str, b: str) -> float | None:
    fa, fb = dedup.fingerprint(None, a), dedup.fingerprint(None, b)
    return dedup.is_near_copy(fa, fb.normalized_body, fb.shingles)


def test_short_templated_notices_are_not_near_copies() -> None:
    w1 = WARNING.format(place="株洲市", y=2023, m=6, d=18, h=10, c="蓝色")
    w2 = WARNING.format(place="株洲市", y=2023, m=6, d=20, h=16, c="黄色")
    a1 = APPOINTMENT.format(n="张伟", d="交通运输", o="市公路事务中心主任")
    a2 = APPOINTMENT.format(n="王强", d="交通运输", o="市公路事务中心副主任")
    assert verdict(w1, w2) is None and verdict(a1, a2) is None
    # ... although their texts are mostly the same.
    fa, fb = dedup.fingerprint(None, w1), dedup.fingerprint(None, w2)
    assert dedup.jaccard(dedup.shingles(fa.normalized_body), dedup.shingles(fb.normalized_body)) > 0.6


def test_daily_reports_on_one_template_with_other_figures_are_not_near_copies() -> None:
    r1 = DAILY.format(m=3, d=1, aqi=78, pm=52, pm10=81, no2=33, site="天元区", bad="石峰区")
    r2 = DAILY.format(m=3, d=2, aqi=64, pm=41, pm10=70, no2=29, site="天元区", bad="石峰区")
    assert len(dedup.normalize_text(r1)) > dedup.DEFAULT_CONFIG.short_chars
    fa, fb = dedup.fingerprint(None, r1), dedup.fingerprint(None, r2)
    assert dedup.jaccard(fa.shingles, fb.shingles) > dedup.DEFAULT_CONFIG.min_jaccard
    assert verdict(r1, r2) is None
    # The same report syndicated with a source line keeps its figures: a near copy.
    assert verdict(r1, "来源：株洲日报。" + r1 + "（责任编辑：王五）") is not None


def test_a_short_brief_reposted_with_a_source_line_is_a_near_copy() -> None:
    brief = "".join(ORIGINAL[1:4])
    assert (
        dedup.DEFAULT_CONFIG.min_chars < len(dedup.normalize_text(brief)) < dedup.DEFAULT_CONFIG.short_chars
    )
    assert verdict(brief, "据株洲日报消息，" + brief + "（编辑：李四）") is not None


def _reference_shingles(normalized: str, size: int = 4) -> frozenset[int]:
    """The shingle hash the persisted band index was built with (release 0.1): zlib.crc32 of each window of
    the UTF-32 text, mixed over 64 bits. The vectorized computation must give exactly these values."""
    mix, mask = 0x9E3779B97F4A7C15, (1 << 64) - 1
    data = normalized.encode("utf-32-le")
    width = 4 * size
    if len(data) <= width:
        return frozenset([(zlib.crc32(data) * mix) & mask])
    return frozenset(
        (zlib.crc32(data[i : i + width]) * mix) & mask for i in range(0, len(data) - width + 4, 4)
    )


def _reference_minhash(hashes: frozenset[int], size: int) -> list[int]:
    mix, mask, empty = 0x9E3779B97F4A7C15, (1 << 64) - 1, 1 << 64
    bins = [empty] * size
    for h in hashes:
        bins[h % size] = min(bins[h % size], h // size)
    out = []
    for i in range(size):
        j, dist = i, 0
        while bins[j] == empty:
            j, dist = (j + 1) % size, dist + 1
        out.append((bins[j] + dist * mix) & mask)
    return out


@pytest.mark.parametrize("seed", range(40))
def test_shingle_hashes_and_minhash_are_stable_across_releases(seed: int) -> None:
    rng = random.Random(seed)
    length = rng.choice([1, 3, 4, 5, 17, 200, 2500])
    pools = [(0x4E00, 0x9FFF), (0x30, 0x7A), (0x20000, 0x200FF)]  # Han, ASCII, an astral CJK extension
    text = "".join(chr(rng.randrange(*rng.choice(pools))) for _ in range(length))
    expected = _reference_shingles(text)
    assert dedup.shingles(text) == expected
    assert dedup.minhash(expected, 120) == _reference_minhash(expected, 120)
