"""Generate the demo's sample news site into ``crawler/demo/site/`` (deterministically; the output is committed).

    python -m crawler.demo.make_site

One host carries five portals under their own paths, each in the layout of a CMS family seen on Chinese
regional sites, so that one crawl shows every difficulty the project handles:

- ``/zz/``   青石新闻网, a regional portal like the seed page: ``站名|标题`` titles, one metadata line,
  a 责编/初审/二审/终审 footer; one story published at two paths and linked with ``?utm_source=``.
- ``/gov/``  青石市人民政府, TRS-style government portal: ``标题_青石市人民政府``, view count loaded by script.
- ``/old/``  白沙新闻网, an old table layout in GB2312 over GBK/GB18030 bytes; one page served with a
  header charset that contradicts it.
- ``/news/`` 青石晚报, a modern ``<article>`` page with ``<time>``, og: tags and JSON-LD; an RSS feed; a draft
  under the robots.txt-disallowed ``/news/preview/``.
- ``/big5/`` 青石新聞網 繁體版, Big5 (with HKSCS characters), and a Traditional copy of a ``/zz/`` story.

Five pages carry injected spam (title chains, hidden link blocks, keyword lines, spam meta tags); one listing
links to a page that does not exist (404) and one to a path the server answers with 500.

``site/_manifest.json`` tells :mod:`crawler.demo.server` each file's Content-Type, the error paths and which
files name the server's origin, and tells the tests and ``news-archive demo`` what every article is.
"""

from __future__ import annotations

import hashlib
import html
import json
import shutil
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import opencc

from crawler.demo import content
from crawler.demo.content import Story

SITE_DIR = Path(__file__).resolve().parent / "site"
ORIGIN = "__ORIGIN__"  # replaced by the server with http://127.0.0.1:PORT
PAGE_SIZE = 5

HTML_UTF8 = "text/html; charset=utf-8"
HTML_GB = "text/html; charset=gb2312"
HTML_BIG5 = "text/html; charset=big5"

# Taiwan standard forms: what Big5 sites use (為, not 爲), all of it encodable in Big5.
_s2t = opencc.OpenCC("s2tw")

# The injected spam: keyword chains and link blocks as hacked portals show them (hosts are .example, so a
# crawler that wrongly followed them could reach nothing).
SPAM_CHAINS = {
    "casino": "澳门新葡京娱乐场-百家乐在线官网-真人棋牌游戏平台-六合彩开奖结果直播",
    "adult": "日韩无码精品视频-国产偷拍自拍在线观看-午夜成人影院免费看",
    "sports": "皇冠体育投注网址_足球比分即时赔率_线上赌场注册送彩金",
    "adult2": "亚洲精品无码专区 欧美性爱视频在线 人妻少妇中文字幕",
    "macau": "威尼斯人官方网站|澳门银河娱乐|永利皇宫赌场",
}
SPAM_LINKS = [
    ("http://www.amxpj8888.example/", "澳门新葡京"),
    ("http://www.bjl-online.example/", "百家乐技巧"),
    ("http://www.hg0088-bet.example/", "皇冠足球投注"),
    ("http://www.lhc-kj.example/", "六合彩开奖"),
    ("http://www.av-wuma.example/", "无码视频"),
]


@dataclass
class Entry:
    """One article page as the manifest records it."""

    path: str
    section: str
    layout: str
    encoding: str
    content_type: str
    story: Story
    lang: str
    spam: list[str] = field(default_factory=list)
    also_at: list[str] = field(default_factory=list)
    syndicated_from: str | None = None
    parts: list[str] = field(default_factory=list)  # the later pages of a multi-page article


class Site:
    """Collects the files and the manifest, then writes them."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.content_types: dict[str, str] = {}
        self.templated: list[str] = []
        self.articles: list[Entry] = []
        self.listings: list[str] = []

    def add(self, path: str, data: bytes, content_type: str, *, templated: bool = False) -> None:
        assert path.startswith("/") and path not in self.files, path
        self.files[path] = data
        self.content_types[path] = content_type
        if templated:
            self.templated.append(path)

    def add_html(self, path: str, text: str, encoding: str, content_type: str, **kw: Any) -> None:
        # Strict for GB/UTF-8 (a character the page cannot hold is a bug here); Big5 pages write what Big5-HKSCS
        # lacks as numeric character references, as such sites do.
        errors = "xmlcharrefreplace" if encoding == "big5hkscs" else "strict"
        self.add(path, text.encode(encoding, errors), content_type, **kw)


# --- small helpers --------------------------------------------------------------------------------------------


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def hidden_links(style: str) -> str:
    links = "".join(f'<a href="{href}">{esc(label)}</a>' for href, label in SPAM_LINKS)
    return f'<div style="{style}">{links}</div>'


def hidden_links_text() -> str:
    return "".join(label for _, label in SPAM_LINKS)


def png(rgb: tuple[int, int, int], size: int = 16) -> bytes:
    """A small solid-colour PNG, byte-for-byte reproducible."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * size
    ihdr = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(row * size, 9))
        + chunk(b"IEND", b"")
    )


def date_parts(published: str) -> tuple[str, str, str]:
    """("2021", "03", "12") from "2021-03-12 ..." or "2018年04月12日 ..."."""
    digits = published.replace("年", "-").replace("月", "-").replace("日", "")
    y, m, d = digits.split()[0].split("-")
    return y, m, d


def iso_published(published: str) -> str:
    y, m, d = date_parts(published)
    time = published.split()[1]
    return f"{y}-{m}-{d}T{time}+08:00"


