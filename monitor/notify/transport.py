"""The transport interface every channel implements, what it is built from, and the HTTP facts
the HTTP transports share.

A transport renders an `AlertMessage` its own way and sends it: `send(message, reply_to=)`
returns a `SendResult` or raises `DeliveryError(message, permanent=, retry_after=)`, as
healthchecks' transports do. It does not retry: the outbox (monitor/alerts) owns retries,
backoff and the record of every attempt. `threads` says whether the transport can reply in a
thread: then `SendResult.ts` is the handle a later `send(reply_to=ts)` replies under.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from monitor.errors import DeliveryError
from monitor.notify.messages import AlertMessage
from monitor.retry_after import parse_retry_after

# Answers no retry can fix: a bad request, a revoked credential, a deleted hook
# (and a permanent redirect or a body too large: the same message will get the same answer)
PERMANENT_STATUSES = frozenset({301, 308, 400, 401, 403, 404, 410, 413})
DEFAULT_RETRY_AFTER = 60.0


@dataclass(frozen=True, slots=True)
class SendResult:
    """What a channel said back: its id of the message (Slack's `ts`), the handle for replies."""

    ts: str | None = None


class Notifier(Protocol):
    """A channel. `threads`: later outlets of a story can go in as replies (`reply_to`)."""

    threads: bool

    def send(self, message: AlertMessage, reply_to: str | None = None) -> SendResult | None: ...

    def describe(self) -> str: ...


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    """One configured channel: a name, a transport kind (`monitor.notify.TRANSPORTS`) and what
    that kind needs. Secrets (URLs, tokens, headers) are never logged or shown."""

    name: str
    kind: str
    webhook_url: str = ""
    bot_token: str = ""
    channel: str = ""
    api_url: str = ""
    text_key: str = "text"  # json-webhook: the field the message text goes in
    fields: Mapping[str, Any] = field(default_factory=dict)  # json-webhook: fixed fields of every body
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)  # json-webhook
    smtp_url: str = field(default="", repr=False)  # email
    sender: str = ""  # email: From
    to: tuple[str, ...] = ()  # email


def http_error(what: str, status: int, headers: Mapping[str, Any], permanent: bool = False) -> DeliveryError:
    """An HTTP answer other than success → DeliveryError: 429 (with its Retry-After) and 5xx
    retryable, the statuses in PERMANENT_STATUSES (or `permanent`) not, any other retryable."""
    if status == 429:
        return DeliveryError(what, retry_after=retry_after(headers))
    if status >= 500:  # a 503 may say how long to wait, too
        return DeliveryError(what, retry_after=retry_after(headers, default=None))
    return DeliveryError(what, permanent=permanent or status in PERMANENT_STATUSES)


def retry_after(headers: Mapping[str, Any], default: float | None = DEFAULT_RETRY_AFTER) -> float | None:
    """The answer's Retry-After in seconds (at most a day, as for feeds), else `default`."""
    lowered = {k.lower(): v for k, v in headers.items()}
    value: Any = lowered.get("retry-after")
    value = value[0] if isinstance(value, list) and value else value
    seconds = parse_retry_after(None if value is None else str(value), datetime.now(UTC))
    return default if seconds is None else seconds


def describe_failure(exc: BaseException) -> str:
    """A failed request in a few words (never its URL: webhook URLs are secrets)."""
    if isinstance(exc, (TimeoutError, socket.timeout)) or "timed out" in str(exc):
        return "timed out"
    return f"{type(exc).__name__}: {exc}"
