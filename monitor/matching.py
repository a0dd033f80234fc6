"""Find watchlist entities in text (English and Arabic).

Owns the alias automaton, disambiguation (context words, case, requires_related, the context
rules), and overlap resolution. Folding lives in `monitor.normalise`, spelling variants in
`monitor.variants`, sentence breaks and snippets in `monitor.sentences`, priority rules in
`monitor.priority`. Pure: no I/O.

How a text is matched, and the trade-offs that make it fast:

1. Fold and squeeze (`monitor.normalise.normalise`): one character for one character, with an
   offset map paid per match rather than per character.
2. Scan. Words in the normalised text are separated by spaces only, so every key in the
   Aho-Corasick automaton is an alias variant padded with a space on both sides (the text is
   padded too). Whole-word boundaries then cost nothing and the automaton never reports a hit
   inside a word; Arabic proclitics (و ف ب ل ك, with or without ال, and لل), the optional
   article (al-, el-, ال) and generated transliterations are further keys rather than relaxed
   boundaries, so their cost is paid once when the automaton is built.
3. Check. Hits of aliases with conditions (context words, case, a possessive on a short alias)
   are checked within their sentence; the longest hit wins an overlap; requires_related aliases
   are kept only when a parent or related entity survived; offsets are mapped back to the input.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

import ahocorasick

from monitor.normalise import (
    APOSTROPHES,
    ARABIC_ARTICLE,
    TATWEEL,
    Normalised,
    fold_words,
    is_arabic,
    normalise,
    strip_article,
    unmarkup,
)
from monitor.priority import prioritise
from monitor.records import Event, Mention, Priority
from monitor.sentences import SENTENCE_BREAK
from monitor.variants import CONJUNCTIONS, PREPOSITIONS, Variant, key_table

if TYPE_CHECKING:
    from monitor.watchlists import Alias, Context, Entity, Watchlist

_SHORT_ALIAS = 5  # shorter aliases (Ana, Rawa, Heri) take a trailing s only as a possessive


# --- the matcher -------------------------------------------------------------------------------


def _folded(words: Iterable[str]) -> frozenset[str]:
    return frozenset(fold_words(w) for w in words)


@dataclass(frozen=True, slots=True)
class _Words:
    """An alias's context words, folded like the text."""

    require: frozenset[str] = frozenset()
    forbid: frozenset[str] = frozenset()
    window: int = 0
    before: frozenset[str] = frozenset()
    after: frozenset[str] = frozenset()
    pairs: bool = False  # a context word has a space, so word pairs must be compared too

    @classmethod
    def of(cls, context: Context | None) -> _Words:
        if context is None:
            return cls()
        require, forbid = _folded(context.require), _folded(context.forbid)
        return cls(
            require, forbid, context.window, _folded(context.forbid_before), _folded(context.forbid_after),
            any(" " in word for word in require | forbid),
        )  # fmt: skip

    def __bool__(self) -> bool:
        return bool(self.require or self.forbid or self.before or self.after)


class _Ref(NamedTuple):  # a tuple: tens of thousands are made for each Matcher
    """What one automaton key stands for: an alias of an entity, in one variant."""

    entity: Entity
    alias: Alias
    variant: Variant
    context: _Words
    case_letters: str  # the alias's letters and digits, for case-sensitive aliases
    possessive_only: bool  # a short alias takes its trailing s only after an apostrophe: Ana's, never Anas
    needs_check: bool  # context, case or possessive: checked while scanning
    kind_rules: bool  # a place or a person: the sports, outlet, dateline rules run on its hits
    role: bool  # a role name (roles.yaml): stands beside a name it overlaps (Bashar al-Assad’s regime)


class _Hit(NamedTuple):  # a tuple: made for every automaton hit, so it must be cheap
    start: int  # in the normalised text
    end: int
    ref: _Ref


class Explained(NamedTuple):
    """Why a mention was reported, or why a candidate was not (`monitor match --explain`)."""

    entity: str
    start: int  # in the input
    end: int
    text: str
    alias: str  # the alias as written in the watchlist
    variant: str  # the rules that made the matched key from the alias ("as written" when none)
    rule: str  # the context rule that kept it, or the one that dropped it
    kept: bool


