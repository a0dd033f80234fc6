"""Triage: Slack's request signature, click payloads, the verdict and mute store (SQLite and
PostgreSQL), the message a click leaves behind, the feedback report and the CLI."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from monitor import feedback, store
from monitor.alerts.queue import muted_only
from monitor.cli import app
from monitor.digest import build_digest, load_week
from monitor.digest_render import render
from monitor.metrics import Metrics, MetricsServer, assess
from monitor.notify import AlertMessage, ChannelSpec, EntityRef, from_payload, to_payload
from monitor.notify.actions import (
    MUTE,
    NOT_RELEVANT,
    RELEVANT,
    mute_value,
    read_value,
    story_actions,
    story_value,
)
from monitor.notify.slack import SlackBotNotifier, SlackWebhookNotifier, payload
from monitor.records import ArticleMatches, Entry, Hit, Source, StoredArticle
from monitor.slack_actions import Click, Gatekeeping, SlackResponder, SocketModeListener, screen
from monitor.store import outbox
from monitor.store import stories as story_rows
from monitor.store import triage as triage_store
from monitor.triage import Triage, outcome_line, updated_message
from monitor.watchlists import load_watchlists
from tests.conftest import WATCHLISTS
from tests.servers.slack import TOKEN, SlackServer
from tests.servers.socket_mode import SocketModeServer

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
GATE = Gatekeeping(SECRET)


# --- requests as Slack signs them ----------------------------------------------------------------


def block_actions(action_id: str, value: str, user: str = "U1", name: str = "ana", **extra: object) -> bytes:
    action: dict[str, object] = {"action_id": action_id, "block_id": "b", "type": "button", "value": value}
    if action_id == MUTE:
        action = {"action_id": MUTE, "type": "static_select", "selected_option": {"value": value}}
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "api_app_id": "A1",
        "user": {"id": user, "username": name},
        "channel": {"id": "C1"},
        "message": {"ts": "1700000001.000100"},
        "actions": [action],
        **extra,
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def signed(body: bytes, at: datetime = NOW, secret: str = SECRET) -> dict[str, str]:
    timestamp = str(int(at.timestamp()))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}


def test_a_correctly_signed_click_passes() -> None:
    body = block_actions(NOT_RELEVANT, story_value(7))
    status, clicks = screen(GATE, body, signed(body), NOW)
    assert status == 200
    assert clicks == [Click(NOT_RELEVANT, 7, "U1", "ana", "C1", "1700000001.000100")]


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda body: signed(body, secret="another-secret-entirely"), id="wrong secret"),
        pytest.param(lambda body: signed(body + b"x"), id="body changed"),
        pytest.param(lambda body: signed(body, at=NOW - timedelta(minutes=10)), id="10 minutes old"),
        pytest.param(lambda body: signed(body, at=NOW + timedelta(minutes=10)), id="from the future"),
        pytest.param(lambda body: {}, id="no signature"),
        pytest.param(
            lambda body: {**signed(body), "X-Slack-Request-Timestamp": "soon"}, id="timestamp not a number"
        ),
        pytest.param(lambda body: {"X-Slack-Request-Timestamp": signed(body)["X-Slack-Request-Timestamp"]}),
        # hmac compares ASCII text only: a TypeError and a dropped connection, with a traceback
        pytest.param(lambda body: {**signed(body), "X-Slack-Signature": "v0=é"}, id="not ASCII"),
    ],
)
def test_anything_but_a_fresh_valid_signature_is_401(headers: object) -> None:
    body = block_actions(RELEVANT, story_value(7))
    assert screen(GATE, body, headers(body), NOW) == (401, [])  # type: ignore[operator]


def test_a_signature_4_minutes_old_still_passes() -> None:
    body = block_actions(RELEVANT, story_value(7))
    assert screen(GATE, body, signed(body, at=NOW - timedelta(minutes=4)), NOW)[0] == 200


def test_no_signing_secret_is_404_and_a_foreign_team_or_app_403() -> None:
    body = block_actions(RELEVANT, story_value(7))
    assert screen(None, body, signed(body), NOW) == (404, [])
    assert screen(Gatekeeping(SECRET, team_id="T2"), body, signed(body), NOW) == (403, [])
    assert screen(Gatekeeping(SECRET, api_app_id="A2"), body, signed(body), NOW) == (403, [])
    assert screen(Gatekeeping(SECRET, team_id="T1", api_app_id="A1"), body, signed(body), NOW)[0] == 200


def test_a_signed_body_that_is_not_an_interaction_is_400() -> None:
    for body in (b"payload=%7Bnot-json", b"text=hello", b"payload=%5B%5D", b"payload=" + b"%5B" * 5000):
        assert screen(GATE, body, signed(body), NOW) == (400, [])


def test_actions_that_are_no_list_are_no_clicks() -> None:
    payload = {"type": "block_actions", "user": {"id": "U1"}, "actions": 5}
    body = b"payload=" + quote(json.dumps(payload)).encode()
    assert screen(GATE, body, signed(body), NOW) == (200, [])


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("story:12", (12, "", "")),
        ("story:12|entity:kataib-hezbollah|for:24h", (12, "kataib-hezbollah", "24h")),
        ("story:12|entity:x|for:lifted", (12, "x", "lifted")),
        ("story:12|entity:x|for:1y", None),
        ("story:12|entity:|for:7d", None),
        ("story:-1", None),
        ("story:12|other:1", None),
        ("<!channel>", None),
        ("", None),
        ("story:²", None),  # a digit to str.isdigit, not to int()
        ("story:" + "9" * 30, None),  # no database id: OverflowError at the query
    ],
)
def test_button_values_read_back_strictly(value: str, read: tuple[int, str, str] | None) -> None:
    assert read_value(value) == read


def test_foreign_actions_and_mismatched_values_are_not_clicks() -> None:
    for body in (
        block_actions("someone_elses_button", story_value(7)),
        block_actions(RELEVANT, mute_value(7, "x", "24h")),  # a verdict carries no entity
        block_actions(MUTE, story_value(7)),  # a mute needs one
        block_actions(RELEVANT, story_value(7), type="view_submission"),
    ):
        assert screen(GATE, body, signed(body), NOW) == (200, [])


# --- the store, on SQLite and PostgreSQL ---------------------------------------------------------


def add_story(
    sessions: sessionmaker[Session], n: int, entity: str, alias: str, snippet: str, *, sent: bool = True
) -> int:
    """An article with one hit, its story, and (when `sent`) the story's alert marked sent."""
    entry = Entry(
        "src", f"k{n}", None, f"https://x.example/{n}", f"Story {n}", snippet, "", NOW, content_hash=str(n)
    )
    with sessions.begin() as session:
        store.sync_sources(session, [Source(id="src", name="src", url="http://127.0.0.1/feed")])
        [article] = store.save_entries(session, "src", [entry], now=NOW).new
        start = snippet.find(alias)
        hit = Hit(article.id, entity, alias, "summary", start, start + len(alias), alias, snippet)
        store.save_matches(session, [ArticleMatches(article, (hit,), None)], now=NOW)
        [story] = story_rows.add_stories(
            session, [story_rows.NewStory(entry.title, (None, None), frozenset({entity}), NOW)], now=NOW
        )
        story_rows.link_articles(
            session,
            [story_rows.ArticleLink(story, article.id, entry.url, "X", "lead", frozenset({entity}))],
            now=NOW,
        )
        payload = {
            "kind": "story",
            "title": entry.title,
            "url": entry.url,
            "entities": [{"id": entity, "name": entity.title(), "kind": "militia"}],
        }
        [alert] = outbox.queue(
            session, [outbox.NewAlert("default", f"story:{story}", "story", payload, story)], now=NOW
        )
    if sent:
        with sessions.begin() as session:
            outbox.claim_due(session, now=NOW, worker="w", lease=timedelta(minutes=1))
            outbox.mark_sent(session, alert, worker="w", now=NOW, ts=f"1700000000.{story:06d}")
    return story


