"""Alerts: which matched articles alert, where, as which story; and the deliverer of the outbox.

The flow in four modules: `policy` (the settings the decisions read, and routing), `queue`
(placing items in stories and queueing their messages), `delivery` (the outbox's deliverer)
and `health` (source health notices). Story identity is `monitor.stories`, shared with the
digest; the messages are `monitor.notify`'s model, rendered by each transport.

Pure decisions over records and an explicit `now`: `alertable` (hits at or above a channel's
minimum, published inside the window, first poll included), `channels_for` (routes by entity,
kind or tag), story grouping (the same canonical URL, or a MinHash-similar title or text of a
story from the last 48 hours: `monitor.stories`), `backoff`, quiet hours, and `health_state` of a source.

Two thin impure steps around them. `queue_alerts(session, …)` runs inside the poll's own
transaction, next to the hits, so a crash between storing and sending loses nothing.
`deliver_due(sessions, notifiers, now)` claims due alerts atomically (several deliverers may
run), applies the throttle, sends, and records each attempt in its own short transaction.

Trade-offs, chosen on purpose:
- At least once, never lost: an alert that Slack accepted but whose "sent" was not committed (the
  process died in that instant) is sent again when its claim expires. Only alerts in flight at a
  crash can repeat; nothing is dropped.
- Story grouping is exact, with no LSH false negatives: band hashes only pick which stories of
  the dedupe window to compare value by value (`StoryIndex`), ~0.2 ms per item among 2,000.
- The throttle is counted from the database by each deliverer, so two deliverers racing can let
  a message or two more through; summaries and thread replies are not throttled. Past the
  throttle, a burst goes out as roll-ups at most `rollup_interval` (1 min) apart, each naming
  every story it holds (Alertmanager's group_interval), so no story waits much longer.
- One retryable failure (Slack down, 429) pauses the whole channel until that alert's retry, for
  every deliverer (`outbox.paused_until`), so an outage costs one request per backoff step per
  channel, not one per alert. The backoff is short (1 s doubling to 1 min, as Alertmanager caps
  its notifier at 60 s): an alerting tool must resume soon after Slack does. A retry due within
  a few seconds (a short Retry-After, the first backoff steps after fast failures) is waited out
  inside the round, up to `wait_in_round` (10 s) per channel; and the first message through after a
  failure wakes the channel's queue, which goes out in the same round.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from monitor.alerts.delivery import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    DeliveryReport,
    ProbeResult,
    backoff,
    default_worker,
    deliver_due,
    list_outbox,
    probe_channels,
    requeue_failed,
)
from monitor.alerts.health import (
    HealthState,
    health_message,
    health_state,
    needs_published,
    queue_health_notices,
    usual_gap,
)
from monitor.alerts.policy import (
    RANK,
    AlertPolicy,
    EntityInfo,
    Level,
    QuietHours,
    Route,
    alertable,
    channels_for,
    entity_index,
)
from monitor.store.outbox import AlertListing

if TYPE_CHECKING:
    from monitor.alerts.queue import queue_alerts, story_message


def __getattr__(name: str) -> Any:
    """`queue_alerts` and `story_message`, imported at first use: the queue's modules (stories,
    corroboration, the triage and story tables) are for polls that store articles, not for
    delivery or a poll of no sources."""
    if name in ("queue_alerts", "story_message"):
        from monitor.alerts import queue

        return getattr(queue, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BACKOFF_BASE",
    "BACKOFF_CAP",
    "RANK",
    "AlertListing",
    "AlertPolicy",
    "DeliveryReport",
    "EntityInfo",
    "HealthState",
    "Level",
    "ProbeResult",
    "QuietHours",
    "Route",
    "alertable",
    "backoff",
    "channels_for",
    "default_worker",
    "deliver_due",
    "entity_index",
    "health_message",
    "health_state",
    "list_outbox",
    "needs_published",
    "probe_channels",
    "queue_alerts",
    "queue_health_notices",
    "requeue_failed",
    "story_message",
    "usual_gap",
]
