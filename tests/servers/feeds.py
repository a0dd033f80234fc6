"""A real HTTP feed server on 127.0.0.x, port 0, in a daemon thread, for every test suite.

`FeedServer(host="127.0.0.1")` starts at once; `.url(path)` builds URLs, `.requests` records
every request (method, path with query, lower-cased headers), `.set_feed(path, body, ...)`
publishes or replaces a feed at runtime (new item between two polls), `.reset()` forgets
dynamic feeds, flaky counters and recorded requests. The session fixture `feed_server` yields
one for the whole run; tests that publish feeds use their own unique paths.

Routes (path → behaviour):

    /feeds/<file>                 a file of tests/data/feeds/, with ETag + Last-Modified, 304 on
                                  If-None-Match (or, without it, If-Modified-Since);
                                  ?ct=<content-type> overrides the guessed type
    <any path given to set_feed>  the registered body (and status), same ETag/304 rules; a path
                                  given with a query (/s/chan?before=104) answers that query only
    /redirect/<code>?to=<path>    redirect with that status (301, 302, 303, 307, 308) to a
                                  relative Location; &absolute=1 for an absolute one
    /redirect/chain/<n>?to=<p>    n hops of 302, then to <p>
    /redirect/loop/<n>            302 to /redirect/loop/<n+1>, forever
    /slow?delay=<s>&to=<path>     sleeps <s> seconds (default 2) before answering <to>
    /trickle?chunks=<n>&interval=<s>   a 200 whose body arrives one chunk every <s> seconds
    /status/<code>                that status with a short text body; ?retry_after=<raw value>
                                  adds Retry-After verbatim (seconds or an HTTP date)
    /challenge/cloudflare         403, server: cloudflare, cf-ray, cf-mitigated, challenge HTML
    /challenge/akamai             403 "Access Denied" page from server AkamaiGHost
    /huge?size=<bytes>            a chunked 200 of <size> bytes (default 50 MB), generated in
                                  64 KB chunks; &length=1 sends Content-Length instead
    /gzip-bomb                    ~120 KB gzip, Content-Encoding: gzip, inflating to 120 MB
    /xml-bomb                     a "billion laughs" document served as RSS
    /html                         a 200 text/html page where a feed was expected
    /wrong-charset/lying          the Arabic Enab Baladi fixture transcoded to windows-1256 while
                                  the Content-Type charset and the XML declaration say UTF-8
    /wrong-charset/undeclared     the same bytes with no charset anywhere
    /wrong-charset/declared       the same bytes, honestly declared windows-1256
    /flaky/<name>?fails=<n>&to=<path>  500 for the first <n> requests to that name, then <to>;
                                  `server.reset_flaky(name)` restarts the count
    /gdelt/doc                    the GDELT artlist fixture as JSON; ?error=1 → the HTML "error
                                  as 200" page GDELT sends for bad queries
    /ttl                          an RSS feed with <ttl>
    /cache-control?max_age=<s>    a feed with Cache-Control: max-age=<s>

The server also counts the /slow requests waiting at once (`.peak_in_flight`, reset by
`.reset_peak()`) so concurrency limits are tested by counting, never by timing. Only the wait is
counted: a client that has read a whole response may start its next request before the handler
thread has got round to its bookkeeping, and that lag is the server's, not an overlap.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

FEEDS_DIR = Path(__file__).resolve().parents[1] / "data" / "feeds"
CHUNK = 65_536
_TYPES = {
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
}


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # with the query string
    headers: dict[str, str]  # lower-cased names
    at: float = field(default_factory=time.monotonic)  # arrival, stamped by the handler thread


@dataclass
class _Published:
    body: bytes
    content_type: str
    headers: dict[str, str]
    last_modified: float
    status: int = 200
    etag: str = field(init=False)

    def __post_init__(self) -> None:
        self.etag = '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


class FeedServer:
    """The feed server; see the module docstring for its routes."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.requests: list[RecordedRequest] = []
        self._feeds: dict[str, _Published] = {}
        self._flaky: dict[str, int] = {}
        self._lock = threading.Lock()
        self._in_flight = 0
        self.peak_in_flight = 0
        self._started = time.time() - 3600
        self._httpd = ThreadingHTTPServer((host, 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name=f"feed-server-{host}", daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + ("" if path.startswith("/") else "/") + path

    def set_feed(
        self,
        path: str,
        body: bytes,
        content_type: str = "application/rss+xml; charset=utf-8",
        headers: dict[str, str] | None = None,
        status: int = 200,
    ) -> str:
        """Publish (or replace) `body` at `path` (answered with `status`); returns its URL."""
        with self._lock:
            previous = self._feeds.get(path)
            # Last-Modified has one-second resolution: keep it strictly increasing per path
            stamp = max(time.time(), previous.last_modified + 1) if previous else time.time()
            self._feeds[path] = _Published(body, content_type, dict(headers or {}), stamp, status)
        return self.url(path)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """Recorded requests whose path (without query) is `path`."""
        return [r for r in list(self.requests) if urlsplit(r.path).path == path]

    def reset_flaky(self, name: str) -> None:
        with self._lock:
            self._flaky.pop(name, None)

    def reset_peak(self) -> None:
        with self._lock:
            self.peak_in_flight = 0

    def reset(self) -> None:
        with self._lock:
            self._feeds.clear()
            self._flaky.clear()
            self.requests.clear()
            self.peak_in_flight = 0

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # --- used by the handler ---

    def _published(self, path: str) -> _Published | None:
        with self._lock:
            return self._feeds.get(path)

    def _static(self, name: str) -> _Published | None:
        path = (FEEDS_DIR / name).resolve()
        if FEEDS_DIR not in path.parents or not path.is_file():
            return None
        return _Published(
            path.read_bytes(), _TYPES.get(path.suffix, "application/octet-stream"), {}, self._started
        )

    def _flaky_hit(self, name: str) -> int:
        with self._lock:
            self._flaky[name] = self._flaky.get(name, 0) + 1
            return self._flaky[name]

    def _enter(self) -> None:
        with self._lock:
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1


def _handler_for(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        feeds = server

    return Handler


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    feeds: FeedServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_HEAD(self) -> None:  # noqa: N802 - stdlib naming
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.feeds.requests.append(RecordedRequest(self.command, self.path, headers))
        try:
            self._route()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client stopped reading (size cap): expected

    def _route(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        segments = [s for s in parts.path.split("/") if s]
        published = self.feeds._published(self.path) or self.feeds._published(parts.path)
        if published is not None:
            return self._send_published(published)
        handler = _ROUTES.get(segments[0] if segments else "")
        if handler is None:
            return self._send(404, b"no such route", "text/plain")
        return handler(self, segments[1:], query)

    # --- building blocks ---

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_published(self, published: _Published, content_type: str | None = None) -> None:
        last_modified = formatdate(published.last_modified, usegmt=True)
        validators = {"ETag": published.etag, "Last-Modified": last_modified, **published.headers}
        if self._not_modified(published):
            self.send_response(304)
            for name, value in validators.items():
                self.send_header(name, value)
            self.end_headers()
            return
        self._send(published.status, published.body, content_type or published.content_type, validators)

    def _not_modified(self, published: _Published) -> bool:
        etags = self.headers.get("If-None-Match")
        if etags is not None:
            return published.etag in [e.strip() for e in etags.split(",")] or etags.strip() == "*"
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:
            return int(published.last_modified) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False

    def _serve_path(self, path: str) -> None:
        """Answer as if `path` had been requested (used by /slow and /flaky)."""
        self.path = path
        self._route()

    def _send_chunked(
        self, chunks: Iterator[bytes], content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        for chunk in chunks:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")


# --- routes -------------------------------------------------------------------------------


def _feeds(h: _Handler, rest: list[str], query: dict[str, str]) -> None:
    published = h.feeds._static("/".join(rest))
    if published is None:
        return h._send(404, b"no such fixture", "text/plain")
    h._send_published(published, query.get("ct"))


def _redirect(h: _Handler, rest: list[str], query: dict[str, str]) -> None:
    if rest[:1] == ["loop"]:
        n = int(rest[1]) if len(rest) > 1 else 0
        return h._send(302, b"", "text/plain", {"Location": f"/redirect/loop/{n + 1}"})
    if rest[:1] == ["chain"]:
        n = int(rest[1])
        target = f"/redirect/chain/{n - 1}?to={query['to']}" if n > 1 else query["to"]
        return h._send(302, b"", "text/plain", {"Location": target})
    target = query.get("to", "/feeds/enab-baladi-en.xml")
    location = h.feeds.url(target) if query.get("absolute") else target
    h._send(int(rest[0]), b"moved", "text/plain", {"Location": location})


def _slow(h: _Handler, rest: list[str], query: dict[str, str]) -> None:
    h.feeds._enter()
    try:
        time.sleep(float(query.get("delay", "2")))
    finally:
        h.feeds._leave()
    h._serve_path(query.get("to", "/feeds/enab-baladi-en.xml"))


def _trickle(h: _Handler, rest: list[str], query: dict[str, str]) -> None:
    chunks, interval = int(query.get("chunks", "20")), float(query.get("interval", "0.2"))

    def body() -> Iterator[bytes]:
        yield b"<?xml version='1.0'?><rss version='2.0'><channel><title>slow</title>"
        for _ in range(chunks):
            time.sleep(interval)
            yield b"<!-- still here -->"
        yield b"</channel></rss>"

    h._send_chunked(body(), "application/rss+xml")


def _status(h: _Handler, rest: list[str], query: dict[str, str]) -> None:
    code = int(rest[0]) if rest else 500
    headers = {"Retry-After": query["retry_after"]} if "retry_after" in query else {}
    h._send(code, f"status {code}\n".encode(), "text/plain", headers)


CLOUDFLARE_PAGE = b"""<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"></head><body><div id="challenge-stage"></div>
<script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8f1b2c3d4e5f6a7b"></script>
<noscript>Enable JavaScript and cookies to continue</noscript></body></html>"""

_AKAMAI_PAGE = b"""<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY><H1>Access Denied</H1>
You don't have permission to access "http&#58;&#47;&#47;example&#46;org&#47;feed" on this server.<P>
Reference&#32;&#35;18&#46;2f1e4017&#46;1700000000&#46;1a2b3c4d</BODY></HTML>"""


def _challenge(h: _Handler, rest: list[str], query: dict[str, str]) -> None:
    if rest[:1] == ["akamai"]:
        return h._send(403, _AKAMAI_PAGE, "text/html", {"Server": "AkamaiGHost"})
    cf = {"Server": "cloudflare", "CF-RAY": "8f1b2c3d4e5f6a7b-FRA", "cf-mitigated": "challenge"}
    h._send(403, CLOUDFLARE_PAGE, "text/html; charset=UTF-8", cf)


def _huge(h: _Handler, rest: list[str], query: dict[str, str]) -> None:
    size = int(query.get("size", str(50 * 1024 * 1024)))
    if query.get("length"):
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Content-Length", str(size))
        h.end_headers()
        for start in range(0, size, CHUNK):
            h.wfile.write(b"x" * min(CHUNK, size - start))
        return None
    h._send_chunked((b"x" * min(CHUNK, size - s) for s in range(0, size, CHUNK)), "application/rss+xml")
    return None


@cache
def _gzip_bomb() -> bytes:
    return gzip.compress(b"\0" * (120 * 1024 * 1024), compresslevel=9)


def _bomb(h: _Handler, rest: list[str], query: dict[str, str]) -> None:
    h._send(200, _gzip_bomb(), "application/rss+xml", {"Content-Encoding": "gzip"})


XML_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>https://example.org/lol</link></item></channel></rss>
"""


def _xml_bomb(h: _Handler, rest: list[str], query: dict[str, str]) -> None:
    h._send(200, XML_BOMB, "application/rss+xml")


HTML_PAGE = b"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Carnegie Endowment for International Peace</title>
</head><body><h1>Middle East</h1><p>Our feeds have moved.</p></body></html>"""


def _html(h: _Handler, rest: list[str], query: dict[str, str]) -> None:
    h._send(200, HTML_PAGE, "text/html; charset=utf-8")


def cp1256_feed(declared: str | None) -> bytes:
    """The Arabic fixture transcoded to windows-1256, declaring `declared` (or nothing)."""
    text = (FEEDS_DIR / "enab-baladi-ar.xml").read_text(encoding="utf-8")
    declaration = f'<?xml version="1.0" encoding="{declared}"?>' if declared else ""
    body = text.split("?>", 1)[1].lstrip() if text.startswith("<?xml") else text
    return (declaration + "\n" + body if declaration else body).encode("cp1256")


def _wrong_charset(h: _Handler, rest: list[str], query: dict[str, str]) -> None:
    mode = rest[0] if rest else "lying"
    if mode == "lying":
        return h._send(200, cp1256_feed("UTF-8"), "application/rss+xml; charset=UTF-8")
    if mode == "declared":
        return h._send(200, cp1256_feed("windows-1256"), "application/rss+xml")
    return h._send(200, cp1256_feed(None), "application/rss+xml")


def _flaky(h: _Handler, rest: list[str], query: dict[str, str]) -> None:
    name = rest[0] if rest else "default"
    if h.feeds._flaky_hit(name) <= int(query.get("fails", "2")):
        return h._send(500, b"temporary failure", "text/plain")
    return h._serve_path(query.get("to", "/feeds/enab-baladi-en.xml"))


def _gdelt(h: _Handler, rest: list[str], query: dict[str, str]) -> None:
    name = "gdelt-error.html" if query.get("error") else "gdelt-artlist.json"
    published = h.feeds._static(name)
    assert published is not None, name
    content_type = "text/html; charset=utf-8" if query.get("error") else "application/json; charset=utf-8"
    h._send(200, published.body, content_type)


def _ttl(h: _Handler, rest: list[str], query: dict[str, str]) -> None:
    h._serve_path("/feeds/ttl.xml")


def _cache_control(h: _Handler, rest: list[str], query: dict[str, str]) -> None:
    published = h.feeds._static("ttl.xml")
    assert published is not None
    h._send(
        200,
        published.body,
        "application/rss+xml",
        {"Cache-Control": f"public, max-age={query.get('max_age', '300')}"},
    )


_ROUTES = {
    "feeds": _feeds,
    "redirect": _redirect,
    "slow": _slow,
    "trickle": _trickle,
    "status": _status,
    "challenge": _challenge,
    "huge": _huge,
    "gzip-bomb": _bomb,
    "xml-bomb": _xml_bomb,
    "html": _html,
    "wrong-charset": _wrong_charset,
    "flaky": _flaky,
    "gdelt": _gdelt,
    "ttl": _ttl,
    "cache-control": _cache_control,
}


@pytest.fixture(scope="session")
def feed_server() -> Iterator[FeedServer]:
    """One feed server for the whole test session (see the module docstring for routes)."""
    server = FeedServer()
    yield server
    server.close()
