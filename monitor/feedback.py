"""What the analysts' verdicts say about the watchlists: precision per alias and per entity, the
aliases that most need work, and a context rule to start from for each of them.

`load_feedback(session, since, now)` reads the store; everything else is pure over that record.
A suggestion is never applied: it is a YAML stub (the alias with `context.forbid` set to the words
seen most often around its false hits) for someone to read, edit and paste into the watchlist.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import yaml
from sqlalchemy.orm import Session

from monitor.store import triage as triage_store
from monitor.store.triage import MuteListing, VerdictListing

NEEDS_WORK = 3  # not-relevant verdicts, with no relevant one, before an alias gets a suggestion
CONTEXT_WINDOW = 5  # words either side of a false hit looked at
SUGGESTED_WORDS = 5
_WORD = re.compile(r"\w+")
_COMMON = frozenset(
    "the a an and or of in on at to for from by with as is was were be been are it its this that "
    "he she they his her their said says has have had not but new after over near into".split()
)


@dataclass(frozen=True, slots=True)
class Feedback:
    """The verdicts and mutes since a time, with the facts about aliases the report needs."""

    since: datetime
    verdicts: tuple[VerdictListing, ...]
    mutes: tuple[MuteListing, ...]
    alerts_by_alias: dict[str, int]
    false_hits: dict[str, list[tuple[str, str]]]  # alias → (surface, snippet) in not-relevant stories


@dataclass(frozen=True, slots=True)
class Precision:
    """Verdicts on the stories an alias (or entity) made; precision None without any verdict."""

    name: str
    alerts: int
    relevant: int
    not_relevant: int

    @property
    def precision(self) -> float | None:
        judged = self.relevant + self.not_relevant
        return round(self.relevant / judged, 3) if judged else None

    @property
    def needs_work(self) -> bool:
        return self.not_relevant >= NEEDS_WORK and self.relevant == 0


@dataclass(frozen=True, slots=True)
class Suggestion:
    alias: str
    words: tuple[str, ...]  # most common first
    stub: str  # YAML, to paste under the entity's aliases


def load_feedback(session: Session, since: datetime, now: datetime) -> Feedback:
    """The verdicts given from `since` to `now`, and the mutes in force at any time between."""
    verdicts = tuple(triage_store.verdicts_since(session, since, now))
    false_stories = [v.story_id for v in verdicts if v.verdict == "not_relevant"]
    return Feedback(
        since=since,
        verdicts=verdicts,
        mutes=tuple(
            m for m in triage_store.list_mutes(session, now=now, ended_since=since) if m.created_at < now
        ),
        alerts_by_alias=dict(triage_store.alerts_by_alias(session, since, now)),
        false_hits=triage_store.alias_snippets(session, false_stories),
    )


def totals(verdicts: Iterable[VerdictListing]) -> dict[str, int]:
    counted = Counter(v.verdict for v in verdicts)
    return {"relevant": counted["relevant"], "not_relevant": counted["not_relevant"]}


def by_alias(feedback: Feedback) -> list[Precision]:
    """Every alias that alerted or was judged, worst first (most not-relevant, then name)."""
    judged = _count(feedback.verdicts, lambda v: v.aliases)
    rows = []
    for alias in set(feedback.alerts_by_alias) | set(judged):
        counted = judged.get(alias, Counter())
        alerts = feedback.alerts_by_alias.get(alias, 0)
        rows.append(Precision(alias, alerts, counted["relevant"], counted["not_relevant"]))
    return sorted(rows, key=lambda p: (-p.not_relevant, p.relevant, p.name.casefold()))


def by_entity(verdicts: Sequence[VerdictListing]) -> list[Precision]:
    judged = _count(verdicts, lambda v: v.entities)
    rows = [Precision(e, 0, c["relevant"], c["not_relevant"]) for e, c in judged.items()]
    return sorted(rows, key=lambda p: (p.precision if p.precision is not None else 1.0, p.name))


def _count(
    verdicts: Iterable[VerdictListing], names: Callable[[VerdictListing], Iterable[str]]
) -> dict[str, Counter[str]]:
    counted: dict[str, Counter[str]] = {}
    for verdict in verdicts:
        for name in names(verdict):
            counted.setdefault(name, Counter())[verdict.verdict] += 1
    return counted


def suggestions(feedback: Feedback) -> list[Suggestion]:
    """A context rule for each alias that needs work, from the words around its false hits."""
    found = []
    for row in by_alias(feedback):
        if row.needs_work:
            words = words_around(feedback.false_hits.get(row.name, []))
            found.append(Suggestion(row.name, words, context_stub(row.name, words)))
    return found


def words_around(hits: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """The words seen most often within CONTEXT_WINDOW words of the alias, in how many hits."""
    seen: Counter[str] = Counter()
    for surface, snippet in hits:
        own = {w.casefold() for w in _WORD.findall(surface)}
        words = [w.casefold() for w in _WORD.findall(snippet)]
        near: set[str] = set()
        for i in _positions(words, [w.casefold() for w in _WORD.findall(surface)]):
            near.update(words[max(0, i - CONTEXT_WINDOW) : i + len(own) + CONTEXT_WINDOW])
        seen.update(w for w in near - own if w not in _COMMON and len(w) > 2 and not w.isdigit())
    return tuple(w for w, _ in sorted(seen.items(), key=lambda x: (-x[1], x[0]))[:SUGGESTED_WORDS])


def _positions(words: Sequence[str], phrase: Sequence[str]) -> list[int]:
    n = len(phrase)
    return [i for i in range(len(words) - n + 1) if n and list(words[i : i + n]) == list(phrase)]


def context_stub(alias: str, words: Sequence[str]) -> str:
    rule = {"text": alias, "context": {"forbid": list(words), "window": CONTEXT_WINDOW}}
    return yaml.safe_dump([rule], allow_unicode=True, sort_keys=False, default_flow_style=None)


NEEDS_WORK_SHOWN = 5


@dataclass(frozen=True, slots=True)
class TriageSection:
    """The digest's triage section: verdict totals (nobody named), precision per entity, the
    entities muted during the week and the aliases that most need work."""

    relevant: int
    not_relevant: int
    entities: tuple[Precision, ...]  # named by the entities' names
    muted: Mapping[str, str]  # entity id → name, muted at some time in the week
    needs_work: tuple[Precision, ...]

    @property
    def empty(self) -> bool:
        return not (self.relevant or self.not_relevant or self.muted)


def triage_section(feedback: Feedback, names: Mapping[str, str]) -> TriageSection:
    """The section, entities shown by `names` (id → name; an id not in it shows as itself)."""
    counted = totals(feedback.verdicts)
    return TriageSection(
        relevant=counted["relevant"],
        not_relevant=counted["not_relevant"],
        entities=tuple(replace(p, name=names.get(p.name, p.name)) for p in by_entity(feedback.verdicts)),
        muted={m.entity: names.get(m.entity, m.entity) for m in feedback.mutes},
        needs_work=tuple(p for p in by_alias(feedback) if p.needs_work)[:NEEDS_WORK_SHOWN],
    )
