"""The extraction steps in order, from one Page to one Article."""

from __future__ import annotations

import json
import re
import unicodedata
from itertools import islice
from typing import Any

from lxml import etree

from archive.article import Article
from archive.extract import body as body_mod
from archive.extract import lang as lang_mod
from archive.extract import meta as meta_mod
from archive.extract import spam as spam_mod
from archive.extract.decode import decode
from archive.extract.dom import (
    JUNK_TAGS,
    MAX_CHARS,
    Line,
    TextLengths,
    absolute,
    lines,
    parse,
    utf8_may_hold_controls,
)
from archive.extract.facts import in_fact_cell
from archive.extract.pagetype import classify
from archive.extract.sanitize import caption_for, render
from archive.extract.text import clean, collapse, is_cjk, looks_binary, occurs_from
from archive.extract.title import TitleSources, _looks_like_site, choose_title, strip_site
from archive.extract.title import segments as title_segments
from archive.page import Page

_SCRIPT_TITLE = re.compile(r"""document\.title\s*=\s*(["'])(.{2,300}?)\1""")
_TITLE_HINT = re.compile(r"title|tit\b|biaoti|headline|bt\b|artical_t|art_t", re.I)
_DATE_META = (
    "article:published_time",
    "og:published_time",
    "og:release_date",
    "published_time",
    "publishdate",
    "publish_date",
    "pubdate",
    "pubtime",
    "publishtime",
    "publish-date",
    "datepublished",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
    "date",
    "sailthru.date",
    "parsely-pub-date",
    "firstpublishedtime",
    "weibo:article:create_at",
    "article:modified_time",
)
# A page's machine-readable last-modified date (schema.org itemprop, Open Graph, Dublin Core, sitemap-style).
_MODIFIED_META = (
    "datemodified",
    "dateupdate",
    "dateupdated",
    "og:updated_time",
    "dcterms.modified",
    "dc.date.modified",
    "lastmod",
    "last-modified",
    "lastmodified",
)
_ISO_TZ = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[-/_]?(0[1-9]|1[0-2])[-/_]?([0-3]\d)(?:/|_|\.|$)")
_BY_LINE = re.compile(
    r"^(?:By|BY|by)\s+([A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3}(?:\s+and\s+[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3})?)"
)


def _remove_keep_tail(el: Any) -> None:
    """Remove an element but keep the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        try:
            if prev is not None:
                prev.tail = (prev.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
        except ValueError:
            pass  # text lxml will not store (stray control characters): dropping it loses nothing readable
    parent.remove(el)


class _Head:
    """What the <head> and structured data say, read before the tree is cleaned."""

    def __init__(self, root: Any) -> None:
        self.title = ""
        self.metas: dict[str, str] = {}
        self.jsonld: list[dict[str, Any]] = []
        self.script_title = ""
        self.styles: list[str] = []
        self.lang = root.get("lang") or root.get("xml:lang")
        self.base: str | None = None
        for el in root.iter("title", "meta", "script", "style", "base"):
            tag = el.tag
            if tag == "title":
                if not self.title:
                    self.title = "".join(el.itertext())
            elif tag == "meta":
                key = (
                    el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv") or ""
                ).lower()
                content = el.get("content")
                if key and content and key not in self.metas:
                    self.metas[key] = content
                # <meta property="article:published" itemprop="datePublished dateCreated">: the schema.org
                # names too (itemprop is a list of names).
                for prop in (el.get("itemprop") or "").lower().split() if content else ():
                    self.metas.setdefault(prop, content)
            elif tag == "script":
                text = el.text or ""
                if (el.get("type") or "").lower() == "application/ld+json":
                    self._jsonld(text)
                elif not self.script_title and "document.title" in text:
                    m = _SCRIPT_TITLE.search(text[:50000])
                    if m:
                        self.script_title = m.group(2)
            elif tag == "style":
                self.styles.append(el.text or "")
            elif tag == "base" and self.base is None:
                self.base = el.get("href")

    def _jsonld(self, text: str) -> None:
        try:
            data = json.loads(text[:500_000])
        except (ValueError, RecursionError):
            return
        stack = [data]
        seen = 0
        while stack and seen < 200:
            item = stack.pop()
            seen += 1
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.append(item["@graph"])
                typ = item.get("@type")
                types = typ if isinstance(typ, list) else [typ]
                if any(
                    isinstance(t, str) and ("Article" in t or "Posting" in t or t == "WebPage") for t in types
                ):
                    self.jsonld.append(item)

    def ld(self, key: str) -> Any:
        for item in self.jsonld:
            if item.get(key):
                return item[key]
        return None


def _ld_author(value: Any) -> str | None:
    names: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict):
            name = item.get("name")
            if isinstance(name, str):
                names.append(name)
        elif isinstance(item, str):
            names.append(item)
    return ", ".join(clean(n) for n in names if clean(n)) or None


def _first_meta_date(head: _Head, keys: tuple[str, ...]) -> str | None:
    """The first of these metadata keys the page gives a machine-readable date in."""
    for key in keys:
        value = head.metas.get(key)
        iso = _iso_from_machine(value) if value else None
        if iso:
            return iso
    return None


def _structured_date(head: _Head, root: Any) -> str | None:
    iso = _first_meta_date(head, _DATE_META)
    if iso:
        return iso
    value = head.ld("datePublished") or head.ld("dateCreated")
    if isinstance(value, str):
        iso = _iso_from_machine(value)
        if iso:
            return iso
    for t in root.iter("time"):
        value = t.get("datetime") or t.get("pubdate")
        if value:
            iso = _iso_from_machine(value)
            if iso:
                return iso
        break
    return None


def _modified_date(head: _Head) -> str | None:
    """The last-modified date the page declares in its metadata (``article:modified_time`` is read with the
    publish dates already, as the last resort among them)."""
    iso = _first_meta_date(head, _MODIFIED_META)
    if iso:
        return iso
    value = head.ld("dateModified")
    return _iso_from_machine(value) if isinstance(value, str) else None


def _iso_from_machine(value: str) -> str | None:
    """A machine-readable date (ISO 8601 and the like) as the SPEC's ISO string, keeping its offset."""
    value = value.strip()
    m = meta_mod.DATE_RE.search(value)
    if not m:
        return None
    iso = meta_mod.date_iso(m)
    if not iso:
        return None
    tz = _ISO_TZ.search(value[m.end() : m.end() + 12]) if "T" in iso else None
    if tz:
        off = tz.group(1)
        off = "+00:00" if off == "Z" else (off if ":" in off else off[:3] + ":" + off[3:])
        iso += off
    return iso


