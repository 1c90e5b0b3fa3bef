"""Shared by the ingest, dedup, reparse and durability tests: generated pages and a tiny stand-in extractor.

The stand-in reads a fixed markup (``<title>``, ``<p>`` paragraphs, ``<meta name=views>``,
``<meta name=page-type>``, ``<html lang>``), so these tests exercise storage and dedup whatever state the real
extraction engine is in. ``<meta name=fail>`` makes it raise, as a broken parser would.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import escape, unescape

from archive.article import Article
from archive.page import Page

FAKE_VERSION = "fake-1"
BASE_TIME = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def fake_extract(page: Page) -> Article:
    html = page.body.decode("utf-8")
    if '<meta name="fail"' in html:
        raise ValueError("boom: broken page")
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    paras = [unescape(p).strip() for p in re.findall(r"<p>(.*?)</p>", html, re.S)]
    views = re.search(r'<meta name="views" content="(\d+)"', html)
    ptype = re.search(r'<meta name="page-type" content="(\w+)"', html)
    lang = re.search(r'<html lang="([\w-]+)"', html)
    published = re.search(r'<meta name="date" content="([^"]+)"', html)
    return Article(
        url=page.effective_url,
        title=unescape(title.group(1)).strip() if title else None,
        published_at=published.group(1) if published else None,
        body="\n\n".join(paras) or None,
        views=int(views.group(1)) if views else None,
        page_type=ptype.group(1) if ptype else "article",
        lang=lang.group(1) if lang else "zh-Hans",
        parser_version=FAKE_VERSION,
        encoding="utf-8",
    )


def html_page(
    title: str,
    paragraphs: list[str],
    *,
    views: int | None = None,
    page_type: str | None = None,
    lang: str = "zh-Hans",
    fail: bool = False,
    template: str = "",
    published: str | None = None,
) -> bytes:
    head = f"<title>{escape(title)}</title>"
    if published:
        head += f'<meta name="date" content="{published}">'
    if views is not None:
        head += f'<meta name="views" content="{views}">'
    if page_type:
        head += f'<meta name="page-type" content="{page_type}">'
    if fail:
        head += '<meta name="fail" content="1">'
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    nav = template or "<div class=nav>首页 新闻 政务 服务 互动</div>" * 20
    return f'<html lang="{lang}"><head>{head}</head><body>{nav}{body}{nav}</body></html>'.encode()


def page(
    url: str,
    body: bytes,
    *,
    minutes: int = 0,
    status: int = 200,
    ctype: str = "text/html; charset=utf-8",
    final_url: str | None = None,
) -> Page:
    return Page(
        url=url,
        body=body,
        status=status,
        headers=(("Content-Type", ctype), ("Server", "test")),
        final_url=final_url,
        fetched_at=BASE_TIME + timedelta(minutes=minutes),
    )


# A news paragraph pool to build distinct articles from (text of the kind the archive holds).
SENTENCES = [
    "株洲高新区围绕产业转型升级不断完善顶层设计",
    "全力支持新能源汽车信创工程等新兴优势产业链",
    "率先在产业链上建立联合党委全面推进项目建设",
    "优化升级服务激发区域经济发展新动能",
    "在项目招商上并不是一味招大引强而是瞄准产业价值链中高端",
    "梳理出与产业相匹配的世界五百强中国五百强民营五百强央企以及行业领军企业",
    "二零二零年全区新签项目一百六十二个累计合同引资额四百六十亿元",
    "市政府召开常务会议研究部署近期重点工作",
    "会议强调要坚持稳中求进工作总基调统筹发展和安全",
    "全市农业农村工作会议召开部署乡村振兴重点任务",
    "今年以来全市新增就业岗位一万两千个城镇登记失业率保持低位",
    "区卫生健康局组织开展义诊活动为群众送去健康服务",
    "交通部门提醒市民节假日期间合理安排出行时间",
    "教育局发布中小学招生入学工作方案明确划片范围",
    "公安机关开展打击电信网络诈骗专项行动成效明显",
    "气象台发布暴雨蓝色预警提醒做好防范工作",
    "文化旅游节开幕吸引大批游客前来观光体验",
    "生态环境局通报一季度空气质量优良天数比例",
    "园区企业加快技术改造推动制造业高端化智能化绿色化发展",
    "社区志愿者走访慰问困难群众送去米面油等生活物资",
]


def article_paragraphs(seed: int, n: int = 6) -> list[str]:
    """n distinct paragraphs for article number ``seed`` (deterministic, different seeds differ)."""
    out = []
    for i in range(n):
        a = SENTENCES[(seed * 7 + i * 3) % len(SENTENCES)]
        b = SENTENCES[(seed * 11 + i * 5 + 1) % len(SENTENCES)]
        out.append(f"第{seed}号文第{i}段：{a}，{b}。编号{seed * 100 + i}。")
    return out
