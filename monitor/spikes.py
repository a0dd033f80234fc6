"""Volume spikes: a watched entity named by unusually many stories in the last 24 hours.

Per entity, its stories are counted per 24-hour day back from now: today (the last 24 hours) and
the 28 days before, its baseline. A story (grouped as the digest and the export group them:
`monitor.digest.group_stories`) counts on the day of its first article, for every entity any of
its articles names. Today is a spike when both

- today's count >= `alerts.spike_min` (default 5), and
- today's count is improbable for a Poisson process at `spike_factor` (default 3) times the usual
  rate: P(X >= today | rate = max(baseline mean, 0.2/day) x spike_factor) < 0.01.

The floor keeps an entity that was never named from spiking on a handful of stories it would
take anyway (rate 0.6: five stories have p = 0.0004; an entity usually at 1 a day needs 9, at
3 a day 18). With less than 7 days of history in the database no spike is announced (the
baseline would be noise); with 7 to 28 days the baseline is the days there are.

An alert says `Unusual volume: Kata'ib Hezbollah, 9 stories in 24 h (usually ~1/day)` and lists
the top 5 stories (highest priority, then most outlets, then newest). It goes through the outbox
like every alert, keyed `spike:<entity>:<day>` (exactly once), and an entity alerts at most once
per 24 hours.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from monitor.alerts import AlertPolicy, EntityInfo
from monitor.config import Settings
from monitor.notify import AlertMessage, RolledUpItem, to_payload
from monitor.store import digests, outbox
from monitor.store.digests import WeekArticle
from monitor.stories import StoryRule

DAY = timedelta(days=1)
BASELINE_DAYS = 28
MIN_HISTORY = timedelta(days=7)
RATE_FLOOR = 0.2  # stories a day assumed for an entity with a quieter baseline
SIGNIFICANCE = 0.01  # the Poisson upper tail below which a count is unusual
TOP_STORIES = 5
_PRIORITY_RANK = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True, slots=True)
class SpikeRule:
    minimum: int = 5  # alerts.spike_min
    factor: float = 3.0  # alerts.spike_factor
    stories: StoryRule = StoryRule()  # what makes articles one story (alerts.similarity, dedupe_window)

    @classmethod
    def from_settings(cls, settings: Settings) -> SpikeRule:
        return cls(settings.alerts.spike_min, settings.alerts.spike_factor, StoryRule.from_settings(settings))


@dataclass(frozen=True, slots=True)
class Spike:
    entity: str
    today: int
    usual: float  # the baseline's stories a day
    p_value: float
    stories: tuple[tuple[WeekArticle, ...], ...]  # today's, the top first


def poisson_tail(k: int, rate: float) -> float:
    """P(X >= k) for X ~ Poisson(rate)."""
    if k <= 0:
        return 1.0
    term = math.exp(-rate)
    below = term
    for i in range(1, k):
        term *= rate / i
        below += term
    return max(0.0, 1.0 - below)


def is_spike(today: int, usual: float, rule: SpikeRule) -> tuple[bool, float]:
    """Whether `today` stories are a spike against `usual` a day, and the test's p-value."""
    p_value = poisson_tail(today, max(usual, RATE_FLOOR) * rule.factor)
    return today >= rule.minimum and p_value < SIGNIFICANCE, p_value


def find_spikes(
    articles: Sequence[WeekArticle], now: datetime, history_from: datetime | None, rule: SpikeRule
) -> list[Spike]:
    """The entities whose last 24 hours are a spike against their previous 28 days (pure)."""
    if history_from is None or now - history_from < MIN_HISTORY:
        return []
    from monitor.digest import group_stories  # with the digest's modules: only when spikes may be

    baseline_days = min(BASELINE_DAYS, max(1, int((now - history_from) / DAY) - 1))
    today: dict[str, list[tuple[WeekArticle, ...]]] = {}
    before: dict[str, int] = {}
    for story in group_stories(articles, rule.stories):
        day = int((now - story[0].when) / DAY)  # 0 = the last 24 hours
        if story[0].when > now or day > baseline_days:
            continue
        for entity in dict.fromkeys(e for a in story for e in a.entities):
            if day == 0:
                today.setdefault(entity, []).append(story)
            else:
                before[entity] = before.get(entity, 0) + 1
    spikes = []
    for entity, stories in today.items():
        usual = before.get(entity, 0) / baseline_days
        spiking, p_value = is_spike(len(stories), usual, rule)
        if spiking:
            top = sorted(stories, key=_importance)[:TOP_STORIES]
            spikes.append(Spike(entity, len(stories), usual, p_value, tuple(top)))
    return sorted(spikes, key=lambda s: (s.p_value, s.entity))


def _importance(story: tuple[WeekArticle, ...]) -> tuple[int, int, float]:
    from monitor.digest import top_priority

    return (
        _PRIORITY_RANK.get(top_priority(story) or "", 3),
        -len({a.outlet for a in story}),
        -max(a.when for a in story).timestamp(),
    )


def message(spike: Spike, name: str) -> AlertMessage:
    from monitor.digest import clean, safe_url

    usual = f"{spike.usual:.0f}" if spike.usual >= 1 else f"{spike.usual:.1f}".rstrip("0").rstrip(".")
    text = f"Unusual volume: {clean(name)}, {spike.today} stories in 24 h (usually ~{usual}/day)"
    items = tuple(
        RolledUpItem(clean(story[0].title), safe_url(story[0].url) or "", clean(story[0].outlet))
        for story in spike.stories
    )
    return AlertMessage(kind="spike", text=text, items=items)


def queue_spikes(session: Session, policy: AlertPolicy, rule: SpikeRule, now: datetime) -> int:
    """Find today's spikes and queue one alert per entity not announced in the last 24 hours (in
    the caller's transaction); returns how many were queued."""
    history = digests.first_published(session)
    if not _may_spike(session, history, now, rule):
        return 0
    articles = digests.matched_articles(session, now - (BASELINE_DAYS + 1) * DAY, now)
    spikes = find_spikes(articles, now, history, rule)
    if not spikes:
        return 0
    recent = {s.entity for s in digests.spike_alerts(session, now - DAY, now + DAY)}
    fresh = [s for s in spikes if s.entity not in recent]
    alerts = [_alert(s, policy.entities, policy.health_channel, now) for s in fresh]
    return len(outbox.queue(session, alerts, now=now))


def _may_spike(session: Session, history: datetime | None, now: datetime, rule: SpikeRule) -> bool:
    """Whether any entity could spike, from counts alone, before four weeks of matched articles
    are read and grouped (most polls stop here): none can with under a week of history, nor when
    no entity is named by enough articles in the last 24 hours to spike against the quietest
    baseline (its stories today are at most its articles today, and a higher baseline only
    raises the p-value). `find_spikes` decides the rest exactly as before."""
    if history is None or now - history < MIN_HISTORY:
        return False
    counts = digests.entity_counts(session, now - DAY, now)
    return any(is_spike(count, 0.0, rule)[0] for count in counts.values())


def _alert(spike: Spike, names: Mapping[str, EntityInfo], channel: str, now: datetime) -> outbox.NewAlert:
    name = names[spike.entity].name if spike.entity in names else spike.entity
    return outbox.NewAlert(
        channel, f"spike:{spike.entity}:{now:%Y-%m-%d}", "spike", to_payload(message(spike, name))
    )
