"""Per-site profiles: the model of a profile file, and the extraction overrides it makes.

A profile file (TOML, one ``[[site]]`` table per site) tells the archive what generic extraction has to guess
for the sites one cares most about::

    [[site]]
    name = "zhuzhou"
    start_urls = ["https://www.zhuzhou.gov.cn/"]
    allowed_paths = ["^/(?:c|art|col)/"]          # regexes on the URL path; others are not followed
    article_patterns = ["/art/\\\\d{4}/"]           # regexes on path + query: these links are articles
    listing_patterns = ["/col/col\\\\d+/"]          # these are listings (walked, not archived)
    timezone = "Asia/Shanghai"                     # the site's time zone for times without an offset
    [site.selectors]                               # CSS selectors that override the generic extraction
    title = "h1.title"
    body = "div#zoom"
    published_at = ".time"

Every key is optional. Start URLs, allowed paths and URL patterns steer the crawl (``crawler.profiles``);
selectors and the time zone are part of extraction (:class:`ProfileExtractor`), so a crawl, a WARC import
and a reparse make the same record. The archive keeps the profile file it was last given (:func:`save`),
and the ingest path uses it when no profile is passed (:func:`stored`).
"""

from __future__ import annotations

import re
import sqlite3
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lxml import etree

from archive.article import Article
from archive.db import connect
from archive.errors import BadInput
from archive.page import Page

SELECTOR_FIELDS = ("title", "body", "published_at", "author", "source", "editor")
SETTINGS_KEY = "profiles"


@dataclass(frozen=True)
class SiteProfile:
    name: str
    start_urls: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    allowed_paths: tuple[re.Pattern[str], ...] = ()
    article_patterns: tuple[re.Pattern[str], ...] = ()
    listing_patterns: tuple[re.Pattern[str], ...] = ()
    timezone: str | None = None
    selectors: dict[str, str] = field(default_factory=dict)

    def allows(self, url: str) -> bool:
        if not self.allowed_paths:
            return True
        path = urlsplit(url).path or "/"
        return path == "/" or any(p.search(path) for p in self.allowed_paths)

    def classify(self, url: str) -> str | None:
        """'article' / 'listing' when a pattern of the profile says so, else None (generic rules apply)."""
        parts = urlsplit(url)
        target = parts.path + ("?" + parts.query if parts.query else "")
        if any(p.search(target) for p in self.article_patterns):
            return "article"
        if any(p.search(target) for p in self.listing_patterns):
            return "listing"
        return None


@dataclass(frozen=True)
class Profiles:
    sites: tuple[SiteProfile, ...] = ()
    # The TOML text the profiles were read from: what the archive stores, so a reparse reads the same.
    text: str = field(default="", compare=False)

    def for_url(self, url: str) -> SiteProfile | None:
        """The profile of the page's site, matched by host (a profile's hosts cover their subdomains)."""
        host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
        for site in self.sites:
            if any(host == h or host.endswith("." + h) for h in site.hosts):
                return site
        return None

    @property
    def start_urls(self) -> list[str]:
        return [u for s in self.sites for u in s.start_urls]


