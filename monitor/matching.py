"""Find watchlist entities in text (English and Arabic) and decide an article's priority.

Owns normalisation, the alias automaton, disambiguation (context words, case, requires_related),
overlap resolution, priority rules and snippets. Pure: no I/O.

How a text is matched, and the trade-offs that make it fast:

1. Fold. Every character is classified once (`_classify`): letters and digits are folded (NFKC,
   casefold, diacritics and hamza carriers stripped, ة→ه, ى/ی→ي, Arabic-Indic digits → ASCII);
   apostrophes, combining marks, tashkeel, tatweel and zero-width characters are *deleted*;
   whitespace and dashes become a *gap*; other punctuation becomes a space. Folding is done one
   character for one character so no offset map is needed for it. The hot path encodes the text
   as cp1256 (ASCII, Windows punctuation and the Arabic block in single bytes; an ASCII text
   with the ascii codec, the same bytes several times faster), folds with `bytes.translate` and
   decodes: about 20x faster than `str.translate` on Arabic. Characters outside cp1256 go
   through a codec error handler that folds them one for one; a character that folds to several
   (ß, ligatures) sends the text to an exact, slower per-character path.
2. Squeeze. Deleted characters are removed and runs of gaps become one space. Each squeeze
   records only its runs (where, how many removed), so mapping a normalised offset back to the
   input is two bisects, paid per match rather than per character.
3. Scan. Words in the normalised text are separated by spaces only, so every key in the
   Aho-Corasick automaton is an alias variant padded with a space on both sides (the text is
   padded too). Whole-word boundaries then cost nothing and the automaton never reports a hit
   inside a word; Arabic proclitics (و ف ب ل ك, with or without ال, and لل) and the optional
   article (al-, el-, ال) are further key variants rather than relaxed boundaries.
4. Check. Hits of aliases with conditions (context words, case, a possessive on a short alias)
   are checked; the longest hit wins an overlap; requires_related aliases are kept only when a
   parent or related entity survived; offsets are mapped back to the input.
"""

from __future__ import annotations

import bisect
import codecs
import html
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, NamedTuple

import ahocorasick

from monitor.records import Mention, Priority

if TYPE_CHECKING:
    from monitor.watchlists import Alias, Context, Entity, Rule, Selector, Watchlist

DELETE = "\x00"  # a character that disappears (apostrophe, tashkeel, markup filler)
GAP = "\x01"  # whitespace or a dash: runs of gaps fold to one space
EXPANDS = "\x03"  # marks a text that needs the exact per-character path
TATWEEL = "\u0640"
APOSTROPHES = frozenset("'’‘ʼʻʿʾ`´′ʹ‛")
_ARABIC = {"ة": "ه", "ى": "ي", "ی": "ي", "ي": "ي", "ک": "ك", "ٱ": "ا", "ە": "ه", "ۀ": "ه", "ہ": "ه"}
_CODEC = "cp1256"
_CODEC_ERRORS = "monitor-fold"


# --- folding one character ------------------------------------------------------------------


@cache
def _classify(char: str) -> str:
    """The folded form of one character: a letter/digit string, DELETE, GAP or a space."""
    if char == GAP:
        return GAP
    if char in (DELETE, TATWEEL) or char in APOSTROPHES:
        return DELETE
    category = unicodedata.category(char)
    if category[0] == "M" or category == "Cf":
        return DELETE
    if char.isspace() or category == "Pd" or char == "\u2212":
        return GAP
    folded = "".join(_fold_letter(c) for c in unicodedata.normalize("NFKC", char).casefold())
    folded = "".join(
        c for c in unicodedata.normalize("NFD", folded) if not unicodedata.category(c).startswith("M")
    )
    if not folded:
        return DELETE
    return "".join(_ARABIC.get(c, c) for c in folded) if folded.isalnum() else " "


def _fold_letter(char: str) -> str:
    return str(unicodedata.decimal(char)) if char.isdecimal() and not char.isascii() else char


def _fits_codec(char: str) -> bool:
    try:
        return len(char.encode(_CODEC)) == 1
    except UnicodeEncodeError:
        return False


