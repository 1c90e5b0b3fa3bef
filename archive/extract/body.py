"""The article body: find the content block by text and link density, then keep its paragraphs.

Scoring (in the spirit of Readability, tuned for Chinese): every text line scores by its length and
punctuation, less its share of link text; the score flows to the line's block, its parent and grandparent.
The best block, penalised by its own link density, is the content; siblings as strong as it are added
(articles split over several blocks). Inside it, boilerplate containers (share bars, related lists, comment
boxes, pagers) and boilerplate lines (print/close/font-size prompts, prev/next, copyright and ICP lines) are
dropped. Works on layouts never seen before because nothing here names a site.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from archive.extract.dom import BLOCK_TAGS, HEADING_TAGS, Line, TextLengths, attr_text, lines, tag_of
from archive.extract.dom import text_len as subtree_text_len
from archive.extract.meta import DATE_RE, find_dates
from archive.extract.text import SENTENCE_END, count_punct, occurs_from, remembered_up_to

# class/id words of containers that are never article text.
_BOILER_ATTR = re.compile(
    r"(?:^|[\s_-])(?:share|sharing|social|comment|comments|related|relate|recommend|recommended|recom|"
    r"footer|foot|nav|navbar|menu|breadcrumb|crumb|crumbs|position|location|sidebar|side|aside|widget|"
    r"toolbar|tools|print|pager|pagination|prev|next|tags|tag|keywords|copyright|advert|ads|ad|banner|"
    r"popup|modal|login|subscribe|newsletter|hot|hotnews|rank|ranking|xgxw|xgwz|xglj|tuijian|fenxiang|"
    r"bottom|dibu|daohang|weizhi|mianbao|gotop|backtop|qrcode|ewm|erweima)(?:$|[\s_-]|\d)",
    re.I,
)
# Lines that are page furniture in any layout: the whole line (a row of buttons), how it starts (a pager, a
# disclaimer, a breadcrumb's label), or words anywhere in it (copyright, licence numbers, follow-us prompts).
# Two patterns, not one: the words-anywhere one starts with its words, so a scan skips to where one could
# start instead of trying every alternative at every position.
_BOILER_LINE_START = re.compile(
    r"^(?:【?\s*(?:打印|打印本页|打印本頁|打印文章|关闭|關閉|关闭窗口|關閉窗口|关闭本页|收藏|收藏本页|分享|分享到|"
    r"字号|字號|字体|字體|大\s*中\s*小|返回顶部|返回頂部|返回|顶部|纠错|糾錯|我要纠错|我要糾錯|复制链接|複製鏈接|"
    r"扫一扫|掃一掃|下载APP|下載APP|下载客户端|下載客戶端|点赞|點讚|举报|舉報|评论|評論|更多|相关阅读|相關閱讀|"
    r"相关新闻|相關新聞|相关文章|相關文章|延伸阅读|延伸閱讀|推荐阅读|推薦閱讀|热门推荐|熱門推薦|猜你喜欢|猜你喜歡|"
    r"责任编辑|責任編輯|网站地图|網站地圖|联系我们|聯繫我們|关注|關注|收起|展开全文|展開全文|阅读全文|閱讀全文|查看原文|"
    r"我要跟帖|我要评论|我要評論|评论\s*[(（]\d*[)）]|評論\s*[(（]\d*[)）]|已输入\d+字|点击进入专题[:：]?|图集|圖集|"
    r"特别声明|特別聲明|[-—\s]*THE END[-—\s]*|\+1|"
    r"Print|Close|Share|Related|Advertisement)\s*】?"
    r"[\s:：|｜/【】\[\]>]*)+$|"
    r"^(?:上一篇|下一篇|上一条|下一条|上一頁|下一頁|上一页|下一页|上篇|下篇|前一篇|后一篇|後一篇|Previous|Next)\s*[:：]?|"
    r"^(?:免责声明|免責聲明|声明|聲明)[:：]|"
    r"^(?:当前位置|當前位置|您的位置|您现在的位置|您現在的位置|你的位置|所在位置|位置)\s*[:：]",
    re.I,
)
_BOILER_LINE_ANYWHERE = re.compile(
    r"(?:版权所有|版權所有|Copyright|©|\(c\)\s*\d{4}|ICP备|ICP証|ICP证|ICP備|公网安备|公網安備|增值电信业务|"
    r"未经授权|未經授權|不得转载|不得轉載|禁止转载|禁止轉載|违法和不良信息|违法不良信息|All Rights Reserved)|"
    r"(?:扫描二维码|掃描二維碼|扫码|掃碼|关注.{0,12}(?:微信|公众号|公眾號|客户端|客戶端|APP|微博)|"
    r"下载.{0,10}(?:APP|客户端)|分享到[:：])",
    re.I,
)
# The characters _BOILER_LINE_ANYWHERE's words start with (its alternatives' first characters, with the same
# case folding): where none occurs there is no match, and the search starts at the first that does. Case-
# insensitive patterns are tried at every position without the engine's quick skip, which this restores.
_BOILER_WORD_FIRST = re.compile(r"[版C©(I公增未不禁违A扫掃关下分]", re.I)
_BREADCRUMB = re.compile(r"\S\s*(?:>|>>|»|→|＞|›)\s*\S")


@dataclass
class Block:
    kind: str  # "p", "h", "img"
    text: str = ""
    level: int = 0
    src: str | None = None
    caption: str | None = None
    line: Line | None = None


@dataclass
class Content:
    node: Any
    blocks: list[Block] = field(default_factory=list)
    score: float = 0.0
    text_len: int = 0


def _line_score(line: Line, cjk: bool) -> float:
    own = line.length - line.link_len
    if own < (8 if cjk else 25):
        return 0.0
    punct = count_punct(line.text)
    score = 1.0 + punct + min(own / (40 if cjk else 100), 4.0)
    return score * (1.0 - line.link_density) ** 2


def score_blocks(all_lines: list[Line], cjk: bool, own: dict[Any, float] | None = None) -> dict[Any, float]:
    """Each block's score, flowed from its lines to it and its ancestors; ``own`` (when given) gets each
    block's own lines' scores alone."""
    scores: dict[Any, float] = {}
    for line in all_lines:
        s = _line_score(line, cjk)
        if s <= 0:
            continue
        el = line.block
        if own is not None:
            own[el] = own.get(el, 0.0) + s
        tag = tag_of(el)
        if tag not in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "span", "font", "strong", "b"):
            scores[el] = scores.get(el, 0.0) + s
        parent = el.getparent()
        if parent is not None:
            scores[parent] = scores.get(parent, 0.0) + s
            grand = parent.getparent()
            if grand is not None:
                scores[grand] = scores.get(grand, 0.0) + s / 2
                great = grand.getparent()
                if great is not None:
                    scores[great] = scores.get(great, 0.0) + s / 4
    return scores


# Every text node inside a link under (or at) an element: one XPath call instead of one per link.
_LINK_TEXT = etree.XPath("descendant-or-self::a//text()")


def link_density(node: Any, text_len: int) -> float:
    if not text_len:
        return 1.0
    link_len = len("".join("".join(_LINK_TEXT(node)).split()))
    return min(1.0, link_len / text_len)


def _text_len(node: Any) -> int:
    return subtree_text_len(node)


def best_node(
    all_lines: list[Line],
    cjk: bool,
    scores: dict[Any, float] | None = None,
    own: dict[Any, float] | None = None,
    lengths: TextLengths | None = None,
) -> tuple[Any, float]:
    """The content block and its score; ``scores`` and ``own`` as score_blocks gives them, when the caller
    has them already; ``lengths`` the text lengths measured so far (of the same, unchanged tree)."""
    measure = lengths if lengths is not None else TextLengths()
    if scores is None or own is None:
        own = {}
        scores = score_blocks(all_lines, cjk, own)
    if not scores:
        return None, 0.0
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:30]
    best, best_score = None, 0.0
    for node, score in ranked:
        if score <= best_score:
            break  # a node's final score never exceeds its score: none further down can win
        tl = measure[node]
        final = score * (1.0 - link_density(node, tl))
        if tag_of(node) in ("body", "html"):
            final *= 0.5
        elif tag_of(node) in ("ul", "ol", "dl"):
            final *= 0.6  # a list of items (teasers, a sidebar module) is rarely the story itself
        if _in_comments(node):
            final *= 0.2
        if final > best_score:
            best, best_score = node, final
    if best is not None:
        best = _widen(best, own, measure)
    return best, best_score


def _document_order(elements: Any) -> list[Any]:
    """The elements sorted in document order (by their path of child indexes from the root)."""
    keys: dict[Any, tuple[int, ...]] = {}

    def key(el: Any) -> tuple[int, ...]:
        # Iterative: markup can nest 10,000 deep. Climb to the first ancestor already keyed, then key down.
        chain = []
        while el is not None and el not in keys:
            chain.append(el)
            el = el.getparent()
        got = keys[el] if el is not None else ()
        for child in reversed(chain):
            parent = child.getparent()
            got = keys[child] = got + (parent.index(child),) if parent is not None else ()
        return got

    return sorted(elements, key=key)


def _widen(node: Any, own: dict[Any, float], measure: TextLengths) -> Any:
    """Climb to an ancestor that holds much more article text (bodies split over many sibling blocks).

    Decayed scores favour the block holding the most paragraphs directly; a story cut into twenty
    ``<div class="column">`` wrappers needs their common ancestor.
    """
    # Each scored block's own score counts for itself and for every ancestor up to (not beyond) the first
    # excluded element on the way (comment threads, sidebars and footers are not their ancestors' article
    # text, though an excluded element's own total still counts its text). Blocks are taken in document
    # order, so every total adds the same numbers in the same order as walking the ancestor's subtree would.
    totals: dict[Any, float] = {}
    # Many blocks share ancestors: whether the climb stops at an element is judged once per element, and
    # looked up (one dict lookup instead of reading two attributes) when the next block climbs through it.
    stops: dict[Any, bool] = {}

    def stops_at(el: Any) -> bool:
        stop = stops.get(el)
        if stop is None:
            stop = stops[el] = _excluded_by_hint(el)
        return stop

    def climb_from(el: Any) -> list[Any]:
        """``el`` and its ancestors, up to and with the first one the climb stops at."""
        out = []
        while el is not None:
            out.append(el)
            if stops_at(el):
                break
            el = el.getparent()
        return out

    # score_blocks met the blocks in the order of their first lines, which is document order unless a block
    # holds another (its own text may follow the inner block's): sorted only then.
    # Blocks in a row mostly share their parent (a story's paragraphs): the ancestors a block's score climbs
    # to are found once for the row, and the same numbers are added to each total in the same order.
    last_parent: Any = None
    above: list[Any] = []
    for block in _document_order(own) if _holds_nested(own) else list(own):
        s = own[block]
        totals[block] = totals.get(block, 0.0) + s
        if stops_at(block):
            continue
        parent = block.getparent()
        if parent is not last_parent or not above:
            above, last_parent = climb_from(parent), parent
        for el in above:
            totals[el] = totals.get(el, 0.0) + s

    def total(el: Any) -> float:
        return totals.get(el, 0.0)

    best, best_total = node, total(node)
    cursor = node
    for _ in range(8):
        parent = cursor.getparent()
        if parent is None or tag_of(parent) in ("body", "html"):
            break
        parent_total = total(parent)
        if parent_total <= best_total * 1.05:
            cursor = parent  # a wrapper with nothing else of weight: look further up
            continue
        if (
            parent_total >= 1.35 * best_total
            and link_density(parent, measure[parent]) < 0.15
            and not _in_comments(parent)
        ):
            best, best_total = parent, parent_total
            cursor = parent
            continue
        break
    return best


def _holds_nested(blocks: dict[Any, float]) -> bool:
    """Whether one of ``blocks`` lies inside another: ``any(a in blocks for b in blocks for a in
    b.iterancestors())``, each ancestor looked at once (most blocks share their parent and its ancestors)."""
    clear: set[Any] = set()  # elements neither in blocks nor inside one
    for block in blocks:
        path = []
        el = block.getparent()
        while el is not None and el not in clear:
            if el in blocks:
                return True
            path.append(el)
            el = el.getparent()
        clear.update(path)
    return False


def _excluded_by_hint(el: Any) -> bool:
    """Whether the class or id of ``el`` names a comment thread, sidebar or footer (and no article)."""
    if not (el.get("class") or el.get("id")):
        return False
    return _is_comment_hint(attr_text(el))


# A site's templates give the same few class/id hints on every page ("article", "content", "footer"): each
# judged once (two case-insensitive scans, about 0.6 us, against a lookup).
@remembered_up_to(200, maxsize=4096)
def _is_comment_hint(hint: str) -> bool:
    """A class/id hint (attr_text) naming a comment thread, sidebar or footer, and no article."""
    return bool(_COMMENT_ATTR.search(hint)) and not _ARTICLE_HINT.search(hint)


_COMMENT_ATTR = re.compile(
    r"comment|reply|replies|discuss|disqus|respond|pinglun|talkback|feedback|forum-post|sidebar|widget|footer|copyright",
    re.I,
)


_ARTICLE_HINT = re.compile(r"article|content|post-body|entry")
# A container that is a comment thread by name: the whole class/id token, not "commentary".
_COMMENT_THREAD = re.compile(
    r"(?:^|\s)(?:comments?|comment-?list|replies|pinglun|disqus_thread)(?:$|\s)", re.I
)


def _in_comments(node: Any) -> bool:
    """Reader comments look like articles (prose, punctuation); their containers say what they are."""
    el = node
    for _ in range(4):
        if el is None:
            return False
        hint = attr_text(el)
        if hint.strip() and _is_comment_hint(hint):
            return True
        el = el.getparent()
    return False


def is_boiler_container(el: Any, protect: Any, lengths: TextLengths | None = None) -> bool:
    """A container inside the content that is furniture: hinted by class/id, or a list of links."""
    tag = tag_of(el)
    if tag in ("nav", "aside", "footer", "form"):
        return True
    hint = attr_text(el)
    if hint.strip() and el is not protect and _COMMENT_THREAD.search(hint) and not _ARTICLE_HINT.search(hint):
        return True  # readers' comments under a post: much text, none of it the story's
    if hint.strip() and _BOILER_ATTR.search(hint):
        # Never drop a container that holds the content itself (class="article-content share-wrap").
        return not _holds_much_text(el)
    if tag in ("ul", "ol", "table", "dl", "div") and len(el) >= 3:
        links = el.findall(".//a")
        if len(links) >= 3:
            tl = lengths[el] if lengths is not None else _text_len(el)
            if tl and link_density(el, tl) > 0.6:
                return True
    return False


def _holds_much_text(el: Any) -> bool:
    text = "".join(el.itertext())
    return sum(1 for ch in text if ch in "。！？.!?") >= 4 and len(text) > 300


def _has_boiler_words(text: str) -> bool:
    return occurs_from(_BOILER_WORD_FIRST, _BOILER_LINE_ANYWHERE, text)


def is_boiler_line(text: str) -> bool:
    if len(text) <= 120 and (_BOILER_LINE_START.match(text) or _has_boiler_words(text)):
        return True
    if (
        len(text) <= 80
        and text.count(">") + text.count("»") + text.count("＞")
        >= 2  # counted first: cheaper than the search
        and _BREADCRUMB.search(text)
    ):
        return True
    return False


def content_blocks(
    node: Any,
    cjk: bool,
    extra_skip: Any = None,
    lengths: TextLengths | None = None,
    page_lines: list[Line] | None = None,
) -> list[Block]:
    """Paragraphs, headings and images of the content node, in order, furniture removed.

    ``page_lines``: dom.lines of the whole page (walked to its end, the tree unchanged since), whose lines
    inside the node are read again instead of walking it when they are what walking it would give.
    """

    def skip(el: Any) -> bool:
        if extra_skip is not None and extra_skip(el):
            return True
        tag = tag_of(el)
        if tag == "figcaption":
            return True  # captions belong to the image, not to the text
        if tag in BLOCK_TAGS or tag in ("span", "a", "font"):
            return is_boiler_container(el, node, lengths)
        return False

    out: list[Block] = []
    own = _lines_inside(node, page_lines, skip) if page_lines is not None else None
    for line in own if own is not None else lines(node, skip=skip, with_images=True):
        for img in line.images:
            out.append(Block("img", src=image_src(img), line=line))
        text = line.text
        if not text or (line.length <= 1 and "\u4e00" <= text.strip()[:1] <= "\u9fff"):
            continue  # a lone character is decoration ("今/日/推/荐" set vertically), not a paragraph
        if line.link_density > 0.6 and not (
            (text[-1] in SENTENCE_END and line.length > 30)
            or text.startswith(("附件", "附件：", "Attachment"))
        ):
            continue
        if is_boiler_line(text):
            continue
        if line.heading and line.length <= 80:
            out.append(Block("h", text=text, level=max(2, min(4, line.heading)), line=line))
        else:
            out.append(Block("p", text=text, line=line))
    return out


def _lines_inside(node: Any, page_lines: list[Line], skip: Any) -> list[Line] | None:
    """``list(lines(node, skip, with_images=True))`` read off the page's lines, or None where they differ.

    The page's walk gives the node's own lines, in order and alike, when it opened the node as a block of its
    own (a block tag), with no link or heading around it (which would count its text as link text, or as a
    heading), and when walking the node alone would prune nothing and meet no image: then every line between
    the node's start and end is one whose block lies inside it, and no other line's block does.
    """
    if tag_of(node) not in BLOCK_TAGS or node.tag in ("br", "hr"):
        return None
    for anc in node.iterancestors():
        if anc.tag == "a" or anc.tag in HEADING_TAGS:
            return None
    inside = {node}
    for el in node.iterdescendants():
        if el.tag == "img" or skip(el):
            return None
        inside.add(el)
    first = next((i for i, line in enumerate(page_lines) if line.block in inside), len(page_lines))
    end = first
    while end < len(page_lines) and page_lines[end].block in inside:
        end += 1
    return page_lines[first:end]


_PLACEHOLDER = re.compile(r"^data:|blank|placeholder|loading|lazy|spacer|grey\.gif|pixel\.gif|1x1", re.I)


def image_src(img: Any) -> str | None:
    """The real image of an <img>: lazy loaders keep it in data-src while src holds a placeholder."""
    src = (img.get("src") or "").strip()
    for attr in ("data-src", "data-original", "data-lazy-src", "data-url", "data-actualsrc", "original"):
        lazy = (img.get(attr) or "").strip()
        if lazy and (not src or _PLACEHOLDER.search(src)):
            return lazy
    return src or None


def siblings_like(
    node: Any,
    scores_node: float,
    all_lines: list[Line],
    cjk: bool,
    scores: dict[Any, float] | None = None,
    lengths: TextLengths | None = None,
) -> list[Any]:
    """Siblings of the content node that carry article text as well (split bodies)."""
    parent = node.getparent()
    if parent is None:
        return [node]
    if scores is None:
        scores = score_blocks(all_lines, cjk)
    out = []
    for sib in parent:
        if sib is node:
            out.append(sib)
            continue
        if not isinstance(sib.tag, str):
            continue
        s = scores.get(sib, 0.0)
        if s >= max(10.0, 0.25 * scores_node):
            tl = lengths[sib] if lengths is not None else _text_len(sib)
            if link_density(sib, tl) < 0.2 and not is_boiler_container(sib, node, lengths):
                out.append(sib)
    return out


# A post's own byline or dateline: "由X张贴 @ 2005-06-14", "X 发表于 …", "Posted by X", or a short date line.
_POST_BYLINE = re.compile(
    r"由\s*\S{1,20}?\s*(?:张贴|張貼|发表|發表|发布|發佈)|发表于|發表於|Posted by|Posted on", re.I
)


def _holds_block(el: Any) -> bool:
    """Whether a block element lies inside ``el``: lines break only at block elements, so without one inside
    it is one line, never a post."""
    return any(tag_of(d) in BLOCK_TAGS for d in el.iterdescendants())


def _post_shape(el: Any, cjk: bool) -> tuple[bool, int]:
    """Whether ``el`` looks like one post of a blog page or thread, and how much prose it holds.

    A post opens with a short title-ish line and carries a byline or dateline of its own (header or
    footer); its prose is real text, not a teaser under a headline link.
    """
    if not _holds_block(el):
        return False, 0
    got = list(lines(el))
    if len(got) < 2:
        return False, 0
    prose = sum(ln.length - ln.link_len for ln in got if ln.length >= (8 if cjk else 25))
    if prose < (150 if cjk else 400):
        return False, prose
    # The title may share its line with the date ("标题 2006-05-20 21:14"): what is left must be a few words.
    titled = any(
        ln.length <= 80 and ln.text[-1] not in SENTENCE_END and len(DATE_RE.sub("", ln.text).strip()) >= 2
        for ln in got[:3]
    )
    dated = any(
        ln.length <= 120 and (_POST_BYLINE.search(ln.text) or find_dates(ln.text))
        for ln in got[:4] + got[-4:]
    )
    return titled and dated, prose


def _fingerprint(el: Any) -> tuple[str, frozenset[str]]:
    """Tag and class of an element, with the tag/class pairs of its descendants: a post template's shape."""
    inner = set()
    for i, d in enumerate(el.iter()):
        if i > 400:
            break
        if d is not el and isinstance(d.tag, str) and d.get("class"):
            inner.add(f"{d.tag}.{d.get('class')}")
    return f"{tag_of(el)}.{el.get('class') or ''}", frozenset(inner)