# Elements that can be hidden at all, by whether the page's styles hide classes and ids: XPath narrows the
# walk (C speed), compiled once rather than on every page. The elements of the attributes, united: the same
# elements in the same (document) order as ``//*[@style or @hidden ...]``, found faster than by testing
# every element (tests/test_extract_shortcuts.py).
_HIDING_ATTRS = {
    (by_class, by_id): ("style", "hidden", *(("class",) if by_class else ()), *(("id",) if by_id else ()))
    for by_class in (False, True)
    for by_id in (False, True)
}
_MAY_BE_HIDDEN = {
    key: etree.XPath(" | ".join(f"//@{a}/.." for a in attrs)) for key, attrs in _HIDING_ATTRS.items()
}


def _mark_hidden_spam(root: Any, head: _Head, page_host: str, spam: list[str]) -> None:
    classes, ids = spam_mod.hidden_selectors(head.styles)
    hidden: list[Any] = []
    for el in _MAY_BE_HIDDEN[bool(classes), bool(ids)](root)[:200_000]:
        if not isinstance(el.tag, str) or el.tag in ("html", "head", "body"):
            continue
        if spam_mod.is_hidden(el, classes, ids):
            hidden.append(el)
    removed: set[Any] = set()
    for el in hidden:
        anc = el.getparent()
        inside = False
        while anc is not None:
            if anc in removed:
                inside = True
                break
            anc = anc.getparent()
        if inside:
            continue
        text = clean(" ".join(el.itertext()))
        if text and spam_mod.is_spam_block(el, text, page_host, ""):
            spam.append(text)
        removed.add(el)
    for el in removed:
        _remove_keep_tail(el)


_HREFS = etree.XPath("//a/@href", smart_strings=False)  # every link's target, in document order, in C


def _page_host(page: Page, head: _Head, root: Any) -> str:
    for url in (page.effective_url, head.metas.get("og:url")):
        host = spam_mod.host_of(url)
        if host:
            return host
    for link in root.iter("link"):
        if (link.get("rel") or "").lower() == "canonical":
            host = spam_mod.host_of(link.get("href"))
            if host:
                return host
    counts: dict[str, int] = {}
    for href in _HREFS(root):
        host = spam_mod.host_of(href)
        if host:
            counts[host] = counts.get(host, 0) + 1
    # The site's own host is the one most links point to; with only a handful of absolute links that
    # guess would as likely name an injected spam host, so none is made.
    best = max(counts, key=lambda h: counts[h]) if counts else ""
    return best if best and counts[best] >= 3 else ""


