"""A small threaded HTTP server for crawl tests: serves a site held in a dict, and records every request.

Each path maps to a :class:`Resp` (status, headers, raw bytes) or to a callable ``(handler) -> Resp | None``
for faults (sleep past the client's timeout, reset the connection, send a truncated body, stream 50 MB).
Conditional requests are answered the way a real server does: a resource with an ETag or Last-Modified
answers ``304`` to a matching If-None-Match / If-Modified-Since.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Resp:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = "text/html; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    status: int
    at: float = field(default_factory=time.monotonic)  # when the request arrived


Route = Resp | Callable[["Handler"], Resp | None]


class Handler(BaseHTTPRequestHandler):
    server: SiteServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        route = self.server.routes.get(self.path)
        if route is None:
            route = self.server.routes.get(self.path.split("?", 1)[0]) if "?" not in self.path else None
        headers = {k.lower(): v for k, v in self.headers.items()}
        if route is None:
            self._send(Resp(b"<html><body>not found</body></html>", status=404), headers)
            return
        resp = route(self) if callable(route) else route
        if resp is None:  # the callable answered (or broke the connection) itself
            self.server.record(Seen("GET", self.path, headers, -1))
            return
        self._send(resp, headers)

    def _send(self, resp: Resp, req_headers: dict[str, str]) -> None:
        status = resp.status
        if status == 200 and (
            (resp.etag and req_headers.get("if-none-match") == resp.etag)
            or (
                resp.last_modified
                and not resp.etag
                and req_headers.get("if-modified-since") == resp.last_modified
            )
        ):
            status = 304
        self.server.record(Seen("GET", self.path, req_headers, status))
        self.send_response(status)
        if resp.content_type and status != 304:
            self.send_header("Content-Type", resp.content_type)
        if resp.etag:
            self.send_header("ETag", resp.etag)
        if resp.last_modified:
            self.send_header("Last-Modified", resp.last_modified)
        for k, v in resp.headers.items():
            self.send_header(k, v)
        body = b"" if status == 304 else resp.body
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    # Helpers for fault routes -------------------------------------------------------------------------

    def reset_connection(self) -> None:
        """Close with RST instead of FIN."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def send_truncated(self, body: bytes, claimed: int) -> None:
        """Announce ``claimed`` bytes, send ``body`` (fewer), then close."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(claimed))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def send_stream(self, total: int, chunk: bytes = b"x" * 65536) -> None:
        """Stream ``total`` bytes without Content-Length (as a server generating a huge page would)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Connection", "close")
        self.end_headers()
        sent = 0
        try:
            while sent < total:
                self.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            pass  # the client gave up (DOWNLOAD_MAXSIZE): that is the point
        self.close_connection = True


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, routes: dict[str, Route]):
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes = routes
        self.seen: list[Seen] = []
        self._lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # fault routes break connections on purpose; no tracebacks on the test's stderr

    def record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def paths(self, status: int | None = None) -> list[str]:
        with self._lock:
            return [s.path for s in self.seen if status is None or s.status == status]

    def requests_for(self, path: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.path == path]

    def clear(self) -> None:
        with self._lock:
            self.seen.clear()

    def __enter__(self) -> SiteServer:
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


def sleep_then(seconds: float, resp: Resp) -> Callable[[Handler], Resp | None]:
    def route(h: Handler) -> Resp | None:
        time.sleep(seconds)
        return resp

    return route


# Page generators --------------------------------------------------------------------------------------


def article_html(title: str, paragraphs: list[str], *, extra: str = "", charset: str = "utf-8") -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>{title}_测试新闻网</title></head>
<body>
<div class="nav"><a href="/">首页</a> <a href="/news/">新闻</a></div>
<div class="article">
<h1>{title}</h1>
<div class="info">发布时间：2024-03-05 10:20 来源：测试新闻网 作者：张三</div>
<div class="content">
{body}
</div>
{extra}
</div>
<div class="footer">版权所有 测试新闻网</div>
</body></html>"""


def listing_html(title: str, links: list[tuple[str, str]], *, extra: str = "") -> str:
    items = "\n".join(f'<li><a href="{href}">{text}</a><span>2024-03-05</span></li>' for href, text in links)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title></head>
<body>
<div class="nav"><a href="/">首页</a> <a href="/news/">新闻</a></div>
<ul class="list">
{items}
</ul>
{extra}
</body></html>"""


def paragraphs(seed: int, n: int = 4) -> list[str]:
    """Distinct, article-like Chinese paragraphs (different per seed, so no two articles are near-copies)."""
    words = (
        "经济 发展 城市 建设 群众 服务 改革 创新 项目 投资 教育 医疗 交通 环境 文化 旅游 农业 科技".split()
    )
    out = []
    for i in range(n):
        picks = [words[(seed * 7 + i * 3 + k * (seed % 5 + 1)) % len(words)] for k in range(12)]
        out.append(
            f"第{seed}号新闻第{i + 1}段：本市{picks[0]}{picks[1]}工作取得新进展，"
            + "，".join(picks[2:])
            + f"，相关部门表示将继续推进第{seed * 13 + i}项重点任务，切实提高{picks[-1]}水平。"
        )
    return out


