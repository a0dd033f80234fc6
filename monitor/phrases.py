"""Rules that read a phrase around hits rather than one hit: coordination (the Syrian and Iraqi
armies: two names sharing one noun; PMF Brigades 13, 14 and 45: numbers sharing one), lists of
places (حديثة وعنة وراوة: a place in a list with another is a place), and desert words (the
al-Bukamal desert, بادية البوكمال: the desert region as well as the place), and names whose
referent changed on a date ("the Syrian government", dated by the text's other names), and a name
bracketed inside a unit's number and noun (the 13th (Tafuf) Brigade). Pure: no I/O.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from monitor.context import CROSSING_WORDS, WORD, WORD_CHARS, Hit, folded, position
from monitor.normalise import ARABIC_ARTICLE, DELETE, Normalised, fold_words, is_arabic
from monitor.variants import PROCLITICS, forms

if TYPE_CHECKING:
    from monitor.watchlists import Entity, Watchlist


COORDINATION_RULE = "coordination: shares its noun with a coordinated name (the Syrian and Iraqi armies)"
COORDINATION = "coordination"  # the variant of a name sharing its noun (the Syrian and Iraqi armies)
# English "<first> and <second> <noun>"; Arabic "<noun> <adjective> وال<adjective>" (the noun and
# first adjective are read back from the text before the match).
# Two patterns, each starting with a literal, so that the regex engine skims the text for it.
# The second name may carry its article (the Conoco and al-Omar bases); the noun may be two words
# (the Russian and Syrian air forces): the word after the noun is looked at, not consumed.
_COORDINATION_EN = re.compile(
    r" and (?P<second>[a-z] [a-z] ?(?= )|(?:al |el )?[a-z0-9]+) (?P<noun>[a-z]+)(?= (?P<more>[a-z]+))?"
)  # 12th and 13th brigades; the second name may be an initialism too (Iraqi and U.S. forces)
_COORDINATION_AR = re.compile(r" و(?P<adjective>ال\S+)")
# The first name: one word, or an initialism whose dots folded to spaces (U.S. -> "u s").
_FIRST_EN = re.compile(r"(?:(?<= )|^)(?:[a-z] [a-z]|[^ ]+)$")
# Arabic dual construct "<noun>ي <name> و<name>": حقلي العمر وكونيكو (the al-Omar and Conoco fields)
# (the names in a lookahead: the second name of one pair may end the noun of the next, بالحسكه وحقلي
# العمر وكونيكو; the literal "ي " before it lets the regex engine skim the text for it)
_DUAL_AR = re.compile(r"ي (?=(?P<first>\S+) و(?P<second>\S+))")
# Arabic broken plural of a feature noun before a list of its names, the resource between:
# "حقول نفط العمر والتنك والجفرة" (the al-Omar, Tanak and Jafra oil fields), "معابر القائم والوليد",
# or before one name: "معابر القائم" (al-Qaim's crossings)
_FEATURE_PLURALS = {"حقول": "حقل", "معابر": "معبر", "منافذ": "منفذ", "قواعد": "قاعده", "مطارات": "مطار"}
_PLURAL_LIST_AR = re.compile(
    rf"(?P<noun>{'|'.join(_FEATURE_PLURALS)}) (?:(?:ال)?(?:نفط|غاز) )?(?P<first>\S+)(?P<rest>(?: و\S+)*)"
)
_LISTED_AR = re.compile(r" و(\S+)")  # a name after the first, with its و


# A unit's own name in brackets between its number and its noun: "the PMF's 13th (Tafuf) Brigade"
# is the 13th Brigade. The brackets start the pattern, so the regex engine skims for "(".
BRACKET_RULE = "bracketed name: a unit's name in brackets between its number and its noun"
_BRACKETED = re.compile(r"\([^()\n]{1,40}\)")
_NUMBER_BEFORE = re.compile(r"\d(?:st|nd|rd|th)?\s+$", re.IGNORECASE)
_UNIT_AFTER = re.compile(r"\s+(?:brigade|division|regiment|battalion|corps)", re.IGNORECASE)


def unit_brackets(plain: str) -> list[tuple[int, int]]:
    """The spans of bracketed names between a unit's number and its noun (13th (Tafuf) Brigade)."""
    if "(" not in plain:
        return []
    return [
        m.span()
        for m in _BRACKETED.finditer(plain)
        if _NUMBER_BEFORE.search(plain, max(0, m.start() - 12), m.start())
        and _UNIT_AFTER.match(plain, m.end())
    ]