def run(page: Page, parser_version: str) -> Article:
    if looks_binary(page.body):
        return Article(url=page.effective_url or None, parser_version=parser_version)
    decoded = decode(page.body, page.charset)
    art = Article(url=page.effective_url or None, encoding=decoded.encoding, parser_version=parser_version)
    # NFC once, on the whole page: every field the record takes from it is then NFC as the SPEC requires.
    # Any UTF-8 decoding (strict or with replacement) has a control character only where the bytes spell one.
    controls = decoded.encoding != "utf-8" or utf8_may_hold_controls(page.body)
    root = parse(unicodedata.normalize("NFC", decoded.text[: MAX_CHARS + 1]), controls)
    if root is None:
        return art
    head = _Head(root)
    base = absolute(page.effective_url, head.base) if head.base else page.effective_url
    spam: list[str] = []
    page_host = _page_host(page, head, root)
    # The <head> has been read; what is left of it is never article text.
    for h in [child for child in root if child.tag == "head"]:  # root.findall("head"), without ElementPath
        _remove_keep_tail(h)
    etree.strip_elements(root, *JUNK_TAGS, with_tail=False)
    _mark_hidden_spam(root, head, page_host, spam)
    # The tree is not changed from here on: each element's text is measured once, for every step.
    lengths = TextLengths()

    cut_short: list[bool] = []
    all_lines = list(lines(root, cut_short=cut_short))
    page_text = " ".join(line.text for line in all_lines)
    cjk = is_cjk(page_text)
    own_scores: dict[Any, float] = {}
    block_scores = body_mod.score_blocks(all_lines, cjk, own_scores)  # scored once, read by both steps
    node, score = body_mod.best_node(all_lines, cjk, block_scores, own_scores, lengths)
    # A run of alike posts (blog front pages, threads): the first post is the page's own.
    post = body_mod.first_post(node, cjk, lengths) if node is not None else None
    if post is not None:
        node = post
        nodes = [node]  # its sibling posts are other articles, not the rest of this one
    else:
        nodes = (
            body_mod.siblings_like(node, score, all_lines, cjk, block_scores, lengths)
            if node is not None
            else []
        )
    blocks: list[body_mod.Block] = []
    for n in nodes:
        blocks.extend(
            body_mod.content_blocks(n, cjk, lengths=lengths, page_lines=None if cut_short else all_lines)
        )
    article_text = " ".join(b.text for b in blocks)

    # Keyword lines injected into the page or the article: reported, and kept out of every field.
    spam_lines: set[str] = set()
    # One pass over the whole page first: most pages hold no spam word at all.
    has_terms = spam_mod.term_hits(page_text) > 0
    suspects: list[str] = []
    for line in all_lines if has_terms else []:
        if 4 <= line.length <= 400 and line.text not in suspects and spam_mod.term_hits(line.text):
            suspects.append(line.text)
            if len(suspects) >= 300:  # bounded work on pathological pages
                break
    if suspects:
        # Overlap is judged against the article without the suspect lines themselves.
        suspect_set = set(suspects)
        article_rest = " ".join(b.text for b in blocks if b.text not in suspect_set)
        spam_lines.update(t for t in suspects if spam_mod.is_spam_text(t, article_rest))
    node_set = node_set_for(node)  # the content block's elements (the title step reads them too)
    span = _content_span(all_lines, node_set)  # its lines, found once for the spam, title and metadata steps
    spam_lines.update(_spam_link_rows(all_lines, span[0], page_host, article_text))
    for text in spam_lines:
        spam.append(text)
    if spam_lines:
        blocks = [b for b in blocks if b.text not in spam_lines]
        article_text = " ".join(b.text for b in blocks)
    meta_spam_keys = ("keywords", "description")

    # Title.
    src = TitleSources(
        html_title=head.title,
        h1=_h1_texts(root),
        og=head.metas.get("og:title") or head.metas.get("twitter:title") or "",
        jsonld=str(head.ld("headline") or ""),
        script=head.script_title,
        titled=_titled(root, node_set),
        site_name=clean(head.metas.get("og:site_name") or ""),
    )
    src.near = _near_title_lines(all_lines, span[0], spam_lines)
    src.page_text = page_text
    tres = choose_title(src, article_text)
    spam.extend(tres.spam)
    # Injected <meta> keywords/description: spam words, or the same keywords as spam found elsewhere.
    known = {seg for s in spam for seg in spam_mod.chain_segments(s) if len(seg) >= 3}
    for key in meta_spam_keys:
        value = clean(head.metas.get(key))
        if not value:
            continue
        segs = [seg for seg in spam_mod.chain_segments(value) if len(seg) >= 3]
        if spam_mod.is_spam_text(value, article_text) or (
            segs and sum(seg in known for seg in segs) * 2 >= len(segs)
        ):
            spam.append(value)
    art.title = clean(tres.title) or None
    if art.title and spam_lines and art.title in spam_lines:
        art.title = None

    # Metadata.
    title_idx, body_start, body_end = _anchors(all_lines, art.title, span)
    fields = meta_mod.Fields()
    top = all_lines[max(title_idx if title_idx >= 0 else body_start - 12, body_start - 25, 0) : body_start]
    top = [ln for ln in top if ln.text not in spam_lines]
    head_blocks = [b.text for b in blocks[:4]]
    tail_blocks = [b.text for b in blocks[-10:]]
    # Lines at the end of the story's span that are not story text (dropped as furniture, such as
    # "【纠错】 责任编辑： 焦鹏") still carry its credits.
    story = {b.text for b in blocks}
    after = [ln.text for ln in all_lines[max(body_start, body_end - 6) : body_end] if ln.text not in story]
    after += [ln.text for ln in all_lines[body_end : body_end + 10]]
    if post is not None:
        after = body_mod.post_meta_lines(post) + after  # its footer: "由X张贴 @ date", "Posted by X"
    meta_mod.read_lines([ln.text for ln in top] + head_blocks + tail_blocks + after, fields)
    published = fields.published_at
    structured = _structured_date(head, root)
    if not fields.date_labelled:
        published = _nearest_date(all_lines, title_idx, body_start, body_end, spam_lines)
    if structured and (published is None or ("T" not in published and structured[:10] == published[:10])):
        published = structured
    if published is None and structured is None:
        # English month-name datelines only where the page has no machine-readable date: the visible one
        # is often local time without its zone, or a related story's date, where the metadata is exact.
        published = _nearest_date(all_lines, title_idx, body_start, body_end, spam_lines, month_names=True)
    if published is None:
        m = _URL_DATE.search(page.effective_url or "")
        if m:
            published = f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    # No publish date anywhere (an encyclopedia entry, a reference page): the text archived is the version
    # published at its declared last modification, as htmldate also takes by default. Only the record takes
    # it: whether the page has a date of its own still counts for its page type.
    dated = published if published is not None else _modified_date(head)
    title_norm = _norm(art.title or "")
    bylines = _find_author(
        fields,
        cjk,
        head,
        all_lines,
        title_idx,
        title_norm,
        [ln.text for ln in top],
        head_blocks,
        tail_blocks,
        after,
    )
    if fields.author is None and cjk:
        fields.author = _blog_owner(root, node_set)

    kept = _clean_body(blocks, art.title, fields, bylines)
    texts = [b.text for b in kept if b.kind != "img" and b.text]
    art.body = "\n\n".join(texts) or None
    art.body_html, art.images = render(kept, base)
    if not texts:
        art.body_html = None

    art.published_at = meta_mod.with_offset(dated, "+08:00" if cjk else "")
    art.source = fields.source
    art.author = fields.author if cjk else _latin_names(fields.author)
    art.editor = fields.editor
    art.views = fields.views
    art.credits = fields.credits
    art.lang = lang_mod.detect(art.body or page_text, head.lang)

    def teasers() -> int:  # counted only where the page type turns on it
        return sum(
            1 for b in blocks if b.line is not None and len(b.text) < 200 and meta_mod.has_date(b.text)
        )

    art.page_type = classify(
        root, node, art.body or "", art.title, bool(published), cjk, page.effective_url, teasers, lengths
    )
    if art.page_type == "listing":
        # A listing's "body" would be glued teasers: it has none.
        art.body, art.body_html, art.images = None, None, []
    if art.title and src.site_name:
        art.title = strip_site(art.title, src.site_name)
    art.spam = list(dict.fromkeys(s for s in spam if s))
    return art


