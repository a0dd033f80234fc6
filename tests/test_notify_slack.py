"""Slack payloads (pure: content and escaping of hostile article text) and slack-sdk's real
clients against the loopback Slack server (webhook and chat.postMessage, every error class)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from monitor.config import load_settings
from monitor.errors import ConfigError, DeliveryError
from monitor.notify import AlertMessage, ChannelSpec, EntityRef, RolledUpItem, build_notifiers
from monitor.notify.console import ConsoleNotifier
from monitor.notify.slack import SlackBotNotifier, SlackWebhookNotifier, escape, payload, safe_url
from tests.servers.slack import TOKEN, SlackServer

PUBLISHED = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)
HOSTILE = "<!channel> <!here> <@U123> <http://evil.example|click> & ```rm -rf``` <#C1> >quote"


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    with SlackServer() as server:
        yield server


def story(**changes: object) -> AlertMessage:
    fields: dict[str, object] = {
        "kind": "story",
        "title": "Drone strike near al-Bukamal crossing",
        "url": "https://english.enabbaladi.net/archives/2026/11/strike/",
        "outlet": "Enab Baladi",
        "outlet_label": "independent Syrian outlet",
        "published": PUBLISHED,
        "entities": (
            EntityRef("bukamal", "al-Bukamal", "city"),
            EntityRef("kh", "Kata'ib Hezbollah", "militia"),
        ),
        "snippet": "…a drone struck a truck near the al-Bukamal crossing on Tuesday…",
        "match": "al-Bukamal",
        "priority": "high",
        "reason": "militia near a watched crossing",
    }
    fields.update(changes)
    return AlertMessage(**fields)  # type: ignore[arg-type]


def all_text(body: dict[str, object]) -> str:
    return json.dumps(body, ensure_ascii=False)


def test_story_payload_has_everything_an_analyst_needs() -> None:
    body = payload(story())
    text = all_text(body)
    assert body["blocks"][0]["text"]["text"] == (
        "*<https://english.enabbaladi.net/archives/2026/11/strike/|Drone strike near al-Bukamal crossing>*"
    )
    assert "*Enab Baladi* · independent Syrian outlet · 2026-11-20 09:30 UTC" in text
    assert "*al-Bukamal* (city), *Kata'ib Hezbollah* (militia)" in text
    assert "near the *al-Bukamal* crossing" in text
    assert "Priority *high* — militia near a watched crossing" in text
    assert body["text"].startswith("[high] Drone strike near al-Bukamal crossing (Enab Baladi)")
    assert all(b["text"]["verbatim"] for b in body["blocks"] if b["type"] == "section")


@pytest.mark.parametrize("field", ["title", "outlet", "outlet_label", "snippet", "reason", "via"])
def test_hostile_article_text_is_inert(field: str) -> None:
    body = payload(story(**{field: HOSTILE, "match": "" if field == "snippet" else "al-Bukamal"}))
    text = all_text(body)
    for dangerous in ("<!channel>", "<!here>", "<@U123>", "<http://evil", "<#C1>", "```"):
        assert dangerous not in text
    assert "&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;http://evil.example|click&gt; &amp;" in text
    assert "<" not in text.replace("<https://english.enabbaladi.net/archives/2026/11/strike/|", "")


def test_bidi_overrides_do_not_reach_slack() -> None:
    """Stored before ingest dropped them, an override would still turn a title around."""
    text = all_text(payload(story(title="\u202eevil\u202c title")))
    assert "\u202e" not in text and "evil title" in text


def test_a_written_broadcast_mention_is_broken_in_the_fallback_text_too() -> None:
    """The top-level text is what notifications show; a proxy posting with link_names would ping."""
    body = payload(story(title="Strike in Albu Kamal @channel @here @Everyone, mail me@example.org"))
    for text in (body["text"], all_text(body)):
        assert "@channel" not in text and "@here" not in text and "@Everyone" not in text
        assert "@\u2060channel @\u2060here @\u2060Everyone" in text and "me@example.org" in text


def test_hostile_links_are_refused_or_defused() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("https://x.example/a b|c>d?x=1&y=2") == "https://x.example/a%20b%7Cc%3Ed?x=1&amp;y=2"
    body = payload(story(url="javascript:alert(1)", title="<b>x</b>"))
    assert body["blocks"][0]["text"]["text"] == "*&lt;b&gt;x&lt;/b&gt;*"


def test_escape_folds_whitespace_so_quotes_and_fences_cannot_start() -> None:
    assert escape("a\n```\n> b") == "a ˋˋˋ &gt; b"


def test_summary_lists_every_rolled_up_story() -> None:
    items = tuple(RolledUpItem(f"Story <{i}>", f"https://x.example/{i}", "Outlet") for i in range(5))
    body = payload(AlertMessage(kind="summary", text="5 more stories", items=items))
    text = all_text(body)
    assert all(f"<https://x.example/{i}|Story &lt;{i}&gt;>" in text for i in range(5))


def test_webhook_delivers_blocks(slack: SlackServer) -> None:
    notifier = SlackWebhookNotifier(ChannelSpec("default", "slack-webhook", webhook_url=slack.webhook_url))
    assert notifier.send(story()) is not None
    [request] = slack.delivered
    assert request.path.startswith("/services/") and request.body["blocks"] == payload(story())["blocks"]


def test_bot_posts_to_the_channel_through_api_url_and_threads(slack: SlackServer) -> None:
    spec = ChannelSpec(
        "default", "slack-bot", bot_token=TOKEN, channel="C0BORDER", api_url=slack.url + "/api"
    )
    notifier = SlackBotNotifier(spec)
    first = notifier.send(story())
    assert first is not None and first.ts
    notifier.send(
        AlertMessage(kind="attachment", title="Same story", url="https://x.example"), reply_to=first.ts
    )
    original, reply = slack.delivered
    assert original.path == "/api/chat.postMessage" and original.body["channel"] == "C0BORDER"
    assert "thread_ts" not in original.body and reply.body["thread_ts"] == first.ts


@pytest.mark.parametrize(
    ("mode", "permanent", "retry_after"),
    [
        ("rate_limited", False, 7.0),
        ("server_error", False, None),
        ("invalid_auth", True, None),
        ("channel_not_found", True, None),
        ("not_found", True, None),
    ],
)
@pytest.mark.parametrize("kind", ["webhook", "bot"])
def test_errors_are_classified(
    slack: SlackServer, kind: str, mode: str, permanent: bool, retry_after: float | None
) -> None:
    if kind == "webhook":
        notifier = SlackWebhookNotifier(ChannelSpec("d", "slack-webhook", webhook_url=slack.webhook_url))
    else:
        notifier = SlackBotNotifier(
            ChannelSpec("d", "slack-bot", bot_token=TOKEN, channel="C1", api_url=slack.api_url)
        )
    slack.retry_after = 7
    slack.fail(mode)
    with pytest.raises(DeliveryError) as raised:
        notifier.send(story())
    assert (raised.value.permanent, raised.value.retry_after) == (permanent, retry_after)


def test_a_wrong_token_is_permanent(slack: SlackServer) -> None:
    notifier = SlackBotNotifier(
        ChannelSpec("d", "slack-bot", bot_token="xoxb-wrong", channel="C1", api_url=slack.api_url)
    )
    with pytest.raises(DeliveryError, match="invalid_auth") as raised:
        notifier.send(story())
    assert raised.value.permanent


def test_timeouts_are_retryable(slack: SlackServer) -> None:
    slack.fail("timeout", times=1)
    notifier = SlackWebhookNotifier(
        ChannelSpec("d", "slack-webhook", webhook_url=slack.webhook_url), timeout=1
    )
    with pytest.raises(DeliveryError, match="timed out") as raised:
        notifier.send(story())
    assert not raised.value.permanent


def test_console_is_the_default_without_slack(capsys: pytest.CaptureFixture[str]) -> None:
    notifiers = build_notifiers(load_settings(None, {}))
    assert isinstance(notifiers["default"], ConsoleNotifier)
    notifiers["default"].send(story(title="<!channel> stays plain text here"))
    out = capsys.readouterr().out
    assert "[high] <!channel> stays plain text here" in out and "al-Bukamal (city)" in out
    notifiers["default"].send(story(title="Title\x1b]52;c;ZXZpbA==\x07\x1b[2J\n[high] fake alert\x9b31m"))
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "[high] Title\ufffd]52;c;ZXZpbA==\ufffd\ufffd[2J [high] fake alert\ufffd31m\n" in out  # one line


def test_channels_from_config(slack: SlackServer) -> None:
    env = {
        "MONITOR_SLACK_BOT_TOKEN": TOKEN,
        "MONITOR_SLACK_CHANNEL": "C1",
        "MONITOR_SLACK_API_URL": slack.api_url,
        "MONITOR_SLACK_CHANNELS": json.dumps([{"name": "militias", "webhook_url": slack.webhook_url}]),
        "MONITOR_ALERTS_ROUTES": json.dumps([{"channel": "militias", "kinds": ["militia"]}]),
    }
    notifiers = build_notifiers(load_settings(None, env))
    assert isinstance(notifiers["default"], SlackBotNotifier)
    assert isinstance(notifiers["militias"], SlackWebhookNotifier)
    env["MONITOR_ALERTS_ROUTES"] = json.dumps([{"channel": "nowhere"}])
    with pytest.raises(ConfigError, match=r"alerts.routes\[0\].channel"):
        build_notifiers(load_settings(None, env))


# --- length limits and formatting marks ------------------------------------------------------------


def sections(body: dict[str, object]) -> list[str]:
    return [b["text"]["text"] for b in body["blocks"] if b["type"] == "section"]  # type: ignore[index,union-attr]


def links_are_whole(text: str) -> bool:
    """Every < opens a link that closes with > before the next <, and no entity is cut."""
    stripped = re.sub(r"<https?://[^<>|]+\|[^<>]*>", "", text.removeprefix("> "))
    return (
        "<" not in stripped
        and ">" not in stripped.replace("&gt;", "")
        and not re.search(r"&(?!amp;|lt;|gt;)", stripped)
    )


def test_titles_cannot_nest_formatting() -> None:
    body = payload(story(title="A *bold* claim, _italic_ and ~struck~ `code` in al-Bukamal"))
    title = sections(body)[0]
    assert title.count("*") == 2 and title.startswith("*<") and title.endswith(">*")
    assert "_" not in title and "~" not in title and "`" not in title
    assert "∗bold∗ claim, ˍitalicˍ and ∼struck∼ ˋcodeˋ" in title
    assert escape("http_5xx 2*3") == "http_5xx 2*3"  # inside a word they format nothing


def test_a_5000_character_url_is_not_linked_and_nothing_is_cut_inside_a_token() -> None:
    long_url = "https://news.example/a?" + "&".join(f"p{i}=v{i}" for i in range(700))
    assert len(long_url) > 5000
    for kind in ("story", "update", "attachment"):
        body = payload(story(kind=kind, url=long_url, title="Strike & counter-strike near al-Bukamal"))
        for text in sections(body):
            assert len(text) <= 3000 and links_are_whole(text)
        assert "Strike &amp; counter-strike near al-Bukamal" in all_text(body)
        assert "p699=v699" not in all_text(body)


def test_long_sections_are_cut_between_tokens() -> None:
    snippet = " ".join(["al-Bukamal & <crossing>"] * 400)  # every & and < becomes a 4-5 character entity
    body = payload(story(snippet=snippet, match="crossing"))
    for text in sections(body):
        assert len(text) <= 3000 and links_are_whole(text)
    url = "https://x.example/" + "p" * 1400
    items = tuple(RolledUpItem("Title " * 60 + "&&&", url, "Outlet") for _ in range(3))
    summary = payload(AlertMessage(kind="summary", text="3 more stories", items=items))
    texts = sections(summary)
    assert all(len(t) <= 3000 and links_are_whole(t) for t in texts)
    assert sum(t.count(f"<{url}|") for t in texts) == 3  # every story still linked


def test_fit_never_splits_a_link_or_an_entity_and_closes_bold() -> None:
    from monitor.notify.slack import fit, link

    linked = link("https://x.example/" + "a" * 100, "a title & more")
    for limit in range(20, 400, 7):
        text = fit(f"*{'word ' * 20}{linked}* &amp; *end* tail", limit)
        assert len(text) <= limit and links_are_whole(text) and text.count("*") % 2 == 0
    assert fit("short", 100) == "short"
    huge = fit("x" * 5000, 100)  # one word longer than the limit is the only thing cut inside
    assert huge == "x" * 98 + "…"


def test_hostile_text_is_inert_in_roll_ups_and_health_notices() -> None:
    hostile_url = "https://evil.example/x|<!channel>>"
    items = (RolledUpItem(HOSTILE, hostile_url, HOSTILE), RolledUpItem("*a* _b_", "javascript:x", "~c~"))
    for message in (
        AlertMessage(kind="summary", text="2 more stories", items=items),
        AlertMessage(kind="health", text=f"Source x failed: {HOSTILE}"),
        AlertMessage(kind="attachment", title=HOSTILE, url=hostile_url, outlet=HOSTILE),
    ):
        body = payload(message)
        text = all_text(body)
        for dangerous in ("<!channel>", "<!here>", "<@U123>", "<http://evil", "<#C1>", "```"):
            assert dangerous not in text
        assert all(links_are_whole(t) for t in sections(body))
    assert "<https://evil.example/x%7C%3C!channel%3E%3E|" in all_text(
        payload(AlertMessage(kind="summary", items=items))
    )
