"""Injected spam: what hacked portals add to otherwise clean pages, found by shape as well as by words.

Three signals, combined so that a clean article is never touched:

* **vocabulary**: porn / gambling / pharma terms that no news article uses in a run (a seed list in both
  scripts; one hit alone decides nothing);
* **shape**: a keyword chain (short segments joined by ``-``, ``_``, ``|``, commas or spaces, no sentence
  punctuation), and no overlap with the article itself;
* **placement**: hidden styling (``display:none``, ``visibility:hidden``, off-screen positions, zero size,
  classes that a ``<style>`` block hides), links to hosts other than the page's own.

Everything removed is reported verbatim (whitespace collapsed) in the record's ``spam`` list.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from archive.extract.text import collapse, remembered_up_to

# Seed vocabulary, Simplified and Traditional. Shape and placement do the generalising; these only confirm.
_TERMS = (
    "无码 無碼 有码 有碼 人妻 少妇 少婦 熟女 一区二区 一區二區 二区三区 精品一区 av女优 AV女優 女优 女優 番号 番號 "
    "成人视频 成人影片 成人電影 成人电影 色情 情色 黄色网站 黃色網站 黄片 黃片 毛片 三级片 三級片 伦理片 倫理片 "
    "激情 乱伦 亂倫 偷拍 自拍偷 福利视频 福利視頻 午夜福利 在线观看视频 国产精品 國產精品 日韩 日韓 欧美精品 "
    "粗硬 进入过程 進入過程 白嫩 巨乳 爆乳 丝袜 絲襪 美女裸 裸体 裸體 做爱 做愛 性爱 性愛 强奸 強姦 口交 "
    "娱乐城 娛樂城 百家乐 百家樂 六合彩 时时彩 時時彩 博彩 赌场 賭場 赌博 賭博 老虎机 老虎機 真人荷官 棋牌游戏 "
    "棋牌遊戲 葡京 威尼斯人 金沙娱乐 金沙娛樂 皇冠体育 皇冠體育 体育投注 體育投注 彩票平台 网投 網投 开户送 開戶送 "
    "注册送 註冊送 首存 彩金 捕鱼 捕魚 电子游艺 電子遊藝 太阳城 太陽城 澳门赌 澳門賭 bet365 "
    "代孕 迷药 迷藥 春药 春藥 催情 伟哥 偉哥 壮阳 壯陽 办证 辦證 私服 外挂 "
    "棋牌 视讯 視訊 线上娱乐 線上娛樂 娱乐平台 娛樂平台 体育平台 體育平台 登录入口 登錄入口 电子娱乐 電子娛樂 真人视讯 "
    "porn porno xxx casino casinos sportsbook slots poker roulette blackjack betting bet365 "
    "escorts camgirls "
    "porn porno xxx casino hentai viagra cialis escort sexcam"
).split()
# Case-sensitive for the Han terms so that re can skip ahead on their first characters (re.I defeats that).
_TERM_RE = re.compile(
    "|".join(re.escape(t) for t in sorted({t for t in _TERMS if not t.isascii()}, key=len, reverse=True))
)
_LATIN_TERM_RE = re.compile(
    r"\b(?:"
    + "|".join(re.escape(t) for t in sorted({t for t in _TERMS if t.isascii()}, key=len, reverse=True))
    + r")\b",
    re.I,
)
# The case-insensitive scan for Latin terms is slow (the regex engine cannot skip ahead under re.I): it runs
# only where a term can match at all. First, a term's first letter must occur (every character re.I takes
# for one, listed case-sensitively so that the engine skips ahead: Chinese text settles it at once); then
# the lower-cased text must hold a term, unless the text holds one of the three characters that re.I takes
# for a term's letter but str.lower() does not turn into it.
_LATIN_TERMS = tuple(sorted({t.lower() for t in _TERMS if t.isascii()}))
_LATIN_TERM_FIRST = re.compile("[BCEHPRSVXbcehprsvx\u017f]")  # ſ: re.I takes it for s
_FOLDS_UNLIKE_LOWER = re.compile("[\u0130\u0131\u017f]")  # İ ı ſ: re.I takes them for i, i, s
_CHAIN_SEP = re.compile(r"\s*[-_|｜,，、/／~～—]+\s*|\s+")
_SENTENCE = re.compile(r"[。！？；!?;]")

_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|"
    r"(?:left|top|right|bottom|text-indent|margin-left|margin-top)\s*:\s*-\d{3,}|"
    r"(?:^|[;\s])(?:width|height)\s*:\s*0(?:px|em|%)?\s*(?:;|$|!)|font-size\s*:\s*0(?:px|em|%)?\s*(?:;|$|!)|"
    r"opacity\s*:\s*0(?:\.0+)?\s*(?:;|$|!)",
    re.I,
)
# The same pattern without case folding, for lower-cased text: the same answer (lower-casing keeps every
# position, and turns every character re.I takes for one of the pattern's letters into that letter) unless
# the text holds one of the three characters re.I folds otherwise (_FOLDS_UNLIKE_LOWER). Several times
# faster: a case-insensitive alternation is tried at every position with folding.
_HIDDEN_STYLE_LOWER = re.compile(_HIDDEN_STYLE.pattern)
# Hiding declarations in a stylesheet, one pattern per property: each starts with a literal, which the
# regex engine finds by fast search, where one alternation is tried at every position (3x slower).
_CSS_HIDING = tuple(
    re.compile(p)
    for p in (
        r"display\s*:\s*none",
        r"visibility\s*:\s*hidden",
        *(rf"{prop}\s*:\s*-\d{{3,}}" for prop in ("left", "top", "text-indent", "margin-left", "margin-top")),
        *(rf"{prop}\s*:\s*0(?:px|em|%)?\s*[;}}!]" for prop in ("width", "height", "font-size")),
    )
)
_SIMPLE_SELECTOR = re.compile(r"^\s*(?:[a-z0-9]*)?([.#])([\w-]+)\s*$", re.I)


# A line is judged by several stages (title, lines, hidden blocks): remembered. A whole page's text (read once
# per page, and up to megabytes) is not: 8192 of them would hold gigabytes.
@remembered_up_to(400, maxsize=8192)
def term_hits(text: str) -> int:
    hits = len(_TERM_RE.findall(text))
    if _may_hold_latin_terms(text):
        hits += len(_LATIN_TERM_RE.findall(text))
    return hits


def _may_hold_latin_terms(text: str) -> bool:
    if not _LATIN_TERM_FIRST.search(text):
        return False
    if _FOLDS_UNLIKE_LOWER.search(text):
        return True
    low = text.lower()
    return any(term in low for term in _LATIN_TERMS)


def chain_segments(text: str) -> list[str]:
    return [s for s in _CHAIN_SEP.split(text) if s]


def is_keyword_chain(text: str) -> bool:
    """Short segments strung together, with no sentence in them: the shape of a keyword-stuffed line."""
    text = collapse(text)
    if not text or _SENTENCE.search(text):
        return False
    segs = chain_segments(text)
    if len(segs) < 3:
        return False
    avg = sum(len(s) for s in segs) / len(segs)
    return 2 <= avg <= 20


def is_spam_text(text: str, article: str = "") -> bool:
    """A line (title, keyword line, meta content) that is injected spam rather than the page's own text.

    Vocabulary alone needs a dense run (several terms, little else); a chain of keywords needs one term and
    must not overlap the article (a chain that repeats the article's own words is a tag line, not spam).
    """
    text = collapse(text)
    if not text:
        return False
    hits = term_hits(text)
    if hits == 0:
        return False
    if article and len(text) >= 4 and text in article:
        return False
    if hits >= 3 and len(text) <= 60 * hits:
        return True
    if hits >= 2 and is_keyword_chain(text):
        segs = [s for s in chain_segments(text) if len(s) >= 2]
        overlap = sum(1 for s in segs if article and s in article)
        return overlap * 2 < len(segs) and hits * 3 >= len(segs)
    return hits >= 2 and len(text) <= 20 * hits


def hidden_selectors(style_texts: list[str]) -> tuple[set[str], set[str]]:
    """Class and id names that the page's own CSS hides (``.x{display:none}``), a common spam trick."""
    classes: set[str] = set()
    ids: set[str] = set()
    for css in style_texts:
        hidden_classes, hidden_ids = _hidden_in_style(css)
        classes |= hidden_classes
        ids |= hidden_ids
    return classes, ids


# A site's pages repeat its <style> blocks, and scanning one for each hiding declaration costs more than
# anything else on most pages' hidden-spam step: what a block hides is remembered for blocks of up to 100,000
# characters (the last 32 of them, 3.2 million characters at most).
@remembered_up_to(100_000, maxsize=32)
def _hidden_in_style(css: str) -> tuple[frozenset[str], frozenset[str]]:
    """The class and id names one <style> block hides."""
    classes: set[str] = set()
    ids: set[str] = set()
    css = css[:300_000].lower()
    # Find the hiding declarations first (one scan for literal-led patterns), then read their selectors.
    for m in (m for pattern in _CSS_HIDING for m in pattern.finditer(css)):
        opening = css.rfind("{", 0, m.start())
        if opening < 0 or css.rfind("}", 0, m.start()) > opening:
            continue  # not inside a rule body
        start = max(css.rfind("}", 0, opening), css.rfind("{", 0, opening)) + 1
        selectors = css[start:opening][-300:]
        for sel in selectors.split(","):
            sm = _SIMPLE_SELECTOR.match(sel)
            if sm:
                (classes if sm.group(1) == "." else ids).add(sm.group(2).lower())
    return frozenset(classes), frozenset(ids)


def hidden_style(style: str) -> bool:
    """Whether an inline style hides its element (_HIDDEN_STYLE finds a hiding declaration)."""
    if _FOLDS_UNLIKE_LOWER.search(style):
        return _HIDDEN_STYLE.search(style) is not None
    return _HIDDEN_STYLE_LOWER.search(style.lower()) is not None


def is_hidden(el: Any, classes: set[str], ids: set[str]) -> bool:
    if el.get("hidden") is not None:
        return True
    style = el.get("style")
    if style and hidden_style(style):
        return True
    if classes:
        cls = el.get("class")
        if cls and not classes.isdisjoint(map(str.lower, cls.split())):  # any hidden one (in C)
            return True
    if ids:
        ident = el.get("id")
        if ident and ident.lower() in ids:
            return True
    return False


# Top-level domains that cost next to nothing and carry most link spam.
_CHEAP_TLDS = frozenset(
    "xyz top vip cc app shop work club bet win icu live site online fun buzz link click cyou casino biz info "
    "loan bid men tk ml ga cf gq pw ws asia ink wang ren".split()
)
_SOCIAL = re.compile(
    r"(?:^|\.)(?:facebook|twitter|x|youtube|linkedin|instagram|pinterest|reddit|tumblr|whatsapp|telegram|"
    r"google|apple|weibo|qq|wechat|weixin|douyin|tiktok|bilibili|zhihu|flipboard|vk|line)\.",
    re.I,
)
_PHRASE = re.compile(r"^[\u4e00-\u9fff\w]{4,24}$(?<![网網报報站台局委厅院部])|^[a-z]+(?: [a-z]+){1,5}$")
_PUBLIC = re.compile(r"\.(?:gov|edu|org|mil|ac)(?:\.[a-z]{2})?$|\.(?:gov|edu)$")


@lru_cache(maxsize=4096)  # a page repeats its link hosts; urlsplit is the cost
def host_of(url: str | None) -> str:
    try:
        host = urlsplit(url or "").hostname or ""
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def _site(host: str) -> str:
    """The registrable-ish part of a host (last two labels, three under a two-letter public suffix)."""
    parts = host.split(".")
    if len(parts) >= 3 and parts[-2] in ("com", "net", "org", "gov", "edu", "co", "ac"):
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


def is_foreign_commercial(host: str, page_host: str) -> bool:
    """A host of another site that is not a public body (government, education, NGO)."""
    return bool(host) and _site(host) != _site(page_host) and not _PUBLIC.search(host)


def is_spam_block(el: Any, text: str, page_host: str, article: str) -> bool:
    """A hidden block that is spam: a run of spam words, or a pile of links to spam-like hosts."""
    if is_spam_text(text, article):
        return True
    links = el.findall(".//a") if len(el) else ([el] if el.tag == "a" else [])
    if len(links) < 3:
        return False  # no pile (spam_link_pile's first test), decided before reading every link's text
    # Hidden, so placement already speaks: anchors that are Chinese keyword phrases (not site names) are
    # enough, where visible rows need throwaway domains or spam words.
    phrases = sum(1 for a in links[:200] if _PHRASE.match(collapse("".join(a.itertext()))))
    return spam_link_pile(links, page_host, term_hits(text), phrases)


def spam_link_pile(links: list[Any], page_host: str, hits: int = 0, phrases: int = 0) -> bool:
    """Three or more links to several unrelated commercial sites, on throwaway domains or with spam words.

    Share buttons (social networks), sister-site menus (ordinary domains, no spam words) and friend links of
    public bodies do not qualify.
    """
    if len(links) < 3:
        return False
    sites: set[str] = set()
    cheap = 0
    count = 0
    for a in links[:200]:
        host = host_of(a.get("href"))
        if not host or not is_foreign_commercial(host, page_host) or _SOCIAL.search(host):
            continue
        count += 1
        sites.add(_site(host))
        if host.rsplit(".", 1)[-1] in _CHEAP_TLDS or re.search(r"\.(?:com|net)\.(?:com|cn)$", host):
            cheap += 1
    if count < 3 or len(sites) < 2 or count * 2 <= len(links):
        return False
    return cheap * 2 >= count or hits >= 1 or (phrases >= 2 and phrases * 2 >= count)
