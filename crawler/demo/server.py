"""Serve the bundled demo site on 127.0.0.1 (an ephemeral port) from a background thread.

    with DemoServer() as server:          # started; stopped on exit
        crawl(server.url + "/")
        server.was_requested("/news/preview/2024-11-draft.html")   # -> False: robots.txt obeyed

Every file is sent with the Content-Type (and charset) that ``site/_manifest.json`` gives it, which for some
pages is deliberately wrong, as on real servers. The manifest's error paths answer 500 and anything not in it
404. Files that must name the site's own origin (robots.txt's Sitemap line, the sitemap, the RSS feed, the
modern layout's canonical and JSON-LD URLs) hold ``__ORIGIN__``, replaced on the way out, since the port is
only known once the server is bound. Responses carry an ETag and Last-Modified and answer conditional
requests with 304, so an incremental re-crawl of the demo site behaves as against a real one.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

SITE_DIR = Path(__file__).resolve().parent / "site"
ORIGIN_PLACEHOLDER = b"__ORIGIN__"
# One fixed modification time for every file: the site is generated, and a fixed value keeps it reproducible.
LAST_MODIFIED_EPOCH = 1732521600  # 2024-11-25T08:00:00Z


def load_manifest(site_dir: Path = SITE_DIR) -> dict[str, Any]:
    """What the generator recorded about the site: content types, error paths and every article."""
    with (site_dir / "_manifest.json").open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


@dataclass(frozen=True)
class Request:
    """One request the server answered."""

    method: str
    target: str  # the request target as sent: path and query
    path: str  # the path it resolved to
    status: int


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "QingshiDemo/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        pass  # the crawl reports what it fetched; per-request lines would bury the demo's output

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._answer(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(with_body=False)

    def _answer(self, *, with_body: bool) -> None:
        site = self.server.site
        path = unquote(urlsplit(self.path).path) or "/"
        if path.endswith("/"):
            path += "index.html"
        if path in site.errors:
            status = site.errors[path]
            self._send(
                status,
                b"<html><body><h1>500 Internal Server Error</h1></body></html>",
                "text/html",
                with_body,
            )
        elif path in site.content_types and not path.startswith("/_"):
            body = site.body(path, self.server.origin)
            etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
            if self._not_modified(etag):
                status = 304
                self._send(304, b"", None, False, etag=etag)
            else:
                status = 200
                self._send(200, body, site.content_types[path], with_body, etag=etag)
        else:
            status = 404
            self._send(404, b"<html><body><h1>404 Not Found</h1></body></html>", "text/html", with_body)
        self.server.record(Request(self.command, self.path, path, status))

    def _not_modified(self, etag: str) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            return etag in [tag.strip() for tag in inm.split(",")] or inm.strip() == "*"
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                return parsedate_to_datetime(ims).timestamp() >= LAST_MODIFIED_EPOCH
            except (TypeError, ValueError):
                return False
        return False

    def _send(
        self, status: int, body: bytes, content_type: str | None, with_body: bool, etag: str | None = None
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        if etag:
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", formatdate(LAST_MODIFIED_EPOCH, usegmt=True))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body and body:
            self.wfile.write(body)


class SiteFiles:
    """The site's files, read once, with what the manifest says about them."""

    def __init__(self, site_dir: Path = SITE_DIR) -> None:
        self.dir = site_dir
        manifest = load_manifest(site_dir)
        self.content_types: dict[str, str] = manifest["content_types"]
        self.templated: set[str] = set(manifest["templated"])
        self.errors: dict[str, int] = {p: int(s) for p, s in manifest["errors"].items()}
        self._cache: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def body(self, path: str, origin: str) -> bytes:
        with self._lock:
            if path not in self._cache:
                self._cache[path] = (self.dir / path.lstrip("/")).read_bytes()
            data = self._cache[path]
        if path in self.templated:
            # Only UTF-8/ASCII files are templated: in GBK or Big5 bytes an ASCII pattern could straddle a
            # multi-byte character.
            data = data.replace(ORIGIN_PLACEHOLDER, origin.encode("ascii"))
        return data


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site: SiteFiles) -> None:
        super().__init__(address, _Handler)
        self.site = site
        self.requests: list[Request] = []
        self._lock = threading.Lock()

    @cached_property
    def origin(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)


class DemoServer:
    """The demo site on http://127.0.0.1:<ephemeral port>, served from a daemon thread."""

    def __init__(self, site_dir: Path = SITE_DIR, host: str = "127.0.0.1", port: int = 0) -> None:
        self._site = SiteFiles(site_dir)
        self._address = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> DemoServer:
        self._server = _Server(self._address, self._site)
        self._thread = threading.Thread(target=self._server.serve_forever, name="demo-site", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The site's origin, e.g. ``http://127.0.0.1:43127`` (no trailing slash)."""
        if self._server is None:
            raise RuntimeError("the demo server is not started")
        return self._server.origin

    @property
    def requests(self) -> list[Request]:
        """Every request answered so far, in order."""
        if self._server is None:
            return []
        with self._server._lock:
            return list(self._server.requests)

    def was_requested(self, path: str) -> bool:
        return any(r.path == path for r in self.requests)

    def serve_until_interrupted(self) -> None:
        """Block until Ctrl-C (for ``news-archive demo --keep-serving`` and ``python -m``)."""
        if self._thread is None:
            self.start()
        # A short timeout, not a bare wait(): the signal may land on a server thread, and Python runs its
        # handler only when the main thread next executes, which a wait with no timeout would never do.
        stop = threading.Event()
        try:
            while not stop.wait(0.2):
                pass
        except KeyboardInterrupt:
            pass


def main() -> None:
    with DemoServer() as server:
        print(f"serving the demo site at {server.url}/ (Ctrl-C to stop)")
        server.serve_until_interrupted()


if __name__ == "__main__":
    main()
