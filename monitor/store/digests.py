"""The digest's queries and its send records: rows in, plain records out.

An article belongs to the week of its publication time, or of its first sighting when the feed
gave no date (`date_source = "fetched"`); `week_time` is that rule as one SQL expression, so the
counts of this week, of the week before and of first sightings all agree. Counts are articles
mentioning an entity, not mentions: an article naming al-Bukamal five times is one.

Trade-off: per-day and per-pair counts are not computed here but in `monitor.digest` from the
week's matched articles, because days are local to the configured timezone and SQL date
arithmetic differs between SQLite and PostgreSQL; a week's matched articles fit in memory.

Sends: one row per (week, recipient). A send is claimed with a conditional UPDATE (several
daemons may run); the claim pushes `next_attempt_at` out by a lease, so a process that dies
mid-send is retried once the lease ends rather than never.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select, true, update
from sqlalchemy.orm import Session

from monitor.records import ArticleOrigin, SourceHealth
from monitor.store.db import chunks, rows_changed, upsert_insert
from monitor.store.models import (
    AlertRow,
    ArticleRow,
    DigestSendRow,
    HitRow,
    SendState,
    SourceRow,
    StoryArticleRow,
)
from monitor.store.queries import source_health


@dataclass(frozen=True, slots=True)
class WeekArticle:
    """An article with hits in the window, with what the digest shows of it."""

    id: int
    source_id: str
    outlet: str  # the aggregator's publisher, else the source's name
    url: str
    title: str
    summary: str
    when: datetime  # UTC: publication time, or first sighting for undated items
    priority: str | None
    entities: tuple[str, ...]  # in order of first mention, title first
    snippet: str  # of the first hit outside the title, else the summary's start (the title is shown anyway)
    story_id: int | None = None  # the alerts outbox's story, when it grouped this article
    language: str | None = None  # the article's, else its feed's, as parsed
    event_types: tuple[str, ...] = ()  # monitor/events.py, as stored with its hits
    publisher: str | None = None  # named by an aggregator (Google News, GDELT)
    publisher_url: str | None = None

    @property
    def origin(self) -> ArticleOrigin:
        """What corroboration counts of it."""
        return ArticleOrigin(self.id, self.source_id, self.url, self.publisher, self.publisher_url)


@dataclass(frozen=True, slots=True)
class SourceWeek:
    """A source's state now, and how many articles it brought in during the week."""

    health: SourceHealth
    new_articles: int


@dataclass(frozen=True, slots=True)
class DigestSend:
    week: str
    recipient: str
    state: SendState
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    sent_at: datetime | None


def week_time() -> ColumnElement[datetime]:
    return case((ArticleRow.date_source == "fetched", ArticleRow.first_seen), else_=ArticleRow.published)


def _in_window(start: datetime, end: datetime) -> ColumnElement[bool]:
    when = week_time()
    return (when >= start) & (when < end)


# --- the week's content --------------------------------------------------------------------------


def article_count(session: Session, start: datetime, end: datetime) -> int:
    """Every article of the window, matched or not."""
    return session.scalar(select(func.count(ArticleRow.id)).where(_in_window(start, end))) or 0


# What a WeekArticle is made of: plain columns, not ArticleRow objects. Every poll's spike check
# reads four weeks of matched articles; their text, authors and categories (JSON) are not needed,
# and rows cost a fraction of ORM objects to load.
_WEEK_COLUMNS = (
    ArticleRow.id, ArticleRow.source_id, ArticleRow.publisher, ArticleRow.publisher_url, ArticleRow.url,
    ArticleRow.title, ArticleRow.summary, ArticleRow.published, ArticleRow.first_seen,
    ArticleRow.date_source, ArticleRow.priority, ArticleRow.language, ArticleRow.event_types,
)  # fmt: skip


