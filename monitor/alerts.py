"""Alerts: which matched articles alert, where, as which story; and the deliverer of the outbox.

Pure decisions over records and an explicit `now`: `alertable` (hits at or above a channel's
minimum, published inside the window, first poll included), `channels_for` (routes by entity,
kind or tag), story grouping (the same canonical URL, or a MinHash-similar title or text of a
story from the last 48 hours, through `StoryIndex`), `backoff`, quiet hours, and `health_state` of a source.

Two thin impure steps around them. `queue_alerts(session, …)` runs inside the poll's own
transaction, next to the hits, so a crash between storing and sending loses nothing.
`deliver_due(sessions, notifiers, now)` claims due alerts atomically (several deliverers may
run), applies the throttle, sends, and records each attempt in its own short transaction.

Trade-offs, chosen on purpose:
- At least once, never lost: an alert that Slack accepted but whose "sent" was not committed (the
  process died in that instant) is sent again when its claim expires. Only alerts in flight at a
  crash can repeat; nothing is dropped.
- Story grouping is exact, with no LSH false negatives: band hashes only pick which stories of
  the dedupe window to compare value by value (`StoryIndex`), ~0.2 ms per item among 2,000.
- The throttle is counted from the database by each deliverer, so two deliverers racing can let
  a message or two more through; summaries and thread replies are not throttled. Past the
  throttle, a burst goes out as roll-ups at most `rollup_interval` (1 min) apart, each naming
  every story it holds (Alertmanager's group_interval), so no story waits much longer.
- One retryable failure (Slack down, 429) pauses the whole channel until that alert's retry, for
  every deliverer (`outbox.paused_until`), so an outage costs one request per backoff step per
  channel, not one per alert. The backoff is short (1 s doubling to 1 min, as Alertmanager caps
  its notifier at 60 s): an alerting tool must resume soon after Slack does. A retry due within
  a few seconds (a short Retry-After, the first backoff steps after fast failures) is waited out
  inside the round, up to `wait_in_round` (10 s) per channel; and the first message through after a
  failure wakes the channel's queue, which goes out in the same round.
"""

from __future__ import annotations

import logging
import math
import os
import random
import re
import socket
import time as clock
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, time, timedelta, timezone
from statistics import median
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from monitor import store
from monitor.config import Settings, parse_duration
from monitor.errors import DeliveryError
from monitor.logs import log
from monitor.minhash import minhash  # datasketch's affine32 values, without importing scipy
from monitor.notify import (
    DEFAULT_CHANNEL,
    MAX_ROLLUP,
    AlertMessage,
    EntityRef,
    Notifier,
    RolledUpItem,
    channel_specs,
)
from monitor.records import ArticleMatches, Entry, Hit, Source, SourceHealth, StoredArticle
from monitor.store import outbox
from monitor.store.outbox import AlertListing

if TYPE_CHECKING:
    from monitor.watchlists import Watchlist

logger = logging.getLogger(__name__)

Level = Literal["high", "medium", "low"]
HealthState = Literal["ok", "failing", "quiet"]
RANK = {"low": 0, "medium": 1, "high": 2}
NUM_PERM = 128
TITLE_SHINGLE, TEXT_SHINGLE = 2, 3  # words
MIN_TITLE_WORDS, MIN_TEXT_WORDS, MAX_TEXT_WORDS = 4, 25, 400
BACKOFF_BASE, BACKOFF_CAP = timedelta(seconds=1), timedelta(minutes=1)
THREAD_WAIT = timedelta(seconds=30)  # a reply waits this long for its thread's first message
_WORD = re.compile(r"\w+")


