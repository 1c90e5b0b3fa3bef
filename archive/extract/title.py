"""The article's own headline, from whichever source on the page carries it cleanly.

Sources: ``<h1>`` and title-like elements, ``og:title``/``twitter:title``, JSON-LD ``headline``, a title
restored by script (``document.title = ...``, used by hacked pages), and ``<title>``. ``<title>`` usually
adds the site name (``株洲新聞網|...``, ``..._XX市人民政府``, ``... - 新华网``) and on hacked pages spam; a
candidate that ``<title>`` confirms wins, else the structured ones, else the longest non-site segment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from archive.extract.meta import DATE_RE
from archive.extract.spam import chain_segments, is_keyword_chain, is_spam_text, term_hits
from archive.extract.text import clean

# Separators between a headline and a site or section name in <title>.
_SEP = re.compile(r"\s+[-–—|｜:·•]+\s+|\s*[_|｜]+\s*|\s*--+\s*|\s*——\s*|\s*[-–—]\s*")
_SITE_WORD = re.compile(
    r"(?:网|網|网站|網站|政府|人民政府|新闻|新聞|在线|在線|频道|頻道|门户|門戶|官网|官網|日报|日報|晚报|晚報|时报|時報|"
    r"报|報|手机版|手機版|移动版|移動版|客户端|客戶端|WAP版|官方网站|官方網站|电视台|電視台|广播|廣播|融媒体中心|融媒體中心|中心|首页|首頁|平台|社区|社區|论坛|論壇|博客|百科|"
    r"News|NEWS|Online|Times|Post|Daily|Herald|Journal|Tribune|\.com|\.cn|\.net|\.org|\.tw|\.hk)$"
)
_SECTION_WORD = re.compile(
    r"^(?:正文|首页|首頁|新闻中心|新聞中心|本网原创|国内|國內|国际|國際|要闻|要聞|"
    r".{0,6}(?:动态|動態|新闻|新聞|要闻|要聞|新闻稿|新聞稿|公告|通告|通知|资讯|資訊|发布|發布|快讯|快訊)|"
    r"Opinion|Opinions|News|World|Politics|Business|Sports|Sport|Tech|Technology|Science|Health|Entertainment|"
    r"Culture|Local|Breaking|Breaking News|Latest|Home|Analysis|Commentary|Editorial|Video|Photos)$"
)


_CHANNEL_WORD = re.compile(
    r"(?:财经|財經|科技|体育|體育|娱乐|娛樂|汽车|汽車|房产|房產|时尚|時尚|教育|健康|军事|軍事|文化|旅游|旅遊|订阅|訂閱|号|號)$"
)


@dataclass
class TitleSources:
    html_title: str = ""
    h1: list[str] = field(default_factory=list)
    og: str = ""
    jsonld: str = ""
    script: str = ""
    titled: list[str] = field(default_factory=list)  # elements whose class/id says "title"
    site_name: str = ""
    near: list[str] = field(default_factory=list)  # short lines above the metadata / body, best first
    page_text: str = ""  # every visible line of the page


@dataclass
class TitleResult:
    title: str | None
    spam: list[str]


def _looks_like_site(seg: str, site_name: str) -> bool:
    if site_name and (
        seg == site_name or seg in site_name or site_name in seg and len(seg) <= len(site_name) + 4
    ):
        return True
    if len(seg) <= 8 and _CHANNEL_WORD.search(seg):
        return True  # "网易财经", "新浪体育": a portal's channel
    return len(seg) <= 20 and (bool(_SITE_WORD.search(seg)) or bool(_SECTION_WORD.match(seg)))


def segments(title: str) -> list[str]:
    return [s.strip() for s in _SEP.split(title) if s and s.strip()]


def strip_site(title: str, site_name: str = "", article: str = "") -> str:
    """Drop site-name and section segments from a headline, keeping the headline itself."""
    segs = segments(title)
    if len(segs) <= 1:
        return title
    keep = [s for s in segs if not _looks_like_site(s, site_name)]
    if not keep:
        return max(segs, key=len)
    if len(keep) == 1:
        return keep[0]
    # Several non-site segments: the headline itself may contain a separator; keep the contiguous run.
    first, last = title.find(keep[0]), title.rfind(keep[-1])
    if 0 <= first <= last:
        joined = title[first : last + len(keep[-1])]
        if all(not _looks_like_site(s, site_name) for s in segments(joined)):
            return joined.strip()
    if article:
        # "Headline - Section - powered by X": the segment the page's own text is about.
        return max(keep, key=lambda seg: (_overlap(seg, article) >= 0.6, len(seg)))
    return max(keep, key=len)


def remove_spam_segments(title: str, article: str) -> tuple[str, list[str]]:
    """Split off spam chains placed before or after the real title; return the rest and what was removed."""
    if not title or term_hits(title) == 0:
        return title, []
    clean_parts = [s for s in segments(title) if len(s) >= 6 and term_hits(s) == 0]
    if is_spam_text(title, article) and not clean_parts:
        return "", [title]
    parts = re.split(r"(\s*[-_|｜]+\s*|\s+[-–—]\s+)", title)
    kept: list[str] = []
    removed: list[str] = []
    for i in range(0, len(parts), 2):
        seg = parts[i]
        sep = parts[i + 1] if i + 1 < len(parts) else ""
        # A headline about gambling shares its words with its article; an injected chain shares none.
        if seg and term_hits(seg) and _overlap(seg, article) < 0.6:
            removed.append(seg)
        else:
            kept.append(seg + sep)
    if not removed:
        return title, []
    rest = "".join(kept).strip(" -_|｜,，")
    return rest, removed


def choose_title(src: TitleSources, article: str) -> TitleResult:
    spam: list[str] = []
    html_title = clean(src.html_title)
    html_title, removed = remove_spam_segments(html_title, article)
    if removed and not html_title and src.script:
        html_title = clean(src.script)  # the title the page restores for its readers
    if not removed and src.page_text:
        html_title, chain = _absent_chain(html_title, src)
        if chain:
            spam.append(chain)
    if removed:
        spam.append(clean(src.html_title))
    elif html_title and is_keyword_chain(html_title) and (src.h1 or src.og or src.script or src.jsonld):
        # A keyword chain none of whose words the page shows anywhere, while the page has its own headline:
        # an injected <title>, whatever its vocabulary.
        segs = [x for x in chain_segments(html_title) if len(x) >= 2]
        if segs and not any(x in src.page_text for x in segs) and term_hits(html_title) + 1 >= 1:
            spam.append(html_title)
            html_title = ""
    structured: list[str] = []
    metadata = {clean(src.og), clean(src.jsonld), clean(src.script)}
    for cand in (src.og, src.jsonld, src.script, *src.h1, *src.titled):
        cand = clean(cand)
        if not cand or len(cand) > 300:
            continue
        stripped, bad = remove_spam_segments(cand, article)
        if bad and cand not in metadata:
            continue  # a visible element with spam words: the line checks judge it, not the title picker
        if bad:
            spam.append(cand)
        if stripped:
            structured.append(stripped)

    # 1. A structured candidate that <title> confirms (the headline appears in it): the longest such.
    near = [clean(n) for n in src.near if clean(n)]
    confirmed = [
        c
        for c in structured + [n for n in near if len(n) >= 6]
        if html_title
        and c != html_title
        and (len(c) >= 4 or c in segments(html_title))
        and not (_looks_like_site(c, src.site_name) and len(segments(html_title)) > 1)
        and (c in html_title or _norm(c) in _norm(html_title))
    ]
    if confirmed:
        best = max(confirmed, key=len)
        return TitleResult(strip_site(best, src.site_name), spam)
    # 2. <title> whose headline segment begins a longer structured one (<title> truncated).
    if html_title:
        head = strip_site(html_title, src.site_name)
        for c in structured:
            if (
                len(head) >= 8
                and c.startswith(head.rstrip(".…"))
                and len(c) <= 2 * len(head)
                and not DATE_RE.search(c)
            ):
                return TitleResult(strip_site(c, src.site_name), spam)
    # 3. The page's own metadata (og:title / JSON-LD / script-restored) or a lone <h1>.
    for cand in (src.og, src.jsonld, src.script):
        cand = clean(cand)
        if cand and cand in structured:
            return TitleResult(strip_site(cand, src.site_name), spam)
    h1s = [clean(h) for h in src.h1 if clean(h) in structured]
    h1s = [h for h in h1s if not _looks_like_site(h, src.site_name)]
    if len(h1s) == 1 and len(h1s[0]) >= 4:
        # A portal may print its name in the headline itself (``株洲新聞網|…`` when <title> is spam).
        return TitleResult(strip_site(h1s[0], src.site_name), spam)
    # 4. <title> says nothing about this article (a site name, "显示"): the line above the metadata.
    if near and (
        not html_title
        or _looks_like_site(strip_site(html_title, src.site_name), src.site_name)
        or not (set(html_title) & set("".join(near)) and _overlap(html_title, article) >= 0.5)
    ):
        return TitleResult(strip_site(near[0], src.site_name), spam)
    if html_title:
        return TitleResult(strip_site(html_title, src.site_name, article) or None, spam)
    if h1s:
        return TitleResult(strip_site(h1s[0], src.site_name), spam)
    return TitleResult(None, spam)


_NORM = re.compile(r"[\s\u3000\"“”'‘’《》「」:：,，]+")


def _norm(s: str) -> str:
    return _NORM.sub("", s)


def _overlap(title: str, article: str) -> float:
    """Share of the title's characters that occur in the article: low for a title about something else."""
    chars = [ch for ch in title if not ch.isspace()]
    if not chars or not article:
        return 0.0
    pool = set(article)
    return sum(1 for ch in chars if ch in pool) / len(chars)


