"""Channels: the Notifier interface, the messages it sends, and `build_notifiers(settings)`.

One class per channel kind (the registry in `build_notifiers`: slack-webhook, slack-bot,
console), each with
`send(message) -> SendResult | None` that returns or raises `DeliveryError(message, permanent=,
retry_after=)`, as healthchecks' transports do. Channels do not retry: the outbox in
monitor/alerts.py owns retries, backoff and the record of every attempt, so a failure never
blocks a poll and nothing is retried twice over.

Channels are named: "default" is the top-level `[slack]` webhook or bot channel, more come from
`[[slack.channels]]`. Without any Slack configuration every channel prints to the console.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol

from monitor.errors import ConfigError

if TYPE_CHECKING:
    from monitor.config import Settings

MessageKind = Literal["story", "attachment", "update", "summary", "health", "test"]
DEFAULT_CHANNEL = "default"


@dataclass(frozen=True, slots=True)
class EntityRef:
    """A matched entity as a message names it."""

    id: str
    name: str
    kind: str


MAX_ROLLUP = 40  # stories one throttle summary names (Slack allows 50 blocks a message)


@dataclass(frozen=True, slots=True)
class RolledUpItem:
    """One story inside a throttle summary."""

    title: str
    url: str
    outlet: str


@dataclass(frozen=True, slots=True)
class AlertMessage:
    """What a channel is asked to send. Article fields are untrusted text; channels escape them."""

    kind: MessageKind
    title: str = ""
    url: str = ""
    outlet: str = ""
    outlet_label: str = ""
    via: str = ""  # the aggregator a story came through (Google News, GDELT)
    published: datetime | None = None
    entities: tuple[EntityRef, ...] = ()
    snippet: str = ""
    match: str = ""  # the surface form inside `snippet` to set in bold
    priority: str | None = None
    reason: str = ""
    text: str = ""  # the body of health, summary and test messages
    items: tuple[RolledUpItem, ...] = ()
    thread_ts: str | None = None  # reply in this thread (later outlets of a story)


@dataclass(frozen=True, slots=True)
class SendResult:
    """What a channel said back: Slack's message timestamp, the handle for thread replies."""

    ts: str | None = None


class Notifier(Protocol):
    """A channel. `threads` says whether later outlets of a story can go in as thread replies."""

    threads: bool

    def send(self, message: AlertMessage) -> SendResult | None: ...

    def describe(self) -> str: ...


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    """One configured channel: a name, a kind from NOTIFIER_KINDS and what that kind needs."""

    name: str
    kind: Literal["slack-webhook", "slack-bot", "console"]
    webhook_url: str = ""
    bot_token: str = ""
    channel: str = ""
    api_url: str = ""


def channel_specs(settings: Settings) -> list[ChannelSpec]:
    """The `[slack]` keys as the "default" channel, then each `[[slack.channels]]` entry."""
    slack = settings.slack
    entries = [(DEFAULT_CHANNEL, slack.webhook_url, slack.bot_token, slack.channel)]
    entries += [(c.name, c.webhook_url, c.bot_token or slack.bot_token, c.channel) for c in slack.channels]
    specs = []
    for name, webhook, token, channel in entries:
        if token.get_secret_value() and channel:
            specs.append(ChannelSpec(name, "slack-bot", bot_token=token.get_secret_value(), channel=channel))
        elif webhook.get_secret_value():
            specs.append(ChannelSpec(name, "slack-webhook", webhook_url=webhook.get_secret_value()))
    return [replace(spec, api_url=slack.api_url) for spec in specs]


def build_notifiers(settings: Settings) -> dict[str, Notifier]:
    """Channel name → notifier. Without Slack, every channel is the console; with Slack, every
    route must name a configured channel (the ConfigError names the route)."""
    from monitor.notify.console import ConsoleNotifier
    from monitor.notify.slack import SlackBotNotifier, SlackWebhookNotifier

    kinds: dict[str, Callable[[ChannelSpec], Notifier]] = {
        "slack-webhook": SlackWebhookNotifier,
        "slack-bot": SlackBotNotifier,
        "console": ConsoleNotifier,
    }
    specs = channel_specs(settings) or [ChannelSpec(DEFAULT_CHANNEL, "console")]
    notifiers = {spec.name: kinds[spec.kind](spec) for spec in specs}
    for index, route in enumerate(settings.alerts.routes):
        if route.channel in notifiers:
            continue
        if specs[0].kind != "console":
            known = ", ".join(sorted(notifiers))
            raise ConfigError(
                f"alerts.routes[{index}].channel", f"no Slack channel {route.channel!r} ({known})"
            )
        notifiers[route.channel] = notifiers[DEFAULT_CHANNEL]
    return notifiers
