"""The digest's volume section: the week's spike alerts (monitor/spikes.py) and the entities whose
volume rose or fell most against their weekly average over the four weeks before. Pure: no I/O.

A change is this week's articles minus the average week of the four before; the five biggest
rises and the five biggest falls are listed (at least 3 articles either way, so a move from 1 to 2
is no news). Without four full weeks of history before the week nothing is compared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

MOVERS = 5
MIN_CHANGE = 3.0
WEEKS_BEFORE = 4
FOUR_WEEKS = timedelta(weeks=WEEKS_BEFORE)


@dataclass(frozen=True, slots=True)
class VolumeChange:
    name: str
    count: int  # articles this week
    usual: float  # articles in an average week of the four before

    @property
    def change(self) -> float:
        return self.count - self.usual


@dataclass(frozen=True, slots=True)
class SpikeLine:
    when: datetime  # local time the alert was queued
    text: str


def movers(
    counts: Mapping[str, int],
    four_weeks: Mapping[str, int],
    names: Mapping[str, str],
    history_start: datetime | None,
    week_start: datetime,
) -> tuple[tuple[VolumeChange, ...], tuple[VolumeChange, ...]]:
    """The biggest rises and the biggest falls, each at most MOVERS long (names: id -> shown name);
    none unless the database's history goes back four weeks before the week."""
    if history_start is None or history_start > week_start - FOUR_WEEKS:
        return (), ()
    lines = [
        VolumeChange(names.get(e, e), counts.get(e, 0), four_weeks.get(e, 0) / WEEKS_BEFORE)
        for e in set(counts) | set(four_weeks)
    ]
    rises = sorted((ln for ln in lines if ln.change >= MIN_CHANGE), key=lambda ln: (-ln.change, ln.name))
    falls = sorted((ln for ln in lines if ln.change <= -MIN_CHANGE), key=lambda ln: (ln.change, ln.name))
    return tuple(rises[:MOVERS]), tuple(falls[:MOVERS])


def spike_lines(spikes: Sequence[tuple[datetime, str]], tz: ZoneInfo) -> tuple[SpikeLine, ...]:
    return tuple(SpikeLine(at.astimezone(tz), text) for at, text in spikes)
