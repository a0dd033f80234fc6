"""Triage: an analyst's click in Slack becomes a stored verdict or mute, and the message says so.

`Triage.receive(body, headers)` is what the daemon's HTTP server calls for POST /slack/actions:
it screens the request (monitor/slack_actions.py) and answers at once (Slack wants an answer
within 3 s); the clicks are applied afterwards, one at a time, on a worker thread of their own.
`apply(click)` is that one unit of work: the verdict or mute in one transaction, then
`chat.update` of the message the click came from, rebuilt from the stored alert (not from the
blocks in the payload) with a line saying who did what, escaped as alerts are.

Mutes are read back by the alert flow at every poll (`store.triage.muted_entities`), so they
reach every daemon sharing the database.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from monitor.config import Settings
from monitor.errors import StoreError
from monitor.logs import log
from monitor.notify import AlertMessage, from_payload
from monitor.notify.actions import MUTE, MUTE_FOR, MUTE_LABELS, NOT_RELEVANT, VERDICTS
from monitor.notify.slack import escape, payload
from monitor.slack_actions import (
    Click,
    Gatekeeping,
    SlackResponder,
    SocketModeListener,
    clicks,
    from_our_app,
    screen,
)
from monitor.store import triage as triage_store

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def gatekeeping(settings: Settings) -> Gatekeeping | None:
    """None when clicks cannot arrive: neither a signing secret (HTTP) nor an app token (Socket Mode)."""
    slack = settings.slack
    secret = slack.signing_secret.get_secret_value()
    if not secret and not slack.app_token.get_secret_value():
        return None
    return Gatekeeping(secret, slack.team_id, slack.api_app_id)


def socket_mode(settings: Settings, triage: Triage) -> SocketModeListener | None:
    """The Socket Mode listener when `slack.app_token` is set (not started)."""
    token = settings.slack.app_token.get_secret_value()
    return SocketModeListener(token, settings.slack.api_url, triage.receive_payload) if token else None


def responder(settings: Settings) -> SlackResponder | None:
    token = settings.slack.bot_token.get_secret_value()
    return SlackResponder(token, settings.slack.api_url) if token else None


REFUSALS_LOGGED_EVERY = 600.0  # seconds: anyone can post to the endpoint, so refusals are summed


class _Refusals:
    """Requests refused (a bad signature, an odd body): one line at the first, then at most one
    per REFUSALS_LOGGED_EVERY with how many came since, so a flood of them cannot flood the log."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since = 0
        self._logged_at: float | None = None

    def note(self, status: int) -> None:
        with self._lock:
            self._since += 1
            now = time.monotonic()
            if self._logged_at is not None and now - self._logged_at < REFUSALS_LOGGED_EVERY:
                return
            count, self._since, self._logged_at = self._since, 0, now
        level = logging.WARNING if status in (401, 403) else logging.INFO
        log(logger, "triage.refused", level, status=status, requests=count)


class Triage:
    """Verified clicks in, stored verdicts and mutes out; `close()` finishes the clicks queued."""

    def __init__(
        self,
        gate: Gatekeeping | None,
        sessions: sessionmaker[Session],
        slack: SlackResponder | None,
        clock: Clock,
    ) -> None:
        self._gate = gate
        self._sessions = sessions
        self._slack = slack
        self._clock = clock
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="triage")
        self._refusals = _Refusals()

    def receive(self, body: bytes, headers: Mapping[str, str]) -> int:
        """The HTTP status for one request; its clicks are queued, not applied, before it returns."""
        status, found = screen(self._gate, body, headers, self._clock())
        if status != 200:
            self._refusals.note(status)
        self._queue(found)
        return status

    def receive_payload(self, payload: Mapping[str, Any]) -> None:
        """An interaction from Socket Mode (authenticated by its connection): queue its clicks."""
        if self._gate is not None and not from_our_app(self._gate, payload):
            log(logger, "triage.refused", logging.WARNING, status=403)
            return
        self._queue(clicks(payload))

    def _queue(self, found: list[Click]) -> None:
        for click in found:
            self._worker.submit(self._apply_logged, click)

    def close(self) -> None:
        self._worker.shutdown(wait=True)

    def _apply_logged(self, click: Click) -> None:
        try:
            self.apply(click)
        except StoreError as exc:
            log(logger, "triage.not_stored", logging.WARNING, story=click.story_id, error=str(exc))
        except Exception:  # a bug must not stop later clicks
            logger.exception("triage.failed")

    def apply(self, click: Click) -> bool:
        """Store the click and update its message; False when the story is unknown (nothing done)."""
        now = self._clock()
        with self._sessions.begin() as session:
            if not triage_store.story_exists(session, click.story_id):
                log(logger, "triage.unknown_story", logging.WARNING, story=click.story_id)
                return False
            store_click(session, click, now)
            stored = triage_store.alert_payload(session, click.story_id, click.message_ts)
        log(logger, "triage.stored", action=click.action_id, story=click.story_id, user=click.user_id)
        if self._slack is not None and click.channel_id and click.message_ts:
            text, blocks = updated_message(stored, click)
            self._slack.update(click.channel_id, click.message_ts, text, blocks)
        return True


def store_click(session: Session, click: Click, now: datetime) -> None:
    if click.action_id == MUTE:
        period = MUTE_FOR[click.mute_for]
        until = now + period if period is not None else None
        mute = triage_store.NewMute(click.entity, until, click.user_id, click.user_name, click.story_id)
        triage_store.add_mute(session, mute, now=now)
    else:
        verdict = triage_store.NewVerdict(
            click.story_id, VERDICTS[click.action_id], click.user_id, click.user_name
        )
        triage_store.record_verdict(session, verdict, now=now)


def updated_message(stored: Mapping[str, Any] | None, click: Click) -> tuple[str, list[dict[str, Any]]]:
    """The message as sent (without its buttons after a verdict), and a line saying what was done."""
    message = from_payload(stored) if stored else AlertMessage(kind="story")
    note = outcome_line(click, message)
    text, blocks = note, []
    if stored:
        sent = payload(message)
        text, blocks = str(sent["text"]), list(sent["blocks"])
    kept: list[dict[str, Any]] = [b for b in blocks if click.action_id == MUTE or b.get("type") != "actions"]
    kept.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note, "verbatim": True}]})
    return text, kept


def outcome_line(click: Click, message: AlertMessage) -> str:
    """ "Marked not relevant by @name", or "Muted *X* for 7 days by @name"; the name and entity
    are escaped (a Slack display name is free text)."""
    who = f"@{escape(click.user_name or click.user_id)}"
    if click.action_id != MUTE:
        word = "not relevant" if click.action_id == NOT_RELEVANT else "relevant"
        return f"Marked {word} by {who}"
    names = {e.id: e.name for e in message.entities}
    entity = escape(names.get(click.entity, click.entity))
    period = "until lifted" if click.mute_for == "lifted" else f"for {MUTE_LABELS[click.mute_for]}"
    return f"Muted *{entity}* {period} by {who}"
