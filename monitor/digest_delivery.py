"""Sending the weekly digest: once per recipient and week, recorded, and retried after a failure.

The unit of work is `send_digest(week, deps, now, force)`: make sure every recipient has a
`digest_sends` row, claim the rows that are due (a conditional UPDATE, so two daemons never send
the same one), build and render the digest only when something was claimed, send, and record
the outcome. A temporary failure (4xx, timeout, refused connection) is retried with a growing
delay; a permanent one (5xx, bad credentials) is recorded as failed and only `--force` sends it
again. A sent row is never sent again without `--force`.

`send_weekly_digest(settings, sessions, now)` is what the daemon calls: cheap when nothing is due,
so it can run on every delivery tick as well as from the weekly cron, which is how a send
missed while the daemon was down, or a failed one, goes out later rather than never.

Without SMTP the embedded `FileSender` writes the digest to `digest.out_dir`; that counts as
one recipient, `file:<folder>`, so it too is written once per week.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session, sessionmaker

from monitor.config import DigestSettings, Settings
from monitor.digest import (
    EntityCatalogue,
    build_digest,
    load_week,
    parse_week,
    week_of,
)
from monitor.digest_render import render
from monitor.errors import ConfigError, DeliveryError
from monitor.logs import log
from monitor.notify.deadline import SEND_DEADLINE, within
from monitor.notify.email import EmailSender, FileSender, SmtpSender, build_message, parse_smtp_url
from monitor.records import RenderedDigest, Source
from monitor.store import digests
from monitor.stories import StoryRule
from monitor.watchlists import load_watchlists

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)  # a claimed send that never reported back is tried again after this
BACKOFF = (timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1), timedelta(hours=3))
MAX_ATTEMPTS = 12  # about 1.5 days of retries before a temporary failure counts as permanent
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class DigestDeps:
    """What sending a digest needs, built once from Settings (or by a test)."""

    sessions: sessionmaker[Session]
    sender: EmailSender
    watchlist: EntityCatalogue
    tz: ZoneInfo
    source_ids: tuple[str, ...]
    from_: str
    to: tuple[str, ...]
    stories: StoryRule = StoryRule()  # the alerts' rule: the digest groups stories as Slack does
    sources: tuple[Source, ...] = ()  # the configured ones: their labels weigh each story's outlets


@dataclass(frozen=True, slots=True)
class SendOutcome:
    recipient: str
    status: Literal["sent", "skipped", "retry", "failed"]
    detail: str  # where it went, why it was skipped, or the error
    retry_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DigestReport:
    week: str
    outcomes: tuple[SendOutcome, ...] = ()

    @property
    def sent(self) -> int:
        return sum(o.status == "sent" for o in self.outcomes)


# --- deciding ------------------------------------------------------------------------------------


def timezone_of(settings: DigestSettings) -> ZoneInfo:
    try:
        return ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError("digest.timezone", f"unknown timezone {settings.timezone!r}") from None


def send_time(week: str, settings: DigestSettings, tz: ZoneInfo) -> datetime:
    """When a week's digest is due: the configured weekday and time after the week ends."""
    day = parse_week(week) + timedelta(days=7 + WEEKDAYS.index(settings.weekday))
    return datetime.combine(day, time.fromisoformat(settings.time), tzinfo=tz)


def due_week(now: datetime, settings: DigestSettings, tz: ZoneInfo) -> str:
    """The latest week whose send time has passed."""
    week = week_of(now.astimezone(tz).date())
    while send_time(week, settings, tz) > now:
        week = week_of(parse_week(week) - timedelta(days=7))
    return week


def retry_at(attempts: int, error: DeliveryError, now: datetime) -> datetime | None:
    """When to try again after a failure, or None when it has failed for good."""
    if error.permanent or attempts >= MAX_ATTEMPTS:
        return None
    delay = BACKOFF[min(attempts, len(BACKOFF)) - 1]
    return now + max(delay, timedelta(seconds=error.retry_after or 0))


# --- applying ------------------------------------------------------------------------------------


def send_digest(
    week: str, deps: DigestDeps, now: datetime, *, force: bool = False, only: Sequence[str] | None = None
) -> DigestReport:
    """Send one week's digest to every target that is due (all of them with force)."""
    deliveries = deps.sender.deliveries(deps.to)
    wanted = [t for t in deliveries if only is None or t in only]
    with deps.sessions.begin() as session:
        digests.add_sends(session, week, wanted, now)
    claimed = [t for t in wanted if _claim(deps, week, t, now, force)]
    skipped = _skipped(deps, week, [t for t in wanted if t not in claimed], now)
    if not claimed:
        return DigestReport(week, tuple(skipped))
    rendered = render_week(week, deps, now)
    sent = [_send_one(deps, week, rendered, t, deliveries[t], now) for t in claimed]
    return DigestReport(week, tuple(sent + skipped))