def unbracketed(plain: str, spans: list[tuple[int, int]]) -> str:
    """`plain` with `spans` deleted (DELETE characters: its length and every offset hold)."""
    for start, end in spans:
        plain = plain[:start] + DELETE * (end - start) + plain[end:]
    return plain


def coordinations(text: str, tails: frozenset[str]) -> Iterator[tuple[tuple[int, int], list[str]]]:
    """Per name a coordination in the normalised `text` may stand for, its span and the keys to
    look up; `tails` (the last words of keys) skips the nouns no key ends with."""
    for match in _COORDINATION_EN.finditer(text):
        more = match.group("more")
        if more is not None and _in_tails(more, tails):  # a noun of two words: air forces
            yield from _coordinated_keys(text, match, f"{match.group('noun')} {more}", match.end("more"))
        elif _in_tails(match.group("noun"), tails):
            yield from _coordinated_keys(text, match, match.group("noun"), match.end("noun"))
    if " و" in text:  # the Arabic coordinations all have و: English text skips them
        yield from _arabic_coordinations(text, tails)
    if any(noun in text for noun in _FEATURE_PLURALS):
        yield from _plural_lists(text)
    yield from _numbered_lists(text)


def _arabic_coordinations(text: str, tails: frozenset[str]) -> Iterator[tuple[tuple[int, int], list[str]]]:
    for match in _COORDINATION_AR.finditer(text):
        # the watched name first or second: العتبتان الحسينية والعباسية, القوات السورية والعراقية
        first = text[max(0, match.start() - WORD_CHARS) : match.start()].rsplit(" ", 1)[-1]
        if _in_tails(match.group("adjective"), tails) or (first and _in_tails(first, tails)):
            yield from _coordinated_keys(text, match, "", match.end())
    for match in _DUAL_AR.finditer(text):
        if match.group("first") in tails or match.group("second") in tails:
            yield from _dual_keys(text, match)


def _plural_lists(text: str) -> Iterator[tuple[tuple[int, int], list[str]]]:
    for match in _PLURAL_LIST_AR.finditer(text):
        before = text[text.rfind(" ", 0, match.start()) + 1 : match.start()]  # its proclitics
        if not before or before in PROCLITICS:
            yield from _plural_list_keys(match)


def _numbered_lists(text: str) -> Iterator[tuple[tuple[int, int], list[str]]]:
    """Per number of each list of numbered units (see `_NUMBERS_AFTER`), its span and keys. Looked
    for only where a unit noun stands (str.find): a pattern led by a digit is tried at every digit,
    and news is full of them."""
    for stem in _UNIT_STEMS:
        at = text.find(stem)
        while at >= 0:
            noun_start, noun_end = text.rfind(" ", 0, at) + 1, text.find(" ", at)
            noun_end = len(text) if noun_end < 0 else noun_end
            noun = text[noun_start:noun_end]
            if (found := _NUMBERS_AFTER.match(text, noun_end)) is not None:
                yield from _numbered_keys(
                    text, noun, noun_start, found.start("numbers"), found.group("numbers")
                )
            if noun.endswith("s") and (
                found := _ORDINALS_BEFORE.search(text, max(0, noun_start - 80), noun_start)
            ):
                yield from _numbered_keys(
                    text, noun, noun_start, found.start(), found.group(), noun_first=False
                )
            at = text.find(stem, noun_end)


