"""Metadata lines: publish time, source, author, editor, views, in whatever layout the page uses.

A line such as ``2021-01-19 15:38:57  來源:XX融媒體中心 | 編輯:張彌郁 | 作者:周圓  瀏覽量:8219`` or one
element per field; half- and full-width colons; Simplified and Traditional labels and their synonyms. Each
label's value runs to the next label, a separator (``|``, ``｜``, two spaces) or a date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from archive.extract.credits import CREDIT_LABELS, RESPONSIBLE_EDITOR_LABELS, credit_role
from archive.extract.text import clean, occurs_from, remembered_up_to

SOURCE_LABELS = (
    "文章来源 文章來源 信息来源 信息來源 新闻来源 新聞來源 消息来源 消息來源 资料来源 資料來源 稿件来源 稿件來源 "
    "来源 來源 稿源 出处 出處 来自 來自"
).split()
AUTHOR_LABELS = "本报记者 本報記者 特约记者 特約記者 作者 记者 記者 撰稿人 撰稿 撰文 文字 文".split()
EDITOR_LABELS = "责任编辑 責任編輯 网络编辑 網絡編輯 编辑 編輯 责编 責編 小编".split()
VIEWS_LABELS = (
    "浏览量 浏览次数 瀏覽量 瀏覽次數 阅读量 閱讀量 阅读数 閱讀數 阅读次数 點閱次數 点阅次数 点击数 點擊數 点击量 點擊量 "
    "点击率 點擊率 访问量 訪問量 访问次数 浏览 瀏覽 阅读 閱讀 点击 點擊 人气 人氣 点阅 點閱"
).split()
DATE_LABELS = (
    "发布时间 發佈時間 發布時間 发布日期 發佈日期 發布日期 发表时间 發表時間 发表日期 發表日期 发稿时间 發稿時間 "
    "更新时间 更新時間 成文日期 时间 時間 日期 发布 發佈 發布 发表于 發表於"
).split()

# Roles that end the previous field's value but fill none of the SPEC's fields.
OTHER_LABELS = "校对 校對 审核 審核 监制 監製 主编 主編 策划 策劃 统筹 統籌 责任校对 責任校對 关键词 關鍵詞 标签 標籤".split()

_ALL = sorted(
    {
        *SOURCE_LABELS,
        *AUTHOR_LABELS,
        *EDITOR_LABELS,
        *VIEWS_LABELS,
        *DATE_LABELS,
        *CREDIT_LABELS,
        *OTHER_LABELS,
    },
    key=len,
    reverse=True,
)
_KIND: dict[str, str] = {}
for _k, _labels in (
    ("date", DATE_LABELS),
    ("views", VIEWS_LABELS),
    ("editor", EDITOR_LABELS),
    ("author", AUTHOR_LABELS),
    ("source", SOURCE_LABELS),
):
    for _label in _labels:
        _KIND[_label] = _k
for _label in CREDIT_LABELS:
    _KIND.setdefault(_label, "credit")
for _label in OTHER_LABELS:
    _KIND.setdefault(_label, "other")

# A label starts a line or follows a separator / bracket, and is followed by a colon (or, for a few, "/" or
# a space). "文" and "图" only with "/" or a colon, since they are ordinary characters too.
_LABEL_RE = re.compile(
    r"(?:^|(?<=[\s|｜/,，;；\]】）)(（\[【:：]))(?P<label>"
    + "|".join(re.escape(x) for x in _ALL)
    + r")\s*(?P<sep>[:：]|[/／](?!/)|(?<=记者|記者|编辑|編輯)\s|(?<=阅读|閱讀|浏览|瀏覽|点击|點擊|人气|人氣)\s*(?=\d)|(?<=本报记者|本報記者|特约记者|特約記者)\s?)\s*"
)
# Words that prose puts before a colon too ("负责人告诉记者：“……”").
_PROSE_LABELS = frozenset(
    "记者 記者 文字 撰稿 发布 發佈 發布 出处 出處 来自 來自 阅读 閱讀 点击 點擊 浏览 瀏覽 图片 圖片".split()
)

# Fields in adjacent <span>s run together ("10:05信息来源：市财政局浏览次数："): a label of two or more
# characters followed by a colon counts wherever it stands.
_GLUED_LABEL_RE = re.compile(
    r"(?P<label>"
    + "|".join(re.escape(x) for x in _ALL if len(x) >= 2 and x not in _PROSE_LABELS)
    + r")\s*(?P<sep>[:：])\s*"
)

_TIME = (
    r"(?:\s*(?:T|\s|&nbsp;)?\s*(?P<H>\d{1,2})\s*[:：时時]\s*(?P<M>\d{2})(?:\s*[:：分]\s*(?P<S>\d{2}))?"
    r"(?:\s*(?P<ampm>[AaPp]\.?[Mm]\.?)(?![A-Za-z]))?)?"
)
# 2021-01-19, 2021/1/19, 2021.01.19, 2021年01月19日; or (older US-style CMS pages) 9/17/2004 5:54:13 AM.
DATE_RE = re.compile(
    r"(?<!\d)(?:(?P<y>(?:19|20)\d{2})\s*(?:[-/.年]\s*)(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d)\s*日?"
    r"|(?P<um>\d{1,2})/(?P<ud>\d{1,2})/(?P<uy>(?:19|20)\d{2})(?!\d))" + _TIME
)
LABELLED_DATE_RE = re.compile(
    # A citation's access date ("[引用日期2017-07-19]", 访问日期), a birth date or a deadline is not the page's.
    r"(?<!引用)(?<!访问)(?<!訪問)(?<!检索)(?<!檢索)(?<!出生)(?<!截止)(?:"
    + "|".join(sorted(map(re.escape, DATE_LABELS), key=len, reverse=True))
    + r"|发表于|發表於|发布于|發佈於|Posted|Published)"
    r"\s*(?:[:：]|on|at)?\s*(?=\d)"
)
_SEPARATORS = re.compile(r"\s*[|｜]\s*|\s{2,}|\s*[【】\[\]]\s*")
_VIEWS_NUM = re.compile(r"^\s*(\d[\d,]*)")
_ROLE_WORDS = re.compile(
    r"本报记者|本報記者|特约记者|特約記者|见习记者|見習記者|实习记者|實習記者|通讯员|通訊員|实习生|實習生|记者|記者|"
    r"特约评论员|特約評論員|评论员|評論員|"
    r"撰稿|撰文|作者|文\s*[/／]|图\s*[/／]|圖\s*[/／]|摄影|攝影|报道|報道|报导|報導|编译|編譯|整理|整合|综合|綜合|供稿|文字"
)
# Words that fill an author or source slot without naming anyone: page furniture and placeholders.
NOT_NAMES = frozenset(
    "举报 舉報 分享 收藏 打印 关闭 關閉 字号 字號 评论 評論 查看更多 返回 纠错 糾錯 大 中 小 图 圖 未知 佚名 网络 網絡 "
    "通过 通過 昨天 今天 本站 admin 管理员 系统管理员 匿名 小编 编辑 編輯".split()
)
# "阅读(1234)", "浏览（56）", "1,234次浏览", "356人阅读": counts written without a colon.
_VIEWS_INLINE = re.compile(
    r"(?:阅读|閱讀|浏览|瀏覽|点击|點擊|人气|人氣|点阅|點閱)\s*[(（]\s*(\d[\d,]*)\s*[)）]"
    r"|(\d[\d,]*)\s*(?:次浏览|次瀏覽|次阅读|次閱讀|人阅读|人閱讀|次点击|次點擊|人浏览|人瀏覽)"
)
# Each _VIEWS_INLINE match holds a word of its first alternative or of its second's ending, and so one of
# these characters: a line without any (the metadata lines of most pages) is settled by this quick scan,
# where the pattern itself tries its numbers at every digit.
_VIEWS_WORD_FIRST = re.compile(r"[阅閱浏瀏点點人次]")
_NAME_SPLIT = re.compile(r"[\s、,，;；/／|]+")


@dataclass
class Fields:
    published_at: str | None = None
    date_labelled: bool = False
    source: str | None = None
    author: str | None = None
    editor: str | None = None
    views: int | None = None
    views_label: bool = False
    credits: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Found:
    kind: str
    label: str
    value: str
    start: int


def is_label(word: str) -> bool:
    """A metadata label of any field (来源, 作者, 发布时间, 浏览量, 责编, ...)."""
    return word in _KIND


# Every DATE_RE match starts with a digit: text without one is settled by this quick scan (DATE_RE opens with a
# lookbehind, which keeps the regex engine from skipping ahead on its own).
_DIGIT = re.compile(r"\d")


def has_date(text: str) -> bool:
    """Whether DATE_RE finds a date-shaped run in ``text`` (a valid date or not)."""
    return _DIGIT.search(text) is not None and DATE_RE.search(text) is not None


def find_dates(text: str) -> list[tuple[re.Match[str], str]]:
    """Every DATE_RE match that is a real day, with its ISO form."""
    first = _DIGIT.search(text)
    return list(_dates(text, first.start())) if first is not None else []


def first_date(text: str) -> tuple[re.Match[str], str] | None:
    """find_dates(text)[0] (None for none), without looking for the dates after it."""
    first = _DIGIT.search(text)
    return next(_dates(text, first.start()), None) if first is not None else None


def _dates(text: str, first_digit: int) -> Iterator[tuple[re.Match[str], str]]:
    # Every match starts with a digit, and no digit stands before the first one for the lookbehind to see:
    # the scan starts there, the same matches found without trying each position before it.
    for m in DATE_RE.finditer(text, first_digit):
        iso = date_iso(m)
        if iso:
            yield m, iso


def date_iso(m: re.Match[str], offset: str = "") -> str | None:
    """The ISO date (and time, with ``offset``) of a DATE_RE match; None for a day that does not exist."""
    # A site shows the same days and times on page after page: both halves are remembered by their digits.
    y, mo, d, um, ud, uy, hour, minute, second, ampm = m.group(*_DATE_GROUPS)
    day = _day_iso(y, mo, d) if y is not None else _day_iso(uy, um, ud, True)
    if day is None or hour is None:
        return day
    clock = _clock_iso(hour, minute, second, ampm)
    return day if clock is None else day + clock + offset


_DATE_GROUPS = ("y", "m", "d", "um", "ud", "uy", "H", "M", "S", "ampm")


@lru_cache(maxsize=4096)
def _day_iso(year: str, month: str, day: str, us: bool = False) -> str | None:
    y, mo, d = int(year), int(month), int(day)
    if us and mo > 12 >= d:
        mo, d = d, mo  # 17/9/2004: day first
    try:
        datetime(y, mo, d)
    except ValueError:
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


@lru_cache(maxsize=4096)
def _clock_iso(hour: str, minute: str, second: str | None, ampm: str | None) -> str | None:
    """A DATE_RE time as ``Thh:mm[:ss]``, or None for one out of range (the date then stands alone)."""
    h, mi = int(hour), int(minute)
    ampm = (ampm or "").lower().replace(".", "")
    if ampm == "pm" and h < 12:
        h += 12
    elif ampm == "am" and h == 12:
        h = 0
    if h > 23 or mi > 59:
        return None
    out = f"T{h:02d}:{mi:02d}"
    if second is not None and int(second) <= 59:
        out += f":{int(second):02d}"
    return out


# English month-name dates, as bylines and blog footers show them: "May 20, 2006", "Sept. 4, 2023",
# "Posted on May 20, 2006 at 9:14 pm", "Tue 20 May 2006 09:14 BST", "Updated 3:05 PM EDT, Mon May 20, 2006".
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?"
)
_MONTH_NUM = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_WEEKDAY = r"(?:(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs?)?|Fri|Sat(?:ur)?|Sun)(?:day)?\b\.?,?\s*)?"
MONTH_DATE_RE = re.compile(
    r"(?<![\w])(?:(?P<mon1>" + _MONTH + r")\s*(?P<d1>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y1>(?:19|20)\d{2})"
    r"|(?P<d2>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon2>"
    + _MONTH
    + r"),?\s+(?P<y2>(?:19|20)\d{2}))(?!\d)",
    re.I,
)
# Offsets of the zone abbreviations that mean one thing (CST, IST and ET-style ones are ambiguous: none).
ZONE_OFFSETS = {
    "UTC": "+00:00", "GMT": "+00:00", "Z": "+00:00", "WET": "+00:00", "BST": "+01:00", "CET": "+01:00",
    "CEST": "+02:00", "EET": "+02:00", "EEST": "+03:00", "MSK": "+03:00", "EDT": "-04:00", "EST": "-05:00",
    "CDT": "-05:00", "MDT": "-06:00", "MST": "-07:00", "PDT": "-07:00", "PST": "-08:00", "AKDT": "-08:00",
    "AKST": "-09:00", "HST": "-10:00", "HKT": "+08:00", "SGT": "+08:00", "JST": "+09:00", "KST": "+09:00",
    "AEST": "+10:00", "AEDT": "+11:00", "NZST": "+12:00", "NZDT": "+13:00",
}  # fmt: skip
_ZONE = (
    r"(?-i:(?P<num>(?:UTC|GMT)\s*[+-]\d{1,2}(?::?\d{2})?|[+-]\d{2}:?\d{2})|(?P<abbr>"
    + "|".join(sorted(ZONE_OFFSETS, key=len, reverse=True))
    + r")\b)"
)
_CLOCK = (
    r"(?P<H>\d{1,2})(?::(?P<M>\d{2})(?::(?P<S>\d{2}))?)?\s*(?P<ampm>[ap]\.?m\b\.?)?(?:\s*\(?"
    + _ZONE
    + r"\)?)?"
)
_TIME_AFTER = re.compile(r"(?:\s*(?:,|at|@|-|–|\||T)?\s*)" + _CLOCK, re.I)
_TIME_BEFORE = re.compile(_CLOCK + r"\s*,?\s*(?:on\s+)?" + _WEEKDAY + r"$", re.I)
# Words a dateline holds besides the date; any other lower-case words make the line prose.
_DATELINE_WORDS = frozenset(
    "on at by in of posted published updated last modified first originally filed written created edited".split()
)


def _clock(m: re.Match[str] | None) -> tuple[str, str] | None:
    """A time of day as "Thh:mm[:ss]" and the offset its zone states ("" when none or unknown)."""
    if m is None or (m["M"] is None and m["ampm"] is None):
        return None  # a bare number is not a time ("May 20, 2006 12 people...")
    h, mi = int(m["H"]), int(m["M"] or 0)
    ampm = (m["ampm"] or "").lower().replace(".", "")
    if ampm and not 1 <= h <= 12:
        return None
    if ampm == "pm" and h < 12:
        h += 12
    elif ampm == "am" and h == 12:
        h = 0
    if h > 23 or mi > 59 or (m["S"] is not None and int(m["S"]) > 59):
        return None
    out = f"T{h:02d}:{mi:02d}" + (f":{m['S']}" if m["S"] is not None else "")
    offset = ""
    if m["abbr"]:
        offset = ZONE_OFFSETS[m["abbr"]]
    elif m["num"]:
        num = re.search(r"([+-])(\d{1,2}):?(\d{2})?$", m["num"])
        if num and int(num.group(2)) <= 14:
            offset = f"{num.group(1)}{int(num.group(2)):02d}:{num.group(3) or '00'}"
    return out, offset


def find_month_dates(line: str) -> list[tuple[tuple[int, int], str]]:
    """English month-name dates in a date-shaped line: ((start, end), ISO) with the time and zone if shown.

    Only datelines count: a line with prose around the date ("On May 20, 2006, the council voted to...")
    gives nothing, so the body's mentions of other dates are never taken for the page's own.
    """
    if len(line) > 150:
        return []
    out: list[tuple[tuple[int, int], str]] = []
    rest = line
    for m in MONTH_DATE_RE.finditer(line):
        mon = (m["mon1"] or m["mon2"])[:3].lower()
        y, d = int(m["y1"] or m["y2"]), int(m["d1"] or m["d2"])
        try:
            datetime(y, _MONTH_NUM[mon], d)
        except ValueError:
            continue
        iso = f"{y:04d}-{_MONTH_NUM[mon]:02d}-{d:02d}"
        start, end = m.start(), m.end()
        after = _TIME_AFTER.match(line, end)
        before = _TIME_BEFORE.search(line[: m.start()])
        clock = _clock(after)
        if clock and after is not None:
            end = after.end()
        else:
            clock = _clock(before)
            if clock and before is not None:
                start = before.start()
        if clock:
            iso += clock[0] + clock[1]
        out.append(((start, end), iso))
        rest = rest.replace(line[start:end], " ")
    prose = [w for w in re.findall(r"\b[a-z]{2,}\b", rest) if w not in _DATELINE_WORDS]
    return out if len(prose) <= 2 and not re.search(r"[.!?]\s+[A-Za-z]", rest) else []


def without_dates(text: str) -> str:
    """The text with its dates (numeric and English month-name ones, with their times) taken out."""
    for (a, b), _ in find_month_dates(text)[::-1]:
        text = text[:a] + " " + text[b:]
    return DATE_RE.sub("", text)


def with_offset(iso: str | None, offset: str) -> str | None:
    """Add the site's UTC offset to a local date-time (date-only values stay dates)."""
    if not iso or "T" not in iso or not offset:
        return iso
    if _HAS_OFFSET.search(iso):
        return iso
    return iso + offset


