"""Corroboration as a pure function: publishers, not feeds, count; aggregators count as the
publisher they name; a story told by one kind of outlet only is flagged."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.corroboration import assess, corroborate, note, publisher_key
from monitor.records import ArticleOrigin, Outlet, Source
from tests.conftest import WATCHLISTS
from tests.faultkit import rss
from tests.servers.feeds import FeedServer
from tests.servers.slack import Request, SlackServer

SOURCES = [
    Source(
        "enab-en", "Enab Baladi (English)", "https://english.enabbaladi.net/feed/", label="independent-syrian"
    ),
    Source("enab-ar", "عنب بلدي", "https://www.enabbaladi.net/feed/", label="independent-syrian"),
    Source("sana-en", "SANA", "https://sana.sy/en/feed/", label="state"),
    Source("sana-ar", "سانا", "https://sana.sy/feed", label="state"),
    Source("sabereen", "Sabereen", "https://t.me/s/sabreenS1", label="factional"),
    Source("relay", "A relay", "https://t.me/s/another_relay", label="factional"),
    Source("gn", "Google News search", "https://news.google.com/rss/search?q=x", label="aggregator"),
    Source(
        "gdelt",
        "GDELT",
        "https://api.gdeltproject.org/api/v2/doc/doc?query=x",
        kind="gdelt",
        label="aggregator",
    ),
    Source(
        "enab-gn",
        "Enab via Google News",
        "https://news.google.com/rss/search?q=site",
        label="independent-syrian",
    ),
    Source("bbc", "BBC", "https://feeds.bbci.co.uk/news/world/rss.xml", label="international"),
    Source("mirror", "Sabereen mirror", "http://127.0.0.1:9/s/SabreenS1", kind="telegram", label="factional"),
]


def origin(
    n: int, source: str, publisher: str | None = None, publisher_url: str | None = None
) -> ArticleOrigin:
    return ArticleOrigin(n, source, f"https://example.org/{n}", publisher, publisher_url)


def story(*origins: ArticleOrigin) -> tuple[tuple[Outlet, ...], str, str | None]:
    outlets, found = assess({0: origins}, SOURCES)[0]
    return outlets, found.status, found.flag


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://english.enabbaladi.net/feed/", "enabbaladi.net"),
        ("https://www.enabbaladi.net/feed/", "enabbaladi.net"),
        ("https://feeds.bbci.co.uk/news/world/rss.xml", "bbci.co.uk"),
        ("https://t.me/s/sabreenS1", "t.me/sabreens1"),
        ("http://127.0.0.1:8081/feeds/a.xml", "127.0.0.1:8081/feeds/a.xml"),
        ("not a url", ""),
        ("https://a[b/", ""),  # a source's field made into a URL urlsplit refuses: no host, no crash
    ],
)
def test_publisher_key(url: str, key: str) -> None:
    assert publisher_key(url) == key


def test_a_factional_channel_alone_then_with_two_independent_outlets() -> None:
    assert story(origin(1, "sabereen"))[1:] == ("single source", "factional only")
    outlets, status, flag = story(origin(1, "sabereen"), origin(2, "enab-en"), origin(3, "sana-en"))
    assert (status, flag) == ("3 outlets", None)
    assert [(o.key, o.label) for o in outlets] == [
        ("t.me/sabreens1", "factional"),
        ("enabbaladi.net", "independent-syrian"),
        ("sana.sy", "state"),
    ]


def test_feeds_of_one_publisher_are_one_outlet() -> None:
    """English and Arabic editions, and the direct feed with its Google News copy."""
    gn_copy = origin(3, "enab-gn", "Enab Baladi", "https://english.enabbaladi.net")
    assert story(origin(1, "enab-en"), origin(2, "enab-ar"), gn_copy)[1:] == (
        "single source",
        "independent-syrian only",
    )
    assert story(origin(1, "sana-en"), origin(2, "sana-ar"))[1:] == ("single source", "state only")


def test_two_channels_of_one_kind_are_two_outlets_of_one_label() -> None:
    assert story(origin(1, "sabereen"), origin(2, "relay"))[1:] == ("2 outlets", "factional only")


def test_a_channel_read_through_a_mirror_is_the_channel() -> None:
    assert story(origin(1, "sabereen"), origin(2, "mirror"))[1:] == ("single source", "factional only")


def test_an_aggregator_counts_as_the_publisher_it_names_never_as_itself() -> None:
    outlets, status, flag = story(
        origin(1, "gn", "SANA", "https://sana.sy"),
        origin(2, "gdelt", "sana.sy", "https://sana.sy/"),
        origin(3, "gn", "Some Daily", "https://some-daily.example"),
    )
    assert status == "2 outlets" and flag is None
    assert [(o.key, o.name, o.label) for o in outlets] == [
        ("sana.sy", "SANA", "state"),
        ("some-daily.example", "Some Daily", ""),
    ]
    assert all(o.label != "aggregator" and "google" not in o.key for o in outlets)


def test_an_unlabelled_outlet_breaks_a_shared_label_and_a_name_is_enough() -> None:
    outlets, status, flag = story(
        origin(1, "sana-en"), origin(2, "gn", "Unknown Weekly"), origin(3, "gn", "unknown  weekly")
    )
    assert (status, flag) == ("2 outlets", None)
    assert outlets[1].key == "name:unknown weekly"


def test_text_for_people() -> None:
    assert corroborate([Outlet("a", "A", "state")]).text == "single source, state only"
    three = corroborate([Outlet("a", "A", "state"), Outlet("b", "B", "regional"), Outlet("c", "C")])
    assert (three.text, three.corroborated, three.labels) == ("3 outlets", True, ("regional", "state"))


# --- the whole process: feeds on loopback, the real CLI, a Slack-compatible server -----------------

TITLE = "Kataib Hezbollah convoy crosses the al-Qaim border into al-Bukamal at night"


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    with SlackServer() as server:
        yield server


def write_config(
    tmp_path: Path, database_url: str, feeds: dict[str, tuple[str, str]], slack: SlackServer
) -> Path:
    sources = "".join(
        f'[[sources]]\nid = "{name}"\nname = "{name.title()}"\nurl = "{url}"\nlabel = "{label}"\n\n'
        for name, (url, label) in feeds.items()
    )
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'database_url = "{database_url}"\nwatchlists = "{WATCHLISTS}"\ndefault_sources = false\n\n{sources}'
        '[fetch]\nparse_workers = 1\n\n[alerts]\nmin_priority = "low"\n\n'
        f'[slack]\nbot_token = "xoxb-test-token"\nchannel = "C1"\napi_url = "{slack.api_url}"\n',
        encoding="utf-8",
    )
    return config


def cli(config: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--config", str(config), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_factional_report_then_two_independent_outlets(
    database_url: str, tmp_path: Path, feed_server: FeedServer, slack: SlackServer
) -> None:
    """A relay's post alone is `single source` (factional only); once an independent Syrian outlet
    and a regional one carry the story, every one of its hits says `3 outlets`. In Slack: the
    story's message says single source, its thread says when it became corroborated and ends on
    3 outlets."""
    labels = {"relay": "factional", "dez": "independent-syrian", "daily": "regional"}
    paths = {name: f"/corroboration-{name}-{tmp_path.name}.xml" for name in labels}
    quiet = rss([("football", "Football results from the weekend league")])
    feeds = {name: (feed_server.set_feed(paths[name], quiet), label) for name, label in labels.items()}
    feed_server.set_feed(paths["relay"], rss([("relay-1", TITLE)]))
    config = write_config(tmp_path, database_url, feeds, slack)

    cli(config, "poll")
    [hit] = json.loads(cli(config, "hits", "--since", "1d", "--json"))
    assert hit["source"] == "relay" and [o["label"] for o in hit["outlets"]] == ["factional"]
    assert hit["corroboration"] == {
        "status": "single source",
        "outlets": 1,
        "corroborated": False,
        "flag": "factional only",
        "labels": ["factional"],
    }
    [story] = slack.delivered
    assert "Corroboration: single source, factional only" in block_text(story)

    feed_server.set_feed(paths["dez"], rss([("dez-1", TITLE)]))
    feed_server.set_feed(paths["daily"], rss([("daily-1", TITLE)]))
    cli(config, "poll")
    hits = json.loads(cli(config, "hits", "--since", "1d", "--json"))
    assert sorted(h["source"] for h in hits) == ["daily", "dez", "relay"]
    for found in hits:
        assert found["corroboration"]["status"] == "3 outlets" and found["corroboration"]["flag"] is None
        assert [o["label"] for o in found["outlets"]] == ["factional", "independent-syrian", "regional"]
    replies = slack.delivered[1:]
    assert len(replies) == 2 and all(r.body.get("thread_ts") for r in replies)
    notes = [block_text(r) for r in replies]
    assert sum("Corroborated: now 2 outlets (was single source, factional only)" in n for n in notes) == 1
    assert "Corroboration: 3 outlets" in notes[-1]


def block_text(request: Request) -> str:
    """Every text of a Slack message's blocks, joined."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            found.extend(v for k, v in node.items() if k == "text" and isinstance(v, str))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(request.body.get("blocks", []))
    return "\n".join(found)


def test_the_note_says_when_a_story_becomes_corroborated() -> None:
    alone = corroborate([Outlet("t.me/x", "X", "factional")])
    two = corroborate([Outlet("t.me/x", "X", "factional"), Outlet("a.example", "A", "regional")])
    assert note(None, alone) == "Corroboration: single source, factional only"
    assert note(alone, two) == "Corroborated: now 2 outlets (was single source, factional only)"
    assert note(two, two) == "Corroboration: 2 outlets"