_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_LATIN_CUT = re.compile(
    r"\s+(?:Updated|Published|Posted|on|at|"
    + _MONTHS
    + r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b.*$"
    r"|\s*[|•·].*$|,\s*(?:[A-Z][\w.]*\s+)*(?:Writer|Reporter|Correspondent|Editor|Staff|Contributor)s?\b.*$"
)


_PERSONAL_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")


def _blog_owner(root: Any, node_set: set[Any]) -> str | None:
    """A blog's owner, when the post names no writer: the blog's header is the owner's name alone, linking
    to the blog's home (``<h1><a href=".../blog/lijianzhong/">李建忠</a></h1>``)."""
    for h1 in root.iter("h1"):
        if h1 in node_set:
            continue  # the story's own headline
        links = [a for a in h1.iter("a") if "blog" in (a.get("href") or "").lower()]
        text = clean("".join(h1.itertext()))
        if (
            len(links) == 1
            and clean("".join(links[0].itertext())) == text
            and _PERSONAL_NAME.fullmatch(text)
            and not _looks_like_site(text, "")
            and text not in meta_mod.NOT_NAMES
        ):
            return text
    return None


def _latin_names(value: str | None) -> str | None:
    """An English byline as names only: "By TOM KRISHER, AP Auto Writer" -> "TOM KRISHER"."""
    if not value:
        return None
    value = re.sub(r"^(?:By|BY|by)[:\s]+", "", value.strip())
    value = _LATIN_CUT.sub("", value).strip(" ,;")
    return value or None


