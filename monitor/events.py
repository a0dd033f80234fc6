"""What happened: event types (watchlists/events.yaml) read from the sentences that name a watched
actor or place. Pure: no I/O, but for the compiled typer's file in the disk cache (`event_typer`).

A trigger counts only inside a sentence (`monitor.sentences.SENTENCE_BREAK`) with a mention of a
watched entity, outside a place's own name (the al-Qaim border *crossing* is a name, not a
crossing; an actor's name such as "Israeli strikes" does say what happened); its context rule
must hold, and no `not_new` word (the past, a habit) or `denial` negator may stand within the window
before it (or, for the `after` words, after it). A negated act in a sentence that reports speech is
a statement (a denial), so is a speech verb beside a watched actor in a sentence that reports no
act; a vague trigger takes the type of a means named near it (`means`) or yields to a specific type
in its sentence (`vague`). Sentences are folded like the matcher folds them (`monitor.normalise`);
an Arabic word also matches with its proclitics (`monitor.variants.arabic_forms`), and a word
written with a trailing `*` matches every longer word it starts. Overlapping triggers: the one
starting first wins, then the longest.
"""

from __future__ import annotations

import hashlib
import re
import sys
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from itertools import accumulate, islice, repeat
from operator import not_
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import monitor
from monitor import disk_cache
from monitor.normalise import Normalised, fold_words, normalise, unmarkup
from monitor.records import Event, Mention
from monitor.sentences import SENTENCE_BREAK
from monitor.watchlists import PLACE_KINDS
from monitor.word_phrases import Lexicon, Phrases, Starts

if TYPE_CHECKING:
    from monitor.watchlists import Alias, Context, EventTypes, Watchlist


_Span = tuple[int, int]
_Spans = list[_Span]


def _indices(aliases: Sequence[tuple[str, Alias]], texts: Sequence[str]) -> frozenset[int]:
    """The indices in `aliases` of the triggers written as one of `texts`."""
    return frozenset(i for i, (_, alias) in enumerate(aliases) if alias.text in texts)


def _between(plain: str, start: int, end: int) -> bool:
    """Whether plain[start:end], between a speaker and a speech verb, may join them."""
    return _UNBROKEN.fullmatch(plain, start, end) is not None and _THAT.search(plain, start, end) is None


def _quoted(plain: str, start: int, end: int) -> int:
    """1 where the name at plain[start:end] stands in quotes of its own (قالت حركة "عصائب أهل
    الحق"): they are no punctuation between it and its verb; else 0."""
    return int(start > 0 and end < len(plain) and plain[start - 1] in _QUOTES and plain[end] in _QUOTES)


_QUOTES = '"“”«»'


# A negator denies what its own clause says: "لم يشر إلى هوية أي منهم، قتلوا في القصف الجوي" (he did
# not name them; they were killed in the air strike) reports the strike. A comma or semicolon ends
# the clause.
_CLAUSE_BREAK = re.compile(r"[,،;؛]")


def _negation_reach(deny: _Spans, norm: Normalised, sentence: str) -> dict[int, int]:
    """Per denial (its first word), the index of the first word after the clause break that
    follows it, where there is one."""
    breaks = [_word_index_at(norm, found.start()) for found in _CLAUSE_BREAK.finditer(sentence)]
    return {i: next(b for b in breaks if b >= end) for i, end in deny if breaks and breaks[-1] >= end}


def _word_index_at(norm: Normalised, at: int) -> int:
    """How many words of the folded sentence stand before position `at` of the input sentence
    (its source offsets rise with its own)."""
    return len(norm.text[: bisect_left(range(len(norm.text)), at, key=norm.source)].split())


def _within(spans: Sequence[tuple[int, int]], low: int, high: int) -> bool:
    """Whether one of `spans` (first word, end word) lies wholly within words[low:high]."""
    for i, end in spans:  # noqa: SIM110 - a plain loop: any() over a generator costs a frame a call
        if low <= i and end <= high:
            return True
    return False


def _beside(spans: Sequence[tuple[int, int]], first: int, stop: int, window: int) -> bool:
    """Whether one of `spans` lies within `window` words before words[first:stop] or after it."""
    return _within(spans, first - window, first) or _within(spans, stop, stop + window)


