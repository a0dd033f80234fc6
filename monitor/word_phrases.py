"""Phrase lists found word by word in a folded sentence: event triggers and the cue words around
them (watchlists/events.yaml). Words are folded like the matcher folds them (`monitor.normalise`);
an Arabic first word also matches with its proclitics (`monitor.variants.arabic_forms`), a later
one also with the article, and a word written with a trailing `*` matches every longer word it
starts. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, repeat

import ahocorasick

from monitor.normalise import fold_words, is_arabic, strip_article
from monitor.variants import CONJUNCTIONS, arabic_forms

# An Arabic first word of this many letters or fewer is a particle (لم، لا، لن، في، من، ان): it takes
# the conjunctions (ولم، فلا) but no preposition or article, so "كلم" (km) is no negator.
_PARTICLE = 2
# written with an article that is part of the word: الذي without it is ذي (ذي قار), التي is تي
_RELATIVE_PRONOUNS = frozenset(
    fold_words(w) for w in "التي الذي الذين اللتي اللذين اللواتي اللاتي اللذان اللتان اللتين".split()
)
_CACHE_WORDS = 20_000  # distinct words whose candidate phrases are remembered (~1.5 MB a full cache)


@dataclass(frozen=True, slots=True)
class Word:
    """One written word of a trigger or cue, folded: its forms, and whether longer words count."""

    forms: frozenset[str]
    wild: bool

    def accepts(self, word: str) -> bool:
        return word in self.forms or (self.wild and any(word.startswith(f) for f in self.forms))


class Lexicon:
    """The words of the phrase sets built with it, each made once: a word written in many phrases
    (an event typer's trigger, cue and context lists repeat many) is one `Word` whose forms are
    the same strings, a list of phrases given twice is one `Phrases`, and the phrase indices a
    first word's forms lead to are shared tuples (the shipped typer: 33,600 objects and 8.5 MB
    instead of 107,000 and 17 MB). The typer is built before the parse workers fork and each
    reads it: every object read has its reference count written, which copies its page into
    that worker, so fewer objects keep more pages shared."""

    def __init__(self) -> None:
        self._words: dict[tuple[str, bool, bool], Word] = {}
        self._strings: dict[str, str] = {}
        self._sets: dict[tuple[str, ...], Phrases] = {}
        self._indices: dict[tuple[int, ...], tuple[int, ...]] = {}

    def phrase(self, text: str) -> tuple[Word, ...]:
        """A trigger or cue as folded words; an Arabic first word also with its proclitics (a
        particle with its conjunctions only), a later one also with the article, as an adjective
        agrees with its noun (حمله امنيه: الحمله الامنيه)."""
        words: list[Word] = []
        for written in text.split():
            parts = fold_words(written.rstrip("*")).split(" ")  # folding may split one: sit-in
            for i, part in enumerate(p for p in parts if p):
                wild = written.endswith("*") and i == len(parts) - 1
                words.append(self._word(part, not words, wild))
        return tuple(words)

    def phrases(self, texts: Sequence[str]) -> Phrases:
        """The set of `texts` (untagged), the same one for the same list."""
        if (found := self._sets.get(key := tuple(texts))) is None:
            found = self._sets[key] = Phrases(texts, lexicon=self)
        return found

    def indices(self, indices: Sequence[int]) -> tuple[int, ...]:
        """`indices` (of phrases in a set) as a tuple, the same one for the same indices: most are
        (0,), (1,) or (0, 1), whatever the set."""
        return self._indices.setdefault(key := tuple(indices), key)

    def _word(self, part: str, first: bool, wild: bool) -> Word:
        if (found := self._words.get(key := (part, first, wild))) is None:
            forms = {part}
            if first and is_arabic(part[0]) and (len(part) <= _PARTICLE or part in _RELATIVE_PRONOUNS):
                forms |= {conj + part for conj in CONJUNCTIONS}  # ولم، فلا; not كلم ("km")
            elif first and is_arabic(part[0]):
                for word in (part, *_feminine_duals(part)):
                    forms |= set(arabic_forms(*strip_article(word)))
                forms |= {conj + accusative for accusative in _accusative(part) for conj in CONJUNCTIONS}
            elif is_arabic(part[0]):
                for word in (part, *_feminine_duals(part)):
                    forms |= {word} if word.startswith("ال") else {word, f"ال{word}"}
                forms |= set(_accusative(part))
            shared = frozenset(self._strings.setdefault(form, form) for form in forms)
            found = self._words[key] = Word(shared, wild)
        return found


def _feminine_duals(word: str) -> tuple[str, ...]:
    """An Arabic word in ة (folded ه) as a dual, the noun and its adjective alike: غاره ->
    غارتين, غارتان; قذيفه صاروخيه -> قذيفتين صاروخيتين."""
    if not word.endswith("ه") or len(word.removeprefix("ال")) < _DUAL_STEM:
        return ()
    return (word[:-1] + "تين", word[:-1] + "تان")


_DUAL_STEM = 4  # letters with the ة: a shorter word in ه is a pronoun's (له، منه) more often


def _accusative(word: str) -> tuple[str, ...]:
    """An Arabic word without the article in the indefinite accusative, whose tanween is written on
    an alef: عدوان جوي -> عدوانا جويا ("نفذ عدواناً جوياً"), هجوم -> هجوما. Not a word in ة (غارةً has
    no alef), in alef or hamza, or a sound plural (its case is no alef)."""
    if word.startswith("ال") or len(word) < _DUAL_STEM - 1 or word.endswith(_NO_ACCUSATIVE_ALEF):
        return ()
    return (word + "ا",)


_NO_ACCUSATIVE_ALEF = ("ه", "ا", "ء", "ئ", "ات", "ون", "ين")


class Phrases:
    """Phrases found in a folded text: candidates by their first word (a dict lookup per form, and
    per prefix of the word for `*` words), then the rest compared in place. Where in a sentence
    to look is found by `Starts`. (A regex alternation of every trigger was 100 times slower than
    matching itself; looking every word of a sentence up in the dicts, 4 times slower than the
    automaton.)"""

    def __init__(
        self, phrases: Iterable[str], tags: Iterable[int] = (), lexicon: Lexicon | None = None
    ) -> None:
        lexicon = lexicon or Lexicon()
        tagged = [
            (words, tag)
            for p, tag in zip(phrases, chain(tags, repeat(0)), strict=False)
            if (words := lexicon.phrase(p))
        ]
        self.phrases = [words for words, _ in tagged]
        self.tags = [tag for _, tag in tagged]  # what each phrase says (for the caller: a cue list)
        exact: dict[str, list[int]] = {}
        prefix: dict[str, list[int]] = {}
        for index, words in enumerate(self.phrases):
            table = prefix if words[0].wild else exact
            for form in words[0].forms:
                table.setdefault(form, []).append(index)
        self._exact = {form: lexicon.indices(found) for form, found in exact.items()}
        self._prefix = {form: lexicon.indices(found) for form, found in prefix.items()}
        self._prefix_lengths = sorted({len(form) for form in self._prefix})
        one_word = all(len(words) == 1 for words in self.phrases) and not self._prefix
        self._words = frozenset(self._exact) if one_word else None  # then any_in is a set operation
        self._starting: dict[str, tuple[int, ...]] = {}  # word -> phrases it may start (a cache)

    def start_keys(self) -> Iterator[str]:
        """Every form of every first word padded with spaces (" غاره "; a `*` word's forms with a
        space before only, " strike" being a prefix): where they are in " text ", a phrase may start."""
        for words in self.phrases:
            yield from (f" {form}" if words[0].wild else f" {form} " for form in words[0].forms)

    def _candidates(self, word: str) -> tuple[int, ...]:
        if (found := self._starting.get(word)) is None:
            found = self._exact.get(word, ()) + tuple(
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
            if end == i + 1 or self._rest_accepts(phrase, words, i, end):
                yield index, end

    def tagged(self, words: Sequence[str], starts: Iterable[int]) -> list[tuple[int, int, int]]:
        """(tag, first word, end word) of every phrase starting at `starts` (word indices): `at`
        in one loop, as it runs for every sentence with a mention."""
        found = []
        for i in starts:
            for index in self._candidates(words[i]):
                phrase = self.phrases[index]
                end = i + len(phrase)
                if end == i + 1 or self._rest_accepts(phrase, words, i, end):
                    found.append((self.tags[index], i, end))
        return found

    def spans(self, words: Sequence[str], starts: Iterable[int]) -> list[tuple[int, int]]:
        """(first word, end word) of every phrase starting at `starts` (word indices)."""
        return [(i, end) for _, i, end in self.tagged(words, starts)]

    def scan(self, words: Sequence[str], starts: Iterable[int]) -> Iterator[tuple[int, int, int]]:
        """(phrase index, first word, end word) of the phrases starting at `starts` (sorted word
        indices, see `starts`): the first to start wins an overlap, then the longest."""
        cursor = 0
        for i in starts:
            if i >= cursor:
                best, stop = -1, i  # the longest phrase, then the first listed (`at` in one loop)
                for index in self._candidates(words[i]):
                    phrase = self.phrases[index]
                    end = i + len(phrase)
                    if (end > stop or (end == stop and index < best)) and (
                        end == i + 1 or self._rest_accepts(phrase, words, i, end)
                    ):
                        best, stop = index, end
                if best >= 0:
                    yield best, i, stop
                    cursor = stop

    @staticmethod
    def _rest_accepts(phrase: tuple[Word, ...], words: Sequence[str], i: int, end: int) -> bool:
        if end > len(words):
            return False
        for j in range(1, len(phrase)):  # a plain loop: this runs for every candidate phrase
            if (word := words[i + j]) not in (w := phrase[j]).forms and not w.accepts(word):
                return False
        return True

    def any_in(self, words: Sequence[str]) -> bool:
        if self._words is not None:
            return not self._words.isdisjoint(words)
        return any(
            self._candidates(word) and next(self.at(words, i), None) is not None
            for i, word in enumerate(words)
        )


class Starts:
    """Where phrases of several sets may start in a folded text: one Aho-Corasick automaton of
    their keys (`Phrases.start_keys`), so one scan in C finds them all."""

    def __init__(self, sets: Sequence[Phrases], needed: int = 1) -> None:
        masks: dict[str, int] = {}
        values: dict[tuple[int, int, tuple[int, ...]], tuple[int, int, tuple[int, ...]]] = {}
        self._needed = needed  # the sets (a mask) one of which must be found
        for bit, phrases in enumerate(sets):
            for key in phrases.start_keys():
                masks[key] = masks.get(key, 0) | 1 << bit
        self._sets = len(sets)
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY, ahocorasick.KEY_STRING)
        for key, mask in masks.items():
            bits = tuple(i for i in range(len(sets)) if mask & 1 << i)
            value = (len(key) - 1, mask, bits)  # one object for the keys that share it (see Lexicon)
            self._automaton.add_word(key, values.setdefault(value, value))
        if masks:
            self._automaton.make_automaton()

    def __call__(self, text: str) -> list[list[int]] | None:
        """Per set, the offsets in `text` of the words that may start one of its phrases (each
        once, in order); None when none of the `needed` sets has one."""
        if not len(self._automaton):
            return None
        found: list[list[int]] = [[] for _ in range(self._sets)]
        present = 0
        # A key is a space and one word (or its start): keys found later start at the same word or
        # a later one, so each set's offsets come in order, a repeat right after its first.
        for last, (back, mask, bits) in self._automaton.iter(f" {text} "):
            present |= mask
            at = last - back
            for bit in bits:
                if not (offsets := found[bit]) or offsets[-1] != at:
                    offsets.append(at)
        if not present & self._needed:
            return None
        return found