_BY_ALONE = re.compile(r"^(?:By|BY|by|By:|Written by|Posted by|作者|作者：|文|文/)$")


def _clean_body(
    blocks: list[body_mod.Block], title: str | None, fields: meta_mod.Fields, bylines: set[str]
) -> list[body_mod.Block]:
    """The story's blocks without the headline, metadata, credit and byline lines, captions attached.

    Whatever precedes the headline inside the content block (breadcrumbs, a kicker) goes with it.
    """
    byline_bits = {n for n in (fields.author or "").replace(",", " ").split(" ") if n}
    byline_bits |= {fields.author or "", fields.source or "", *(fields.author or "").split(", ")}
    byline_bits.discard("")
    # Body: drop the title, metadata and credit lines, and whatever preceded the title in the content block.
    kept: list[body_mod.Block] = []
    title_norm = _norm(title or "")
    for i, b in enumerate(blocks):
        if b.kind == "img":
            kept.append(b)
            continue
        if title_norm and i < 6 and title_norm[0] in b.text and _norm(b.text) == title_norm:
            kept = [k for k in kept if k.kind == "img"]
            continue
        if meta_mod.is_field_line(b.text) or b.text in bylines:
            continue
        if i < 8 and len(b.text) <= 40 and (b.text in byline_bits or _BY_ALONE.match(b.text)):
            continue  # the byline split over lines: "By" / the name / the outlet
        if (
            i < 4
            and len(b.text) <= 40
            and (meta_mod.find_dates(b.text) or meta_mod.find_month_dates(b.text))
            and len(meta_mod.without_dates(b.text).strip(" :：|()（）")) <= 12
        ):
            continue
        if (
            i >= len(blocks) - 2
            and len(b.text) <= 80
            and meta_mod.posted_by(b.text)
            and meta_mod.find_month_dates(b.text)
        ):
            continue  # a blog post's footer: "Posted by Sam on May 20, 2006 at 9:14 pm | 3 comments"
        kept.append(b)
    for b in kept:
        if b.kind == "img" and b.line is not None:
            for img in b.line.images:
                if body_mod.image_src(img) == b.src:
                    b.caption = caption_for(img, "")
                    break
    kept = _drop_detached_contacts(kept)
    kept = _trim_trailing_promos(kept)
    return kept


def _find_author(
    fields: meta_mod.Fields,
    cjk: bool,
    head: _Head,
    all_lines: list[Line],
    title_idx: int,
    title_norm: str,
    top: list[str],
    head_blocks: list[str],
    tail_blocks: list[str],
    after: list[str],
) -> set[str]:
    """Fill ``fields.author`` when no labelled field named one; return the byline lines to drop from the body.

    In order: reporter bylines in the story's first or last lines, a name alone under the headline, blog and
    forum "posted by" lines, English "By ..." lines, then JSON-LD and <meta name=author>.
    """
    bylines: set[str] = set()
    if fields.author is None and cjk:
        for text in head_blocks[:3] + tail_blocks[-4:][::-1]:
            short = len(text) <= 40
            names = meta_mod.byline_names(text, short)
            if names:
                fields.author = names
                # A byline line leaves the body; a sentence ending in one ("…城！（评论员 罗博 萧海川）") stays.
                if short and not re.search(r"[。！？!?]", text):
                    bylines.add(text)
                break
    if fields.author is None and cjk and title_idx >= 0:
        # Essays and reposts: the author's name alone on the line under the headline.
        following = [
            ln.text
            for ln in all_lines[title_idx + 1 : title_idx + 4]
            if not (_norm(ln.text) == title_norm or (len(ln.text) >= 5 and _norm(ln.text) in title_norm))
            and not meta_mod.parse_fields_line(ln.text)
            and not meta_mod.find_dates(ln.text)
        ]
        for text in following[:1]:
            if re.fullmatch(r"[\u4e00-\u9fff]{2,3}(?:[、 ][\u4e00-\u9fff]{2,3}){0,2}", text):
                fields.author = meta_mod.clean_names(text)
                bylines.add(text)
    if fields.author is None:
        for text in top + head_blocks[:3] + tail_blocks[-4:] + after[:5]:
            if len(text) <= 80:
                name = meta_mod.posted_by(text)
                if name:
                    fields.author = name
                    break
    if fields.author is None and not cjk:
        byl = clean(head.metas.get("byl") or head.metas.get("byline") or "")
        for text in ([byl] if byl else []) + [t for t in top if len(t) <= 80] + head_blocks[:2]:
            m = _BY_LINE.match(text)
            if m:
                fields.author = clean(m.group(1).replace(" and ", ", "))
                bylines.add(text)
                break
    if fields.author is None:
        fields.author = _ld_author(head.ld("author")) or _meta_author(
            head.metas.get("author"), cjk, head.title
        )
    return bylines