# --- policy --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EntityInfo:
    """What routing needs to know of a watchlist entity."""

    name: str
    kind: str
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Route:
    """Alerts at min_priority or above go to `channel` when any entity is selected (all, if no filter)."""

    channel: str
    min_priority: Level = "low"
    entities: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()

    def selects(self, entities: Iterable[str], info: Mapping[str, EntityInfo]) -> bool:
        if not (self.entities or self.kinds or self.tags):
            return True
        for entity in entities:
            known = info.get(entity)
            if entity in self.entities or (known and (known.kind in self.kinds or known.tags & self.tags)):
                return True
        return False


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily span in a time zone (it may wrap midnight) when alerts wait in the queue."""

    start: time
    end: time
    zone: str = "UTC"

    @classmethod
    def parse(cls, text: str, zone: str = "UTC") -> QuietHours | None:
        if not text:
            return None
        start, end = (time.fromisoformat(part) for part in text.split("-"))
        return cls(start, end, zone)

    def contains(self, now: datetime) -> bool:
        local = now.astimezone(ZoneInfo(self.zone)).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def ends_after(self, now: datetime) -> datetime:
        """The first moment after `now` outside quiet hours."""
        local = now.astimezone(ZoneInfo(self.zone))
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        return (end if end > local else end + timedelta(days=1)).astimezone(timezone.utc)


@dataclass(frozen=True)
class AlertPolicy:
    """Everything the decisions depend on, read once from Settings (see `from_settings`)."""

    routes: tuple[Route, ...] = (Route(DEFAULT_CHANNEL, "medium"),)
    window: timedelta = timedelta(hours=48)
    dedupe_window: timedelta = timedelta(hours=48)
    similarity: float = 0.8
    throttle_messages: int = 10
    throttle_per: timedelta = timedelta(minutes=10)
    rollup_interval: timedelta = timedelta(minutes=1)
    wait_in_round: timedelta = timedelta(seconds=10)  # per channel: failed sends + waits for retries due soon
    quiet: QuietHours | None = None
    give_up_after: timedelta = timedelta(hours=24)
    lease: timedelta = timedelta(minutes=5)  # longer than any send can take (Slack timeout: 10s)
    health_channel: str = DEFAULT_CHANNEL
    health_failures: int = 5
    health_quiet_factor: float = 4.0
    entities: Mapping[str, EntityInfo] = field(default_factory=dict)
    sources: Mapping[str, Source] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings, watchlist: Watchlist | None = None) -> AlertPolicy:
        a = settings.alerts
        names = [spec.name for spec in channel_specs(settings)]
        has_default = not names or DEFAULT_CHANNEL in names
        routes = (Route(DEFAULT_CHANNEL, a.min_priority),) if has_default else ()
        routes += tuple(
            Route(r.channel, r.min_priority, frozenset(r.entities), frozenset(r.kinds), frozenset(r.tags))
            for r in a.routes
        )
        return cls(
            routes=routes,
            window=parse_duration(a.window),
            dedupe_window=parse_duration(a.dedupe_window),
            similarity=a.similarity,
            throttle_messages=a.throttle_messages,
            throttle_per=parse_duration(a.throttle_per),
            rollup_interval=parse_duration(a.rollup_interval),
            quiet=QuietHours.parse(a.quiet_hours, a.timezone),
            give_up_after=parse_duration(a.give_up_after),
            health_channel=DEFAULT_CHANNEL if has_default else names[0],
            health_failures=a.health_failures,
            health_quiet_factor=a.health_quiet_factor,
            entities=entity_index(watchlist) if watchlist else {},
            sources={s.id: s for s in settings.all_sources()},
        )


def entity_index(watchlist: Watchlist) -> dict[str, EntityInfo]:
    return {e.id: EntityInfo(e.name, e.kind, frozenset(e.tags)) for e in watchlist.entities.values()}


# --- which articles alert, and where -------------------------------------------------------------


def alertable(match: ArticleMatches, policy: AlertPolicy, now: datetime) -> bool:
    """Has hits and a priority, and was published inside the window (older: stored, digest only)."""
    return bool(match.hits) and match.priority is not None and match.article.published >= now - policy.window


def channels_for(match: ArticleMatches, policy: AlertPolicy) -> tuple[str, ...]:
    if match.priority is None:
        return ()
    level = RANK[match.priority.level]
    entities = {hit.entity for hit in match.hits}
    chosen = (
        r.channel
        for r in policy.routes
        if level >= RANK[r.min_priority] and r.selects(entities, policy.entities)
    )
    return tuple(dict.fromkeys(chosen))


# --- stories -------------------------------------------------------------------------------------


Signatures = tuple[bytes | None, bytes | None]  # (title, text)


def signatures(article: StoredArticle | Entry) -> Signatures:
    """MinHash signatures of the title (without a trailing " - Publisher") and of the text."""
    title = _words(strip_publisher(article.title, article.publisher))
    text = _words(article.content or article.summary)[:MAX_TEXT_WORDS]
    title_sig = _minhash(_shingles(title, TITLE_SHINGLE)) if len(title) >= MIN_TITLE_WORDS else None
    text_sig = _minhash(_shingles(text, TEXT_SHINGLE)) if len(text) >= MIN_TEXT_WORDS else None
    return title_sig, text_sig


def strip_publisher(title: str, publisher: str | None) -> str:
    """Google News titles end in " - Outlet"; the outlet's own copy does not."""
    for separator in (" - ", " – ", " | "):
        if publisher and title.endswith(separator + publisher):
            return title[: -len(separator + publisher)]
    return title


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _shingles(words: Sequence[str], size: int) -> set[bytes]:
    return {" ".join(words[i : i + size]).encode() for i in range(max(1, len(words) - size + 1))}


