"""Read-only counts over the whole store for `monitor status`, /healthz and /metrics.

Everything here is read from the database, not from a daemon's memory, so `monitor status` run
anywhere describes the whole system, however many daemons share the database. The trade-off:
the daemon has no table of its own, so "is a daemon alive" is read from the poll leases it holds
and from the last poll any daemon made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.store.models import AlertRow, ArticleRow, DigestSendRow, HitRow, SourceRow

OVERDUE_GRACE = timedelta(minutes=2)  # a source due longer ago than this counts as overdue (status, /healthz)


@dataclass(frozen=True, slots=True)
class SourceCounts:
    total: int
    ok: int  # polled, and the last poll succeeded
    failing: int  # one or more failures in a row
    never_polled: int
    overdue: int  # next poll more than a grace period in the past


@dataclass(frozen=True, slots=True)
class DaemonLease:
    """A daemon seen through the poll leases it holds now."""

    owner: str
    leases: int
    until: datetime


@dataclass(frozen=True, slots=True)
class LastDigest:
    week: str
    sent_at: datetime
    recipients: int


@dataclass(frozen=True, slots=True)
class SystemSummary:
    now: datetime
    sources: SourceCounts
    articles_24h: int  # published in the last 24 h, as `monitor articles --since 24h` lists them
    articles_7d: int
    hits_24h: int  # of those, articles with hits, as `monitor hits --since 24h` lists them
    hits_7d: int
    alerts: dict[str, int]  # by state
    last_digest: LastDigest | None
    daemons: tuple[DaemonLease, ...]
    last_poll_at: datetime | None


def summarise(session: Session, now: datetime, *, overdue_grace: timedelta = OVERDUE_GRACE) -> SystemSummary:
    day, week = now - timedelta(days=1), now - timedelta(days=7)
    return SystemSummary(
        now=now,
        sources=source_counts(session, now, overdue_grace),
        articles_24h=_count(session, ArticleRow.published >= day),
        articles_7d=_count(session, ArticleRow.published >= week),
        hits_24h=_count(session, ArticleRow.published >= day, _HAS_HITS),
        hits_7d=_count(session, ArticleRow.published >= week, _HAS_HITS),
        alerts=alert_states(session),
        last_digest=last_digest(session),
        daemons=daemon_leases(session, now),
        last_poll_at=session.scalar(select(func.max(SourceRow.last_polled_at))),
    )


_HAS_HITS = ArticleRow.id.in_(select(HitRow.article_id))


def _count(session: Session, *conditions: Any) -> int:
    """Articles meeting the conditions: counted as `monitor articles` and `monitor hits` list them
    (by publication time; "hits" are articles with at least one hit), so the figures agree."""
    return session.scalar(select(func.count(ArticleRow.id)).where(*conditions)) or 0


def source_counts(session: Session, now: datetime, grace: timedelta) -> SourceCounts:
    rows = session.execute(
        select(SourceRow.last_polled_at, SourceRow.consecutive_failures, SourceRow.next_poll_at)
    ).all()
    return SourceCounts(
        total=len(rows),
        ok=sum(1 for polled, failures, _ in rows if polled is not None and failures == 0),
        failing=sum(1 for _, failures, _ in rows if failures > 0),
        never_polled=sum(1 for polled, _, _ in rows if polled is None),
        overdue=sum(1 for _, _, due in rows if due is not None and due < now - grace),
    )


def overdue_sources(session: Session, ids: list[str], now: datetime, grace: timedelta = OVERDUE_GRACE) -> int:
    """Of the given (configured, enabled) sources, how many are due and not polled for `grace`."""
    query = select(func.count(SourceRow.id)).where(
        SourceRow.id.in_(ids), SourceRow.next_poll_at < now - grace
    )
    return session.scalar(query) or 0


def alert_states(session: Session) -> dict[str, int]:
    query = select(AlertRow.state, func.count(AlertRow.id)).group_by(AlertRow.state)
    return {state: count for state, count in session.execute(query)}


def sent_in_round(session: Session, *, worker: str, sent_at: datetime) -> list[datetime]:
    """When each alert a delivery round sent was queued (the round stamps its start as sent_at)."""
    query = select(AlertRow.created_at).where(
        AlertRow.claimed_by == worker, AlertRow.state == "sent", AlertRow.sent_at == sent_at
    )
    return list(session.scalars(query))


def last_digest(session: Session) -> LastDigest | None:
    latest = session.execute(
        select(DigestSendRow.week, func.max(DigestSendRow.sent_at), func.count(DigestSendRow.id))
        .where(DigestSendRow.state == "sent")
        .group_by(DigestSendRow.week)
        .order_by(DigestSendRow.week.desc())
        .limit(1)
    ).first()
    if latest is None or latest[1] is None:
        return None
    return LastDigest(week=latest[0], sent_at=latest[1], recipients=latest[2])


def daemon_leases(session: Session, now: datetime) -> tuple[DaemonLease, ...]:
    query = (
        select(SourceRow.lease_owner, func.count(SourceRow.id), func.max(SourceRow.lease_until))
        .where(SourceRow.lease_owner.is_not(None), SourceRow.lease_until >= now)
        .group_by(SourceRow.lease_owner)
        .order_by(SourceRow.lease_owner)
    )
    return tuple(
        DaemonLease(owner, leases, until)
        for owner, leases, until in session.execute(query)
        if owner is not None and until is not None  # the query's filter, told to the type checker
    )