def _byte_fold(byte: int) -> int:
    """The byte-table entry: the fold of one cp1256 byte, or EXPANDS when it does not fold to one."""
    if byte in (0, 1, 3):  # the markers are their own fold; a stray \x03 just takes the slow path
        return byte
    folded = _classify(bytes([byte]).decode(_CODEC))
    return folded.encode(_CODEC)[0] if len(folded) == 1 and _fits_codec(folded) else ord(EXPANDS)


def _stand_in(char: str) -> str:
    """A cp1256 character whose byte-table fold equals the fold of `char` (codec fallback)."""
    folded = _classify(char)
    if folded == " ":
        return "!"  # the byte table turns a real space into a gap; "!" folds to a plain space
    return folded if len(folded) == 1 and _fits_codec(folded) else EXPANDS


def _codec_fallback(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    return "".join(_stand_in(c) for c in exc.object[exc.start : exc.end]), exc.end


codecs.register_error(_CODEC_ERRORS, _codec_fallback)
_BYTE_TABLE = bytes(_byte_fold(b) for b in range(256))


class _SlowTable(dict[int, str]):
    """str.translate table built on demand; may map one character to several."""

    def __missing__(self, code: int) -> str:
        self[code] = folded = _classify(chr(code))
        return folded


_SLOW_TABLE = _SlowTable()


# --- normalising a text with an offset map ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Squeeze:
    """Runs removed by one squeeze: output position of each run and removed-so-far after it."""

    at: list[int]
    removed: list[int]

    def source(self, index: int) -> int:
        if not self.at:
            return index
        run = bisect.bisect_right(self.at, index) - 1
        return index + (self.removed[run] if run >= 0 else 0)


_NO_RUNS = _Squeeze([], [])  # shared by every squeeze that found no run (nothing changes a _Squeeze)


def _squeeze(text: str, marker: str, keep: int) -> tuple[str, _Squeeze]:
    """Remove each run of `marker` but its first `keep` characters; record where.

    str.find skips the text at memchr speed; only the few runs cost Python steps (a regex
    scan for the runs was the slowest part of normalising)."""
    at: list[int] = []
    removed: list[int] = []
    pieces: list[str] = []
    probe = marker * (keep + 1)
    start = text.find(probe)
    last = total = 0
    while start >= 0:
        end = start + keep + 1
        while end < len(text) and text[end] == marker:
            end += 1
        pieces.append(text[last : start + keep])
        at.append(start + keep - total)
        total += end - start - keep
        removed.append(total)
        last = end
        start = text.find(probe, end)
    if not at:
        return text, _NO_RUNS
    pieces.append(text[last:])
    return "".join(pieces), _Squeeze(at, removed)


@dataclass(frozen=True, slots=True)
class Normalised:
    """A folded text (words separated by single spaces) and the way back to the input."""

    text: str
    _gaps: _Squeeze
    _deleted: _Squeeze
    _expanded: list[int] | None  # per folded char, its input index, when folding changed lengths

    def source(self, index: int) -> int:
        """Input index of the character at `index` in `text`."""
        folded = self._deleted.source(self._gaps.source(index))
        return self._expanded[folded] if self._expanded is not None else folded

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Input span of `text[start:end]` (end exclusive, never empty)."""
        return self.source(start), self.source(end - 1) + 1


def normalise(text: str) -> Normalised:
    """Fold `text` for matching and keep the offset map (see the module docstring)."""
    folded, expanded = _fold(text)
    folded, deleted = _squeeze(folded, DELETE, 0)
    folded, gaps = _squeeze(folded, GAP, 1)
    return Normalised(folded.replace(GAP, " "), gaps, deleted, expanded)


def _fold(text: str) -> tuple[str, list[int] | None]:
    codec = "ascii" if text.isascii() else _CODEC
    fast = text.encode(codec, _CODEC_ERRORS).translate(_BYTE_TABLE)
    if EXPANDS.encode() not in fast:
        return fast.decode(codec), None
    folded = text.translate(_SLOW_TABLE)
    if len(folded) == len(text):
        return folded, None
    origin = [i for i, char in enumerate(text) for _ in range(len(_SLOW_TABLE[ord(char)]))]
    return folded, origin


def fold_words(text: str) -> str:
    """`text` folded as the matcher sees it, without the offset map: words joined by one space."""
    return normalise(text).text.strip(" ")


# --- markup ------------------------------------------------------------------------------------

_INLINE_TAGS = "a|abbr|b|bdi|bdo|cite|code|em|font|i|kbd|mark|q|s|small|span|strong|sub|sup|time|u|var|wbr"
# Every alternative starts with a literal character (the inline tag's "<" stays outside its
# group), so the regex engine skips to the next "<", "]" or "&" without trying each position.
_MARKUP = re.compile(
    r"""<!--.*?-->
      | <(script|style)\b.*?</\1\s*>
      | <!\[CDATA\[ | \]\]>
      | <(/?(?:"""
    + _INLINE_TAGS
    + r""")\b[^<>]*>)
      | </?[a-z][^<>]*>
      | &(?:amp;)?(?:\#[0-9]{1,7}|\#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,31});""",
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)


def _blank_markup(match: re.Match[str]) -> str:
    raw = match.group()
    if match.group(2):  # inline tags vanish, so و<b>القائم</b> and al-<i>Bukamal</i> stay one word
        return DELETE * len(raw)
    if raw[0] != "&":
        return " " * len(raw)
    decoded = html.unescape(html.unescape(raw) if raw.lower().startswith("&amp;") else raw)
    if decoded == raw or len(decoded) > len(raw):
        return raw
    return decoded + DELETE * (len(raw) - len(decoded))


def unmarkup(text: str) -> str:
    """Block tags, comments and CDATA markers become spaces, inline tags are deleted, entities
    become their character padded with deleted filler: the result has the length of `text`, so
    every offset still holds."""
    return _MARKUP.sub(_blank_markup, text)


# --- alias variants ------------------------------------------------------------------------

_LATIN_ARTICLES = ("al", "el")
_ARABIC_ARTICLE = "ال"
_CONJUNCTIONS = ("", "و", "ف")
_PREPOSITIONS = ("", "ب", "ل", "ك")
_SHORT_ALIAS = 5  # shorter aliases (Ana, Rawa, Heri) take a trailing s only as a possessive


def _is_arabic(char: str) -> bool:
    return "\u0600" <= char <= "\u06ff"


def _strip_article(words: str) -> tuple[str, bool]:
    """The alias without a leading article, and whether it had one."""
    first, _, rest = words.partition(" ")
    if first in _LATIN_ARTICLES and rest:
        return rest, True
    if first.startswith(_ARABIC_ARTICLE) and len(first) > len(_ARABIC_ARTICLE) + 1:
        return words[len(_ARABIC_ARTICLE) :], True
    return words, False


def alias_key(text: str) -> str:
    """The form under which two aliases count as the same: folded, without a leading article."""
    return _strip_article(fold_words(text))[0]


@dataclass(frozen=True, slots=True)
class _Variant:
    key: str  # folded words, unpadded
    suffix: bool  # ends in a plural/possessive s that is not part of the alias
    rank: int  # 0 for the alias as written; lower wins a tie on the same key


def _variants(alias: Alias) -> Iterator[_Variant]:
    words = fold_words(alias.text)
    core, had_article = _strip_article(words)
    if alias.case_sensitive:
        bases = [words]
    elif _is_arabic(core[0]):
        bases = [words, *_arabic_forms(core)]
    else:
        articles = [f"{a} {core}" for a in _LATIN_ARTICLES] + ([f"al{core}"] if had_article else [])
        bases = [words, core, *articles]
    for rank, base in enumerate(dict.fromkeys(bases)):
        yield _Variant(base, False, rank)
        if base[-1].isascii() and base[-1].isalpha() and base[-1] != "s":
            yield _Variant(base + "s", True, rank)


def _arabic_forms(core: str) -> Iterator[str]:
    for conj in _CONJUNCTIONS:
        for prep in _PREPOSITIONS:
            yield conj + prep + core
            yield conj + ("لل" if prep == "ل" else prep + _ARABIC_ARTICLE) + core


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


@dataclass(frozen=True, slots=True)
class _Ref:
    """What one automaton key stands for: an alias of an entity, in one variant."""

    entity: Entity
    alias: Alias
    variant: _Variant
    context: _Words
    case_letters: str  # the alias's letters and digits, for case-sensitive aliases
    possessive_only: bool  # a short alias takes its trailing s only after an apostrophe: Ana's, never Anas
    needs_check: bool


class _Hit(NamedTuple):  # a tuple: made for every automaton hit, so it must be cheap
    start: int  # in the normalised text
    end: int
    ref: _Ref


class Matcher:
    """Built once from a Watchlist; `find` and `find_in_markup` may then be called from any thread."""

    def __init__(self, watchlist: Watchlist) -> None:
        self.watchlist = watchlist
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY, ahocorasick.KEY_STRING)
        keys: dict[str, list[_Ref]] = {}
        for entity in watchlist.entities.values():
            for alias in entity.aliases:
                for ref in _refs(entity, alias):
                    keys.setdefault(ref.variant.key, []).append(ref)
        for key, refs in keys.items():
            best = _best_variants(refs)
            self._automaton.add_word(f" {key} ", (len(key) + 2, best, any(r.needs_check for r in best)))
        self._empty = not keys
        if keys:
            self._automaton.make_automaton()
        self._related = {e.id: frozenset(e.parents + e.related) for e in watchlist.entities.values()}

    def find(self, text: str) -> list[Mention]:
        """Every entity mention in plain `text`, in order; offsets index `text` as given."""
        return self._find(text, text)

    def find_in_markup(self, text: str) -> list[Mention]:
        """Like `find` for HTML/feed markup; surfaces may contain entities such as `&#8217;`."""
        return self._find(text, unmarkup(text))

    def prioritise(
        self, fields: Mapping[str, str], mentions: Mapping[str, Sequence[Mention]]
    ) -> Priority | None:
        """The article's priority from rules.yaml; None when nothing matched."""
        return prioritise(self.watchlist, fields, mentions)

    def _find(self, original: str, plain: str) -> list[Mention]:
        if self._empty:
            return []
        norm = normalise(plain)
        hits = list(self._scan(norm, plain))
        if not hits:
            return []
        return [_mention(hit, norm, original) for hit in self._with_related(hits)]

    def _scan(self, norm: Normalised, plain: str) -> Iterator[_Hit]:
        for end, (length, refs, checked) in self._automaton.iter(f" {norm.text} "):
            # `end` indexes the padded text at the key's closing space: the word ends there in
            # the unpadded text, and starts where the key's opening space is in the padded one.
            start = end - length + 1
            if not checked:
                yield _Hit(start, end - 1, refs[0])
                continue
            for ref in refs:
                if _passes(ref, norm, plain, start, end - 1):
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