def _words(text: str, offsets: Sequence[int]) -> tuple[list[str], list[int]]:
    """The words of folded `text` (what `_WORD` finds) and the index of the word at each of
    `offsets` (each a word's first character), by counting spaces rather than matching every word."""
    parts = text.split(" ")
    words = list(filter(None, parts))
    if len(words) == len(parts):
        return words, [text.count(" ", 0, at) for at in offsets]
    empty = list(accumulate(map(not_, parts)))  # empty parts up to each: the extra spaces
    return words, [(k := text.count(" ", 0, at)) - empty[k] for at in offsets]


@dataclass(frozen=True, slots=True)
class _Trigger:
    type: str
    forbid: Phrases | None
    require: Phrases | None
    window: int
    before: frozenset[str]
    after: frozenset[str]

    @classmethod
    def of(cls, type_id: str, context: Context | None, lexicon: Lexicon) -> _Trigger:
        if context is None:
            return cls(type_id, None, None, 0, frozenset(), frozenset())
        return cls(
            type_id, lexicon.phrases(context.forbid) if context.forbid else None,
            lexicon.phrases(context.require) if context.require else None, context.window,
            frozenset(fold_words(w) for w in context.forbid_before),
            frozenset(fold_words(w) for w in context.forbid_after),
        )  # fmt: skip

    def holds(self, words: Sequence[str], first: int, stop: int) -> bool:
        """The trigger's context rule, for the trigger at words[first:stop] of its sentence."""
        if self.forbid is None and self.require is None and not self.before and not self.after:
            return True
        if (first and words[first - 1] in self.before) or (stop < len(words) and words[stop] in self.after):
            return False
        if not (w := self.window):
            return self.require is None
        before, after = words[max(0, first - w) : first], words[stop : stop + w]
        if self.forbid is not None and (self.forbid.any_in(before) or self.forbid.any_in(after)):
            return False
        return self.require is None or self.require.any_in(before) or self.require.any_in(after)


# The cue lists, tagged in one set of phrases (one scan finds them all): events.yaml's not_new
# before, denial before, not_new after, not_act before, denial says, not_new earlier, not_new
# clause, denial not_negating, denial not_by, not_act until, irrealis and clause, then each means
# rule's words.
_BEFORE, _DENY, _AFTER, _NOT_ACT, _SAYS, _EARLIER, _CLAUSE, _NOT_NEGATING, _NOT_BY, _UNTIL = range(10)
_IRREALIS, _IRREALIS_CLAUSE, _BY = range(10, 13)
_SPOKEN = -2  # the trigger index of a statement by a speech verb (vague: see `speech.yield_to`)
_WORD = re.compile(r"[^ ]+")
_UNBROKEN = re.compile(r"[^,،:;\"“”«»()\[\]]*")  # no punctuation between a speaker and its verb
_THAT = re.compile(r"(?<!\w)(?:that|أن|إن|بأن|ان|بان)(?!\w)", re.IGNORECASE)  # what is said begins
# A year as a folded word: 2019, ٢٠١٩ (folded), 2019م, 1990s; 1901 on and not 2000 (round
# numbers are counts more often: "2000 fighters"), but the 2000s (a decade: group 2).
_YEAR = re.compile(r"(?<![^ ])(\d{4})(s?)م?(?![^ ])")
# A tally: a count of 20 or more right before a trigger of a violent act ("responsible for over 150
# attacks", "أكثر من 150 هجوما") is a record of acts, not a new one (shelling is left out: its
# triggers name munitions, and a salvo is counted in them, "fired 30 rockets"; so are people and
# goods: "174 displaced", "1,979 captagon pills"). Not after a month: "A Feb. 25 airstrike".
_TALLY = 20
# A concession's object is given, not reported: "Despite the build-up, sources said no unusual
# activity was seen", "رغم التعزيزات" (the word right before the trigger, or before its article or "of").
_CONCESSIVE = frozenset({"despite", "رغم", "برغم", "الرغم", "بالرغم", "وبالرغم", "ورغم"})
_LINKS = frozenset({"the", "a", "an", "of", "من"})
_FIRST_YEAR = 1900  # a four-digit number above it is a year ("the 2019 airstrike"), no count
_TALLIED = frozenset({"airstrike", "armed_clash", "explosion", "assassination"})
# The types a definite vague trigger refers back to when the last sentence before it with events
# had one: "Unknown aircraft targeted the base ... The targeting came days after reinforcements
# arrived", "تعرضت مواقع لقصف من طائرات مسيرة ... وذكر مصدر أن القصف استهدف مواقع".
_ANAPHORIC = frozenset({"airstrike", "shelling", "explosion"})
_REFERRING = frozenset({"armed_clash", "shelling", "explosion", "deployment"})  # what such a trigger is typed
_DEFINITE_AR = re.compile(r"(?:[وف]?[بكل]?ال|[وف]?لل)\w")  # القصف، والقصف، بالقصف، للقصف
_DEFINITE_REACH = 8  # characters before a trigger where its determiner stands ("those ")
_DEFINITE_EN = re.compile(r"(?:^|\W)(?:the|this|that|these|those)\s+$", re.IGNORECASE)