def _meta_author(value: str | None, cjk: bool, html_title: str = "") -> str | None:
    """<meta name=author>, when it names people rather than the site."""
    value = clean(value)
    if (
        not value
        or len(value) > 40
        or re.search(r"[网網站报報社]$|\.(?:com|cn|net|org)|www|http", value, re.I)
    ):
        return None
    if any(seg.startswith(value) and _looks_like_site(seg, "") for seg in title_segments(clean(html_title))):
        return None  # "网易" in "…_网易新闻": the site, not a person
    return meta_mod.clean_names(value) if cjk else value


_NORM = re.compile(r"[\s\u3000\"“”'‘’《》「」:：,，]+")


def _norm(s: str) -> str:
    return _NORM.sub("", s)


_STAT_LINE = re.compile(r"[:：]\s*[\d,]+\s*$")


_CONTACT = re.compile(
    r"^(?:联系人|聯絡人|联系电话|聯絡電話|联系方式|聯絡方式|咨询电话|諮詢電話|新闻联系人|新聞聯絡人)\s*[:：]"
)


def _drop_detached_contacts(blocks: list[body_mod.Block]) -> list[body_mod.Block]:
    """A contact line in its own box after the story (press releases) is page furniture.

    Inside the text container it is part of the notice and stays.
    """
    parents: dict[Any, int] = {}
    for b in blocks:
        if b.kind == "p" and b.line is not None and len(b.text) >= 30:
            parent = b.line.block.getparent()
            parents[parent] = parents.get(parent, 0) + 1
    if not parents:
        return blocks
    main = max(parents, key=lambda p: parents[p])
    inside = set(main.iter())
    return [
        b
        for b in blocks
        if not (
            b.kind == "p" and b.line is not None and _CONTACT.match(b.text) and b.line.block not in inside
        )
    ]


# Calls to action that close a story on many sites: newsletters, tips, donations, follow-us, app prompts.
# How a call to action starts a line, or words that end one. Two patterns, not one: the unanchored one starts
# with its words, and its first letters (_TAIL_PROMO_FIRST, with the same case folding) are looked for first,
# since a case-insensitive pattern is tried at every position of the line.
_TAIL_PROMO_START = re.compile(
    r"^(?:Subscribe|Sign up|Get the latest|Get our|Follow (?:us|The|@)|Have a tip|Support |Download (?:the|our) app|"
    r"Click here|Read more|Related:|Like us on|Join (?:us|our)|Share this|Become a (?:member|subscriber)|"
    r"欢迎关注|歡迎關注|长按|長按|点击下方|點擊下方|更多精彩|扫码关注|掃碼關注|下载.{0,8}客户端|下載.{0,8}客戶端)",
    re.I,
)
_TAIL_PROMO_END = re.compile(
    r"(?:newsletter|subscribe|sign up|may be reached at|follow (?:us|her|him) on)\b.{0,80}$",
    re.I,
)
_TAIL_PROMO_FIRST = re.compile("[fmns]", re.I)


def is_tail_promo(text: str) -> bool:
    """A call to action: a line that starts as _TAIL_PROMO_START says or ends as _TAIL_PROMO_END says."""
    if _TAIL_PROMO_START.match(text):
        return True
    return occurs_from(_TAIL_PROMO_FIRST, _TAIL_PROMO_END, text)


