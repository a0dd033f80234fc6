"""Functions from (session, records) to records: the only place that writes or reads rows.

Articles are stored once per (source, key). An entry whose key is known but whose content hash
changed is an edit when its URL or title still agree (the row is updated), and a different
article that reused the key otherwise (stored under `key#hash`, so it is not swallowed). An
entry whose content hash is already stored under another key of the same source is a re-post
and skipped. Inserts are batched with ON CONFLICT DO NOTHING, so two pollers racing on one
feed still store each article once.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import zip_longest
from typing import Any

from sqlalchemy import RowMapping, bindparam, or_, select, update
from sqlalchemy.orm import Session

from monitor.records import (
    ArticleMatches,
    CachingInfo,
    Entry,
    FetchResult,
    HitSummary,
    SavedArticles,
    Source,
    SourceHealth,
    StoredArticle,
)
from monitor.store.db import chunks, upsert_insert
from monitor.store.models import ArticleRow, HitRow, SourceRow

# Core tables: the poll's statements skip the ORM's per-row and session bookkeeping (2-3x cheaper).
# Taken from the metadata, typed as tables (an ORM class's `__table__` is typed as any FromClause).
SOURCES, ARTICLES, HITS = (
    SourceRow.metadata.tables[row.__tablename__] for row in (SourceRow, ArticleRow, HitRow)
)

# The statements every poll runs are built once, their values bound at execution: a statement
# computes its cache key (how SQLAlchemy finds its compiled form) on first use and keeps it, where
# one built per call paid its construction and its key again, 0.3-0.8 ms a statement (measured).
_t = ARTICLES.c
_EXISTING = select(_t.id, _t.key, _t.url, _t.title, _t.content_hash, _t.first_seen).where(
    _t.source_id == bindparam("source_id"),
    or_(
        _t.key.in_(bindparam("keys", expanding=True)),
        _t.content_hash.in_(bindparam("hashes", expanding=True)),
    ),
)
_SET_PRIORITY = (
    update(ARTICLES)
    .where(_t.id == bindparam("article_id"))
    .values(priority=bindparam("level"), priority_reason=bindparam("reason"), event_types=bindparam("types"))
)

# --- sources -------------------------------------------------------------------------------------


def sync_sources(session: Session, sources: Sequence[Source]) -> None:
    """Make sure every configured source has a row, and keep its name and URL current."""
    rows = [{"id": s.id, "name": s.name, "url": s.url, "consecutive_failures": 0} for s in sources]
    if not rows:
        return
    statement = upsert_insert(session, SourceRow)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["id"], set_={"name": statement.excluded.name, "url": statement.excluded.url}
        ),
        rows,
    )


def source_health(session: Session, ids: Sequence[str] | None = None) -> list[SourceHealth]:
    # columns, not ORM objects: a poll asks this of every source, and rows cost a fraction
    query = select(*_HEALTH_COLUMNS).order_by(SourceRow.id)
    if ids is not None:
        query = query.where(SourceRow.id.in_(ids))
    return [_health(row) for row in session.execute(query).mappings()]


_HEALTH_COLUMNS = (
    SourceRow.id, SourceRow.name, SourceRow.url, SourceRow.etag, SourceRow.last_modified,
    SourceRow.last_polled_at, SourceRow.last_success_at, SourceRow.last_new_item_at,
    SourceRow.last_error, SourceRow.last_error_kind, SourceRow.last_error_at,
    SourceRow.consecutive_failures, SourceRow.next_poll_at, SourceRow.moved_to,
    SourceRow.retry_after_until,
)  # fmt: skip


def _health(row: RowMapping) -> SourceHealth:
    return SourceHealth(
        id=row["id"],
        name=row["name"],
        url=row["url"],
        caching=CachingInfo(etag=row["etag"], last_modified=row["last_modified"]),
        last_polled_at=row["last_polled_at"],
        last_success_at=row["last_success_at"],
        last_new_item_at=row["last_new_item_at"],
        last_error=row["last_error"],
        last_error_kind=row["last_error_kind"],
        last_error_at=row["last_error_at"],
        consecutive_failures=row["consecutive_failures"],
        next_poll_at=row["next_poll_at"],
        moved_to=row["moved_to"],
        retry_after_until=row["retry_after_until"],
    )


@dataclass(frozen=True, slots=True)
class Success:
    """A successful poll of one source, as `record_successes` stores it."""

    source_id: str
    result: FetchResult
    now: datetime
    next_poll_at: datetime
    new_items: int


def record_success(
    session: Session,
    source_id: str,
    result: FetchResult,
    *,
    now: datetime,
    next_poll_at: datetime,
    new_items: int,
) -> None:
    record_successes(session, [Success(source_id, result, now, next_poll_at, new_items)])


def record_successes(session: Session, successes: Sequence[Success]) -> None:
    """Sources' successful polls: one executemany UPDATE per set of columns changed (all the 304s
    of a batch of polls are one statement, not one round trip each)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for success in successes:
        values = _success_values(success)
        groups.setdefault(tuple(values), []).append(
            {"row_id": success.source_id} | {f"new_{k}": v for k, v in values.items()}
        )
    for columns, rows in groups.items():
        session.execute(_success_update(columns), rows)