def verdict(story: int, what: str, user: str = "U1") -> triage_store.NewVerdict:
    return triage_store.NewVerdict(story, what, user, user.lower())


def test_one_verdict_per_person_per_story_the_latest_counts(sessions: sessionmaker[Session]) -> None:
    story = add_story(sessions, 1, "kh", "KH", "KH fighters near the border")
    with sessions.begin() as session:
        assert triage_store.record_verdict(session, verdict(story, "not_relevant"), now=NOW)
        assert not triage_store.record_verdict(
            session, verdict(story, "not_relevant"), now=NOW
        )  # double click
        assert triage_store.record_verdict(session, verdict(story, "not_relevant", "U2"), now=NOW)
        later = NOW + timedelta(minutes=5)
        assert triage_store.record_verdict(session, verdict(story, "relevant"), now=later)  # changed mind
    with sessions() as session:
        rows = triage_store.verdicts_since(session, NOW - timedelta(days=1))
    assert [(v.user_id, v.verdict) for v in rows] == [("U1", "relevant"), ("U2", "not_relevant")]
    assert rows[0].entities == ("kh",) and rows[0].aliases == ("KH",) and rows[0].title == "Story 1"


def test_mutes_expire_extend_and_lift(sessions: sessionmaker[Session]) -> None:
    day = timedelta(hours=24)
    with sessions.begin() as session:
        first = triage_store.add_mute(session, triage_store.NewMute("kh", NOW + day, "U1", "ana"), now=NOW)
        again = triage_store.add_mute(session, triage_store.NewMute("kh", NOW + 7 * day, "U2", "bo"), now=NOW)
        other = triage_store.add_mute(session, triage_store.NewMute("pmf", None, "U1", "ana"), now=NOW)
    assert again == first  # extended, not doubled
    with sessions() as session:
        assert triage_store.muted_entities(session, now=NOW + 2 * day) == {"kh", "pmf"}
        assert triage_store.muted_entities(session, now=NOW + 8 * day) == {"pmf"}  # expired on time
    with sessions.begin() as session:
        assert triage_store.lift_mute(session, other, now=NOW + day)
        assert not triage_store.lift_mute(session, other, now=NOW + day)
        assert not triage_store.lift_mute(session, 999, now=NOW)
    with sessions() as session:
        assert triage_store.muted_entities(session, now=NOW + 2 * day) == {"kh"}
        listed = triage_store.list_mutes(session, now=NOW + 2 * day, ended_since=NOW)
    assert [(m.entity, m.until, m.lifted_at is not None) for m in listed] == [
        ("kh", NOW + 7 * day, False),
        ("pmf", None, True),
    ]


