"""SQLAlchemy 2.0 models. Only `monitor.store` imports this module; other code gets records.

Times are stored timezone-aware and read back as UTC (`UTCDateTime`), on SQLite as on PostgreSQL.
Every schema change comes with a hand-reviewed Alembic revision in migrations/versions/.

No `from __future__ import annotations` here: with it every `Mapped[...]` annotation is a string
that the declarative mapping evaluates again, which cost ~20 ms of each process that uses the
database (`import monitor.store` ~90 -> ~70 ms CPU, busy machine).
"""

from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Refuses naive datetimes on the way in; SQLite hands them back naive, so mark them UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


utc_datetime = Annotated[datetime, mapped_column(UTCDateTime())]
utc_datetime_or_none = Annotated[datetime | None, mapped_column(UTCDateTime(), nullable=True)]
str_id = Annotated[str, mapped_column(String(100))]
text_or_none = Annotated[str | None, mapped_column(Text, nullable=True)]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SourceRow(Base):
    """Per-source state: caching validators, health, schedule and the poll lease."""

    __tablename__ = "sources"

    id: Mapped[str_id] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), default="")
    url: Mapped[str] = mapped_column(Text, default="")
    etag: Mapped[text_or_none]
    last_modified: Mapped[text_or_none]
    last_polled_at: Mapped[utc_datetime_or_none]
    last_success_at: Mapped[utc_datetime_or_none]
    last_new_item_at: Mapped[utc_datetime_or_none]
    last_error: Mapped[text_or_none]
    last_error_kind: Mapped[str | None] = mapped_column(String(30), nullable=True)
    last_error_at: Mapped[utc_datetime_or_none]
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    next_poll_at: Mapped[utc_datetime_or_none]
    retry_after_until: Mapped[utc_datetime_or_none]  # the server asked (Retry-After) to wait until then
    moved_to: Mapped[text_or_none]  # target of the last permanent redirect
    lease_owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[utc_datetime_or_none]


class ArticleRow(Base):
    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("source_id", "key"),
        Index("ix_articles_source_id_content_hash", "source_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str_id] = mapped_column(ForeignKey("sources.id"))
    key: Mapped[str] = mapped_column(String(1000))
    guid: Mapped[text_or_none]
    url: Mapped[str] = mapped_column(Text, index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str | None] = mapped_column(String(20), nullable=True)
    publisher: Mapped[text_or_none]
    publisher_url: Mapped[text_or_none]
    published: Mapped[utc_datetime] = mapped_column(index=True)
    date_source: Mapped[str] = mapped_column(String(10), default="feed")
    first_seen: Mapped[utc_datetime] = mapped_column(index=True)
    updated_at: Mapped[utc_datetime_or_none]
    content_hash: Mapped[str] = mapped_column(String(64))
    priority: Mapped[str | None] = mapped_column(String(10), nullable=True)
    priority_reason: Mapped[text_or_none]
    event_types: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)  # monitor/events.py


