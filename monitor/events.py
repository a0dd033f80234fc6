"""What happened: event types (watchlists/events.yaml) read from the sentences that name a watched
actor or place. Pure: no I/O.

A trigger counts only inside a sentence (`monitor.sentences.SENTENCE_BREAK`) with a mention of a
watched entity, outside a place's own name (the al-Qaim border *crossing* is a name, not a
crossing; an actor's name such as "Israeli strikes" does say what happened); its context rule
must hold, and no `not_new` word (a denial, the past) may stand within the window before it (or,
for the `after` words, after it). Sentences are folded like the matcher
folds them (`monitor.normalise`); an Arabic word also matches with its proclitics
(`monitor.variants.arabic_forms`), and a word written with a trailing `*` matches every longer word
it starts. Overlapping triggers: the one starting first wins, then the longest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor.normalise import fold_words, is_arabic, normalise, strip_article, unmarkup
from monitor.records import Event, Mention
from monitor.sentences import SENTENCE_BREAK
from monitor.variants import arabic_forms
from monitor.watchlists import PLACE_KINDS

if TYPE_CHECKING:
    from monitor.watchlists import Context, EventTypes, Watchlist


def _word_pattern(word: str, first: bool) -> str:
    """One written word as a regex over folded text."""
    wild = word.endswith("*")
    folded = fold_words(word.rstrip("*"))
    if not folded:
        return ""
    if first and is_arabic(folded[0]):
        core, had_article = strip_article(folded)
        forms = sorted(set(arabic_forms(core, had_article)) | {folded}, key=len, reverse=True)
        body = "(?:" + "|".join(re.escape(f) for f in forms) + ")"
    else:
        body = re.escape(folded)
    return body + (r"[^ ]*" if wild else "")


def phrase_pattern(text: str) -> str:
    """A trigger or cue (one or more words) as a regex over folded text, whole words only."""
    words = [p for i, w in enumerate(text.split()) if (p := _word_pattern(w, i == 0))]
    return r"(?<![^ ])" + " ".join(words) + r"(?![^ ])"


def _any_of(phrases: Iterable[str]) -> re.Pattern[str] | None:
    patterns = [phrase_pattern(p) for p in phrases]
    return re.compile("|".join(patterns)) if patterns else None


@dataclass(frozen=True, slots=True)
class _Trigger:
    type: str
    forbid: re.Pattern[str] | None
    require: re.Pattern[str] | None
    window: int
    before: frozenset[str]
    after: frozenset[str]

    @classmethod
    def of(cls, type_id: str, context: Context | None) -> _Trigger:
        if context is None:
            return cls(type_id, None, None, 0, frozenset(), frozenset())
        return cls(
            type_id, _any_of(context.forbid), _any_of(context.require), context.window,
            frozenset(fold_words(w) for w in context.forbid_before),
            frozenset(fold_words(w) for w in context.forbid_after),
        )  # fmt: skip

    def holds(self, left: list[str], right: list[str]) -> bool:
        """The trigger's context rule, given the sentence's words before and after it."""
        if (left and left[-1] in self.before) or (right and right[0] in self.after):
            return False
        if self.forbid is None and self.require is None:
            return True
        near = " ".join(left[-self.window :] + ["|"] + right[: self.window])
        if self.forbid is not None and self.forbid.search(near):
            return False
        return self.require is None or self.require.search(near) is not None


class EventTyper:
    """Compiled from events.yaml once; `find` may then be called from any thread."""

    def __init__(self, spec: EventTypes) -> None:
        self.names = {t.id: t.name for t in spec.types}
        self._triggers: list[_Trigger] = []
        alternatives: list[tuple[int, str]] = []
        for event_type in spec.types:
            for alias in event_type.triggers:
                group = f"t{len(self._triggers)}"
                self._triggers.append(_Trigger.of(event_type.id, alias.context))
                pattern = phrase_pattern(alias.text)
                alternatives.append((len(pattern), f"(?P<{group}>{pattern})"))
        alternatives.sort(key=lambda a: -a[0])  # the longest alternative first at any position
        self._pattern = re.compile("|".join(a for _, a in alternatives)) if alternatives else None
        self._window = spec.not_new.window
        self._not_before = _any_of(spec.not_new.before)
        self._not_after = _any_of(spec.not_new.after)

    def find(self, text: str, mentions: Sequence[Mention]) -> list[Event]:
        """The events in `text` (plain or markup) near `mentions` (found in the same text)."""
        if self._pattern is None or not mentions:
            return []
        plain = unmarkup(text) if "<" in text or "&" in text else text
        breaks = [0] + [b for m in SENTENCE_BREAK.finditer(text) for b in (m.start(), m.end())] + [len(text)]
        found: list[Event] = []
        spans = sorted((m.start, m.end, m.kind in PLACE_KINDS) for m in mentions)
        for begin, end in zip(breaks[::2], breaks[1::2], strict=True):
            places = [(s, e) for s, e, place in spans if begin <= s < end and place]
            if any(begin <= s < end for s, _, _ in spans):
                found += self._in_sentence(text, plain, begin, end, places)
        return found

    def _in_sentence(
        self, text: str, plain: str, begin: int, end: int, places: list[tuple[int, int]]
    ) -> Iterable[Event]:
        norm = normalise(plain[begin:end])
        for match in self._pattern.finditer(norm.text):  # type: ignore[union-attr]
            start, stop = norm.span(match.start(), match.end())
            start, stop = start + begin, stop + begin
            if any(s < stop and start < e for s, e in places):
                continue  # inside a place's name (an actor's, such as "Israeli strikes", says what it did)
            trigger = self._triggers[int(match.lastgroup[1:])]  # type: ignore[index]
            left = norm.text[: match.start()].split()
            right = norm.text[match.end() :].split()
            if trigger.holds(left, right) and not self._not_new(left, right):
                yield Event(trigger.type, start, stop, text[start:stop])

    def _not_new(self, left: list[str], right: list[str]) -> bool:
        before = " ".join(left[-self._window :])
        after = " ".join(right[: self._window])
        return bool(
            (self._not_before is not None and self._not_before.search(before))
            or (self._not_after is not None and self._not_after.search(after))
        )


_TYPERS: dict[int, tuple[EventTypes, EventTyper]] = {}


def event_typer(watchlist: Watchlist) -> EventTyper:
    """The watchlist's EventTyper, compiled at its first use (the spec is kept, so its id stays its own)."""
    spec = watchlist.events
    if (cached := _TYPERS.get(id(spec))) is None or cached[0] is not spec:
        cached = _TYPERS[id(spec)] = (spec, EventTyper(spec))
    return cached[1]


def find_events(
    watchlist: Watchlist, fields: Mapping[str, str], mentions: Mapping[str, Sequence[Mention]]
) -> dict[str, list[Event]]:
    """Per field, the events near that field's mentions."""
    events = event_typer(watchlist)
    return {name: found for name, ms in mentions.items() if (found := events.find(fields.get(name, ""), ms))}


def event_types(events: Mapping[str, Sequence[Event]]) -> tuple[str, ...]:
    """The article's event types, in order of first appearance (title, summary, content)."""
    order = [f for f in ("title", "summary", "content") if f in events] + [
        f for f in events if f not in ("title", "summary", "content")
    ]
    return tuple(dict.fromkeys(e.type for f in order for e in events[f]))