_HAS_OFFSET = re.compile(r"(?:[+-]\d{2}:?\d{2}|Z)$")


# What every label match needs besides the label: a colon or slash after it, or (_LABEL_RE's other separators)
# one of these words before a space or a number. A line without any holds no field: one quick scan settles
# most prose lines instead of the two label scans.
_FIELD_POSSIBLE = re.compile(r"[:：/／]|记者|記者|编辑|編輯|阅读|閱讀|浏览|瀏覽|点击|點擊|人气|人氣")
# The characters _FIELD_POSSIBLE's matches start with. A pattern whose alternatives do not all open with a
# literal is tried at every position; this class is found by the engine's quick scan, and the full pattern
# is then tried from where it first occurs (most prose lines hold none).
_FIELD_FIRST = re.compile(r"[:：/／记記编編阅閱浏瀏点點人]")


def _field_possible(line: str) -> bool:
    return occurs_from(_FIELD_FIRST, _FIELD_POSSIBLE, line)


def parse_fields_line(line: str) -> tuple[Found, ...]:
    """The labelled fields of one line, each value cut at the next label, separator or date."""
    # Most lines asked about (a story's paragraphs) hold no label: settled by the quick check, not remembered.
    return _parse_fields(line) if _field_possible(line) else ()


# The same metadata lines are read by several steps of one extraction (the metadata, the title and the body
# steps) and recur across a site's pages; lines longer than 300 characters are prose.
@remembered_up_to(300, maxsize=4096)
def _parse_fields(line: str) -> tuple[Found, ...]:
    """:func:`parse_fields_line` of a line that passed the quick check."""
    labels = list(_LABEL_RE.finditer(line))
    taken = [(m.start(), m.end()) for m in labels]
    for m in _GLUED_LABEL_RE.finditer(line):
        if not any(a <= m.start() < b or m.start() <= a < m.end() for a, b in taken):
            labels.append(m)
    labels.sort(key=lambda m: m.start())
    out: list[Found] = []
    for i, m in enumerate(labels):
        end = labels[i + 1].start() if i + 1 < len(labels) else len(line)
        raw = line[m.end() : end]
        kind = _KIND[m["label"]]
        if kind != "date":
            cut = _SEPARATORS.search(raw)
            if cut:
                raw = raw[: cut.start()]
            dm = DATE_RE.search(raw)
            if dm:
                raw = raw[: dm.start()]
        value = raw.strip(" ：:|｜,，;；()（）[]【】")
        if kind not in ("date", "views"):
            words = value.split(" ")
            for k, w in enumerate(words):
                if w in OTHER_LABELS:
                    words = words[:k]  # "刘晓阳 校对 李铭": the proofreader is another role
                    break
            while words and words[-1] in NOT_NAMES:
                words.pop()
            value = " ".join(words)
            # "来源：湘江晚报 阅读" (a label whose colon and count a script fills in): drop trailing labels.
            words = value.split(" ")
            while len(words) > 1 and words[-1] in _KIND:
                words.pop()
            value = " ".join(words)
        out.append(Found(kind, m["label"], value, m.start()))
    return tuple(out)


