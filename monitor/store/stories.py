"""Queries for stories: the story rows (signatures, entities) and which article sits in which
story (lead or later outlet). The alerts (monitor.alerts.queue) group articles into stories here;
the outbox (monitor/store/outbox.py) holds the alerts sent about them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from monitor.store.db import upsert_insert
from monitor.store.models import StoryArticleRow, StoryRow


@dataclass(frozen=True, slots=True)
class StoryCandidate:
    """A recent story, as later outlets are compared to it."""

    id: int
    created_at: datetime
    title_signature: bytes | None
    text_signature: bytes | None


@dataclass(frozen=True, slots=True)
class StoryLink:
    """Where an article already sits in a story, and the entities alerted for it."""

    story_id: int
    entities: frozenset[str]


@dataclass(frozen=True, slots=True)
class ArticleLink:
    """An article's place in a story: the lead, or an outlet attached to it."""

    story_id: int
    article_id: int
    url: str
    outlet: str
    role: str
    entities: frozenset[str]


# Built once, as the poll's statements in queries.py are (see there): each poll runs both.
_RECENT = (
    select(StoryRow.id, StoryRow.created_at, StoryRow.title_signature, StoryRow.text_signature)
    .where(StoryRow.created_at >= bindparam("since"), StoryRow.id > bindparam("after_id"))
    .order_by(StoryRow.id)
)
_BY_URL = select(StoryArticleRow.url, StoryArticleRow.story_id).where(
    StoryArticleRow.url.in_(bindparam("urls", expanding=True))
)


def recent_stories(session: Session, since: datetime, after_id: int = 0) -> list[StoryCandidate]:
    """Stories created since `since` with an id above `after_id` (what a StoryIndex lacks)."""
    rows = session.execute(_RECENT, {"since": since, "after_id": after_id}).all()
    return [StoryCandidate(r.id, r.created_at, r.title_signature, r.text_signature) for r in rows]


def stories_by_url(session: Session, urls: Iterable[str]) -> dict[str, int]:
    """Stories any of these URLs already belongs to, at any age."""
    return {url: story_id for url, story_id in session.execute(_BY_URL, {"urls": list(set(urls))})}


def story_links(session: Session, article_ids: Sequence[int]) -> dict[int, StoryLink]:
    if not article_ids:
        return {}
    statement = select(StoryArticleRow).where(StoryArticleRow.article_id.in_(article_ids))
    return {
        row.article_id: StoryLink(row.story_id, frozenset(row.entities)) for row in session.scalars(statement)
    }


@dataclass(frozen=True, slots=True)
class NewStory:
    """A story to create, led by the article that opened it."""

    title: str
    signatures: tuple[bytes | None, bytes | None]
    entities: frozenset[str]
    published: datetime


def add_stories(session: Session, stories: Sequence[NewStory], *, now: datetime) -> list[int]:
    """Insert the stories in one statement; their ids, in the order given."""
    if not stories:
        return []
    rows = [
        {
            "title": story.title,
            "title_signature": story.signatures[0],
            "text_signature": story.signatures[1],
            "entities": sorted(story.entities),
            "published": story.published,
            "created_at": now,
        }
        for story in stories
    ]
    table = StoryRow.__table__
    statement = upsert_insert(session, StoryRow).returning(table.c.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows))


def link_articles(session: Session, links: Sequence[ArticleLink], *, now: datetime) -> None:
    """Put articles in stories, or widen the entities already recorded for them."""
    if not links:
        return
    rows = [
        {
            "story_id": link.story_id,
            "article_id": link.article_id,
            "url": link.url,
            "outlet": link.outlet,
            "role": link.role,
            "entities": sorted(set(link.entities)),
            "attached_at": now,
        }
        for link in links
    ]
    statement = upsert_insert(session, StoryArticleRow)
    upsert = statement.on_conflict_do_update(
        index_elements=["article_id"], set_={"entities": statement.excluded.entities}
    )
    session.execute(upsert, rows)


def add_story_entities(session: Session, story_id: int, entities: Iterable[str]) -> None:
    row = session.get(StoryRow, story_id, with_for_update=session.get_bind().dialect.name != "sqlite")
    if row is not None:
        row.entities = sorted(set(row.entities) | set(entities))
