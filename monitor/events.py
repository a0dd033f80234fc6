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
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor.normalise import fold_words, is_arabic, normalise, strip_article, unmarkup
from monitor.records import Event, Mention
from monitor.sentences import SENTENCE_BREAK
from monitor.variants import arabic_forms
from monitor.watchlists import PLACE_KINDS

if TYPE_CHECKING:
    from monitor.watchlists import Context, EventTypes, Watchlist


_CACHE_WORDS = 200_000  # distinct words whose candidate phrases are remembered


@dataclass(frozen=True, slots=True)
class _Word:
    """One written word of a trigger or cue, folded: its forms, and whether longer words count."""

    forms: frozenset[str]
    wild: bool

    def accepts(self, word: str) -> bool:
        return word in self.forms or (self.wild and any(word.startswith(f) for f in self.forms))


def _phrase(text: str) -> tuple[_Word, ...]:
    """A trigger or cue as folded words; an Arabic first word also with its proclitics."""
    words: list[_Word] = []
    for written in text.split():
        parts = fold_words(written.rstrip("*")).split(" ")  # folding may split one: sit-in
        for i, part in enumerate(p for p in parts if p):
            forms = {part}
            if not words and is_arabic(part[0]):
                forms |= set(arabic_forms(*strip_article(part)))
            words.append(_Word(frozenset(forms), written.endswith("*") and i == len(parts) - 1))
    return tuple(words)