class EventTyper:
    """Compiled from events.yaml once; `find` may then be called from any thread."""

    def __init__(self, spec: EventTypes) -> None:
        self.names = {t.id: t.name for t in spec.types}
        aliases = [(t.id, alias) for t in spec.types for alias in t.triggers]
        lexicon = Lexicon()  # the words of every list below, made once
        self._triggers = [_Trigger.of(type_id, alias.context, lexicon) for type_id, alias in aliases]
        self._phrases = Phrases((alias.text for _, alias in aliases), lexicon=lexicon)
        self._window = spec.not_new.window
        self._since = frozenset(fold_words(w) for w in spec.not_new.since)
        self._act_window = spec.not_act.window
        self._keep = frozenset(spec.not_act.keep)
        self._vague = [
            (
                _indices(aliases, v.triggers),
                frozenset(v.yield_to),
            )
            for v in spec.vague
        ] + [(frozenset({_SPOKEN}), frozenset(spec.speech.yield_to))]
        self._all_vague = frozenset().union(*(indices for indices, _ in self._vague))
        self._year_window = spec.not_new.year_window
        self._deny_window = spec.denial.window
        self._not_by_window = spec.denial.not_by_window
        self._means = [(_indices(aliases, m.triggers), m.type, m.window) for m in spec.means]
        self._by_any = frozenset().union(*(indices for indices, _, _ in self._means))
        self._speech, self._speaker_gap = Phrases(spec.speech.verbs, lexicon=lexicon), spec.speech.gap
        new, denial = spec.not_new, spec.denial
        lists = (new.before, denial.before, new.after, spec.not_act.before, denial.says, new.earlier,
                 new.clause, denial.not_negating, denial.not_by, spec.not_act.until, spec.not_act.irrealis,
                 spec.not_act.clause, *(m.by for m in spec.means))  # fmt: skip
        tagged = [(phrase, tag) for tag, phrases in enumerate(lists) for phrase in phrases]
        self._cues = Phrases((phrase for phrase, _ in tagged), (tag for _, tag in tagged), lexicon)
        self._starts = Starts((self._phrases, self._speech, self._cues), needed=0b11)

    def find(self, text: str, mentions: Sequence[Mention], year: int | None = None) -> list[Event]:
        """The events in `text` (plain or markup) near `mentions` (found in the same text); `year`
        is the text's own (its publication's; the current year when None): an earlier one near a
        trigger is the past."""
        if not self._triggers or not mentions:
            return []
        year = year or datetime.now(UTC).year
        plain = unmarkup(text) if "<" in text or "&" in text else text
        found: list[Event] = []
        earlier: set[str] = set()  # the last sentence's types with events (a definite vague trigger)
        spans = sorted((m.start, m.end, m.kind in PLACE_KINDS) for m in mentions)
        starts = [s for s, _, _ in spans]
        for begin, end in sentences_around(text, starts):
            low, high = bisect_left(starts, begin), bisect_left(starts, end)  # the sentence's mentions
            places = [(s, e) for s, e, place in spans[low:high] if place]
            actors = [(s, e) for s, e, place in spans[low:high] if not place]
            events = self._yielded(
                list(self._in_sentence(text, plain, begin, end, places, actors, year)), text, earlier
            )
            found += events
            earlier = {event.type for event in events} or earlier
        return found

    def _yielded(self, found: list[tuple[Event, int]], text: str, earlier: set[str]) -> list[Event]:
        """A sentence's events but those of vague triggers that yield to a type found beside them
        (events.yaml `vague`, rule by rule in order), or, written definite ("the targeting",
        القصف; one of an act, `_REFERRING`: not a title or a speaker, المتحدث), to a type of
        `_ANAPHORIC` found in the last sentence before it with events: the act named there."""
        if (len(found) > 1 or earlier & _ANAPHORIC) and not self._all_vague.isdisjoint(i for _, i in found):
            before = earlier & _ANAPHORIC
            for indices, types in self._vague:
                present = {event.type for event, _ in found}
                found = [
                    (e, i)
                    for e, i in found
                    if i not in indices
                    or not (
                        types & (_reported(found, e, text) if i == _SPOKEN else present)
                        or (types & before and e.type in _REFERRING and _definite(text, e))
                    )
                ]
        return [event for event, _ in found]

    def _in_sentence(
        self,
        text: str,
        plain: str,
        begin: int,
        end: int,
        places: list[tuple[int, int]],
        actors: list[tuple[int, int]],
        year: int,
    ) -> Iterator[tuple[Event, int]]:
        """The sentence's events, each with the index of its trigger (-1 for a type not its own: a
        trigger given its means, a denial)."""
        norm = normalise(plain[begin:end])
        if (found := self._starts(norm.text)) is None:
            return
        years = [
            y.start()
            for y in _YEAR.finditer(norm.text)
            if _FIRST_YEAR < int(y[1]) < year and (int(y[1]) % 100 or y[2])
        ]
        offsets = [at for group in found for at in group]
        words, indices = _words(norm.text, offsets + years)
        groups, at = [], 0
        for group in found:
            groups.append(indices[at : at + len(group)])
            at += len(group)
        starts, speech, cued = groups
        cues = self._cued(words, cued, indices[at:])
        if cues.deny and _CLAUSE_BREAK.search(plain, begin, end):
            cues = cues._replace(reach=_negation_reach(cues.deny, norm, plain[begin:end]))
        offset_of = dict(zip(indices, offsets, strict=False))
        denied = False
        stated: set[tuple[int, int]] = set()  # the spans typed statement so far
        for index, first, stop in self._phrases.scan(words, starts):
            start, finish = _span(norm, words, offset_of[first], first, stop, begin)
            # inside a place's name (an actor's, such as "Israeli strikes", says what it did); one
            # that only ends in it names it ("the closure of the crossing at al-Bukamal")
            if any(s <= start < e for s, e in places):
                continue
            trigger = self._triggers[index]
            if not trigger.holds(words, first, stop):
                continue
            if trigger.type not in self._keep and cues.not_an_act(first, self._act_window):
                continue
            if (trigger.type in _TALLIED and _tallied(words, first)) or _conceded(words, first):
                continue
            if not cues.is_new(first, stop, self._window, self._year_window):
                negated = cues.reaches(cues.deny, first, self._deny_window)
                denied |= negated and trigger.type not in self._keep
                continue
            kind = trigger.type
            if index in self._by_any:
                kind, index = self._by_means(index, cues.by, first, stop)
            if kind == "statement":
                stated.add((start, finish))
            yield Event(kind, start, finish, text[start:finish]), index
        said = [s for s in cues.says if cues.is_new(*s, self._window, self._year_window)] if denied else []
        if said:  # a denial, said (not itself denied or dated: "ولم تصدر ... حتى إعداد الخبر بيانا")
            start, finish = _span(norm, words, offset_of[said[0][0]], *said[0], begin)
            if (start, finish) not in stated:  # a "said" trigger, or a speaker, names it once
                stated.add((start, finish))
                yield Event("statement", start, finish, text[start:finish]), -1
        w = self._not_by_window
        for first, stop in self._speech.spans(words, speech):
            if not cues.is_new(first, stop, self._window, self._year_window):
                continue  # said in the past ("In June, ... the Brigades confirmed"), or denied
            if _beside(cues.not_by, first, stop, w):
                continue  # a source speaks, not the actor beside it ("وقال مصدر عسكري في الفرقة الرابعة")
            start, finish = _span(norm, words, offset_of[first], first, stop, begin)
            if (start, finish) not in stated and self._spoken_by(plain, start, finish, actors):
                yield Event("statement", start, finish, text[start:finish]), _SPOKEN

    def _cued(self, words: Sequence[str], starts: list[int], years: list[int]) -> _Cues:
        """Where the cues stand, from the word indices where one may start and the earlier years'."""
        found: list[_Spans] = [[] for _ in range(_BY + len(self._means))]
        for tag, first, end in self._cues.tagged(words, starts):
            found[tag].append((first, end))
        past = [(y, y + 1) for y in years if not (y and words[y - 1] in self._since)] + _ago(words)
        (
            before,
            deny,
            after,
            not_act,
            says,
            earlier,
            clause,
            not_negating,
            not_by,
            until,
            irrealis,
            that,
            *by,
        ) = found
        if not_negating:  # "not only", ولا سيما, "دون تحديد هويته": what they begin negates nothing
            starting = {first for first, _ in not_negating}
            deny = [span for span in deny if span[0] not in starting]
            before = [span for span in before if span[0] not in starting]
        if not_by:  # "a source told", "قال المصدر": someone else's report, no statement
            w = self._not_by_window
            says = [(i, end) for i, end in says if not _beside(not_by, i, end, w)]
        w = self._act_window  # a hope, fear or expectation whose clause (that, بأن) follows within the window
        hoped = [(j, end) for j, end in that if any(i < j <= e + w for i, e in irrealis)]
        return _Cues(
            before + deny, deny, after, not_act, past + earlier, by, says, clause, until, hoped, not_by
        )

    def _spoken_by(self, plain: str, start: int, finish: int, actors: list[tuple[int, int]]) -> bool:
        """Whether a watched actor stands right before or after the speech verb at start:finish
        ("the SDF said", "وقالت المقاومة الإسلامية كتائب حزب الله"): within `speech.gap`
        characters, no punctuation between (", the monitor said" is someone else speaking) and no
        "that"/أن (what is said begins: "ذكرت وكالة سانا أن الجيش السوري ...")."""
        return any(
            (0 <= start - e <= self._speaker_gap and _between(plain, e + _quoted(plain, s, e), start))
            or (0 <= s - finish <= self._speaker_gap and _between(plain, finish, s - _quoted(plain, s, e)))
            for s, e in actors
        )

    def _by_means(self, index: int, by: list[_Spans], first: int, stop: int) -> tuple[str, int]:
        """The type of the trigger `index` at words[first:stop]: a means rule's where one of its
        words stands near (then no longer vague: index -1), else its own."""
        for (indices, kind, w), spans in zip(self._means, by, strict=True):
            if index in indices and (_within(spans, first - w, first) or _within(spans, stop, stop + w)):
                return kind, -1
        return self._triggers[index].type, index