def _trim_trailing_promos(blocks: list[body_mod.Block]) -> list[body_mod.Block]:
    """Drop the calls to action that trail a story (at most four short paragraphs from the end)."""
    end = len(blocks)
    dropped = 0
    while end > 0 and dropped < 4:
        b = blocks[end - 1]
        if b.kind == "img":
            end -= 1
            continue
        if len(b.text) <= 250 and is_tail_promo(b.text):
            end -= 1
            dropped += 1
            continue
        break
    if not dropped:
        return blocks
    return blocks[:end] + [b for b in blocks[end:] if b.kind == "img"]


def node_set_for(node: Any) -> set[Any]:
    return set(node.iter()) if node is not None else set()


_SITE_NAME_END = re.compile(
    r"(?:网|網|报|報|政府|新闻|新聞|日报|日報|电视台|電視台|大学|大學|银行|銀行|协会|協會|局|委|厅|廳|院|部)$"
)


def _content_span(all_lines: list[Line], node_set: set[Any]) -> tuple[int, int]:
    """The index of the first line inside the content block and one past its last, or (len, len) for none."""
    first = last = -1
    for i, line in enumerate(all_lines):
        if line.block in node_set:
            if first < 0:
                first = i
            last = i
    return (first, last + 1) if first >= 0 else (len(all_lines), len(all_lines))


def _spam_link_rows(all_lines: list[Line], start: int, page_host: str, article: str) -> set[str]:
    """Rows of links above the article to several unrelated commercial sites: injected keyword lines.

    Placement (before the article's text, whose first line is ``start``), shape (link texts that are phrases,
    not site names) and target (other, non-public hosts) decide; no word list is needed.
    """
    out: set[str] = set()
    for ln in all_lines[: start + 3]:
        if ln.link_density < 0.8 or ln.length > 300:
            continue
        block = ln.block
        if len(block) < 2 and (len(block) == 0 or len(block[0]) == 0) and block.tag != "a":
            continue  # two links need two elements inside: a menu item's <li><a>, most lines here, has one
        # 2 to 12 links: counting 13 at most settles it. The searches of the whole article text come last,
        # each after the cheap tests (navigation rows of short link texts never reach one).
        anchors = list(islice(block.iter("a"), 13))
        if len(anchors) < 2 or len(anchors) > 12:
            continue
        phrases = 0
        for a in anchors:
            text = clean("".join(a.itertext()))
            if len(text) >= 4 and not _SITE_NAME_END.search(text) and text not in article:
                phrases += 1
        if (
            phrases * 3 >= len(anchors) * 2
            and ln.text not in article
            and spam_mod.spam_link_pile(anchors, page_host, spam_mod.term_hits(ln.text))
        ):
            out.add(ln.text)
    return out


def _nearest_date(
    all_lines: list[Line],
    title_idx: int,
    body_start: int,
    body_end: int,
    spam_lines: set[str],
    month_names: bool = False,
) -> str | None:
    """The date shown closest to the headline (or the body start), outside link lists, prose and facts.

    ``month_names``: English datelines ("Posted on May 20, 2006 at 9:14 pm") instead of numeric dates.

    Archive calendars and "related" lists are links; the date a page shows for itself sits by the headline,
    or for blogs in the line under the post. Dates in a sentence of prose or in a table of facts (an
    infobox's 出生日期) are about the story's subject, never the page's publish date, however close.
    """
    anchor = title_idx if title_idx >= 0 else body_start
    found_at: list[tuple[float, int, str]] = []
    ranges = list(range(max(0, anchor - 25), min(len(all_lines), body_start + 3)))
    ranges += [
        i for i in range(body_start + 3, min(body_end - 3, body_start + 40)) if all_lines[i].length <= 60
    ]
    ranges += list(range(max(body_start + 3, body_end - 3), min(len(all_lines), body_end + 12)))
    for i in ranges:
        ln = all_lines[i]
        if ln.length > 150 or (ln.link_density > 0.5 and ln.length > 60) or ln.text in spam_lines:
            continue
        found = meta_mod.find_month_dates(ln.text) if month_names else meta_mod.find_dates(ln.text)
        if not found:
            continue
        if "。" in ln.text or ("，" in ln.text and not meta_mod.is_field_line(ln.text)):
            continue  # a date mentioned in prose, not the page's own dateline
        iso = found[0][1]
        distance = float(abs(i - anchor)) + (0.5 if i < anchor else 0.0) + (3.0 if i >= body_end else 0.0)
        if body_start + 3 <= i < body_end - 3:
            distance += 1.0  # a short date line inside the content (a blog post's footer)
        if "T" not in iso:
            distance += 0.25
        found_at.append((distance, i, iso))
    # Nearest first; on a tie the earlier candidate (sorted() is stable).
    for _, i, iso in sorted(found_at, key=lambda c: c[0]):
        if not _is_fact_line(all_lines, all_lines[i]):
            return iso
    return None