# A byline's names recur on a site's pages, and several steps clean the same value: remembered.
@remembered_up_to(200, maxsize=4096)
def clean_names(value: str) -> str | None:
    """Names only, one space apart: role words and brackets removed."""
    if re.search(r"[=<>\"{}]", value):
        return None  # template debris ("size=20"), not a name
    value = re.split(r"[:：)）]", value, maxsplit=1)[0]
    value = re.sub(r"(?:发自|發自).*$", "", value)
    value = re.sub(r"[（(\[【][^)）\]】]*[)）\]】]", " ", value)  # "(实习)" "(图)"
    value = _ROLE_WORDS.sub(" ", value)
    names = [re.sub(r"_[A-Z]{1,4}\d+$", "", n.strip(" 　:：·.")) for n in _NAME_SPLIT.split(value)]
    names = [n for n in names if n and not n.isdigit() and len(n) <= 20 and n not in NOT_NAMES]
    if 2 <= len(names) <= 3 and all(len(n) == 1 and "\u4e00" <= n <= "\u9fff" for n in names):
        names = [
            "".join(names)
        ]  # "赵  培": a two-character name spaced out to align with three-character ones
    return " ".join(names) or None


def clean_value(value: str) -> str | None:
    value = clean(value)
    if not value or len(value) > 60:
        return None
    return value