class Matcher:
    """Built once from a Watchlist; `find` and `find_in_markup` may then be called from any thread."""

    def __init__(self, watchlist: Watchlist) -> None:
        self.watchlist = watchlist
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY, ahocorasick.KEY_STRING)
        entities = list(watchlist.entities.values())
        aliases = [(e.id, i, a.text, a.case_sensitive) for e in entities for i, a in enumerate(e.aliases)]
        table, self.withheld = key_table(aliases)  # withheld: generated keys the guard dropped, and why
        roles = watchlist.role_aliases
        makers = {
            (e.id, i): _RefMaker(e, a, (e.id, a.text) in roles)
            for e in entities
            for i, a in enumerate(e.aliases)
        }
        collecting = gc.isenabled()
        gc.disable()  # tens of thousands of small refs, none of them garbage: collections only cost time
        try:
            for key, rows in table.items():
                refs = [makers[entity, index].ref(Variant(key, suffix, rank, tuple(rules)))
                        for entity, index, suffix, rank, rules in rows]  # fmt: skip
                best = _best_variants(refs)
                self._automaton.add_word(f" {key} ", (len(key) + 2, best, any(r.needs_check for r in best)))
        finally:
            if collecting:
                gc.enable()
        self._empty = not len(self._automaton)
        if not self._empty:
            self._automaton.make_automaton()
        self._related = {e.id: frozenset(e.parents + e.related) for e in watchlist.entities.values()}
        self._deserts = desert_regions(watchlist)

    def find(self, text: str) -> list[Mention]:
        """Every entity mention in plain `text`, in order; offsets index `text` as given."""
        return self._find(text, text)

    def find_in_markup(self, text: str) -> list[Mention]:
        """Like `find` for HTML/feed markup; surfaces may contain entities such as `&#8217;`."""
        return self._find(text, unmarkup(text))

    def explain(self, text: str) -> tuple[list[Mention], list[Explained]]:
        """`find_in_markup(text)` and, per candidate the automaton found, why it was kept or
        dropped: the alias, the variant rules, and the context rule (slower; for people)."""
        mentions = self.find_in_markup(text)
        plain = unmarkup(text)
        norm = normalise(plain)
        reported = {(m.entity, m.start, m.end) for m in mentions}
        rows: list[Explained] = []
        for end, (length, refs, _checked) in self._automaton.iter(f" {norm.text} "):
            start = end - length + 1
            source_start, source_end = norm.span(start, end - 1)
            for ref in refs:
                why = _why_not(ref, norm, plain, start, end - 1)
                is_reported = (ref.entity.id, source_start, source_end) in reported
                rule = why or _kept_by(ref, norm, plain, start, end - 1)
                if why is None and not is_reported:
                    rule = "overlap: a longer name or requires_related dropped it"
                rows.append(Explained(
                    ref.entity.id, source_start, source_end, text[source_start:source_end], ref.alias.text,
                    ", ".join(ref.variant.rules) or "as written", rule, is_reported,
                ))  # fmt: skip
                if is_reported:
                    break
        explained = {(r.entity, r.start, r.end) for r in rows if r.kept}
        for m in mentions:  # mentions no key found: a desert region named through one of its places
            if (m.entity, m.start, m.end) not in explained:
                rows.append(
                    Explained(m.entity, m.start, m.end, m.text, m.alias, "desert word", DESERT_RULE, True)
                )
        return mentions, rows

    def prioritise(
        self,
        fields: Mapping[str, str],
        mentions: Mapping[str, Sequence[Mention]],
        events: Mapping[str, Sequence[Event]] | None = None,
    ) -> Priority | None:
        """The article's priority from rules.yaml (events: monitor.events); None when nothing matched."""
        return prioritise(self.watchlist, fields, mentions, events or {})

    def _find(self, original: str, plain: str) -> list[Mention]:
        if self._empty:
            return []
        norm = normalise(plain)
        hits: list[_Hit] = []
        dropped: list[_Hit] = []
        for hit in self._scan(norm, plain):
            if hit.ref.kind_rules and _kind_rule(hit.ref, norm, plain, hit.start, hit.end) is not None:
                dropped.append(hit)
            else:
                hits.append(hit)
        if dropped:
            hits = [hit for hit in hits if not any(_inside(hit, other) for other in dropped)]
        if not hits:
            return []
        found = self._with_related(hits)
        mentions = [_mention(hit, norm, original) for hit in found]
        if self._deserts:
            mentions = self._with_deserts(found, mentions, norm, plain, original)
        return mentions

    def _scan(self, norm: Normalised, plain: str) -> Iterator[_Hit]:
        for end, (length, refs, checked) in self._automaton.iter(f" {norm.text} "):
            # `end` indexes the padded text at the key's closing space: the word ends there in
            # the unpadded text, and starts where the key's opening space is in the padded one.
            start = end - length + 1
            if not checked:
                yield _Hit(start, end - 1, refs[0])
                continue
            for ref in refs:
                if _fails_check(ref, norm, plain, start, end - 1) is None:
                    yield _Hit(start, end - 1, ref)
                    break

    def _with_related(self, hits: list[_Hit]) -> list[_Hit]:
        """Resolve overlaps, then admit requires_related hits whose parent or related entity is in."""
        free = _longest(h for h in hits if not h.ref.alias.requires_related)
        waiting = [h for h in hits if h.ref.alias.requires_related]
        if not waiting:
            return free
        found = {h.ref.entity.id for h in free}
        while newly := {h.ref.entity.id for h in waiting if self._admitted(h, found)} - found:
            found |= newly
        return _longest(free + [h for h in waiting if self._admitted(h, found)])

    def _admitted(self, hit: _Hit, found: set[str]) -> bool:
        return not self._related[hit.ref.entity.id].isdisjoint(found)

    def _with_deserts(
        self, hits: list[_Hit], mentions: list[Mention], norm: Normalised, plain: str, original: str
    ) -> list[Mention]:
        """`mentions` and the desert region of each place named with a desert word (see
        `desert_regions`), unless the region is already reported there."""
        added: list[Mention] = []
        for hit in hits:
            region = self._deserts.get(hit.ref.entity.id)
            if region is None or (word := _desert_word(norm, plain, hit.start, hit.end)) is None:
                continue
            start, end = norm.span(*word)
            if any(m.entity == region.id and m.start < end and start < m.end for m in mentions + added):
                continue
            text = original[start:end]
            added.append(Mention(region.id, region.name, region.kind, start, end, text, hit.ref.alias.text))
        return sorted(mentions + added, key=lambda m: m.start) if added else mentions