def render_week(week: str, deps: DigestDeps, now: datetime) -> RenderedDigest:
    with deps.sessions() as session:
        facts = load_week(session, week, deps.tz, deps.source_ids)
    return render(build_digest(facts, week, now, deps.tz, deps.watchlist, deps.stories, deps.sources))


def _claim(deps: DigestDeps, week: str, target: str, now: datetime, force: bool) -> bool:
    with deps.sessions.begin() as session:
        return digests.claim_send(session, week, target, now=now, lease=LEASE, force=force)


def _skipped(deps: DigestDeps, week: str, skipped: list[str], now: datetime) -> list[SendOutcome]:
    with deps.sessions() as session:
        rows = {row.recipient: row for row in digests.sends(session, week)}
    outcomes = []
    for target in skipped:
        row = rows[target]
        if row.state == "sent":
            detail = f"already sent {_utc(row.sent_at)} (--force sends it again)"
        elif row.state == "failed":
            detail = f"failed for good: {row.last_error} (--force tries again)"
        else:
            detail = f"next try {_utc(row.next_attempt_at)}; last error: {row.last_error or 'none'}"
        outcomes.append(SendOutcome(target, "skipped", detail, row.next_attempt_at))
    return outcomes


def _utc(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "-"


def _send_one(
    deps: DigestDeps, week: str, rendered: RenderedDigest, target: str, to: Sequence[str], now: datetime
) -> SendOutcome:
    message = build_message(rendered, sender=deps.from_, to=to, week=week, now=now)
    try:
        where = within(SEND_DEADLINE, partial(deps.sender.send, message))
    except DeliveryError as error:
        return _record_failure(deps, week, target, error, now)
    with deps.sessions.begin() as session:
        digests.record_sent(session, week, target, now=now)
    log(logger, "digest.sent", week=week, recipient=target, where=where)
    return SendOutcome(target, "sent", where)


def _record_failure(
    deps: DigestDeps, week: str, target: str, error: DeliveryError, now: datetime
) -> SendOutcome:
    with deps.sessions.begin() as session:
        attempts = next(r.attempts for r in digests.sends(session, week) if r.recipient == target)
        when = retry_at(attempts, error, now)
        digests.record_send_failure(session, week, target, error=error.message, retry_at=when)
    status: Literal["retry", "failed"] = "retry" if when else "failed"
    log(
        logger,
        "digest.failed",
        logging.WARNING,
        week=week,
        recipient=target,
        error=error.message,
        retry_at=when,
    )
    return SendOutcome(target, status, error.message, when)


# --- what the daemon and the CLI build -----------------------------------------------------------


def build_sender(settings: Settings) -> EmailSender:
    """SMTP when `email.smtp_url` is set (then `email.to` must be), else files in `digest.out_dir`."""
    url = settings.email.smtp_url.get_secret_value()
    if not url:
        return FileSender(Path(settings.digest.out_dir))
    if not settings.email.to:
        raise ConfigError("email.to", "no recipients: list at least one address to send the digest to")
    return SmtpSender(parse_smtp_url(url))


def digest_deps(
    settings: Settings,
    sessions: sessionmaker[Session],
    watchlist: EntityCatalogue,
    sender: EmailSender | None = None,
) -> DigestDeps:
    return DigestDeps(
        sessions=sessions,
        sender=sender or build_sender(settings),
        watchlist=watchlist,
        tz=timezone_of(settings.digest),
        source_ids=tuple(s.id for s in settings.enabled_sources()),
        from_=settings.email.from_,
        to=tuple(settings.email.to),
        stories=StoryRule.from_settings(settings),
        sources=tuple(settings.all_sources()),
    )


def send_weekly_digest(
    settings: Settings,
    sessions: sessionmaker[Session],
    now: datetime,
    *,
    watchlist: EntityCatalogue | None = None,
    sender: EmailSender | None = None,
) -> list[DigestReport]:
    """The daemon's job: the week now due, then the due retries of earlier weeks."""
    watchlist = watchlist or load_watchlists(settings.watchlists_path())
    deps = digest_deps(settings, sessions, watchlist, sender)
    week = due_week(now, settings.digest, deps.tz)
    reports = [send_digest(week, deps, now)]
    with deps.sessions() as session:
        retries = [(w, r) for w, r in digests.due_retries(session, now) if w != week]
    for old_week in sorted({w for w, _ in retries}):
        reports.append(send_digest(old_week, deps, now, only=[r for w, r in retries if w == old_week]))
    return reports
