"""Per-site profiles: start URLs, allowed paths, article patterns, selector overrides, time zone."""

from __future__ import annotations

from pathlib import Path

import pytest
from sitekit import Resp, SiteServer, article_html, listing_html, paragraphs, query, run_crawl_cli

from archive.errors import BadInput
from crawler.profiles import apply_selectors, load_profiles, parse_profiles


def test_profile_file_is_parsed(tmp_path: Path) -> None:
    f = tmp_path / "p.toml"
    f.write_text(
        """
[[site]]
name = "demo"
start_urls = ["http://www.example.gov.cn/xw/"]
allowed_paths = ["^/xw/"]
article_patterns = ["/p/\\\\d+$"]
timezone = "Asia/Hong_Kong"
[site.selectors]
title = "div.headline"
""",
        encoding="utf-8",
    )
    profiles = load_profiles(f)
    site = profiles.for_url("http://example.gov.cn/xw/p/12")
    assert site is not None and site.name == "demo" and site.timezone == "Asia/Hong_Kong"
    assert site.classify("http://example.gov.cn/xw/p/12") == "article"
    assert site.allows("http://example.gov.cn/xw/a") and not site.allows("http://example.gov.cn/ads/a")
    assert profiles.start_urls == ["http://www.example.gov.cn/xw/"]
    assert profiles.for_url("http://other.cn/") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[site]]\nallowed_paths = ['(']\n", "bad regular expression"),
        ("[[site]]\ntimezone = 'Mars/Olympus'\n", "unknown time zone"),
        ("[[site]]\n[site.selectors]\ncolour = 'x'\n", "unknown fields"),
        ("this is = = not toml", "not a valid TOML"),
    ],
)
def test_bad_profiles_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput, match=message):
        load_profiles(f)


def test_apply_selectors() -> None:
    html = (
        "<html><body><div class='hl'> 真正的 标题 </div><div id='zoom'><p>一</p><p>二</p></div></body></html>"
    )
    record = {"title": "错的标题", "body": "错的正文", "author": "某人"}
    out = apply_selectors(record, html, {"title": ".hl", "body": "#zoom", "author": ".missing"})
    assert out == {"title": "真正的 标题", "body": "一\n\n二", "author": "某人"}
    assert parse_profiles({}).sites == ()


def test_crawl_with_a_profile(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    # Article URLs of a shape no generic rule knows (/xw/p/N); a section the profile keeps out (/ads/);
    # a headline in a div the generic extraction would not take for the title.
    extra = '<div class="real-headline">配置文件指定的真实标题</div>'
    site = {
        f"/xw/p/{i}": Resp(article_html(f"通用标题{i}号稿件", paragraphs(i), extra=extra).encode())
        for i in range(1, 4)
    }
    site["/ads/t20240305_9.html"] = Resp(article_html("广告页面稿件标题", paragraphs(9)).encode())
    site["/xw/"] = Resp(
        listing_html(
            "新闻", [(f"/xw/p/{i}", "稿件") for i in range(1, 4)] + [("/ads/t20240305_9.html", "广告")]
        ).encode()
    )
    with SiteServer(site) as srv:
        profile = tmp_path / "site.toml"
        profile.write_text(
            f"""
[[site]]
start_urls = ["{srv.url("/xw/")}"]
allowed_paths = ["^/xw/"]
article_patterns = ["^/xw/p/\\\\d+$"]
[site.selectors]
title = "div.real-headline"
""",
            encoding="utf-8",
        )
        result = run_crawl_cli(db, extra=["--profile", str(profile)])
        assert result.returncode == 0, result.stderr[-2000:]
        assert not srv.requests_for("/ads/t20240305_9.html")
    rows = query(db, "SELECT url, title FROM articles ORDER BY url")
    assert [u.rsplit("/", 1)[1] for u, _ in rows] == ["1", "2", "3"]
    assert {t for _, t in rows} == {"配置文件指定的真实标题"}


def test_site_time_zone_from_the_profile() -> None:
    from archive.article import Article
    from archive.page import Page
    from crawler.pipelines import SiteAwareExtractor, in_site_zone

    assert in_site_zone("2024-03-05T10:20+08:00", "Europe/Berlin") == "2024-03-05T10:20+01:00"
    assert in_site_zone("2024-07-05T10:20:30", "Europe/Berlin") == "2024-07-05T10:20:30+02:00"
    assert in_site_zone("2024-03-05T10:20-05:00", "Europe/Berlin") == "2024-03-05T10:20-05:00"
    profiles = parse_profiles({"site": [{"hosts": ["x.de"], "timezone": "Europe/Berlin"}]})

    def base(page: Page) -> Article:
        return Article(url=page.url, title="t", published_at="2024-03-05T10:20+08:00", page_type="article")

    ex = SiteAwareExtractor(base, profiles)
    assert ex(Page(url="http://www.x.de/a", body=b"")).published_at == "2024-03-05T10:20+01:00"
    assert ex(Page(url="http://y.cn/a", body=b"")).published_at == "2024-03-05T10:20+08:00"