class _Cues(NamedTuple):  # a tuple: one is made for every sentence with a mention
    """Where in a sentence (spans of words) the words that qualify a trigger stand."""

    before: _Spans  # not new: a denial, the past, a habit, before the trigger
    deny: _Spans  # the denials among them
    after: _Spans  # not new, after it
    not_act: _Spans  # a threat, condition, the future
    past: _Spans  # an earlier year or date
    by: list[_Spans]  # per means rule, its words
    says: _Spans  # speech, which makes a denial a statement
    clause: _Spans  # relative pronouns, which keep a date in their clause
    until: _Spans  # after, عقب: what follows happened, whatever was threatened before
    hoped: _Spans  # the that/بأن of a hope, fear or expectation: what follows it is not (yet) so
    not_by: _Spans  # a source, resident or monitor: their report, not a statement
    reach: dict[int, int] = {}  # noqa: RUF012 - a denial's first word -> the first word past its clause

    def not_an_act(self, first: int, window: int) -> bool:
        """Whether a threat, condition or call (`not_act`) within `window` words before the trigger
        at word `first` reaches it: no `until` word (after, بعد) between them."""
        return any(
            first - window <= i and end <= first and not _within(self.until, end, first)
            for i, end in self.not_act
        ) or any(end <= first and not _within(self.until, end, first) for _, end in self.hoped)

    def reaches(self, spans: _Spans, first: int, window: int) -> bool:
        """Whether one of `spans` stands within `window` words before word `first`; a denial only
        within its own clause (`reach`)."""
        for i, end in spans:  # noqa: SIM110 - a plain loop, as in _within: called per trigger
            if first - window <= i and end <= first and first < self.reach.get(i, first + 1):
                return True
        return False

    def is_new(self, first: int, stop: int, window: int, year_window: int) -> bool:
        """Whether the trigger at words[first:stop] reports a new act: no denial, habit or past
        word within `window` words, and no earlier date that `dates` it."""
        return not (
            self.reaches(self.before, first, window)
            or _within(self.after, stop, stop + window)
            or _within(self.past, first - window, stop + window)
            or any(self.dates(first, stop, at, year_window) for at, _ in self.past)
        )

    def dates(self, first: int, stop: int, at: int, year_window: int) -> bool:
        """Whether the earlier date at word `at`, beyond the not-new window of the trigger at
        words[first:stop] but within `year_window`, dates it: no relative clause (`clause`: which,
        التي) opens between them ("البوكمال التي سيطرت عليها قوات النظام عام 2017" dates the
        capture, not the act before it)."""
        if at < first:
            return first - at <= year_window and not _within(self.clause, at + 1, first)
        return at - stop < year_window and not _within(self.clause, stop, at)