def _mention(hit: _Hit, norm: Normalised, original: str) -> Mention:
    start, end = norm.span(hit.start, hit.end)
    entity = hit.ref.entity
    return Mention(entity.id, entity.name, entity.kind, start, end, original[start:end], hit.ref.alias.text)


def _refs(entity: Entity, alias: Alias) -> Iterator[_Ref]:
    context = _Words.of(alias.context)
    letters = "".join(c for c in alias.text if c.isalnum())
    for variant in _variants(alias):
        possessive_only = variant.suffix and len(variant.key.replace(" ", "")) - 1 < _SHORT_ALIAS
        needs_check = bool(context) or alias.case_sensitive or possessive_only
        yield _Ref(entity, alias, variant, context, letters, possessive_only, needs_check)


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


def _passes(ref: _Ref, norm: Normalised, plain: str, start: int, end: int) -> bool:
    core_end = end - 1 if ref.variant.suffix else end
    if ref.possessive_only and not _has_apostrophe(norm, plain, core_end):
        return False
    if ref.alias.case_sensitive:
        source_start, source_end = norm.span(start, core_end)
        if "".join(c for c in plain[source_start:source_end] if c.isalnum()) != ref.case_letters:
            return False
    return not ref.context or _context_allows(ref.context, norm.text, start, end)


