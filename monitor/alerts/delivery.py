"""The deliverer of the outbox: claims due alerts atomically, applies the throttle, sends, and
records each attempt in its own short transaction (the trade-offs are in monitor/alerts/__init__.py)."""

from __future__ import annotations

import logging
import os
import random
import socket
import time as clock
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts.policy import AlertPolicy
from monitor.errors import DeliveryError
from monitor.logs import log
from monitor.notify import MAX_ROLLUP, AlertMessage, Notifier, RolledUpItem, from_payload, to_payload
from monitor.notify.deadline import SEND_DEADLINE, within
from monitor.store import outbox
from monitor.store.outbox import AlertListing

logger = logging.getLogger("monitor.alerts")
BACKOFF_BASE, BACKOFF_CAP = timedelta(seconds=1), timedelta(minutes=1)
THREAD_WAIT = timedelta(seconds=30)  # a reply waits this long for its thread's first message


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one delivery round did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    rolled_up: int = 0  # stories sent inside a throttle summary
    recorded: int = 0  # later outlets kept for the digest (webhook channels cannot thread)
    waiting: int = 0  # held back: throttle full, thread not there yet, or channel paused
    waited: float = 0.0  # seconds waited inside the round for retries due soon
    quiet: bool = False


@dataclass
class _Round:
    """One delivery round. `now` stamps every row it writes, also after a short wait."""

    sessions: sessionmaker[Session]
    notifiers: Mapping[str, Notifier]
    now: datetime
    policy: AlertPolicy
    worker: str
    jitter: Callable[[], float]
    sleep: Callable[[float], None]
    clock: Callable[[], float]
    tally: dict[str, float] = field(default_factory=dict)
    sent_ts: dict[int, str] = field(default_factory=dict)  # alert id → Slack ts, for replies in this round
    spent: dict[str, float] = field(default_factory=dict)  # channel → seconds of failed sends and waits
    failed: set[str] = field(default_factory=set)  # channels with a retryable failure earlier in the round
    started: float = 0.0  # clock() at the round's start

    def __post_init__(self) -> None:
        self.started = self.clock()

    def after(self, delay: timedelta) -> datetime:
        """`delay` from the present moment: the round's `now` plus the time the round has taken."""
        return self.now + timedelta(seconds=self.clock() - self.started) + delay

    def count(self, what: str, n: float = 1) -> None:
        self.tally[what] = self.tally.get(what, 0) + n


def backoff(attempt: int, jitter: float) -> timedelta:
    """Exponential from 1 s to at most a minute, times a random 0.5–1 so retries spread out.

    Five failures in a row wait 31 s at most in all (2 s base: 62 s), so a short outage ends in
    delivery within a minute; past seven, one request a minute (30–60 s) per channel."""
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** min(attempt - 1, 20))
    return delay * (0.5 + 0.5 * jitter)


def default_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def deliver_due(
    sessions: sessionmaker[Session],
    notifiers: Mapping[str, Notifier],
    now: datetime,
    policy: AlertPolicy = AlertPolicy(),
    *,
    worker: str | None = None,
    jitter: Callable[[], float] = random.random,
    sleep: Callable[[float], None] = clock.sleep,
    monotonic: Callable[[], float] = clock.monotonic,
) -> DeliveryReport:
    """Claim the due alerts, send them channel by channel, record every attempt. `sleep` and
    `monotonic` time the short waits inside the round (tests pass a simulated clock)."""
    if policy.quiet is not None and policy.quiet.contains(now):
        return DeliveryReport(quiet=True)
    worker = worker or default_worker()
    run = _Round(sessions, notifiers, now, policy, worker, jitter, sleep, monotonic)
    with sessions.begin() as session:
        jobs = _claim(run, session)
    by_channel: dict[str, list[outbox.ClaimedAlert]] = {}
    for job in jobs:
        by_channel.setdefault(job.channel, []).append(job)
    for channel, group in by_channel.items():
        _deliver_channel(run, channel, group)
    return DeliveryReport(**run.tally)  # type: ignore[arg-type]


def _deliver_channel(run: _Round, channel: str, jobs: list[outbox.ClaimedAlert]) -> None:
    """Send the channel's claimed alerts in order until one fails retryably. When messages got
    through, wake what the channel held back (after an outage: its whole queue) and send it too."""
    notifier = run.notifiers.get(channel)
    if notifier is None:
        for job in jobs:
            _failed(run, job, DeliveryError(f"channel {channel!r} is not configured", permanent=True))
        return
    with run.sessions.begin() as session:
        paused_until = outbox.paused_until(session, channel, now=run.now)
    if paused_until is not None:  # an alert's backoff or Retry-After holds the whole channel
        _release(run, jobs, paused_until)
        return
    while jobs:
        jobs = _throttle(run, channel, jobs)
        sent_before = run.tally.get("sent", 0)
        for index, job in enumerate(jobs):
            paused_until = _deliver_one(run, notifier, job)
            if paused_until is not None:
                _release(run, jobs[index + 1 :], paused_until)
                return
        if run.tally.get("sent", 0) == sent_before:
            return
        recovered = channel in run.failed or any(j.attempts for j in jobs)
        with run.sessions.begin() as session:
            woken = outbox.wake(session, channel, now=run.now)
            jobs = _claim(run, session, channel) if woken else []
        if recovered:
            run.failed.discard(channel)
            log(logger, "alert.resumed", channel=channel, queued=len(jobs))