def _minhash(shingles: set[bytes]) -> bytes:
    return minhash(shingles, NUM_PERM).astype("<u8").tobytes()


class StoryIndex:
    """The signatures of the stories in the dedupe window, searched without comparing every value.

    A poller keeps one for its lifetime and tops it up from the database before each use (only
    stories newer than the last it saw, whichever process made them).

    The search is exact, not an LSH approximation: every signature is also cut into bands of
    `BAND_ROWS` values, and a story at or above the threshold shares at least one whole band with
    the item (at 0.8, at most 25 of 128 values differ: too few to spoil all 32 bands). So only
    stories with an equal band hash are compared value by value, unless the threshold is so low
    (under 0.76) that all of them must be.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything (after a rolled-back transaction it may hold stories that were never
        stored); the next refresh reads the window from the database again."""
        self._ids: list[int] = []
        self._created: list[datetime] = []
        self._kinds = (_SignatureMatrix(), _SignatureMatrix())  # titles, texts

    def refresh(self, session: Session, since: datetime) -> None:
        keep = [i for i, created in enumerate(self._created) if created >= since]
        if len(keep) < len(self._ids):
            self._ids = [self._ids[i] for i in keep]
            self._created = [self._created[i] for i in keep]
            for matrix in self._kinds:
                matrix.keep(keep)
        for story in outbox.recent_stories(session, since, after_id=max(self._ids, default=0)):
            self.add(story.id, story.created_at, (story.title_signature, story.text_signature))

    def rename(self, ids: Mapping[int, int]) -> None:
        """Give stories added under a provisional id their stored id."""
        self._ids = [ids.get(story_id, story_id) for story_id in self._ids]

    def add(self, story_id: int, created: datetime, sigs: Signatures) -> None:
        for matrix, sig in zip(self._kinds, sigs, strict=True):
            matrix.put(len(self._ids), sig)
        self._ids.append(story_id)
        self._created.append(created)

    def match(self, sigs: Signatures, threshold: float) -> int | None:
        """The story most similar by title or by text (estimated Jaccard), if at or above `threshold`."""
        need = math.ceil(threshold * NUM_PERM)  # equal values
        best, at = need - 1, None
        for matrix, sig in zip(self._kinds, sigs, strict=True):
            if sig is not None:
                equal, row = matrix.most_equal(sig, len(self._ids), need)
                if equal > best:
                    best, at = equal, row
        return None if at is None else self._ids[at]


BAND_ROWS = 4
_BANDS = NUM_PERM // BAND_ROWS
_BAND_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5], np.uint64
)