def _context_allows(words: _Words, text: str, start: int, end: int) -> bool:
    if words.require or words.forbid:
        near = _near(text, start, end, words.window, words.window, words.pairs)
        if (words.require and near.isdisjoint(words.require)) or not near.isdisjoint(words.forbid):
            return False
    if words.before and not words.before.isdisjoint(_near(text, start, end, 1, 0, False)):
        return False
    return not words.after or words.after.isdisjoint(_near(text, start, end, 0, 1, False))


def _has_apostrophe(norm: Normalised, plain: str, core_end: int) -> bool:
    """Whether an apostrophe stood between the alias and its trailing s (a possessive)."""
    return any(c in APOSTROPHES for c in plain[norm.source(core_end - 1) + 1 : norm.source(core_end)])


_WORD_CHARS = 40  # generous characters per word, to slice enough text for `window` words


def _near(text: str, start: int, end: int, before: int, after: int, pairs: bool) -> set[str]:
    """The words within `before` words left of `text[start:end]` and `after` words right of it,
    each also without plural s or Arabic proclitics (`bases`, `والقاعدة` meet `base`, `قاعدة`),
    and, when a context word has a space, the pairs of neighbouring words (`air base`)."""
    left = text[max(0, start - _WORD_CHARS * (before + 1)) : start].split()[-before:] if before else []
    right = text[end : end + _WORD_CHARS * (after + 1)].split()[:after] if after else []
    near: set[str] = set()
    for word in left + right:
        near.update(_forms(word))
    if pairs:
        near.update(f"{a} {b}" for side in (left, right) for a, b in zip(side, side[1:], strict=False))
    return near