def desert_regions(watchlist: Watchlist) -> dict[str, Entity]:
    """Place id -> the desert region it lies in or borders: a region tagged `desert` whose id is
    a tag of the place (the `badia` tag of al-Bukamal, Palmyra, al-Tanf ...). "The al-Bukamal
    desert", "the desert south of Palmyra", بادية البوكمال, صحراء تدمر name that region as well
    as the place."""
    entities = watchlist.entities.values()
    regions = [e for e in entities if e.kind == "region" and "desert" in e.tags]
    return {p.id: r for r in regions for p in entities if p.is_place and p is not r and r.id in p.tags}


DESERT_RULE = "desert: a desert word with a place of the region (the al-Bukamal desert, بادية البوكمال)"
DESERT_WORDS = _folded("desert deserts badia badiya بادية صحراء".split())
DESERT_PREPOSITIONS = frozenset("of near around outside surrounding".split())
DIRECTIONS = frozenset("north south east west northeast northwest southeast southwest".split())
DESERT_AREAS = frozenset("area areas region regions".split())
DESERT_SIDES = frozenset("eastern western southern northern central".split())
DESERT_FILLERS = _folded("محافظة مدينة منطقة ريف".split())  # بادية محافظة الرقة
_PHRASE_BREAK = re.compile(r"[.,;:!?؟،()\[\]\n]")


def _desert_word(norm: Normalised, plain: str, start: int, end: int) -> tuple[int, int] | None:
    """The span (normalised) of a desert word naming the place at `start:end` with it: right
    after it (the Mayadin desert, Deir ez-Zor's eastern desert), or before it (desert of / near / south of
    al-Bukamal, بادية البوكمال, ببادية محافظة الرقة), with no punctuation in between."""
    text = norm.text
    following = _WORD.search(text, end, end + _WORD_CHARS)
    if following and following.group() in DESERT_SIDES:  # Deir ez-Zor's eastern desert
        following = _WORD.search(text, following.end(), following.end() + _WORD_CHARS)
    if (
        following
        and following.group() in DESERT_WORDS
        and not _PHRASE_BREAK.search(plain, norm.source(end - 1) + 1, norm.source(following.start()))
    ):
        return following.span()
    words = list(_WORD.finditer(text, max(0, start - 8 * _WORD_CHARS), start))[-7:]
    i = len(words) - 1
    if i < 0:
        return None
    if is_arabic(words[i].group()[0]) and not DESERT_WORDS.isdisjoint(_forms(words[i].group())):
        return _unbroken(norm, plain, words[i], start)
    if i > 0 and not DESERT_FILLERS.isdisjoint(_forms(words[i].group())):
        found = words[i - 1]
        desert = not DESERT_WORDS.isdisjoint(_forms(found.group()))
        return _unbroken(norm, plain, found, start) if desert else None
    if words[i].group() == "the":
        i -= 1
    if i < 1 or words[i].group() not in DESERT_PREPOSITIONS:
        return None
    preposition, i = words[i].group(), i - 1
    while preposition == "of" and i > 0 and words[i].group() in DIRECTIONS:
        i -= 1
    if i > 0 and words[i].group() in DESERT_AREAS:
        i -= 1
    return _unbroken(norm, plain, words[i], start) if words[i].group() in DESERT_WORDS else None


def _unbroken(norm: Normalised, plain: str, word: re.Match[str], start: int) -> tuple[int, int] | None:
    """`word`'s span when no punctuation stands in the input between it and `start`."""
    if _PHRASE_BREAK.search(plain, norm.source(word.end() - 1) + 1, norm.source(start)):
        return None
    return word.span()


