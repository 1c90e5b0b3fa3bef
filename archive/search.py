"""Full-text search over the archive: FTS5 with CJK bigrams, either Chinese script, highlighted snippets.

Why bigrams: FTS5's ``trigram`` tokenizer cannot match a two-character Chinese word, and ``unicode61`` makes a
whole run of Han characters one token. So the text is *folded* (NFKC, Traditional -> Simplified with OpenCC,
lower case; every step length-preserving so positions still point into the original) and each run of CJK
characters is written as its overlapping character bigrams (``北京市长`` -> ``北京 京市 市长``); Latin-script words
stay whole. That text goes into ``articles_fts`` (tokenizer unicode61), whose ``content="articles"`` makes
datasette and sqlite-utils detect it as the articles' search index. A query is folded the same way: a
two-character word is one token, a longer one a phrase of bigrams, so a Simplified query finds a Traditional
article and the reverse.

Snippets are cut from the original body (not the bigram text) around the matches, which are marked.

Write side: :func:`indexed_state` before an article's title or body changes and :func:`index_article` after,
called by the ingest path inside its transaction. FTS5 needs the text it indexed to delete an entry of an
external-content index, and that text is the article's row as it was: nothing else is kept (release 0.1 kept a
compressed copy of it, a tenth of the archive's size; schema v2 drops it).
"""

from __future__ import annotations

import re
import sqlite3
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from operator import add
from typing import Any

import numpy as np
import sqlite_utils

from archive.errors import BadInput
from archive.simplified import (
    TABLE_END,
    alnum_table,
    code_points,
    nfkc,
    nfkc_each_char,
    nfkc_uncached,
    table_lookup,
    to_simplified,
    to_simplified_uncached,
)
from archive.urls import site_of

# Weights of the title and body columns in bm25 ranking: a match in the headline counts more.
TITLE_WEIGHT = 5.0
BODY_WEIGHT = 1.0
SNIPPET_CHARS = 120
# A query matching more articles than this ranks only the newest this many of them (by rowid, the order of
# archiving): scoring a phrase costs several microseconds per match, and a word found in most of a large
# archive would otherwise take longer than an interactive search should (docs/benchmarks.md, ## Search).
# Filters apply first, so a narrower query reaches older articles.
RANK_WINDOW = 2_000
DEFAULT_MARKS = ("<mark>", "</mark>")
# Segment merging after a session of writes (compact_index): leaf pages of merge work per article indexed.
# An article's entry spans about two leaf pages, so this rewrites what was written a few times over: enough to
# keep the index in few segments (docs/benchmarks.md, ## Ingest).
MERGE_PAGES_PER_ARTICLE = 8
_MERGE_STEP = 500

# Scripts written without spaces between words: indexed as character bigrams.
_CJK_RANGES = (
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0x20000, 0x3134F),  # CJK Extensions B-H
)
_CJK = "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in _CJK_RANGES)
_CJK_RUN = re.compile(f"[{_CJK}]+")
# A CJK run, or a run of other word characters (letters, digits), never the underscore.
_SEGMENT = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")

Connection = sqlite3.Connection | sqlite_utils.Database


def _same_length(
    func: Callable[[str], str],
    text: str,
    piece_func: Callable[[str], str] | None = None,
    char_func: Callable[[str], str] | None = None,
) -> str:
    """Apply ``func`` to text, falling back per line, then per character, where it would change the length.

    ``piece_func``: the same function for the pieces, if ``func`` remembers whole texts (pieces would push them
    out of its cache); ``char_func``: the per-character fallback for a whole line at once, if there is one.
    """
    whole = func(text)
    if len(whole) == len(text):
        return str(whole)
    piece = piece_func or func
    parts = []
    for line in text.splitlines(keepends=True):
        out = piece(line)
        if len(out) != len(line):
            if char_func is not None:
                out = char_func(line)
            else:
                out = "".join(c2 if len(c2 := piece(c)) == 1 else c for c in line)
        parts.append(out)
    return "".join(parts)