def _numbered_keys(
    text: str, noun: str, noun_start: int, first: int, numbers: str, noun_first: bool = True
) -> Iterator[tuple[tuple[int, int], list[str]]]:
    """Per number of a list of units sharing one noun, its span (the one beside the noun with it:
    "Brigades 13", "45th brigades") and its keys: the noun in the singular with the number, after
    the word before the list where one stands (PMF Brigades 45 and 46: "pmf brigade 46")."""
    if not noun.isalpha():
        return
    before_at = noun_start if noun_first else first
    before = text[max(0, before_at - WORD_CHARS) : before_at].rstrip(" ").rsplit(" ", 1)[-1]
    nouns = _unit_singulars(noun)
    found = list(re.finditer(r"\d+(?:st|nd|rd|th)?", numbers))
    beside_noun = found[0] if noun_first else found[-1]
    for number in found:
        span = (first + number.start(), first + number.end())
        if number is beside_noun:
            span = (noun_start, span[1]) if noun_first else (span[0], noun_start + len(noun))
        ordinal = not number.group().isdigit()
        names = [f"{number.group()} {n}" if ordinal else f"{n} {number.group()}" for n in nouns]
        yield span, [f"{before} {name}" for name in names if before] + names


def _unit_singulars(noun: str) -> list[str]:
    """The singular of a unit noun as keys write it: brigades -> brigade, الالويه -> اللواء and
    لواء, اللواءين -> اللواء (keys with and without the article are both tried)."""
    if not is_arabic(noun[0]):
        return [_singular(noun)]
    singulars = []
    for form in forms(noun):
        # ألوية folds to الويه: its ال is no article
        core = form if form in _BROKEN_PLURALS else form.removeprefix(ARABIC_ARTICLE)
        singular = _BROKEN_PLURALS.get(core) or _arabic_singular(core)
        singulars += [ARABIC_ARTICLE + singular, singular]
    return list(dict.fromkeys(singulars))


# Numbered units listed after their noun (PMF Brigades 13, 14 and 45; الألوية 13 و14 و45,
# اللواءين 45 و46, ألوية 19-18-17-13) or before it as ordinals (the 13th, 14th and 45th brigades).
# The numbers share the noun as coordinated names do; only keys in the automaton are looked up.
_LIST_JOINER = r"(?: +| +and +| +or +| +و ?)"
_ORDINAL = r"\d+(?:st|nd|rd|th)"
_NUMBERS_AFTER = re.compile(rf" +(?P<numbers>\d+(?:{_LIST_JOINER}\d+)+)(?![\w])")
_ORDINALS_BEFORE = re.compile(rf"(?<![\w]){_ORDINAL}(?:{_LIST_JOINER}{_ORDINAL})+ $")
# the stems of unit nouns, singular and plural, with and without the article (folded)
_UNIT_STEMS = (
    "brigade",
    "division",
    "regiment",
    "battalion",
    "لواء",
    "الويه",
    "فوج",
    "افواج",
    "فرق",
    "كتيب",
    "كتائب",
)
# the plurals of unit nouns that are not the singular with an ending (folded, without the article)
_BROKEN_PLURALS = {"الويه": "لواء", "افواج": "فوج", "فرق": "فرقه", "كتائب": "كتيبه", "سرايا": "سريه"}


def _in_tails(last: str, tails: frozenset[str]) -> bool:
    """`last` (a noun, or an Arabic adjective) ends a key, as it is or in the singular."""
    return last in tails or (last[-1] == "s" and _singular(last) in tails)


def _dual_keys(text: str, match: re.Match[str]) -> list[tuple[tuple[int, int], list[str]]]:
    """The two names of an Arabic dual construct (حقلي العمر وكونيكو, منفذي القائم والوليد), each
    with the noun in the singular (حقل, منفذ; قاعدتي -> قاعده)."""
    written = text[text.rfind(" ", 0, match.start()) + 1 : match.start()]
    # with its proclitics or without them (وحقلي العمر وكونيكو: حقل)
    nouns = [form for form in forms(written) if len(form) >= 2]  # حيي الجمعيات والصناعة: حي
    nouns += [n[:-1] + "ه" for n in nouns if n.endswith("ت")]
    return [(match.span(name), [f"{n} {match.group(name)}" for n in nouns]) for name in ("first", "second")]


def _plural_list_keys(match: re.Match[str]) -> Iterator[tuple[tuple[int, int], list[str]]]:
    """Each name of a list after a plural feature noun (حقول نفط العمر والتنك) and its key, the
    noun in the singular before it (حقل العمر, حقل التنك)."""
    singular = _FEATURE_PLURALS[match.group("noun")]
    yield match.span("first"), [f"{singular} {match.group('first')}"]
    for name in _LISTED_AR.finditer(match.string, match.start("rest"), match.end("rest")):
        yield (name.start() + 1, name.end()), [f"{singular} {name[1]}"]  # the span with its و