def _patterns(values: Any, key: str, source: str) -> tuple[re.Pattern[str], ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    out = []
    for v in values:
        try:
            out.append(re.compile(str(v)))
        except re.error as exc:
            raise BadInput(f"{source}: {key}: bad regular expression {v!r}: {exc}") from None
    return tuple(out)


def parse_profiles(data: dict[str, Any], source: str = "profile", text: str = "") -> Profiles:
    raw_sites = data.get("site", [data] if data else [])
    if isinstance(raw_sites, dict):
        raw_sites = [raw_sites]
    sites = []
    for i, raw in enumerate(raw_sites):
        if not isinstance(raw, dict):
            raise BadInput(f"{source}: site #{i + 1} is not a table")
        start_urls = tuple(str(u) for u in raw.get("start_urls", []))
        hosts = [str(h).lower().removeprefix("www.") for h in raw.get("hosts", [])]
        hosts += [(urlsplit(u).hostname or "").lower().removeprefix("www.") for u in start_urls]
        tz = raw.get("timezone")
        if tz is not None:
            try:
                ZoneInfo(str(tz))
            except (ZoneInfoNotFoundError, ValueError):
                raise BadInput(f"{source}: unknown time zone {tz!r}") from None
        selectors = {str(k): str(v) for k, v in (raw.get("selectors") or {}).items()}
        unknown = set(selectors) - set(SELECTOR_FIELDS)
        if unknown:
            raise BadInput(f"{source}: selectors for unknown fields: {', '.join(sorted(unknown))}")
        sites.append(
            SiteProfile(
                name=str(raw.get("name") or (hosts[0] if hosts else f"site{i + 1}")),
                start_urls=start_urls,
                hosts=tuple(dict.fromkeys(h for h in hosts if h)),
                allowed_paths=_patterns(raw.get("allowed_paths"), "allowed_paths", source),
                article_patterns=_patterns(raw.get("article_patterns"), "article_patterns", source),
                listing_patterns=_patterns(raw.get("listing_patterns"), "listing_patterns", source),
                timezone=str(tz) if tz else None,
                selectors=selectors,
            )
        )
    return Profiles(tuple(sites), text)


def profiles_from_text(text: str, source: str = "profile") -> Profiles:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{source}: not a valid TOML profile: {exc}") from None
    return parse_profiles(data, source, text)


def load_profiles(path: str | Path) -> Profiles:
    """Read a profile file; a missing or malformed file is a one-line BadInput."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"{path}: no such profile file") from None
    except IsADirectoryError:
        raise BadInput(f"{path}: is a directory, not a profile file") from None
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: not a valid TOML profile: {exc}") from None
    return profiles_from_text(text, str(path))


# -- the archive's stored profiles ----------------------------------------------------------------------------


def stored(conn: sqlite3.Connection) -> Profiles:
    """The profiles the archive was last given (none when it never was)."""
    try:
        row = conn.execute("SELECT value FROM settings WHERE key = ?", (SETTINGS_KEY,)).fetchone()
    except sqlite3.OperationalError:  # an archive made before the settings table: it holds none
        return Profiles()
    return profiles_from_text(row[0], "the archive's stored profiles") if row else Profiles()


def stored_at(db_path: str | Path) -> Profiles:
    """The profiles the archive at ``db_path`` keeps, read read-only (without opening it for writing); none
    when there is no archive there yet."""
    if not Path(db_path).exists():
        return Profiles()
    conn = connect(db_path, readonly=True)
    try:
        return stored(conn)
    finally:
        conn.close()


def save(conn: sqlite3.Connection, profiles: Profiles) -> None:
    """Keep the profile file in the archive, so a reparse or an import without --profile applies it too."""
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (SETTINGS_KEY, profiles.text),
    )


# -- extraction overrides -------------------------------------------------------------------------------------


def apply_selectors(record: dict[str, Any], html: str, selectors: dict[str, str]) -> dict[str, Any]:
    """The record with the fields a profile's selectors find on the page replaced (text, whitespace
    collapsed; ``body`` as paragraphs joined by blank lines; ``published_at`` as the ISO date the text
    holds). Fields whose selector matches nothing keep the generic extraction's value."""
    import lxml.html
    from lxml.cssselect import CSSSelector, SelectorError

    if not selectors:
        return record
    doc = lxml.html.document_fromstring(html)
    out = dict(record)
    for name, css in selectors.items():
        try:
            found = CSSSelector(css)(doc)
        except SelectorError:
            continue
        if not found:
            continue
        if name == "body":
            paras = [" ".join(p.text_content().split()) for p in found[0].iter("p")]
            paras = [p for p in paras if p] or [" ".join(found[0].text_content().split())]
            out["body"] = "\n\n".join(paras)
        elif name == "published_at":
            out["published_at"] = _date_in(found[0].text_content()) or out.get("published_at")
        else:
            out[name] = " ".join(found[0].text_content().split()) or out.get(name)
    return out


def _date_in(text: str) -> str | None:
    """The first date (and time) in a selected element's text, ISO 8601 without an offset."""
    from archive.extract.meta import find_dates

    dates = find_dates(text)
    return dates[0][1] if dates else None


def in_site_zone(published_at: str, tz: str) -> str:
    """A time read off the page, placed in the site's own zone. A time with no offset, or with the
    extraction's default +08:00, is taken as the site's wall-clock time; seconds only if the page gave them."""
    try:
        moment = datetime.fromisoformat(published_at)
    except ValueError:
        return published_at
    if moment.tzinfo is not None and not published_at.endswith("+08:00"):
        return published_at  # the page said which offset: keep it
    local = moment.replace(tzinfo=ZoneInfo(tz))
    has_seconds = published_at.split("T", 1)[1][:8].count(":") == 2
    return local.isoformat(timespec="seconds" if has_seconds else "minutes")


def _has_offset(iso: str) -> bool:
    return bool(re.search(r"(?:[+-]\d{2}:?\d{2}|Z)$", iso))


class ProfileExtractor:
    """An extractor (the archive's by default, which joins a multi-page article's parts itself) with the
    page's site profile applied: its selectors (on the first page's HTML) and its time zone.

    Picklable (module-level base, plain data), so extraction pools can run it."""

    def __init__(self, base: Any, profiles: Profiles) -> None:
        self.base = base
        self.profiles = profiles

    def __call__(self, page: Page) -> Article:
        article: Article = self.base(page)
        profile = self.profiles.for_url(page.effective_url) if self.profiles.sites else None
        if profile is not None and article.page_type == "article":
            article = self._apply(page, article, profile)
        return article

    def _apply(self, page: Page, article: Article, profile: SiteProfile) -> Article:
        if profile.selectors and article.encoding:
            try:
                html = page.body.decode(article.encoding, errors="replace")
            except LookupError:
                html = page.body.decode("utf-8", errors="replace")
            try:
                article = Article.from_dict(apply_selectors(article.to_dict(), html, profile.selectors))
            except (ValueError, etree.LxmlError):
                pass  # a page lxml cannot read as a document: the generic record stands
        published = article.published_at
        if published and "T" in published:
            if profile.timezone:
                article.published_at = in_site_zone(published, profile.timezone)
            elif not _has_offset(published) and (article.lang or "").startswith("zh"):
                # A selector's time has no offset: the SPEC's default for Chinese-language pages.
                article.published_at = published + "+08:00"
        return article


def with_profiles(base: Any, profiles: Profiles) -> Any:
    """``base`` with the profiles applied, or ``base`` itself when there are none."""
    return ProfileExtractor(base, profiles) if profiles.sites else base
