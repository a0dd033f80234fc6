"""The message model: what the flows ask a channel to send, whatever the channel is.

One frozen record, `AlertMessage`, whose `kind` says which message it is:

    story        a new story: title, link, outlet, entities, snippet, priority
    attachment   a later outlet of a story (a thread reply where the transport threads)
    update       an edited article now naming more entities
    summary      a roll-up of stories held back by the throttle (`items`)
    health       a source started failing, went quiet or recovered (`text`)
    spike        an unusual burst of mentions (`text`, `items`), for the spike alerts
    test         `monitor alerts test`

Each transport renders it its own way (Block Kit, plain text, a JSON document); nothing here
knows a transport. What only some transports can show rides along generically: `notes` are
extra lines under a story (corroboration, an event type), `actions` are buttons a transport
with interaction offers (Slack) and the others leave out. Replying in a thread is not part of
the message: it is a capability of the transport (`Notifier.threads`, `send(reply_to=)`).

Every text field that comes from an article is untrusted; transports escape it.
`to_payload`/`from_payload` turn a message into the JSON stored in the outbox and back; stored
payloads of older versions (without the newer fields) still load.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from typing import Any, Literal

MessageKind = Literal["story", "attachment", "update", "summary", "health", "spike", "test"]
MAX_ROLLUP = 40  # stories one throttle summary names (Slack allows 50 blocks a message)


@dataclass(frozen=True, slots=True)
class EntityRef:
    """A matched entity as a message names it."""

    id: str
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class RolledUpItem:
    """One story inside a throttle summary (or a spike)."""

    title: str
    url: str
    outlet: str


@dataclass(frozen=True, slots=True)
class MessageAction:
    """A button offered with a message. `action_id` names what the receiver does when it is
    pressed (acknowledge, mute, …), `value` what it acts on; transports without interaction
    leave it out. With `options` ((label, value) pairs) it is a menu instead, `label` its
    placeholder, and the chosen option's value is what it acts on."""

    action_id: str
    label: str
    value: str = ""
    style: Literal["", "primary", "danger"] = ""
    options: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:  # from the outbox's JSON the pairs come back as lists
        object.__setattr__(self, "options", tuple((str(label), str(value)) for label, value in self.options))


@dataclass(frozen=True, slots=True)
class AlertMessage:
    """What a channel is asked to send. Article fields are untrusted text; channels escape them."""

    kind: MessageKind
    headline: str = ""  # what happened, where, who, shown first: "Airstrike · al-Bukamal · Kata'ib Hezbollah"
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
    text: str = ""  # the body of health, summary, spike and test messages
    items: tuple[RolledUpItem, ...] = ()
    notes: tuple[str, ...] = ()  # more lines about a story, shown under it (plain, untrusted)
    actions: tuple[MessageAction, ...] = ()

    @property
    def published_text(self) -> str:
        """The publication time as every transport shows it: "2026-12-05 10:42 UTC" ("" unknown)."""
        return (
            self.published.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if self.published else ""
        )


_NESTED: dict[str, Callable[..., Any]] = {
    "entities": EntityRef,
    "items": RolledUpItem,
    "actions": MessageAction,
}


def to_payload(message: AlertMessage) -> dict[str, Any]:
    """The message as JSON for the outbox."""
    data = {f.name: getattr(message, f.name) for f in fields(message)}
    data["published"] = message.published.isoformat() if message.published else None
    for name in _NESTED:
        data[name] = [asdict(value) for value in getattr(message, name)]
    data["notes"] = list(message.notes)
    return data


def from_payload(data: Mapping[str, Any]) -> AlertMessage:
    """A stored payload back as a message (older ones lack the newer fields: they take defaults)."""
    fields: dict[str, Any] = {
        k: v for k, v in data.items() if k not in ("kind", "published", "notes", *_NESTED)
    }
    fields |= {name: tuple(cls(**value) for value in data.get(name, ())) for name, cls in _NESTED.items()}
    fields["published"] = datetime.fromisoformat(data["published"]) if data.get("published") else None
    fields["notes"] = tuple(data.get("notes", ()))
    return AlertMessage(kind=data["kind"], **fields)