def test_watchlists_report_suggests_a_rule_only_for_aliases_never_relevant(
    sessions: sessionmaker[Session],
) -> None:
    noisy = [
        add_story(sessions, i, "kh", "KH", f"The KH football club won the derby match {i}") for i in range(3)
    ]
    good = add_story(sessions, 9, "pmf", "PMF", "PMF units moved to the border crossing")
    add_story(sessions, 8, "irgc", "IRGC", "IRGC advisers arrived")  # alerted, nobody judged it
    with sessions.begin() as session:
        for story in noisy:
            triage_store.record_verdict(session, verdict(story, "not_relevant"), now=NOW)
        triage_store.record_verdict(session, verdict(good, "relevant"), now=NOW)
    with sessions() as session:
        data = feedback.load_feedback(session, NOW - timedelta(days=1), NOW)
        earlier = feedback.load_feedback(session, NOW - timedelta(days=8), NOW - timedelta(days=1))
    assert earlier.alerts_by_alias == {}  # a past week counts only the alerts sent in it
    rows = {p.name: p for p in feedback.by_alias(data)}
    kh = rows["KH"]
    assert (kh.alerts, kh.relevant, kh.not_relevant, kh.precision, kh.needs_work) == (3, 0, 3, 0.0, True)
    assert (rows["PMF"].alerts, rows["PMF"].precision) == (1, 1.0)
    assert (rows["IRGC"].alerts, rows["IRGC"].precision, rows["IRGC"].needs_work) == (1, None, False)
    [suggestion] = feedback.suggestions(data)
    assert suggestion.alias == "KH" and set(suggestion.words) == {"football", "club", "won", "derby"}
    assert "text: KH" in suggestion.stub and "forbid:" in suggestion.stub