def matched_articles(session: Session, start: datetime, end: datetime) -> list[WeekArticle]:
    query = (
        select(*_WEEK_COLUMNS, SourceRow.name.label("source_name"), StoryArticleRow.story_id)
        .join(SourceRow, SourceRow.id == ArticleRow.source_id)
        .outerjoin(StoryArticleRow, StoryArticleRow.article_id == ArticleRow.id)
        .where(_in_window(start, end), ArticleRow.id.in_(select(HitRow.article_id)))
        .order_by(ArticleRow.id)
    )
    rows = session.execute(query).all()
    hits = _hits_by_article(session, [row.id for row in rows])
    return [_week_article(row, hits.get(row.id, [])) for row in rows]


def _hits_by_article(session: Session, ids: list[int]) -> dict[int, list[tuple[str, str, str]]]:
    found: dict[int, list[tuple[str, str, str]]] = {}
    for chunk in chunks(ids):
        query = (
            select(HitRow.article_id, HitRow.entity, HitRow.field, HitRow.snippet)
            .where(HitRow.article_id.in_(chunk))
            .order_by(HitRow.article_id, HitRow.field.desc(), HitRow.start)  # title, summary, content
        )
        for article_id, entity, field, snippet in session.execute(query):
            found.setdefault(article_id, []).append((entity, field, snippet))
    return found


def _week_article(row: Any, hits: list[tuple[str, str, str]]) -> WeekArticle:
    """`row`: the columns of matched_articles' query."""
    entities = tuple(dict.fromkeys(entity for entity, _, _ in hits))
    outside_title = [snippet for _, field, snippet in hits if field != "title" and snippet]
    return WeekArticle(
        id=row.id,
        source_id=row.source_id,
        outlet=row.publisher or row.source_name or row.source_id,
        url=row.url,
        title=row.title,
        summary=row.summary,
        when=row.first_seen if row.date_source == "fetched" else row.published,
        priority=row.priority,
        entities=entities,
        snippet=outside_title[0] if outside_title else row.summary[:280],
        story_id=row.story_id,
        language=row.language,
        event_types=tuple(row.event_types or ()),
        publisher=row.publisher,
        publisher_url=row.publisher_url,
    )


def first_published(session: Session) -> datetime | None:
    """The publication time of the oldest stored article: how much history there is."""
    return session.scalar(select(func.min(ArticleRow.published)))


@dataclass(frozen=True, slots=True)
class SpikeRecord:
    """A volume spike alert as queued (monitor/spikes.py): its entity, when, and its message."""

    entity: str
    at: datetime
    text: str


def spike_alerts(session: Session, start: datetime, end: datetime) -> list[SpikeRecord]:
    """Spike alerts queued in [start, end), oldest first (keys are spike:<entity>:<day>)."""
    query = (
        select(AlertRow.key, AlertRow.created_at, AlertRow.payload)
        .where(AlertRow.kind == "spike", AlertRow.created_at >= start, AlertRow.created_at < end)
        .order_by(AlertRow.created_at, AlertRow.id)
    )
    return [
        SpikeRecord(key.split(":")[1], at, str(payload.get("text", "")))
        for key, at, payload in session.execute(query)
    ]