def _coordinated_keys(
    text: str, match: re.Match[str], noun: str, noun_end: int
) -> list[tuple[tuple[int, int], list[str]]]:
    """Per name a coordination may stand for, its span in `text` and the keys to look up; in
    English the shared `noun` ends at `noun_end`."""
    if match.re is _COORDINATION_EN:  # English: "<first> and <second> <noun>"
        second = match.group("second").rstrip(" ")  # "u s " before the noun
        first_end = len(text[: match.start()].rstrip(" "))  # "u s  and": U.S. left a space
        found = _FIRST_EN.search(text, max(0, first_end - WORD_CHARS), first_end)
        if found is None:
            return []
        first_start, first = found.start(), text[found.start() : match.start()]  # as keys fold it
        nouns = list(dict.fromkeys((noun, _singular(noun))))
        return [
            ((first_start, first_end), [f"{first} {n}" for n in nouns]),
            (
                (match.start("second"), noun_end),
                [f"{name} {n}" for name in _articled(second) for n in nouns[1:]],
            ),
        ]
    words = text[max(0, match.start() - (2 + _CHAIN) * WORD_CHARS) : match.start()].split()
    for _ in range(_CHAIN):  # a chain: القوات العراقية والسورية والأمريكية shares القوات too
        if len(words) < 3 or not words[-1].startswith("و" + ARABIC_ARTICLE):
            break
        words.pop()
    if len(words) < 2 or not words[-1].startswith(ARABIC_ARTICLE):
        return []
    first, adjective = words[-1], match.group("adjective")
    first_start = text.rfind(first, 0, match.start())
    nouns = list(dict.fromkeys(n for form in forms(words[-2]) for n in (form, _arabic_singular(form))))
    return [
        ((first_start, first_start + len(first)), [f"{n} {first}" for n in nouns[1:]]),
        ((match.start() + 1, match.end()), [f"{n} {adjective}" for n in nouns]),
    ]


_CHAIN = 3  # adjectives coordinated before the one looked at: والسورية والأمريكية والروسية


def _articled(name: str) -> list[str]:
    """A second name as written and without its article (al omar -> omar): keys may be either."""
    return [name, name.split(" ", 1)[1]] if name.startswith(("al ", "el ")) else [name]


def _singular(noun: str) -> str:
    """armies -> army, forces -> force, sides -> side: enough for the nouns of group names."""
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun


def _arabic_singular(noun: str) -> str:
    """A dual noun's singular (الجيشين -> الجيش, منفذا -> منفذ in "منفذا الوليد والقائم"; a feminine
    one takes its ة back: الفرقتين -> الفرقه); other nouns as they are. A wrong cut costs nothing:
    only keys in the automaton are looked up."""
    for ending in ("تين", "تان"):
        if noun.endswith(ending) and len(noun) > len(ending) + 2:
            return noun[: -len(ending)] + "ه"
    for ending in ("ين", "ان", "ا", "ي"):
        if noun.endswith(ending) and len(noun) > len(ending) + 3:
            return noun[: -len(ending)]
    return noun


PLACE_LIST_RULE = (
    "list: joined by and, or, a comma, a dash or و to another place (حديثة وعنة وراوة), armed group or "
    "tribe found"
)
_LIST_GAP = frozenset({"", "and", "or", "و", "او", "أو"})
# a comma, or a dash or slash between names ("( حصيبة – الكرابلة – الرمانة – العبيدي )")
_LIST_MARKS = frozenset(",،–—/")
_NAME_JOINERS = frozenset("–—/")  # a dash or slash also joins a crossing's two towns: معبر الهري – القائم
_SEPARATORS = str.maketrans({mark: f" {mark} " for mark in _LIST_MARKS})
_QUOTES = str.maketrans("", "", '"“”«»‘’„')
ARMED_KINDS = frozenset({"militia", "armed_group"})