def _reported(found: list[tuple[Event, int]], said: Event, text: str) -> set[str]:
    """The types of the sentence's acts that the speaker of `said` may be reporting: not an act
    named before it as the occasion of what it says ("After US airstrikes on the group, Kataib
    Hezbollah says it will keep fighting US troops" is a statement about the strikes)."""
    return {
        e.type
        for e, _ in found
        if not (e.start < said.start and _OCCASION.search(text, max(0, e.start - _OCCASION_REACH), e.start))
    }


# "after" or "following" an act, up to two words between ("after the US airstrikes"): its occasion
_OCCASION = re.compile(
    r"(?:^|[\s(«\"“])(?:after|following|[وف]?(?:بعد|عقب|إثر|اثر)|أعقاب|اعقاب)\s+(?:\S+\s+){0,2}$",
    re.IGNORECASE,
)
_OCCASION_REACH = 40  # characters before the act's trigger


def _tallied(words: Sequence[str], first: int) -> bool:
    """Whether the trigger at word `first` is counted as a tally: right after a number of `_TALLY`
    or more and no year (digits, folded from Arabic ones too; "of"/من between them allowed)."""
    at = first - 1
    if at > 0 and words[at] in ("of", "من"):
        at -= 1
    if at < 1 or not words[at].isdigit() or not _TALLY <= int(words[at]) <= _FIRST_YEAR:
        return False  # at 0 a date's day more often, its month cut off as a sentence ("Feb. 25 airstrike")
    # after a month, a date's day; after a short code, a model's number (an AC-130 gunship, MQ-9)
    return _MONTH.match(words[at - 1]) is None and words[at - 1] not in _MODELS


