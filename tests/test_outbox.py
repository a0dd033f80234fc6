"""The outbox's guarantees against a real Slack-compatible server, on SQLite and PostgreSQL:
outage then recovery, 429 with Retry-After, permanent errors, a process killed between store and
send, and two deliverers at once. Every alert is sent exactly once, none is lost."""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor import alerts, store
from monitor.alerts import AlertPolicy
from monitor.notify import ChannelSpec
from monitor.notify.slack import SlackBotNotifier, SlackWebhookNotifier
from monitor.records import ArticleMatches, Entry, Hit, Priority, Source
from monitor.store import outbox
from tests.servers.slack import TOKEN, SlackServer

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
REPO = Path(__file__).resolve().parents[1]
POLICY = AlertPolicy(throttle_messages=1000)
ROUNDS_ONLY = AlertPolicy(throttle_messages=1000, wait_in_round=timedelta(0))  # every retry in a later round


class SimClock:
    """Simulated seconds for a delivery round: sleep advances, monotonic reads, waits recorded."""

    def __init__(self) -> None:
        self.now, self.waits = 0.0, []  # type: ignore[var-annotated]

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now

    def kw(self) -> dict[str, object]:
        return {"sleep": self.sleep, "monotonic": self.monotonic}


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    with SlackServer() as server:
        yield server


def entry(
    source_id: str,
    key: str,
    title: str,
    *,
    url: str | None = None,
    text: str = "",
    published: datetime = NOW - timedelta(hours=1),
    publisher: str | None = None,
) -> Entry:
    return Entry(
        source_id=source_id,
        key=key,
        guid=key,
        url=url or f"https://{source_id}.example/{key}",
        title=title,
        summary=text,
        content="",
        published=published,
        publisher=publisher,
        content_hash=hashlib.sha256(f"{title}\n{text}".encode()).hexdigest(),
    )


def matched(
    article: object, entities: Sequence[str], level: str = "high", edited: bool = False
) -> ArticleMatches:
    hits = tuple(
        Hit(article.id, e, e, "title", 0, 5, article.title[:5], article.title)  # type: ignore[attr-defined]
        for e in entities
    )
    priority = Priority(level, "test rule") if hits else None  # type: ignore[arg-type]
    return ArticleMatches(article=article, hits=hits, priority=priority, edited=edited)  # type: ignore[arg-type]


def store_and_queue(
    sessions: sessionmaker[Session],
    entries: Sequence[Entry],
    entities: Sequence[str] = ("bukamal",),
    *,
    policy: AlertPolicy = POLICY,
    now: datetime = NOW,
    level: str = "high",
) -> int:
    """What a poll does: store entries and hits and queue their alerts, in one transaction."""
    with sessions.begin() as session:
        ids = sorted({e.source_id for e in entries})
        store.sync_sources(
            session, [Source(id=i, name=i.title(), url=f"https://{i}.example/feed") for i in ids]
        )
        queued = 0
        for source_id in ids:
            saved = store.save_entries(
                session, source_id, [e for e in entries if e.source_id == source_id], now=now
            )
            matches = [matched(a, entities, level) for a in saved.new]
            matches += [matched(a, entities, level, edited=True) for a in saved.updated]
            store.save_matches(session, matches, now=now)
            queued += alerts.queue_alerts(session, matches, policy, now)
    return queued


def webhook(server: SlackServer, timeout: int = 10) -> dict[str, SlackWebhookNotifier]:
    return {
        "default": SlackWebhookNotifier(
            ChannelSpec("default", "slack-webhook", webhook_url=server.webhook_url), timeout
        )
    }


def bot(server: SlackServer) -> dict[str, SlackBotNotifier]:
    spec = ChannelSpec("default", "slack-bot", bot_token=TOKEN, channel="C123", api_url=server.api_url)
    return {"default": SlackBotNotifier(spec)}


