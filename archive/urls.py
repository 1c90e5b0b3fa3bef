"""URL canonical form: the identity under which URL variants of one page collapse into one record.

Two URLs that differ only by scheme (http/https), host case, a default port, a fragment, tracking
parameters (``utm_*``, ``spm``, ``from``, ...), the order of query parameters, percent-encoding case, a
directory index file (``index.html``, ``default.htm``, ``index.shtml``, ...) or a trailing slash have the
same canonical form. The canonical form is only an identity key: records keep every URL as it was seen.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, safe_url_string

# Query parameters that only say how a reader arrived (campaigns, share buttons, click ids), never which page.
TRACKING_PARAMS = frozenset(
    {
        "spm",
        "from",
        "fromsource",
        "from_source",
        "fromid",
        "share",
        "share_from",
        "sharefrom",
        "share_token",
        "sharesource",
        "isappinstalled",
        "scene",
        "clicktime",
        "enterid",
        "wxfrom",
        "wxshare",
        "sessionid",
        "fbclid",
        "gclid",
        "dclid",
        "yclid",
        "msclkid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "ref",
        "ref_src",
        "ref_url",
        "cmpid",
        "xtor",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "hmsr", "hmpl", "hmcu", "hmkw", "hmci")

# Directory index documents: ``/news/index.html`` is ``/news/``.
INDEX_FILES = frozenset(
    {
        "index.html",
        "index.htm",
        "index.shtml",
        "index.shtm",
        "index.php",
        "index.asp",
        "index.aspx",
        "index.jsp",
        "default.htm",
        "default.html",
        "default.asp",
        "default.aspx",
        "default.shtml",
    }
)

DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_param(name: str) -> bool:
    lname = name.lower()
    return lname in TRACKING_PARAMS or lname.startswith(TRACKING_PREFIXES)


# A URL that w3lib would return unchanged but for the host's case: http(s), an ASCII host, an optional port
# without leading zeros, a path of unreserved characters whose segments never start with a dot (no dot
# segments), no query, fragment or user info. Most article URLs: they skip w3lib's parsing, quoting and
# re-assembling (3 µs a URL instead of 14). tests/test_urls.py checks the shortcut against the w3lib path.
_PLAIN_URL = re.compile(
    r"(?P<scheme>[Hh][Tt][Tt][Pp][Ss]?)://(?P<host>[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?)(?::(?P<port>[1-9][0-9]{0,4}))?"
    r"(?P<path>(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*/?)"
)


def canonicalize(url: str) -> str:
    """The canonical form of ``url`` (see the module doc). Non-HTTP URLs are returned stripped of whitespace."""
    url = url.strip()
    plain = _PLAIN_URL.fullmatch(url)
    if plain is not None:
        port = None if plain["port"] is None else int(plain["port"])
        if port is None or port <= 65535:
            return _assemble(plain["scheme"].lower(), plain["host"].lower(), port, plain["path"], "")
    return _canonicalize_parsed(url)


def _canonicalize_parsed(url: str) -> str:
    """:func:`canonicalize` of any (stripped) URL, through w3lib."""
    try:
        parts = urlsplit(safe_url_string(url))
        if parts.scheme.lower() not in DEFAULT_PORTS:
            return url
        # Tracking parameters out, on the raw query (no re-encoding); then w3lib sorts the query, normalizes
        # percent-encoding and dot segments, and drops the fragment.
        query = "&".join(
            piece
            for piece in parts.query.split("&")
            if piece and not is_tracking_param(unquote_plus(piece.split("=", 1)[0]))
        )
        parts = urlsplit(
            canonicalize_url(urlunsplit(parts._replace(query=query, fragment="")), keep_fragments=False)
        )
        port = parts.port
    except ValueError:  # an impossible port or host: keep the URL as it is, it cannot be fetched anyway
        return url
    return _assemble(parts.scheme.lower(), parts.hostname or "", port, parts.path, parts.query)


def _assemble(scheme: str, host: str, port: int | None, path: str, query: str) -> str:
    """The canonical URL from its normalized parts (host in lower case)."""
    host = host.rstrip(".")
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    default_port = port in (None, DEFAULT_PORTS[scheme])
    netloc = host if default_port else f"{host}:{port}"

    path = path or "/"
    head, _, last = path.rpartition("/")
    if last.lower() in INDEX_FILES:
        path = head + "/"
    path = path.rstrip("/") or "/"
    # http and https on their default ports serve the same document on news sites: one scheme, one key.
    # (On another port the scheme is kept: https://host:80/ must not turn into http://host/.)
    return urlunsplit(("http" if default_port else scheme, netloc, path, query, ""))


def site_of(url: str) -> str:
    """The site a URL belongs to: its host, lower case, without ``www.`` and port."""
    host = (urlsplit(url.strip()).hostname or "").rstrip(".").lower()
    return host[4:] if host.startswith("www.") else host


def record_id(canonical_url: str) -> str:
    """A record's stable id: the first 16 hex digits of the SHA-1 of the canonical URL it was first seen at."""
    return hashlib.sha1(canonical_url.encode("utf-8")).hexdigest()[:16]