# the letters of aircraft models, folded apart from their number: AC-130, MQ-9, F-16, Su-24, Mi-24
_MODELS = frozenset("ac mq rq f b ah uh mh hh ch kc su mi ka tb".split())


# "قبل عشرة أيام", "قبل قرابة عشرين يوما": a count of days, weeks, months or years ago dates what the
# sentence reports (the count is needed: "قبل أيام", a few days ago, is still the news).
_AGO = frozenset({"قبل", "وقبل"})
_AGO_UNITS = frozenset({"ايام", "يوما", "اسابيع", "اسبوعا", "اشهر", "شهور", "شهرا", "سنوات", "اعوام", "عاما"})
_AGO_REACH = 3  # words from قبل to its unit: "قبل قرابة عشرين يوما"


# "على مدار ثلاث سنوات", "على مدى عامين": months or years over which the acts ran make them a record,
# not news (days are left out: clashes "على مدى يومين" are the news).
_OVER = frozenset({"مدار", "مدي"})
_OVER_AFTER = frozenset({"علي", "وعلي"})
_OVER_UNITS = frozenset({"اشهر", "شهور", "شهرا", "شهرين", "سنوات", "سنين", "اعوام", "عاما", "عامين", "سنتين"})


def _ago(words: Sequence[str]) -> _Spans:
    """The spans of `_AGO` words followed, after a count, by one of `_AGO_UNITS`, and of `_OVER`
    words after على followed by one of `_OVER_UNITS` (a dual needs no count: عامين)."""
    return [
        (i, i + 1)
        for i, word in enumerate(words)
        if (word in _AGO and not _AGO_UNITS.isdisjoint(words[i + 2 : i + 1 + _AGO_REACH]))
        or (
            word in _OVER
            and i
            and words[i - 1] in _OVER_AFTER
            and not _OVER_UNITS.isdisjoint(words[i + 1 : i + 1 + _AGO_REACH])
        )
    ]


def _definite(text: str, event: Event) -> bool:
    """Whether the trigger of `event` (found in `text`) is written definite: with the Arabic
    article, or right after "the", "this" and the like."""
    before = text[max(0, event.start - _DEFINITE_REACH) : event.start]
    return _DEFINITE_AR.match(event.text) is not None or _DEFINITE_EN.search(before) is not None