class _SignatureMatrix:
    """One kind of signature of every story, row by row: its values and its band hashes."""

    _NONE = np.uint64(2**64 - 1)  # MinHash values stay below 2**61: never equal to a real one

    def __init__(self) -> None:
        self.values = np.empty((64, NUM_PERM), dtype=np.uint64)  # rows past the stories are spare
        self.bands = np.empty((64, _BANDS), dtype=np.uint64)

    def put(self, n: int, sig: bytes | None) -> None:
        if n == len(self.values):  # grow by doubling: adding stays O(1) on average
            self.values = np.concatenate([self.values, np.empty_like(self.values)])
            self.bands = np.concatenate([self.bands, np.empty_like(self.bands)])
        self.values[n] = self._row(sig)
        self.bands[n] = _band_hashes(self.values[n])

    def keep(self, rows: list[int]) -> None:
        self.values[: len(rows)], self.bands[: len(rows)] = self.values[rows], self.bands[rows]

    def most_equal(self, sig: bytes, n: int, need: int) -> tuple[int, int]:
        """(equal values, row) of the closest of the first n rows; -1 for none that can reach `need`."""
        row = self._row(sig)
        if NUM_PERM - need < _BANDS:  # fewer values may differ than there are bands
            rows = np.flatnonzero((self.bands[:n] == _band_hashes(row)).any(axis=1))
        else:
            rows = np.arange(n)
        if not rows.size:
            return -1, -1
        equal = np.count_nonzero(self.values[rows] == row, axis=1)
        at = int(equal.argmax())
        return int(equal[at]), int(rows[at])

    def _row(self, sig: bytes | None) -> np.ndarray:
        if sig is None or len(sig) != NUM_PERM * 8:
            return np.full(NUM_PERM, self._NONE, dtype=np.uint64)
        return np.frombuffer(sig, "<u8").astype(np.uint64)


def _band_hashes(values: np.ndarray) -> np.ndarray:
    """One number per band of BAND_ROWS values (wrapping arithmetic; a collision only adds a
    candidate that the value-by-value comparison then rejects)."""
    return (values.reshape(_BANDS, BAND_ROWS) * _BAND_MIX).sum(axis=1, dtype=np.uint64)


# --- messages ------------------------------------------------------------------------------------


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
        title=strip_publisher(article.title, article.publisher),
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


def _snippet_hit(hits: Sequence[Hit]) -> Hit | None:
    """The first match in the body (the title is shown already), else in the title."""
    body = [h for h in hits if h.field != "title"]
    return (body or list(hits) or [None])[0]


def _entity_ref(entity: str, policy: AlertPolicy) -> EntityRef:
    info = policy.entities.get(entity)
    return EntityRef(entity, info.name if info else entity, info.kind if info else "")


def to_payload(message: AlertMessage) -> dict[str, Any]:
    data = {f.name: getattr(message, f.name) for f in fields(message) if f.name != "thread_ts"}
    data["published"] = message.published.isoformat() if message.published else None
    data["entities"] = [asdict(entity) for entity in message.entities]
    data["items"] = [asdict(item) for item in message.items]
    return data


def from_payload(data: Mapping[str, Any]) -> AlertMessage:
    published = datetime.fromisoformat(data["published"]) if data.get("published") else None
    return AlertMessage(
        **{k: v for k, v in data.items() if k not in ("published", "entities", "items")},
        published=published,
        entities=tuple(EntityRef(**e) for e in data.get("entities", ())),
        items=tuple(RolledUpItem(**i) for i in data.get("items", ())),
    )


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
    if not due:
        return 0
    links = outbox.story_links(session, [m.article.id for m in due if m.edited])  # new ones have none
    by_url = outbox.stories_by_url(session, [m.article.url for m in due])
    stories = stories if stories is not None else StoryIndex()
    stories.refresh(session, now - policy.dedupe_window)
    placed = _place(due, links, by_url, stories, policy.similarity, now)
    ids = dict(zip(placed.provisional(), outbox.add_stories(session, placed.new, now=now), strict=True))
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

    new: list[outbox.NewStory] = field(default_factory=list)
    leads: list[tuple[ArticleMatches, int]] = field(default_factory=list)
    attached: list[tuple[ArticleMatches, int]] = field(default_factory=list)
    edits: list[tuple[ArticleMatches, outbox.StoryLink]] = field(default_factory=list)

    def provisional(self) -> list[int]:
        return [-1 - i for i in range(len(self.new))]