def teaser(story: Story, n: int = 46) -> str:
    first = next(p for p in story.paragraphs if not p.startswith("## "))
    return first[:n] + "……"


def pages_of(items: list[Any]) -> list[list[Any]]:
    return [items[i : i + PAGE_SIZE] for i in range(0, len(items), PAGE_SIZE)]


def page_name(i: int) -> str:
    return "index.html" if i == 0 else f"index_{i}.html"


def pager(
    n_pages: int, i: int, words: tuple[str, str, str, str] = ("首页", "上一页", "下一页", "尾页")
) -> str:
    first, prev, nxt, last = words
    parts = [f'<a href="{page_name(0)}">{first}</a>']
    if i > 0:
        parts.append(f'<a href="{page_name(i - 1)}">{prev}</a>')
    for k in range(n_pages):
        parts.append(f"<span>{k + 1}</span>" if k == i else f'<a href="{page_name(k)}">{k + 1}</a>')
    if i < n_pages - 1:
        parts.append(f'<a href="{page_name(i + 1)}">{nxt}</a>')
    parts.append(f'<a href="{page_name(n_pages - 1)}">{last}</a>')
    return '<div class="page">' + " ".join(parts) + f" 共{n_pages}页</div>"


# --- 青石新闻网 (/zz/): the regional portal ---------------------------------------------------------------------

ZZ_NAME = "青石新闻网"
ZZ_NAV = (
    '<div class="nav"><a href="/zz/index.html">首页</a> <a href="/zz/index.html">时政</a> '
    '<a href="/zz/index.html">经济</a> <a href="/zz/index.html">社会</a> <a href="/zz/index.html">文化</a> '
    '<a href="/big5/index.html">繁體</a> <a href="/index.html">青石网</a></div>'
)
ZZ_FOOTER = (
    '<div class="footer"><p>主办：青石市融媒体中心 版权所有 未经授权禁止转载</p>'
    "<p>青ICP备05001234号-1 互联网新闻信息服务许可证：43120180012</p></div>"
)


def zz_path(story: Story) -> str:
    y, m, d = date_parts(story.published)
    return f"/zz/{y}/{m}{d}/{story.key}.html"


def zz_article(story: Story, *, spam: str | None = None) -> tuple[str, list[str]]:
    removed: list[str] = []
    title = f"{ZZ_NAME}|{story.title}"
    top = ""
    if spam == "seed":
        # As on the seed page: a keyword line at the top of the page and a chain before the site name.
        chain = SPAM_CHAINS["adult2"]
        top = f'<div class="topline">{esc(chain)}</div>\n'
        title = f"{SPAM_CHAINS['sports']}_{title}"
        removed = [SPAM_CHAINS["sports"], chain]
    paras = []
    for p in story.paragraphs:
        if p.startswith("## "):
            paras.append(f"<p><strong>{esc(p[3:])}</strong></p>")
        else:
            paras.append(f"<p>\u3000\u3000{esc(p)}</p>")
    if story.image:
        img = f"/zz/uploads/{story.key}_1.png"
        paras.insert(
            1,
            f'<p style="text-align:center"><img src="{img}" border="0"></p>'
            f'<p style="text-align:center">{esc(story.image)}</p>',
        )
    c = story.credits
    meta = (
        f"{story.published}&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;来源:{esc(story.source)} | 编辑:{esc(story.editor or '')}"
        f" | 作者:{esc(story.author or '')}&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;浏览量:{story.views}"
    )
    page = f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{esc(title)}</title>
<meta name="keywords" content="青石,新闻,{esc(story.title[:6])}">
<link rel="stylesheet" href="/zz/css/style.css">
</head>
<body>
{top}<div class="header"><a href="/zz/index.html"><b>{ZZ_NAME}</b></a> 青石人自己的新闻门户</div>
{ZZ_NAV}
<div class="position">您当前的位置：<a href="/zz/index.html">首页</a> &gt; <a href="/zz/index.html">新闻</a></div>
<div class="content-box">
<h1>{esc(story.title)}</h1>
<div class="info">{meta}</div>
<div class="font-size">字号：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a></div>
<div class="content" id="content">
{chr(10).join(paras)}
<p>责编：{esc(c.get("responsible_editor", ""))}</p>
<p>初审：{esc(c.get("first_review", ""))}&nbsp;&nbsp;&nbsp;二审：{esc(c.get("second_review", ""))}&nbsp;&nbsp;&nbsp;终审：{esc(c.get("final_review", ""))}</p>
</div>
<div class="source">来源：{esc(story.source)}</div>
<div class="app"><a href="/zz/index.html">下载APP</a></div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a></div>
<div class="related"><h3>相关新闻</h3><ul>{{related}}</ul></div>
</div>
{ZZ_FOOTER}
</body>
</html>
"""
    return page, removed


def zz_listing(entries: list[Entry], i: int, n_pages: int, extra: str = "") -> str:
    items = "\n".join(
        f'<li><a href="{e.path}">{esc(e.story.title)}</a><p>{esc(teaser(e.story))}</p>'
        f"<span>{e.story.published[:10]}</span></li>"
        for e in entries
    )
    return f"""<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>新闻_{ZZ_NAME}</title></head>