def _conceded(words: Sequence[str], first: int) -> bool:
    """Whether the trigger at word `first` is the object of a concession (`_CONCESSIVE`)."""
    at = first - 1
    while at > 0 and words[at] in _LINKS and first - at < 3:
        at -= 1
    return at >= 0 and words[at] in _CONCESSIVE


def _span(norm: Normalised, words: Sequence[str], at: int, first: int, stop: int, begin: int) -> _Span:
    """Offsets in the field of words[first:stop] of the sentence (folded: `norm`) at `begin`."""
    if stop - first == 1:
        start, finish = norm.span(at, at + len(words[first]))
    else:
        *_, last = islice(_WORD.finditer(norm.text, at), stop - first)
        start, finish = norm.span(at, last.end())
    return start + begin, finish + begin


_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_MONTH = re.compile(f"(?:{_MONTHS})")  # a month's name (folded) begins with
# A date: "March 3, 2019", "3 March 2019", "2019-09-30", "2019/09/30", "30/09/2019" (the year caught).
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})[a-z]*\.? \d{{1,2}},? |\d{{1,2}} (?:{_MONTHS})[a-z]*\.? )((?:19|20)\d\d)\b"
    r"|\b((?:19|20)\d\d)[-/.]\d{1,2}[-/.]\d{1,2}\b|\b\d{1,2}[-/.]\d{1,2}[-/.]((?:19|20)\d\d)\b",
    re.IGNORECASE,
)
# An Arabic date: "5 شباط/فبراير 2024", "13 من تشرين الثاني 2023" (the Levantine and the Egyptian months).
_AR_MONTHS = (
    "كانون الثاني|شباط|[اأإآ]ذار|نيسان|[اأإآ]يار|حزيران|تموز|[اأإآ]ب|[اأإآ]يلول"
    "|تشرين ال[اأإآ]ول|تشرين الثاني|كانون ال[اأإآ]ول"
    "|يناير|فبراير|مارس|[اأإآ]بريل|مايو|يونيو|يوليو|[اأإآ]غسطس|سبتمبر|[اأإآ]كتوبر|نوفمبر|ديسمبر"
)
_AR_DATE = re.compile(
    rf"(?<!\d)\d{{1,2}} (?:من )?(?:{_AR_MONTHS})(?:[/ ](?:{_AR_MONTHS}))?،? ((?:19|20)\d\d)(?!\d)"
)
_DATELINE = 300  # characters at the head of a text where its own date stands


def dated(text: str, now: datetime | None = None) -> int:
    """The year of a text without a published date (`monitor match`): the latest date in its
    first lines (a dateline: "BEIRUT, March 3, 2019", "2019/09/30 | 17:15", "5 شباط/فبراير 2024"), else
    the current year."""
    this = (now or datetime.now(UTC)).year
    head = text[:_DATELINE]
    years = [int(y) for date in (_DATE, _AR_DATE) for m in date.finditer(head) for y in m.groups() if y]
    return max((y for y in years if y <= this), default=this)


def sentences_around(text: str, starts: Sequence[int]) -> Iterator[tuple[int, int]]:
    """(begin, end) of each sentence, as `SENTENCE_BREAK.finditer(text)` cuts the whole text
    (from a break's end to the next break's start), that holds one of `starts` (sorted offsets
    of mentions, each on a word's first character).

    Found around each start rather than over the whole text (that scan was a third of typing a
    large text). In plain text a break starts right after a mark (. ! ? ؟ 。) or holds a newline,
    so the break regex is run only from the marks nearest the start, and from a character that
    is not whitespace: no break holds one, so from there on the regex finds exactly the breaks a
    whole-text scan finds. Markup, where a tag is a break too, is scanned whole."""
    if "<" in text or any(text[s].isspace() for s in starts):
        breaks = [0] + [b for m in SENTENCE_BREAK.finditer(text) for b in (m.start(), m.end())] + [len(text)]
        bounds = zip(breaks[::2], breaks[1::2], strict=True)
        yield from ((b, e) for b, e in bounds if bisect_left(starts, b) < bisect_left(starts, e))
        return
    end = 0
    for start in starts:
        if start >= end:
            after, mark = None, _MARK.search(text, start)
            while mark is not None:
                if (after := _break_at(text, _tries(text, mark.start(), start))) is not None:
                    break
                mark = _MARK.search(text, mark.end())
            end = after.start() if after else len(text)
            yield _sentence_start(text, start), end


