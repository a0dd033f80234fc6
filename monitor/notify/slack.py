"""Slack through slack-sdk: incoming webhooks (WebhookClient) and bot tokens (chat.postMessage).

`payload(message)` is pure: it builds the Block Kit message and its plain fallback `text`.
Everything that comes from an article is untrusted and goes through `escape()` (& < > become
entities, as Slack asks), so a feed can never form `<!channel>`, `<!here>`, `<@U…>` or a hidden
`<url|text>` link; unlike Apprise, nothing is restored after escaping. Text objects are also
`verbatim` (Slack then does not link-ify bare names or URLs itself). mrkdwn has no escape
character, so the formatting marks of untrusted text become look-alikes (` → ˋ, * → ∗, _ → ˍ,
~ → ∼; the last three only where they could format, not inside a word like http_5xx): a title
cannot open a code block or nest bold, italics or strike-through in ours.

Slack refuses a section over 3,000 characters, so long text is cut, only between tokens
(`_fit`): never inside a `<url|title>` link or an `&amp;` entity, with bold closed again. A URL
too long to fit in a link (`MAX_URL`) leaves its title unlinked.

Errors become DeliveryError: 429 with its Retry-After, 5xx, timeouts and refused connections are
retryable; a revoked token, a missing channel or a dead webhook is permanent (no retry can fix it).
"""

from __future__ import annotations

import functools
import http.client
import re
import urllib.request
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.error import URLError
from urllib.parse import quote, urlsplit

from slack_sdk import WebClient, WebhookClient
from slack_sdk.errors import SlackApiError, SlackClientError

from monitor.errors import DeliveryError
from monitor.logs import BIDI_CONTROLS
from monitor.notify.messages import MAX_ROLLUP, AlertMessage, MessageAction
from monitor.notify.transport import ChannelSpec, SendResult, describe_failure, http_error, retry_after

TIMEOUT = 10  # seconds; the outbox retries, so a slow Slack must not hold a poll
MAX_ANSWER = 1024 * 1024  # bytes of an answer slack-sdk reads whole (Slack's are a few KB)
MAX_TITLE = 300
MAX_SNIPPET = 600
MAX_SECTION = 2900  # Slack refuses section text over 3000 characters
MAX_URL = 1500  # longer URLs are not linked: with a 300-character title the link still fits a section

# Slack's error codes: https://api.slack.com/methods/chat.postMessage#errors,
# https://api.slack.com/messaging/webhooks#handling_errors and https://api.slack.com/apis/rate-limits
PERMANENT_ERRORS = frozenset(
    {
        "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
        "no_permission", "missing_scope", "ekm_access_denied", "channel_not_found", "not_in_channel",
        "is_archived", "channel_is_archived", "restricted_action", "posting_to_general_channel_denied",
        "invalid_token", "no_service", "no_service_id", "no_team", "team_disabled", "action_prohibited",
        "invalid_blocks", "invalid_payload", "invalid_arguments", "msg_too_long", "no_text",
    }
)  # fmt: skip
_SPACE = re.compile(r"\s+")
_BROADCAST = re.compile(r"@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)  # Slack's broadcast mentions
_LOOKALIKE = {"`": "\u02cb", "*": "\u2217", "_": "\u02cd", "~": "\u223c"}
# a mark that can open or close formatting: not inside a word (http_5xx, 2*3 stay as they are)
_MARK = re.compile(r"`|(?<![^\W_])[*_~]|[*_~](?![^\W_])")
# the atoms of our mrkdwn: a link, an entity, a run of spaces, a word (no < or & inside)
_TOKEN = re.compile(r"<[^<>]*>|&(?:amp|lt|gt);|\s+|[^\s<&]+|[<&]")
_LABEL = re.compile(r"<[^<>|]*\|([^<>]*)>")
ELLIPSIS = "…"


class _BoundedResponse(http.client.HTTPResponse):
    """slack-sdk reads an answer whole (`read()`): past MAX_ANSWER bytes, or cut short, it is an
    OSError, which the notifiers turn into a retryable failure, not memory without end."""

    def read(self, amt: int | None = None) -> bytes:
        if amt is not None:
            return super().read(amt)
        parts, size = [], 0
        while chunk := super().read(64 * 1024):
            size += len(chunk)
            if size > MAX_ANSWER:
                self.close()
                raise OSError(f"an answer longer than {MAX_ANSWER} bytes")
            parts.append(chunk)
        if self.length:  # what stdlib's whole read would raise as IncompleteRead
            raise OSError(f"an answer cut short, {self.length} bytes missing")
        return b"".join(parts)


class _BoundedHTTPConnection(http.client.HTTPConnection):
    response_class = _BoundedResponse


class _BoundedHTTPSConnection(http.client.HTTPSConnection):
    response_class = _BoundedResponse


class _BoundedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_BoundedHTTPConnection, req)


