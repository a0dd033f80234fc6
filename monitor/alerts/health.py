"""Source health notices: one message when a source starts failing or goes quiet, one when it recovers."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from statistics import median
from typing import Literal

from sqlalchemy.orm import Session, sessionmaker

from monitor import store
from monitor.alerts.policy import AlertPolicy
from monitor.logs import log
from monitor.notify import AlertMessage, to_payload
from monitor.records import Source, SourceHealth
from monitor.store import outbox

logger = logging.getLogger("monitor.alerts")
HealthState = Literal["ok", "failing", "quiet"]


def usual_gap(published: Sequence[datetime]) -> timedelta | None:
    """The median gap between a source's items; None until there are enough to tell."""
    times = sorted(published)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False) if b > a]
    # timedelta has the + and / that median needs; typeshed allows numbers only
    return median(gaps) if len(gaps) >= 4 else None  # type: ignore[type-var]


def health_state(
    health: SourceHealth,
    published: Sequence[datetime],
    interval: timedelta,
    policy: AlertPolicy,
    now: datetime,
) -> HealthState:
    if health.consecutive_failures >= policy.health_failures:
        return "failing"
    gap = usual_gap(published)
    last = health.last_new_item_at or max(published, default=None)
    if gap is None or last is None:
        return "ok"
    return "quiet" if now - last > max(gap, interval) * policy.health_quiet_factor else "ok"


def needs_published(health: SourceHealth, interval: timedelta, policy: AlertPolicy, now: datetime) -> bool:
    """Whether the source's state depends on its publication times: not when it is failing, nor
    when its last new item is within `health_quiet_factor` intervals (quiet takes more than
    that, whatever its usual gap), which spares most polls reading them."""
    if health.consecutive_failures >= policy.health_failures:
        return False
    last = health.last_new_item_at
    return last is None or now - last > interval * policy.health_quiet_factor


def health_message(
    source: Source, health: SourceHealth, state: HealthState, was: str, gap: timedelta | None
) -> AlertMessage:
    if state == "failing":
        text = (
            f"Source {source.name} ({source.id}) has failed {health.consecutive_failures} polls in a row; "
            f"last error {health.last_error_kind}: {health.last_error}"
        )
    elif state == "quiet":
        last = f"{health.last_new_item_at:%Y-%m-%d %H:%M} UTC" if health.last_new_item_at else "a long time"
        text = (
            f"Source {source.name} ({source.id}) has had no new item since {last} (usually one every {gap})"
        )
    else:
        text = f"Source {source.name} ({source.id}) has recovered (it was {was})"
    return AlertMessage(kind="health", text=text)


def queue_health_notices(
    sessions: sessionmaker[Session], sources: Sequence[Source], policy: AlertPolicy, now: datetime
) -> int:
    """One message when a source starts failing or goes quiet, and one when it recovers."""
    queued = 0
    with sessions.begin() as session:
        health = {h.id: h for h in store.source_health(session, [s.id for s in sources])}
        announced = outbox.notice_states(session, list(health))
        wanted = [
            s.id for s in sources if s.id in health and needs_published(health[s.id], s.interval, policy, now)
        ]
        published = outbox.published_times(session, wanted) if wanted else {}
        for source in sources:
            if (current := health.get(source.id)) is not None:
                was, times = announced[source.id], published.get(source.id, [])
                queued += _health_notice(session, source, current, was, times, policy, now)
    return queued


def _health_notice(
    session: Session,
    source: Source,
    health: SourceHealth,
    was: str,
    published: Sequence[datetime],
    policy: AlertPolicy,
    now: datetime,
) -> int:
    state = health_state(health, published, source.interval, policy, now)
    if state == was or not outbox.change_notice(session, source.id, old=was, new=state, now=now):
        return 0
    message = health_message(source, health, state, was, usual_gap(published))
    alert = outbox.NewAlert(
        policy.health_channel, f"health:{source.id}:{state}:{now.isoformat()}", "health", to_payload(message)
    )
    log(
        logger,
        "source.health",
        logging.WARNING if state != "ok" else logging.INFO,
        source=source.id,
        state=state,
    )
    return len(outbox.queue(session, [alert], now=now))