def news_site(
    n_articles: int = 12,
    per_page: int = 5,
    *,
    etags: bool = True,
    robots: str | None = "User-agent: *\nDisallow: /private/\n",
) -> dict[str, Route]:
    """A small news site: home -> section listing paginated TRS-style (index.html, index_1.html, ...),
    articles at /news/202403/t20240305_N.html; two more articles reachable only from the sitemap and the
    RSS feed; a two-page article (content_900.htm + content_900_2.htm); a disallowed /private/ article; an
    off-site link. Listings carry ETags (when ``etags``) so a second run can ask conditionally."""
    routes: dict[str, Route] = {}
    arts = [f"/news/202403/t20240305_{i}.html" for i in range(1, n_articles + 1)]
    for i, path in enumerate(arts, 1):
        routes[path] = Resp(article_html(f"测试新闻第{i}号稿件标题", paragraphs(i)).encode())
    pages = [arts[k : k + per_page] for k in range(0, len(arts), per_page)]
    for n, chunk in enumerate(pages):
        name = "index.html" if n == 0 else f"index_{n}.html"
        nxt = f'<a href="index_{n + 1}.html">下一页</a>' if n + 1 < len(pages) else ""
        html = listing_html(
            f"新闻列表 第{n + 1}页",
            [(p, f"测试新闻第{arts.index(p) + 1}号稿件标题") for p in chunk],
            extra=f'<div class="pager">{nxt}</div>',
        )
        routes[f"/news/{name}"] = Resp(html.encode(), etag=f'"list-{n}"' if etags else None)
    routes["/news/"] = routes["/news/index.html"]
    routes["/private/t20240305_500.html"] = Resp(article_html("不该抓取的稿件标题", paragraphs(500)).encode())
    routes["/sitemap_only/t20240306_700.html"] = Resp(
        article_html("只在站点地图里的稿件", paragraphs(700)).encode()
    )
    routes["/feed_only/t20240306_800.html"] = Resp(
        article_html("只在订阅源里的稿件标题", paragraphs(800)).encode()
    )
    part1 = article_html(
        "分两页刊出的长篇稿件标题",
        paragraphs(900),
        extra='<div class="page"><a href="content_900.htm">1</a> <a href="content_900_2.htm">2</a> '
        '<a href="content_900_2.htm">下一页</a></div>',
    )
    part2 = article_html(
        "分两页刊出的长篇稿件标题",
        ["第二页独有的段落：这是续页的内容，记者继续报道了后续进展和各方反应，细节十分丰富。"]
        + paragraphs(901),
        extra='<div class="page"><a href="content_900.htm">1</a> <a href="content_900_2.htm">2</a></div>',
    )
    routes["/long/content_900.htm"] = Resp(part1.encode())
    routes["/long/content_900_2.htm"] = Resp(part2.encode())
    home = listing_html(
        "测试新闻网 首页",
        [
            ("/news/index.html", "新闻"),
            ("/long/content_900.htm", "分两页刊出的长篇稿件标题"),
            ("/private/t20240305_500.html", "内部稿件"),
            ("http://elsewhere.invalid/t20240305_1.html", "外站稿件"),
        ],
        extra='<link rel="alternate" type="application/rss+xml" href="/rss.xml">',
    ).replace("</title>", '</title><link rel="alternate" type="application/rss+xml" href="/rss.xml">')
    routes["/"] = Resp(home.encode(), etag='"home"' if etags else None)
    if robots is not None:
        routes["/robots.txt"] = Resp((robots + "Sitemap: /sitemap.xml\n").encode(), content_type="text/plain")
    sm = "".join(f"<url><loc>{{base}}{p}</loc></url>" for p in [arts[0], "/sitemap_only/t20240306_700.html"])
    routes["/sitemap.xml"] = SiteMap(
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + sm
        + "</urlset>",
        etag='"sm"' if etags else None,
    )
    routes["/rss.xml"] = SiteMap(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>a</title><link>{base}/feed_only/t20240306_800.html</link></item></channel></rss>",
        etag='"rss"' if etags else None,
        content_type="application/rss+xml",
    )
    return routes


class SiteMap:
    """An XML document whose ``{base}`` is filled in with the server's own address when served."""

    def __init__(self, template: str, etag: str | None = None, content_type: str = "application/xml"):
        self.template, self.etag, self.content_type = template, etag, content_type

    def __call__(self, h: Handler) -> Resp:
        body = self.template.replace("{base}", h.server.base).encode()
        return Resp(body, content_type=self.content_type, etag=self.etag)


# Running crawls ----------------------------------------------------------------------------------------

FAST = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "RETRY_BACKOFF_BASE": "0.05",
    "RETRY_BACKOFF_MAX": "0.2",
    "DOWNLOAD_TIMEOUT": "3",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "NEWS_ARCHIVE_BATCH_SECONDS": "0.2",
    "NEWS_ARCHIVE_BATCH_SIZE": "4",  # small batches: many items wait on a batch being written
    "LOG_LEVEL": "WARNING",
}


def crawl_cmd(
    db: str, *urls: str, settings: dict[str, str] | None = None, extra: list[str] | None = None
) -> list[str]:
    import sys

    cmd = [sys.executable, "-c", "from crawler.cli import main; main()", "crawl", *urls, "--db", db]
    for k, v in {**FAST, **(settings or {})}.items():
        cmd += ["-s", f"{k}={v}"]
    return cmd + (extra or [])


def run_crawl_cli(
    db: str, *urls: str, settings: dict[str, str] | None = None, timeout: float = 60, **kw: Any
) -> Any:
    """Run ``news-archive crawl`` in a child process (one reactor per process) and return the result."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    return subprocess.run(
        crawl_cmd(db, *urls, settings=settings, **kw),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=root,
    )


def query(db: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()