def _without_diacritics() -> dict[str, str]:
    """Latin letters with diacritics -> their base letter (é -> e), one character for one, as unicode61's
    remove_diacritics does in the index; so that highlighting finds what the index matched."""
    table = {}
    for code in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        base = unicodedata.normalize("NFD", chr(code))[0]
        if base != chr(code) and base.isascii():
            table[chr(code)] = base
    return table


_DIACRITICS = _without_diacritics()
# Only the letters to replace are visited: str.translate looks every character of a text up (60 ns each).
_DIACRITIC = re.compile("[" + "".join(_DIACRITICS) + "]")


def _base_letter(match: re.Match[str]) -> str:
    return _DIACRITICS[match.group()]


def fold(text: str) -> str:
    """The text as searched: NFKC, Simplified, lower case, no diacritics; same length as ``text``, character
    for character (so positions in it are positions in the original)."""
    text = _same_length(nfkc, text, nfkc_uncached, nfkc_each_char)
    # The same conversion as dedup's normalize_text (one OpenCC run per text, remembered) wherever NFKC kept
    # the text's length.
    text = _same_length(to_simplified, text, to_simplified_uncached)
    return _DIACRITIC.sub(_base_letter, _same_length(str.lower, text))


def _segment_tokens(segment: str) -> list[str]:
    if len(segment) > 1 and _CJK_RUN.fullmatch(segment):
        return list(map(add, segment, segment[1:]))  # the overlapping bigrams
    return [segment]


def tokens(text: str) -> list[str]:
    """The tokens of already folded text: CJK bigrams (a lone CJK character as itself) and whole words."""
    out: list[str] = []
    for segment in _SEGMENT.findall(text):
        out.extend(_segment_tokens(segment))
    return out


def index_text(text: str | None) -> str:
    """What goes into the FTS index for one column: the folded text's tokens separated by spaces.

    Removing an entry recomputes this from the stored original, so a change to fold() or tokens() that can
    alter its output needs a schema migration that calls rebuild_index().
    """
    if text:
        ready = getattr(_READY, "texts", {}).get(text)
        if ready is not None:
            return ready
    return _index_text(text)


# Texts whose index_text is computed already, in this thread (see index_texts_ready).
_READY = threading.local()


@contextmanager
def index_texts_ready(texts: Iterable[str | None]) -> Iterator[None]:
    """Within the block, :func:`index_text` of each of ``texts`` comes computed.

    For the ingest path, which computes a batch's texts together before the batch's SQL: the text work's code
    and tables then stay in the CPU's caches instead of being evicted by SQLite's between two articles.
    """
    ready: dict[str, str] = {}
    for text in texts:
        if text and text not in ready:
            try:
                ready[text] = _index_text(text)
            except Exception:  # raised again where the text is indexed: that page fails alone, as it did
                continue
    _READY.texts = ready
    try:
        yield
    finally:
        _READY.texts = {}


def _index_text(text: str | None) -> str:
    folded = fold(text or "")
    if len(folded) < _ARRAY_FROM:
        return " ".join(tokens(folded))
    return _joined_tokens(folded)


# From this length on, index_text works on the code points as an array: about 17 µs per text and 12 ns a
# character, where a regular expression and a list of bigrams cost about 0.09 µs a character.
_ARRAY_FROM = 200
_SEPARATOR, _WORD, _CJK_CHAR = 0, 1, 2
_SPACE = ord(" ")


@lru_cache(maxsize=1)
def _class_table() -> np.ndarray:
    """The class of each code point below TABLE_END as _SEGMENT sees it: CJK, other word character
    (str.isalnum, which is what ``[^\\W_]`` matches), or separator."""
    classes = np.where(alnum_table(), _WORD, _SEPARATOR).astype(np.uint8)
    for lo, hi in _CJK_RANGES:
        classes[lo : min(hi + 1, TABLE_END)] = _CJK_CHAR
    return classes