def _post_text(cjk: bool) -> int:
    """The least text (characters but spaces) a post of a run holds."""
    return 150 if cjk else 400


def _first_of_run(container: Any, cjk: bool, holding: Any = None, lengths: TextLengths | None = None) -> Any:
    """The first of two or more alike post-shaped children that hold most of ``container``'s text.

    With ``holding``, only a run one of whose posts holds that element counts.
    """
    measure = lengths if lengths is not None else TextLengths()
    least = _post_text(cjk)
    # Only children that can be posts are grouped (_post_shape needs a block inside, so an element inside
    # first of all): a run is two or more of them holding 60% of the text, so at most one group makes one,
    # and leaving the others out changes neither it nor its order. Without two children holding elements
    # (a block of plain paragraphs, most containers looked at) nothing is measured at all.
    kids = [k for k in [k for k in container if isinstance(k.tag, str)][:200] if len(k)]
    if len(kids) < 2:
        return None
    if measure[container] < 2 * least:
        return None  # too little text for two posts: decided without measuring the children
    big = [k for k in kids if measure[k] >= least and _holds_block(k)]
    if len(big) < 2:
        return None  # the common case, decided without reading any line
    big = [k for k in big if not _in_comments(k)]
    total = measure[container] or 1
    # Group by template first (cheap), and judge the post shape (which reads every line) only of groups
    # that could still make a run: two or more alike children holding most of the text.
    alike: dict[tuple[str, frozenset[str]], list[Any]] = {}
    for k in big:
        alike.setdefault(_fingerprint(k), []).append(k)
    for group in alike.values():
        if len(group) < 2 or sum(measure[k] for k in group) < 0.6 * total:
            continue
        run = [k for k in group if _post_shape(k, cjk)[0]]
        if len(run) < 2 or sum(measure[k] for k in run) < 0.6 * total:
            continue
        if holding is None or any(k is holding or k in holding.iterancestors() for k in run):
            first = run[0]
            if link_density(first, measure[first]) < 0.3:
                return first
    return None


