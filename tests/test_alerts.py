"""Alert decisions and their effect through the outbox: the window, routes, one message per story
across outlets (webhook: recorded; bot: threaded), edits, throttle with roll-up, quiet hours,
source-health notices; and `monitor poll` / `monitor alerts` end to end through the real CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, time, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from monitor import alerts, store
from monitor.alerts import AlertPolicy, EntityInfo, QuietHours, Route
from monitor.notify import ChannelSpec
from monitor.notify.slack import SlackWebhookNotifier
from monitor.records import Source
from monitor.store import outbox
from monitor.store.models import StoryArticleRow
from tests.servers.feeds import FeedServer
from tests.servers.slack import SlackServer
from tests.test_outbox import NOW, POLICY, bot, entry, matched, states, store_and_queue, stories, webhook

REPO = Path(__file__).resolve().parents[1]
WIRE_TEXT = (
    "A drone struck a truck convoy of Kataib Hezbollah fighters near the al-Bukamal border crossing "
    "on Tuesday night, killing four people, according to local sources and a monitoring group based "
    "in the region who spoke on condition of anonymity about the strike and its aftermath."
)


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    with SlackServer() as server:
        yield server


# --- which items alert, and where ----------------------------------------------------------------


def test_only_items_inside_the_window_alert_even_on_a_first_poll(sessions: sessionmaker[Session]) -> None:
    recent = entry("enab", "new", "Strike in al-Bukamal", published=NOW - timedelta(hours=47))
    old = entry("enab", "old", "Strike in al-Qaim last week", published=NOW - timedelta(hours=49))
    assert store_and_queue(sessions, [recent, old]) == 1
    with sessions() as session:
        assert len(store.list_hits(session)) == 2  # both stored and matched, for the digest


def test_routes_by_priority_entity_kind_and_tag() -> None:
    policy = AlertPolicy(
        routes=(
            Route("default", "medium"),
            Route("militias", "low", kinds=frozenset({"militia"})),
            Route("iran", "high", tags=frozenset({"iran-backed"})),
            Route("crossing", "low", entities=frozenset({"qaim-bukamal-crossing"})),
        ),
        entities={
            "kh": EntityInfo("KH", "militia", frozenset({"iran-backed"})),
            "bukamal": EntityInfo("B", "city"),
        },
    )
    article = store.queries._article_from_entry(1, entry("x", "k", "t"), NOW)
    assert alerts.channels_for(matched(article, ["kh"], "low"), policy) == ("militias",)
    assert alerts.channels_for(matched(article, ["kh"], "high"), policy) == ("default", "militias", "iran")
    assert alerts.channels_for(matched(article, ["bukamal"], "medium"), policy) == ("default",)
    assert alerts.channels_for(matched(article, ["qaim-bukamal-crossing"], "low"), policy) == ("crossing",)


def test_below_every_minimum_nothing_is_queued(sessions: sessionmaker[Session]) -> None:
    assert store_and_queue(sessions, stories(2), level="low", policy=AlertPolicy()) == 0


# --- one alert per story -------------------------------------------------------------------------


def outlets() -> list:
    title = "Drone strike hits Kataib Hezbollah convoy near al-Bukamal crossing"
    return [
        entry("enab", "a1", title, url="https://enab.example/strike", text=WIRE_TEXT),
        entry(
            "google-news",
            "g1",
            f"{title} - Syria Direct",
            url="https://news.google.com/rss/articles/CBMiXYZ",
            publisher="Syria Direct",
        ),
        entry("gdelt", "d1", title.upper(), url="https://othersite.example/2026/11/20/strike.html"),
        entry(
            "wire",
            "w1",
            "Four killed as drone hits truck convoy",
            url="https://wire.example/x",
            text=WIRE_TEXT,
        ),
    ]


def test_the_same_story_from_four_outlets_is_one_webhook_message(
    sessions: sessionmaker[Session], slack: SlackServer
) -> None:
    assert store_and_queue(sessions, outlets()) == 4  # one story alert, three attachments
    report = alerts.deliver_due(sessions, webhook(slack), NOW, POLICY)
    assert (report.sent, report.recorded) == (1, 3)
    assert len(slack.delivered) == 1
    with sessions() as session:
        rows = session.scalars(select(StoryArticleRow)).all()
    assert len({r.story_id for r in rows}) == 1
    assert sorted(r.outlet for r in rows) == ["Syria Direct", "enab", "gdelt", "wire"]  # for the digest


def test_later_outlets_are_thread_replies_with_a_bot_token(
    sessions: sessionmaker[Session], slack: SlackServer
) -> None:
    store_and_queue(sessions, outlets()[:1])
    alerts.deliver_due(sessions, bot(slack), NOW, POLICY)
    store_and_queue(sessions, outlets()[1:], now=NOW + timedelta(hours=3))
    report = alerts.deliver_due(sessions, bot(slack), NOW + timedelta(hours=3), POLICY)
    assert report.sent == 3
    first, *replies = slack.delivered
    assert "thread_ts" not in first.body
    assert {r.body["thread_ts"] for r in replies} == {"1700000001.000100"}
    assert any("Also reported by *Syria Direct*" in json.dumps(r.body["blocks"]) for r in replies)


def test_outlets_in_the_same_poll_are_threaded_in_the_same_round(
    sessions: sessionmaker[Session], slack: SlackServer
) -> None:
    store_and_queue(sessions, outlets())
    assert alerts.deliver_due(sessions, bot(slack), NOW, POLICY).sent == 4
    first, *replies = slack.delivered
    assert [r.body.get("thread_ts") for r in replies] == ["1700000001.000100"] * 3


def test_different_stories_about_the_same_place_stay_apart(sessions: sessionmaker[Session]) -> None:
    a = entry("enab", "a", "Drone strike hits militia base near al-Bukamal")
    b = entry("wire", "b", "Drone strike hits militia base near al-Qaim")
    c = entry("wire", "c", "Tribal elders meet governor in al-Bukamal to discuss crossing reopening")
    assert store_and_queue(sessions, [a, b, c]) == 3
    with sessions() as session:
        assert len({a.story_id for a in outbox.list_alerts(session)}) == 3


def test_a_story_older_than_the_dedupe_window_is_a_new_story(sessions: sessionmaker[Session]) -> None:
    title = "Drone strike hits Kataib Hezbollah convoy near al-Bukamal crossing"
    store_and_queue(sessions, [entry("enab", "a", title, published=NOW)])
    later = NOW + timedelta(hours=49)
    store_and_queue(sessions, [entry("wire", "b", title, published=later)], now=later)
    with sessions() as session:
        assert [a.kind for a in outbox.list_alerts(session)] == ["story", "story"]


def test_an_edit_alerts_again_only_for_a_new_entity(sessions: sessionmaker[Session]) -> None:
    original = entry("enab", "a", "Strike near al-Bukamal", text="first version")
    assert store_and_queue(sessions, [original], ["bukamal"]) == 1
    edited = entry("enab", "a", "Strike near al-Bukamal", text="second version, same places")
    assert store_and_queue(sessions, [edited], ["bukamal"], now=NOW + timedelta(minutes=10)) == 0
    widened = entry("enab", "a", "Strike near al-Bukamal", text="third version names Kataib Hezbollah")
    assert (
        store_and_queue(sessions, [widened], ["bukamal", "kataib-hezbollah"], now=NOW + timedelta(minutes=20))
        == 1
    )
    with sessions() as session:
        update = outbox.list_alerts(session)[0]
    assert update.kind == "update"


# --- noise control -------------------------------------------------------------------------------


def test_a_burst_of_15_stories_is_10_messages_and_one_summary(
    sessions: sessionmaker[Session], slack: SlackServer
) -> None:
    policy = AlertPolicy()  # the default throttle: 10 per 10 minutes
    assert store_and_queue(sessions, stories(15), policy=policy) == 15
    report = alerts.deliver_due(sessions, webhook(slack), NOW, policy)
    assert (report.sent, report.rolled_up) == (11, 5)
    assert len(slack.delivered) == 11
    summary = slack.delivered[-1].body
    assert summary["text"].startswith("5 more stories")
    assert all(f"Story number {i} " in json.dumps(summary) for i in range(10, 15))
    assert states(sessions) == {"sent": 11, "rolled_up": 5}  # nothing dropped


def test_a_roll_up_names_at_most_40_stories_and_the_rest_go_in_another(
    sessions: sessionmaker[Session], slack: SlackServer
) -> None:
    policy = AlertPolicy(throttle_messages=5)
    store_and_queue(sessions, stories(55), policy=policy)
    report = alerts.deliver_due(sessions, webhook(slack), NOW, policy)
    assert (report.sent, report.rolled_up) == (5 + 2, 50)
    assert [t.split(" (")[0] for t in slack.texts()[5:]] == ["40 more stories", "10 more stories"]
    bodies = json.dumps([r.body["blocks"] for r in slack.delivered])
    assert all(bodies.count(f"Story number {i} from wire about") == 1 for i in range(55))


def test_past_the_throttle_roll_ups_go_out_at_most_a_minute_apart(
    sessions: sessionmaker[Session], slack: SlackServer
) -> None:
    policy = AlertPolicy()  # 10 per 10 minutes, then a roll-up at most every minute
    store_and_queue(sessions, stories(12), policy=policy)
    alerts.deliver_due(sessions, webhook(slack), NOW, policy)
    soon = NOW + timedelta(seconds=20)
    store_and_queue(sessions, stories(3, source="other"), policy=policy, now=soon)
    held = alerts.deliver_due(sessions, webhook(slack), soon, policy)
    assert (held.sent, held.waiting) == (0, 3)
    with sessions() as session:
        assert {a.next_attempt_at for a in outbox.list_alerts(session, states=["pending"])} == {
            NOW + timedelta(minutes=1)
        }
    rolled = alerts.deliver_due(sessions, webhook(slack), NOW + timedelta(minutes=1), policy)
    assert (rolled.sent, rolled.rolled_up) == (1, 3) and len(slack.delivered) == 12
    assert slack.texts()[-1].startswith("3 more stories")
    assert all(f"Story number {i} from other" in json.dumps(slack.delivered[-1].body) for i in range(3))
    freed = alerts.deliver_due(sessions, webhook(slack), NOW + timedelta(minutes=11, seconds=1), policy)
    store_and_queue(sessions, stories(1, source="calm"), policy=policy, now=NOW + timedelta(minutes=12))
    calm = alerts.deliver_due(sessions, webhook(slack), NOW + timedelta(minutes=12), policy)
    assert (freed.sent, calm.sent, calm.rolled_up) == (0, 1, 0)  # the window is clear: single messages again
    assert states(sessions) == {"sent": 10 + 2 + 1, "rolled_up": 2 + 3}


def test_quiet_hours_hold_alerts_until_morning(sessions: sessionmaker[Session], slack: SlackServer) -> None:
    policy = AlertPolicy(quiet=QuietHours(time(22, 0), time(6, 0), "Asia/Baghdad"), throttle_messages=100)
    night = datetime(2026, 11, 20, 20, 30, tzinfo=timezone.utc)  # 23:30 in Baghdad
    store_and_queue(sessions, stories(2, source="night"), policy=policy, now=night)
    assert alerts.deliver_due(sessions, webhook(slack), night, policy).quiet
    assert states(sessions) == {"pending": 2} and not slack.requests
    assert policy.quiet.ends_after(night) == datetime(2026, 11, 21, 3, 0, tzinfo=timezone.utc)
    morning = datetime(2026, 11, 21, 3, 5, tzinfo=timezone.utc)
    assert alerts.deliver_due(sessions, webhook(slack), morning, policy).sent == 2


# --- source health -------------------------------------------------------------------------------


def test_a_failing_source_is_announced_once_and_its_recovery_once(
    sessions: sessionmaker[Session], slack: SlackServer
) -> None:
    source = Source(id="enab", name="Enab Baladi", url="https://enab.example/feed")
    policy = AlertPolicy(health_failures=3)
    with sessions.begin() as session:
        store.sync_sources(session, [source])
    for n in range(5):
        with sessions.begin() as session:
            store.record_failure(session, "enab", kind="http_5xx", message="503", now=NOW, next_poll_at=NOW)
        alerts.queue_health_notices(sessions, [source], policy, NOW + timedelta(minutes=n))
    alerts.deliver_due(sessions, webhook(slack), NOW + timedelta(minutes=5), policy)
    assert len(slack.delivered) == 1 and "failed 3 polls in a row" in slack.texts()[0]
    assert "http_5xx" in slack.texts()[0]
    store_and_queue(sessions, [entry("enab", "back", "A new item")], now=NOW + timedelta(hours=1))
    with sessions.begin() as session:
        record_success_now(session, NOW + timedelta(hours=1))
    assert alerts.queue_health_notices(sessions, [source], policy, NOW + timedelta(hours=1)) == 1
    assert alerts.queue_health_notices(sessions, [source], policy, NOW + timedelta(hours=2)) == 0


def record_success_now(session: Session, now: datetime) -> None:
    from monitor.records import FetchResult

    result = FetchResult("enab", "u", "u", 200, b"", {}, 0.1)
    store.record_success(session, "enab", result, now=now, next_poll_at=now, new_items=1)


def test_a_source_silent_for_many_usual_gaps_is_announced_quiet() -> None:
    policy = AlertPolicy()
    published = [NOW - timedelta(hours=6 * i) for i in range(10)]
    health = store.queries.SourceHealth(id="x", name="x", url="u", last_new_item_at=NOW)
    interval = timedelta(minutes=15)
    assert alerts.health_state(health, published, interval, policy, NOW + timedelta(hours=23)) == "ok"
    assert alerts.health_state(health, published, interval, policy, NOW + timedelta(hours=25)) == "quiet"
    assert alerts.health_state(health, published[:3], interval, policy, NOW + timedelta(days=9)) == "ok"


def test_a_source_quiet_for_four_usual_gaps_is_announced_from_its_publication_times(
    sessions: sessionmaker[Session],
) -> None:
    source = Source(id="enab", name="Enab Baladi", url="https://enab.example/feed")
    hourly = [entry("enab", f"k{i}", f"Item {i}", published=NOW - timedelta(hours=i)) for i in range(6)]
    store_and_queue(sessions, hourly, entities=())
    with sessions.begin() as session:
        record_success_now(session, NOW)
    policy = AlertPolicy()  # quiet after 4 usual gaps (one hour here), the interval being shorter
    assert alerts.queue_health_notices(sessions, [source], policy, NOW + timedelta(hours=3)) == 0
    assert alerts.queue_health_notices(sessions, [source], policy, NOW + timedelta(hours=5)) == 1


def test_publication_times_are_read_only_when_the_state_can_depend_on_them() -> None:
    policy = AlertPolicy(health_failures=3)
    interval = timedelta(minutes=15)
    published = [NOW - timedelta(minutes=2 * i) for i in range(10)]
    recent = store.queries.SourceHealth(id="x", name="x", url="u", last_new_item_at=NOW)
    failing = store.queries.SourceHealth(id="x", name="x", url="u", consecutive_failures=3)
    for health, at in [(recent, NOW + timedelta(minutes=59)), (failing, NOW + timedelta(days=3))]:
        assert not alerts.needs_published(health, interval, policy, at)
        assert alerts.health_state(health, published, interval, policy, at) == alerts.health_state(
            health, [], interval, policy, at
        )
    assert alerts.needs_published(recent, interval, policy, NOW + timedelta(minutes=61))
    never = store.queries.SourceHealth(id="x", name="x", url="u")
    assert alerts.needs_published(never, interval, policy, NOW)


# --- end to end through the CLI ------------------------------------------------------------------


def rss(items: list[tuple[str, str, datetime]]) -> bytes:
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<description>{t}</description><pubDate>{format_datetime(p)}</pubDate></item>"
        for t, link, p in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{body}</channel></rss>'.encode()


def write_config(tmp_path: Path, database_url: str, feed_url: str, slack_toml: str) -> Path:
    config = tmp_path / "monitor.toml"
    config.write_text(
        f"""