_BRACKETED_FURNITURE = re.compile(
    r"[【\[]\s*(?:" + "|".join(sorted(map(re.escape, NOT_NAMES), key=len, reverse=True)) + r")\s*[】\]]"
)


def is_field_line(line: str) -> bool:
    """A line made of labelled fields (and dates): metadata, not article text."""
    if len(line) > 200 or "。" in line:
        return False  # a paragraph, decided before parsing it
    return _is_field_line_memo(line)


@lru_cache(maxsize=4096)
def _is_field_line_memo(line: str) -> bool:
    found = parse_fields_line(line)
    if not found:
        return False
    if any(len(f.value) > 40 for f in found if f.kind != "date"):
        return False  # a label word followed by prose ("记者近日从……了解到") is a sentence
    covered = sum(len(f.label) + len(f.value) + 1 for f in found)
    rest = _BRACKETED_FURNITURE.sub("", line)  # "【纠错】 责任编辑： 焦鹏": the button is not text either
    for m, _ in find_dates(line):
        covered += len(m.group(0))
    return covered >= 0.7 * len(rest.replace(" ", "")) and len(line) <= 200


_QUOTE_OR_SENTENCE_END = re.compile(r"[“”。！？]")  # in an author value: a sentence, not a name
_MARKUP_RESIDUE = re.compile(r"""\w+\s*=\s*["'][^"']*["']""")


