"""Alert policy: everything the alert decisions depend on, read once from Settings, and the two
pure routing decisions (`alertable`, `channels_for`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from monitor.config import Settings, parse_duration
from monitor.notify import DEFAULT_CHANNEL, channel_specs
from monitor.records import ArticleMatches, Source

if TYPE_CHECKING:
    from monitor.watchlists import Watchlist

Level = Literal["high", "medium", "low"]
RANK = {"low": 0, "medium": 1, "high": 2}


@dataclass(frozen=True, slots=True)
class EntityInfo:
    """What routing needs to know of a watchlist entity."""

    name: str
    kind: str
    tags: frozenset[str] = frozenset()
    parents: tuple[str, ...] = ()  # with coords: a place as monitor.geo.story_place reads it
    coords: tuple[float, float] | None = None


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
    event_names: Mapping[str, str] = field(default_factory=dict)  # event type id -> name (events.yaml)
    sources: Mapping[str, Source] = field(default_factory=dict)
    interactive: bool = False  # clicks can come back (a signing secret or app token): stories get buttons

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
            event_names={t.id: t.name for t in watchlist.events.types} if watchlist else {},
            sources={s.id: s for s in settings.all_sources()},
            interactive=bool(
                settings.slack.signing_secret.get_secret_value()
                or settings.slack.app_token.get_secret_value()
            ),
        )


def entity_index(watchlist: Watchlist) -> dict[str, EntityInfo]:
    return {
        e.id: EntityInfo(e.name, e.kind, frozenset(e.tags), e.parents, e.coords if e.is_place else None)
        for e in watchlist.entities.values()
    }


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