# --- applying a click ----------------------------------------------------------------------------


def test_a_click_is_stored_and_its_message_updated_in_place(sessions: sessionmaker[Session]) -> None:
    story = add_story(sessions, 1, "kh", "KH", "KH fighters near the border")
    ts = f"1700000000.{story:06d}"
    with SlackServer() as slack:
        triage = Triage(GATE, sessions, SlackResponder(TOKEN, slack.api_url), lambda: NOW)
        click = Click(NOT_RELEVANT, story, "U1", "<!channel> *eve*", "C1", ts)
        assert triage.apply(click)
        assert not triage.apply(Click(NOT_RELEVANT, 999, "U1", "eve", "C1", ts))  # unknown story
        [update] = slack.posted("chat.update")
    assert update.body["channel"] == "C1" and update.body["ts"] == ts
    assert not any(b["type"] == "actions" for b in update.body["blocks"])
    note = update.body["blocks"][-1]["elements"][0]["text"]
    assert note == "Marked not relevant by @&lt;!channel&gt; \u2217eve\u2217"
    with sessions() as session:
        assert [v.verdict for v in triage_store.verdicts_since(session, NOW)] == ["not_relevant"]


def test_a_mute_click_keeps_the_buttons_and_names_the_entity() -> None:
    stored = {"kind": "story", "title": "T", "entities": [{"id": "kh", "name": "Kata'ib <b>", "kind": "m"}]}
    click = Click(MUTE, 1, "U1", "ana", "C1", "1.2", entity="kh", mute_for="7d")
    _, blocks = updated_message(stored, click)
    assert blocks[-1]["elements"][0]["text"] == "Muted *Kata'ib &lt;b&gt;* for 7 days by @ana"
    assert outcome_line(Click(RELEVANT, 1, "U1", ""), AlertMessage(kind="story")) == "Marked relevant by @U1"


# --- the CLI -------------------------------------------------------------------------------------


def cli(database_url: str, tmp_path: Path, *args: str) -> Result:
    config = tmp_path / "monitor.toml"
    config.write_text(f'database_url = "{database_url}"\ndefault_sources = false\n', encoding="utf-8")
    return CliRunner().invoke(app, ["--config", str(config), *args], env={}, catch_exceptions=False)