def _place(
    due: Sequence[ArticleMatches],
    links: Mapping[int, outbox.StoryLink],
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
        story = by_url.get(match.article.url) or stories.match(sigs, similarity)
        if story is None:
            story = -1 - len(placed.new)
            entities = frozenset(h.entity for h in match.hits)
            placed.new.append(outbox.NewStory(match.article.title, sigs, entities, match.article.published))
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
    outbox.link_articles(session, [link for link, _ in rows], now=now)
    return len(outbox.queue(session, [alert for _, alerts in rows for alert in alerts], now=now))


def _queue_attached(
    session: Session, match: ArticleMatches, story_id: int, policy: AlertPolicy, now: datetime
) -> int:
    """A later outlet of a story: a reply where the story has a thread, else its first message."""
    outbox.add_story_entities(session, story_id, {h.entity for h in match.hits})
    threads = outbox.story_alerts(session, story_id)
    link, alerts = _story_rows(match, story_id, "attached", policy, threads)
    outbox.link_articles(session, [link], now=now)
    return len(outbox.queue(session, alerts, now=now))


def _story_rows(
    match: ArticleMatches, story_id: int, role: str, policy: AlertPolicy, threads: Mapping[str, int]
) -> tuple[outbox.ArticleLink, list[outbox.NewAlert]]:
    """The article's link to its story, and the story's first message per channel (later
    outlets become replies in the channels where the story has a thread)."""
    article = match.article
    message = story_message(match, policy)
    entities = frozenset(h.entity for h in match.hits)
    link = outbox.ArticleLink(story_id, article.id, article.url, message.outlet, role, entities)
    reply = ("attachment", f"article:{article.id}")
    return link, _story_alerts(story_id, match, message, policy, reply, threads)


def _queue_edit(
    session: Session, match: ArticleMatches, link: outbox.StoryLink, policy: AlertPolicy, now: datetime
) -> int:
    """An edited article alerts again only for entities it did not mention before."""
    entities = {h.entity for h in match.hits}
    new = entities - link.entities
    if not new:
        return 0
    article = match.article
    message = story_message(match, policy, entities=new)
    widened = frozenset(entities | link.entities)
    link_row = outbox.ArticleLink(link.story_id, article.id, article.url, message.outlet, "attached", widened)
    outbox.link_articles(session, [link_row], now=now)
    outbox.add_story_entities(session, link.story_id, new)
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
        alerts.append(
            outbox.NewAlert(
                channel=channel,
                key=key,
                kind=kind,
                payload=to_payload(replace(message, kind=kind)),  # type: ignore[arg-type]
                story_id=story_id,
                article_id=match.article.id,
                parent_id=threads.get(channel),
                priority=match.priority.level if match.priority else None,
            )
        )
    return alerts


# --- delivery ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one delivery round did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    rolled_up: int = 0  # stories sent inside a throttle summary
    recorded: int = 0  # later outlets kept for the digest (webhook channels cannot thread)
    waiting: int = 0  # held back: throttle full, thread not there yet, or channel paused
    waited: float = 0.0  # seconds waited inside the round for retries due soon
    quiet: bool = False


@dataclass
class _Round:
    """One delivery round. `now` stamps every row it writes, also after a short wait."""

    sessions: sessionmaker[Session]
    notifiers: Mapping[str, Notifier]
    now: datetime
    policy: AlertPolicy
    worker: str
    jitter: Callable[[], float]
    sleep: Callable[[float], None]
    clock: Callable[[], float]
    tally: dict[str, float] = field(default_factory=dict)
    sent_ts: dict[int, str] = field(default_factory=dict)  # alert id → Slack ts, for replies in this round
    spent: dict[str, float] = field(default_factory=dict)  # channel → seconds of failed sends and waits
    failed: set[str] = field(default_factory=set)  # channels with a retryable failure earlier in the round
    started: float = 0.0  # clock() at the round's start

    def __post_init__(self) -> None:
        self.started = self.clock()

    def after(self, delay: timedelta) -> datetime:
        """`delay` from the present moment: the round's `now` plus the time the round has taken."""
        return self.now + timedelta(seconds=self.clock() - self.started) + delay

    def count(self, what: str, n: float = 1) -> None:
        self.tally[what] = self.tally.get(what, 0) + n


def backoff(attempt: int, jitter: float) -> timedelta:
    """Exponential from 1 s to at most a minute, times a random 0.5–1 so retries spread out.

    Five failures in a row wait 31 s at most in all (2 s base: 62 s), so a short outage ends in
    delivery within a minute; past seven, one request a minute (30–60 s) per channel."""
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** min(attempt - 1, 20))
    return delay * (0.5 + 0.5 * jitter)