_PROCLITICS = frozenset(
    {c + p + a for c in _CONJUNCTIONS for p in _PREPOSITIONS for a in ("", _ARABIC_ARTICLE)} - {""}
    | {"لل", "ولل", "فلل"}
)
_LONGEST_PROCLITIC = max(map(len, _PROCLITICS))


@lru_cache(maxsize=1 << 16)
def _forms(word: str) -> tuple[str, ...]:
    forms = [word]
    if word.endswith("s"):
        forms.append(word[:-1])
    if _is_arabic(word[0]):
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
    chosen: list[_Hit] = []
    for hit in sorted(cluster, key=lambda h: (h.start - h.end, h.start, h.ref.variant.rank)):
        if all(hit.end <= c.start or hit.start >= c.end for c in chosen):
            chosen.append(hit)
    return sorted(chosen, key=lambda h: h.start)


# --- priority ---------------------------------------------------------------------------------

_ABBREVIATIONS = "".join(
    rf"(?<!\b{a}\.\s)" for a in ("Mr", "Mrs", "Ms", "Dr", "Gen", "Col", "Lt", "St", "No")
)
_BLOCK_TAG_BODY = r"(?i:(?:/?p|br|/?div|/?li|/?h\d)\b[^>]*>)"  # a block tag after its "<"
_BLOCK_TAG = "<" + _BLOCK_TAG_BODY
# A sentence break is the whitespace after a sentence's final punctuation (so a sentence
# text[previous.end():next.start()] keeps its full stop; "U.S. forces" is not one), a blank line
# or a block tag. Every break starts with whitespace or "<": the pattern takes that character
# first and looks behind past it, so the regex engine skips from one such character to the next
# instead of trying the lookbehinds at every position (7 to 10 times faster).
_SENTENCE_BREAK = re.compile(
    r"[\s<](?:"
    r"""(?:(?<=[.!?؟。]\s)|(?<=[.!?؟。]["'”’»)]\s))""" + _ABBREVIATIONS + r"\s*(?![a-z])"
    r"|(?<=\n)\s*\n\s*|(?<=\s)\s*\n\s*\n\s*"  # a blank line, taken at its first newline or before
    r"|(?<=<)" + _BLOCK_TAG_BODY + ")"
)
# A paragraph ends at a blank line, a block tag, or a line break after a sentence's end; a line
# break inside a sentence is only wrapping.
_PARAGRAPH_BREAK = re.compile(r"""\s*\n\s*\n\s*|(?<=[.!?؟:"”])[ \t]*\n\s*|""" + _BLOCK_TAG)