def _class_of(char: str) -> int:
    return _CJK_CHAR if _CJK_RUN.match(char) else _WORD if char.isalnum() else _SEPARATOR


def _classes(codes: np.ndarray) -> np.ndarray:
    return table_lookup(_class_table(), codes, _class_of)


def _joined_tokens(folded: str) -> str:
    """``" ".join(tokens(folded))`` for a non-empty text, computed on its code points as an array.

    A segment (what _SEGMENT matches) is a maximal run of characters of one class, CJK or other word
    characters. Each character is copied, a space goes before every segment but the first, and a CJK
    character with CJK characters on both sides is written twice with a space between: ``北京市长`` ->
    ``北京 京市 市长``, the run's bigrams.
    """
    codes = code_points(folded)
    classes = _classes(codes)
    kept = classes != _SEPARATOR
    first = kept.argmax()
    if not kept[first]:
        return ""
    # marks: the characters whose copies hold a space, before them (a segment's first character) or between
    # them (a CJK character inside a run).
    marks = np.empty_like(kept)
    marks[0] = False
    np.not_equal(classes[1:], classes[:-1], out=marks[1:])
    marks &= kept
    marks[first] = False  # the first segment
    cjk = classes == _CJK_CHAR
    inner = cjk[1:-1] & cjk[:-2]
    inner &= cjk[2:]
    marks[1:-1] |= inner
    counts = kept.astype(np.intp)  # copies: the character, the space, the character again inside a CJK run
    counts += marks
    counts[1:-1] += inner
    out = np.repeat(codes, counts)
    # Either way the space is the second-last copy: " c" for a segment's start, "c c" inside a run.
    out[np.add.accumulate(counts)[marks] - 2] = _SPACE
    return out.tobytes().decode("utf-32-le")


# --- write side -------------------------------------------------------------------------------------------


def _conn(db: Connection) -> sqlite3.Connection:
    return db.conn if isinstance(db, sqlite_utils.Database) else db


@dataclass(frozen=True)
class Indexed:
    """What the index holds for one article: its rowid, title and body as they were indexed.

    The index holds, for every row of ``articles``, its current title and body at its rowid. FTS5 removes an
    entry of an external-content index only when given the very text it indexed, so whoever changes an
    article's title or body (the ingest path, nobody else) takes :func:`indexed_state` first and calls
    :func:`index_article` with it afterwards.
    """

    rowid: int
    title: str | None
    body: str | None


def indexed_state(db: Connection, article_id: str) -> Indexed | None:
    """What the index holds for ``article_id`` now (its current row), or None if it has no row."""
    row = _conn(db).execute("SELECT rowid, title, body FROM articles WHERE id = ?", (article_id,)).fetchone()
    return None if row is None else Indexed(*row)


def _delete_entry(conn: sqlite3.Connection, entry: Indexed) -> None:
    conn.execute(
        "INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', ?, ?, ?)",
        (entry.rowid, index_text(entry.title), index_text(entry.body)),
    )


def _insert_entry(conn: sqlite3.Connection, entry: Indexed) -> None:
    conn.execute(
        "INSERT INTO articles_fts(rowid, title, body) VALUES (?, ?, ?)",
        (entry.rowid, index_text(entry.title), index_text(entry.body)),
    )


def index_article(db: Connection, article_id: str, before: Indexed | None) -> bool:
    """Bring the index from ``before`` (what :func:`indexed_state` gave before the article changed) to the
    article's row as it is now: removed, added or replaced; nothing when the text is unchanged.

    Runs in the caller's transaction (the ingest path's). True when the index changed.
    """
    conn = _conn(db)
    now = indexed_state(conn, article_id)
    if now == before:
        return False
    if before is not None:
        _delete_entry(conn, before)
    if now is not None:
        _insert_entry(conn, now)
    return True