def default_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def deliver_due(
    sessions: sessionmaker[Session],
    notifiers: Mapping[str, Notifier],
    now: datetime,
    policy: AlertPolicy = AlertPolicy(),
    *,
    worker: str | None = None,
    jitter: Callable[[], float] = random.random,
    sleep: Callable[[float], None] = clock.sleep,
    monotonic: Callable[[], float] = clock.monotonic,
) -> DeliveryReport:
    """Claim the due alerts, send them channel by channel, record every attempt. `sleep` and
    `monotonic` time the short waits inside the round (tests pass a simulated clock)."""
    if policy.quiet is not None and policy.quiet.contains(now):
        return DeliveryReport(quiet=True)
    worker = worker or default_worker()
    run = _Round(sessions, notifiers, now, policy, worker, jitter, sleep, monotonic)
    with sessions.begin() as session:
        jobs = _claim(run, session)
    by_channel: dict[str, list[outbox.ClaimedAlert]] = {}
    for job in jobs:
        by_channel.setdefault(job.channel, []).append(job)
    for channel, group in by_channel.items():
        _deliver_channel(run, channel, group)
    return DeliveryReport(**run.tally)  # type: ignore[arg-type]


def _deliver_channel(run: _Round, channel: str, jobs: list[outbox.ClaimedAlert]) -> None:
    """Send the channel's claimed alerts in order until one fails retryably. When messages got
    through, wake what the channel held back (after an outage: its whole queue) and send it too."""
    notifier = run.notifiers.get(channel)
    if notifier is None:
        for job in jobs:
            _failed(run, job, DeliveryError(f"channel {channel!r} is not configured", permanent=True))
        return
    with run.sessions.begin() as session:
        paused_until = outbox.paused_until(session, channel, now=run.now)
    if paused_until is not None:  # an alert's backoff or Retry-After holds the whole channel
        _release(run, jobs, paused_until)
        return
    while jobs:
        jobs = _throttle(run, channel, jobs)
        sent_before = run.tally.get("sent", 0)
        for index, job in enumerate(jobs):
            paused_until = _deliver_one(run, notifier, job)
            if paused_until is not None:
                _release(run, jobs[index + 1 :], paused_until)
                return
        if run.tally.get("sent", 0) == sent_before:
            return
        recovered = channel in run.failed or any(j.attempts for j in jobs)
        with run.sessions.begin() as session:
            woken = outbox.wake(session, channel, now=run.now)
            jobs = _claim(run, session, channel) if woken else []
        if recovered:
            run.failed.discard(channel)
            log(logger, "alert.resumed", channel=channel, queued=len(jobs))


def _claim(run: _Round, session: Session, channel: str | None = None) -> list[outbox.ClaimedAlert]:
    return outbox.claim_due(session, now=run.now, worker=run.worker, lease=run.policy.lease, channel=channel)


def _throttle(run: _Round, channel: str, jobs: list[outbox.ClaimedAlert]) -> list[outbox.ClaimedAlert]:
    """Send what the channel's window has room for; past it, roll the rest into summaries at most
    `rollup_interval` apart (each naming every story it holds), holding stories until then."""
    counted = [j for j in jobs if j.kind in ("story", "update")]
    policy = run.policy
    with run.sessions.begin() as session:
        recent = outbox.messages_since(session, channel, run.now - policy.throttle_per)
        excess = counted[max(0, policy.throttle_messages - len(recent)) :]
        if not excess:
            return jobs
        keep = [j for j in jobs if j not in excess]
        last = outbox.last_summary_at(session, channel)
        if last is not None and run.now < last + policy.rollup_interval:
            at = last + policy.rollup_interval
            outbox.release(session, [j.id for j in excess], worker=run.worker, at=at)
            run.count("waiting", len(excess))
            return keep
        chunks = [excess[i : i + MAX_ROLLUP] for i in range(0, len(excess), MAX_ROLLUP)]
        summaries = [
            outbox.roll_up(
                session,
                [j.id for j in chunk],
                _summary(channel, chunk, run),
                worker=run.worker,
                now=run.now,
                lease=policy.lease,
            )
            for chunk in chunks
        ]
    run.count("rolled_up", len(excess))
    log(logger, "alert.throttled", logging.WARNING, channel=channel, rolled_up=len(excess))
    return [*keep, *summaries]


