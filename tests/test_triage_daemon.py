"""Issue 17's acceptance check, as a whole process: `monitor run` with a bot token and a signing
secret against loopback Slack and feed servers; clicks posted, signed as Slack signs them, to the
daemon's own HTTP server; the outcome read back through the CLI."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from monitor.cli import app
from tests.faultkit import rss
from tests.servers.feeds import FeedServer
from tests.servers.slack import TOKEN, Request, SlackServer
from tests.test_daemon import DaemonProcess, start, wait_until, write_config
from tests.test_triage import SECRET, block_actions, signed

PMF_STORY = "Popular Mobilization Forces hold a parade in the capital"
PMF_LATER = "Popular Mobilization Forces open a new training school"
ARMY_STORY = "Syrian Arab Army reinforces positions along the river"


@pytest.fixture
def daemons() -> Iterator[list[DaemonProcess]]:
    started: list[DaemonProcess] = []
    yield started
    for daemon in started:
        daemon.kill_group()


def cli(config: Path, *args: str) -> Result:
    """A CLI command on the daemon's database (in this process: the daemon is the one under test)."""
    return CliRunner().invoke(app, ["--config", str(config), *args], env={}, catch_exceptions=False)


def post(port: int, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/actions",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def fresh(body: bytes) -> dict[str, str]:
    """Signed now, as Slack signs what it sends."""
    return signed(body, at=datetime.now(timezone.utc))


def alert_for(slack: SlackServer, title: str) -> Request | None:
    """The chat.postMessage of the story alert with this title."""
    return next((r for r in slack.posted() if title in r.body.get("text", "")), None)


def actions_of(message: Request) -> list[dict[str, Any]]:
    return [e for b in message.body["blocks"] if b["type"] == "actions" for e in b["elements"]]


def verdicts(config: Path) -> list[dict[str, Any]]:
    result = cli(config, "feedback", "--json")
    assert result.exit_code == 0, result.stderr
    return list(json.loads(result.stdout)["verdicts"])


def test_triage_from_slack_end_to_end(
    tmp_path: Path, database_url: str, feed_server: FeedServer, daemons: list[DaemonProcess]
) -> None:
    path = f"/triage/{uuid.uuid4().hex[:10]}.xml"
    url = feed_server.set_feed(path, rss([("1", PMF_STORY)]))
    with SlackServer() as slack:
        extra = (
            f'[slack]\nbot_token = "{TOKEN}"\nchannel = "C1"\napi_url = "{slack.api_url}"\n'
            f'signing_secret = "{SECRET}"\n\n[alerts]\nmin_priority = "low"\n'
        )
        config = write_config(tmp_path, database_url, {"src": url}, daemon='alert_tick = "1s"', extra=extra)
        daemon = start(config, tmp_path)
        daemons.append(daemon)
        port = daemon.metrics_port()

        # a story alert sent with the bot token carries the three actions
        wait_until(lambda: alert_for(slack, PMF_STORY), "the first story alert")
        alert = alert_for(slack, PMF_STORY)
        assert alert is not None
        buttons = {a["action_id"]: a for a in actions_of(alert)}
        assert set(buttons) == {"monitor_relevant", "monitor_not_relevant", "monitor_mute"}
        value = buttons["monitor_not_relevant"]["value"]
        mutes = [o["value"] for o in buttons["monitor_mute"]["options"]]
        story = int(value.removeprefix("story:"))
        assert mutes == [f"story:{story}|entity:pmf|for:{p}" for p in ("24h", "7d", "lifted")]

        # forged, replayed and unsigned clicks: 401, nothing stored
        click = block_actions("monitor_not_relevant", value, user="U42", name="ana")
        now = datetime.now(timezone.utc)
        assert post(port, click, signed(click, at=now, secret="not-the-signing-secret")) == 401
        assert post(port, click, signed(click, at=now - timedelta(minutes=10))) == 401
        assert post(port, click, {}) == 401
        assert verdicts(config) == []

        # a correctly signed Not relevant, posted twice: 200, one verdict, the message updated
        ts = alert.ts
        click = block_actions("monitor_not_relevant", value, user="U42", name="ana", message={"ts": ts})
        assert post(port, click, fresh(click)) == 200
        assert post(port, click, fresh(click)) == 200
        wait_until(lambda: len(slack.posted("chat.update")) == 2, "both clicks to be applied")
        update = slack.posted("chat.update")[0]
        assert update.body["ts"] == ts and update.body["channel"] == "C1"
        assert update.body["blocks"][-1]["elements"][0]["text"] == "Marked not relevant by @ana"
        assert not any(b["type"] == "actions" for b in update.body["blocks"])
        [verdict] = verdicts(config)
        assert (verdict["story_id"], verdict["verdict"], verdict["user_id"]) == (story, "not_relevant", "U42")
        assert verdict["entities"] == ["pmf"] and verdict["aliases"] == ["Popular Mobilization Forces"]

        # mute PMF for 7 days: a later story naming only PMF is held back, one naming the army is not
        mute = block_actions("monitor_mute", mutes[1], user="U42", name="ana", message={"ts": ts})
        assert post(port, mute, fresh(mute)) == 200
        wait_until(lambda: len(slack.posted("chat.update")) == 3, "the mute to be applied")
        listed = json.loads(cli(config, "mutes", "--json").stdout)
        assert [(m["entity"], m["user_id"], m["story_id"]) for m in listed] == [("pmf", "U42", story)]

        feed_server.set_feed(path, rss([("3", ARMY_STORY), ("2", PMF_LATER), ("1", PMF_STORY)]))
        wait_until(lambda: alert_for(slack, ARMY_STORY), "the army story's alert")
        assert alert_for(slack, PMF_LATER) is None
        assert "alerts.muted held=1 entities=pmf" in daemon.log
        hits = json.loads(cli(config, "hits", "--json").stdout)
        assert PMF_LATER in {h["title"] for h in hits}  # still stored

        report = cli(config, "watchlists", "report")
        assert report.exit_code == 0 and "Popular Mobilization Forces" in report.stdout, report.stderr
        rows = json.loads(cli(config, "watchlists", "report", "--json").stdout)["aliases"]
        pmf = next(r for r in rows if r["alias"] == "Popular Mobilization Forces")
        assert (pmf["alerts"], pmf["relevant"], pmf["not_relevant"], pmf["precision"]) == (1, 0, 1, 0.0)
        assert daemon.stop() == 0
