"""SQLAlchemy 2.0 models. Only `monitor.store` imports this module; other code gets records.

Times are stored timezone-aware and read back as UTC (`UTCDateTime`), on SQLite as on PostgreSQL.
Every schema change comes with a hand-reviewed Alembic revision in migrations/versions/.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint
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
