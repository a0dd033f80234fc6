"""Verdicts and mutes: what analysts said about stories from Slack, and the entities they muted.

A verdict is one per person per story (a unique key on story and Slack user): a double click
changes nothing, a changed mind replaces the verdict, and someone else's click is another row.
A mute is read from the database at every poll, so it reaches every daemon; it ends at `until`
(None: until lifted) or when `monitor mutes remove` sets `lifted_at` (the row stays, so the
digest can still tell which hits were muted when they came in).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from monitor.store.db import rows_changed, upsert_insert
from monitor.store.models import AlertRow, HitRow, MuteRow, StoryArticleRow, StoryRow, VerdictRow


@dataclass(frozen=True, slots=True)
class NewVerdict:
    story_id: int
    verdict: str  # relevant | not_relevant
    user_id: str
    user_name: str


@dataclass(frozen=True, slots=True)
class VerdictListing:
    story_id: int
    title: str
    verdict: str
    user_id: str
    user_name: str
    entities: tuple[str, ...]
    aliases: tuple[str, ...]
    at: datetime


@dataclass(frozen=True, slots=True)
class NewMute:
    entity: str
    until: datetime | None
    user_id: str
    user_name: str
    story_id: int | None = None


@dataclass(frozen=True, slots=True)
class MuteListing:
    id: int
    entity: str
    until: datetime | None
    user_id: str
    user_name: str
    story_id: int | None
    created_at: datetime
    lifted_at: datetime | None

    def active(self, now: datetime) -> bool:
        return self.lifted_at is None and (self.until is None or self.until > now)


def story_exists(session: Session, story_id: int) -> bool:
    return session.get(StoryRow, story_id) is not None


def story_evidence(session: Session, story_id: int) -> tuple[list[str], list[str]]:
    """The entities a story alerted for, and the aliases that matched in its articles."""
    story = session.get(StoryRow, story_id)
    entities = sorted(story.entities) if story else []
    articles = select(StoryArticleRow.article_id).where(StoryArticleRow.story_id == story_id)
    aliases = session.scalars(
        select(HitRow.alias).where(HitRow.article_id.in_(articles), HitRow.alias != "").distinct()
    )
    return entities, sorted(aliases)


def record_verdict(session: Session, verdict: NewVerdict, *, now: datetime) -> bool:
    """Store (or replace) this person's verdict on the story; False when it was already so."""
    mine = (VerdictRow.story_id == verdict.story_id, VerdictRow.user_id == verdict.user_id)
    row = session.scalars(select(VerdictRow).where(*mine)).first()
    if row is not None and row.verdict == verdict.verdict:
        return False
    entities, aliases = story_evidence(session, verdict.story_id)
    values = {
        "story_id": verdict.story_id,
        "user_id": verdict.user_id,
        "verdict": verdict.verdict,
        "user_name": verdict.user_name,
        "entities": entities,
        "aliases": aliases,
        "at": now,
    }
    statement = upsert_insert(session, VerdictRow).values(**values)
    changed = {k: statement.excluded[k] for k in ("verdict", "user_name", "entities", "aliases", "at")}
    # another daemon may store the same click at the same moment: the unique key settles it
    session.execute(statement.on_conflict_do_update(index_elements=["story_id", "user_id"], set_=changed))
    return True


def verdicts_since(session: Session, since: datetime, until: datetime | None = None) -> list[VerdictListing]:
    window = VerdictRow.at >= since if until is None else and_(VerdictRow.at >= since, VerdictRow.at <= until)
    rows = session.execute(
        select(VerdictRow, StoryRow.title)
        .join(StoryRow, StoryRow.id == VerdictRow.story_id)
        .where(window)
        .order_by(VerdictRow.at.desc(), VerdictRow.id.desc())
    )
    return [
        VerdictListing(
            v.story_id, title, v.verdict, v.user_id, v.user_name, tuple(v.entities), tuple(v.aliases), v.at
        )
        for v, title in rows
    ]


