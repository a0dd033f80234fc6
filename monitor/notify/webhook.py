"""A generic JSON webhook: one POST of a JSON document per message, for the chat and push
services that take one (Mattermost and Rocket.Chat incoming webhooks, Teams workflows, Matrix
hookshot generic webhooks, ntfy, Discord with `text_key = "content"`).

The body is the configured `fields` (fixed values, such as ntfy's `topic`), the message as text
under `text_key` ("text" unless configured), and the whole message as structured JSON under
`alert` (`monitor.notify.messages.to_payload`), for receivers that build their own layout.

The text is Markdown-inert, since most of these services render Markdown: the characters that
could form a link, emphasis, code, a heading or HTML are backslash-escaped, an `@` cannot start
a mention (`@channel`, `@all`), and URLs are percent-encoded where Markdown would read them as
syntax. The `alert` fields are raw: a receiver that renders them must escape them itself.

Answers: 2xx is delivered; 429 (with Retry-After), 5xx, timeouts and refused connections are
retried by the outbox; 400, 401, 403, 404 and 410 are permanent. No threads: later outlets of a
story are recorded for the digest, as with Slack incoming webhooks.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import httpx

from monitor.errors import DeliveryError
from monitor.logs import BIDI_CONTROLS
from monitor.notify.messages import AlertMessage, to_payload
from monitor.notify.plain import render
from monitor.notify.transport import ChannelSpec, SendResult, describe_failure, http_error

TIMEOUT = 10.0  # seconds; the outbox retries, so a slow receiver must not hold a round
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")
_URL = re.compile(r"https?://\S+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class JsonWebhookNotifier:
    """POSTs each message as JSON to the configured URL (a secret: it is never logged)."""

    threads = False

    def __init__(self, spec: ChannelSpec, timeout: float = TIMEOUT) -> None:
        self._spec = spec
        self._timeout = timeout

    def send(self, message: AlertMessage, reply_to: str | None = None) -> SendResult | None:
        headers = {"User-Agent": "border-monitor", **self._spec.headers}
        try:
            # the status and headers say it all: the body is never read, so an endless one costs nothing
            with httpx.stream(
                "POST",
                self._spec.webhook_url,
                json=body(message, self._spec),
                headers=headers,
                timeout=self._timeout,
            ) as response:
                status, answer_headers = response.status_code, response.headers
        except httpx.HTTPError as exc:
            raise DeliveryError(f"json webhook: {describe_failure(exc)}") from None
        if 200 <= status < 300:
            return SendResult()
        raise http_error(f"json webhook answered {status}", status, answer_headers)

    def describe(self) -> str:
        return f"{self._spec.name}: json webhook"


def body(message: AlertMessage, spec: ChannelSpec) -> dict[str, Any]:
    """The JSON document for one message (pure)."""
    return {**spec.fields, spec.text_key: text(message), "alert": to_payload(message)}


def text(message: AlertMessage) -> str:
    """The message as plain lines, inert for a Markdown renderer."""
    return "\n".join(_inert(line) for line in render(message))


def _inert(line: str) -> str:
    """Markdown syntax escaped, mentions broken, URLs kept whole (percent-encoded, not escaped)."""
    parts, at = [], 0
    for url in _URL.finditer(line):
        parts += [_escape(line[at : url.start()]), _encode(url[0])]
        at = url.end()
    parts.append(_escape(line[at:]))
    return "".join(parts)


def _encode(url: str) -> str:
    """Only the characters a URL may hold and Markdown reads as nothing (RFC 3986 lets
    unreserved ones like _ and ~ be encoded without changing the address)."""
    return quote(url, safe=":/?#$&'+,;=%.-").replace("_", "%5F").replace("~", "%7E")


def _escape(text: str) -> str:
    text = _CONTROL.sub(" ", BIDI_CONTROLS.sub("", text))
    return _MARKDOWN.sub(r"\\\1", text).replace("@", "@\u2060")  # a word joiner: no mention