_MARKS = ".!?؟。\n"
_MARK = re.compile(f"[{_MARKS}]")
_REACH = 256  # characters looked back for a mark at first, then 4 times more, and so on


def _tries(text: str, mark: int, floor: int) -> range | None:
    """Where a break made by the mark at `mark` may start: right after it (or after a closing
    quote), or for a newline in the whitespace before it. The character before the first of them
    is no whitespace, so no break holds it: a scan of the whole text tries them too, in this
    order. None when that whitespace reaches back to `floor` (above 0): look further back."""
    if text[mark] != "\n":
        return range(mark + 1, mark + 3)
    first = floor + len(text[floor:mark].rstrip())
    return None if first == floor > 0 else range(first, mark + 3)


def _break_at(text: str, tries: range | None) -> re.Match[str] | None:
    for at in tries or ():
        if (found := SENTENCE_BREAK.match(text, at)) is not None:
            return found
    return None


def _sentence_start(text: str, at: int) -> int:
    """Where the sentence around offset `at` (on a word) of plain text begins: the end of the break
    made by the last mark before it that makes one, else 0."""
    limit, reach = at, _REACH
    while True:
        low = max(0, at - reach)
        mark = max(map(text.rfind, _MARKS, repeat(low), repeat(limit)))
        tries = _tries(text, mark, low) if mark >= 0 else None
        if tries is None:
            if low == 0:
                return 0
            reach *= 4
            continue
        if (found := _break_at(text, tries)) is not None and found.start() < limit:
            return found.end()
        limit = min(mark, tries.start)  # no break at this mark (U.S. forces, 3.5): the one before it


_TYPERS: dict[int, tuple[EventTypes, EventTyper]] = {}
_TYPERS_KEPT = 4  # watchlists in use at once: the daemon's, a reload's, a test's


def event_typer(watchlist: Watchlist) -> EventTyper:
    """The watchlist's EventTyper, compiled at its first use (the spec is kept, so its id stays its own)."""
    spec = watchlist.events
    if (cached := _TYPERS.get(id(spec))) is None or cached[0] is not spec:
        while len(_TYPERS) >= _TYPERS_KEPT:
            del _TYPERS[next(iter(_TYPERS))]  # the oldest: a watchlist replaced by a reload
        cached = _TYPERS[id(spec)] = (spec, _compiled(spec))
    return cached[1]


def _compiled(spec: EventTypes) -> EventTyper:
    """EventTyper(spec), read from the disk cache when it holds one compiled from exactly this spec
    by this code: compiling costs every `monitor match` process ~0.23 CPU-s, reading it ~0.05."""
    path = disk_cache.cache_path("events", _digest(spec))
    cached = disk_cache.load(path)
    if isinstance(cached, EventTyper):
        return cached
    typer = EventTyper(spec)
    disk_cache.save(path, typer)
    return typer


def _digest(spec: EventTypes) -> str:
    """A hash of the spec (its repr: fields in order, tuples, no sets) and of the code that compiles it."""
    digest = hashlib.sha256(repr((monitor.__version__, version("pyahocorasick"), sys.version, spec)).encode())
    for name in (__name__, "monitor.word_phrases", "monitor.normalise", "monitor.variants"):
        digest.update(Path(sys.modules[name].__file__ or "").read_bytes())
    return digest.hexdigest()[:32]


def find_events(
    watchlist: Watchlist,
    fields: Mapping[str, str],
    mentions: Mapping[str, Sequence[Mention]],
    year: int | None = None,
) -> dict[str, list[Event]]:
    """Per field, the events near that field's mentions (`year`: see EventTyper.find)."""
    events = event_typer(watchlist)
    return {
        name: found for name, ms in mentions.items() if (found := events.find(fields.get(name, ""), ms, year))
    }


def event_types(events: Mapping[str, Sequence[Event]]) -> tuple[str, ...]:
    """The article's event types, in order of first appearance (title, summary, content)."""
    order = [f for f in ("title", "summary", "content") if f in events] + [
        f for f in events if f not in ("title", "summary", "content")
    ]
    return tuple(dict.fromkeys(e.type for f in order for e in events[f]))