def _inside(hit: _Hit, dropped: _Hit) -> bool:
    """A shorter name of the same entity inside a name a kind rule dropped (the `Soleimani` of
    the Qassem Soleimani Brigade) goes with it: the longest name decides."""
    return hit.ref.entity is dropped.ref.entity and dropped.start <= hit.start and hit.end <= dropped.end


def _mention(hit: _Hit, norm: Normalised, original: str) -> Mention:
    start, end = norm.span(hit.start, hit.end)
    entity = hit.ref.entity
    return Mention(entity.id, entity.name, entity.kind, start, end, original[start:end], hit.ref.alias.text)


class _RefMaker:
    """What every ref of one alias shares, computed once per alias."""

    def __init__(self, entity: Entity, alias: Alias, role: bool) -> None:
        self.entity, self.alias, self.role = entity, alias, role
        self.context = _Words.of(alias.context)
        self.letters = "".join(c for c in alias.text if c.isalnum())
        self.checked = bool(self.context) or alias.case_sensitive
        self.kind_rules = entity.is_place or entity.kind == "person"

    def ref(self, variant: Variant) -> _Ref:
        possessive_only = variant.suffix and len(variant.key.replace(" ", "")) - 1 < _SHORT_ALIAS
        needs_check = self.checked or possessive_only
        return _Ref(
            self.entity, self.alias, variant, self.context, self.letters, possessive_only, needs_check,
            self.kind_rules, self.role,
        )  # fmt: skip


def _best_variants(refs: list[_Ref]) -> tuple[_Ref, ...]:
    """Per entity, only the refs closest to an alias as written: a guarded `Hiri` is not
    unguarded by the article-less variant of `al-Hiri`."""
    if len(refs) == 1:
        return (refs[0],)
    best: dict[str, int] = {}
    for ref in refs:
        best[ref.entity.id] = min(best.get(ref.entity.id, ref.variant.rank), ref.variant.rank)
    kept = [r for r in refs if r.variant.rank == best[r.entity.id]]
    return tuple(sorted(kept, key=lambda r: (r.variant.rank, r.variant.suffix)))


# --- context rules ---------------------------------------------------------------------------
#
# Context is read within the sentence of the hit only: a word in the previous or next sentence
# neither enables nor suppresses it. The rules, in the order `_why_not` applies them:
#
#   possessive   a short alias takes its trailing s only after an apostrophe (Ana's, never Anas)
#   case         a case-sensitive alias must appear in exactly its case (KH, IS)
#   dateline     a person named by a line-opening dateline in capitals ("SULAIMANI, Iraq —",
#                "SULAIMANI —", "SULAIMANI (Reuters) -") is the place of the dateline, not the person
#   unit name    a person's name inside a unit's name (the Al-Haj Qassem Soleimani Regiment, Brigade
#                of Martyr ..., لواء الشهيد قاسم سليماني) is the unit, not the person; a shorter
#                name of the same entity inside a dropped one goes with it
#   outlet       a place name that is also a news outlet's name (OUTLET_NAMES: Al Mayadeen TV,
#                قناة الميادين, شبكة “دير الزور 24”) is the outlet when an outlet word
#                (MEDIA_WORDS) stands next to it or before its opening quote, a verb of speech
#                follows it, or its sentence has a media word and no place word before it
#   forbid       the alias's context.forbid / forbid_before / forbid_after words
#   require      the alias's context.require words within `window` words; for a place, a
#                place cue (PLACE_CUES: في, من, قرب, مدينة, ريف ...) right before the name, or
#                a preposition attached to it (بالقائم, للقائم), also says "a place"
#
# These word lists are the rules' data; a new cue is one more word here, tested in
# tests/test_matching.py on a real-style sentence.

PLACE_CUES = frozenset(fold_words(w) for w in """
    في من الى إلى قرب نحو باتجاه عند حول داخل بين عبر مدينة مدينتي بلدة بلدتي قرية ريف قضاء ناحية
    منطقة محيط أطراف مناطق شرق غرب شمال جنوب شرقي غربي شمالي جنوبي معبر منفذ بادية صحراء
""".split())  # fmt: skip
MEDIA_WORDS = frozenset(fold_words(w) for w in """
    قناة لقناة بقناة القناة شبكة الشبكة موقع صحيفة وكالة تلفزيون مراسل مراسلة
    TV channel television broadcaster network website outlet newspaper correspondent reporter
    editorial journalist journalists صحفي صحفية إعلامي إعلامية
""".split())  # fmt: skip
# right after an outlet's name: it speaks, so it is no town
OUTLET_VERBS = frozenset(fold_words(w) for w in "reported reports aired broadcast quoted said says".split())
PLACE_PREPOSITIONS = frozenset("in near from to into outside around toward towards".split())
OUTLET_NAMES = frozenset(
    fold_words(w)
    for w in (
        "Mayadeen",
        "Al Mayadeen",
        "الميادين",
        "عين الفرات",
        "Euphrates Post",
        "دير الزور 24",
        "Deir Ezzor 24",
    )
)
_OPENING_QUOTES = frozenset("\"“«‘'„")
_CLOSING_QUOTES = frozenset("”»’")
SPORTS_BEFORE = frozenset(fold_words(w) for w in "فريق لفريق نادي لنادي منتخب host hosts visitor".split())
SPORTS_AFTER = frozenset(fold_words(w) for w in "club FC SC team crew squad fans players نادي".split())