def _active(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    return and_(MuteRow.lifted_at.is_(None), or_(MuteRow.until.is_(None), MuteRow.until > now))


def add_mute(session: Session, mute: NewMute, *, now: datetime) -> int:
    """Mute an entity. An active mute of it is extended instead (the later end wins, and
    "until lifted" beats any time), so a double click is still one mute."""
    current = session.scalars(
        select(MuteRow).where(MuteRow.entity == mute.entity, _active(now)).order_by(MuteRow.id)
    ).first()
    if current is None:
        row = MuteRow(
            entity=mute.entity,
            until=mute.until,
            user_id=mute.user_id,
            user_name=mute.user_name,
            story_id=mute.story_id,
            created_at=now,
        )
        session.add(row)
        session.flush()
        return row.id
    if current.until is not None and (mute.until is None or mute.until > current.until):
        current.until = mute.until
    return current.id


def lift_mute(session: Session, mute_id: int, *, now: datetime) -> bool:
    """End an active mute now; False when there is no such mute or it has ended already."""
    return (
        rows_changed(
            session, update(MuteRow).where(MuteRow.id == mute_id, _active(now)).values(lifted_at=now)
        )
        > 0
    )


def muted_entities(session: Session, *, now: datetime) -> set[str]:
    return set(session.scalars(_MUTED, {"now": now}))


# Built once (every poll asks, see queries.py on why): `now` is bound at execution.
_MUTED = select(MuteRow.entity).where(_active(bindparam("now")))


def list_mutes(session: Session, *, now: datetime, ended_since: datetime | None = None) -> list[MuteListing]:
    """Active mutes, and those that ended after `ended_since` when it is given."""
    where: Any = _active(now)
    if ended_since is not None:
        ended = or_(MuteRow.lifted_at >= ended_since, MuteRow.until >= ended_since)
        where = or_(where, ended)
    rows = session.scalars(select(MuteRow).where(where).order_by(MuteRow.created_at, MuteRow.id))
    return [
        MuteListing(r.id, r.entity, r.until, r.user_id, r.user_name, r.story_id, r.created_at, r.lifted_at)
        for r in rows
    ]


def alert_payload(session: Session, story_id: int, message_ts: str) -> dict[str, Any] | None:
    """The stored message of a story's alert that Slack knows as `message_ts`."""
    return session.scalars(
        select(AlertRow.payload).where(AlertRow.story_id == story_id, AlertRow.message_ts == message_ts)
    ).first()


def alerts_by_alias(session: Session, since: datetime, until: datetime) -> Counter[str]:
    """Per alias: the stories alerted (sent) from `since` to `until` whose articles it matched in."""
    sent = (
        select(AlertRow.story_id)
        .where(
            AlertRow.kind == "story",
            AlertRow.state == "sent",
            AlertRow.sent_at >= since,
            AlertRow.sent_at <= until,
        )
        .distinct()
        .subquery()
    )
    rows = session.execute(
        select(HitRow.alias, StoryArticleRow.story_id)
        .join(StoryArticleRow, StoryArticleRow.article_id == HitRow.article_id)
        .where(StoryArticleRow.story_id.in_(select(sent.c.story_id)), HitRow.alias != "")
        .distinct()
    )
    return Counter(alias for alias, _ in rows)


def alias_snippets(session: Session, story_ids: Iterable[int]) -> dict[str, list[tuple[str, str]]]:
    """Per alias: (surface, snippet) of its hits in the articles of these stories."""
    ids = sorted(set(story_ids))
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    if not ids:
        return found
    rows = session.execute(
        select(HitRow.alias, HitRow.surface, HitRow.snippet)
        .join(StoryArticleRow, StoryArticleRow.article_id == HitRow.article_id)
        .where(StoryArticleRow.story_id.in_(ids), HitRow.alias != "")
        .order_by(HitRow.id)
    )
    for alias, surface, snippet in rows:
        found[alias].append((surface, snippet))
    return found