class HitRow(Base):
    """One mention of a watchlist entity in one field of one article."""

    __tablename__ = "hits"
    __table_args__ = (UniqueConstraint("article_id", "entity", "field", "start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    entity: Mapped[str_id] = mapped_column(index=True)
    alias: Mapped[str] = mapped_column(Text, default="")
    field: Mapped[str] = mapped_column(String(10))
    start: Mapped[int]
    end: Mapped[int]
    surface: Mapped[str] = mapped_column(Text, default="")
    snippet: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[utc_datetime]


# --- alerts: stories, the outbox and its attempts (see monitor/alerts.py) --------------------------


class StoryRow(Base):
    """One story: what later outlets are compared to (MinHash signatures of the lead's title and text)."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    title_signature: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    text_signature: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    entities: Mapped[list[str]] = mapped_column(JSON, default=list)  # every entity alerted so far
    published: Mapped[utc_datetime]
    created_at: Mapped[utc_datetime] = mapped_column(index=True)


class StoryArticleRow(Base):
    """An article's place in a story: its lead, or a later outlet attached to it (the digest lists these)."""

    __tablename__ = "story_articles"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text, index=True)
    outlet: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(String(10))  # lead | attached
    entities: Mapped[list[str]] = mapped_column(JSON, default=list)
    attached_at: Mapped[utc_datetime]


class AlertRow(Base):
    """One message to one channel. Pending rows are claimed by a conditional UPDATE on claimed_until."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("channel", "key"),
        Index(
            "ix_alerts_pending_due",
            "next_attempt_at",
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str_id]
    key: Mapped[str] = mapped_column(
        String(200)
    )  # makes queueing idempotent: story:12, health:src:failing:...
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), index=True)
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="SET NULL"), nullable=True)
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), nullable=True
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"), nullable=True)
    rolled_into: Mapped[int | None] = mapped_column(
        ForeignKey("alerts.id", ondelete="SET NULL"), nullable=True
    )
    priority: Mapped[str | None] = mapped_column(String(10), nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[utc_datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    claimed_until: Mapped[utc_datetime_or_none]
    last_error: Mapped[text_or_none]
    message_ts: Mapped[str | None] = mapped_column(
        String(50), nullable=True
    )  # Slack's id, for thread replies
    created_at: Mapped[utc_datetime]
    sent_at: Mapped[utc_datetime_or_none] = mapped_column(index=True)


class AlertAttemptRow(Base):
    """Every send attempt, successful or not: the outbox's audit trail."""

    __tablename__ = "alert_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    at: Mapped[utc_datetime]
    worker: Mapped[str] = mapped_column(String(100), default="")
    ok: Mapped[bool] = mapped_column(Boolean)
    permanent: Mapped[bool] = mapped_column(Boolean, default=False)
    retry_after: Mapped[float | None] = mapped_column(Float, nullable=True)
    error: Mapped[text_or_none]


class SourceNoticeRow(Base):
    """The health last announced for a source (ok, failing, quiet), so each change is said once."""

    __tablename__ = "source_notices"

    source_id: Mapped[str_id] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(10))
    changed_at: Mapped[utc_datetime]


# --- the weekly digest (see monitor/digest_delivery.py) ---------------------------------------------

SendState = Literal["pending", "sent", "failed"]  # one row per week and recipient


class DigestSendRow(Base):
    """One week's digest to one recipient: sent once, a temporary failure retried at next_attempt_at."""

    __tablename__ = "digest_sends"
    __table_args__ = (UniqueConstraint("week", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[str] = mapped_column(String(8))  # ISO week, 2026-W47
    recipient: Mapped[str] = mapped_column(String(320))  # an address, or file:<folder> without SMTP
    state: Mapped[SendState] = mapped_column(String(10), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[text_or_none]
    next_attempt_at: Mapped[utc_datetime_or_none]
    sent_at: Mapped[utc_datetime_or_none]
    created_at: Mapped[utc_datetime]


# --- triage: analysts' verdicts on stories and their mutes (see monitor/triage.py) -----------------


class VerdictRow(Base):
    """One analyst's verdict on one story; a later click by the same person replaces it."""

    __tablename__ = "verdicts"
    __table_args__ = (UniqueConstraint("story_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    verdict: Mapped[str] = mapped_column(String(20))  # relevant | not_relevant
    user_id: Mapped[str] = mapped_column(String(50))
    user_name: Mapped[str] = mapped_column(String(200), default="")
    entities: Mapped[list[str]] = mapped_column(JSON, default=list)  # that made the alert
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)  # the watchlist aliases that matched
    at: Mapped[utc_datetime] = mapped_column(index=True)


class MuteRow(Base):
    """An entity muted for alerts until `until` (None: until lifted); `lifted_at` ends it early."""

    __tablename__ = "mutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str_id] = mapped_column(index=True)
    until: Mapped[utc_datetime_or_none]
    user_id: Mapped[str] = mapped_column(String(50), default="")
    user_name: Mapped[str] = mapped_column(String(200), default="")
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[utc_datetime]
    lifted_at: Mapped[utc_datetime_or_none]