def listed_kind(entity: Entity) -> str | None:
    """The family of names a list holds together: places, armed groups (كتائب "حزب الله"
    و"النجباء" و"عصائب أهل الحق" و"سيد الشهداء": the factions of a list are factions), or tribes
    ("قبائل مثل الشعيطات والبكير والحسون", "أفخاذ من البقارة والدليم والمشاهدة")."""
    if entity.is_place:
        return "place"
    if entity.kind == "tribe":
        return "tribe"
    return "armed" if entity.kind in ARMED_KINDS else None


def in_lists(listed: list[Hit], hits: list[Hit], plain: str, norm: Normalised) -> list[Hit]:
    """The `listed` hits (places, armed groups or tribes a context rule wanted a required word for) that
    stand in a list with a name of the same family found on its own merits: "al-Qaim, Anah and
    Rawa", القائم وحديثة وعنة, حيدريون، الأبدال، كتائب حزب الله. A list of places says "places"
    as plainly as a preposition does. Chains are followed."""
    kinds = {listed_kind(h.ref.entity) for h in listed} - {None}
    return [h for kind in kinds for h in _in_list(kind, listed, hits, plain, norm)]


def _in_list(kind: str | None, listed: list[Hit], hits: list[Hit], plain: str, norm: Normalised) -> list[Hit]:
    places = sorted((h for h in hits if listed_kind(h.ref.entity) == kind), key=position)
    listed = [h for h in listed if listed_kind(h.ref.entity) == kind]
    admitted: list[Hit] = []
    waiting = sorted(listed, key=position)
    while places and waiting:
        starts = [p.start for p in places]
        joined = [
            h for h in waiting if any(_listed_with(h, p, plain, norm) for p in _neighbours(h, places, starts))
        ]
        if not joined:
            break
        admitted += joined
        places = joined
        taken = {id(h) for h in joined}
        waiting = [h for h in waiting if id(h) not in taken]
    return admitted


def _neighbours(hit: Hit, places: list[Hit], starts: list[int]) -> list[Hit]:
    """The places (sorted) nearest before and after `hit`."""
    i = bisect_left(starts, hit.start)
    return places[max(0, i - 1) : i + 1]


def _listed_with(hit: Hit, place: Hit, plain: str, norm: Normalised) -> bool:
    first, second = (hit, place) if hit.start < place.start else (place, hit)
    if first.end >= second.start or second.start - first.end > WORD_CHARS:
        return False
    gap = plain[norm.source(first.end - 1) + 1 : norm.source(second.start)].translate(_QUOTES)
    words = gap.translate(_SEPARATORS).split()
    if not _NAME_JOINERS.isdisjoint(words) and _after_crossing_word(first, norm):
        return False  # معبر الهري – القائم: a crossing named by its two towns, not a list
    marks = sum(w in _LIST_MARKS for w in words)
    rest = [w for w in words if w not in _LIST_MARKS]
    # و before a quoted name is cut off it by the quote: و"سيد الشهداء"
    joined = second.ref.variant.key.startswith("و") or rest[-1:] == ["و"]
    rest = rest[:-1] if rest[-1:] == ["و"] and rest[:-1] else rest
    # an Arabic list may hold an unwatched place between the two: البصيرة والصور والعزبة
    between = bool(rest) and joined and not marks and rest[0].startswith("و")
    if len(rest) > 1 or (rest and rest[0].casefold() not in _LIST_GAP and not between):
        return False
    return bool(marks or rest) or joined


def _after_crossing_word(hit: Hit, norm: Normalised) -> bool:
    before = norm.text[max(0, hit.start - WORD_CHARS) : hit.start].split()
    return bool(before) and not CROSSING_WORDS.isdisjoint(forms(before[-1]))


def desert_regions(watchlist: Watchlist) -> dict[str, Entity]:
    """Place id -> the desert region it lies in or borders: a region tagged `desert` whose id is
    a tag of the place (the `badia` tag of al-Bukamal, Palmyra, al-Tanf ...). "The al-Bukamal
    desert", "the desert south of Palmyra", بادية البوكمال, صحراء تدمر name that region as well
    as the place."""
    entities = watchlist.entities.values()
    regions = [e for e in entities if e.kind == "region" and "desert" in e.tags]
    return {p.id: r for r in regions for p in entities if p.is_place and p is not r and r.id in p.tags}