class _BoundedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_BoundedHTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]


@functools.cache
def _bound_answers() -> None:
    """slack-sdk opens its requests with urllib's process-wide opener (`urlopen` without an SSL
    context, as the notifiers make their clients): install, once, one whose answers are bounded.
    The product makes no other urllib request."""
    urllib.request.install_opener(urllib.request.build_opener(_BoundedHTTPHandler, _BoundedHTTPSHandler))


class SlackWebhookNotifier:
    """An incoming webhook: one fixed channel, no message id back, so no thread replies."""

    threads = False

    def __init__(self, spec: ChannelSpec, timeout: int = TIMEOUT) -> None:
        _bound_answers()
        self._client = WebhookClient(spec.webhook_url, timeout=timeout, retry_handlers=[])
        self._name = spec.name

    def send(self, message: AlertMessage, reply_to: str | None = None) -> SendResult | None:
        try:
            response = self._client.send_dict(payload(replace(message, actions=())))  # no clicks arrive
        except (OSError, URLError, SlackClientError) as exc:
            raise DeliveryError(f"slack webhook: {describe_failure(exc)}") from None
        if response.status_code == 200:
            return SendResult()
        raise classify(response.status_code, (response.body or "").strip(), response.headers)

    def describe(self) -> str:
        return f"{self._name}: slack incoming webhook"


class SlackBotNotifier:
    """A bot token posting with chat.postMessage; later outlets of a story go in its thread."""

    threads = True

    def __init__(self, spec: ChannelSpec, timeout: int = TIMEOUT) -> None:
        _bound_answers()
        base_url = spec.api_url.rstrip("/") + "/" if spec.api_url else WebClient.BASE_URL
        self._client = WebClient(token=spec.bot_token, base_url=base_url, timeout=timeout, retry_handlers=[])
        self._channel = spec.channel
        self._name = spec.name

    def send(self, message: AlertMessage, reply_to: str | None = None) -> SendResult | None:
        try:
            response = self._client.chat_postMessage(
                channel=self._channel, thread_ts=reply_to, **payload(message)
            )
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            raise classify(exc.response.status_code, str(error or ""), exc.response.headers) from None
        except (OSError, URLError, SlackClientError) as exc:
            raise DeliveryError(f"slack chat.postMessage: {describe_failure(exc)}") from None
        return SendResult(ts=response.get("ts"))

    def describe(self) -> str:
        return f"{self._name}: slack chat.postMessage to {self._channel}"


def classify(status: int, error: str, headers: Mapping[str, Any]) -> DeliveryError:
    """Slack's answer → a retryable or permanent DeliveryError (429 carries Retry-After)."""
    what = f"slack answered {status}" + (f" {error}" if error else "")
    if error == "ratelimited":
        return DeliveryError(what, retry_after=retry_after(headers))
    return http_error(what, status, headers, permanent=error in PERMANENT_ERRORS)


# --- payload (pure) ------------------------------------------------------------------------------