<body>
<div class="header"><b>{ZZ_NAME}</b></div>
{ZZ_NAV}
<div class="position">您当前的位置：<a href="/zz/index.html">首页</a> &gt; 新闻</div>
<ul class="list">
{items}
{extra}
</ul>
{pager(n_pages, i)}
{ZZ_FOOTER}
</body>
</html>
"""


# --- 青石市人民政府 (/gov/): TRS-style government portal ---------------------------------------------------------

GOV_NAME = "青石市人民政府"
GOV_DIR = "/gov/xwdt/zwyw/"


def gov_path(story: Story) -> str:
    y, m, _ = date_parts(story.published)
    return f"{GOV_DIR}{y}{m}/{story.key}.html"


def gov_header() -> str:
    return f"""<div class="top">欢迎访问{GOV_NAME}门户网站 <a href="#">无障碍</a> <a href="#">长者模式</a></div>
<div class="header"><img src="/gov/images/logo.png" alt="{GOV_NAME}"></div>
<div class="nav"><a href="/gov/xwdt/zwyw/index.html">首页</a> <a href="{GOV_DIR}index.html">新闻动态</a>
<a href="{GOV_DIR}index.html">政务公开</a> <a href="{GOV_DIR}index.html">政务服务</a> <a href="{GOV_DIR}index.html">互动交流</a></div>"""


GOV_FOOTER = f"""<div class="footer">
<p>主办：{GOV_NAME}办公室 承办：青石市大数据中心</p>
<p>地址：青石市临江区市府路1号 邮编：412000 网站标识码：4302000001</p>
<p>青ICP备05000001号 青公网安备 43020002000101号</p>
</div>"""


def gov_article(story: Story, *, spam: str | None = None) -> tuple[str, list[str]]:
    removed: list[str] = []
    title = f"{story.title}_{GOV_NAME}"
    hidden = ""
    if spam == "title":
        # The <title> replaced by a chain; the real headline survives only in the <h1> and ArticleTitle.
        title = SPAM_CHAINS["casino"]
        hidden = hidden_links("position:absolute;left:-9999px;top:-9999px") + "\n"
        removed = [SPAM_CHAINS["casino"], hidden_links_text()]
    paras = "\n".join(f'<p style="text-indent:2em;">{esc(p)}</p>' for p in story.paragraphs)
    author = f"<span>作者：{esc(story.author)}</span>" if story.author else ""
    doc_id = story.key.rsplit("_", 1)[1]
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{esc(title)}</title>
<meta name="SiteName" content="{GOV_NAME}">
<meta name="SiteDomain" content="www.qingshi.gov.example">
<meta name="ColumnName" content="政务要闻">
<meta name="ArticleTitle" content="{esc(story.title)}">
<meta name="PubDate" content="{story.published}">
<meta name="ContentSource" content="{esc(story.source)}">
<link rel="stylesheet" href="/gov/css/common.css">
</head>
<body>
{hidden}{gov_header()}
<div class="position">当前位置：<a href="{GOV_DIR}index.html">首页</a> &gt; <a href="{GOV_DIR}index.html">新闻动态</a> &gt; <a href="{GOV_DIR}index.html">政务要闻</a></div>
<div class="article">
<h1 class="article-title">{esc(story.title)}</h1>
<div class="article-info">
<span>发布时间：{story.published}</span>
<span>来源：{esc(story.source)}</span>
{author}
<span>浏览次数：<span id="fwcs"></span></span>
<script>$.get("/gov/counter/{doc_id}", function (n) {{ $("#fwcs").text(n); }});</script>
<span>【字体：<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a>】</span>
</div>
<div class="article-content" id="zoom">
<div class="TRS_Editor"><div class="TRS_Editor">
{paras}
</div></div>
</div>
<div class="article-editor">【责任编辑：{esc(story.editor or "")}】</div>
<div class="article-tools"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
<div class="relevant"><h4>相关文章</h4><ul>{{related}}</ul></div>
</div>
{GOV_FOOTER}
</body>
</html>
"""
    return page, removed