DESERT_RULE = "desert: a desert word with a place of the region (the al-Bukamal desert, بادية البوكمال)"
DESERT_WORDS = folded("desert deserts badia badiya بادية صحراء".split())
DESERT_PREPOSITIONS = frozenset("of near around outside surrounding".split())
DIRECTIONS = frozenset("north south east west northeast northwest southeast southwest".split())
DESERT_AREAS = frozenset("area areas region regions".split())
DESERT_SIDES = frozenset("eastern western southern northern central".split())
DESERT_FILLERS = folded("محافظة مدينة منطقة ريف".split())  # بادية محافظة الرقة
_PHRASE_BREAK = re.compile(r"[.,;:!?؟،()\[\]\n]")


def desert_word(norm: Normalised, plain: str, start: int, end: int) -> tuple[int, int] | None:
    """The span (normalised) of a desert word naming the place at `start:end` with it: right
    after it (the Mayadin desert, Deir ez-Zor's eastern desert), or before it (desert of / near / south of
    al-Bukamal, بادية البوكمال, ببادية محافظة الرقة), with no punctuation in between."""
    text = norm.text
    following = WORD.search(text, end, end + WORD_CHARS)
    if following and following.group() in DESERT_SIDES:  # Deir ez-Zor's eastern desert
        following = WORD.search(text, following.end(), following.end() + WORD_CHARS)
    if (
        following
        and following.group() in DESERT_WORDS
        and not _PHRASE_BREAK.search(plain, norm.source(end - 1) + 1, norm.source(following.start()))
    ):
        return following.span()
    words = list(WORD.finditer(text, max(0, start - 8 * WORD_CHARS), start))[-7:]
    i = len(words) - 1
    if i < 0:
        return None
    if is_arabic(words[i].group()[0]) and not DESERT_WORDS.isdisjoint(forms(words[i].group())):
        return _unbroken(norm, plain, words[i], start)
    if i > 0 and not DESERT_FILLERS.isdisjoint(forms(words[i].group())):
        found = words[i - 1]
        desert = not DESERT_WORDS.isdisjoint(forms(found.group()))
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


# --- names whose referent changed on a date ---------------------------------------------------


ERA_RULE = "era: the text's other names date it before or after the name changed hands"
ERA = "era"  # the variant of a name re-dated by the text's other names


@dataclass(frozen=True, slots=True)
class Era:
    """A name that meant `old` before a date and `new` after it ("the Syrian government" is
    Assad's before 8 December 2024, the transitional government's after). A text is dated by
    its other names: `old_cues` found and none of `new_cues` (or the reverse). Names of `old` or
    `new` themselves count as cues too when they are not one of the shared `aliases`."""

    old: str
    new: str
    aliases: frozenset[str]  # folded alias texts that name either entity
    old_cues: frozenset[str]
    new_cues: frozenset[str]


_OLD_SYRIA = frozenset({  # and the Iran-backed militias of Syria, gone since December 2024
    "bashar-al-assad", "national-defence-forces", "syrian-army", "syrian-4th-division", "liwa-fatemiyoun",
    "liwa-zainabiyoun", "liwa-al-baqir",
})  # fmt: skip
_NEW_SYRIA = frozenset({
    "ahmed-al-sharaa", "syrian-general-security", "syrian-interior-ministry", "anas-khattab",
    "murhaf-abu-qasra", "syrian-transitional-government", "syrian-defence-ministry",
})  # fmt: skip
ERAS = (
    Era(
        "syrian-army", "syrian-transitional-government",
        frozenset(fold_words(a) for a in (
            "Syrian government", "الحكومة السورية", "الجهات الحكومية السورية", "حكومة دمشق",
            "سلطة دمشق", "سلطات دمشق",
            "Syrian authorities", "Syria's authorities", "السلطات السورية",
        )),
        _OLD_SYRIA, _NEW_SYRIA,
    ),
    Era(
        "syrian-army", "syrian-defence-ministry",
        frozenset(fold_words(a) for a in (
            "Syrian army", "Syrian Arab Army", "Syrian military", "Syrian government forces", "Syrian troops",
            "Syrian Armed Forces", "الجيش العربي السوري",
            "Syrian government troops", "الجيش السوري", "قوات الحكومة السورية", "government forces",
            "pro-government forces", "القوات الحكومية", "Syrian air force", "Syrian Arab Air Force",
            "الطيران السوري", "الطيران الحربي السوري", "سلاح الجو السوري", "قوات حكومة دمشق",
        )),
        _OLD_SYRIA, _NEW_SYRIA,
    ),
    Era(  # Syria's security forces: Assad's, then General Security's
        "syrian-army", "syrian-general-security",
        frozenset(fold_words(a) for a in (
            "قوات الأمن السورية", "قوات الأمن السوري", "عناصر الأمن السوري", "Syrian security forces",
            "Syria's security forces",
        )),
        _OLD_SYRIA, _NEW_SYRIA,
    ),
)  # fmt: skip