@dataclass(frozen=True, slots=True)
class _Sentence:
    """The input span of the sentence around a hit, and the way to test a normalised offset."""

    start: int
    end: int

    @classmethod
    def around(cls, plain: str, start: int, end: int) -> _Sentence:
        low = max(0, start - _SENTENCE_REACH)
        begin = max((m.end() for m in SENTENCE_BREAK.finditer(plain, low, start)), default=low)
        after = SENTENCE_BREAK.search(plain, end, end + _SENTENCE_REACH)
        return cls(begin, after.start() if after else min(len(plain), end + _SENTENCE_REACH))


_SENTENCE_REACH = 600  # characters searched each way for a sentence break
_BREAK_CHAR = re.compile("[.!?؟。\n<]")  # a sentence break (see SENTENCE_BREAK) starts after one


def _why_not(ref: _Ref, norm: Normalised, plain: str, start: int, end: int) -> str | None:
    """None when the hit stands, else the rule that drops it (every rule: for --explain)."""
    why = _fails_check(ref, norm, plain, start, end) if ref.needs_check else None
    return why or (_kind_rule(ref, norm, plain, start, end) if ref.kind_rules else None)


def _fails_check(ref: _Ref, norm: Normalised, plain: str, start: int, end: int) -> str | None:
    """The alias's own conditions, checked while scanning: possessive, case, context words."""
    core_end = end - 1 if ref.variant.suffix else end
    if ref.possessive_only and not _has_apostrophe(norm, plain, core_end):
        return "possessive: a short alias takes s only after an apostrophe"
    if ref.alias.case_sensitive:
        source_start, source_end = norm.span(start, core_end)
        if "".join(c for c in plain[source_start:source_end] if c.isalnum()) != ref.case_letters:
            return "case: the alias must appear in its exact case"
    if not ref.context:
        return None
    return _context_rejects(ref, _Near(norm, plain, start, end))


def _kind_rule(ref: _Ref, norm: Normalised, plain: str, start: int, end: int) -> str | None:
    """The rules for places (sports, outlet) and people (dateline, place preposition)."""
    if ref.entity.is_place:
        return _not_the_place(ref, norm, plain, start, end)
    return _not_the_person(ref, norm, plain, start, end)


def _not_the_place(ref: _Ref, norm: Normalised, plain: str, start: int, end: int) -> str | None:
    """Sports and outlet rules. Cheap first: the neighbouring words in the folded text decide
    whether the input text must be looked at."""
    text = norm.text
    before, two_before = _words_before(text, start)
    if before in SPORTS_BEFORE and _joined(norm, plain, start - 1, start):
        return "sports: a team named after its town"
    stop = text.find(" ", end + 1)
    if text[end + 1 : stop if stop >= 0 else len(text)] in SPORTS_AFTER and _joined(
        norm, plain, end, end + 1
    ):
        return "sports: a team named after its town"
    name = ref.variant.key[:-1] if ref.variant.suffix else ref.variant.key
    if name in OUTLET_NAMES or before in MEDIA_WORDS or two_before in MEDIA_WORDS:
        source_start, source_end = norm.span(start, end)
        sentence = _Sentence.around(plain, source_start, source_end)
        near = _Near(norm, plain, start, end)
        if _quoted_after_media(plain, sentence, source_start) or (
            name in OUTLET_NAMES and _is_outlet(near, plain, sentence, source_start, source_end)
        ):
            return "outlet: the name of a news outlet"
    return None


def _not_the_person(ref: _Ref, norm: Normalised, plain: str, start: int, end: int) -> str | None:
    source_start, source_end = norm.span(start, end)
    if _is_dateline(plain, source_start, source_end):
        return "dateline: a place in capitals opening a line"
    before = _words_before(norm.text, start)[0]
    one_word = " " not in ref.variant.key and not ref.variant.suffix
    if one_word and before in PLACE_PREPOSITIONS and _joined(norm, plain, start - 1, start):
        return "place preposition: a one-word name after in/from/near is a place (in Sulaimani)"
    if _names_a_unit(norm.text, plain, start, source_start, source_end, ref.variant.suffix):
        return "unit name: a brigade or regiment named after the person"
    return None