def _summary(channel: str, jobs: Sequence[outbox.ClaimedAlert], run: _Round) -> outbox.NewAlert:
    items = tuple(
        RolledUpItem(j.payload.get("title", ""), j.payload.get("url", ""), j.payload.get("outlet", ""))
        for j in jobs
    )
    minutes = round(run.policy.throttle_per.total_seconds() / 60)
    text = f"{len(items)} more stories (more than {run.policy.throttle_messages} in {minutes} minutes)"
    message = AlertMessage(kind="summary", text=text, items=items)
    return outbox.NewAlert(channel, f"summary:{uuid.uuid4().hex}", "summary", to_payload(message))


def _deliver_one(run: _Round, notifier: Notifier, job: outbox.ClaimedAlert) -> datetime | None:
    """Send one alert; returns when the channel may be tried again if it should pause."""
    if job.kind == "attachment" and not notifier.threads:
        with run.sessions.begin() as session:
            outbox.mark_recorded(session, job.id, worker=run.worker, now=run.now)
        run.count("recorded")
        return None
    thread_ts = job.parent_ts or (run.sent_ts.get(job.parent_id) if job.parent_id else None)
    if job.parent_id is not None and thread_ts is None and job.parent_state in ("pending", "rolled_up"):
        _release(run, [job], run.now + THREAD_WAIT)
        return None
    message = from_payload(job.payload)
    if thread_ts and notifier.threads:
        message = replace(message, thread_ts=thread_ts)
    while True:
        started = run.clock()
        try:
            result = notifier.send(message)
            break
        except DeliveryError as error:
            run.spent[job.channel] = run.spent.get(job.channel, 0.0) + run.clock() - started
            delay = _retry_delay(run, job, error)
            if not _wait_out(run, job, error, delay):
                return _failed(run, job, error, delay)
            job = replace(job, attempts=job.attempts + 1)
        except Exception as error:  # a bug in one channel must not lose the alert or stop the round
            fields = {"alert": job.id, "channel": job.channel}
            logger.exception("alert.internal_error", extra={"fields": fields})
            return _failed(run, job, DeliveryError(f"internal error: {error!r}"))
    with run.sessions.begin() as session:
        outbox.record_attempt(session, job.id, worker=run.worker, now=run.now)
        won = outbox.mark_sent(
            session, job.id, worker=run.worker, now=run.now, ts=result.ts if result else None
        )
    if result and result.ts:
        run.sent_ts[job.id] = result.ts
    if not won:
        log(logger, "alert.claim_lost", logging.WARNING, alert=job.id, channel=job.channel)
    run.count("sent")
    return None


def _retry_delay(run: _Round, job: outbox.ClaimedAlert, error: DeliveryError) -> timedelta:
    """Slack's Retry-After if it gave one (at least BACKOFF_BASE: "0" must not make a round
    hammer Slack), else the backoff for this attempt."""
    if error.retry_after is not None:
        return max(timedelta(seconds=error.retry_after), BACKOFF_BASE)
    return backoff(job.attempts + 1, run.jitter())


def _wait_out(run: _Round, job: outbox.ClaimedAlert, error: DeliveryError, delay: timedelta) -> bool:
    """True after waiting `delay` here, when the channel's failed sends and waits in this round
    stay within `policy.wait_in_round` (a short Retry-After, the first backoff steps of fast failures; not
    after a timeout). The attempt is recorded and the channel paused for other deliverers."""
    seconds = delay.total_seconds()
    spent = run.spent.get(job.channel, 0.0)
    if error.permanent or spent + seconds > run.policy.wait_in_round.total_seconds():
        return False
    with run.sessions.begin() as session:
        outbox.record_attempt(
            session,
            job.id,
            worker=run.worker,
            now=run.now,
            error=error.message,
            retry_after=error.retry_after,
        )
        outbox.postpone(session, job.id, worker=run.worker, at=run.after(delay))
    _log_retry(job, error, run.after(delay), in_round=True)
    run.failed.add(job.channel)
    run.sleep(seconds)
    run.spent[job.channel] = spent + seconds
    run.count("waited", seconds)
    return True


