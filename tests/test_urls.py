"""URL variants collapse to one canonical form; different pages keep different forms."""

from __future__ import annotations

import pytest

from archive.urls import canonicalize, record_id, site_of

SAME = [
    ("http://www.a.gov.cn/n/1.html", "https://www.a.gov.cn/n/1.html"),
    ("http://www.a.gov.cn/n/1.html", "http://WWW.A.GOV.CN/n/1.html"),
    ("http://www.a.gov.cn/n/1.html", "http://www.a.gov.cn:80/n/1.html"),
    ("https://www.a.gov.cn/n/1.html", "https://www.a.gov.cn:443/n/1.html"),
    ("http://www.a.gov.cn/n/1.html", "http://www.a.gov.cn/n/1.html#comments"),
    ("http://www.a.gov.cn/n/1.html", "http://www.a.gov.cn/n/1.html?utm_source=wx&utm_medium=share"),
    ("http://www.a.gov.cn/n/1.html", "http://www.a.gov.cn/n/1.html?spm=a2c4g.11186623"),
    ("http://www.a.gov.cn/n/1.html", "http://www.a.gov.cn/n/1.html?from=timeline&isappinstalled=0"),
    ("http://a.com/news", "http://a.com/news/"),
    ("http://a.com/news/", "http://a.com/news/index.html"),
    ("http://a.com/news/", "http://a.com/news/default.htm"),
    ("http://a.com/news/", "http://a.com/news/index.shtml"),
    ("http://a.com/", "http://a.com"),
    ("http://a.com/", "http://a.com/index.html"),
    ("http://a.com/show?id=3&cat=2", "http://a.com/show?cat=2&id=3"),
    ("http://a.com/show?id=3&cat=2", "http://a.com/show?cat=2&id=3&utm_campaign=x"),
    ("http://a.com/%E6%96%B0%E9%97%BB/1.html", "http://a.com/新闻/1.html"),
    ("http://a.com/a%2fb", "http://a.com/a%2Fb"),
    ("http://a.com/x.html", "  http://a.com/x.html \n"),
]