# A unit named after a person (the Qassem Soleimani Brigade, the Al-Haj Qassem Soleimani
# Regiment, Brigade of Martyr ..., لواء الشهيد قاسم سليماني) is not the person. In English the unit
# word is capitalised, or the name is quoted; in Arabic the unit word has no article (اللواء
# before a name is the rank, major general) and honorifics may stand between it and the name.
_UNIT_EN = r"(?:Regiment|Brigades?|Battalions?|Division|Corps)"
_HONORIFIC_EN = r"(?:(?i:(?:al[- ])?(?:martyr(?:ed)?|shahe?e?d|shahid|hajj?i?))[ \t]+)"
_UNIT_NAMED = r"(?:Liwaa?|Fawj|Katibat?|Kata'?ib|Saraya)"  # transliterated, before the name only
_UNIT_BEFORE = re.compile(
    rf"\b(?:{_UNIT_EN}|{_UNIT_NAMED})[ \t]+(?:of[ \t]+)?(?:the[ \t]+)?{_HONORIFIC_EN}{{0,3}}[\"“‘']?$"
)
_UNIT_AFTER = re.compile(rf"(?:[ \t]+{_UNIT_EN}|[\"”’'][ \t]*(?i:{_UNIT_EN}))\b")
UNIT_WORDS_AR = frozenset(fold_words(w) for w in "لواء فوج كتيبة كتائب سرايا سرية".split())
HONORIFICS_AR = frozenset(fold_words(w) for w in "الشهيد الحاج القائد السيد".split())


def _names_a_unit(
    text: str, plain: str, start: int, source_start: int, source_end: int, suffix: bool
) -> bool:
    """Whether the person's name at `start` (normalised) / `source_start:source_end` (input)
    is part of a unit's name: a unit word after it (not after a possessive) or before it."""
    if not suffix and _UNIT_AFTER.match(plain, source_end, source_end + 20):
        return True
    if _UNIT_BEFORE.search(plain, max(0, source_start - 60), source_start):
        return True
    words = text[max(0, start - 3 * _WORD_CHARS) : start].split()[-4:]
    while words and words[-1] in HONORIFICS_AR:
        words.pop()
    if not words:
        return False
    word = words[-1]
    # و/ف and then ب may be attached; never ل: للواء is "to the major general"
    unprefixed = word[1:] if word[0] in "وف" else word
    bare = unprefixed[1:] if unprefixed[:1] == "ب" else unprefixed
    return not UNIT_WORDS_AR.isdisjoint({word, unprefixed, bare})


def _words_before(text: str, start: int) -> tuple[str, str]:
    """The two words before `text[start:]` (nearest first); punctuation folded to spaces may
    leave several spaces between words. Looks back a bounded slice only: called per hit."""
    words = text[max(0, start - 2 * _WORD_CHARS) : start].split()
    return (words[-1] if words else "", words[-2] if len(words) > 1 else "")


_JOINING = frozenset(" \t\u00a0\"“”«»'‘’„") | {TATWEEL}


def _joined(norm: Normalised, plain: str, left_end: int, right_start: int) -> bool:
    """Whether only spaces and quotes stand in the input between the folded word ending at
    `left_end` and the one starting at `right_start` (no comma, full stop or line break)."""
    if left_end <= 0 or right_start >= len(norm.text):
        return False
    gap = plain[norm.source(left_end - 1) + 1 : norm.source(right_start)]
    return all(c in _JOINING for c in gap)


def _quoted_after_media(plain: str, sentence: _Sentence, start: int) -> bool:
    """The name stands inside quotes that open right after a media word: شبكة “دير الزور 24”,
    شبكة “عين الفرات”, the “Euphrates Post” network."""
    opening = max(plain.rfind(q, sentence.start, start) for q in _OPENING_QUOTES)
    if (
        opening < 0
        or start - opening > _QUOTED_NAME
        or any(q in plain[opening + 1 : start] for q in _CLOSING_QUOTES)
    ):
        return False
    words = fold_words(plain[max(sentence.start, opening - _WORD_CHARS) : opening]).split(" ")
    return words[-1] in MEDIA_WORDS


_QUOTED_NAME = 30  # characters: a name at most a few words into the quotes


def _kept_by(ref: _Ref, norm: Normalised, plain: str, start: int, end: int) -> str:
    """The rule that let a hit stand (for --explain)."""
    words = ref.context
    if not words.require:
        return "no context rule" if not words else "context: no forbidden word near"
    near = _Near(norm, plain, start, end)
    if not near.words(words.window, words.window, words.pairs).isdisjoint(words.require):
        return "context: a required word within the window"
    return "place cue: a place word or preposition right before the name"