def compact_index(db: Connection, articles: int) -> int:
    """Merge the index's segments, about :data:`MERGE_PAGES_PER_ARTICLE` leaf pages of work for each of the
    ``articles`` (re)indexed since the last call; in the caller's transaction. Returns the merge steps run.

    FTS5 merges segments as they are written, but leaves up to 'automerge' segments on each level, each
    repeating the terms it shares with the others: merging them saves 7% of the index on 2,000 articles. Work
    in proportion to what was written keeps a run's cost bounded however large the archive is.
    """
    conn = _conn(db)
    budget = articles * MERGE_PAGES_PER_ARTICLE
    steps = 0
    while budget > 0:
        step = min(budget, _MERGE_STEP)
        before = conn.total_changes
        # A negative page count merges segments of any level, not only a level that holds 'usermerge' of them.
        conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('merge', ?)", (-step,))
        steps += 1
        if conn.total_changes - before < 2:  # FTS5's documented sign that there was nothing left to merge
            break
        budget -= step
    return steps


def bulk_index(db: Connection, rows: Iterable[tuple[int, str | None, str | None]]) -> int:
    """Index articles not indexed yet, given as (rowid, title, body); in the caller's transaction.

    For bulk loads and rebuilds: no look-up of earlier entries, so each article must not be in the index.
    """
    conn = _conn(db)
    count = 0
    for rowid, title, body in rows:
        _insert_entry(conn, Indexed(rowid, title, body))
        count += 1
    return count