def test_cli_mutes_feedback_and_report(
    database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    story = add_story(sessions, 1, "kh", "KH", "KH fighters near the border")
    until = datetime.now(timezone.utc) + timedelta(days=1)
    with sessions.begin() as session:
        triage_store.record_verdict(session, verdict(story, "relevant"), now=datetime.now(timezone.utc))
        mute = triage_store.add_mute(session, triage_store.NewMute("kh", until, "U1", "ana"), now=NOW)

    listed = cli(database_url, tmp_path, "mutes", "--json")
    assert listed.exit_code == 0
    assert [(m["id"], m["entity"], m["user_name"]) for m in json.loads(listed.stdout)] == [
        (mute, "kh", "ana")
    ]

    given = json.loads(cli(database_url, tmp_path, "feedback", "--json").stdout)["verdicts"]
    assert [(v["story_id"], v["verdict"], v["aliases"]) for v in given] == [(story, "relevant", ["KH"])]

    report = cli(database_url, tmp_path, "watchlists", "report")
    assert report.exit_code == 0 and "KH" in report.stdout and "100%" in report.stdout

    assert cli(database_url, tmp_path, "mutes", "remove", str(mute)).exit_code == 0
    assert json.loads(cli(database_url, tmp_path, "mutes", "--json").stdout) == []
    again = cli(database_url, tmp_path, "mutes", "remove", str(mute))
    assert again.exit_code == 2 and again.stderr.startswith("error:") and "Traceback" not in again.output


def test_cli_mistakes_are_one_error_line(sqlite_url: str, tmp_path: Path) -> None:
    for args in (
        ("feedback", "--since", "soon"),
        ("mutes", "remove", "x"),
        ("watchlists", "report", "--since", ""),
    ):
        result = cli(sqlite_url, tmp_path, *args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith("error:") and "Traceback" not in result.output, result.output


# --- Socket Mode ---------------------------------------------------------------------------------


def test_socket_mode_clicks_are_acknowledged_and_stored(sessions: sessionmaker[Session]) -> None:
    story = add_story(sessions, 1, "kh", "KH", "KH fighters near the border")
    with SlackServer() as slack, SocketModeServer() as socket:
        slack.socket_url = socket.url
        triage = Triage(
            Gatekeeping(team_id="T1"), sessions, SlackResponder(TOKEN, slack.api_url), lambda: NOW
        )
        listener = SocketModeListener("xapp-1-test", slack.api_url, triage.receive_payload)
        listener.start()
        try:
            assert socket.connected.wait(30)
            payload = json.loads(
                parse_qs(block_actions(NOT_RELEVANT, story_value(story)).decode())["payload"][0]
            )
            envelope = socket.push("interactive", payload)
            foreign = socket.push("interactive", {**payload, "team": {"id": "T2"}})
            wait_for(lambda: {envelope, foreign} <= set(socket.acks), "the envelopes to be acknowledged")
        finally:
            listener.close()
            triage.close()  # the queued clicks are applied before it returns
        assert len(slack.posted("chat.update")) == 1
    with sessions() as session:
        assert [(v.story_id, v.verdict) for v in triage_store.verdicts_since(session, NOW)] == [
            (story, "not_relevant")
        ]


def wait_for(condition: Callable[[], bool], what: str) -> None:
    until = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < until, f"gave up waiting for {what}"
        time.sleep(0.05)


# --- POST /slack/actions on the daemon's HTTP server ---------------------------------------------


def post(port: int, path: str, body: bytes, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


@pytest.mark.parametrize("actions", [True, False], ids=["signing secret", "none"])
def test_the_endpoint_takes_one_path_and_small_bodies(sessions: sessionmaker[Session], actions: bool) -> None:
    metrics = Metrics(lambda: {})
    triage = Triage(GATE, sessions, None, lambda: datetime.now(timezone.utc))
    server = MetricsServer(
        metrics, lambda: assess(None, None, lambda: 0), "127.0.0.1", 0, triage.receive if actions else None
    )
    server.start()
    try:
        body = block_actions(RELEVANT, story_value(1))
        fresh = signed(body, at=datetime.now(timezone.utc))
        assert post(server.port, "/slack/actions", body, fresh) == (200 if actions else 404)
        assert post(server.port, "/slack/actions", body) == (401 if actions else 404)
        assert post(server.port, "/slack/other", body, fresh) == 404
        assert post(server.port, "/metrics", body, fresh) == 404
        big = b"payload=" + b"x" * (64 * 1024)
        assert post(server.port, "/slack/actions", big, signed(big)) == (413 if actions else 404)
    finally:
        server.close()
        triage.close()


def test_a_flood_of_unsigned_requests_is_one_log_line(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    """Anyone can post to the endpoint: each refused request was a WARNING of its own."""
    metrics = Metrics(lambda: {})
    triage = Triage(GATE, sessions, None, lambda: datetime.now(timezone.utc))
    server = MetricsServer(metrics, lambda: assess(None, None, lambda: 0), "127.0.0.1", 0, triage.receive)
    server.start()
    try:
        with caplog.at_level(logging.INFO, logger="monitor.triage"):
            body = block_actions(RELEVANT, story_value(1))
            assert {post(server.port, "/slack/actions", body) for _ in range(50)} == {401}
    finally:
        server.close()
        triage.close()
    refused = [r for r in caplog.records if r.getMessage().startswith("triage.refused")]
    assert len(refused) == 1 and refused[0].levelno == logging.WARNING


# --- the buttons on a story alert, and the mute rule ---------------------------------------------


def test_story_actions_name_the_story_and_each_entity_period() -> None:
    entities = (EntityRef("kh", "Kata'ib Hezbollah", "militia"), EntityRef("pmf", "PMF", "state_force"))
    relevant, not_relevant, mute = story_actions(12, entities)
    assert (relevant.action_id, relevant.value) == (RELEVANT, "story:12")
    assert (not_relevant.action_id, not_relevant.value) == (NOT_RELEVANT, "story:12")
    assert [value for _, value in mute.options] == [
        f"story:12|entity:{e}|for:{p}" for e in ("kh", "pmf") for p in ("24h", "7d", "lifted")
    ]
    assert all(read_value(value) for _, value in mute.options)
    message = AlertMessage(kind="story", title="T", entities=entities, actions=(relevant, not_relevant, mute))
    assert from_payload(to_payload(message)) == message  # through the outbox and back
    [block] = [b for b in payload(message)["blocks"] if b["type"] == "actions"]
    assert [e["type"] for e in block["elements"]] == ["button", "button", "static_select"]
    assert block["elements"][2]["options"][0]["text"]["text"] == "Mute Kata'ib Hezbollah for 24 h"


def test_webhook_alerts_carry_no_buttons() -> None:
    message = AlertMessage(kind="story", title="T", actions=story_actions(1, (EntityRef("kh", "KH", "m"),)))
    with SlackServer() as slack:
        SlackWebhookNotifier(ChannelSpec("d", "slack-webhook", webhook_url=slack.webhook_url)).send(message)
        SlackBotNotifier(
            ChannelSpec("d", "slack-bot", bot_token=TOKEN, channel="C1", api_url=slack.api_url)
        ).send(message)
        webhook, bot = slack.delivered
    assert not any(b["type"] == "actions" for b in webhook.body["blocks"])
    assert any(b["type"] == "actions" for b in bot.body["blocks"])


@pytest.mark.parametrize(
    ("entities", "muted", "held"),
    [
        ({"kh"}, {"kh"}, True),
        ({"kh", "pmf"}, {"kh"}, False),
        ({"kh", "pmf"}, {"kh", "pmf"}, True),
        (set(), {"kh"}, False),
    ],
)
def test_only_items_whose_every_entity_is_muted_are_held(
    entities: set[str], muted: set[str], held: bool
) -> None:
    article = StoredArticle(1, "src", "https://x.example/1", "T", "", "", NOW, NOW)
    hits = tuple(Hit(1, e, e, "title", 0, 1, e, e) for e in sorted(entities))
    assert muted_only(ArticleMatches(article, hits, None), muted) is held


# --- the weekly digest ---------------------------------------------------------------------------


def test_the_digest_has_a_triage_section_and_marks_muted_entities(sessions: sessionmaker[Session]) -> None:
    kh = "kataib-hezbollah"
    noisy = [add_story(sessions, i, kh, "KH", f"KH won the football derby {i}") for i in range(3)]
    good = add_story(sessions, 5, "pmf", "PMF", "PMF units moved to the border crossing")
    with sessions.begin() as session:
        for story in noisy:
            triage_store.record_verdict(session, verdict(story, "not_relevant"), now=NOW)
        triage_store.record_verdict(session, verdict(good, "relevant", "U2"), now=NOW)
        triage_store.add_mute(session, triage_store.NewMute(kh, None, "U1", "<b>eve</b>"), now=NOW)
    with sessions() as session:
        facts = load_week(session, "2026-W47", ZoneInfo("UTC"), ["src"])
    data = build_digest(
        facts, "2026-W47", NOW + timedelta(days=3), ZoneInfo("UTC"), load_watchlists(WATCHLISTS)
    )
    assert data.triage is not None
    assert (data.triage.relevant, data.triage.not_relevant) == (1, 3)
    assert [(p.name, p.precision) for p in data.triage.entities] == [
        ("Kata'ib Hezbollah", 0.0),
        ("Popular Mobilization Forces (al-Hashd al-Shaabi)", 1.0),
    ]
    assert data.triage.muted == {kh: "Kata'ib Hezbollah"} and [p.name for p in data.triage.needs_work] == [
        "KH"
    ]
    rendered = render(data)
    section = rendered.text.split("TRIAGE", 1)[1].split("SOURCES", 1)[0]
    assert "1 relevant, 3 not relevant" in section and "Muted: Kata'ib Hezbollah" in section
    assert "Aliases that most need work: KH (3 not relevant)" in section
    assert re.search(r"Kata'ib Hezbollah \(militia\) .*\[muted\]", rendered.text)
    assert "Triage" in rendered.html and ">muted</span>" in rendered.html
