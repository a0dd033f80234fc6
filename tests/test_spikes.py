"""Volume spikes: the Poisson test, the rule per entity, and a whole `monitor poll` against a loopback
feed with 28 days of history and a Slack-compatible server."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.digest_volume import movers
from monitor.spikes import SpikeRule, find_spikes, is_spike, message, poisson_tail
from monitor.store.digests import WeekArticle
from tests.conftest import WATCHLISTS
from tests.servers.feeds import FeedServer
from tests.servers.slack import SlackServer

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)
RULE = SpikeRule()


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    with SlackServer() as server:
        yield server


def test_poisson_tail() -> None:
    assert poisson_tail(0, 2.0) == 1.0
    assert poisson_tail(1, 2.0) == pytest.approx(1 - 0.1353352832)  # 1 - e^-2
    assert poisson_tail(9, 3.0) == pytest.approx(0.0038030, rel=1e-4)


@pytest.mark.parametrize(
    ("today", "usual", "spike"),
    [
        (9, 1.0, True),  # the example: 9 against ~1 a day
        (8, 1.0, False),  # p = 0.012 at 3 a day
        (5, 0.0, True),  # a quiet entity: the floor, 0.2 x 3, makes 5 improbable
        (4, 0.0, False),  # below alerts.spike_min
        (6, 6.0, False),  # steady
        (40, 6.0, True),
    ],
)
def test_is_spike(today: int, usual: float, spike: bool) -> None:
    assert is_spike(today, usual, RULE)[0] is spike


def article(n: int, entity: str, when: datetime, priority: str = "medium") -> WeekArticle:
    return WeekArticle(
        id=n, source_id="s", outlet="Outlet", url=f"https://e.example/{n}", title=title(n), summary="",
        when=when, priority=priority, entities=(entity,), snippet="",
    )  # fmt: skip


def title(n: int) -> str:
    """Titles that share no three words: every article is its own story."""
    words = random.Random(n).sample(VOCABULARY, 7)
    return " ".join(words).capitalize() + f" {n}"


VOCABULARY = (
    "river desert convoy market bridge council tribe harvest school clinic checkpoint road village "
    "truck well field pump station airport crossing warehouse mosque bakery fuel wheat sheep tanker "
    "generator hospital court prison quarry dam canal orchard farm bus taxi ferry camp tent border "
    "fence trench berm tower radio phone signal cable power water salt oil gas cement steel brick "
    "window door roof wall street square garden park stadium library museum office bank shop hotel"
).split()


def history(days: int, per_day: dict[str, int], today: dict[str, int]) -> list[WeekArticle]:
    out: list[WeekArticle] = []
    for day in range(days, -1, -1):
        counts = today if day == 0 else per_day
        for entity, count in counts.items():
            for i in range(count):
                when = NOW - timedelta(days=day, hours=1 + i * 20 / max(count, 1))
                out.append(article(len(out) + 1, entity, when))
    return out


def test_a_burst_spikes_and_a_steady_entity_does_not() -> None:
    articles = history(
        28, {"kataib-hezbollah": 1, "harakat-al-nujaba": 6}, {"kataib-hezbollah": 9, "harakat-al-nujaba": 6}
    )
    spikes = find_spikes(articles, NOW, min(a.when for a in articles), RULE)
    assert [(s.entity, s.today, s.usual) for s in spikes] == [("kataib-hezbollah", 9, 1.0)]
    assert len(spikes[0].stories) == 5
    text = message(spikes[0], "Kata'ib Hezbollah").text
    assert text == "Unusual volume: Kata'ib Hezbollah, 9 stories in 24 h (usually ~1/day)"


def test_no_spike_with_less_than_7_days_of_history() -> None:
    articles = history(5, {"kataib-hezbollah": 0}, {"kataib-hezbollah": 12})
    assert find_spikes(articles, NOW, NOW - timedelta(days=5), RULE) == []
    assert find_spikes(articles, NOW, None, RULE) == []
    assert [s.entity for s in find_spikes(articles, NOW, NOW - timedelta(days=8), RULE)] == [
        "kataib-hezbollah"
    ]


def test_the_top_stories_come_by_priority_first() -> None:
    articles = history(10, {}, {"kataib-hezbollah": 7})
    articles[3] = article(4, "kataib-hezbollah", articles[3].when, priority="high")
    [spike] = find_spikes(articles, NOW, NOW - timedelta(days=10), RULE)
    assert spike.stories[0][0].id == 4


# --- the whole process ---------------------------------------------------------------------------


def feed(items: list[tuple[int, str, datetime]]) -> bytes:
    body = "".join(
        f"<item><guid isPermaLink='false'>g{n}</guid><title>{escape(text)}</title>"
        f"<link>https://news.example/{n}</link><description>{escape(text)}.</description>"
        f"<pubDate>{format_datetime(when)}</pubDate></item>"
        for n, text, when in items
    )
    head = "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>t</title>"
    return f"{head}{body}</channel></rss>".encode()


def test_monitor_poll_sends_one_spike_alert_for_the_burst_only(
    tmp_path: Path, database_url: str, feed_server: FeedServer, slack: SlackServer
) -> None:
    now = datetime.now(timezone.utc)
    names = {"kh": "Kata'ib Hezbollah", "nujaba": "Harakat al-Nujaba"}
    items: list[tuple[int, str, datetime]] = []
    for day in range(28, -1, -1):
        per_entity = {"kh": 9 if day == 0 else 1, "nujaba": 6}
        for key, count in per_entity.items():
            for i in range(count):
                n = len(items) + 1
                when = now - timedelta(days=day, hours=1 + i * 2)
                items.append((n, f"{names[key]}: {title(n)}", when))
    url = feed_server.set_feed(f"/spikes-{tmp_path.name}.xml", feed(items))
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'database_url = "{database_url}"\nwatchlists = "{WATCHLISTS}"\ndefault_sources = false\n'
        f'[[sources]]\nid = "loopback"\nname = "Loopback News"\nurl = "{url}"\n'
        f'[fetch]\nparse_workers = 1\n[slack]\nwebhook_url = "{slack.webhook_url}"\n',
        encoding="utf-8",
    )

    def poll() -> list[str]:
        result = CliRunner().invoke(app, ["--config", str(config), "poll"], env={}, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return [r.body.get("text", "") for r in slack.delivered if "Unusual volume" in r.body.get("text", "")]

    first = poll()
    # Slack's escaping (monitor.notify.slack.escape) turns the tilde, which could format, into a look-alike
    assert first == ["Unusual volume: Kata'ib Hezbollah, 9 stories in 24 h (usually \u223c1/day)"]
    spike = next(r for r in slack.delivered if "Unusual volume" in r.body.get("text", ""))
    listed = [b["text"]["text"] for b in spike.body["blocks"][1:]]
    assert sum(line.count("• ") for line in listed) == 5  # the top 5 stories
    assert poll() == first  # at most one per entity per 24 hours, and exactly once

    # the digest of this week lists the spike
    week = f"{now.isocalendar().year}-W{now.isocalendar().week:02d}"
    out = tmp_path / "digest.html"
    args = ["--config", str(config), "digest", "--week", week, "--out", str(out)]
    assert CliRunner().invoke(app, args, env={}, catch_exceptions=False).exit_code == 0
    html = out.read_text("utf-8")
    assert "Volume" in html and "Unusual volume: Kata&#39;ib Hezbollah, 9 stories in 24 h" in html


def test_digest_movers_against_the_four_weeks_before() -> None:
    names = {"kh": "Kata'ib Hezbollah", "irgc": "IRGC", "pmf": "PMF"}
    week = NOW - timedelta(days=NOW.weekday())
    before = {"kh": 8, "irgc": 40, "pmf": 18}
    rises, falls = movers({"kh": 12, "pmf": 5}, before, names, week - timedelta(days=40), week)
    assert [(r.name, r.count, r.usual) for r in rises] == [("Kata'ib Hezbollah", 12, 2.0)]
    assert [(f.name, f.count, f.usual) for f in falls] == [("IRGC", 0, 10.0)]  # PMF: 5 against 4.5
    assert movers({"kh": 12}, before, names, week - timedelta(days=20), week) == ((), ())  # too new


def test_spike_settings_from_the_config_file_and_the_environment(tmp_path: Path) -> None:
    from monitor.config import load_settings
    from monitor.errors import ConfigError

    assert SpikeRule.from_settings(load_settings(None, {})) == SpikeRule(5, 3.0)
    path = tmp_path / "monitor.toml"
    path.write_text("[alerts]\nspike_min = 8\nspike_factor = 2.5\n", encoding="utf-8")
    assert SpikeRule.from_settings(load_settings(path, {})) == SpikeRule(8, 2.5)
    assert SpikeRule.from_settings(load_settings(path, {"MONITOR_ALERTS_SPIKE_MIN": "12"})).minimum == 12
    with pytest.raises(ConfigError, match="spike_factor"):
        load_settings(None, {"MONITOR_ALERTS_SPIKE_FACTOR": "0.5"})