_CHAIN_SEP = re.compile(r"(\s*[_|｜]\s*|\s+[-–—]\s+)")  # a keyword chain's separators, kept by split


def _absent_chain(title: str, src: TitleSources) -> tuple[str, str]:
    """Split off a run of two or more keyword segments at either end of <title> that the page never shows.

    ``Headline_Section_Site_kw1_kw2_kw3``: the headline, section and site name appear on the page (or look
    like a site name); injected keywords appear nowhere, whatever their vocabulary.
    """
    parts = _CHAIN_SEP.split(title)
    segs = parts[0::2]
    if len(segs) < 3:
        return title, ""

    def absent(seg: str) -> bool:
        seg = seg.strip()
        return len(seg) >= 4 and seg not in src.page_text and not _looks_like_site(seg, src.site_name)

    for from_end in (True, False):
        idx = list(range(len(segs)))[::-1] if from_end else list(range(len(segs)))
        run = []
        for i in idx:
            if absent(segs[i]):
                run.append(i)
            else:
                break
        if 2 <= len(run) < len(segs):
            lo, hi = min(run), max(run)
            chain = "".join(parts[2 * lo : 2 * hi + 1]).strip()
            rest = "".join(parts[: max(0, 2 * lo - 1)] if from_end else parts[2 * hi + 2 :]).strip()
            return rest, chain
    return title, ""