def prioritise(
    watchlist: Watchlist, fields: Mapping[str, str], mentions: Mapping[str, Sequence[Mention]]
) -> Priority | None:
    """The first rule in rules.yaml that fires, else its default level; None when nothing matched."""
    matched = sorted({m.entity for ms in mentions.values() for m in ms if m.entity in watchlist.entities})
    if not matched:
        return None
    for rule in watchlist.rules.rules:
        if (found := _fire(rule, watchlist, fields, mentions)) is not None:
            return Priority(rule.level, f"{rule.id}: {found}")
    return Priority(watchlist.rules.default, f"default: no rule fired for {', '.join(matched)}")


def _fire(
    rule: Rule, watchlist: Watchlist, fields: Mapping[str, str], mentions: Mapping[str, Sequence[Mention]]
) -> str | None:
    for where, unit in _units(rule, fields, mentions):
        entities = [watchlist.entities[e] for e in sorted(unit) if e in watchlist.entities]
        if (chosen := _assign(rule.all, entities)) is not None:
            parts = [f"{sel.describe()} {', '.join(ids)}" for sel, ids in zip(rule.all, chosen, strict=True)]
            return f"{' with '.join(parts)} {where}"
    return None


def _units(
    rule: Rule, fields: Mapping[str, str], mentions: Mapping[str, Sequence[Mention]]
) -> Iterator[tuple[str, set[str]]]:
    """The entity sets the rule looks at: one per sentence or paragraph, or the whole article."""
    names = [f for f in mentions if not rule.fields or f in rule.fields]
    if rule.scope == "article":
        where = f"in the {' or '.join(rule.fields)}" if rule.fields else "in the article"
        yield where, {m.entity for f in names for m in mentions[f]}
        return
    pattern = _SENTENCE_BREAK if rule.scope == "sentence" else _PARAGRAPH_BREAK
    for name in names:
        numbers = _unit_numbers(pattern, fields.get(name, ""), [m.start for m in mentions[name]])
        units: dict[int, set[str]] = {}
        for number, mention in zip(numbers, mentions[name], strict=True):
            units.setdefault(number, set()).add(mention.entity)
        yield from ((f"in one {rule.scope}", unit) for unit in units.values())


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


# --- snippets -----------------------------------------------------------------------------------

# What folds to one space: a whitespace run, or one whitespace character other than a space.
# Lone spaces (most of them) are left alone, sparing their substitution, and a pattern that starts
# with \s lets the regex engine skip ahead from one whitespace character to the next.
_SPACES = re.compile(r"\s(?:\s+|(?<! ))")
ELLIPSIS = "…"


def snippet(text: str, start: int, end: int, width: int = 160) -> str:
    """The sentence around `text[start:end]`, whitespace folded and markup dropped, cut to about
    `width` characters around the match with an ellipsis on each side that was cut."""
    low, high = max(0, start - 2 * width), min(len(text), end + 2 * width)
    begin = max((m.end() for m in _SENTENCE_BREAK.finditer(text, low, start)), default=low)
    after = _SENTENCE_BREAK.search(text, end, high)
    stop = after.start() if after else high
    left, middle, right = _clean(text[begin:start]), _clean(text[start:end]), _clean(text[end:stop])
    return _cut(left.lstrip(), middle, right.rstrip(), width, begin == low > 0, stop == high < len(text))


def _clean(part: str) -> str:
    text = _MARKUP.sub(lambda m: html.unescape(m.group()) if m.group()[0] == "&" else " ", part)
    return _SPACES.sub(" ", text)


def _cut(left: str, middle: str, right: str, width: int, left_cut: bool, right_cut: bool) -> str:
    room = max(width - len(middle), 0)
    keep_right = min(len(right), max(room // 2, room - len(left)))
    keep_left = min(len(left), room - keep_right)
    if keep_left < len(left):
        left, left_cut = left[len(left) - keep_left :], True
        left = left.split(" ", 1)[1] if " " in left[:-1] else left
    if keep_right < len(right):
        right, right_cut = right[:keep_right], True
        right = right.rsplit(" ", 1)[0] if " " in right[1:] else right
    return f"{ELLIPSIS if left_cut else ''}{left}{middle}{right}{ELLIPSIS if right_cut else ''}"