database_url = "{database_url}"
watchlists = "{REPO / "watchlists"}"
default_sources = false

[[sources]]
id = "loopback"
name = "Loopback News"
url = "{feed_url}"
label = "regional"

[fetch]
parse_workers = 1

[alerts]
min_priority = "low"

[slack]
{slack_toml}
""",
        encoding="utf-8",
    )
    return config


def cli(config: Path, *args: str) -> str:
    from monitor.cli import app

    result = CliRunner().invoke(app, ["--config", str(config), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_monitor_poll_alerts_once_per_story_and_survives_an_outage(
    database_url: str, tmp_path: Path, feed_server: FeedServer, slack: SlackServer
) -> None:
    now = datetime.now(timezone.utc)
    path = f"/alerts-{tmp_path.name}.xml"
    fresh = (
        "Kataib Hezbollah fighters move into al-Bukamal",
        "https://e.example/1",
        now - timedelta(hours=1),
    )
    old = ("Kataib Hezbollah convoy seen in al-Bukamal", "https://e.example/0", now - timedelta(days=5))
    feed_url = feed_server.set_feed(path, rss([fresh, old]))
    config = write_config(tmp_path, database_url, feed_url, f'webhook_url = "{slack.webhook_url}"')

    slack.retry_after = 60
    slack.fail("rate_limited")  # Slack asks the first poll to wait a minute
    cli(config, "poll")
    listing = json.loads(cli(config, "alerts", "--json"))
    assert listing["counts"]["pending"] == 1 and not slack.delivered

    slack.ok()
    second = ("Drone strike on Kataib Hezbollah depot near al-Bukamal", "https://e.example/2", now)
    feed_server.set_feed(path, rss([second, fresh, old]))
    cli(config, "poll")  # the channel waits out the minute: the new story waits too, no request
    listing = json.loads(cli(config, "alerts", "--json"))
    assert listing["counts"]["pending"] == 2 and len(slack.requests) == 1

    engine = store.make_engine(database_url)
    spec = ChannelSpec("default", "slack-webhook", webhook_url=slack.webhook_url)
    minute_later = datetime.now(timezone.utc) + timedelta(seconds=61)  # past the first poll's 60 s
    try:
        report = alerts.deliver_due(
            store.make_sessions(engine), {"default": SlackWebhookNotifier(spec)}, minute_later, AlertPolicy()
        )
    finally:
        engine.dispose()
    assert report.sent == 2 and len(slack.delivered) == len(set(slack.texts())) == 2


def test_monitor_poll_waits_out_a_short_retry_after(
    database_url: str, tmp_path: Path, feed_server: FeedServer, slack: SlackServer
) -> None:
    now = datetime.now(timezone.utc)
    path = f"/alerts-429-{tmp_path.name}.xml"
    items = [
        (f"Kataib Hezbollah convoy {n} reaches al-Bukamal", f"https://e.example/r{n}", now) for n in range(3)
    ]
    feed_url = feed_server.set_feed(path, rss(items))
    config = write_config(tmp_path, database_url, feed_url, f'webhook_url = "{slack.webhook_url}"')
    slack.retry_after = 1
    slack.fail("rate_limited", times=2)
    cli(config, "poll")  # one run: two 429s waited out, then every alert
    assert json.loads(cli(config, "alerts", "--json"))["counts"]["sent"] == 3
    assert len(slack.requests) == 2 + 3 and len(set(slack.texts())) == 3


def test_monitor_alerts_shows_permanent_failures_and_retry_requeues_them(
    database_url: str, tmp_path: Path, feed_server: FeedServer, slack: SlackServer
) -> None:
    now = datetime.now(timezone.utc)
    path = f"/alerts-perm-{tmp_path.name}.xml"
    feed_url = feed_server.set_feed(
        path, rss([("Kataib Hezbollah in al-Bukamal", "https://e.example/p", now)])
    )
    slack_toml = f'bot_token = "xoxb-test-token"\nchannel = "C1"\napi_url = "{slack.api_url}"'
    config = write_config(tmp_path, database_url, feed_url, slack_toml)
    slack.fail("channel_not_found")
    cli(config, "poll")
    listing = json.loads(cli(config, "alerts", "--json"))
    [failed] = listing["alerts"]
    assert failed["state"] == "failed" and "channel_not_found" in failed["last_error"]
    slack.ok()
    cli(config, "alerts", "retry")
    assert json.loads(cli(config, "alerts", "--json"))["counts"]["sent"] == 1
    assert len(slack.delivered) == 1


@pytest.mark.parametrize("mode", ["server_error", "unavailable"])
def test_a_slack_outage_logs_our_one_warning_and_no_slack_sdk_lines(
    sqlite_url: str, tmp_path: Path, feed_server: FeedServer, slack: SlackServer, mode: str
) -> None:
    """slack_sdk logs an ERROR (with up to 250 characters of an HTML page) before every try; the
    outbox's own alert.retry already says it."""
    from monitor.cli import app

    path = f"/alerts-sdk-log-{mode}.xml"
    feed_url = feed_server.set_feed(
        path, rss([("Kataib Hezbollah in al-Bukamal", "https://e.example/s", datetime.now(timezone.utc))])
    )
    slack_toml = f'bot_token = "xoxb-test-token"\nchannel = "C1"\napi_url = "{slack.api_url}"'
    config = write_config(tmp_path, sqlite_url, feed_url, slack_toml)
    slack.fail(mode, times=2)
    args = ["--config", str(config), "--log-level", "info", "poll"]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0 and len(slack.delivered) == 1, result.output
    logged = [line.split()[1:3] for line in result.stderr.splitlines() if line[:4].isdigit()]  # log lines
    assert [line for line in logged if line[1].startswith("alert.") or line[0] != "info"] == [
        ["warning", "alert.retry"],
        ["info", "alert.retry"],
        ["info", "alert.resumed"],
    ], result.stderr


def test_monitor_alerts_test_reports_each_channel(
    tmp_path: Path, sqlite_url: str, slack: SlackServer
) -> None:
    from monitor.cli import app

    config = write_config(
        tmp_path, sqlite_url, "https://unused.example/feed", f'webhook_url = "{slack.webhook_url}"'
    )
    assert "default: slack incoming webhook: ok" in cli(config, "alerts", "test")
    slack.fail("not_found")
    result = CliRunner().invoke(app, ["--config", str(config), "alerts", "test"])
    assert result.exit_code == 1 and "failed permanently: slack answered 404 no_service" in result.stdout