def _claim(run: _Round, session: Session, channel: str | None = None) -> list[outbox.ClaimedAlert]:
    return outbox.claim_due(session, now=run.now, worker=run.worker, lease=run.policy.lease, channel=channel)


def _throttle(run: _Round, channel: str, jobs: list[outbox.ClaimedAlert]) -> list[outbox.ClaimedAlert]:
    """Send what the channel's window has room for; past it, roll the rest into summaries at most
    `rollup_interval` apart (each naming every story it holds), holding stories until then."""
    counted = [j for j in jobs if j.kind in ("story", "update")]
    policy = run.policy
    with run.sessions.begin() as session:
        recent = outbox.messages_since(session, channel, run.now - policy.throttle_per)
        excess = counted[max(0, policy.throttle_messages - len(recent)) :]
        if not excess:
            return jobs
        keep = [j for j in jobs if j not in excess]
        last = outbox.last_summary_at(session, channel)
        if last is not None and run.now < last + policy.rollup_interval:
            at = last + policy.rollup_interval
            outbox.release(session, [j.id for j in excess], worker=run.worker, at=at)
            run.count("waiting", len(excess))
            return keep
        chunks = [excess[i : i + MAX_ROLLUP] for i in range(0, len(excess), MAX_ROLLUP)]
        summaries = [
            outbox.roll_up(
                session,
                [j.id for j in chunk],
                _summary(channel, chunk, run),
                worker=run.worker,
                now=run.now,
                lease=policy.lease,
            )
            for chunk in chunks
        ]
    run.count("rolled_up", len(excess))
    log(logger, "alert.throttled", logging.WARNING, channel=channel, rolled_up=len(excess))
    return [*keep, *summaries]


def _summary(channel: str, jobs: Sequence[outbox.ClaimedAlert], run: _Round) -> outbox.NewAlert:
    items = tuple(
        RolledUpItem(j.payload.get("title", ""), j.payload.get("url", ""), j.payload.get("outlet", ""))
        for j in jobs
    )
    minutes = round(run.policy.throttle_per.total_seconds() / 60)
    text = f"{len(items)} more stories (more than {run.policy.throttle_messages} in {minutes} minutes)"
    message = AlertMessage(kind="summary", text=text, items=items)
    return outbox.NewAlert(channel, f"summary:{uuid.uuid4().hex}", "summary", to_payload(message))


def _deliver_one(run: _Round, notifier: Notifier, job: outbox.ClaimedAlert) -> datetime | None:
    """Send one alert; returns when the channel may be tried again if it should pause."""
    if job.kind == "attachment" and not notifier.threads:
        with run.sessions.begin() as session:
            outbox.mark_recorded(session, job.id, worker=run.worker, now=run.now)
        run.count("recorded")
        return None
    thread_ts = job.parent_ts or (run.sent_ts.get(job.parent_id) if job.parent_id else None)
    if job.parent_id is not None and thread_ts is None and job.parent_state in ("pending", "rolled_up"):
        _release(run, [job], run.now + THREAD_WAIT)
        return None
    message = from_payload(job.payload)
    reply_to = thread_ts if notifier.threads else None
    while True:
        started = run.clock()
        try:
            result = within(SEND_DEADLINE, partial(notifier.send, message, reply_to=reply_to))
            break
        except DeliveryError as error:
            run.spent[job.channel] = run.spent.get(job.channel, 0.0) + run.clock() - started
            delay = _retry_delay(run, job, error)
            if not _wait_out(run, job, error, delay):
                return _failed(run, job, error, delay)
            job = replace(job, attempts=job.attempts + 1)
        except Exception as error:  # a bug in one channel must not lose the alert or stop the round
            fields = {"alert": job.id, "channel": job.channel}
            logger.exception("alert.internal_error", extra={"fields": fields})
            # the outbox keeps the kind only: an exception's arguments may hold what it was given
            # (a header, a password); the log line above has the rest, redacted
            return _failed(run, job, DeliveryError(f"internal error: {type(error).__name__}"))
    with run.sessions.begin() as session:
        outbox.record_attempt(session, job.id, worker=run.worker, now=run.now)
        won = outbox.mark_sent(
            session, job.id, worker=run.worker, now=run.now, ts=result.ts if result else None
        )
    if result and result.ts:
        run.sent_ts[job.id] = result.ts
    if not won:
        log(logger, "alert.claim_lost", logging.WARNING, alert=job.id, channel=job.channel)
    run.count("sent")
    return None