def first_post(node: Any, cjk: bool, lengths: TextLengths | None = None) -> Any:
    """When the content is a run of alike posts (a blog's latest posts, a thread), the first post.

    The page's own title, byline and date belong to the post on top; the longest one is usually an
    older post further down. Looks at the content node, a few levels into it and a few above it.
    """
    if lengths is None:
        lengths = TextLengths()  # a child measured here is the next container looked at
    least = 2 * _post_text(cjk)  # the text _first_of_run needs in a container first
    # An element with less text than that holds none in any descendant: those are visited without measuring
    # them or calling _first_of_run (which finds nothing there), counting against the bound all the same.
    queue: deque[tuple[Any, int, bool]] = deque([(node, 0, False)])
    visited = 0
    while queue and visited < 80:  # bounded work on pages with huge content blocks
        el, depth, small = queue.popleft()
        visited += 1
        # _first_of_run finds nothing among fewer than two children: such an element is not measured, and
        # its children, not known to be small, measure themselves.
        if not small and len(el) >= 2:
            small = lengths[el] < least
            if not small:
                found = _first_of_run(el, cjk, lengths=lengths)
                if found is not None:
                    return found
        if depth < 3 and len(el):
            queue.extend((k, depth + 1, small) for k in el if isinstance(k.tag, str))
    anc = node.getparent()
    for _ in range(4):
        if anc is None or tag_of(anc) in ("body", "html"):
            break
        found = _first_of_run(anc, cjk, holding=node, lengths=lengths)
        if found is not None:
            return found
        anc = anc.getparent()
    return None


def post_meta_lines(post: Any) -> list[str]:
    """A post's short byline and date lines (its footer is furniture to the body, but names the author)."""
    return [
        ln.text
        for ln in lines(post)
        if ln.length <= 120 and (_POST_BYLINE.search(ln.text) or find_dates(ln.text))
    ]
