"""An article's priority: the first rule in rules.yaml whose selectors all find a different entity
in one sentence, paragraph or the whole article (and, for a rule with `events`, where that unit
has one of those event types: monitor/events.py). Pure: no I/O.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from monitor.records import Event, Mention, Priority
from monitor.sentences import PARAGRAPH_BREAK, SENTENCE_BREAK

if TYPE_CHECKING:
    from monitor.watchlists import Entity, Rule, Selector, Watchlist


def prioritise(
    watchlist: Watchlist,
    fields: Mapping[str, str],
    mentions: Mapping[str, Sequence[Mention]],
    events: Mapping[str, Sequence[Event]] | None = None,
) -> Priority | None:
    """The first rule in rules.yaml that fires, else its default level; None when nothing matched."""
    matched = sorted({m.entity for ms in mentions.values() for m in ms if m.entity in watchlist.entities})
    if not matched:
        return None
    for rule in watchlist.rules.rules:
        if (found := _fire(rule, watchlist, fields, mentions, events or {})) is not None:
            return Priority(rule.level, f"{rule.id}: {found}")
    return Priority(watchlist.rules.default, f"default: no rule fired for {', '.join(matched)}")


def _fire(
    rule: Rule,
    watchlist: Watchlist,
    fields: Mapping[str, str],
    mentions: Mapping[str, Sequence[Mention]],
    events: Mapping[str, Sequence[Event]],
) -> str | None:
    for where, unit, types in _units(rule, fields, mentions, events):
        happened = [t for t in rule.events if t in types]
        if rule.events and not happened:
            continue
        entities = [watchlist.entities[e] for e in sorted(unit) if e in watchlist.entities]
        if (chosen := _assign(rule.all, entities)) is not None:
            parts = [f"{sel.describe()} {', '.join(ids)}" for sel, ids in zip(rule.all, chosen, strict=True)]
            what = f" ({', '.join(happened)})" if happened else ""
            return f"{' with '.join(parts)}{what} {where}"
    return None


def _units(
    rule: Rule,
    fields: Mapping[str, str],
    mentions: Mapping[str, Sequence[Mention]],
    events: Mapping[str, Sequence[Event]],
) -> Iterator[tuple[str, set[str], set[str]]]:
    """The entity sets the rule looks at, each with its event types: one per sentence or
    paragraph, or the whole article."""
    names = [f for f in mentions if not rule.fields or f in rule.fields]
    if rule.scope == "article":
        where = f"in the {' or '.join(rule.fields)}" if rule.fields else "in the article"
        types = {e.type for f in names for e in events.get(f, ())}
        yield where, {m.entity for f in names for m in mentions[f]}, types
        return
    pattern = SENTENCE_BREAK if rule.scope == "sentence" else PARAGRAPH_BREAK
    for name in names:
        marks = sorted([(m.start, m.entity, "") for m in mentions[name]] + [
            (e.start, "", e.type) for e in (events.get(name, ()) if rule.events else ())
        ])  # fmt: skip
        numbers = _unit_numbers(pattern, fields.get(name, ""), [start for start, _, _ in marks])
        units: dict[int, tuple[set[str], set[str]]] = {}
        for number, (_, entity, event_type) in zip(numbers, marks, strict=True):
            entities, types = units.setdefault(number, (set(), set()))
            if entity:
                entities.add(entity)
            else:
                types.add(event_type)
        yield from ((f"in one {rule.scope}", entities, types) for entities, types in units.values())


def _unit_numbers(pattern: re.Pattern[str], text: str, starts: Sequence[int]) -> list[int]:
    """A unit number for each mention start (in text order): two mentions share a unit unless a
    break starts after the first and at or before the second. Only the text from a mention to the
    next break is scanned: a mention starts on a letter, never inside a whitespace break, so a
    search from there finds the breaks that a scan of the whole text would."""
    if "<" in text:
        # A mention may start inside a block tag, itself a break, where a search could find
        # breaks that a scan of the whole text passes over.
        breaks = [m.start() for m in pattern.finditer(text)]
        return [bisect.bisect_right(breaks, start) for start in starts]
    numbers = [0] * len(starts)
    next_break = -1  # the first break after the previous mentions; len(text) when there is none
    for i in range(1, len(starts)):
        if next_break <= starts[i - 1]:
            found = pattern.search(text, starts[i - 1] + 1)
            next_break = found.start() if found else len(text)
        numbers[i] = numbers[i - 1] + (next_break <= starts[i])
    return numbers


def _assign(selectors: Sequence[Selector], entities: Sequence[Entity]) -> list[list[str]] | None:
    """For each selector the ids it accepts, if every selector can have a different entity."""
    accepted = [[e.id for e in entities if s.accepts(e)] for s in selectors]
    return accepted if _distinct(accepted, frozenset()) else None


def _distinct(options: Sequence[Sequence[str]], used: frozenset[str]) -> bool:
    if not options:
        return True
    return any(_distinct(options[1:], used | {choice}) for choice in options[0] if choice not in used)