@functools.cache
def _success_update(columns: tuple[str, ...]) -> Any:
    """The UPDATE of these columns (a handful of sets occur: see _success_values)."""
    values: dict[str, Any] = {column: bindparam(f"new_{column}") for column in columns}
    return update(SOURCES).where(SOURCES.c.id == bindparam("row_id")).values(values)


def _success_values(success: Success) -> dict[str, Any]:
    result, now = success.result, success.now
    values: dict[str, Any] = {
        "last_polled_at": now,
        "last_success_at": now,
        "consecutive_failures": 0,
        "next_poll_at": success.next_poll_at,
        "retry_after_until": None,
    }
    if not result.not_modified:  # validators are stored from every 200, kept on a 304
        values |= {"etag": result.caching.etag, "last_modified": result.caching.last_modified}
    if result.permanent_redirect:
        values["moved_to"] = result.permanent_redirect
    if success.new_items:
        values["last_new_item_at"] = now
    return values


def record_failure(
    session: Session,
    source_id: str,
    *,
    kind: str,
    message: str,
    now: datetime,
    next_poll_at: datetime,
    retry_after_until: datetime | None = None,
) -> None:
    session.execute(
        update(SOURCES)
        .where(SOURCES.c.id == source_id)
        .values(
            last_polled_at=now,
            last_error=message[:2000],
            last_error_kind=kind,
            last_error_at=now,
            consecutive_failures=SOURCES.c.consecutive_failures + 1,
            next_poll_at=next_poll_at,
            retry_after_until=retry_after_until,
        )
    )


# --- articles ------------------------------------------------------------------------------------


