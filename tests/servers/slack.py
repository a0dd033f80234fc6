"""A Slack-API-compatible HTTP server on 127.0.0.1 (port 0), in a thread, for slack-sdk's real clients.

As in slack-sdk's own mock server: incoming webhooks at POST /services/T…/B…/X… (JSON body,
answers "ok"), POST /api/chat.postMessage (JSON or form body, bearer token; answers
{"ok": true, "ts": …}) and POST /api/chat.update (the same, answering with the ts it was
given), and POST /api/apps.connections.open (an app token, xapp-…; answers with `socket_url`,
the Socket Mode server of tests/servers/socket_mode.py). Every request is recorded with its
parsed body. `fail(mode, times=n)` makes the next n requests (every one, with times=None) answer:

  rate_limited       429 with Retry-After: retry_after
  server_error       500
  unavailable        503 (no Retry-After)
  timeout            no answer for `delay` seconds (longer than the client's timeout)
  hang               the connection is accepted and never answered (until the server stops)
  invalid_auth       chat.postMessage {"ok": false, "error": "invalid_auth"}; webhook 403 invalid_token
  channel_not_found  chat.postMessage {"ok": false, "error": "channel_not_found"}; webhook 404
  not_found          404 no_service (a deleted webhook)

A generic JSON webhook (Mattermost-style) answers at POST /hooks/… with 200 "ok", or the same
failures (invalid_auth: 401).

`script((mode, n), ...)` plays an outage: n requests in each mode in turn, then normal answers
(`script(("unavailable", 5), ("rate_limited", 2))`: five 503s, then two 429s). `ok()` goes back
to normal.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

WEBHOOK_PATH = "/services/T000TEST/B000TEST/XXXXXXXXXXXXXXXXXXXXXXXX"
TOKEN = "xoxb-test-token"
_WEBHOOK = re.compile(r"^/services/T\w+/B\w+/\w+$")


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    ts: str = ""  # the message ts a successful chat.postMessage answered with

    @property
    def is_webhook(self) -> bool:
        return self.path.startswith("/services/")


class SlackServer:
    def __init__(self) -> None:
        self.requests: list[Request] = []  # every request, answered or not
        self.delivered: list[Request] = []  # the ones answered with success
        self._lock = threading.Lock()
        self._script: list[list[Any]] = []  # [mode, requests left or None for all]
        self._closing = threading.Event()
        self.retry_after = 2
        self.delay = 2.0
        self.socket_url = ""  # what apps.connections.open answers
        self._ts = itertools.count(1)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def webhook_url(self) -> str:
        return self.url + WEBHOOK_PATH

    @property
    def hook_url(self) -> str:
        return self.url + "/hooks/border-alerts"

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def fail(self, mode: str, times: int | None = None) -> None:
        self.script((mode, times))

    def script(self, *steps: tuple[str, int | None]) -> None:
        with self._lock:
            self._script = [[mode, times] for mode, times in steps]

    def ok(self) -> None:
        self.script()

    def posted(self, method: str = "chat.postMessage") -> list[Request]:
        """The delivered requests to one Web API method, in order."""
        return [r for r in self.delivered if r.path == f"/api/{method}"]

    def texts(self) -> list[str]:
        """The fallback text of every delivered message, in order."""
        return [r.body.get("text", "") for r in self.delivered]

    def _take_mode(self) -> str | None:
        with self._lock:
            if not self._script:
                return None
            step = self._script[0]
            if step[1] is not None:
                step[1] -= 1
                if step[1] <= 0:
                    self._script.pop(0)
            return step[0]

    def _record(self, request: Request, delivered: bool) -> str:
        with self._lock:
            ts = f"{1_700_000_000 + next(self._ts)}.000100"
            request = replace(request, ts=ts)
            self.requests.append(request)
            if delivered:
                self.delivered.append(request)
            return ts

    def __enter__(self) -> SlackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()


def _handler(server: SlackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            request = Request(self.path, {k.lower(): v for k, v in self.headers.items()}, self._body())
            mode = server._take_mode()
            if mode == "timeout":
                server._record(request, delivered=False)
                time.sleep(server.delay)
                return
            if mode == "hang":
                server._record(request, delivered=False)
                server._closing.wait()
                return
            if request.is_webhook:
                self._webhook(request, mode)
            elif self.path.startswith("/hooks/"):
                self._json_hook(request, mode)
            elif self.path in ("/api/chat.postMessage", "/api/chat.update"):
                self._post_message(request, mode)
            elif self.path == "/api/apps.connections.open":
                authorised = request.headers.get("authorization", "").startswith("Bearer xapp-")
                server._record(request, delivered=authorised)
                self._json(
                    {"ok": True, "url": server.socket_url}
                    if authorised
                    else {"ok": False, "error": "invalid_auth"}
                )
            else:
                server._record(request, delivered=False)
                self._answer(404, "text/plain", b"unknown_method")

        def _body(self) -> dict[str, Any]:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if "json" in (self.headers.get("Content-Type") or ""):
                return json.loads(raw or "{}")
            form = {k: v[0] for k, v in parse_qs(raw).items()}
            for key in ("blocks", "attachments"):
                if isinstance(form.get(key), str):
                    form[key] = json.loads(form[key])
            return form

        def _common_failure(self, mode: str | None) -> bool:
            if mode == "rate_limited":
                self._answer(429, "text/plain", b"rate_limited", {"Retry-After": str(server.retry_after)})
            elif mode == "server_error":
                self._answer(500, "text/html", b"<html>internal error</html>")
            elif mode == "unavailable":
                self._answer(503, "text/html", b"<html>service unavailable</html>")
            elif mode == "not_found":
                self._answer(404, "text/plain", b"no_service")
            else:
                return False
            return True

        def _webhook(self, request: Request, mode: str | None) -> None:
            ok = mode is None and bool(_WEBHOOK.match(request.path))
            server._record(request, delivered=ok)
            if self._common_failure(mode):
                return
            if mode == "invalid_auth":
                self._answer(403, "text/plain", b"invalid_token")
            elif mode == "channel_not_found" or not ok:
                self._answer(404, "text/plain", b"channel_not_found" if mode else b"no_service")
            else:
                self._answer(200, "text/plain", b"ok")

        def _json_hook(self, request: Request, mode: str | None) -> None:
            server._record(request, delivered=mode is None)
            if self._common_failure(mode):
                return
            if mode == "invalid_auth":
                self._answer(401, "text/plain", b"unauthorized")
            else:
                self._answer(200, "text/plain", b"ok")

        def _post_message(self, request: Request, mode: str | None) -> None:
            authorised = request.headers.get("authorization") == f"Bearer {TOKEN}"
            error = mode if mode in ("invalid_auth", "channel_not_found") else None
            error = error or (None if authorised else "invalid_auth")
            ts = server._record(request, delivered=mode is None and error is None)
            if self._common_failure(mode):
                return
            if error:
                self._json({"ok": False, "error": error})
            else:
                ts = request.body.get("ts") or ts if request.path.endswith("update") else ts
                self._json({"ok": True, "channel": request.body.get("channel"), "ts": ts})

        def _json(self, data: dict[str, Any]) -> None:
            self._answer(200, "application/json; charset=utf-8", json.dumps(data).encode())

        def _answer(
            self, status: int, content_type: str, body: bytes, headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture
def slack_server() -> Iterator[SlackServer]:
    with SlackServer() as server:
        yield server