def states(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return {k: v for k, v in outbox.count_by_state(session).items() if v}


def stories(n: int, source: str = "wire") -> list[Entry]:
    return [
        entry(source, f"s{i}", f"Story number {i} from {source} about a different event {i * 7919}")
        for i in range(n)
    ]


def test_outage_then_recovery_sends_each_alert_once(
    sessions: sessionmaker[Session], slack: SlackServer
) -> None:
    assert store_and_queue(sessions, stories(3)) == 3
    slack.fail("server_error")
    down = alerts.deliver_due(sessions, webhook(slack), NOW, ROUNDS_ONLY, jitter=lambda: 0.0)
    assert (down.sent, down.retrying, down.waiting) == (0, 1, 2)  # one try, then the channel pauses
    assert alerts.deliver_due(sessions, webhook(slack), NOW, ROUNDS_ONLY).sent == 0
    assert len(slack.requests) == 1

    later = NOW + timedelta(minutes=1)  # past the first backoff (0.5-1 s)
    alerts.deliver_due(sessions, webhook(slack), later, ROUNDS_ONLY, jitter=lambda: 0.0)
    assert states(sessions) == {"pending": 3}
    slack.ok()
    up = alerts.deliver_due(sessions, webhook(slack), later + timedelta(minutes=5), ROUNDS_ONLY)
    assert up.sent == 3
    assert sorted(slack.texts()) == sorted(set(slack.texts()))
    assert len(slack.delivered) == 3 and states(sessions) == {"sent": 3}
    assert alerts.deliver_due(sessions, webhook(slack), later + timedelta(hours=1), POLICY).sent == 0


def test_connection_refused_is_retried(sessions: sessionmaker[Session]) -> None:
    store_and_queue(sessions, stories(1))
    with SlackServer() as gone:
        notifiers = webhook(gone)
    report = alerts.deliver_due(sessions, notifiers, NOW, ROUNDS_ONLY)
    assert report.retrying == 1 and states(sessions) == {"pending": 1}


def test_timeout_is_retried(sessions: sessionmaker[Session], slack: SlackServer) -> None:
    store_and_queue(sessions, stories(1))
    slack.fail("timeout", times=1)
    slack.delay = 2.0
    report = alerts.deliver_due(sessions, webhook(slack, timeout=1), NOW, ROUNDS_ONLY)
    assert report.retrying == 1
    with sessions() as session:
        [listing] = outbox.list_alerts(session)
    assert "timed out" in (listing.last_error or "")


def test_429_waits_for_retry_after(sessions: sessionmaker[Session], slack: SlackServer) -> None:
    store_and_queue(sessions, stories(2))
    slack.retry_after = 120
    slack.fail("rate_limited", times=1)
    report = alerts.deliver_due(sessions, bot(slack), NOW, POLICY, jitter=lambda: 0.0, **SimClock().kw())  # type: ignore[arg-type]
    assert (report.retrying, report.waiting) == (1, 1)
    with sessions() as session:
        due = {a.next_attempt_at for a in outbox.list_alerts(session)}
    assert due == {NOW + timedelta(seconds=120)}
    assert alerts.deliver_due(sessions, bot(slack), NOW + timedelta(seconds=119), POLICY).sent == 0
    assert alerts.deliver_due(sessions, bot(slack), NOW + timedelta(seconds=120), POLICY).sent == 2
    assert len(slack.requests) == 3


def test_a_huge_retry_after_waits_a_day_at_most(sessions: sessionmaker[Session], slack: SlackServer) -> None:
    """Clamped as a feed's Retry-After is: past what a timedelta holds, it crashed the round."""
    store_and_queue(sessions, stories(1))
    slack.retry_after = 99999999999999999999
    slack.fail("rate_limited", times=1)
    report = alerts.deliver_due(sessions, bot(slack), NOW, POLICY, jitter=lambda: 0.0, **SimClock().kw())  # type: ignore[arg-type]
    assert report.retrying == 1
    with sessions() as session:
        [listing] = outbox.list_alerts(session)
    assert listing.next_attempt_at == NOW + timedelta(days=1) and listing.attempts == 1


@pytest.mark.parametrize("mode", ["invalid_auth", "channel_not_found", "not_found"])
def test_permanent_errors_stop_retrying(
    sessions: sessionmaker[Session], slack: SlackServer, mode: str
) -> None:
    store_and_queue(sessions, stories(1))
    slack.fail(mode)
    report = alerts.deliver_due(sessions, webhook(slack), NOW, POLICY)
    assert report.failed == 1 and states(sessions) == {"failed": 1}
    slack.ok()
    assert alerts.deliver_due(sessions, webhook(slack), NOW + timedelta(days=1), POLICY).sent == 0
    with sessions.begin() as session:
        assert outbox.requeue_failed(session, now=NOW) == 1
    assert alerts.deliver_due(sessions, webhook(slack), NOW + timedelta(days=1), POLICY).sent == 1


def test_retryable_failures_give_up_loudly_after_a_day(
    sessions: sessionmaker[Session], slack: SlackServer
) -> None:
    store_and_queue(sessions, stories(1))
    slack.fail("server_error")
    assert alerts.deliver_due(sessions, webhook(slack), NOW, ROUNDS_ONLY).retrying == 1
    assert alerts.deliver_due(sessions, webhook(slack), NOW + timedelta(hours=25), ROUNDS_ONLY).failed == 1
    with sessions() as session:
        [listing] = outbox.list_alerts(session)
        assert [ok for _, ok, _ in outbox.attempts(session, listing.id)] == [False, False]
    assert listing.state == "failed" and "500" in (listing.last_error or "")


def test_backoff_grows_and_is_capped_at_a_minute() -> None:
    assert alerts.backoff(1, 1.0) == timedelta(seconds=1)
    assert alerts.backoff(2, 1.0) == timedelta(seconds=2)
    assert alerts.backoff(1, 0.0) == timedelta(seconds=0.5)
    assert alerts.backoff(30, 1.0) == timedelta(minutes=1)
    assert alerts.backoff(30, 0.0) == timedelta(seconds=30)
    assert sum((alerts.backoff(n, 1.0) for n in range(1, 6)), timedelta()) == timedelta(seconds=31)


def test_killed_between_store_and_send_loses_nothing(
    database_url: str, engine: object, sessions: sessionmaker[Session], slack: SlackServer
) -> None:
    script = textwrap.dedent(
        f"""
        import os
        from monitor import store
        from tests.test_outbox import stories, store_and_queue
        sessions = store.make_sessions(store.make_engine({database_url!r}))
        print(store_and_queue(sessions, stories(4)), flush=True)
        os._exit(9)  # killed before any delivery
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 9, done.stderr
    assert done.stdout.strip() == "4"
    assert alerts.deliver_due(sessions, webhook(slack), NOW, POLICY).sent == 4
    assert alerts.deliver_due(sessions, webhook(slack), NOW + timedelta(hours=1), POLICY).sent == 0
    assert len(slack.delivered) == 4 == len(set(slack.texts()))


def test_a_deliverer_that_dies_mid_send_is_taken_over_after_its_lease(
    sessions: sessionmaker[Session], slack: SlackServer
) -> None:
    store_and_queue(sessions, stories(2))
    with sessions.begin() as session:
        held = outbox.claim_due(session, now=NOW, worker="dead", lease=POLICY.lease)
    assert len(held) == 2
    assert alerts.deliver_due(sessions, webhook(slack), NOW + timedelta(minutes=1), POLICY).sent == 0
    assert alerts.deliver_due(sessions, webhook(slack), NOW + timedelta(minutes=6), POLICY).sent == 2


def test_two_deliverers_never_send_the_same_alert(
    sessions: sessionmaker[Session], slack: SlackServer
) -> None:
    store_and_queue(sessions, stories(40))
    reports: list[alerts.DeliveryReport] = []
    start = threading.Barrier(2)

    def deliver() -> None:
        start.wait()
        reports.append(alerts.deliver_due(sessions, webhook(slack), NOW, POLICY))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.sent for r in reports) == 40
    texts = slack.texts()
    assert len(texts) == 40 == len(set(texts))
    assert states(sessions) == {"sent": 40}


def test_claims_are_conditional(sessions: sessionmaker[Session]) -> None:
    store_and_queue(sessions, stories(3))
    with sessions.begin() as session:
        first = outbox.claim_due(session, now=NOW, worker="a", lease=timedelta(minutes=5))
    with sessions.begin() as session:
        second = outbox.claim_due(session, now=NOW, worker="b", lease=timedelta(minutes=5))
    assert len(first) == 3 and second == []
    with sessions.begin() as session:
        assert not outbox.mark_sent(session, first[0].id, worker="b", now=NOW, ts=None)
        assert outbox.mark_sent(session, first[0].id, worker="a", now=NOW, ts=None)


def test_a_failure_pauses_the_whole_channel_and_its_backlog_goes_in_one_round(
    sessions: sessionmaker[Session], slack: SlackServer
) -> None:
    store_and_queue(sessions, stories(2))
    slack.fail("server_error", times=1)
    down = alerts.deliver_due(
        sessions, webhook(slack), NOW, ROUNDS_ONLY, jitter=lambda: 1.0, **SimClock().kw()
    )  # type: ignore[arg-type]
    assert (down.retrying, down.waiting) == (1, 1)  # the other one waits too
    inside = NOW + timedelta(milliseconds=500)  # inside the 1 s backoff: a fresh alert waits as well
    store_and_queue(sessions, stories(1, source="fresh"), now=inside)
    held = alerts.deliver_due(sessions, webhook(slack), inside, ROUNDS_ONLY)
    assert (held.sent, held.waiting) == (0, 1) and len(slack.requests) == 1
    back = alerts.deliver_due(sessions, webhook(slack), NOW + timedelta(seconds=1), ROUNDS_ONLY)
    assert back.sent == 3  # the retried one, then the woken rest, in the same round
    assert states(sessions) == {"sent": 3} and len(slack.requests) == 4


# --- resuming after an outage, and bursts (simulated clock: rounds get `now`, waits are recorded) ---


def test_a_short_retry_after_is_waited_out_in_the_round(
    sessions: sessionmaker[Session], slack: SlackServer
) -> None:
    store_and_queue(sessions, stories(3))
    slack.retry_after = 4
    slack.fail("rate_limited", times=2)
    clock = SimClock()
    report = alerts.deliver_due(sessions, bot(slack), NOW, POLICY, **clock.kw())  # type: ignore[arg-type]
    assert clock.waits == [4, 4] and report.sent == 3 and report.waited == 8
    assert len(slack.requests) == 5 and states(sessions) == {"sent": 3}


def test_a_retry_after_of_zero_does_not_hammer_slack(
    sessions: sessionmaker[Session], slack: SlackServer
) -> None:
    store_and_queue(sessions, stories(1))
    slack.retry_after = 0
    slack.fail("rate_limited")
    clock = SimClock()
    report = alerts.deliver_due(sessions, bot(slack), NOW, POLICY, **clock.kw())  # type: ignore[arg-type]
    assert report.retrying == 1 and clock.waits == [1.0] * 10 and len(slack.requests) == 11


def test_retry_afters_past_the_round_budget_defer_the_whole_channel(
    sessions: sessionmaker[Session], slack: SlackServer
) -> None:
    store_and_queue(sessions, stories(2))
    slack.retry_after = 4
    slack.fail("rate_limited", times=3)  # 4 + 4 s are waited out; a third 4 s would pass 10 s
    clock = SimClock()
    report = alerts.deliver_due(sessions, bot(slack), NOW, POLICY, **clock.kw())  # type: ignore[arg-type]
    assert clock.waits == [4, 4] and (report.retrying, report.waiting) == (1, 1)
    fresh_at = NOW + timedelta(seconds=2)  # another deliverer, a fresh alert: the channel still waits
    store_and_queue(sessions, stories(1, source="fresh"), now=fresh_at)
    assert alerts.deliver_due(sessions, bot(slack), fresh_at, POLICY, **clock.kw()).waiting == 1  # type: ignore[arg-type]
    assert len(slack.requests) == 3
    given_at = NOW + timedelta(seconds=8)  # the third 429 came after the 8 s waited out
    assert alerts.deliver_due(sessions, bot(slack), given_at + timedelta(seconds=3), POLICY).sent == 0
    assert alerts.deliver_due(sessions, bot(slack), given_at + timedelta(seconds=4), POLICY).sent == 3
    assert len(slack.requests) == 6 and states(sessions) == {"sent": 3}


def test_slack_that_never_answers_costs_one_timeout_per_round(
    sessions: sessionmaker[Session], slack: SlackServer
) -> None:
    store_and_queue(sessions, stories(3))
    slack.fail("hang")
    clock = SimClock()  # the 1 s timeout is not counted: the next try is due within 1 s of NOW
    report = alerts.deliver_due(sessions, webhook(slack, timeout=1), NOW, ROUNDS_ONLY, **clock.kw())  # type: ignore[arg-type]
    assert (report.retrying, report.waiting) == (1, 2) and len(slack.requests) == 1
    slack.ok()
    assert alerts.deliver_due(sessions, webhook(slack), NOW + timedelta(seconds=1), POLICY).sent == 3
    assert len(slack.delivered) == 3 == len(set(slack.texts()))


@pytest.mark.parametrize("jitter", [0.0, 0.5, 1.0])
def test_the_scripted_outage_ends_in_delivery_within_a_minute(
    sessions: sessionmaker[Session], slack: SlackServer, jitter: float, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 11: five 503s, then two 429s with Retry-After 1 s; a `monitor poll` every 5 s."""
    caplog.set_level(logging.INFO, logger="monitor.alerts")
    store_and_queue(sessions, stories(5))
    slack.retry_after = 1
    slack.script(("unavailable", 5), ("rate_limited", 2))
    clock = SimClock()
    while states(sessions) != {"sent": 5}:
        now = NOW + timedelta(seconds=clock.now)
        alerts.deliver_due(sessions, webhook(slack), now, POLICY, jitter=lambda: jitter, **clock.kw())  # type: ignore[arg-type]
        assert clock.now <= 60, states(sessions)  # simulated seconds since the first poll
        clock.now += 5  # the next `monitor poll`, a few seconds after this one ended
    assert clock.waits[-2:] == [1, 1]  # the 429s were waited out inside the last round
    assert len(slack.requests) == 7 + 5  # one request per step while down, not one per alert
    assert len(slack.delivered) == 5 == len(set(slack.texts()))
    with sessions() as session:
        assert {len(outbox.attempts(session, a.id)) for a in outbox.list_alerts(session)} == {1, 8}
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == ["alert.retry"]  # when the outage starts; later retries at INFO
    assert [r.getMessage() for r in caplog.records].count("alert.resumed") == 1


def test_a_burst_of_40_stories_goes_out_as_messages_then_roll_ups_a_minute_apart(
    sessions: sessionmaker[Session], slack: SlackServer
) -> None:
    """Issue 11: 40 stories in 10 s with the default throttle (10 per 10 minutes); the daemon
    delivers after every poll with hits and every 5 s."""
    policy = AlertPolicy()
    burst = stories(40)
    for second in range(0, 180):
        now = NOW + timedelta(seconds=second)
        if second < 10:
            store_and_queue(sessions, burst[4 * second : 4 * second + 4], policy=policy, now=now)
        if second < 10 or second % 5 == 0:
            alerts.deliver_due(sessions, webhook(slack), now, policy)
    with sessions() as session:
        rows = outbox.list_alerts(session)
    by_id = {a.id: a for a in rows}
    summaries = sorted((a for a in rows if a.kind == "summary"), key=lambda a: a.id)
    story_alerts = [a for a in rows if a.kind == "story"]
    assert len(story_alerts) == 40 and {a.state for a in story_alerts} == {"sent", "rolled_up"}
    assert sum(a.state == "sent" for a in story_alerts) == 10
    assert [s.state for s in summaries] == ["sent"] * len(summaries) and len(summaries) >= 2
    sent = [s.sent_at for s in summaries]
    assert all(b - a >= timedelta(minutes=1) for a, b in zip(sent, sent[1:], strict=False))
    for alert in story_alerts:  # every story waited about a minute at most
        delivered = alert.sent_at if alert.state == "sent" else by_id[alert.rolled_into].sent_at
        assert delivered - alert.created_at <= timedelta(seconds=65)
    bodies = [json.dumps(r.body["blocks"]) for r in slack.delivered]
    for i in range(40):  # every story named in exactly one message or roll-up
        assert sum(b.count(f"Story number {i} from wire about") for b in bodies) == 1
    assert len(slack.delivered) == 10 + len(summaries)
