"""Channels: the transports, their registry, and `build_notifiers(settings)`.

A transport is one module with one class implementing `Notifier` (monitor/notify/transport.py)
that renders the message model (monitor/notify/messages.py) its own way: Slack incoming webhooks
and bot tokens (Block Kit), the console (plain text), and a generic JSON webhook. `TRANSPORTS`
names each kind's class; adding a transport is one module and one row. Classes are imported
only when a channel of their kind is built (slack-sdk is slow to import).

Channels are named: "default" is the top-level `[slack]` webhook or bot channel, more come from
`[[slack.channels]]` and `[[webhooks]]`. Without any configured channel every channel prints to
the console. Email carries the weekly digest (monitor/notify/email.py), not alerts.
"""

from __future__ import annotations

import importlib
from dataclasses import replace
from typing import TYPE_CHECKING

from monitor.errors import ConfigError
from monitor.notify.messages import (
    MAX_ROLLUP,
    AlertMessage,
    EntityRef,
    MessageAction,
    MessageKind,
    RolledUpItem,
    from_payload,
    to_payload,
)
from monitor.notify.transport import ChannelSpec, Notifier, SendResult

if TYPE_CHECKING:
    from monitor.config import Settings

__all__ = [
    "DEFAULT_CHANNEL",
    "MAX_ROLLUP",
    "TRANSPORTS",
    "AlertMessage",
    "ChannelSpec",
    "EntityRef",
    "MessageAction",
    "MessageKind",
    "Notifier",
    "RolledUpItem",
    "SendResult",
    "build_notifiers",
    "channel_specs",
    "from_payload",
    "to_payload",
]

DEFAULT_CHANNEL = "default"

# kind → "module:class" of its transport
TRANSPORTS = {
    "slack-webhook": "monitor.notify.slack:SlackWebhookNotifier",
    "slack-bot": "monitor.notify.slack:SlackBotNotifier",
    "json-webhook": "monitor.notify.webhook:JsonWebhookNotifier",
    "console": "monitor.notify.console:ConsoleNotifier",
}


def transport(spec: ChannelSpec) -> Notifier:
    """The notifier for one channel, from the transport its kind names."""
    module, _, name = TRANSPORTS[spec.kind].partition(":")
    factory = getattr(importlib.import_module(module), name)
    notifier: Notifier = factory(spec)
    return notifier


def channel_specs(settings: Settings) -> list[ChannelSpec]:
    """The `[slack]` keys as the "default" channel, each `[[slack.channels]]` entry, then each
    `[[webhooks]]` entry."""
    slack = settings.slack
    entries = [(DEFAULT_CHANNEL, slack.webhook_url, slack.bot_token, slack.channel)]
    entries += [(c.name, c.webhook_url, c.bot_token or slack.bot_token, c.channel) for c in slack.channels]
    specs = []
    for name, webhook, token, channel in entries:
        if token.get_secret_value() and channel:
            specs.append(ChannelSpec(name, "slack-bot", bot_token=token.get_secret_value(), channel=channel))
        elif webhook.get_secret_value():
            specs.append(ChannelSpec(name, "slack-webhook", webhook_url=webhook.get_secret_value()))
    specs = [replace(spec, api_url=slack.api_url) for spec in specs]
    return specs + [
        ChannelSpec(
            hook.name,
            "json-webhook",
            webhook_url=hook.url.get_secret_value(),
            text_key=hook.text_key,
            fields=dict(hook.fields),
            headers={k: v.get_secret_value() for k, v in hook.headers.items()},
        )
        for hook in settings.webhooks
    ]


def build_notifiers(settings: Settings) -> dict[str, Notifier]:
    """Channel name → notifier. Without channels, every channel is the console; with channels,
    names are unique and every route must name one (the ConfigError names the key)."""
    specs = channel_specs(settings) or [ChannelSpec(DEFAULT_CHANNEL, "console")]
    notifiers: dict[str, Notifier] = {}
    for spec in specs:
        if spec.kind == "json-webhook" and spec.name in notifiers:
            raise ConfigError("webhooks", f"{spec.name!r} is the name of a Slack channel already")
        notifiers[spec.name] = transport(spec)
    for index, route in enumerate(settings.alerts.routes):
        if route.channel in notifiers:
            continue
        if specs[0].kind != "console":
            known = ", ".join(sorted(notifiers))
            raise ConfigError(
                f"alerts.routes[{index}].channel",
                f"no channel {route.channel!r} in [slack] or [[webhooks]] ({known})",
            )
        notifiers[route.channel] = notifiers[DEFAULT_CHANNEL]
    return notifiers