def _is_fact_line(all_lines: list[Line], line: Line) -> bool:
    """A line giving a fact of a key/value table, here or (the same text repeated: an entry's summary box
    shows its infobox's 出生日期 again, unlabelled) elsewhere on the page."""
    if in_fact_cell(line.block):
        return True
    return any(o is not line and o.text == line.text and in_fact_cell(o.block) for o in all_lines)


def _near_title_lines(all_lines: list[Line], start: int, spam_lines: set[str]) -> list[str]:
    """Short lines where a headline sits in layouts without <h1>: just above the metadata line or the body
    (whose first line is ``start``).

    Ordered best first: the line right above the first metadata line, then the lines just above the body,
    then a short first line of the body itself.
    """
    window = all_lines[max(0, start - 12) : start + 3]
    out: list[str] = []

    def ok(text: str) -> bool:
        return (
            5 <= len(text) <= 80
            and text not in spam_lines
            and not meta_mod.is_field_line(text)
            and not _STAT_LINE.search(text)
        )

    for i, ln in enumerate(window):
        if i > 0 and (
            meta_mod.is_field_line(ln.text)
            or (len(ln.text) <= 60 and meta_mod.first_date(ln.text) is not None)
        ):
            prev = window[i - 1].text
            if ok(prev) and window[i - 1].link_density < 0.5:
                out.append(prev)
                break
    for ln in all_lines[max(0, start - 3) : start][::-1]:
        if ok(ln.text) and ln.link_density < 0.5 and ln.text not in out:
            out.append(ln.text)
    for ln in all_lines[start : start + 3]:
        first = ln.text
        if ok(first) and len(first) <= 40 and first[-1] not in "。！？.!?" and first not in out:
            out.append(first)
    return out


def _h1_texts(root: Any) -> list[str]:
    """The first line of each <h1>: some templates put the metadata line inside it after a <br>."""
    out = []
    for h in root.iter("h1"):
        text = first_line_text(h)
        if text:
            out.append(text)
        if len(out) >= 5:
            break
    return out


def first_line_text(el: Any) -> str:
    """The text of the first of ``lines(el)`` ("" when there is none).

    An element without children (most headlines) has its own text as its only line: taken without setting up
    a walk of the tree (tests/test_extract_shortcuts.py).
    """
    if not len(el):
        return collapse(el.text) if el.text else ""
    first = next(iter(lines(el)), None)
    return first.text if first is not None else ""


def _titled(root: Any, node_set: set[Any]) -> list[str]:
    """Short texts of elements whose class or id says they hold the title (old layouts without <h1>)."""
    out: list[str] = []
    for el in root.iter("h2", "h3", "div", "td", "span", "p", "font", "strong"):
        cls, ident = el.get("class"), el.get("id")
        if cls is None and ident is None:
            continue  # the blank hint, decided before building it (most elements have neither)
        if el in node_set and el.tag not in ("h2", "h3"):
            continue
        hint = f"{cls or ''} {ident or ''}"
        if not hint.strip() or not _TITLE_HINT.search(hint):
            continue
        text = clean(" ".join(el.itertext()))
        if 4 <= len(text) <= 120 and not meta_mod.has_date(text) and not meta_mod.parse_fields_line(text):
            out.append(text)
        if len(out) >= 10:
            break
    return out


def _anchors(all_lines: list[Line], title: str | None, span: tuple[int, int]) -> tuple[int, int, int]:
    """Indexes of the title line, the first and one past the last line of the content block (``span``, as
    _content_span gives it)."""
    body_start, body_end = span
    title_idx = -1
    if title:
        t = _norm(title)
        # Exact lines first (a breadcrumb that ends with the title is not the headline), then containing
        # ones; among them the last before the content, else the first inside it.
        norms: dict[int, str] = {}  # each line normalised once for both passes
        for exact in (True, False):
            for i in range(min(body_end, len(all_lines)) - 1, -1, -1):
                n = norms.get(i)
                if n is None:
                    text = all_lines[i].text
                    # Normalising only takes characters out: a line without the title's first character
                    # neither is nor holds it ("" fails both tests as its normal form would).
                    n = norms[i] = _norm(text) if not t or t[0] in text else ""
                if n and (n == t if exact else (t in n and len(n) <= len(t) + 30)):
                    title_idx = i
                    if i < body_start:
                        break
            if title_idx >= 0:
                break
    if 0 <= title_idx and title_idx >= body_start:
        # The title is inside the content block: metadata lines follow it there.
        body_start = title_idx + 1
    return title_idx, body_start, body_end
