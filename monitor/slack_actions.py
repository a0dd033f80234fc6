"""Slack interactivity at the edge: verify a request, read the clicks in it, answer through chat.update.

`screen()` decides what an HTTP request to POST /slack/actions gets, before any work is done:
404 without a signing secret (the endpoint is off), 401 unless slack-sdk's `SignatureVerifier`
accepts it (v0 HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the signing secret, compared in
constant time, timestamps more than 5 minutes away refused, so a captured request cannot be
replayed), 400 for a body that is not an interaction payload, 403 for a payload from another
workspace or app (when `slack.team_id` / `slack.api_app_id` are set). Bodies over 64 KB are
refused by the server before they are read (413).

Over Socket Mode (`SocketModeListener`, slack-sdk's built-in client with the app-level token)
no request needs a signature: the connection itself is authenticated. Each envelope is
acknowledged at once and its payload handed on.

The values our buttons carry (monitor/notify/actions.py) come back from Slack inside a signed
payload, but are still parsed strictly: anything else is not a click of ours and is ignored.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.error import URLError
from urllib.parse import parse_qs

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.signature import Clock, SignatureVerifier
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from monitor.logs import log
from monitor.notify.actions import MUTE, VERDICTS, read_value

logger = logging.getLogger(__name__)

TIMEOUT = 10  # seconds for chat.update; the click is stored before it is tried
MAX_RECONNECT_WAIT = 60.0  # seconds between Socket Mode connection attempts, at most


@dataclass(frozen=True, slots=True)
class Click:
    """One of our actions pressed in Slack, as a verified payload reports it."""

    action_id: str  # RELEVANT | NOT_RELEVANT | MUTE
    story_id: int
    user_id: str
    user_name: str
    channel_id: str = ""
    message_ts: str = ""
    entity: str = ""  # a mute's entity
    mute_for: str = ""  # a key of MUTE_FOR


@dataclass(frozen=True, slots=True)
class Gatekeeping:
    """What an interaction must satisfy: over HTTP the signing secret (none: the endpoint is
    off), and over HTTP or Socket Mode the workspace and app when they are configured."""

    signing_secret: str = ""
    team_id: str = ""
    api_app_id: str = ""


class _At(Clock):
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> float:
        return self._now.timestamp()


def verified(secret: str, body: bytes, headers: Mapping[str, str], now: datetime) -> bool:
    """Slack's v0 signature check, by slack-sdk; a malformed timestamp or body is simply not valid."""
    try:
        return SignatureVerifier(secret, clock=_At(now)).is_valid_request(body, dict(headers))
    except (ValueError, UnicodeDecodeError, TypeError):  # TypeError: hmac compares ASCII text only
        return False


def screen(
    gate: Gatekeeping | None, body: bytes, headers: Mapping[str, str], now: datetime
) -> tuple[int, list[Click]]:
    """The HTTP status a request gets, and the clicks to act on (only with 200)."""
    if gate is None or not gate.signing_secret:
        return 404, []
    if not verified(gate.signing_secret, body, headers, now):
        return 401, []
    payload = interaction(body)
    if payload is None:
        return 400, []
    if not from_our_app(gate, payload):
        return 403, []
    return 200, clicks(payload)


def interaction(body: bytes) -> dict[str, Any] | None:
    """The JSON in the form field `payload`, as Slack posts interactions; None if it is not."""
    try:
        form = parse_qs(body.decode(), strict_parsing=True)
        payload = json.loads(form["payload"][0])
    except (UnicodeDecodeError, ValueError, KeyError, RecursionError):
        return None
    return payload if isinstance(payload, dict) else None


def from_our_app(gate: Gatekeeping, payload: Mapping[str, Any]) -> bool:
    team = payload.get("team")
    team_id = team.get("id") if isinstance(team, dict) else None
    if gate.team_id and team_id != gate.team_id:
        return False
    return not gate.api_app_id or payload.get("api_app_id") == gate.api_app_id


def clicks(payload: Mapping[str, Any]) -> list[Click]:
    """Our actions in a `block_actions` payload; other payload types and foreign actions are none."""
    if payload.get("type") != "block_actions":
        return []
    user, channel, message, container = (
        _object(payload, k) for k in ("user", "channel", "message", "container")
    )
    who = (str(user.get("id") or ""), str(user.get("username") or user.get("name") or ""))
    where = (str(channel.get("id") or container.get("channel_id") or ""), str(message.get("ts") or ""))
    actions = payload.get("actions")
    found = []
    for action in actions if isinstance(actions, list) else []:
        click = _click(action, who, where) if isinstance(action, dict) else None
        if click is not None:
            found.append(click)
    return found


def _object(payload: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = payload.get(key)
    return value if isinstance(value, dict) else {}


def _click(action: Mapping[str, Any], who: tuple[str, str], where: tuple[str, str]) -> Click | None:
    action_id = action.get("action_id")
    selected = action.get("selected_option")
    value = selected.get("value") if action_id == MUTE and isinstance(selected, dict) else action.get("value")
    read = read_value(value) if isinstance(value, str) else None
    if read is None or not who[0] or action_id not in (*VERDICTS, MUTE):
        return None
    if (action_id == MUTE) != bool(read[2]):  # a mute names an entity and a period, a verdict not
        return None
    story_id, entity, mute_for = read
    return Click(action_id, story_id, who[0], who[1], where[0], where[1], entity, mute_for)


class SlackResponder:
    """chat.update with the bot token: the message a click came from, shown with its outcome."""

    def __init__(self, bot_token: str, api_url: str = "") -> None:
        self._client = _client(bot_token, api_url)

    def update(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> bool:
        """True when Slack took the update; a failure is logged (the click is stored already)."""
        try:
            self._client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        except SlackApiError as exc:
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            log(logger, "triage.update_failed", logging.WARNING, status=exc.response.status_code, error=error)
            return False
        except (OSError, URLError, SlackClientError) as exc:
            log(logger, "triage.update_failed", logging.WARNING, error=type(exc).__name__)
            return False
        return True


def _client(token: str, api_url: str) -> WebClient:
    base_url = api_url.rstrip("/") + "/" if api_url else WebClient.BASE_URL
    return WebClient(token=token or None, base_url=base_url, timeout=TIMEOUT, retry_handlers=[])


class SocketModeListener:
    """Interactions over Socket Mode. `start()` connects on a thread of its own, retrying with
    backoff while Slack cannot be reached (one WARNING, then one line once connected); the
    client reconnects by itself after that."""

    def __init__(self, app_token: str, api_url: str, on_payload: Callable[[Mapping[str, Any]], None]) -> None:
        self._client = SocketModeClient(app_token, web_client=_client("", api_url), logger=logger)
        self._client.socket_mode_request_listeners.append(self._on_request)  # type: ignore[arg-type]
        self._on_payload = on_payload
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._connect, name="socket-mode", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=TIMEOUT)
        self._client.close()

    def _connect(self) -> None:
        wait, failing = 1.0, False
        while not self._stop.is_set():
            try:
                self._client.connect()
            except (SlackApiError, SlackClientError, OSError) as exc:
                if not failing:
                    log(logger, "triage.socket_mode_unreachable", logging.WARNING, error=type(exc).__name__)
                failing = True
                self._stop.wait(wait)
                wait = min(wait * 2, MAX_RECONNECT_WAIT)
                continue
            log(logger, "triage.socket_mode_connected")
            return

    def _on_request(self, client: SocketModeClient, request: SocketModeRequest) -> None:
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
        if request.type == "interactive":
            self._on_payload(request.payload)