def _retry_delay(run: _Round, job: outbox.ClaimedAlert, error: DeliveryError) -> timedelta:
    """Slack's Retry-After if it gave one (at least BACKOFF_BASE: "0" must not make a round
    hammer Slack), else the backoff for this attempt."""
    if error.retry_after is not None:
        return max(timedelta(seconds=error.retry_after), BACKOFF_BASE)
    return backoff(job.attempts + 1, run.jitter())


def _wait_out(run: _Round, job: outbox.ClaimedAlert, error: DeliveryError, delay: timedelta) -> bool:
    """True after waiting `delay` here, when the channel's failed sends and waits in this round
    stay within `policy.wait_in_round` (a short Retry-After, the first backoff steps of fast failures; not
    after a timeout). The attempt is recorded and the channel paused for other deliverers."""
    seconds = delay.total_seconds()
    spent = run.spent.get(job.channel, 0.0)
    if error.permanent or spent + seconds > run.policy.wait_in_round.total_seconds():
        return False
    with run.sessions.begin() as session:
        outbox.record_attempt(
            session,
            job.id,
            worker=run.worker,
            now=run.now,
            error=error.message,
            retry_after=error.retry_after,
        )
        outbox.postpone(session, job.id, worker=run.worker, at=run.after(delay))
    _log_retry(job, error, run.after(delay), in_round=True)
    run.failed.add(job.channel)
    run.sleep(seconds)
    run.spent[job.channel] = spent + seconds
    run.count("waited", seconds)
    return True


def _log_retry(job: outbox.ClaimedAlert, error: DeliveryError, at: datetime, in_round: bool) -> None:
    """WARNING at an alert's first failure (the channel pauses behind it, so this is when an
    outage starts), INFO for its later retries."""
    attempt = job.attempts + 1
    level = logging.WARNING if attempt == 1 else logging.INFO
    fields = {"alert": job.id, "channel": job.channel, "attempt": attempt, "error": error.message}
    log(logger, "alert.retry", level, next_attempt_at=at.isoformat(), in_round=in_round, **fields)


def _failed(
    run: _Round, job: outbox.ClaimedAlert, error: DeliveryError, delay: timedelta | None = None
) -> datetime | None:
    """Record the failed attempt; retry with backoff (or at Retry-After) unless permanent or too old."""
    attempt = job.attempts + 1
    give_up = error.permanent or run.now - job.created_at >= run.policy.give_up_after
    at = run.after(delay if delay is not None else _retry_delay(run, job, error))
    with run.sessions.begin() as session:
        outbox.record_attempt(
            session,
            job.id,
            worker=run.worker,
            now=run.now,
            error=error.message,
            permanent=error.permanent,
            retry_after=error.retry_after,
        )
        if give_up:
            outbox.mark_failed(session, job.id, worker=run.worker, error=error.message)
        else:
            outbox.mark_retry(session, job.id, worker=run.worker, at=at, error=error.message)
    if give_up:
        fields = {"alert": job.id, "channel": job.channel, "attempt": attempt, "error": error.message}
        log(logger, "alert.failed", logging.ERROR, permanent=error.permanent, **fields)
        run.count("failed")
        return None
    _log_retry(job, error, at, in_round=False)
    run.count("retrying")
    return at


def _release(run: _Round, jobs: Sequence[outbox.ClaimedAlert], at: datetime) -> None:
    if not jobs:
        return
    with run.sessions.begin() as session:
        outbox.release(session, [j.id for j in jobs], worker=run.worker, at=at)
    run.count("waiting", len(jobs))


def list_outbox(sessions: sessionmaker[Session], limit: int) -> tuple[list[AlertListing], dict[str, int]]:
    """The outbox as `monitor alerts` shows it: the newest alerts, and how many are in each state."""
    with sessions() as session:
        return outbox.list_alerts(session, limit=limit), outbox.count_by_state(session)


def requeue_failed(sessions: sessionmaker[Session], now: datetime) -> int:
    """Every failed alert back to pending, due now (`monitor alerts retry`); how many."""
    with sessions.begin() as session:
        return outbox.requeue_failed(session, now=now)


# --- test messages -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProbeResult:
    channel: str
    target: str
    error: str | None = None
    permanent: bool = False


def probe_channels(notifiers: Mapping[str, Notifier], now: datetime) -> list[ProbeResult]:
    """Send a test message to every channel now, outside the outbox; say what each answered."""
    results = []
    for name, notifier in notifiers.items():
        text = f"Test message from the border monitor to channel {name} at {now:%Y-%m-%d %H:%M} UTC"
        try:
            within(SEND_DEADLINE, partial(notifier.send, AlertMessage(kind="test", text=text)))
        except DeliveryError as error:
            results.append(ProbeResult(name, notifier.describe(), error.message, error.permanent))
        else:
            results.append(ProbeResult(name, notifier.describe()))
    return results