def _lines_to_read(lines: list[str]) -> Iterator[str]:
    """The lines cleaned, in order, without empty, over-long (prose) and repeated ones: a line read again
    fills nothing, each field it could fill being filled by then."""
    seen: set[str] = set()
    given: set[str] = set()  # the lines as given: the story's first and last blocks are often the same ones
    for line in lines:
        if line in given:
            continue  # cleaned, it is one seen already (or one left out as empty or too long): not cleaned again
        given.add(line)
        line = clean(line)
        if line and len(line) <= 300 and line not in seen:
            seen.add(line)
            yield line


def read_lines(lines: list[str], fields: Fields) -> None:
    """Fill ``fields`` from metadata lines (earlier lines win for each field)."""
    for line in _lines_to_read(lines):
        if not fields.date_labelled and _DIGIT.search(line):  # a labelled date needs a digit after its label
            lm = LABELLED_DATE_RE.search(line)
            if lm:
                date = first_date(line[lm.end() :][:40])
                if date and date[0].start() == 0:
                    fields.published_at = date[1]
                    fields.date_labelled = True
        for f in parse_fields_line(line):
            if f.kind != "date" and "=" in f.value and _MARKUP_RESIDUE.search(f.value):
                continue  # 'size="20"': a broken tag's attribute shown as text, not a value
            if f.kind == "date":
                if not fields.date_labelled:
                    date = first_date(line[f.start :])
                    iso = date[1] if date else roc_date(f.value)
                    if iso:
                        fields.published_at = iso
                        fields.date_labelled = True
            elif f.kind == "source":
                if fields.source is None and f.value not in NOT_NAMES:
                    fields.source = clean_value(re.split(r"\s", f.value)[0] if len(f.value) > 30 else f.value)
            elif f.kind == "author":
                if (
                    fields.author is None
                    and f.value
                    and len(f.value) <= 40
                    and not _QUOTE_OR_SENTENCE_END.search(f.value)
                ):
                    fields.author = clean_names(f.value)
            elif f.kind == "editor":
                if f.label in RESPONSIBLE_EDITOR_LABELS:
                    fields.credits.setdefault("responsible_editor", clean_names(f.value) or "")
                elif fields.editor is None and f.value:
                    fields.editor = clean_names(f.value)
            elif f.kind == "views":
                fields.views_label = True
                if fields.views is None:
                    m = _VIEWS_NUM.match(f.value)
                    if m:
                        fields.views = int(m.group(1).replace(",", ""))
            elif f.kind == "credit":
                role = credit_role(f.label)
                name = clean_names(f.value)
                if name and role not in fields.credits:
                    fields.credits[role] = name
        if (
            fields.views is None
            and len(line) <= 80
            and "。" not in line
            and _DIGIT.search(line)  # a count
            and _VIEWS_WORD_FIRST.search(line)
        ):
            vm = _VIEWS_INLINE.search(line)
            if vm:
                fields.views = int((vm.group(1) or vm.group(2)).replace(",", ""))
    fields.credits = {k: v for k, v in fields.credits.items() if v}
    if fields.editor is None and "responsible_editor" in fields.credits:
        fields.editor = fields.credits["responsible_editor"]