def known_keys(session: Session, source_id: str, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(list(keys)):
        query = select(ArticleRow.key).where(ArticleRow.source_id == source_id, ArticleRow.key.in_(chunk))
        found.update(session.scalars(query))
    return found


def save_entries(
    session: Session, source_id: str, entries: Sequence[Entry], *, now: datetime
) -> SavedArticles:
    """Store what is new, update what was edited, skip re-posts; return only new and edited."""
    first_by_key: dict[str, Entry] = {}
    for entry in entries:
        first_by_key.setdefault(entry.key, entry)
    unique = list(first_by_key.values())
    keys = [k for e in unique for k in (e.key, _alt_key(e))]
    existing, known_hashes = _existing(session, source_id, keys, [e.content_hash for e in unique])
    to_insert: list[Entry] = []
    updated: list[StoredArticle] = []
    reposts = 0
    for entry in unique:
        row = existing.get(entry.key)
        if row is None and entry.content_hash in known_hashes:
            reposts += 1
        elif row is None:
            to_insert.append(entry)
        elif row.content_hash == entry.content_hash:
            continue
        elif _same_article(row, entry):
            updated.append(_update_article(session, row, entry, now))
        elif _alt_key(entry) not in existing:
            to_insert.append(_with_key(entry, _alt_key(entry)))
    new = _insert_articles(session, source_id, to_insert, now)
    return SavedArticles(new=tuple(new), updated=tuple(updated), reposts=reposts)


def _alt_key(entry: Entry) -> str:
    return f"{entry.key}#{entry.content_hash[:12]}"


def _with_key(entry: Entry, key: str) -> Entry:
    return replace(entry, key=key)


@dataclass(frozen=True, slots=True)
class _KnownArticle:
    """What deciding new / edited / reused-key needs of a stored article (not its text)."""

    id: int
    key: str
    url: str
    title: str
    content_hash: str
    first_seen: datetime


def _existing(
    session: Session, source_id: str, keys: list[str], hashes: list[str]
) -> tuple[dict[str, _KnownArticle], set[str]]:
    """The source's stored articles under these keys, and which of these content hashes it has
    stored: one query (a statement per feed saved, not two)."""
    wanted_keys, wanted_hashes = set(keys), set(hashes)
    found: dict[str, _KnownArticle] = {}
    known: set[str] = set()
    half = 250  # keys and hashes together within chunks()'s bound on bound parameters
    for key_chunk, hash_chunk in zip_longest(chunks(keys, half), chunks(hashes, half), fillvalue=()):
        values = {"source_id": source_id, "keys": list(key_chunk), "hashes": list(hash_chunk)}
        for row in session.execute(_EXISTING, values):
            if row.key in wanted_keys:
                found[row.key] = _KnownArticle(*row)
            if row.content_hash in wanted_hashes:
                known.add(row.content_hash)
    return found, known


def _same_article(row: _KnownArticle, entry: Entry) -> bool:
    """An edit keeps its URL or most of its title; a reused guid brings another story."""
    if row.url == entry.url:
        return True
    return difflib.SequenceMatcher(None, row.title.casefold(), entry.title.casefold()).ratio() >= 0.6


def _update_article(session: Session, row: _KnownArticle, entry: Entry, now: datetime) -> StoredArticle:
    values = {k: v for k, v in _entry_values(entry).items() if k not in ("key", "source_id")}
    session.execute(update(ARTICLES).where(ARTICLES.c.id == row.id).values(**values, updated_at=now))
    return _article_from_entry(row.id, entry, row.first_seen)


def _entry_values(entry: Entry) -> dict[str, Any]:
    return {
        "source_id": entry.source_id,
        "key": entry.key,
        "guid": entry.guid,
        "url": entry.url,
        "title": entry.title,
        "summary": entry.summary,
        "content": entry.content,
        "authors": list(entry.authors),
        "categories": list(entry.categories),
        "language": entry.language,
        "publisher": entry.publisher,
        "publisher_url": entry.publisher_url,
        "published": entry.published,
        "date_source": entry.date_source,
        "content_hash": entry.content_hash,
    }


def _insert_articles(
    session: Session, source_id: str, entries: list[Entry], now: datetime
) -> list[StoredArticle]:
    if not entries:
        return []
    by_key = {entry.key: entry for entry in entries}
    rows = [_entry_values(e) | {"source_id": source_id, "first_seen": now} for e in entries]
    statement = (
        upsert_insert(session, ArticleRow)
        .on_conflict_do_nothing(index_elements=["source_id", "key"])
        .returning(ARTICLES.c.id, ARTICLES.c.key)
    )
    inserted = session.execute(statement, rows).all()  # executemany: batched "insertmanyvalues"
    stored = [_article_from_entry(article_id, by_key[key], now) for article_id, key in inserted]
    return sorted(stored, key=lambda article: article.id)  # RETURNING promises no order


def _article_from_entry(article_id: int, entry: Entry, first_seen: datetime) -> StoredArticle:
    return StoredArticle(
        id=article_id,
        source_id=entry.source_id,
        url=entry.url,
        title=entry.title,
        summary=entry.summary,
        content=entry.content,
        published=entry.published,
        first_seen=first_seen,
        language=entry.language,
        publisher=entry.publisher,
        content_hash=entry.content_hash,
        key=entry.key,
        publisher_url=entry.publisher_url,
    )


def _article(row: ArticleRow) -> StoredArticle:
    return StoredArticle(
        id=row.id,
        source_id=row.source_id,
        url=row.url,
        title=row.title,
        summary=row.summary,
        content=row.content,
        published=row.published,
        first_seen=row.first_seen,
        language=row.language,
        publisher=row.publisher,
        content_hash=row.content_hash,
        key=row.key,
        publisher_url=row.publisher_url,
    )


def list_articles(
    session: Session,
    *,
    since: datetime | None = None,
    source_ids: Sequence[str] = (),
    limit: int | None = None,
) -> list[StoredArticle]:
    query = select(ArticleRow).order_by(ArticleRow.published.desc(), ArticleRow.id)
    if since is not None:
        query = query.where(ArticleRow.published >= since)
    if source_ids:
        query = query.where(ArticleRow.source_id.in_(source_ids))
    if limit is not None:
        query = query.limit(limit)
    return [_article(row) for row in session.scalars(query)]


def articles_seen_since(session: Session, since: datetime) -> list[StoredArticle]:
    """For rematch: by first sighting, so undated items and late arrivals are included."""
    query = select(ArticleRow).where(ArticleRow.first_seen >= since).order_by(ArticleRow.id)
    return [_article(row) for row in session.scalars(query)]


# --- hits ----------------------------------------------------------------------------------------


def save_matches(session: Session, matches: Sequence[ArticleMatches], *, now: datetime) -> int:
    """Store hits (existing ones are left alone) and each article's priority and event types;
    returns new hits."""
    rows = [
        {
            "article_id": hit.article_id,
            "entity": hit.entity,
            "alias": hit.alias,
            "field": hit.field,
            "start": hit.start,
            "end": hit.end,
            "surface": hit.surface,
            "snippet": hit.snippet,
            "created_at": now,
        }
        for match in matches
        for hit in match.hits
    ]
    inserted = 0
    if rows:
        statement = (
            upsert_insert(session, HitRow)
            .on_conflict_do_nothing(index_elements=["article_id", "entity", "field", "start"])
            .returning(HITS.c.id)
        )
        inserted = len(session.execute(statement, rows).all())
    priorities = [
        {
            "article_id": m.article.id,
            "level": m.priority.level,
            "reason": m.priority.reason,
            "types": list(m.event_types),
        }
        for m in matches
        if m.priority is not None
    ]
    if priorities:
        session.execute(_SET_PRIORITY, priorities)
    return inserted


def list_hits(session: Session, *, since: datetime | None = None) -> list[HitSummary]:
    query = (
        select(ArticleRow)
        .where(ArticleRow.id.in_(select(HitRow.article_id)))
        .order_by(ArticleRow.published.desc(), ArticleRow.id)
    )
    if since is not None:
        query = query.where(ArticleRow.published >= since)
    articles = list(session.scalars(query))
    by_article = _entities_by_article(session, [a.id for a in articles])
    return [
        HitSummary(
            article_id=a.id,
            url=a.url,
            title=a.title,
            source=a.source_id,
            published=a.published,
            entities=by_article.get(a.id, ()),
            priority=a.priority,
            priority_reason=a.priority_reason,
            event_types=tuple(a.event_types or ()),
        )
        for a in articles
    ]


def _entities_by_article(session: Session, article_ids: list[int]) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = {}
    for chunk in chunks(article_ids):
        query = (
            select(HitRow.article_id, HitRow.entity)
            .where(HitRow.article_id.in_(chunk))
            .order_by(HitRow.article_id, HitRow.field.desc(), HitRow.start)  # title, summary, content
        )
        for article_id, entity in session.execute(query):
            entities = found.setdefault(article_id, [])
            if entity not in entities:
                entities.append(entity)
    return {key: tuple(value) for key, value in found.items()}