def gov_listing(entries: list[Entry], i: int, n_pages: int, extra: str = "") -> str:
    items = "\n".join(
        f'<li><a href="{e.path}" title="{esc(e.story.title)}">{esc(e.story.title)}</a>'
        f"<span>{e.story.published[:10]}</span></li>"
        for e in entries
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>政务要闻_{GOV_NAME}</title></head>
<body>
{gov_header()}
<div class="position">当前位置：<a href="{GOV_DIR}index.html">首页</a> &gt; 新闻动态 &gt; 政务要闻</div>
<div class="list"><ul>
{items}
{extra}
</ul></div>
<script>createPageHTML({n_pages}, {i}, "index", "html");</script>
{pager(n_pages, i)}
{GOV_FOOTER}
</body>
</html>
"""


# --- 白沙新闻网 (/old/): old table layout, GB2312 declared ------------------------------------------------------

OLD_NAME = "白沙新闻网"
OLD_LIST = "/old/list/"


def old_path(story: Story) -> str:
    y, m, d = date_parts(story.published)
    return f"/old/html/{y}/{m}{d}/{story.key}.html"


OLD_TOP = f"""<table width="960" border="0" align="center" cellpadding="0" cellspacing="0">
<tr><td height="90" background="/old/images/top_bg.gif"><font size="5"><b>{OLD_NAME}</b></font></td></tr>
<tr><td class="nav" height="30"><a href="{OLD_LIST}index.html">首页</a> | <a href="{OLD_LIST}index.html">白沙要闻</a> | <a href="{OLD_LIST}index.html">乡镇动态</a> | <a href="{OLD_LIST}index.html">图片新闻</a> | <a href="{OLD_LIST}index.html">专题专栏</a></td></tr>
</table>"""
OLD_BOTTOM = """<table width="960" border="0" align="center"><tr><td align="center" class="copyright">
版权所有：中共白沙县委宣传部 白沙县融媒体中心&nbsp;&nbsp;联系电话：0731-25551234<br>
青ICP备06002345号&nbsp;&nbsp;建议使用1024×768分辨率浏览
</td></tr></table>"""


def old_part_path(story: Story, part: int) -> str:
    """Page ``part`` (0-based) of an article: 1244.html, then 1244_2.html, as old CMSs number them."""
    return old_path(story) if part == 0 else old_path(story).replace(".html", f"_{part + 1}.html")


def old_article(story: Story, *, spam: str | None = None, part: int = 0) -> tuple[str, list[str]]:
    removed: list[str] = []
    real_title = f"{story.title}--{OLD_NAME}"
    title = real_title
    head_extra = '<meta name="keywords" content="白沙,新闻">'
    script = ""
    hidden = ""
    if spam == "restored":
        # A hacked old site: a spam <title>, spam meta tags, a script that restores the title for visitors and
        # a display:none block of links.
        title = SPAM_CHAINS["adult"]
        head_extra = (
            f'<meta name="keywords" content="{esc(SPAM_CHAINS["macau"])}">\n'
            f'<meta name="description" content="{esc(SPAM_CHAINS["casino"])}">'
        )
        script = f'<script language="javascript">document.title="{esc(real_title)}";</script>\n'
        hidden = hidden_links("display:none") + "\n"
        removed = [SPAM_CHAINS["adult"], SPAM_CHAINS["macau"], SPAM_CHAINS["casino"], hidden_links_text()]
    paragraphs, pages = story.paragraphs, ""
    if story.page_break:
        # A long article split over two pages, with the 第1页 第2页 下一页 pager such CMSs print under the text.
        k = story.page_break
        paragraphs = paragraphs[:k] if part == 0 else paragraphs[k:]
        name = [old_part_path(story, n).rsplit("/", 1)[1] for n in (0, 1)]
        pages = (
            f'<tr><td align="center" class="pages">第1页 <a href="{name[1]}">第2页</a> <a href="{name[1]}">下一页</a></td></tr>\n'
            if part == 0
            else f'<tr><td align="center" class="pages"><a href="{name[0]}">上一页</a> <a href="{name[0]}">第1页</a> 第2页</td></tr>\n'
        )
    paras = "\n".join(f"<p>\u3000\u3000{esc(p)}</p>" for p in paragraphs)
    page = f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{esc(title)}</title>
{head_extra}
{script}<link href="/old/css/css.css" rel="stylesheet" type="text/css">
</head>
<body topmargin="0">
{hidden}{OLD_TOP}
<table width="960" border="0" align="center" cellpadding="0" cellspacing="0">
<tr><td class="weizhi">当前位置：<a href="{OLD_LIST}index.html">首页</a> &gt;&gt; <a href="{OLD_LIST}index.html">白沙要闻</a> &gt;&gt; 正文</td></tr>
<tr><td align="center" height="50"><font class="title">{esc(story.title)}</font></td></tr>
<tr><td align="center" class="info">作者：{esc(story.author or "")}&nbsp;&nbsp;来源：{esc(story.source)}&nbsp;&nbsp;发布时间：{story.published}&nbsp;&nbsp;点击数：{story.views}</td></tr>
<tr><td class="content" id="zoom">
{paras}
</td></tr>
{pages}<tr><td align="right">[编辑：{esc(story.editor or "")}]</td></tr>
<tr><td align="center">【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】【<a href="#">返回顶部</a>】</td></tr>
<tr><td>{{prevnext}}</td></tr>
</table>
{OLD_BOTTOM}
</body>
</html>
"""
    return page, removed


def old_listing(entries: list[Entry], i: int, n_pages: int, extra: str = "") -> str:
    rows = "\n".join(
        f'<tr><td>·<a href="{e.path}" target="_blank">{esc(e.story.title)}</a></td>'
        f'<td width="100">{date_parts(e.story.published)[0]}-{date_parts(e.story.published)[1]}-{date_parts(e.story.published)[2]}</td></tr>'
        for e in entries
    )
    return f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>白沙要闻--{OLD_NAME}</title>
</head>
<body>
{OLD_TOP}
<table width="960" align="center">
{rows}
{extra}
</table>
<table width="960" align="center"><tr><td align="center">{pager(n_pages, i)}</td></tr></table>
{OLD_BOTTOM}
</body>
</html>
"""


# --- 青石晚报 (/news/): modern <article> with JSON-LD ---------------------------------------------------------

NEWS_NAME = "青石晚报"


def news_path(story: Story) -> str:
    return f"/news/{story.key}.html"


def news_nav() -> str:
    return f"""<header class="site-header"><a class="logo" href="/news/index.html">{NEWS_NAME}</a>
<nav><a href="/news/index.html">要闻</a><a href="/news/index.html">民生</a><a href="/news/index.html">财经</a><a href="/news/index.html">文体</a><a href="/news/rss.xml">RSS</a></nav></header>"""


NEWS_FOOTER = f"""<footer class="site-footer"><p>© 2024 {NEWS_NAME}社 版权所有</p><p>青ICP备12003456号</p>
<p>举报电话：0731-12345678</p></footer>"""


def news_article(story: Story, idx: int, *, spam: str | None = None) -> tuple[str, list[str]]:
    removed: list[str] = []
    iso = iso_published(story.published) + ""
    iso_s = iso.replace("+08:00", ":00+08:00")
    url = f"{ORIGIN}{news_path(story)}"
    description = teaser(story, 60)
    keyword_line = ""
    if spam == "keywords":
        # A keyword line injected at the top of the article and a spam description.
        keyword_line = f'<p class="kw">{esc(SPAM_CHAINS["casino"])}</p>\n'
        description = SPAM_CHAINS["sports"]
        removed = [SPAM_CHAINS["casino"], SPAM_CHAINS["sports"]]
    authors = (story.author or "").split()
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.title,
        "datePublished": iso_s,
        "dateModified": iso_s,
        "author": [{"@type": "Person", "name": a} for a in authors],
        "publisher": {"@type": "Organization", "name": NEWS_NAME},
        "mainEntityOfPage": url,
        "inLanguage": "zh-CN",
    }
    if story.image:
        ld["image"] = [f"{ORIGIN}/news/img/{idx}.png"]
    body: list[str] = [keyword_line.rstrip("\n")] if keyword_line else []
    for k, p in enumerate(story.paragraphs):
        if p.startswith("## "):
            body.append(f"<h2>{esc(p[3:])}</h2>")
        else:
            body.append(f"<p>{esc(p)}</p>")
        if k == 0 and story.image:
            body.append(
                f'<figure><img src="/news/img/{idx}.png" alt="{esc(story.image)}" loading="lazy">'
                f"<figcaption>{esc(story.image)}</figcaption></figure>"
            )
    author_html = "记者 " + " ".join(authors)
    page = f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(story.title)} - {NEWS_NAME}</title>
<meta name="description" content="{esc(description)}">
<link rel="canonical" href="{url}">
<link rel="alternate" type="application/rss+xml" title="{NEWS_NAME}" href="/news/rss.xml">
<meta property="og:type" content="article">
<meta property="og:title" content="{esc(story.title)}">
<meta property="og:site_name" content="{NEWS_NAME}">
<meta property="og:url" content="{url}">
<meta property="article:published_time" content="{iso_s}">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
<link rel="stylesheet" href="/news/css/app.css">
</head>
<body>
{news_nav()}
<main class="container">
<nav class="breadcrumb"><a href="/news/index.html">首页</a> / <a href="/news/index.html">要闻</a></nav>
<article class="article">
<h1>{esc(story.title)}</h1>
<div class="byline"><span class="author">{esc(author_html)}</span> <time datetime="{iso_s}">{story.published}</time> <span class="source">来源：{esc(story.source)}</span> <span class="views">阅读 {story.views}</span></div>
<div class="article-body">
{chr(10).join(body)}
<p class="editor">编辑：{esc(story.editor or "")}</p>
</div>
<div class="share-bar"><button>分享</button><button>收藏</button><a href="/news/index.html">打开青石晚报APP，阅读体验更佳</a></div>
</article>
<aside class="related"><h3>相关阅读</h3><ul>{{related}}</ul></aside>
</main>
{NEWS_FOOTER}
</body>
</html>
"""
    return page, removed


def news_listing(entries: list[Entry], i: int, n_pages: int, extra: str = "") -> str:
    items = "\n".join(
        f'<article class="card"><h2><a href="{e.path}">{esc(e.story.title)}</a></h2>'
        f"<p>{esc(teaser(e.story))}</p><time>{e.story.published[:10]}</time></article>"
        for e in entries
    )
    return f"""<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>要闻 - {NEWS_NAME}</title>
<link rel="alternate" type="application/rss+xml" title="{NEWS_NAME}" href="/news/rss.xml"></head>
<body>
{news_nav()}
<main class="container">
<section class="list">
{items}
{extra}
</section>
{pager(n_pages, i)}
</main>
{NEWS_FOOTER}
</body>
</html>
"""


# --- 青石新聞網 繁體版 (/big5/) ----------------------------------------------------------------------------------

BIG5_NAME = "青石新聞網"


def big5_path_for(rel: str) -> str:
    return f"/big5/{rel}.html"


def big5_path(story: Story) -> str:
    y, _, _ = date_parts(story.published)
    return big5_path_for(f"{y}/{story.key}")


def t(text: str) -> str:
    return _s2t.convert(text)


BIG5_NAV = t(
    '<div id="nav"><a href="/big5/index.html">首页</a> | <a href="/big5/index.html">本地新闻</a> | '
    '<a href="/big5/index.html">港澳台</a> | <a href="/big5/index.html">文化旅游</a> | <a href="/zz/index.html">简体版</a></div>'
)
BIG5_FOOTER = t(
    '<div id="footer">青石新闻网 繁体版 版权所有 未经许可不得转载<br>青ICP备05001234号-2 联系我们 广告服务</div>'
)


def big5_article(
    story: Story, *, spam: str | None = None, note: str | None = None, credits: dict[str, str] | None = None
) -> tuple[str, list[str]]:
    removed: list[str] = []
    title = f"{t(story.title)} - {BIG5_NAME}"
    hidden = ""
    if spam == "zero":
        # A chain after the real title and a zero-size block of links.
        title = f"{title}_{t(SPAM_CHAINS['casino'])}"
        hidden = t(hidden_links("height:0;width:0;overflow:hidden")) + "\n"
        removed = [t(SPAM_CHAINS["casino"]), t(hidden_links_text())]
    paras = [f"<p>{esc(t(p))}</p>" for p in story.paragraphs]
    if note:
        paras.append(f"<p>{esc(t(note))}</p>")
    c = credits or story.credits
    credit_line = t(
        f"责编：{c.get('responsible_editor', '')}　初审：{c.get('first_review', '')}　"
        f"二审：{c.get('second_review', '')}　终审：{c.get('final_review', '')}"
    )
    y, m, d = date_parts(story.published)
    date = f"{y}/{int(m)}/{int(d)} {story.published.split()[1]}"
    views = f"{story.views:,}" if story.views is not None else ""
    page = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=big5" />
<title>{esc(title)}</title>
<link href="/big5/css/main.css" rel="stylesheet" type="text/css" />
</head>
<body>
{hidden}<div id="top"><a href="/big5/index.html">{BIG5_NAME} 繁體版</a></div>
{BIG5_NAV}
<div id="main">
<div class="where">{t("您现在的位置")}：<a href="/big5/index.html">{t("首页")}</a> &gt; {t("本地新闻")}</div>
<div class="news_title"><h2>{esc(t(story.title))}</h2></div>
<div class="news_info">{t("发布日期")}：{date}　{t("来源")}：{esc(t(story.source))}　{t("撰稿")}：{esc(t(story.author or ""))}　{t("编辑")}：{esc(t(story.editor or ""))}　{t("点阅次数")}：{views}</div>
<div class="news_txt">
{chr(10).join(paras)}
<p>{esc(credit_line)}</p>
</div>
<div class="news_tool">【<a href="javascript:window.print()">{t("列印")}</a>】【<a href="javascript:window.close()">{t("关闭")}</a>】</div>
<div class="news_more"><h3>{t("延伸阅读")}</h3><ul>{{related}}</ul></div>
</div>
{BIG5_FOOTER}
</body>
</html>
"""
    return page, removed


def big5_listing(entries: list[Entry], i: int, n_pages: int, extra: str = "") -> str:
    items = "\n".join(
        f'<li><a href="{e.path}">{esc(t(e.story.title))}</a> <span>({e.story.published[:10]})</span></li>'
        for e in entries
    )
    return f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=big5" />
<title>{t("本地新闻")} - {BIG5_NAME}</title>
</head>
<body>
<div id="top">{BIG5_NAME} 繁體版</div>
{BIG5_NAV}
<ul class="list">
{items}
{extra}
</ul>
{pager(n_pages, i, (t("首页"), t("上一页"), t("下一页"), t("尾页")))}
{BIG5_FOOTER}
</body>
</html>
"""


# --- assembling the site ---------------------------------------------------------------------------------------

# What each section is, for the demo's summary: name, layout, encoding, listing directory.
SECTIONS = {
    "zz": {"name": "青石新闻网", "layout": "regional portal (seed-like)", "encoding": "UTF-8", "dir": "/zz/"},
    "gov": {"name": "青石市人民政府", "layout": "TRS-style gov portal", "encoding": "UTF-8", "dir": GOV_DIR},
    "old": {"name": "白沙新闻网", "layout": "old table layout", "encoding": "GB2312/GBK", "dir": OLD_LIST},
    "news": {
        "name": "青石晚报",
        "layout": "modern <article> + JSON-LD",
        "encoding": "UTF-8",
        "dir": "/news/",
    },
    "big5": {
        "name": "青石新聞網 繁體版",
        "layout": "Big5 Traditional",
        "encoding": "Big5-HKSCS",
        "dir": "/big5/",
    },
}

# Which page carries which kind of spam (by section and story key).
SPAM_AT = {
    ("zz", "c3893"): "seed",
    ("gov", "t20220218_1106588"): "title",
    ("old", "1230"): "restored",
    ("news", "2024/08/waste-sorting-points"): "keywords",
    ("big5", "0705/n2360"): "zero",
}
EXACT_COPY_KEY = "c3812"  # published at a second path, and linked with tracking parameters
EXACT_COPY_PATH = "/zz/content/2021-03/12/content_3812.htm"
UTM_QUERY = "?utm_source=wechat&utm_medium=share"
CONTRADICTING_KEY = "1258"  # an old GBK page the server labels utf-8
HKSCS_KEY = "0607/n2301"
BROKEN_LINK = f"{GOV_DIR}202204/t20220401_1107500.html"  # linked, does not exist: 404
SERVER_ERROR = "/zz/2021/0620/c3911.html"  # linked, the server answers 500
DISALLOWED_DIR = "/news/preview/"
DISALLOWED_PAGE = f"{DISALLOWED_DIR}2024-11-draft.html"


def fill_related(page: str, section: list[Entry], me: Entry, encode_t: bool = False) -> str:
    """Related links and previous/next: real sites put other articles' titles on every article page."""
    others = [e for e in section if e is not me][:3]
    related = "".join(
        f'<li><a href="{e.path}">{esc(t(e.story.title) if encode_t else e.story.title)}</a></li>'
        for e in others
    )
    pos = section.index(me)
    prev = section[pos - 1] if pos > 0 else None
    nxt = section[pos + 1] if pos + 1 < len(section) else None
    pn = (
        f'上一篇：<a href="{prev.path}">{esc(prev.story.title)}</a><br>' if prev else "上一篇：没有了<br>"
    ) + (f'下一篇：<a href="{nxt.path}">{esc(nxt.story.title)}</a>' if nxt else "下一篇：没有了")
    return page.replace("{related}", related).replace("{prevnext}", pn)


def build() -> Site:
    site = Site()
    sections: dict[str, list[Entry]] = {}

    def entry(section: str, layout: str, path: str, story: Story, enc: str, ctype: str, lang: str) -> Entry:
        e = Entry(path, section, layout, enc, ctype, story, lang)
        sections.setdefault(section, []).append(e)
        return e

    for s in content.ZZ:
        entry("zz", "regional-portal", zz_path(s), s, "utf-8", HTML_UTF8, "zh-Hans")
    for s in content.GOV:
        entry("gov", "trs-gov-portal", gov_path(s), s, "utf-8", HTML_UTF8, "zh-Hans")
    for s in content.OLD:
        ctype = HTML_UTF8 if s.key == CONTRADICTING_KEY else HTML_GB
        entry("old", "gbk-table", old_path(s), s, "gb18030", ctype, "zh-Hans")
    for s in content.NEWS:
        entry("news", "modern-jsonld", news_path(s), s, "utf-8", HTML_UTF8, "zh-Hans")
    for s in content.BIG5:
        entry("big5", "big5-traditional", big5_path(s), s, "big5hkscs", HTML_BIG5, "zh-Hant")
    original = next(s for s in content.ZZ if s.key == content.SYNDICATED_KEY)
    text = original.text
    for old, new in content.SYNDICATED_EDITS.items():
        assert old in text
        text = text.replace(old, new)
    copy = Story(
        key=content.SYNDICATED_PATH,
        title=original.title,
        published=content.SYNDICATED_PUBLISHED,
        source=original.source,
        author=original.author,
        editor=content.SYNDICATED_CREDITS["responsible_editor"],
        views=content.SYNDICATED_VIEWS,
        text=text,
        credits=content.SYNDICATED_CREDITS,
    )
    syn = entry("big5", "big5-traditional", big5_path_for(copy.key), copy, "big5hkscs", HTML_BIG5, "zh-Hant")
    syn.syndicated_from = zz_path(original)
    # The Big5 listing shows the newest first, the reprint last (it is the oldest).
    sections["big5"].sort(key=lambda e: e.story.published, reverse=True)

    for name, entries in sections.items():
        for idx, e in enumerate(entries):
            spam = SPAM_AT.get((name, e.story.key))
            if name == "zz":
                page, e.spam = zz_article(e.story, spam=spam)
            elif name == "gov":
                page, e.spam = gov_article(e.story, spam=spam)
            elif name == "old":
                page, e.spam = old_article(e.story, spam=spam)
                if e.story.page_break:
                    part, _ = old_article(e.story, spam=spam, part=1)
                    e.parts = [old_part_path(e.story, 1)]
                    site.add_html(e.parts[0], fill_related(part, entries, e), e.encoding, e.content_type)
            elif name == "news":
                page, e.spam = news_article(e.story, idx, spam=spam)
            else:
                is_copy = e is syn
                page, e.spam = big5_article(
                    e.story,
                    spam=spam,
                    note=content.SYNDICATED_NOTE if is_copy else None,
                    credits=content.SYNDICATED_CREDITS if is_copy else None,
                )
            page = fill_related(page, entries, e, encode_t=(name == "big5"))
            site.add_html(e.path, page, e.encoding, e.content_type, templated=(name == "news"))
            if name == "zz" and e.story.key == EXACT_COPY_KEY:
                site.add(EXACT_COPY_PATH, site.files[e.path], e.content_type)
                e.also_at = [EXACT_COPY_PATH]
            if e.story.image:
                target = f"/news/img/{idx}.png" if name == "news" else f"/zz/uploads/{e.story.key}_1.png"
                colour = hashlib.sha1(e.path.encode()).digest()[:3]
                site.add(target, png((colour[0], colour[1], colour[2])), "image/png")
            site.articles.append(e)

    listing_dirs = {"zz": "/zz/", "gov": GOV_DIR, "old": OLD_LIST, "news": "/news/", "big5": "/big5/"}
    renderers = {"zz": zz_listing, "gov": gov_listing, "old": old_listing, "news": news_listing}
    extras = {
        "zz": f'<li><a href="{SERVER_ERROR}">青石市召开2021年上半年经济运行分析会</a><span>2021-06-20</span></li>',
        "gov": f'<li><a href="{BROKEN_LINK}">关于开展2022年度安全生产大检查的通知</a><span>2022-04-01</span></li>',
        "news": f'<article class="card"><h2><a href="{DISALLOWED_PAGE}">【预览】冬季文旅消费季活动方案（草稿）</a></h2></article>',
    }
    for name, entries in sections.items():
        chunks = pages_of(entries)
        for i, chunk in enumerate(chunks):
            extra = extras.get(name, "") if i == len(chunks) - 1 else ""
            path = listing_dirs[name] + page_name(i)
            if name == "big5":
                site.add_html(path, big5_listing(chunk, i, len(chunks), extra), "big5hkscs", HTML_BIG5)
            elif name == "old":
                # The old server sends no charset for listings: only the <meta> tells.
                site.add_html(path, old_listing(chunk, i, len(chunks), extra), "gb18030", "text/html")
            else:
                site.add_html(path, renderers[name](chunk, i, len(chunks), extra), "utf-8", HTML_UTF8)
            site.listings.append(path)

    site.add_html(DISALLOWED_PAGE, draft_page(), "utf-8", HTML_UTF8)
    site.add_html("/index.html", home_page(sections), "utf-8", HTML_UTF8)
    site.listings.append("/index.html")
    site.add("/robots.txt", robots_txt().encode(), "text/plain; charset=utf-8", templated=True)
    site.add("/sitemap.xml", sitemap(site).encode(), "application/xml; charset=utf-8", templated=True)
    site.add(
        "/news/rss.xml", rss(sections["news"]).encode(), "application/rss+xml; charset=utf-8", templated=True
    )
    site.add("/gov/images/logo.png", png((200, 30, 30), 32), "image/png")
    return site


def draft_page() -> str:
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>【预览】冬季文旅消费季活动方案（草稿） - {NEWS_NAME}</title>
<meta name="robots" content="noindex"></head>
<body><article><h1>冬季文旅消费季活动方案（草稿）</h1>
<p>本页为编辑部内部预览稿，尚未审核发布。robots.txt 禁止抓取此目录，爬虫不应访问本页。</p>
<p>活动拟于十二月在青江风光带举办冰雪嘉年华、年货市集和非遗展演，具体安排以正式发布为准。</p></article></body></html>
"""


def home_page(sections: dict[str, list[Entry]]) -> str:
    zz_copy = next(e for e in sections["zz"] if e.story.key == EXACT_COPY_KEY)
    heads = [
        f'<li><a href="{zz_copy.path}{UTM_QUERY.replace("&", "&amp;")}">{esc(zz_copy.story.title)}</a></li>',
        f'<li><a href="{EXACT_COPY_PATH}">{esc(zz_copy.story.title)}（经济频道）</a></li>',
    ]
    for name in ("gov", "news", "old"):
        e = sections[name][0]
        heads.append(f'<li><a href="{e.path}">{esc(e.story.title)}</a></li>')
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>青石网 - 青石市综合新闻门户</title>
<link rel="alternate" type="application/rss+xml" title="{NEWS_NAME}" href="/news/rss.xml"></head>
<body>
<div class="header"><h1>青石网</h1><p>青石市综合新闻门户（演示站点，内容为虚构）</p></div>
<div class="nav">
<a href="/zz/index.html">青石新闻网</a>
<a href="{GOV_DIR}index.html">青石市人民政府</a>
<a href="{OLD_LIST}index.html">白沙新闻网</a>
<a href="/news/index.html">青石晚报</a>
<a href="/big5/index.html">青石新聞網 繁體版</a>
</div>
<div class="headlines"><h2>头条</h2><ul>
{chr(10).join(heads)}
</ul></div>
<div class="footer">本站为 news-archive 的演示站点，所有人物、机构和事件均为虚构。</div>
</body>
</html>
"""


def robots_txt() -> str:
    return f"""# 青石网 robots.txt
User-agent: *
Disallow: {DISALLOWED_DIR}
Disallow: /gov/counter/

Sitemap: {ORIGIN}/sitemap.xml
"""


def sitemap(site: Site) -> str:
    urls = "\n".join(
        f"<url><loc>{ORIGIN}{e.path}</loc><lastmod>{iso_published(e.story.published)[:10]}</lastmod></url>"
        for e in site.articles
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{urls}
</urlset>
"""


def rss(entries: list[Entry]) -> str:
    items = "\n".join(
        f"<item><title>{esc(e.story.title)}</title><link>{ORIGIN}{e.path}</link>"
        f"<guid>{ORIGIN}{e.path}</guid><description>{esc(teaser(e.story))}</description></item>"
        for e in entries
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{NEWS_NAME}</title><link>{ORIGIN}/news/index.html</link>
<description>{NEWS_NAME} 要闻</description>
{items}
</channel></rss>
"""


def expected_record(e: Entry) -> dict[str, Any]:
    """The fields a perfect extractor makes of this page, as the SPEC writes them (the demo checks these)."""

    def conv(text: str | None) -> str | None:
        return None if text is None else t(text) if e.lang == "zh-Hant" else text

    s = e.story
    return {
        "title": conv(s.title),
        "published_at": iso_published(s.published),
        "source": conv(s.source),
        "author": conv(s.author),
        "editor": conv(s.editor),
        "views": s.views,  # None where the page loads it by script
    }


def manifest(site: Site) -> dict[str, Any]:
    return {
        "about": "Generated by crawler/demo/make_site.py; do not edit by hand.",
        "content_types": dict(sorted(site.content_types.items())),
        "templated": sorted(site.templated),
        "errors": {SERVER_ERROR: 500},
        "broken_links": [BROKEN_LINK],
        "disallowed": [DISALLOWED_PAGE],
        "listings": sorted(site.listings),
        "utm_variant": f"{zz_path(next(s for s in content.ZZ if s.key == EXACT_COPY_KEY))}{UTM_QUERY}",
        "search_example": {"query": "医院", "traditional": "醫院"},
        "sections": SECTIONS,
        "articles": [
            {
                "path": e.path,
                "section": e.section,
                "layout": e.layout,
                "encoding": e.encoding,
                "content_type": e.content_type,
                "lang": e.lang,
                "title": t(e.story.title) if e.lang == "zh-Hant" else e.story.title,
                "published": e.story.published,
                "spam": e.spam,
                "also_at": e.also_at,
                "syndicated_from": e.syndicated_from,
                "parts": e.parts,
                # Text found only on the later pages: the record of a multi-page article must hold it.
                "parts_text": e.story.paragraphs[e.story.page_break][:16] if e.story.page_break else None,
                "expected": expected_record(e),
            }
            for e in site.articles
        ],
    }


def write(site: Site, root: Path = SITE_DIR) -> None:
    if root.exists():
        shutil.rmtree(root)
    for path, data in sorted(site.files.items()):
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (root / "_manifest.json").write_text(
        json.dumps(manifest(site), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


def main() -> None:
    site = build()
    write(site)
    print(f"wrote {len(site.files)} files ({len(site.articles)} article pages) to {SITE_DIR}")


if __name__ == "__main__":
    main()
