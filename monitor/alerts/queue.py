"""Queueing alerts, inside the poll's own transaction: each alertable item is placed in a story
(`monitor.stories`), and the story's first message (or a reply in its thread) is queued per channel."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.orm import Session

from monitor import corroboration, store
from monitor.alerts.policy import AlertPolicy, alertable, channels_for
from monitor.geo import story_place
from monitor.logs import log
from monitor.notify import AlertMessage, EntityRef, MessageAction, to_payload
from monitor.notify.actions import story_actions
from monitor.records import ArticleMatches, ArticleOrigin, Hit
from monitor.sources.text import shown_title, strip_publisher
from monitor.store import outbox, triage
from monitor.store import stories as story_rows
from monitor.stories import StoryIndex, place, signatures
from monitor.watchlists import ACTOR_KINDS

HEADLINE_ACTORS = 2  # actors named in a story's headline

logger = logging.getLogger(__name__)


def muted_only(match: ArticleMatches, muted: AbstractSet[str]) -> bool:
    """Every entity the item names is muted (analysts muted them from Slack): it does not alert."""
    entities = {h.entity for h in match.hits}
    return bool(entities) and entities <= muted


def story_message(
    match: ArticleMatches, policy: AlertPolicy, entities: Iterable[str] | None = None
) -> AlertMessage:
    article = match.article
    source = policy.sources.get(article.source_id)
    name = source.name if source else article.source_id
    hit = _snippet_hit(match.hits)
    wanted = set(entities) if entities is not None else None
    return AlertMessage(
        kind="story",
        headline=headline(match, policy),
        title=shown_title(strip_publisher(article.title, article.publisher)),
        url=article.url,
        outlet=article.publisher or name,
        outlet_label=source.label if source else "",
        via=name if article.publisher and article.publisher != name else "",
        published=article.published,
        entities=tuple(
            _entity_ref(e, policy)
            for e in dict.fromkeys(h.entity for h in match.hits)
            if not wanted or e in wanted
        ),
        snippet=hit.snippet if hit else "",
        match=hit.surface if hit else "",
        priority=match.priority.level if match.priority else None,
        reason=match.priority.reason if match.priority else "",
    )


def headline(match: ArticleMatches, policy: AlertPolicy) -> str:
    """What happened, where, who: "Airstrike · al-Bukamal · Kata'ib Hezbollah" (the event types,
    the most specific watched place, the actors); empty when no event type was found."""
    if not match.event_types:
        return ""
    named = list(dict.fromkeys(h.entity for h in match.hits))
    where = story_place([named], policy.entities)
    actors = [
        policy.entities[e].name
        for e in named
        if e in policy.entities and policy.entities[e].kind in ACTOR_KINDS
    ]
    parts = [
        ", ".join(policy.event_names.get(t, t) for t in match.event_types),
        where.name if where else "",
        ", ".join(actors[:HEADLINE_ACTORS]),
    ]
    return " · ".join(p for p in parts if p)


def _snippet_hit(hits: Sequence[Hit]) -> Hit | None:
    """The first match in the body (the title is shown already), else in the title."""
    body = [h for h in hits if h.field != "title"]
    return (body or list(hits))[0] if hits else None


def _entity_ref(entity: str, policy: AlertPolicy) -> EntityRef:
    info = policy.entities.get(entity)
    return EntityRef(entity, info.name if info else entity, info.kind if info else "")


# --- queueing (inside the poll's transaction) ----------------------------------------------------


def queue_alerts(
    session: Session,
    matches: Sequence[ArticleMatches],
    policy: AlertPolicy,
    now: datetime,
    stories: StoryIndex | None = None,
) -> int:
    """Group the alertable matches into stories and queue their alerts; returns how many were queued.
    `stories` is the poller's long-lived index (a fresh one is built when none is given).

    Every item is placed first (`_place`); then the new stories go in with one statement and
    their leads' links and alerts in one batch. Later outlets and edits follow one by one, each
    after the thread it may reply in was queued.
    """
    due = [m for m in matches if alertable(m, policy, now) and channels_for(m, policy)]
    muted = triage.muted_entities(session, now=now) if due else set()
    held = [m for m in due if muted_only(m, muted)]
    if held:
        log(logger, "alerts.muted", held=len(held), entities=",".join(sorted(muted)))
        due = [m for m in due if not muted_only(m, muted)]
    if not due:
        return 0
    links = story_rows.story_links(session, [m.article.id for m in due if m.edited])  # new ones have none
    by_url = story_rows.stories_by_url(session, [m.article.url for m in due])
    stories = stories if stories is not None else StoryIndex()
    stories.refresh(session, now - policy.dedupe_window)
    placed = _place(due, links, by_url, stories, policy.similarity, now)
    ids = dict(zip(placed.provisional(), story_rows.add_stories(session, placed.new, now=now), strict=True))
    stories.rename(ids)
    queued = _queue_leads(session, [(m, ids[story]) for m, story in placed.leads], policy, now)
    for match, story in placed.attached:
        queued += _queue_attached(session, match, ids.get(story, story), policy, now)
    for match, link in placed.edits:
        queued += _queue_edit(session, match, link, policy, now)
    return queued


@dataclass
class _Placement:
    """Where each due item goes. A story this poll opens has a provisional id (-1, -2, …) until
    it is stored; later outlets of it in the same poll are attached under that id."""

    new: list[story_rows.NewStory] = field(default_factory=list)
    leads: list[tuple[ArticleMatches, int]] = field(default_factory=list)
    attached: list[tuple[ArticleMatches, int]] = field(default_factory=list)
    edits: list[tuple[ArticleMatches, story_rows.StoryLink]] = field(default_factory=list)

    def provisional(self) -> list[int]:
        return [-1 - i for i in range(len(self.new))]


def _place(
    due: Sequence[ArticleMatches],
    links: Mapping[int, story_rows.StoryLink],
    by_url: dict[str, int],
    stories: StoryIndex,
    similarity: float,
    now: datetime,
) -> _Placement:
    placed = _Placement()
    for match in due:
        if (link := links.get(match.article.id)) is not None:
            placed.edits.append((match, link))
            continue
        sigs = match.signatures or signatures(match.article)
        story = place(match.article.url, sigs, by_url, stories, similarity)
        if story is None:
            story = -1 - len(placed.new)
            entities = frozenset(h.entity for h in match.hits)
            placed.new.append(
                story_rows.NewStory(match.article.title, sigs, entities, match.article.published)
            )
            placed.leads.append((match, story))
            stories.add(story, now, sigs)
        else:
            placed.attached.append((match, story))
        by_url[match.article.url] = story
    return placed


def _queue_leads(
    session: Session, leads: Sequence[tuple[ArticleMatches, int]], policy: AlertPolicy, now: datetime
) -> int:
    rows = [_story_rows(match, story_id, "lead", policy, threads={}) for match, story_id in leads]
    story_rows.link_articles(session, [link for link, _ in rows], now=now)
    # a lead is the only article of the story it opens: its own origin is the story's (no query)
    origins = {match.article.id: (match.article.origin,) for match, _ in leads}
    alerts = _with_notes([alert for _, alerts in rows for alert in alerts], origins, policy)
    return len(outbox.queue(session, alerts, now=now))


def _queue_attached(
    session: Session, match: ArticleMatches, story_id: int, policy: AlertPolicy, now: datetime
) -> int:
    """A later outlet of a story: a reply where the story has a thread, else its first message."""
    story_rows.add_story_entities(session, story_id, {h.entity for h in match.hits})
    threads = outbox.story_alerts(session, story_id)
    link, alerts = _story_rows(match, story_id, "attached", policy, threads)
    story_rows.link_articles(session, [link], now=now)
    origins = store.story_origins(session, [match.article.id])
    return len(outbox.queue(session, _with_notes(alerts, origins, policy), now=now))


def _with_notes(
    alerts: Sequence[outbox.NewAlert],
    origins: Mapping[int, Sequence[ArticleOrigin]],
    policy: AlertPolicy,
) -> list[outbox.NewAlert]:
    """Each alert with a note on its story's corroboration now that its article has joined
    (`origins`: article id → the origins of its story's articles, as store.story_origins gives)."""
    notes = corroboration.joining_notes(origins, list(policy.sources.values()))
    return [_noted(a, notes[a.article_id]) if a.article_id in notes else a for a in alerts]


def _noted(alert: outbox.NewAlert, note: str) -> outbox.NewAlert:
    return replace(alert, payload={**alert.payload, "notes": [*alert.payload.get("notes", ()), note]})


def _story_rows(
    match: ArticleMatches, story_id: int, role: str, policy: AlertPolicy, threads: Mapping[str, int]
) -> tuple[story_rows.ArticleLink, list[outbox.NewAlert]]:
    """The article's link to its story, and the story's first message per channel (later
    outlets become replies in the channels where the story has a thread)."""
    article = match.article
    message = story_message(match, policy)
    entities = frozenset(h.entity for h in match.hits)
    link = story_rows.ArticleLink(story_id, article.id, article.url, message.outlet, role, entities)
    reply = ("attachment", f"article:{article.id}")
    return link, _story_alerts(story_id, match, message, policy, reply, threads)


def _queue_edit(
    session: Session, match: ArticleMatches, link: story_rows.StoryLink, policy: AlertPolicy, now: datetime
) -> int:
    """An edited article alerts again only for entities it did not mention before."""
    entities = {h.entity for h in match.hits}
    new = entities - link.entities
    if not new:
        return 0
    article = match.article
    message = story_message(match, policy, entities=new)
    widened = frozenset(entities | link.entities)
    link_row = story_rows.ArticleLink(
        link.story_id, article.id, article.url, message.outlet, "attached", widened
    )
    story_rows.link_articles(session, [link_row], now=now)
    story_rows.add_story_entities(session, link.story_id, new)
    reply = ("update", f"update:{article.id}:{'+'.join(sorted(new))}")
    threads = outbox.story_alerts(session, link.story_id)
    alerts = _story_alerts(link.story_id, match, message, policy, reply, threads)
    return len(outbox.queue(session, alerts, now=now))


def _story_alerts(
    story_id: int,
    match: ArticleMatches,
    message: AlertMessage,
    policy: AlertPolicy,
    reply: tuple[str, str],
    threads: Mapping[str, int],
) -> list[outbox.NewAlert]:
    """A reply (kind, key) where the story has a message already (`threads`: channel → its first
    alert); the story's first message elsewhere."""
    alerts = []
    for channel in dict.fromkeys([*channels_for(match, policy), *threads]):
        kind, key = reply if channel in threads else ("story", f"story:{story_id}")
        shown = replace(message, kind=kind, actions=actions(kind, story_id, message, policy))  # type: ignore[arg-type]
        alerts.append(
            outbox.NewAlert(
                channel=channel,
                key=key,
                kind=kind,
                payload=to_payload(shown),
                story_id=story_id,
                article_id=match.article.id,
                parent_id=threads.get(channel),
                priority=match.priority.level if match.priority else None,
            )
        )
    return alerts


def actions(
    kind: str, story_id: int, message: AlertMessage, policy: AlertPolicy
) -> tuple[MessageAction, ...]:
    """A story's first message gets the triage buttons when clicks can come back."""
    return story_actions(story_id, message.entities) if kind == "story" and policy.interactive else ()