def _context_rejects(ref: _Ref, near: _Near) -> str | None:
    words = ref.context
    if not words:
        return None
    if words.forbid and not near.words(words.window, words.window, words.pairs, True).isdisjoint(
        words.forbid
    ):
        return "forbid: a forbidden word within the window (up to and or و)"
    if words.before and not words.before.isdisjoint(near.words(1, 0, False)):
        return "forbid_before: a forbidden word right before"
    if words.after and not words.after.isdisjoint(near.words(0, 1, False)):
        return "forbid_after: a forbidden word right after"
    if not words.require or not near.words(words.window, words.window, words.pairs).isdisjoint(words.require):
        return None
    if ref.entity.is_place and (_has_place_cue(near) or _has_preposition(ref)):
        return None
    return "require: no required word within the window in this sentence"


def _has_preposition(ref: _Ref) -> bool:
    """The Arabic key carries an attached preposition ب or ل (بالقائم, للقائم): a place."""
    if ref.variant.rules != ("proclitic",):
        return False
    prefix = ref.variant.key[: len(ref.variant.key) - len(_core(ref.alias.text))]
    return "ب" in prefix or "ل" in prefix.removesuffix(ARABIC_ARTICLE)


@lru_cache(maxsize=4096)
def _core(alias: str) -> str:
    return strip_article(fold_words(alias))[0]


def _has_place_cue(near: _Near) -> bool:
    before = near.sides(1, 0)[0]
    return bool(before) and not PLACE_CUES.isdisjoint(_forms(before[-1]))


def _is_outlet(near: _Near, plain: str, sentence: _Sentence, start: int, end: int) -> bool:
    """A name shared by a place and a news outlet is the outlet when a media word stands right
    before or after it (قناة الميادين, Al Mayadeen TV), when a verb of speech follows it (Al
    Mayadeen reported), or when its sentence has a media word and it is quoted (المصور في
    “الميادين”) or has no preposition of place before it (the Al-Mayadeen television station)."""
    left, right = near.sides(1, 1)
    if (left and left[-1] in MEDIA_WORDS) or (
        right and (right[0] in MEDIA_WORDS or right[0] in OUTLET_VERBS)
    ):
        return True
    if MEDIA_WORDS.isdisjoint(_forms_of(fold_words(plain[sentence.start : sentence.end]).split(" "))):
        return False
    before = plain[sentence.start : start].rstrip()
    quoted = bool(before) and before[-1] in _OPENING_QUOTES
    return quoted or not (_has_place_cue(near) or (left and left[-1] in PLACE_PREPOSITIONS))


def _forms_of(words: Iterable[str]) -> set[str]:
    return {form for word in words if word for form in _forms(word)}


# A dateline: words in capitals opening a line, then ", Country/Region" (SULAIMANI, Iraq —), a
# dash (SULAIMANI — , SULAIMANI -) or an agency in brackets and a dash (BAGHDAD (Reuters) -).
_DATELINE = re.compile(
    r"[ \t]*(?:[A-Z][A-Z'’\-]*[ \t]*)+(?:,[ \t]*[A-Z]|(?:\([^()\n]{1,40}\)[ \t]*)?[-–—](?=[\s\x00]))"
)
# In HTML the block tags before a paragraph are blanked to spaces (`<h1>Talks</h1><p>SULAIMANI —`):
# a run of blanks, or a sentence's end, also opens a dateline.
_BLOCK_GAP = re.compile(r"(?:[ \t\x00]{3,}|[.!?][ \t\x00]+)$")


def _is_dateline(plain: str, start: int, end: int) -> bool:
    """`start:end` is in capitals at a line's or paragraph's start and followed by ", Country",
    a dash, or an agency in brackets and a dash (a dateline)."""
    if not plain[start:end].isupper():
        return False
    anchor = plain.rfind("\n", 0, start) + 1
    if plain[anchor:start].strip(" \t\x00"):
        gap = _BLOCK_GAP.search(plain, max(anchor, start - 80), start)
        if gap is None:
            return False
        anchor = gap.end()
    return bool(_DATELINE.match(plain, anchor, end + 40))


def _has_apostrophe(norm: Normalised, plain: str, core_end: int) -> bool:
    """Whether an apostrophe stood between the alias and its trailing s (a possessive)."""
    return any(c in APOSTROPHES for c in plain[norm.source(core_end - 1) + 1 : norm.source(core_end)])


_WORD_CHARS = 40  # generous characters per word, to slice enough text for `window` words
_WORD = re.compile(r"\S+")


