"""The generic JSON webhook channel: its body, inert text, configuration as a named channel, and
delivery through the outbox (retries included) to a webhook server on loopback."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor import alerts
from monitor.alerts import AlertPolicy, Route
from monitor.config import Settings
from monitor.errors import ConfigError, DeliveryError
from monitor.notify import AlertMessage, ChannelSpec, EntityRef, MessageAction, build_notifiers, from_payload
from monitor.notify.webhook import JsonWebhookNotifier, body, text
from tests.servers.slack import SlackServer
from tests.test_outbox import NOW, entry, states, store_and_queue

HOSTILE = "[click here](https://evil.example) @channel <b>**now**</b> `code` # heading"


@pytest.fixture
def server() -> Iterator[SlackServer]:
    with SlackServer() as running:
        yield running


def hook(server: SlackServer, **changes: object) -> JsonWebhookNotifier:
    return JsonWebhookNotifier(
        replace(ChannelSpec("ops", "json-webhook", webhook_url=server.hook_url), **changes)
    )


def story(**changes: object) -> AlertMessage:
    fields: dict[str, object] = {
        "kind": "story",
        "title": "Drone strike near al-Bukamal",
        "url": "https://news.example/a_b?x=1",
        "outlet": "Enab Baladi",
        "entities": (EntityRef("bukamal", "Al-Bukamal", "city"),),
        "snippet": "A drone struck a convoy near al-Bukamal.",
        "priority": "high",
        "notes": ("Also reported by 2 outlets",),
    }
    return AlertMessage(**{**fields, **changes})  # type: ignore[arg-type]


def test_the_body_has_the_text_the_fixed_fields_and_the_structured_alert() -> None:
    spec = ChannelSpec("ntfy", "json-webhook", text_key="message", fields={"topic": "border"})
    message = story(actions=(MessageAction("ack", "Acknowledge", "story:1"),))
    sent = body(message, spec)
    assert sent["topic"] == "border" and "text" not in sent
    assert sent["message"].startswith("\\[high\\] Drone strike near al-Bukamal")
    assert "Also reported by 2 outlets" in sent["message"]
    assert from_payload(sent["alert"]) == message  # receivers can lay it out themselves


def test_untrusted_text_stays_inert_for_markdown_receivers() -> None:
    rendered = text(story(title=HOSTILE, url="https://news.example/[x](https://evil.example)_1"))
    assert "\\[click here\\]\\(https://evil.example" in rendered
    assert not re.search(r"(?<!\\)[\[\]<>*`#]", rendered)  # no Markdown or HTML mark unescaped
    assert "@channel" not in rendered and "@\u2060channel" in rendered
    assert "https://news.example/%5Bx%5D%28https://evil.example%29%5F1" in rendered
    assert "\u202e" not in text(story(title="\u202eevil\u202c title"))


def test_a_send_posts_json_with_the_configured_headers(server: SlackServer) -> None:
    notifier = hook(server, headers={"Authorization": "Bearer tk_secret"})
    assert notifier.send(story()) is not None
    [request] = server.delivered
    assert request.headers["authorization"] == "Bearer tk_secret"
    assert request.headers["content-type"] == "application/json"
    assert request.body["alert"]["title"] == "Drone strike near al-Bukamal"


@pytest.mark.parametrize(
    ("mode", "permanent", "retry_after"),
    [
        ("rate_limited", False, 2.0),
        ("server_error", False, None),
        ("unavailable", False, None),
        ("not_found", True, None),
        ("invalid_auth", True, None),
    ],
)
def test_failures_are_retryable_or_permanent(
    server: SlackServer, mode: str, permanent: bool, retry_after: float | None
) -> None:
    server.fail(mode)
    with pytest.raises(DeliveryError) as caught:
        hook(server).send(story())
    assert (caught.value.permanent, caught.value.retry_after) == (permanent, retry_after)
    assert server.hook_url not in caught.value.message  # the URL is a secret


def test_a_timeout_is_retryable(server: SlackServer) -> None:
    server.delay = 2.0
    server.fail("timeout")
    with pytest.raises(DeliveryError, match="timed out") as caught:
        JsonWebhookNotifier(
            ChannelSpec("ops", "json-webhook", webhook_url=server.hook_url), timeout=0.5
        ).send(story())
    assert not caught.value.permanent


def settings(server: SlackServer, **alerts_keys: object) -> Settings:
    return Settings.model_validate(
        {
            "webhooks": [{"name": "ops", "url": server.hook_url, "fields": {"topic": "border"}}],
            "alerts": {"routes": [{"channel": "ops", "min_priority": "low"}], **alerts_keys},
        }
    )


def test_a_configured_webhook_is_a_channel_routes_can_name(server: SlackServer) -> None:
    notifiers = build_notifiers(settings(server))
    assert (
        isinstance(notifiers["ops"], JsonWebhookNotifier)
        and notifiers["ops"].describe() == "ops: json webhook"
    )
    assert server.hook_url not in repr(settings(server))


def test_a_webhook_cannot_take_a_slack_channels_name(server: SlackServer) -> None:
    clash = settings(server).model_copy(
        update={"slack": Settings.model_validate({"slack": {"webhook_url": server.webhook_url}}).slack}
    )
    clash = clash.model_copy(update={"webhooks": [clash.webhooks[0].model_copy(update={"name": "default"})]})
    with pytest.raises(ConfigError, match="'default' is the name of another channel"):
        build_notifiers(clash)


def test_a_webhook_needs_a_url() -> None:
    with pytest.raises(Exception, match="url"):
        Settings.model_validate({"webhooks": [{"name": "ops"}]})


def test_alerts_reach_the_webhook_through_the_outbox_and_retry(
    sessions: sessionmaker[Session], server: SlackServer, caplog: pytest.LogCaptureFixture
) -> None:
    policy = AlertPolicy(routes=(Route("ops", "low"),), throttle_messages=1000, wait_in_round=timedelta(0))
    notifiers = build_notifiers(settings(server))
    assert store_and_queue(
        sessions, [entry("wire", "k1", "Drone strike near al-Bukamal crossing")], policy=policy
    )
    server.fail("unavailable", times=1)
    with caplog.at_level(logging.INFO):
        down = alerts.deliver_due(sessions, notifiers, NOW, policy, jitter=lambda: 0.0)
    assert (down.sent, down.retrying) == (0, 1) and states(sessions) == {"pending": 1}
    up = alerts.deliver_due(sessions, notifiers, NOW + timedelta(minutes=1), policy)
    assert up.sent == 1 and states(sessions) == {"sent": 1}
    delivered = server.delivered[-1].body
    assert delivered["topic"] == "border" and delivered["alert"]["kind"] == "story"
    assert "Drone strike near al-Bukamal crossing" in delivered["text"]
    ours = [r for r in caplog.records if r.name.startswith("monitor")]  # httpx's is silenced and redacted
    assert ours and all(server.hook_url not in f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in ours)
