"""Optional per-site profiles: a TOML file that tells the crawl what a generic crawl has to guess.

A profile may hold one site or several (``[[site]]`` tables)::

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
    author = ".author"
    source = ".source"

Every key is optional. Selector overrides are applied by :func:`apply_selectors` to the record the
archive extracted (see docs/crawling.md for where that happens).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from archive.errors import BadInput

SELECTOR_FIELDS = ("title", "body", "published_at", "author", "source", "editor")


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

    def for_url(self, url: str) -> SiteProfile | None:
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


def parse_profiles(data: dict[str, Any], source: str = "profile") -> Profiles:
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
    return Profiles(tuple(sites))


def load_profiles(path: str | Path) -> Profiles:
    """Read a profile file; a missing or malformed file is a one-line BadInput."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"{path}: no such profile file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: not a valid TOML profile: {exc}") from None
    return parse_profiles(data, str(path))


def apply_selectors(record: dict[str, Any], html: str, selectors: dict[str, str]) -> dict[str, Any]:
    """The record with the fields a profile's selectors find on the page replaced (text, whitespace
    collapsed; ``body`` as paragraphs joined by blank lines). Fields whose selector matches nothing keep the
    generic extraction's value."""
    import lxml.html
    from lxml.cssselect import CSSSelector

    if not selectors:
        return record
    doc = lxml.html.document_fromstring(html)
    out = dict(record)
    for name, css in selectors.items():
        try:
            found = CSSSelector(css)(doc)
        except Exception:
            continue
        if not found:
            continue
        if name == "body":
            paras = [" ".join(p.text_content().split()) for p in found[0].iter("p")]
            paras = [p for p in paras if p] or [" ".join(found[0].text_content().split())]
            out["body"] = "\n\n".join(paras)
        else:
            out[name] = " ".join(found[0].text_content().split()) or out.get(name)
    return out