class _Phrases:
    """Phrases found word by word: candidates by their first word (a dict lookup per form, and per
    prefix of the word for `*` words), then the rest compared in place. A regex alternation of
    every trigger was 100 times slower than matching itself."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self.phrases = [words for p in phrases if (words := _phrase(p))]
        self._exact: dict[str, list[int]] = {}
        self._prefix: dict[str, list[int]] = {}
        for index, words in enumerate(self.phrases):
            table = self._prefix if words[0].wild else self._exact
            for form in words[0].forms:
                table.setdefault(form, []).append(index)
        self._prefix_lengths = sorted({len(form) for form in self._prefix})
        self._starting: dict[str, tuple[int, ...]] = {}  # word -> phrases it may start (a cache)

    def _candidates(self, word: str) -> tuple[int, ...]:
        if (found := self._starting.get(word)) is None:
            found = tuple(self._exact.get(word, ())) + tuple(
                i for k in self._prefix_lengths if k <= len(word) for i in self._prefix.get(word[:k], ())
            )
            if len(self._starting) > _CACHE_WORDS:
                self._starting.clear()
            self._starting[word] = found
        return found

    def at(self, words: Sequence[str], i: int) -> Iterator[tuple[int, int]]:
        """(phrase index, end word index) of every phrase that starts at words[i]."""
        for index in self._candidates(words[i]):
            phrase = self.phrases[index]
            end = i + len(phrase)
            if end <= len(words) and all(w.accepts(words[i + j]) for j, w in enumerate(phrase[1:], 1)):
                yield index, end

    def scan(self, words: Sequence[str]) -> Iterator[tuple[int, int, int]]:
        """(phrase index, first word, end word) of the phrases found: the first to start wins an
        overlap, then the longest."""
        i = 0
        while i < len(words):
            if not self._candidates(words[i]):
                i += 1
                continue
            best = max(self.at(words, i), key=lambda found: (found[1], -found[0]), default=None)
            if best is None:
                i += 1
                continue
            yield best[0], i, best[1]
            i = best[1]

    def any_in(self, words: Sequence[str]) -> bool:
        return any(
            self._candidates(word) and next(self.at(words, i), None) is not None
            for i, word in enumerate(words)
        )


@dataclass(frozen=True, slots=True)
class _Trigger:
    type: str
    forbid: _Phrases | None
    require: _Phrases | None
    window: int
    before: frozenset[str]
    after: frozenset[str]

    @classmethod
    def of(cls, type_id: str, context: Context | None) -> _Trigger:
        if context is None:
            return cls(type_id, None, None, 0, frozenset(), frozenset())
        return cls(
            type_id, _Phrases(context.forbid) if context.forbid else None,
            _Phrases(context.require) if context.require else None, context.window,
            frozenset(fold_words(w) for w in context.forbid_before),
            frozenset(fold_words(w) for w in context.forbid_after),
        )  # fmt: skip

    def holds(self, left: Sequence[str], right: Sequence[str]) -> bool:
        """The trigger's context rule, given the sentence's words before and after it."""
        if (left and left[-1] in self.before) or (right and right[0] in self.after):
            return False
        near = (left[-self.window :], right[: self.window]) if self.window else ((), ())
        if self.forbid is not None and any(self.forbid.any_in(side) for side in near):
            return False
        return self.require is None or any(self.require.any_in(side) for side in near)


_WORD = re.compile(r"[^ ]+")


class EventTyper:
    """Compiled from events.yaml once; `find` may then be called from any thread."""

    def __init__(self, spec: EventTypes) -> None:
        self.names = {t.id: t.name for t in spec.types}
        aliases = [(t.id, alias) for t in spec.types for alias in t.triggers]
        self._triggers = [_Trigger.of(type_id, alias.context) for type_id, alias in aliases]
        self._phrases = _Phrases(alias.text for _, alias in aliases)
        self._window = spec.not_new.window
        self._not_before = _Phrases(spec.not_new.before)
        self._not_after = _Phrases(spec.not_new.after)

    def find(self, text: str, mentions: Sequence[Mention]) -> list[Event]:
        """The events in `text` (plain or markup) near `mentions` (found in the same text)."""
        if not self._triggers or not mentions:
            return []
        plain = unmarkup(text) if "<" in text or "&" in text else text
        breaks = [0] + [b for m in SENTENCE_BREAK.finditer(text) for b in (m.start(), m.end())] + [len(text)]
        found: list[Event] = []
        spans = sorted((m.start, m.end, m.kind in PLACE_KINDS) for m in mentions)
        starts = [s for s, _, _ in spans]
        for begin, end in zip(breaks[::2], breaks[1::2], strict=True):
            low, high = bisect_left(starts, begin), bisect_left(starts, end)  # the sentence's mentions
            if low < high:
                places = [(s, e) for s, e, place in spans[low:high] if place]
                found += self._in_sentence(text, plain, begin, end, places)
        return found

    def _in_sentence(
        self, text: str, plain: str, begin: int, end: int, places: list[tuple[int, int]]
    ) -> Iterable[Event]:
        norm = normalise(plain[begin:end])
        spans = [(m.start(), m.end()) for m in _WORD.finditer(norm.text)]
        words = [norm.text[a:b] for a, b in spans]
        for index, first, stop in self._phrases.scan(words):
            start, finish = norm.span(spans[first][0], spans[stop - 1][1])
            start, finish = start + begin, finish + begin
            if any(s < finish and start < e for s, e in places):
                continue  # inside a place's name (an actor's, such as "Israeli strikes", says what it did)
            trigger = self._triggers[index]
            left, right = words[:first], words[stop:]
            if trigger.holds(left, right) and not self._not_new(left, right):
                yield Event(trigger.type, start, finish, text[start:finish])

    def _not_new(self, left: Sequence[str], right: Sequence[str]) -> bool:
        return self._not_before.any_in(left[-self._window :]) or self._not_after.any_in(right[: self._window])


_TYPERS: dict[int, tuple[EventTypes, EventTyper]] = {}
_TYPERS_KEPT = 4  # watchlists in use at once: the daemon's, a reload's, a test's


def event_typer(watchlist: Watchlist) -> EventTyper:
    """The watchlist's EventTyper, compiled at its first use (the spec is kept, so its id stays its own)."""
    spec = watchlist.events
    if (cached := _TYPERS.get(id(spec))) is None or cached[0] is not spec:
        while len(_TYPERS) >= _TYPERS_KEPT:
            del _TYPERS[next(iter(_TYPERS))]  # the oldest: a watchlist replaced by a reload
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