def _log_retry(job: outbox.ClaimedAlert, error: DeliveryError, at: datetime, in_round: bool) -> None:
    """WARNING at an alert's first failure (the channel pauses behind it, so this is when an
    outage starts), INFO for its later retries."""
    attempt = job.attempts + 1
    level = logging.WARNING if attempt == 1 else logging.INFO
    fields = {"alert": job.id, "channel": job.channel, "attempt": attempt, "error": error.message}
    log(logger, "alert.retry", level, next_attempt_at=at.isoformat(), in_round=in_round, **fields)


def _failed(
    run: _Round, job: outbox.ClaimedAlert, error: DeliveryError, delay: timedelta | None = None
) -> datetime | None:
    """Record the failed attempt; retry with backoff (or at Retry-After) unless permanent or too old."""
    attempt = job.attempts + 1
    give_up = error.permanent or run.now - job.created_at >= run.policy.give_up_after
    at = run.after(delay if delay is not None else _retry_delay(run, job, error))
    with run.sessions.begin() as session:
        outbox.record_attempt(
            session,
            job.id,
            worker=run.worker,
            now=run.now,
            error=error.message,
            permanent=error.permanent,
            retry_after=error.retry_after,
        )
        if give_up:
            outbox.mark_failed(session, job.id, worker=run.worker, error=error.message)
        else:
            outbox.mark_retry(session, job.id, worker=run.worker, at=at, error=error.message)
    if give_up:
        fields = {"alert": job.id, "channel": job.channel, "attempt": attempt, "error": error.message}
        log(logger, "alert.failed", logging.ERROR, permanent=error.permanent, **fields)
        run.count("failed")
        return None
    _log_retry(job, error, at, in_round=False)
    run.count("retrying")
    return at


def _release(run: _Round, jobs: Sequence[outbox.ClaimedAlert], at: datetime) -> None:
    if not jobs:
        return
    with run.sessions.begin() as session:
        outbox.release(session, [j.id for j in jobs], worker=run.worker, at=at)
    run.count("waiting", len(jobs))


# --- source health -------------------------------------------------------------------------------


def list_outbox(sessions: sessionmaker[Session], limit: int) -> tuple[list[AlertListing], dict[str, int]]:
    """The outbox as `monitor alerts` shows it: the newest alerts, and how many are in each state."""
    with sessions() as session:
        return outbox.list_alerts(session, limit=limit), outbox.count_by_state(session)


def requeue_failed(sessions: sessionmaker[Session], now: datetime) -> int:
    """Every failed alert back to pending, due now (`monitor alerts retry`); how many."""
    with sessions.begin() as session:
        return outbox.requeue_failed(session, now=now)


def usual_gap(published: Sequence[datetime]) -> timedelta | None:
    """The median gap between a source's items; None until there are enough to tell."""
    times = sorted(published)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False) if b > a]
    return median(gaps) if len(gaps) >= 4 else None


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
        for source in sources:
            if source.id in health:
                queued += _health_notice(session, source, health[source.id], policy, now)
    return queued


def _health_notice(
    session: Session, source: Source, health: SourceHealth, policy: AlertPolicy, now: datetime
) -> int:
    published = outbox.published_times(session, source.id)
    state = health_state(health, published, source.interval, policy, now)
    was = outbox.notice_state(session, source.id)
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


# --- test messages -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProbeResult:
    channel: str
    target: str
    error: str | None = None
    permanent: bool = False


def probe_channels(notifiers: Mapping[str, Notifier], now: datetime) -> list[ProbeResult]:
    """Send a test message to every channel now, outside the outbox; say what each answered."""
    results = []
    for name, notifier in notifiers.items():
        text = f"Test message from the border monitor to channel {name} at {now:%Y-%m-%d %H:%M} UTC"
        try:
            notifier.send(AlertMessage(kind="test", text=text))
        except DeliveryError as error:
            results.append(ProbeResult(name, notifier.describe(), error.message, error.permanent))
        else:
            results.append(ProbeResult(name, notifier.describe()))
    return results