def eras_of(watchlist: Watchlist) -> dict[tuple[str, str], Era]:
    """(entity id, folded alias text) -> its Era, for the eras whose entities are all watched."""
    index: dict[tuple[str, str], Era] = {}
    for era in ERAS:
        if era.old in watchlist.entities and era.new in watchlist.entities:
            index |= {(entity, alias): era for entity in (era.old, era.new) for alias in era.aliases}
    return index


# 1950-2049, not inside a longer number; the pattern starts with a character class, so the regex
# engine skims the text for a 1 or a 2 (a leading lookbehind would be tried at every position)
_YEAR = re.compile(r"[12](?<!\d[12])(?:(?<=1)9[5-9]|(?<=2)0[0-4])\d(?!\d)")
ERA_YEAR = 2024  # the year the Syrian names changed hands: a text whose latest year is before it is old


def years_say(latest: int | None, published: int | None = None) -> tuple[bool, bool]:
    """(old, new) as the years a text names say, when its names do not: a text whose `latest`
    year is 2023 or earlier ("in 2017") was written before the change, one naming 2025 or later
    after it; a text naming no year, by the year it was published (an article from the feeds) if
    known; 2024 says nothing."""
    year = latest or published or ERA_YEAR
    return year < ERA_YEAR, year > ERA_YEAR


class EraCues(NamedTuple):
    """What a text says of its era: the entities it names (names to be dated left out), the
    rulers of the old era among them named as deposed (a cue of the new era), the latest year
    it names."""

    named: frozenset[str]
    deposed: frozenset[str]
    latest: int | None

    @classmethod
    def of_all(cls, cues: Iterable[EraCues]) -> EraCues:
        """The cues of several texts (an article's fields) together."""
        named: set[str] = set()
        deposed: set[str] = set()
        years: list[int] = []
        for one in cues:
            named |= one.named
            deposed |= one.deposed
            years += [one.latest] if one.latest is not None else []
        return cls(frozenset(named), frozenset(deposed), max(years, default=None))


NO_CUES = EraCues(frozenset(), frozenset(), None)


@dataclass(slots=True)
class Dating:
    """An article's era cues across its fields (see `Matcher.find_fields`): a field is matched
    on its own, but a name to date in its title ("Syrian army") is dated by the cues of the
    whole article. `article` is given (None: the text's own cues date it); `own`, `text` and
    `shared` are filled in by `dated`: the text's own cues but its years (read from `text` only
    when an article needs them), and whether it holds a name to date."""

    article: EraCues | None = None
    own: EraCues = NO_CUES
    text: str = ""
    shared: bool = False

    def cues(self) -> EraCues:
        return self.own._replace(latest=latest_year(self.text))


def latest_year(text: str) -> int | None:
    return max(map(int, _YEAR.findall(text)), default=None)