_REPORTER = re.compile(r"(?:记者|記者|评论员|評論員|通讯员|通訊員|实习生|實習生)\s*")
_BRACKETED = re.compile(r"[（(]([^()（）]{2,40})[)）]")
_NAME_TOKEN = re.compile(r"^[\u4e00-\u9fff·]{2,4}$|^[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}$")
_NAME_END = re.compile(r"发自|發自|报道|報道|摄影|攝影|/|／|摄|攝|电|電|讯|訊|供图|供圖|\d")


def byline_names(text: str, short: bool) -> str | None:
    """Reporter names from a byline: ``本报记者 张三 李四``, ``（记者 张三）``, ``XX报记者张三发自北京``.

    In a long paragraph only the bracketed form counts ("记者近日从..." is prose, not a byline).
    """
    spans = [m.group(1) for m in _BRACKETED.finditer(text)] if not short else [text]
    for span in spans:
        m = _REPORTER.search(span)
        if not m:
            continue
        rest = span[m.end() :]
        end = _NAME_END.search(rest)
        if end and end.group() in ("摄", "攝", "摄影", "攝影"):
            continue  # "新华社记者 张三 摄": a photo credit, not the story's writer
        if end:
            rest = rest[: end.start()]
        tokens = [t for t in _NAME_SPLIT.split(rest.strip(" ）)")) if t]
        names: list[str] = []
        for tok in tokens:
            if tok in NOT_NAMES or _ROLE_WORDS.fullmatch(tok) or tok in OTHER_LABELS:
                continue
            if _NAME_TOKEN.match(tok):
                names.append(tok)
            else:
                break
        if names and (short or len(rest.strip()) <= 20):
            return " ".join(names)
    return None


