"""Unit tests of the extraction modules: decode, spam, title, meta/dates, credits, body, pagetype, sanitize, lang.

Each test builds its own small input; the end-to-end fixture pages are in test_extract_fixtures.py.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from lxml import etree

from archive.extract import PARSER_VERSION, extract_bytes
from archive.extract import meta as meta_mod
from archive.extract.decode import decode, normalize_label
from archive.extract.dom import lines, parse
from archive.extract.lang import detect
from archive.extract.sanitize import sanitize
from archive.extract.spam import (
    hidden_selectors,
    is_hidden,
    is_keyword_chain,
    is_spam_block,
    is_spam_text,
)
from archive.extract.title import TitleSources, choose_title, strip_site

# ---------------------------------------------------------------- decode


def test_gbk_labels_widen_to_gb18030_and_big5_to_hkscs() -> None:
    assert normalize_label("GB2312") == "gb18030"
    assert normalize_label("gbk") == "gb18030"
    assert normalize_label("big5") == "big5hkscs"
    assert normalize_label("iso-8859-1") == "cp1252"
    assert normalize_label("no-such-charset") is None


def test_gb18030_four_byte_character_under_gb2312_label() -> None:
    text = '<html><head><meta charset="gb2312"></head><body><p>吉祥的𠮷字和喆</p></body></html>'
    d = decode(text.encode("gb18030"))
    assert d.encoding == "gb18030"
    assert "𠮷" in d.text and "喆" in d.text


def test_big5_hkscs_characters_survive() -> None:
    text = '<meta http-equiv="Content-Type" content="text/html; charset=big5"><p>佢哋食咗飯㗎</p>'
    d = decode(text.encode("big5hkscs"))
    assert d.encoding == "big5hkscs"
    assert "㗎" in d.text and "咗" in d.text


def test_header_contradicting_the_page_loses_to_clean_meta() -> None:
    body = '<meta charset="gbk"><p>乡村公路工程完工，群众出行更便捷。</p>'.encode("gbk")
    d = decode(body, header_charset="utf-8")
    assert d.encoding == "gb18030"
    assert "乡村公路" in d.text


def test_utf8_bytes_under_a_legacy_label_are_utf8() -> None:
    body = '<meta charset="gb2312"><p>新闻正文内容</p>'.encode()
    assert decode(body).encoding == "utf-8"


def test_bom_wins_and_is_dropped() -> None:
    d = decode("\ufeff<p>中文</p>".encode())
    assert d.encoding == "utf-8" and d.text.startswith("<p>")


def test_undeclared_gbk_is_recognised() -> None:
    para = "今年以来，全市经济运行总体平稳，主要指标保持增长，发展质量不断提高，人民生活持续改善。"
    d = decode(f"<html><body><p>{para * 3}</p></body></html>".encode("gbk"))
    assert d.encoding == "gb18030" and para in d.text


def test_invalid_utf8_bytes_are_replaced_not_fatal() -> None:
    body = "<p>正常的文字</p>".encode() + b"\xff\xfe\x80" + "<p>后面的文字</p>".encode()
    d = decode(body, header_charset="utf-8")
    assert d.encoding == "utf-8" and "后面的文字" in d.text


# ---------------------------------------------------------------- spam


def test_keyword_chain_shape() -> None:
    assert is_keyword_chain("亚洲日韩AV无码中文字幕美国-白嫩少妇激情无码-无码人妻精品一区二区三")
    assert not is_keyword_chain("株洲高新区加强产业链精准招商，党建引领产业兴。")


def test_spam_text_needs_more_than_one_innocent_word() -> None:
    assert is_spam_text("皇冠体育投注 太阳城娱乐官网 百家乐赢钱技巧")
    # Ordinary news that mentions Japan and Korea, or a casino in prose, is not spam.
    assert not is_spam_text("日韩两国外长今天举行会谈，双方就地区局势交换了意见。")
    # A chain that repeats the article's own words is a tag line.
    article = "博彩业监管 澳门 经济 多元发展 相关新闻报道"
    assert not is_spam_text("博彩业监管-澳门-经济-多元发展", article)


def test_hidden_by_style_and_by_stylesheet_class() -> None:
    classes, ids = hidden_selectors(
        [".a1{color:red} .xk{display:none} #z9 { position:absolute; left:-9999px }"]
    )
    assert "xk" in classes and "z9" in ids
    root = etree.fromstring(
        '<div><p class="xk">x</p><p id="z9">y</p><p style="font-size:0">z</p><p class="a1">w</p></div>',
        etree.HTMLParser(),
    )
    ps = list(root.iter("p"))
    assert [is_hidden(p, classes, ids) for p in ps] == [True, True, True, False]


def test_hidden_link_block_to_foreign_commercial_hosts_is_spam_gov_friend_links_are_not() -> None:
    parser = etree.HTMLParser()
    spam = etree.fromstring(
        '<div><a href="https://a-bet.vip/">九游会登录入口</a><a href="http://b-play.cc/">线上娱乐</a>'
        '<a href="https://c-game.app/">开元</a></div>',
        parser,
    ).find(".//div")
    assert is_spam_block(spam, "九游会登录入口 线上娱乐 开元", "news.example.cn", "")
    friends = etree.fromstring(
        '<div><a href="http://www.gov.cn/">中国政府网</a><a href="http://www.hunan.gov.cn/">湖南省人民政府</a>'
        '<a href="http://www.moe.edu.cn/">教育部</a></div>',
        parser,
    ).find(".//div")
    assert not is_spam_block(friends, "中国政府网 湖南省人民政府 教育部", "www.zhuzhou.gov.cn", "")


# ---------------------------------------------------------------- title


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        (
            "株洲新聞網|株洲高新區加強產業鏈精準招商 黨建引領產業興",
            "株洲高新區加強產業鏈精準招商 黨建引領產業興",
        ),
        ("关于做好防汛工作的通知_芦淞区人民政府", "关于做好防汛工作的通知"),
        ("武汉的声音：有英勇的你，才有英雄的城！ - 新华网", "武汉的声音：有英勇的你，才有英雄的城！"),
        ("社区食堂开进老旧小区-湘江晚报手机版", "社区食堂开进老旧小区"),
        ("Council approves riverfront park", "Council approves riverfront park"),
    ],
)
def test_strip_site(raw: str, want: str) -> None:
    assert strip_site(raw) == want


def test_spam_title_falls_back_to_h1_and_is_reported() -> None:
    src = TitleSources(
        html_title="亚洲日韩AV无码中文字幕-白嫩少妇激情无码-无码人妻精品一区二区三",
        h1=["株洲高新区加强产业链精准招商"],
    )
    got = choose_title(src, "株洲高新区加强产业链精准招商。正文内容。")
    assert got.title == "株洲高新区加强产业链精准招商"
    assert got.spam and "无码" in got.spam[0]


def test_site_name_printed_in_the_headline_is_dropped_when_title_is_spam() -> None:
    # The seed page: the <title> is an injected chain, and the portal prints its name in the headline itself.
    paras = "".join(
        f"<p>株洲高新區圍繞產業轉型升級，不斷完善頂層設計，第{i}項招商工作穩步推進，產業鏈條持續延伸。</p>"
        for i in range(6)
    )
    page = (
        "<html><head><meta charset='utf-8'>"
        "<title>亚洲日韩AV无码中文字幕美国-白嫩少妇激情无码-无码人妻精品一区二区三</title></head><body>"
        "<h1>株洲新聞網|株洲高新區加強產業鏈精準招商 黨建引領產業興</h1>"
        "<div class='info'>2021-01-19 15:38:57 來源:株洲高新區融媒體中心 | 編輯:張彌郁</div>"
        f"<div class='content'>{paras}</div></body></html>"
    ).encode()
    record = extract_bytes(page, url="http://www.zznews.gov.cn/news/1.html")
    assert record.title == "株洲高新區加強產業鏈精準招商 黨建引領產業興"
    assert any("无码" in s for s in record.spam)


def test_spam_chain_after_the_real_title_is_cut_off() -> None:
    src = TitleSources(
        html_title="乡村公路工程完工 群众出行更便捷 - 临山新闻网 - 皇冠体育投注 - 新葡京娱乐场官方网站"
    )
    got = choose_title(src, "乡村公路工程完工，群众出行更便捷。")
    assert got.title == "乡村公路工程完工 群众出行更便捷"
    assert any("皇冠体育投注" in s for s in got.spam)


def test_script_restored_title_when_title_is_an_unrelated_chain() -> None:
    src = TitleSources(
        html_title="开元棋牌官网下载_bg大游视讯_乐鱼体育平台",
        script="社区食堂开进老旧小区 老人吃饭不再犯难-湘江晚报手机版",
        h1=["社区食堂开进老旧小区 老人吃饭不再犯难"],
        page_text="社区食堂开进老旧小区 老人吃饭不再犯难 正文",
    )
    got = choose_title(src, "正文")
    assert got.title == "社区食堂开进老旧小区 老人吃饭不再犯难"
    assert got.spam


# ---------------------------------------------------------------- meta and dates


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2021-01-19 15:38:57", "2021-01-19T15:38:57"),
        ("2021/1/19", "2021-01-19"),
        ("2021年01月19日 15:38", "2021-01-19T15:38"),
        ("发布时间：2021.01.19", "2021-01-19"),
        ("9/17/2004 5:54:13 PM", "2004-09-17T17:54:13"),
        ("2021-02-30", None),
    ],
)
def test_dates(text: str, iso: str | None) -> None:
    found = meta_mod.find_dates(text)
    assert (found[0][1] if found else None) == iso


def test_offset_only_on_times() -> None:
    assert meta_mod.with_offset("2021-01-19T15:38", "+08:00") == "2021-01-19T15:38+08:00"
    assert meta_mod.with_offset("2021-01-19", "+08:00") == "2021-01-19"
    assert meta_mod.with_offset("2021-01-19T15:38+09:00", "+08:00") == "2021-01-19T15:38+09:00"


def read(*lines_: str) -> meta_mod.Fields:
    fields = meta_mod.Fields()
    meta_mod.read_lines(list(lines_), fields)
    return fields


def test_seed_metadata_line_traditional_labels() -> None:
    line = "2021-01-19 15:38:57\u3000\u3000來源:株洲高新區(天元區)融媒體中心 | 編輯:張彌郁 | 作者:周圓\u3000瀏覽量:8219"
    f = read(line)
    assert meta_mod.find_dates(line)[0][1] == "2021-01-19T15:38:57"
    assert meta_mod.is_field_line(line)
    assert f.source == "株洲高新區(天元區)融媒體中心"
    assert f.editor == "張彌郁"
    assert f.author == "周圓"
    assert f.views == 8219


def test_one_element_per_field_full_width_colons_and_synonyms() -> None:
    f = read("发布时间：2020年09月15日 16:42", "稿源：临山县交通运输局", "撰稿：何文涛", "点击数：1,024")
    assert f.published_at == "2020-09-15T16:42"
    assert f.source == "临山县交通运输局"
    assert f.author == "何文涛"
    assert f.views == 1024


def test_views_loaded_by_script_are_null() -> None:
    f = read("来源：湘江晚报 阅读")
    assert f.source == "湘江晚报"
    assert f.views is None


def test_author_role_words_removed() -> None:
    assert meta_mod.clean_names("文/记者 刘思雨 通讯员 黄珊") == "刘思雨 黄珊"
    assert meta_mod.byline_names("本报记者 王建宏 张文攀", short=True) == "王建宏 张文攀"
    assert (
        meta_mod.byline_names("据新华社拉萨电（记者 格桑边觉）记者近日从自治区了解到", short=False)
        == "格桑边觉"
    )
    assert meta_mod.byline_names("记者近日从自治区农业农村厅了解到", short=False) is None


# ---------------------------------------------------------------- credits


def test_review_chain_into_credits() -> None:
    f = read("責編:張彌郁", "初審:張彌郁\u3000\u3000二審:唐劍華\u3000\u3000終審:夏義鳳", "攝影：李明")
    assert f.credits == {
        "responsible_editor": "張彌郁",
        "first_review": "張彌郁",
        "second_review": "唐劍華",
        "final_review": "夏義鳳",
        "photographer": "李明",
    }
    # Only a responsible editor named: that person is the editor.
    assert f.editor == "張彌郁"


def test_credit_lines_are_field_lines() -> None:
    assert meta_mod.is_field_line("初审：张弥郁 二审：唐剑华 终审：夏义凤")
    assert not meta_mod.is_field_line("记者从市农业农村局获悉，今年全市农机购置补贴资金达到三千万元。")


# ---------------------------------------------------------------- body, via the whole pipeline

_ARTICLE = """<html><head><title>东岸港外贸箱量增长_东岸新闻网</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/a">要闻</a> <a href="/b">财经</a> <a href="/c">社会</a></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/a">要闻</a> &gt; 正文</div>
<h1>东岸港外贸箱量增长</h1>
<div class="info">2024-03-08 10:05 来源：东岸日报 作者：陈立</div>
<div class="content">
<p>\u3000\u3000东岸港集团8日发布数据，今年前两个月港口外贸集装箱吞吐量同比增长百分之十二，增速高于全国平均水平。</p>
<h3>航线加密</h3>
<p>\u3000\u3000港口方面介绍，外贸航线持续加密是吞吐量增长的主要动力。今年以来新开通航线五条。</p>
<p>【打印】【关闭】</p>
<p>上一篇：东岸港开通新航线</p>
<p>责任编辑：王芳</p>
</div>
<ul class="related"><li><a href="/1">东岸港开通至东南亚的新航线</a></li><li><a href="/2">东岸港一月吞吐量创新高</a></li>
<li><a href="/3">东岸港集团召开年度工作会议</a></li></ul>
<div class="footer">版权所有 东岸日报社 ICP备12345678号</div>
</body></html>"""


def test_article_end_to_end() -> None:
    a = extract_bytes(_ARTICLE.encode("utf-8"), url="http://news.example.cn/a/1.html")
    assert a.title == "东岸港外贸箱量增长"
    assert a.published_at == "2024-03-08T10:05+08:00"
    assert a.source == "东岸日报" and a.author == "陈立"
    assert a.editor == "王芳" and a.credits == {"responsible_editor": "王芳"}
    assert a.body is not None
    paras = a.body.split("\n\n")
    assert paras[0].startswith("东岸港集团8日发布数据")  # full-width indent removed
    assert paras[1] == "航线加密"  # in-body heading kept, in order
    for junk in ("打印", "上一篇", "责任编辑", "版权所有", "当前位置", "首页", "东岸港开通至东南亚"):
        assert junk not in a.body
    assert a.page_type == "article" and a.lang == "zh-Hans" and a.spam == []
    assert a.parser_version == PARSER_VERSION


def test_listing_page_has_no_body() -> None:
    items = "".join(
        f'<li><span>2023-06-{d:02d}</span><a href="./t{d}.html">青溪市第{d}号关于做好安全生产工作的通知</a></li>'
        for d in range(1, 16)
    )
    page = f"<html><head><title>通知公告_青溪市人民政府</title></head><body><ul class='list'>{items}</ul></body></html>"
    a = extract_bytes(page.encode("utf-8"))
    assert a.page_type == "listing"
    assert a.body is None


def test_lines_walk_is_iterative_on_deep_markup() -> None:
    root = parse("<div>" * 5000 + "深处的文字" + "</div>" * 5000)
    assert root is not None
    list(lines(root))  # must not raise RecursionError


# ---------------------------------------------------------------- sanitize and images


def test_sanitize_strips_script_events_and_javascript_urls() -> None:
    out = sanitize(
        '<p onclick="x()">a<script>alert(1)</script></p><a href="javascript:alert(1)">b</a>'
        '<img src="http://x.cn/a.jpg" onerror="y()"><style>p{}</style>'
    )
    assert "script" not in out and "onclick" not in out and "onerror" not in out
    assert "javascript:" not in out and "<style" not in out
    assert '<img src="http://x.cn/a.jpg">' in out


def test_images_are_absolute_with_captions() -> None:
    page = (
        "<html><body><h1>港口新闻标题示例</h1><div class='content'>"
        "<p>东岸港集团8日发布数据，今年前两个月港口外贸集装箱吞吐量同比增长百分之十二，增速高于平均水平。</p>"
        "<figure><img src='/img/a.jpg'><figcaption>货轮在码头装卸作业。</figcaption></figure>"
        "<p>港口方面介绍，外贸航线持续加密是吞吐量增长的主要动力，今年以来新开通航线五条。</p></div></body></html>"
    )
    a = extract_bytes(page.encode("utf-8"), url="https://news.example.cn/a/1.html")
    assert [(i.src, i.caption) for i in a.images] == [
        ("https://news.example.cn/img/a.jpg", "货轮在码头装卸作业。")
    ]
    assert a.body is not None and "货轮在码头装卸作业" not in a.body
    assert a.body_html is not None and "https://news.example.cn/img/a.jpg" in a.body_html


# ---------------------------------------------------------------- lang


def test_lang() -> None:
    assert detect("株洲高新區加強產業鏈精準招商，黨建引領產業興。", "zh-CN") == "zh-Hant"
    assert detect("株洲高新区加强产业链精准招商，党建引领产业兴。", None) == "zh-Hans"
    assert detect("The council voted on Tuesday to approve the park and the budget.", None) == "en"


# ---------------------------------------------------------------- the command


def test_extract_command_error_line_and_exit_status(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from archive.cli import cli

    good = tmp_path / "a.html"
    good.write_bytes(_ARTICLE.encode("gbk").replace(b"<head>", b'<head><meta charset="gbk">'))
    result = CliRunner().invoke(cli, ["extract", str(good), str(tmp_path / "missing.html")])
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows[0]["title"] == "东岸港外贸箱量增长" and rows[0]["encoding"] == "gb18030"
    assert rows[1]["file"].endswith("missing.html") and "error" in rows[1]
    assert result.exit_code == 1
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- later rules


def test_glued_span_fields_and_roc_dates() -> None:
    f = read("發布日期：112-05-04", "发布时间：2024-03-18 10:05信息来源：市财政局浏览次数： 字号：大 中 小")
    assert f.published_at == "2023-05-04"  # the ROC calendar after a label: 112 + 1911
    assert f.source == "市财政局"
    assert f.views is None
    assert meta_mod.roc_date("2023-05-04") is None  # a Gregorian date is not read as ROC


def test_blog_and_forum_bylines() -> None:
    assert meta_mod.posted_by("ggjjzhzz 发表于 2005-9-15 11:46:00") == "ggjjzhzz"
    assert meta_mod.posted_by("由海姑娘张贴 @ 2005-06-10 05:42:56") == "海姑娘"
    assert meta_mod.posted_by("Posted by Jane Doe on 2019-11-20") == "Jane Doe"
    assert meta_mod.posted_by("2005年的一篇旧文章") is None


def test_prose_label_is_not_a_field() -> None:
    f = read("该负责人告诉记者：“西吉县已形成了四级良繁体系，全县马铃薯良种覆盖率接近100%。”")
    assert f.author is None


def test_visible_keyword_link_row_to_throwaway_hosts_is_spam_and_removed() -> None:
    para = "根据省财政厅工作部署，现就做好年度国有资产报告编报工作有关事项通知如下，请各单位认真落实。"
    page = (
        "<html><head><title>关于做好资产报告工作的通知_延陵市人民政府</title></head><body>"
        '<div class="kw"><a href="https://usdt-daidan.top/">USDT合约带单稳赚</a> '
        '<a href="http://zx-xiakuan.cn.com/">征信花了也能下款</a> <a href="https://daikai-fp.shop/">代开各类发票</a></div>'
        f"<h1>关于做好资产报告工作的通知</h1><div class='c'><p>{para}</p><p>{para}</p></div></body></html>"
    )
    a = extract_bytes(page.encode("utf-8"), url="https://www.yanling.gov.cn/art/1.html")
    assert any("征信花了也能下款" in s for s in a.spam)
    assert a.body is not None and "代开各类发票" not in a.body
    assert a.title == "关于做好资产报告工作的通知"


def test_clean_page_with_share_buttons_and_news_about_gambling_is_not_flagged() -> None:
    para = "警方近日破获一起网络赌博案件，涉案金额巨大，专案组已对相关人员依法采取刑事强制措施。"
    page = (
        "<html><head><title>警方破获特大网络赌博案_临山新闻网</title></head><body>"
        '<div style="display:none"><a href="https://www.facebook.com/x">Facebook</a>'
        '<a href="https://twitter.com/x">Twitter</a><a href="https://www.linkedin.com/x">LinkedIn</a></div>'
        f"<h1>警方破获特大网络赌博案</h1><div class='c'><p>{para}</p><p>{para}</p></div></body></html>"
    )
    a = extract_bytes(page.encode("utf-8"), url="https://news.linshan.cn/a/1.html")
    assert a.spam == []
    assert a.title == "警方破获特大网络赌博案"


def test_tag_with_a_huge_attribute_list_parses_quickly() -> None:
    page = "<div " + " ".join(f'a{i}="{i}"' for i in range(50_000)) + "><p>正文</p></div>"
    root = parse(page)  # libxml2 alone would check 50,000 attributes pairwise
    assert root is not None


def test_view_counts_without_a_colon_and_lazy_images() -> None:
    assert read("阅读(1,234) 评论(5)").views == 1234
    assert read("356人阅读").views == 356
    assert read("截至目前，已有1000人阅读了这份报告，反响热烈。").views is None  # prose, not a counter
    from archive.extract.body import image_src

    img = etree.fromstring('<img src="/img/loading.gif" data-src="/pics/real.jpg">', etree.HTMLParser()).find(
        ".//img"
    )
    assert image_src(img) == "/pics/real.jpg"


def test_short_listing_of_cards_and_last_page_of_a_listing() -> None:
    cards = "".join(
        f'<article class="card"><h2><a href="/n/{i}.html">青石站新增高铁线路第{i}批 直达深圳最快三小时</a></h2>'
        f"<p>4月10日起，全国铁路实行新的列车运行图，青石站将新增8对高铁列车，新开直达深圳、厦门……</p>"
        f"<time>2024-03-{i + 10}</time></article>"
        for i in range(5)
    )
    a = extract_bytes(f"<html><body><section class='list'>{cards}</section></body></html>".encode())
    assert a.page_type == "listing" and a.body is None
    last = (
        "<html><body><ul class='list'><li><a href='/big5/n1.html'>白沙花鼓戲進校園 非遺傳承後繼有人</a>"
        "<span>(2021-05-22)</span></li></ul><div class='page'><a href='index.html'>上一頁</a> 共2頁</div></body></html>"
    )
    assert extract_bytes(last.encode()).page_type == "listing"


def test_story_with_links_in_its_paragraphs_stays_an_article() -> None:
    para = (
        "The council voted on Tuesday to approve the riverfront park after a long debate, and "
        '<a href="/x">the plan approved last year by the city</a> will now move to the design stage, officials said.'
    )
    page = (
        "<html><body><h1>Council approves park</h1><div class='c'>"
        + f"<p>{para}</p>" * 5
        + "</div></body></html>"
    )
    assert extract_bytes(page.encode()).page_type == "article"


def test_logo_h1_is_not_the_headline() -> None:
    src = TitleSources(html_title="关于做好防汛工作的通知_芦淞区人民政府", h1=["芦淞区人民政府"])
    assert choose_title(src, "各单位要做好防汛工作。").title == "关于做好防汛工作的通知"


def _blog_post(title: str, when: str, paras: list[str], comments: int) -> str:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        f'<div class="entry"><div class="entry-head"><span class="entry-title">{title}</span>'
        f'<span class="entry-time">{when}</span></div><div class="entry-text">{body}</div>'
        f'<div class="entry-foot">[<a href="/print">打印</a>] 由山风张贴 @ <a href="/p">{when}</a> '
        f'<a class="comment-link" href="/c">共 {comments} 篇评论</a></div></div>'
    )


# A blog front page: the latest post on top, older (and longer) posts under it, each with its own footer.
_BLOG = (
    "<html><head><title>山风的博客</title></head><body><h1>山风的博客</h1>"
    "<div class='side'><ul><li><a href='/a'>归档 2006年5月</a></li><li><a href='/b'>归档 2006年4月</a></li></ul></div>"
    "<div class='posts'>"
    + _blog_post(
        "雨后的青石巷",
        "2006-05-20 21:14:03",
        [
            "傍晚一场大雨过后，青石巷里的石板被洗得发亮，檐角还在滴水，巷口卖豆花的阿婆又支起了摊子。",
            "我沿着巷子慢慢往里走，闻到墙根青苔和泥土混在一起的味道，想起小时候放学后在这里追逐打闹的日子。",
            "走到巷子尽头，那家开了三十年的裁缝铺还亮着灯，老师傅戴着老花镜在缝一件蓝布衫，见我进来便笑着点了点头。",
        ],
        3,
    )
    + _blog_post(
        "搬家记",
        "2006-05-12 08:40:55",
        [
            "这个月终于搬进了新租的房子，离单位只有两站路，每天早上可以多睡半个小时，心情也跟着好了起来。",
            "搬家那天朋友们都来帮忙，从早上忙到天黑，箱子一个一个地抬上六楼，晚上大家挤在空荡荡的客厅里吃火锅。",
            "新家的窗外有一棵很大的梧桐树，风一吹，叶子沙沙作响，我把书桌摆在窗前，打算以后每晚都在这里写点东西。",
            "房东是一位退休的中学老师，说话慢条斯理，临走时还叮嘱我阳台上的花要记得浇水，不然夏天会晒坏。",
        ],
        11,
    )
    + "</div></body></html>"
)


def test_blog_front_page_gives_the_first_post_not_the_longest() -> None:
    a = extract_bytes(_BLOG.encode("utf-8"), url="http://blog.example.cn/shanfeng/")
    assert a.body is not None
    assert a.body.startswith("傍晚一场大雨过后")
    assert "想起小时候放学后在这里追逐打闹的日子" in a.body
    for later in ("搬家记", "新租的房子", "梧桐树", "房东"):
        assert later not in a.body
    assert a.author == "山风"
    assert a.published_at == "2006-05-20T21:14:03+08:00"
    assert a.page_type == "article"


def test_comment_thread_under_a_post_is_not_body() -> None:
    comments = "".join(
        f"<h4>re: 雨后的青石巷 2006-05-2{i} 10:0{i} 读者{i}</h4><p>写得真好，让我想起了老家的那条巷子，下雨天也是这样安静。第{i}条</p>"
        for i in range(8)
    )
    page = (
        "<html><body><div id='main'><div class='post'><h2>雨后的青石巷</h2>"
        "<p>傍晚一场大雨过后，青石巷里的石板被洗得发亮，檐角还在滴水，巷口卖豆花的阿婆又支起了摊子。</p>"
        "<p>我沿着巷子慢慢往里走，闻到墙根青苔和泥土混在一起的味道，想起小时候放学后在这里追逐打闹的日子。</p>"
        "<p class='postfoot'>发表于 2006年5月20日 21:14</p></div>"
        f"<div id='comments'><h3>评论</h3>{comments}</div></div></body></html>"
    )
    a = extract_bytes(page.encode("utf-8"))
    assert a.body is not None and a.body.startswith("傍晚一场大雨过后")
    assert "想起小时候" in a.body
    assert "读者" not in a.body and "老家的那条巷子" not in a.body


# ---------------------------------------------------------------- English month-name dates


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("May 20, 2006", "2006-05-20"),
        ("Posted on May 20, 2006 at 9:14 pm", "2006-05-20T21:14"),
        ("20 May 2006 21:14", "2006-05-20T21:14"),
        ("Published: Tue 20 May 2006 09:14 BST", "2006-05-20T09:14+01:00"),
        ("Updated 3:05 PM EDT, Mon May 20, 2006", "2006-05-20T15:05-04:00"),
        ("Sept. 4, 2023", "2023-09-04"),
        ("Posted: Fri 6:45 PM, Feb 16, 2018", "2018-02-16T18:45"),
        ("18 NOV 2019", "2019-11-18"),
        ("March 3, 2021 10:05:33 GMT", "2021-03-03T10:05:33+00:00"),
        ("12:30 a.m. EST, Wednesday December 3, 2008", "2008-12-03T00:30-05:00"),
        ("By Jane Doe | May 20, 2006", "2006-05-20"),
        ("May 20, 2006 at 12:00 CST", "2006-05-20T12:00"),  # CST is ambiguous: no offset is guessed
        ("Feb 30, 2020", None),  # no such day
        ("May 20, 2006 at 13:14 pm", "2006-05-20"),  # no such time: the date alone
        ("in May 2006 the council voted", None),  # no day: not a dateline
        ("On May 20, 2006, the council voted to raise local taxes by two percent.", None),  # prose
    ],
)
def test_month_name_dates(line: str, iso: str | None) -> None:
    found = meta_mod.find_month_dates(line)
    assert (found[0][1] if found else None) == iso


def _english_page(dateline: str, body_extra: str = "") -> bytes:
    paras = "".join(
        f"<p>The council met on Tuesday evening to discuss the new budget for the harbour district, item {i}, "
        "and residents filled the hall to hear the plans for the coming year.</p>"
        for i in range(4)
    )
    return (
        "<html><head><title>Council approves harbour budget</title></head><body>"
        "<div class='nav'><a href='/'>Home</a> <a href='/news'>News</a></div>"
        f"<h1>Council approves harbour budget</h1>{dateline}"
        f"<div class='story'>{body_extra}{paras}</div>"
        "<div class='footer'>Copyright Example Times</div></body></html>"
    ).encode()


@pytest.mark.parametrize(
    ("dateline", "iso"),
    [
        ("<p class='byline'>By Jane Doe | May 20, 2006</p>", "2006-05-20"),
        ("<div class='meta'>Posted on May 20, 2006 at 9:14 pm</div>", "2006-05-20T21:14"),
        ("<div class='meta'>20 May 2006 21:14</div>", "2006-05-20T21:14"),
        ("<div class='meta'>Published: Tue 20 May 2006 09:14 BST</div>", "2006-05-20T09:14+01:00"),
        ("<div class='meta'>Updated 3:05 PM EDT, Mon May 20, 2006</div>", "2006-05-20T15:05-04:00"),
        ("<span class='date'>Sept. 4, 2023</span>", "2023-09-04"),
    ],
)
def test_english_dateline_under_the_headline(dateline: str, iso: str) -> None:
    a = extract_bytes(_english_page(dateline), url="http://www.example.com/news/council-budget")
    assert a.published_at == iso
    assert a.body is not None and a.body.startswith("The council met")


def test_english_date_in_body_prose_is_not_the_publish_date() -> None:
    prose = (
        "<p>In May 2006 the council voted to close the old ferry pier, and on June 3, 2007, it reopened "
        "after a long campaign by residents of the harbour district.</p>"
    )
    a = extract_bytes(_english_page("", prose), url="http://www.example.com/news/council-budget")
    assert a.published_at is None
    # With a dateline, the dateline wins over the dates the story mentions.
    a = extract_bytes(
        _english_page("<p class='byline'>By Jane Doe, Sept. 4, 2023</p>", prose),
        url="http://www.example.com/news/council-budget",
    )
    assert a.published_at == "2023-09-04"


def test_machine_readable_date_wins_over_an_english_dateline() -> None:
    page = _english_page("<div class='meta'>May 20, 2006 9:14 pm</div>").replace(
        b"</title>", b"</title><meta property='article:published_time' content='2006-05-21T01:14:00+00:00'>"
    )
    a = extract_bytes(page, url="http://www.example.com/news/council-budget")
    assert a.published_at == "2006-05-21T01:14:00+00:00"


def test_blog_post_footer_with_an_english_date() -> None:
    page = (
        "<html><body><div id='main'><div class='post'><h2>A walk by the river</h2>"
        "<p>After the rain stopped the river path was quiet, the stones were shining and the ducks came "
        "back to the reeds by the old mill where we used to play as children every summer.</p>"
        "<p>I walked as far as the bridge and back, thinking about how little the place has changed in "
        "twenty years, and how much the town around it has grown since then.</p>"
        "<p class='postfoot'>Posted by Sam on May 20, 2006 at 9:14 pm | 3 comments</p></div>"
        "<div id='comments'><p>Lovely piece, it reminds me of my own home town. Posted May 22, 2006 at "
        "8:00 am</p></div></div></body></html>"
    )
    a = extract_bytes(page.encode())
    assert a.published_at == "2006-05-20T21:14"
    assert a.body is not None and "Posted by" not in a.body


def _story_page(paragraphs: list[str], after: str = "") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        "<html><head><meta charset='utf-8'><title>武汉的声音：有英勇的你，才有英雄的城！ - 新华网</title></head>"
        "<body><h1>武汉的声音：有英勇的你，才有英雄的城！</h1><div class='info'>2020-02-19 08:21:05 来源：新华网</div>"
        f"<div id='detail'>{body}{after}</div><div class='nav'>时政 地方 法治 高层 人事</div></body></html>"
    ).encode()


_STORY = [
    f"武汉“封城”第{i}天，千万市民坚守家中，医务人员竭尽所能救治病患，志愿者不辞辛劳往来接送，城市在坚持中等待春天。"
    for i in range(1, 6)
]


def test_trailing_bracketed_commentator_byline_names_the_authors_and_keeps_the_sentence() -> None:
    page = _story_page([*_STORY, "正是有了英勇的你们，才有这座英雄的城！（评论员 罗博 萧海川）"])
    record = extract_bytes(page, url="http://www.xinhuanet.com/local/2020-02/19/c_1.htm")
    assert record.author == "罗博 萧海川"
    assert record.body is not None and record.body.endswith("才有这座英雄的城！（评论员 罗博 萧海川）")


def test_responsible_editor_in_a_furniture_line_at_the_story_end_is_the_editor() -> None:
    after = "<div class='p-jc'><a href='javascript:void(0);'>【纠错】</a> 责任编辑： 焦鹏 </div>"
    record = extract_bytes(
        _story_page(_STORY, after), url="http://www.xinhuanet.com/local/2020-02/19/c_1.htm"
    )
    assert record.editor == "焦鹏"
    assert record.credits == {"responsible_editor": "焦鹏"}
    assert record.body is not None and "纠错" not in record.body and "焦鹏" not in record.body


def test_a_photo_credit_is_not_the_author() -> None:
    page = _story_page([_STORY[0], "资料图：市民在寒冷天气中出行。中新社记者 贾天勇 摄", *_STORY[1:]])
    record = extract_bytes(page, url="http://www.xinhuanet.com/local/2020-02/19/c_1.htm")
    assert record.author is None


def test_a_blog_post_with_no_byline_is_its_owners() -> None:
    post = "".join(
        f"<p>第{i}段：很高兴入住博客堂，我的博客将集中在C++/CLI和C#两个方面，欢迎大家交流指正。</p>"
        for i in range(6)
    )
    page = (
        "<html><head><meta charset='utf-8'><title>很高兴入住博客堂</title></head><body>"
        "<div id='top'><h1><a href='http://blog.example.com/lijianzhong/'>李建忠</a></h1></div>"
        f"<div class='post'><h2>很高兴入住博客堂</h2>{post}<p>发表于 2004年12月27日 12:40</p></div>"
        "</body></html>"
    ).encode()
    record = extract_bytes(page, url="http://blog.example.com/lijianzhong/archive/2004/12/27/41810.aspx")
    assert record.author == "李建忠"


def test_a_site_header_is_not_an_author() -> None:
    paras = "".join(
        f"<p>第{i}段：市政府召开常务会议，研究部署下一阶段重点工作，会议要求各部门狠抓落实。</p>"
        for i in range(6)
    )
    page = (
        "<html><head><meta charset='utf-8'><title>市政府召开常务会议</title></head><body>"
        "<div id='top'><h1><a href='http://www.example.gov.cn/'>青石市人民政府</a></h1></div>"
        f"<div class='article'><h2>市政府召开常务会议</h2>{paras}</div></body></html>"
    ).encode()
    assert extract_bytes(page, url="http://www.example.gov.cn/art/1.html").author is None


def test_a_broken_tags_attribute_is_not_a_field_value() -> None:
    fields = meta_mod.Fields()
    meta_mod.read_lines(['作者： size="20" 来源： size="20" 发布日期： 7/5/2005 9:23:57 PM'], fields)
    assert fields.source is None and fields.author is None
    assert fields.published_at == "2005-07-05T21:23:57"


def test_a_citation_access_date_is_not_a_publish_date() -> None:
    for line in ("蔡健雅新专辑发布 ．网易[引用日期2017-07-19]", "参考资料 访问日期2019-03-02"):
        fields = meta_mod.Fields()
        meta_mod.read_lines([line], fields)
        assert fields.published_at is None, line
    fields = meta_mod.Fields()
    meta_mod.read_lines(["发布日期：2021-01-19 15:38"], fields)
    assert fields.published_at == "2021-01-19T15:38"