def dated(
    hits: list[Hit],
    wanting: list[Hit],
    forbidden: list[Hit],
    eras: dict[tuple[str, str], Era],
    watchlist: Watchlist,
    text: str,
    published: int | None = None,
    dating: Dating | None = None,
) -> list[Hit]:
    """`hits` with each hit of a shared name given to the entity its text's era says; a hit
    dropped for want of a required word (`wanting`) is admitted when the era is clear, and one
    of the new entity dropped for its forbidden words (Assad, regime, fall ... nearby: "the fall
    of the Syrian government") is the old entity's unless the text names new cues. A text that
    names no cue is dated by the latest year it names, else by its `published` year (`years_say`).
    With `dating`, the text's own cues are recorded there, and the article's, when given, date it."""
    shared = [(h, era) for h in hits + wanting if (era := _era(h, eras))]
    shared += [(h, era) for h in forbidden if (era := _era(h, eras)) and h.ref.entity.id == era.new]
    shared_ids = {id(h) for h, _ in shared}
    own = _cues(hits, shared_ids, text)
    if dating is not None:
        dating.own, dating.text, dating.shared = own, text, bool(shared)
    if not shared:
        return hits
    given = dating.article if dating is not None else None
    cues = given if given is not None else own._replace(latest=latest_year(text))
    in_hits, forbidden_ids = {id(h) for h in hits}, {id(h) for h in forbidden}
    decided: dict[int, Hit | None] = {}  # id of a shared hit -> what it becomes (None: dropped)
    for hit, era in shared:
        old = not cues.named.isdisjoint(era.old_cues)
        new = not cues.named.isdisjoint(era.new_cues) or not cues.deposed.isdisjoint(era.old_cues)
        if not old and not new:
            old, new = years_say(cues.latest, published)
        if id(hit) in forbidden_ids:  # Assad, regime ... nearby: the old one, unless the text is new
            old = not new
        target = era.old if old and not new else era.new if new and not old else None
        if target is None or (target == hit.ref.entity.id and id(hit) in forbidden_ids):
            decided[id(hit)] = hit if id(hit) in in_hits else None  # undated: as it was
        elif target == hit.ref.entity.id:
            decided[id(hit)] = hit
        else:
            ref = hit.ref._replace(entity=watchlist.entities[target])
            decided[id(hit)] = hit._replace(ref=ref._replace(variant=ref.variant._replace(rules=(ERA,))))
    kept = [d for h in hits if (d := decided.get(id(h), h)) is not None]
    admitted = [h for i, h in decided.items() if i not in in_hits and h is not None]
    return sorted(kept + admitted, key=position) if admitted else kept


def _cues(hits: list[Hit], shared: set[int], text: str) -> EraCues:
    """The era cues of a text's hits but its years (`shared`: the ids of the hits of names to be
    dated)."""
    deposed_hits = [h for h in hits if _deposed(h, text)]
    # the surname inside the full name is as deposed as the full name (former President Bashar
    # al-Assad: "Assad" too)
    deposed = {
        id(h)
        for d in deposed_hits
        for h in hits
        if d.ref.entity is h.ref.entity and d.start <= h.start and h.end <= d.end
    }
    return EraCues(
        frozenset(h.ref.entity.id for h in hits if id(h) not in shared and id(h) not in deposed),
        frozenset(h.ref.entity.id for h in hits if id(h) in deposed),
        None,
    )


# A ruler of the old era named as deposed ("the ousted President Bashar al-Assad", الرئيس المخلوع
# بشار الأسد, "since the overthrow of Assad", بعد سقوط الأسد) is named by a text of the new era: a
# cue of the new era, not of the old.
DEPOSED_WORDS = frozenset(
    fold_words(w)
    for w in """ousted deposed toppled overthrown fallen former overthrow ouster fall toppling downfall
    المخلوع البائد الفار الهارب السابق سقوط بسقوط الإطاحة بالإطاحة""".split()
)
DEPOSED_REACH = 3  # words before the name (ousted Syrian President Bashar al-Assad)


def _deposed(hit: Hit, text: str) -> bool:
    if hit.ref.entity.kind != "person":
        return False
    before = text[max(0, hit.start - DEPOSED_REACH * WORD_CHARS) : hit.start].split()[-DEPOSED_REACH:]
    return not DEPOSED_WORDS.isdisjoint(before)


def _era(hit: Hit, eras: dict[tuple[str, str], Era]) -> Era | None:
    return eras.get((hit.ref.entity.id, _folded_alias(hit.ref.alias.text)))


@lru_cache(maxsize=4096)
def _folded_alias(text: str) -> str:
    return fold_words(text)