# Blogs and forums: "ggjjzhzz 发表于 2005-9-15", "由海姑娘张贴 @ 2005-06-10", "Posted by Jane Doe".
_POSTED_BY = re.compile(
    r"^(?:作者[:：]?\s*)?(?P<a>[^\s:：@|｜]{2,20})\s*(?:发表于|發表於|发布于|發佈於|发表在|posted\s+(?:on|at))"
    r"|由\s*(?P<b>[^\s:：@|｜]{2,20}?)\s*(?:张贴|張貼|发表|發表|发布|發佈)"
    r"|[Pp]osted\s+by\s+(?P<c>[\w.-]{2,30}(?: [\w.-]{2,30})?)",
)


def posted_by(text: str) -> str | None:
    m = _POSTED_BY.search(text)
    if not m:
        return None
    name = m["a"] or m["b"] or m["c"]
    return None if name in NOT_NAMES or name.isdigit() else name


# Taiwan's Republic-of-China calendar (民國112年 = 2023), trusted only after a date label or 民國.
_ROC_DATE = re.compile(
    r"^\s*(?:民國|民国)?\s*(?P<y>1[0-4]\d|[4-9]\d)\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d)\s*日?"
)
_ROC_ANYWHERE = re.compile(
    r"(?:民國|民国)\s*(?P<y>1[0-4]\d|[4-9]\d)\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"
)


def roc_date(text: str) -> str | None:
    m = _ROC_DATE.match(text) or _ROC_ANYWHERE.search(text)
    if not m:
        return None
    y, mo, d = int(m["y"]) + 1911, int(m["m"]), int(m["d"])
    try:
        datetime(y, mo, d)
    except ValueError:
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"