def rebuild_index(db: Connection) -> int:
    """Drop every index entry and index every article again, in one transaction; returns the count.

    For an archive whose index was rebuilt by another tool (``sqlite-utils rebuild-fts`` would index the raw
    text, not the bigrams) or made by an older tokenization.
    """
    conn = _conn(db)
    conn.execute("BEGIN IMMEDIATE")
    try:
        count = reindex_all(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return count


def reindex_all(conn: sqlite3.Connection) -> int:
    """:func:`rebuild_index` inside the caller's transaction."""
    conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('delete-all')")
    count = 0
    last = -1
    while True:  # in chunks, so a large archive is never held in memory whole
        chunk = conn.execute(
            "SELECT rowid, title, body FROM articles WHERE rowid > ? ORDER BY rowid LIMIT 1000", (last,)
        ).fetchall()
        if not chunk:
            return count
        count += bulk_index(conn, chunk)
        last = chunk[-1][0]


# --- queries ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One searched word or quoted phrase: its folded segments, in order, and whether the last is a prefix."""

    segments: tuple[str, ...]
    prefix: bool = False

    def fts(self) -> str:
        toks = [t for s in self.segments for t in _segment_tokens(s)]
        if len(toks) == 1 and _CJK_RUN.fullmatch(toks[0]) and len(toks[0]) == 1:
            # A lone CJK character: the bigrams that start with it, or itself where it stood alone.
            return f'"{toks[0]}" *'
        return '"' + " ".join(toks) + '"' + (" *" if self.prefix else "")


@dataclass
class Query:
    """A parsed query: the FTS5 MATCH expression and the terms to highlight."""

    expression: str
    terms: list[Term] = field(default_factory=list)


_LEXER = re.compile(r'\s*(?:(?P<quote>"[^"]*"?)|(?P<paren>[()])|(?P<word>[^\s"()]+))')
_OPERATORS = ("AND", "OR", "NOT")


def _lex(query: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    query = query.strip()
    while pos < len(query):
        m = _LEXER.match(query, pos)
        if m is None:  # pragma: no cover - the pattern matches any non-space character
            raise BadInput(f"malformed query at character {pos + 1}")
        pos = m.end()
        if m.group("quote") is not None:
            text = m.group("quote")
            if len(text) < 2 or not text.endswith('"'):
                raise BadInput('malformed query: unbalanced quote (")')
            out.append(("phrase", text[1:-1]))
        elif m.group("paren") is not None:
            out.append((m.group("paren"), m.group("paren")))
        else:
            word = m.group("word")
            if word in _OPERATORS:
                out.append(("op", word))
            elif word.startswith("-") and len(word) > 1:
                out.append(("not", ""))
                out.append(("word", word[1:]))
            elif word == "-":
                raise BadInput("malformed query: '-' must stand right before the word it excludes")
            else:
                out.append(("word", word))
    return out


def _term(text: str, prefix: bool) -> Term | None:
    segments = tuple(m.group() for m in _SEGMENT.finditer(fold(text)))
    return Term(segments, prefix) if segments else None


class _Parser:
    """query := or; or := and ('OR' and)*; and := item+ ; item := ['NOT'|'-'] (word | "phrase" | '(' or ')').

    Words side by side must all match (AND is implied). Rendered as FTS5 syntax with every word quoted, so
    user text can never inject FTS5 operators or column filters.
    """

    def __init__(self, toks: list[tuple[str, str]]) -> None:
        self.toks = toks
        self.pos = 0
        self.terms: list[Term] = []

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def parse(self) -> str:
        if not self.toks:
            raise BadInput("empty query")
        expr = self.parse_or()
        tok = self.peek()
        if tok is not None:
            raise BadInput(f"malformed query: unexpected {tok[1] or tok[0]!r}")
        if expr is None:
            raise BadInput("query has no searchable words")
        return expr

    def parse_or(self) -> str | None:
        parts = [self.parse_and()]
        while (tok := self.peek()) is not None and tok == ("op", "OR"):
            self.pos += 1
            if self.peek() is None or self.peek() == (")", ")"):
                raise BadInput("malformed query: OR needs a term on each side")
            parts.append(self.parse_and())
        kept = [p for p in parts if p is not None]
        if not kept:
            return None
        return kept[0] if len(kept) == 1 else "(" + " OR ".join(kept) + ")"

    def parse_and(self) -> str | None:
        positive: list[str] = []
        negative: list[str] = []
        seen_item = False
        while (tok := self.peek()) is not None and tok[0] != ")" and tok != ("op", "OR"):
            negate = False
            if tok == ("op", "AND"):
                if not seen_item:
                    raise BadInput("malformed query: AND needs a term on each side")
                self.pos += 1
                nxt = self.peek()
                if nxt is None or nxt[0] in (")", "op") and nxt != ("op", "NOT"):
                    raise BadInput("malformed query: AND needs a term on each side")
                continue
            if tok[0] in ("not",) or tok == ("op", "NOT"):
                negate = True
                self.pos += 1
                nxt = self.peek()
                if nxt is None or nxt[0] in (")", "op", "not"):
                    raise BadInput("malformed query: NOT needs a term after it")
            item = self.parse_item()
            seen_item = True
            if item is not None:
                (negative if negate else positive).append(item)
        if not seen_item:
            tok = self.peek()
            what = "end of query" if tok is None else repr(tok[1])
            raise BadInput(f"malformed query: expected a word before {what}")
        if negative and not positive:
            raise BadInput("malformed query: a query cannot only exclude words")
        if not positive:
            return None
        expr = positive[0] if len(positive) == 1 else "(" + " AND ".join(positive) + ")"
        for neg in negative:
            expr = f"({expr} NOT {neg})"
        return expr

    def parse_item(self) -> str | None:
        tok = self.toks[self.pos]
        self.pos += 1
        if tok[0] == "(":
            if self.peek() == (")", ")"):
                raise BadInput("malformed query: empty parentheses")
            inner = self.parse_or()
            if self.peek() != (")", ")"):
                raise BadInput("malformed query: unbalanced parenthesis")
            self.pos += 1
            return inner
        if tok[0] == ")":
            raise BadInput("malformed query: unbalanced parenthesis")
        if tok[0] == "phrase":
            if not tok[1].strip():
                raise BadInput("malformed query: empty quotes")
            term = _term(tok[1], prefix=False)
        else:
            text = tok[1]
            prefix = text.endswith("*") and len(text) > 1
            if text.strip("*") == "":
                raise BadInput(f"malformed query: {text!r} is not a word")
            term = _term(text.rstrip("*") if prefix else text, prefix)
        if term is None:
            return None  # punctuation only: nothing to search for
        self.terms.append(term)
        return term.fts()


def parse_query(query: str) -> Query:
    """Parse a user's query. Raises BadInput with a one-line reason when it is malformed."""
    parser = _Parser(_lex(query))
    expression = parser.parse()
    return Query(expression, parser.terms)


# --- results ----------------------------------------------------------------------------------------------


@dataclass
class Hit:
    id: str
    url: str
    title: str | None
    published_at: str | None
    site: str
    snippet: str
    score: float
    duplicate_of: str | None = None
    duplicates: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "published_at": self.published_at,
            "site": self.site,
            "snippet": self.snippet,
            "score": round(self.score, 4),
            "duplicate_of": self.duplicate_of,
            "duplicates": self.duplicates,
        }


def _highlighter(terms: Iterable[Term]) -> re.Pattern[str] | None:
    """One regex over folded text matching any searched term (longest first)."""
    patterns = []
    for term in terms:
        parts = [re.escape(s) for s in term.segments]
        pattern = r"[\W_]*".join(parts)
        if term.prefix:
            pattern += r"[^\W_]*"
        # Whole words for Latin scripts (the index matched whole tokens); CJK needs no boundary.
        if not _CJK_RUN.match(term.segments[0]):
            pattern = r"(?<![^\W_])" + pattern
        if not term.prefix and not _CJK_RUN.search(term.segments[-1][-1]):
            pattern += r"(?![^\W_])"
        patterns.append((sum(len(s) for s in term.segments), pattern))
    if not patterns:
        return None
    patterns.sort(key=lambda p: -p[0])
    return re.compile("|".join(p for _, p in patterns))


def _mark(text: str, spans: list[tuple[int, int]], marks: tuple[str, str]) -> str:
    out = []
    last = 0
    for start, end in spans:
        out.append(text[last:start])
        out.append(marks[0] + text[start:end] + marks[1])
        last = end
    out.append(text[last:])
    return "".join(out)


def make_snippet(
    text: str | None,
    pattern: re.Pattern[str] | None,
    *,
    width: int = SNIPPET_CHARS,
    marks: tuple[str, str] = DEFAULT_MARKS,
) -> str:
    """A window of the original text around the densest cluster of matches, matches marked, on one line."""
    text = text or ""
    spans = [m.span() for m in pattern.finditer(fold(text))] if pattern else []
    spans = [s for s in spans if s[1] > s[0]][:200]
    start = 0
    if spans:
        # The window (starting a little before a match) holding the most distinct matched strings.
        best = (-1, 0)
        for i, (s, _) in enumerate(spans):
            window_end = s + width
            distinct = {text[a:b].lower() for a, b in spans[i:] if b <= window_end}
            if len(distinct) > best[0]:
                best = (len(distinct), i)
        start = max(0, spans[best[1]][0] - width // 5)
    end = min(len(text), start + width)
    inside = [(a - start, b - start) for a, b in spans if a >= start and b <= end]
    snippet = _mark(text[start:end], inside, marks)
    snippet = re.sub(r"\s+", " ", snippet).strip()
    return ("…" if start > 0 else "") + snippet + ("…" if end < len(text) else "")


def _parse_day(value: str, option: str) -> str:
    """An ISO date or date-time, as the string to compare ``published_at`` with."""
    try:
        if len(value) == 10:
            return date.fromisoformat(value).isoformat()
        return datetime.fromisoformat(value).isoformat()
    except ValueError:
        raise BadInput(f"{option}: not a date (use YYYY-MM-DD or an ISO 8601 date-time): {value!r}") from None


def _filters(site: str | None, since: str | None, until: str | None) -> tuple[str, list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    if site:
        # The archive's form of a site (archive.urls.site_of: lower case, no www., no port), subdomains included.
        value = site.strip()
        host = site_of(value if "://" in value else "http://" + value)
        if not host:
            raise BadInput(f"--site: not a host name: {site!r}")
        where.append("(a.site = ? OR a.site LIKE ?)")
        args += [host, "%." + host]
    if since:
        where.append("a.published_at >= ?")
        args.append(_parse_day(since, "--since"))
    if until:
        bound = _parse_day(until, "--until")
        if len(bound) == 10:  # a whole day: everything published before the next one
            where.append("a.published_at < ?")
            args.append((date.fromisoformat(bound) + timedelta(days=1)).isoformat())
        else:
            where.append("a.published_at <= ?")
            args.append(bound)
    return "".join(f" AND {w}" for w in where), args


def search(
    db: Connection,
    query: str,
    site: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = 20,
    collapse_duplicates: bool = True,
    marks: tuple[str, str] = DEFAULT_MARKS,
) -> list[Hit]:
    """Articles matching ``query``, best first, near-copies grouped under their original.

    Raises BadInput for a malformed query or filter.
    """
    if limit < 1:
        raise BadInput("--limit must be at least 1")
    parsed = parse_query(query)
    conn = _conn(db)
    where, args = _filters(site, since, until)
    # Filters select the articles' rowids once, through the articles' indexes (site, published_at); each match
    # is then only tested for membership. ("+" keeps FTS5 from taking the IN list as rowids to look up one
    # by one.) A join testing each match against the articles table costs about five times as much for a
    # common word.
    restrict = (
        f" AND +articles_fts.rowid IN (SELECT a.rowid FROM articles a WHERE {where[5:]})" if where else ""
    )
    # One pass over the newest matches (FTS5 walks its doclists in rowid order and stops at the LIMIT), each
    # scored once; the best are picked here. See RANK_WINDOW.
    sql = (
        f"SELECT articles_fts.rowid, bm25(articles_fts, {TITLE_WEIGHT}, {BODY_WEIGHT}) FROM articles_fts "
        f"WHERE articles_fts MATCH ?{restrict} ORDER BY articles_fts.rowid DESC LIMIT ?"
    )
    try:
        rows = conn.execute(sql, [parsed.expression, *args, max(RANK_WINDOW, limit)]).fetchall()
    except sqlite3.OperationalError as exc:
        raise BadInput(f"malformed query: {exc}") from None
    rows.sort(key=lambda r: (r[1], -r[0]))  # bm25 is lower for better matches; ties: newest first
    # Groups keyed by the original's id: [best score, members in rank order].
    groups: dict[str, list[Any]] = {}
    for rowid, score in rows:
        found = conn.execute("SELECT id, duplicate_of FROM articles WHERE rowid = ?", (rowid,)).fetchone()
        if found is None:
            continue  # deleted by another tool without unindexing: a stale entry, not a hit
        article_id, duplicate_of = found
        key = (duplicate_of or article_id) if collapse_duplicates else article_id
        if key not in groups:
            if len(groups) >= limit:
                break
            groups[key] = [score, []]
        groups[key][1].append(article_id)
    pattern = _highlighter(parsed.terms)
    hits = []
    for key, (score, members) in groups.items():
        shown = key if key in members else members[0]
        row = conn.execute(
            "SELECT id, url, title, published_at, site, body, duplicate_of FROM articles WHERE id = ?",
            (shown,),
        ).fetchone()
        hits.append(
            Hit(
                id=row[0],
                url=row[1],
                title=row[2],
                published_at=row[3],
                site=row[4],
                snippet=make_snippet(row[5], pattern, marks=marks),
                score=-float(score),
                duplicate_of=row[6],
                duplicates=[m for m in members if m != shown],
            )
        )
    return hits


def highlight_title(title: str | None, query: str, marks: tuple[str, str] = DEFAULT_MARKS) -> str:
    """The title with the query's matches marked (for human-readable output)."""
    pattern = _highlighter(parse_query(query).terms)
    text = title or ""
    spans = [m.span() for m in pattern.finditer(fold(text))] if pattern else []
    return _mark(text, [s for s in spans if s[1] > s[0]], marks)