DIFFERENT = [
    ("http://a.com/show?id=3", "http://a.com/show?id=4"),
    ("http://a.com/n/1.html", "http://a.com/n/2.html"),
    ("http://a.com/n/1.html", "http://b.com/n/1.html"),
    ("http://a.com:8080/n/1.html", "http://a.com/n/1.html"),
    ("http://www.a.com/n/1.html", "http://m.a.com/n/1.html"),
    ("http://a.com/news/index_2.html", "http://a.com/news/index.html"),
    ("http://a.com/Content.html", "http://a.com/content.html"),
    ("http://a.com/show?source=xinhua", "http://a.com/show"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_variants_share_one_canonical_form(a: str, b: str) -> None:
    assert canonicalize(a) == canonicalize(b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_pages_keep_different_forms(a: str, b: str) -> None:
    assert canonicalize(a) != canonicalize(b)


def test_canonical_form_is_stable_under_canonicalization() -> None:
    for a, b in SAME + DIFFERENT:
        for url in (a, b):
            assert canonicalize(canonicalize(url)) == canonicalize(url)


def test_odd_urls_do_not_raise() -> None:
    for url in (
        "",
        "mailto:x@y.z",
        "javascript:void(0)",
        "http://a.com:99999999/x",
        "http://[::1]/a",
        "//a.com/x",
    ):
        assert isinstance(canonicalize(url), str)


def test_site_and_record_id() -> None:
    assert site_of("https://WWW.Zhuzhou.gov.cn:8443/n/1.html") == "zhuzhou.gov.cn"
    assert site_of("http://m.xinhuanet.com/a") == "m.xinhuanet.com"
    rid = record_id(canonicalize("https://www.a.com/n/1.html?utm_source=x"))
    assert rid == record_id(canonicalize("http://www.a.com/n/1.html")) and len(rid) == 16
    int(rid, 16)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_segment = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=8)


@settings(max_examples=100, deadline=None)
@given(
    scheme=st.sampled_from(["http", "https", "HTTP"]),
    host=st.from_regex(r"[a-zA-Z0-9]{1,8}(\.[a-zA-Z0-9]{1,8}){1,2}", fullmatch=True),
    port=st.sampled_from(["", ":80", ":443", ":8080"]),
    path=st.lists(_segment, max_size=4),
    query=st.lists(
        st.tuples(st.sampled_from(["id", "utm_source", "spm", "page", "from", "q"]), _segment), max_size=4
    ),
    fragment=_segment,
)
def test_canonical_form_is_idempotent_and_ignores_tracking(scheme, host, port, path, query, fragment) -> None:  # type: ignore[no-untyped-def]
    from urllib.parse import quote, urlencode

    url = (
        f"{scheme}://{host}{port}/"
        + "/".join(quote(p) for p in path)
        + "?"
        + urlencode(query)
        + "#"
        + quote(fragment)
    )
    canon = canonicalize(url)
    assert canonicalize(canon) == canon
    assert "utm_source" not in canon and "spm=" not in canon and "#" not in canon
    kept = [(k, v) for k, v in query if k not in ("utm_source", "spm", "from")]
    bare = (
        f"{scheme.lower()}://{host.lower()}{port}/" + "/".join(quote(p) for p in path) + "?" + urlencode(kept)
    )
    assert canonicalize(bare) == canon


# Plain URLs (no query, escapes or dot segments) skip w3lib: their canonical form must be what the w3lib path
# makes of them. Hosts and paths are drawn from an alphabet wider than the shortcut's, so near misses (a dot
# segment, a "%", a label starting with "-", a long label, an "xn--" label, a port of 0 or over 65535) are drawn.
_host_label = st.text(alphabet="aZ09-_.x", min_size=1, max_size=6) | st.sampled_from(
    ["xn--", "xn--abc", "xn--fiqs8s", "a" * 64, "WWW", "127", "0"]
)
_path_segment = st.text(alphabet="aZ09._~-%!$'()*+,;=:@ 新", max_size=6) | st.sampled_from(
    [".", "..", "index.html", "INDEX.HTM", "default.aspx", "a.", ".a"]
)


@settings(max_examples=400, deadline=None)
@given(
    scheme=st.sampled_from(["http", "https", "HTTP", "hTtPs", "ftp"]),
    labels=st.lists(_host_label, min_size=1, max_size=4),
    port=st.sampled_from(["", ":80", ":443", ":8080", ":0", ":65535", ":65536", ":99999", ":080", ":"]),
    path=st.lists(_path_segment, max_size=4),
    slash=st.booleans(),
    space=st.sampled_from(["", " ", "\n"]),
)
def test_plain_urls_take_the_w3lib_paths_result(scheme, labels, port, path, slash, space) -> None:  # type: ignore[no-untyped-def]
    from archive.urls import _canonicalize_parsed

    url = (
        f"{space}{scheme}://{'.'.join(labels)}{port}"
        + "".join("/" + p for p in path)
        + ("/" if slash else "")
    )
    assert canonicalize(url) == _canonicalize_parsed(url.strip())


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/news/2021/t20240205_1.html",
        "https://www.a.gov.cn/",
        "https://www.a.gov.cn",
        "http://WWW.A.GOV.CN./col/ABC~1/index.shtml",
        "http://a.com:443/x/",
        "https://a.com:80/x/",
        "http://a.com/a/./b",
        "http://a.com/a/../b",
        "http://a.com//b",
        "http://xn--fiqs8s.cn/1.html",
    ],
)
def test_common_urls_take_the_w3lib_paths_result(url: str) -> None:
    from archive.urls import _canonicalize_parsed

    assert canonicalize(url) == _canonicalize_parsed(url)
