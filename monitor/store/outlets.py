"""Where the articles of a story came from: what corroboration (monitor/corroboration.py) counts."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.records import ArticleOrigin
from monitor.store.db import chunks
from monitor.store.models import ArticleRow, StoryArticleRow


def story_origins(session: Session, article_ids: Sequence[int]) -> dict[int, tuple[ArticleOrigin, ...]]:
    """For each article, the origins of every article of its story in the order they joined it;
    an article in no story (it did not alert) stands alone."""
    story_of: dict[int, int] = {}
    for chunk in chunks(list(article_ids)):
        statement = select(StoryArticleRow.article_id, StoryArticleRow.story_id)
        story_of.update(
            (a, s) for a, s in session.execute(statement.where(StoryArticleRow.article_id.in_(chunk)))
        )
    members: dict[int, list[int]] = {}
    for chunk in chunks(sorted(set(story_of.values()))):
        statement = (
            select(StoryArticleRow.story_id, StoryArticleRow.article_id)
            .where(StoryArticleRow.story_id.in_(chunk))
            .order_by(StoryArticleRow.attached_at, StoryArticleRow.article_id)
        )
        for story_id, article_id in session.execute(statement):
            members.setdefault(story_id, []).append(article_id)
    wanted = set(article_ids).union(*members.values())
    origins = _origins(session, sorted(wanted))
    return {
        article_id: tuple(origins[m] for m in members.get(story_of.get(article_id, -1), [article_id]))
        for article_id in article_ids
        if article_id in origins
    }


def _origins(session: Session, article_ids: list[int]) -> dict[int, ArticleOrigin]:
    found: dict[int, ArticleOrigin] = {}
    a = ArticleRow
    columns = (a.id, a.source_id, a.url, a.publisher, a.publisher_url)
    for chunk in chunks(article_ids):
        for row in session.execute(select(*columns).where(ArticleRow.id.in_(chunk))):
            found[row.id] = ArticleOrigin(row.id, row.source_id, row.url, row.publisher, row.publisher_url)
    return found