class _Near:
    """The words around a hit in the normalised text, limited to the hit's sentence. The
    sentence is found only when the input between the hit and its farthest window word holds a
    character that can end one (most windows do not: the regex search is skipped)."""

    def __init__(self, norm: Normalised, plain: str, start: int, end: int) -> None:
        self.norm, self.plain, self.start, self.end = norm, plain, start, end
        self._sentence: _Sentence | None = None
        self._sides: dict[tuple[int, int], tuple[list[str], list[str]]] = {}

    @property
    def sentence(self) -> _Sentence:
        if self._sentence is None:
            self._sentence = _Sentence.around(self.plain, *self.norm.span(self.start, self.end))
        return self._sentence

    def sides(self, before: int, after: int) -> tuple[list[str], list[str]]:
        if (found := self._sides.get((before, after))) is None:
            found = self._sides[before, after] = self._find_sides(before, after)
        return found

    def _find_sides(self, before: int, after: int) -> tuple[list[str], list[str]]:
        text, norm = self.norm.text, self.norm
        left: list[str] = []
        if before:
            found = list(_WORD.finditer(text, max(0, self.start - _WORD_CHARS * (before + 1)), self.start))[
                -before:
            ]
            if found and self._may_break(norm.source(found[0].start()), norm.source(self.start)):
                found = [m for m in found if norm.source(m.start()) >= self.sentence.start]
            left = [m.group() for m in found]
        right: list[str] = []
        if after:
            found = list(_WORD.finditer(text, self.end, self.end + _WORD_CHARS * (after + 1)))[:after]
            if found and self._may_break(norm.source(self.end - 1), norm.source(found[-1].start())):
                found = [m for m in found if norm.source(m.start()) < self.sentence.end]
            right = [m.group() for m in found]
        return left, right

    def _may_break(self, low: int, high: int) -> bool:
        return _BREAK_CHAR.search(self.plain, low, high) is not None

    def words(self, before: int, after: int, pairs: bool, clause: bool = False) -> set[str]:
        """The words within `before` words left and `after` words right of the hit, each also
        without plural s or Arabic proclitics (`bases`, `والقاعدة` meet `base`, `قاعدة`), and,
        when a context word has a space, the pairs of neighbouring words (`air base`). With
        `clause`, a side ends at a coordinating word: in `قوات النظام والميليشيات الإيرانية` the
        Iranian belongs to the militias, not to the regime forces."""
        left, right = self.sides(before, after)
        if clause:
            right = right[: next((i for i, w in enumerate(right) if _coordinates(w)), len(right))]
            left = left[next((i + 1 for i in range(len(left) - 1, -1, -1) if _coordinates(left[i])), 0) :]
        near: set[str] = set()
        for word in left + right:
            near.update(_forms(word))
        if pairs:
            near.update(f"{a} {b}" for side in (left, right) for a, b in zip(side, side[1:], strict=False))
        return near


_COORDINATORS = frozenset({"and", "or", "but", "او", "ثم"})


def _coordinates(word: str) -> bool:
    return word in _COORDINATORS or word.startswith("وال")


_PROCLITICS = frozenset(
    {c + p + a for c in CONJUNCTIONS for p in PREPOSITIONS for a in ("", ARABIC_ARTICLE)} - {""}
    | {"لل", "ولل", "فلل"}
)
_LONGEST_PROCLITIC = max(map(len, _PROCLITICS))


@lru_cache(maxsize=1 << 16)
def _forms(word: str) -> tuple[str, ...]:
    forms = [word]
    if word.endswith("s"):
        forms.append(word[:-1])
    if is_arabic(word[0]):
        cuts = range(1, min(_LONGEST_PROCLITIC, len(word) - 2) + 1)
        forms += [word[cut:] for cut in cuts if word[:cut] in _PROCLITICS]
    return tuple(forms)


def _longest(hits: Iterable[_Hit]) -> list[_Hit]:
    """Hits in text order with overlaps resolved: the longest wins, then the earliest, then the
    variant as written. Overlaps are rare, so hits are grouped into overlapping clusters first
    and only clusters of two or more are sorted by length."""
    kept: list[_Hit] = []
    cluster: list[_Hit] = []
    cluster_end = -1
    for hit in sorted(hits):
        if hit.start >= cluster_end:
            kept += cluster if len(cluster) < 2 else _resolve(cluster)
            cluster = []
        cluster.append(hit)
        cluster_end = max(cluster_end, hit.end)
    return kept + (cluster if len(cluster) < 2 else _resolve(cluster))


def _resolve(cluster: list[_Hit]) -> list[_Hit]:
    """Longest first; a role name may also stand where it only partly overlaps a name of another
    entity ("Bashar al-Assad’s regime": the person, and the regime's forces)."""
    chosen: list[_Hit] = []
    for hit in sorted(cluster, key=lambda h: (h.start - h.end, h.start, h.ref.variant.rank)):
        if all(hit.end <= c.start or hit.start >= c.end or _beside(hit, c) for c in chosen):
            chosen.append(hit)
    return sorted(chosen, key=lambda h: h.start)


def _beside(hit: _Hit, other: _Hit) -> bool:
    partial = hit.start < other.start < hit.end < other.end or other.start < hit.start < other.end < hit.end
    return partial and hit.ref.role and hit.ref.entity.id != other.ref.entity.id