def payload(message: AlertMessage) -> dict[str, Any]:
    """The Block Kit message for one alert, with a plain fallback `text` for notifications."""
    builders = {
        "story": _story_blocks,
        "update": _update_blocks,
        "attachment": _attachment_blocks,
        "summary": _summary_blocks,
        "spike": _summary_blocks,
    }
    blocks = builders.get(message.kind, _text_blocks)(message)
    if message.actions:
        blocks.append({"type": "actions", "elements": [_element(action) for action in message.actions]})
    return {
        "text": fallback_text(message),
        "blocks": blocks,
        "unfurl_links": False,
        "unfurl_media": False,
    }


def escape(text: str) -> str:
    """Untrusted text → inert mrkdwn: & < > as entities, whitespace folded, formatting marks
    (backticks, and * _ ~ that are not inside a word) as look-alikes (mrkdwn has no escape), and
    a written @channel, @here or @everyone broken by a word joiner: a client or a proxy that posts
    with link_names would make it a mention."""
    text = BIDI_CONTROLS.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _BROADCAST.sub("@\u2060", text)
    return _SPACE.sub(" ", _MARK.sub(lambda m: _LOOKALIKE[m[0]], text))


def safe_url(url: str) -> str | None:
    """An http(s) URL fit for `<url|text>`: | < > and spaces percent-encoded, & escaped; else None."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~").replace("&", "&amp;")


def link(url: str, label: str) -> str:
    """`<url|label>` with both made safe; just the label when the URL is not http(s) or too long."""
    target = safe_url(url)
    if target and len(target) > MAX_URL:
        return escape(label) or "(link too long to show)"
    text = escape(label) or escape(_clip(url, MAX_TITLE))
    return f"<{target}|{text}>" if target else text


def fit(text: str, limit: int = MAX_SECTION) -> str:
    """Our mrkdwn cut to `limit` characters between tokens, ending in … and with bold closed.

    A link that does not fit gives way to its label (cut like other text); only a single word
    longer than the limit is cut inside (a word holds no link or entity)."""
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS) - 1  # one for a closing *
    text = _unlink_if_too_long(text, room)
    if len(text) <= limit:
        return text
    kept: list[str] = []
    for token in _TOKEN.findall(text):
        if len(token) > room:
            if not kept and not token.startswith(("<", "&")):
                kept.append(token[:room])
            break
        kept.append(token)
        room -= len(token)
    cut = "".join(kept).rstrip() + ELLIPSIS
    return cut + "*" if cut.count("*") % 2 else cut


def _unlink_if_too_long(text: str, room: int) -> str:
    """Links longer than `room` become their label, so the cut can fall inside the label."""
    return _LABEL.sub(lambda m: m[0] if len(m[0]) <= room else m[1], text)


def fallback_text(message: AlertMessage) -> str:
    if message.kind in ("story", "update", "attachment"):
        head = f"[{message.priority}] " if message.priority else ""
        head += f"{message.headline}: " if message.headline and message.kind == "story" else ""
        names = ", ".join(e.name for e in message.entities)
        return escape(f"{head}{_clip(message.title, MAX_TITLE)} ({message.outlet}) {names}").strip()
    if message.kind == "summary":
        return escape(message.text or f"{len(message.items)} more stories")
    return escape(message.text)


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(fit(text))}


def _context(*parts: str) -> dict[str, Any]:
    return {"type": "context", "elements": [_mrkdwn(fit(" · ".join(p for p in parts if p)))]}


def _story_blocks(message: AlertMessage) -> list[dict[str, Any]]:
    blocks = [_section(f"*{escape(message.headline)}*")] if message.headline else []
    blocks += [_section(f"*{link(message.url, _clip(message.title, MAX_TITLE))}*"), _source_context(message)]
    if message.entities:
        blocks.append(_section(_entities(message)))
    if message.snippet:
        blocks.append(_section("> " + highlighted(message.snippet, message.match)))
    blocks += _notes(message)
    if message.priority:
        reason = f" — {escape(message.reason)}" if message.reason else ""
        blocks.append(_context(f"Priority *{escape(message.priority)}*{reason}"))
    return blocks


def _notes(message: AlertMessage) -> list[dict[str, Any]]:
    return [_context(*(escape(note) for note in message.notes))] if message.notes else []


def _update_blocks(message: AlertMessage) -> list[dict[str, Any]]:
    head = f"Updated: *{link(message.url, _clip(message.title, MAX_TITLE))}* now also mentions"
    return [_section(f"{head} {_entities(message)}"), _source_context(message)]


def _attachment_blocks(message: AlertMessage) -> list[dict[str, Any]]:
    outlet = escape(message.outlet) or "another outlet"
    head = f"Also reported by *{outlet}*: {link(message.url, _clip(message.title, MAX_TITLE))}"
    return [_section(head), _source_context(message), *_notes(message)]


def _summary_blocks(message: AlertMessage) -> list[dict[str, Any]]:
    blocks = [_section(f"*{escape(message.text)}*")]
    lines = [fit(f"• {link(i.url, _clip(i.title, MAX_TITLE))} ({escape(i.outlet)})") for i in message.items]
    shown, rest = lines[:MAX_ROLLUP], len(lines) - MAX_ROLLUP
    chunk = ""
    for line in shown:
        if len(chunk) + len(line) + 1 > MAX_SECTION:
            blocks.append(_section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(_section(chunk))
    if rest > 0:
        blocks.append(_context(f"and {rest} more: see `monitor alerts`"))
    return blocks


def _element(action: MessageAction) -> dict[str, Any]:
    return _menu(action) if action.options else _button(action)


def _menu(action: MessageAction) -> dict[str, Any]:
    """A static select (https://api.slack.com/reference/block-kit/block-elements#static_select):
    at most 100 options, labels up to 75 characters, values up to 150."""
    options = [
        {"text": {"type": "plain_text", "text": _clip(label, 75)}, "value": value[:150]}
        for label, value in action.options[:100]
    ]
    placeholder = {"type": "plain_text", "text": _clip(action.label, 150)}
    return {
        "type": "static_select",
        "action_id": action.action_id,
        "placeholder": placeholder,
        "options": options,
    }


def _button(action: MessageAction) -> dict[str, Any]:
    """An interactive button (https://api.slack.com/reference/block-kit/block-elements#button)."""
    button = {
        "type": "button",
        "action_id": action.action_id,
        "text": {"type": "plain_text", "text": _clip(action.label, 75)},
        "value": action.value[:2000],
    }
    return button | ({"style": action.style} if action.style else {})


def _text_blocks(message: AlertMessage) -> list[dict[str, Any]]:
    return [_section(escape(message.text))]


def _source_context(message: AlertMessage) -> dict[str, Any]:
    via = f"via {escape(message.via)}" if message.via else ""
    return _context(f"*{escape(message.outlet)}*", escape(message.outlet_label), via, message.published_text)


def _entities(message: AlertMessage) -> str:
    return ", ".join(
        f"*{escape(e.name)}*" + (f" ({escape(e.kind)})" if e.kind else "") for e in message.entities
    )


def highlighted(snippet: str, match: str) -> str:
    """The snippet escaped, with the first occurrence of `match` in bold."""
    snippet = _clip(snippet, MAX_SNIPPET)
    at = snippet.casefold().find(match.casefold()) if match else -1
    if at < 0 or len(snippet.casefold()) != len(snippet):
        return escape(snippet)
    before, found, after = snippet[:at], snippet[at : at + len(match)], snippet[at + len(match) :]
    left = " " if before[-1:].isalnum() else ""  # Slack only bolds *words* set off from letters
    right = " " if after[:1].isalnum() else ""
    return f"{escape(before)}{left}*{escape(found)}*{right}{escape(after)}".strip()


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