def entity_counts(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """Articles mentioning each entity in the window (the week before's column of the digest)."""
    query = (
        select(HitRow.entity, func.count(func.distinct(HitRow.article_id)))
        .join(ArticleRow, ArticleRow.id == HitRow.article_id)
        .where(_in_window(start, end))
        .group_by(HitRow.entity)
    )
    return {entity: count for entity, count in session.execute(query)}


def history_start(session: Session) -> datetime | None:
    """When the database first saw an article (its first poll), or None when it has none."""
    return session.scalar(select(func.min(ArticleRow.first_seen)))


def first_sightings(session: Session, start: datetime, end: datetime) -> dict[str, datetime]:
    """Entities whose earliest article ever falls in the window, with that article's time."""
    first = func.min(week_time())
    query = (
        select(HitRow.entity, first)
        .join(ArticleRow, ArticleRow.id == HitRow.article_id)
        .group_by(HitRow.entity)
        .having((first >= start) & (first < end))
    )
    return {entity: when for entity, when in session.execute(query)}


def source_weeks(session: Session, start: datetime, end: datetime, ids: Sequence[str]) -> list[SourceWeek]:
    """The named sources' health now and their new articles (by first sighting) in the window."""
    query = (
        select(ArticleRow.source_id, func.count(ArticleRow.id))
        .where(ArticleRow.first_seen >= start, ArticleRow.first_seen < end, ArticleRow.source_id.in_(ids))
        .group_by(ArticleRow.source_id)
    )
    new = {source_id: count for source_id, count in session.execute(query)}
    return [SourceWeek(health=h, new_articles=new.get(h.id, 0)) for h in source_health(session, list(ids))]


# --- sends ---------------------------------------------------------------------------------------


def add_sends(session: Session, week: str, recipients: Sequence[str], now: datetime) -> None:
    """A pending row for each recipient that has none for this week yet."""
    rows = [
        {"week": week, "recipient": r, "state": "pending", "attempts": 0, "created_at": now}
        for r in recipients
    ]
    if rows:
        statement = upsert_insert(session, DigestSendRow).values(rows)
        session.execute(statement.on_conflict_do_nothing(index_elements=["week", "recipient"]))


def claim_send(
    session: Session, week: str, recipient: str, *, now: datetime, lease: timedelta, force: bool = False
) -> bool:
    """Take one send for this process; False when it is sent, failed for good, not due, or taken."""
    due = (DigestSendRow.state == "pending") & or_(
        DigestSendRow.next_attempt_at.is_(None), DigestSendRow.next_attempt_at <= now
    )
    statement = (
        update(DigestSendRow)
        .where(DigestSendRow.week == week, DigestSendRow.recipient == recipient)
        .where(true() if force else due)
        .values(state="pending", attempts=DigestSendRow.attempts + 1, next_attempt_at=now + lease)
    )
    return rows_changed(session, statement) == 1


def record_sent(session: Session, week: str, recipient: str, *, now: datetime) -> None:
    _set(session, week, recipient, state="sent", sent_at=now, last_error=None, next_attempt_at=None)


def record_send_failure(
    session: Session, week: str, recipient: str, *, error: str, retry_at: datetime | None
) -> None:
    """A retry at `retry_at`, or with None a permanent failure that only --force sends again."""
    state = "pending" if retry_at else "failed"
    _set(session, week, recipient, state=state, last_error=error[:2000], next_attempt_at=retry_at)


def _set(session: Session, week: str, recipient: str, **values: Any) -> None:
    session.execute(
        update(DigestSendRow)
        .where(DigestSendRow.week == week, DigestSendRow.recipient == recipient)
        .values(**values)
    )


def due_retries(session: Session, now: datetime) -> list[tuple[str, str]]:
    """(week, recipient) of every pending send that has been tried and is due again."""
    query = (
        select(DigestSendRow.week, DigestSendRow.recipient)
        .where(
            DigestSendRow.state == "pending", DigestSendRow.attempts > 0, DigestSendRow.next_attempt_at <= now
        )
        .order_by(DigestSendRow.week, DigestSendRow.recipient)
    )
    return [(week, recipient) for week, recipient in session.execute(query)]


def sends(session: Session, week: str | None = None) -> list[DigestSend]:
    query = select(DigestSendRow).order_by(DigestSendRow.week, DigestSendRow.recipient)
    if week is not None:
        query = query.where(DigestSendRow.week == week)
    return [
        DigestSend(
            week=row.week,
            recipient=row.recipient,
            state=row.state,
            attempts=row.attempts,
            last_error=row.last_error,
            next_attempt_at=row.next_attempt_at,
            sent_at=row.sent_at,
        )
        for row in session.scalars(query)
    ]
