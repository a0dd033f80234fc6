"""Slack interactivity at the edge: verify a request, read the clicks in it, answer through chat.update.

`screen()` decides what an HTTP request to POST /slack/actions gets, before any work is done:
404 without a signing secret (the endpoint is off), 401 unless slack-sdk's `SignatureVerifier`
accepts it (v0 HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the signing secret, compared in
constant time, timestamps more than 5 minutes away refused, so a captured request cannot be
replayed), 400 for a body that is not an interaction payload, 403 for a payload from another
workspace or app (when `slack.team_id` / `slack.api_app_id` are set). Bodies over MAX_BODY are
refused by the server before they are read (413).

The values our buttons carry name what a click concerns (`story:12`, and for the mute menu
`story:12|entity:kataib-hezbollah|for:24h`); they come back from Slack inside a signed payload,
but are still parsed strictly: anything else is not a click of ours and is ignored.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.error import URLError
from urllib.parse import parse_qs

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.signature import Clock, SignatureVerifier

from monitor.logs import log

logger = logging.getLogger(__name__)

ACTIONS_PATH = "/slack/actions"
MAX_BODY = 64 * 1024
RELEVANT = "monitor_relevant"
NOT_RELEVANT = "monitor_not_relevant"
MUTE = "monitor_mute"
VERDICTS = {RELEVANT: "relevant", NOT_RELEVANT: "not_relevant"}
MUTE_FOR: dict[str, timedelta | None] = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "lifted": None}
MUTE_LABELS = {"24h": "24 h", "7d": "7 days", "lifted": "until lifted"}
TIMEOUT = 10  # seconds for chat.update; the click is stored before it is tried


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
    """What an HTTP interaction must satisfy: the signing secret, and the workspace and app
    when they are configured."""

    signing_secret: str
    team_id: str = ""
    api_app_id: str = ""


def story_value(story_id: int) -> str:
    return f"story:{story_id}"


def mute_value(story_id: int, entity: str, mute_for: str) -> str:
    return f"story:{story_id}|entity:{entity}|for:{mute_for}"


def read_value(value: str) -> tuple[int, str, str] | None:
    """`story_value` / `mute_value` back to (story, entity, for); None for anything else."""
    parts = dict(part.partition(":")[::2] for part in value.split("|"))
    if set(parts) not in ({"story"}, {"story", "entity", "for"}) or not parts["story"].isdigit():
        return None
    mute_for = parts.get("for", "")
    if mute_for and (mute_for not in MUTE_FOR or not parts["entity"]):
        return None
    return int(parts["story"]), parts.get("entity", ""), mute_for


class _At(Clock):
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> float:
        return self._now.timestamp()


def verified(secret: str, body: bytes, headers: Mapping[str, str], now: datetime) -> bool:
    """Slack's v0 signature check, by slack-sdk; a malformed timestamp or body is simply not valid."""
    try:
        return SignatureVerifier(secret, clock=_At(now)).is_valid_request(body, dict(headers))
    except (ValueError, UnicodeDecodeError):
        return False


def screen(
    gate: Gatekeeping | None, body: bytes, headers: Mapping[str, str], now: datetime
) -> tuple[int, list[Click]]:
    """The HTTP status a request gets, and the clicks to act on (only with 200)."""
    if gate is None:
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
    except (UnicodeDecodeError, ValueError, KeyError):
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
    user = payload.get("user") if isinstance(payload.get("user"), dict) else {}
    channel = payload.get("channel") if isinstance(payload.get("channel"), dict) else {}
    message = payload.get("message") if isinstance(payload.get("message"), dict) else {}
    container = payload.get("container") if isinstance(payload.get("container"), dict) else {}
    who = (str(user.get("id") or ""), str(user.get("username") or user.get("name") or ""))
    where = (str(channel.get("id") or container.get("channel_id") or ""), str(message.get("ts") or ""))
    found = []
    for action in payload.get("actions") or []:
        click = _click(action, who, where) if isinstance(action, dict) else None
        if click is not None:
            found.append(click)
    return found


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

    def __init__(self, bot_token: str, api_url: str = "", timeout: int = TIMEOUT) -> None:
        base_url = api_url.rstrip("/") + "/" if api_url else WebClient.BASE_URL
        self._client = WebClient(token=bot_token, base_url=base_url, timeout=timeout, retry_handlers=[])

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
