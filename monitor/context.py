"""Context rules: whether a hit of an alias in a text stands, read from the words around it.

What an automaton key stands for (`Ref`: an alias of an entity in one variant, with its context
words folded like the text) and the rules that keep or drop a hit of it, each returning None or
the reason (shown by `monitor match --explain`). Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple

import ahocorasick

from monitor.elsewhere import (
    ANTI_ISIS_WORDS,
    LANDFORM_WORDS,
    PERSIAN_AFTER,
    QUALIFIER_WORDS,
    TRIBE_TOWN_BEFORE,
    YEMEN_WORDS,
    elsewhere,
    is_dateline,
    is_filed_from,
    names_a_coalition,
)
from monitor.normalise import (
    APOSTROPHES,
    ARABIC_ARTICLE,
    LATIN_ARTICLES,
    TATWEEL,
    Normalised,
    fold_words,
    is_arabic,
    strip_article,
)
from monitor.sentences import SENTENCE_BREAK
from monitor.variants import Variant, forms, national_forces

if TYPE_CHECKING:
    from monitor.watchlists import Alias, Context, Entity


def folded(words: Iterable[str]) -> frozenset[str]:
    """`words` folded like the text (`monitor.normalise.fold_words`)."""
    return frozenset(fold_words(w) for w in words)


@dataclass(frozen=True, slots=True)
class Words:
    """An alias's context words, folded like the text."""

    require: frozenset[str] = frozenset()
    forbid: frozenset[str] = frozenset()
    window: int = 0
    before: frozenset[str] = frozenset()
    after: frozenset[str] = frozenset()
    pairs: bool = False  # a context word has a space, so word pairs must be compared too

    @classmethod
    def of(cls, context: Context | None) -> Words:
        if context is None:
            return cls()
        require, forbid = folded(context.require), folded(context.forbid)
        return cls(
            require, forbid, context.window, folded(context.forbid_before), folded(context.forbid_after),
            any(" " in word for word in require | forbid),
        )  # fmt: skip

    def __bool__(self) -> bool:
        return bool(self.require or self.forbid or self.before or self.after)


class Ref(NamedTuple):  # a tuple: tens of thousands are made for each Matcher
    """What one automaton key stands for: an alias of an entity, in one variant."""

    entity: Entity
    alias: Alias
    variant: Variant
    context: Words
    case_letters: str  # the alias's letters and digits, for case-sensitive aliases
    possessive_only: bool  # a short alias takes its trailing s only after an apostrophe: Ana's, never Anas
    needs_check: bool  # context, case or possessive: checked while scanning
    role: bool  # a role name (roles.yaml): stands beside a name it overlaps (Bashar al-Assad’s regime)
    shared: bool = False  # its key stands for names of several entities (see `Matcher._short_names`)


class Hit(NamedTuple):  # a tuple: made for every automaton hit, so it must be cheap
    start: int  # in the normalised text
    end: int
    ref: Ref


position: Callable[[Hit], tuple[int, int]] = attrgetter("start", "end")  # a sort key, in C


def _adds_article(ref: Ref) -> bool:
    """The key gives the article to an Arabic name written without it: الحديثة is "the modern",
    an adjective, while the town is حديثة."""
    prefix = _proclitic(ref)
    return prefix.endswith(ARABIC_ARTICLE) and not fold_words(ref.alias.text).startswith(ARABIC_ARTICLE)


# --- context rules ---------------------------------------------------------------------------
#
# Context is read within the sentence of the hit only: a word in the previous or next sentence
# neither enables nor suppresses it. The rules, in the order `why_not` applies them:
#
#   possessive   a short alias takes its trailing s only after an apostrophe (Ana's, never Anas)
#   case         a case-sensitive alias must appear in exactly its case (KH, IS)
#   dateline     a person named by a line-opening dateline in capitals ("SULAIMANI, Iraq —",
#                "SULAIMANI —", "SULAIMANI (Reuters) -") is the place of the dateline, not the person
#   kunya        a person's family name alone after another kunya (Abu Ali al-Khazali) is a relative
#   facility     a person's name inside a facility's (the Soleimani School, محطة مياه الهفل) is the facility
#   unit name    a person's or place's name inside a unit's name (the Al-Haj Qassem Soleimani Regiment,
#                لواء الشهيد قاسم سليماني, Kata'ib Karbala) is the unit, and a shorter name inside it
#   sports       a place or a group named as a team (فريق كربلاء, the Najaf club, the al-Hashd club),
#                or a place in a match report's sentence (SPORTS_WORDS)
#   street       a place named as a street (شارع بغداد, Baghdad Street: STREET_BEFORE, STREET_AFTER)
#   outlet       a place named as an outlet (OUTLET_NAMES: Al Mayadeen TV, قناة الميادين, شبكة
#                “دير الزور 24”): an outlet word (MEDIA_WORDS) next to it or before its opening quote,
#                a verb of speech after it, or a media word and no place word in its sentence; any
#                place followed by TV, channel, الفضائية, نت (OUTLET_AFTER)
#   forbid       the alias's context.forbid / forbid_before / forbid_after words
#   require      the alias's context.require words within `window` words; for a place, a
#                place cue (PLACE_CUES: في, من, قرب, مدينة, ريف ...) right before the name, or
#                a preposition attached to it (بالقائم, للقائم), also says "a place"
#
# These word lists are the rules' data; a new cue is one more word here, tested in
# tests/test_matching.py on a real-style sentence.

PLACE_CUES = frozenset(fold_words(w) for w in """
    في من الى إلى قرب نحو باتجاه عند حول داخل بين عبر مدينة مدينتي بلدة بلدتي قرية ريف قضاء ناحية
    منطقة محيط أطراف مناطق قطاع قطاعات شرق غرب شمال جنوب شرقي غربي شمالي جنوبي معبر منفذ بادية صحراء
    أهالي سكان تقع يقع مثل تحرير مستشفى مشفى معقل معقلي معاقل حشد
    in near outside around
""".split())  # fmt: skip
# right after the name: a place described as one (القائم الواقعة على مسافة 300 كيلومتر غربي بغداد,
# البوكمال الحدودية); الحدودي (masculine) names the crossing, not the town
PLACE_CUES_AFTER = frozenset(fold_words(w) for w in "الواقعة الواقع الحدودية المحاذية المتاخمة".split())
# A place named beside the word for a settlement (the village of Obeidi, Rummana village, قرية
# العبيدي) is the place even with no parent or related place in the text: requires_related is met.
SETTLEMENT_WORDS = frozenset(fold_words(w) for w in """
    قرية قرى بلدة بلدات ناحية قضاء مدينة village villages town towns subdistrict district city
""".split())  # fmt: skip
MEDIA_WORDS = frozenset(fold_words(w) for w in """
    قناة لقناة بقناة القناة شبكة الشبكة موقع صحيفة وكالة تلفزيون مراسل مراسلة
    TV channel television broadcaster network website outlet newspaper correspondent reporter
    editorial journalist journalists صحفي صحفية إعلامي إعلامية cameraman photographer photojournalist
    anchor presenter مصور المصور كاميرا عدسة camera
""".split())  # fmt: skip
# a place's name in quotes right after one of these names a work after it, not the place:
# رواية “السكرية” (Mahfouz's novel), the film “Palmyra”. (A group's or a front's name keeps its
# place: جبهة “الباغوز” is the front there, تجمع “حرائر الأنبار” a group of Anbar.)
NAMING_WORDS = frozenset(fold_words(w) for w in """
    رواية فيلم مسلسل كتاب أغنية قصيدة مسرحية novel film movie book song poem play
""".split())  # fmt: skip
# right after an outlet's name: it speaks, so it is no town; right before it: it is quoted
OUTLET_VERBS = frozenset(fold_words(w) for w in "reported reports aired broadcast quoted said says".split())
OUTLET_VERBS_BEFORE = frozenset(
    fold_words(w)
    for w in """told cited أفادت أفاد ذكرت ذكر قالت
    نقلت أوردت بثت نشرت كشفت""".split()
)
# right before an outlet's name with ل (مصادر للجزيرة, قال للميادين): the outlet was told
TOLD_BEFORE = frozenset(
    fold_words(w)
    for w in """مصادر مصدر قال قالت صرح صرحت أكد أكدت أوضح أوضحت أضاف أضافت كشف كشفت مسؤول المتحدث
    تصريح تصريحات حديث""".split()
)
# right before an outlet's name, in the construct (مصادر الميادين): the outlet's own sources; a
# source in the town is "في الميادين"
SOURCES_OF = frozenset(fold_words(w) for w in "مصادر مصدر لمصادر ومصادر".split())
PLACE_PREPOSITIONS = frozenset("in near from to into outside around toward towards".split())
OUTLET_NAMES = frozenset(fold_words(w) for w in (  # places that are also outlets' names
    "Mayadeen", "Al Mayadeen", "Mayadin", "Al Mayadin", "الميادين",
    "Jazeera", "Al Jazeera", "Jazira", "Al Jazira", "الجزيرة",
    "عين الفرات", "Euphrates Post", "دير الزور 24", "Deir Ezzor 24",
))  # fmt: skip
# outlets named by a place and a word after it (“بغداد اليوم”, Baghdad Today): the outlet when
# quoted or after a media word; unquoted, في بغداد اليوم is "in Baghdad today"
OUTLET_TITLES = frozenset(
    (fold_words(place), fold_words(word))
    for place, word in (("بغداد", "اليوم"), ("Baghdad", "Today"), ("حلب", "اليوم"), ("Aleppo", "Today"))
)
_OPENING_QUOTES = frozenset("\"“«‘'„")
_CLOSING_QUOTES = frozenset("”»’")
SPORTS_BEFORE = frozenset(
    fold_words(w) for w in "فريق لفريق نادي لنادي منتخب فريقي ناديي لفريقي لناديي host hosts visitor".split()
)
SPORTS_AFTER = frozenset(fold_words(w) for w in "club FC SC team crew squad fans players نادي".split())
SPORTS_BEFORE_ACTOR = frozenset(fold_words(w) for w in "فريق لفريق نادي لنادي".split())  # نادي الحشد
SPORTS_AFTER_ACTOR = frozenset(fold_words(w) for w in "club FC SC".split())  # the al-Hashd club
# A match report: a place among these words, three or more in its sentence, is a team (Erbil
# defeated Al-Kahraba with a goal ...; فريق القوة الجوية على فريق امانة بغداد بهدفين); so is a
# place with two in its sentence and one of them beside the name, here or where the sentence
# names it again (وسيخوض الميادين مبارياته في دوري الأولى ... للميادين; ناديي صافيتا والميادين).
# One alone (a strike on a stadium, militias that "defeated" IS) is not enough.
SPORTS_WORDS = frozenset(fold_words(w) for w in """
    goal penalty league match stadium striker midfielder goalkeeper coach referee scored tied
    draw defeated champion championship season fan kickoff
    هدف هدفين هدفي هدفا مباراه المباراه الدوري دوري ملعب الملعب فريق الفريق لاعب اللاعب المدرب
    سجل ركله جزاء البطوله بطوله الجوله
    نادي ناديي النادي فريقي الفريقين مباريات مبارياته مبارياتها المباريات تاهل التاهل ذهابا ايابا
    تعادل المنافسه الموسم المجموعه ضيفه نظيره مواجهه مواجهات يستقبل
""".split())  # fmt: skip
_SPORTS_BESIDE = 2  # words between a sports word and the name, for two sports words to suffice
# A word of a settlement or governorate before the name keeps it the place even there: جماهير
# مدينة دير الزور, الممثل الوحيد لمحافظة دير الزور في الدوري, نائب محافظ دير الزور (a team is never
# "the city of", nor has a governor).
SPORTS_PLACE_WORDS = frozenset(fold_words(w) for w in "مدينة محافظة بلدة قرية محافظ".split())


def _any_of(words: Iterable[str]) -> ahocorasick.Automaton:
    """An automaton finding `words` anywhere, even inside a longer word."""
    automaton = ahocorasick.Automaton(ahocorasick.STORE_LENGTH)
    for word in words:
        automaton.add_word(word)
    automaton.make_automaton()
    return automaton


_SPORTS_WORD = _any_of(SPORTS_WORDS)
_SPORTS_REACH = 300  # characters each side of a place searched for a sports word first
_SPORTS_WORDS_NEEDED = 3
# right before a nationality's forces: a proxy another state backs (U.S.-backed Syrian forces,
# Turkish-backed Syrian troops), not the state's army
PROXY_BEFORE = frozenset("backed sponsored supported funded".split())
# A crossing named by one of its towns (اليعربية, al-Yarubiyah) after a word for a settlement or
# an area (منطقة اليعربية, ناحية ربيعة, the town of al-Yarubiyah) is the town, which is not watched:
# the towns of a crossing count only where named as towns. An alias with a crossing word (معبر
# اليعربية) is the crossing wherever it stands.
TOWN_WORDS = SETTLEMENT_WORDS | frozenset(fold_words(w) for w in "منطقة ريف area city".split())
CROSSING_WORDS = frozenset(fold_words(w) for w in "معبر منفذ crossing crossings gate border".split())
# right after a place's name: a channel named after it (Karbala TV, قناة ... الفضائية)
# a word after a name that makes it an outlet's: Al Mayadeen TV, الميادين نت (its website), الفرات نيوز
OUTLET_AFTER = frozenset(
    # مركز حلب الإعلامي (the Aleppo Media Center), شبكة دير الزور الإعلامية, the Al-Furat Media Organization
    fold_words(w)
    for w in "TV channel television radio satellite media الفضائية نت نيوز الإعلامي الإعلامية".split()
)


# a street named after a place (شارع بغداد in Damascus, Palestine Street in Baghdad) is no mention
# of it; a road (طريق بغداد, the Baghdad road) leads to it and is left alone
STREET_BEFORE = frozenset(fold_words(w) for w in "شارع جادة".split())
STREET_AFTER = frozenset(fold_words(w) for w in "street st avenue boulevard".split())


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
ARTICLE = "article: an ambiguous name written without ال takes none (الحديثة is 'the modern')"
FORBID = "forbid: a forbidden word within the window (up to and or و)"
FORBID_BEFORE = "forbid_before: a forbidden word right before"
FORBID_AFTER = "forbid_after: a forbidden word right after"
REQUIRE = "require: no required word within the window in this sentence"
_BREAK_CHAR = re.compile("[.!?؟。\n<]")  # a sentence break (see SENTENCE_BREAK) starts after one


def why_not(ref: Ref, norm: Normalised, plain: str, start: int, end: int) -> str | None:
    """None when the hit stands, else the rule that drops it (every rule: for --explain)."""
    why = fails_check(ref, norm, plain, start, end) if ref.needs_check else None
    return why or kind_rule(ref, norm, plain, start, end)


def fails_check(ref: Ref, norm: Normalised, plain: str, start: int, end: int) -> str | None:
    """The alias's own conditions, checked while scanning: possessive, case, context words."""
    core_end = end - 1 if ref.variant.suffix else end
    if ref.possessive_only and not _has_apostrophe(norm, plain, core_end):
        return "possessive: a short alias takes s only after an apostrophe"
    if ref.alias.case_sensitive:
        source_start = norm.source(start)
        first = plain[source_start]  # most misses show in the first letter: "is" for IS
        if first.isalnum() and first != ref.case_letters[:1]:
            return "case: the alias must appear in its exact case"
        source_end = norm.source(core_end - 1) + 1
        if "".join(c for c in plain[source_start:source_end] if c.isalnum()) != ref.case_letters:
            return "case: the alias must appear in its exact case"
        if ref.case_letters.isupper() and _among_capitals(plain, source_start, source_end):
            return "case: in a line of capitals an acronym is not told from a word (WHAT IS)"
    if not ref.context:
        return None
    return context_rejects(ref, Near(norm, plain, start, end))


_LATIN_WORD_BEFORE = re.compile(r"([A-Za-z]+)[^A-Za-z\n]{0,3}$")
_LATIN_WORD_AFTER = re.compile(r"[^A-Za-z\n]{0,3}([A-Za-z]+)")


def _among_capitals(plain: str, start: int, end: int) -> bool:
    """The words on both sides of plain[start:end] (one side at the text's edge) are written in
    capitals: a headline or a shout in capitals, where case cannot set IS apart from "is"."""
    before = _LATIN_WORD_BEFORE.search(plain, max(0, start - 40), start)
    after = _LATIN_WORD_AFTER.match(plain, end, end + 40)
    neighbours = [m.group(1) for m in (before, after) if m is not None]
    return bool(neighbours) and all(len(word) > 1 and word.isupper() for word in neighbours)


def kind_rule(ref: Ref, norm: Normalised, plain: str, start: int, end: int) -> str | None:
    """The rules for places (sports, outlet, unit name), people (dateline, place preposition,
    unit name) and other actors (sports: the al-Hashd club)."""
    if ref.entity.is_place:
        return _not_the_place(ref, norm, plain, start, end)
    if ref.entity.kind == "person":
        return _not_the_person(ref, norm, plain, start, end)
    text = norm.text  # most hits: two short slices decide (the words are at most 5 letters)
    before = text[max(0, start - 7) : start].split()
    prior = _words_before(text, start)[0]  # with its proclitics: وجديد عكيدات
    if ref.entity.kind == "tribe" and prior and not TRIBE_TOWN_BEFORE.isdisjoint(forms(prior)):
        return "tribe town: a town named after the tribe (جديد عكيدات)"
    if names_a_coalition(ref.variant.key) and _in_yemen(norm, plain, start, end):
        return "elsewhere: the Saudi-led coalition in a sentence about Yemen (طيران التحالف ... صنعاء)"
    if prior in PROXY_BEFORE and national_forces(ref.variant.key):
        return "proxy: forces another state backs are not their state's (U.S.-backed Syrian forces)"
    if (before and before[-1] in SPORTS_BEFORE_ACTOR and _joined(norm, plain, start - 1, start)) or (
        _word_after(text, end) in SPORTS_AFTER_ACTOR and _joined(norm, plain, end, end + 1)
    ):
        return "sports: a team named after the group"
    return None


def _in_yemen(norm: Normalised, plain: str, start: int, end: int) -> bool:
    """The coalition's sentence names Yemen's war, or the text does and the sentence names no
    word of the war on the Islamic State."""
    sentence = _Sentence.around(plain, *norm.span(start, end))
    words = _forms_of(fold_words(plain[sentence.start : sentence.end]).split(" "))
    if not YEMEN_WORDS.isdisjoint(words):
        return True
    return ANTI_ISIS_WORDS.isdisjoint(words) and not YEMEN_WORDS.isdisjoint(_forms_of(norm.text.split(" ")))


def _word_after(text: str, end: int) -> str:
    stop = text.find(" ", end + 1)
    return text[end + 1 : stop if stop >= 0 else len(text)]


def _not_the_place(ref: Ref, norm: Normalised, plain: str, start: int, end: int) -> str | None:
    """Sports, outlet and unit-name rules. Cheap first: the neighbouring words in the folded
    text decide whether the input text must be looked at."""
    text = norm.text
    before, two_before = _words_before(text, start)
    if before in SPORTS_BEFORE and _joined(norm, plain, start - 1, start):
        return "sports: a team named after its town"
    after = _word_after(text, end)
    if after in SPORTS_AFTER and _joined(norm, plain, end, end + 1):
        return "sports: a team named after its town"
    if after in PERSIAN_AFTER and _joined(norm, plain, end, end + 1):
        return "elsewhere: a Persian town built on the name (نجف آباد, Najafabad)"
    following = after or next(iter(text[end : end + WORD_CHARS].split(maxsplit=1)), "")  # after a comma
    if (following in QUALIFIER_WORDS or following in LANDFORM_WORDS or before in ("of", "the")) and elsewhere(
        plain, *norm.span(start, end), before, following
    ):
        return "elsewhere: qualified by another country, a US state or a landform (Palmyra, N.Y.; ... Atoll)"
    if after in OUTLET_AFTER and _joined(norm, plain, end, end + 1):
        return "outlet: the name of a news outlet"
    if (after in STREET_AFTER and _joined(norm, plain, end, end + 1)) or (
        not STREET_BEFORE.isdisjoint(forms(before)) and _joined(norm, plain, start - 1, start)
    ):
        return "street: a street named after the place (شارع بغداد in Damascus, Baghdad Street)"
    if ref.entity.kind == "crossing" and _named_as_town(ref, before, two_before):
        return "town: a crossing's town named as a town (منطقة اليعربية), not the crossing"
    if (
        (text[start:end], after) in OUTLET_TITLES
        and _joined(norm, plain, end, end + 1)
        and _introduced_as_outlet(norm, plain, start, end + 1 + len(after), before)
    ):
        return "outlet: the name of a news outlet (“بغداد اليوم”)"
    if "capital" in ref.entity.tags and is_filed_from(plain, *norm.span(start, end)):
        return "dateline: the capital a report was filed from (BAGHDAD (AP) —, (دمشق) –)"
    if (
        after in UNIT_AFTER_WORDS or not UNIT_BEFORE_WORDS.isdisjoint((before, two_before))
    ) and _names_a_unit(text, plain, start, *norm.span(start, end), ref.variant.suffix):
        return "unit name: a brigade or battalion named after the place (Kata'ib Karbala)"
    if _in_match_report(norm, plain, start, end):
        return "sports: a team in a match report (goals, defeated, الدوري, بهدفين)"
    name = ref.variant.key[:-1] if ref.variant.suffix else ref.variant.key
    told = name.startswith("لل") and f"ال{name[2:]}" in OUTLET_NAMES  # مصادر للجزيرة: told Al Jazeera
    if told and any(
        not TOLD_BEFORE.isdisjoint(forms(w))
        for w in text[max(0, start - 3 * WORD_CHARS) : start].split()[-3:]
    ):
        return "outlet: a news outlet told something (قالت مصادر للجزيرة, مصادر عراقية محلية للجزيرة)"
    if name in OUTLET_NAMES and before in SOURCES_OF and _joined(norm, plain, start - 1, start):
        return "outlet: a news outlet's own sources (أفادت مصادر الميادين)"
    if name in OUTLET_NAMES or before in MEDIA_WORDS or two_before in MEDIA_WORDS:
        source_start, source_end = norm.span(start, end)
        sentence = _Sentence.around(plain, source_start, source_end)
        near = Near(norm, plain, start, end)
        if _quoted_after(MEDIA_WORDS, plain, sentence, source_start) or (
            name in OUTLET_NAMES
            and not _after_settlement_word(near)  # "based in the city of al-Mayadeen": the town
            and _is_outlet(near, plain, sentence, source_start, source_end)
        ):
            return "outlet: the name of a news outlet"
    if before in NAMING_WORDS or two_before in NAMING_WORDS:
        source_start, source_end = norm.span(start, end)
        sentence = _Sentence.around(plain, source_start, source_end)
        if _quoted_after(NAMING_WORDS, plain, sentence, source_start):
            return "named: a work named after the place (رواية “السكرية”, the film “Palmyra”)"
    return None


def _introduced_as_outlet(norm: Normalised, plain: str, start: int, title_end: int, before: str) -> bool:
    """An outlet named by a place and a word (`OUTLET_TITLES`, ending at `title_end` in the folded
    text) stands as one: after a media word (لوكالة بغداد اليوم), in quotes or brackets (وكالة
    (بغداد اليوم)), or opening a line as its dateline (بغداد اليوم - السليمانية). Arabic copy often
    opens a quote with a closing mark too: لـ”حلب اليوم”."""
    prior = plain[: norm.source(start)].rstrip(" \t")
    closed = plain[norm.source(title_end - 1) + 1 :][:1] in _CLOSING_QUOTES
    quoted = prior[-1:] in _OPENING_QUOTES or (prior[-1:] in _CLOSING_QUOTES and closed)
    if not MEDIA_WORDS.isdisjoint(forms(before)) or quoted or prior.endswith("("):
        return True
    return (not prior or prior.endswith("\n")) and bool(_DASH.match(plain, norm.source(title_end - 1) + 1))


_DASH = re.compile(r"[ \t]*[-–—]")


def _named_as_town(ref: Ref, before: str, two_before: str) -> bool:
    if not CROSSING_WORDS.isdisjoint(fold_words(ref.alias.text).split(" ")):
        return False
    return not TOWN_WORDS.isdisjoint(forms(before)) or (before == "of" and two_before in TOWN_WORDS)


SPORTS = "sports:"  # the drop rules of a team start so
TEAM_AGAIN = "sports: named again beside a sports word, where the text names it as a team"


def beside_sports_word(norm: Normalised, plain: str, start: int, end: int) -> bool:
    """A sports word in the name's sentence: a town the text names as a team is that team again
    there ("وكان الميادين قد تصدر مجموعته ... فريقي العشارة", "جماهير الميادين")."""
    left, right = Near(norm, plain, start, end).sides(_SPORTS_REACH // 4, _SPORTS_REACH // 4)
    if left and _names_the_place(left[-1]):  # لمحافظة دير الزور, العودة إلى دير الزور: the place
        return False
    return any(not SPORTS_WORDS.isdisjoint(forms(word)) for word in left + right)


def _names_the_place(before: str) -> bool:
    """The word before a name makes it the place, not a team: "the province of", "to", في."""
    return _place_cue(before) or not SPORTS_PLACE_WORDS.isdisjoint(forms(before))


def _place_cue(before: str) -> bool:
    return before in PLACE_PREPOSITIONS or not PLACE_CUES.isdisjoint(forms(before))


def _in_match_report(norm: Normalised, plain: str, start: int, end: int) -> bool:
    """Three sports words in the place's sentence; a scan of the nearby characters first spares
    most places the word count (an automaton over their slice: half a regex alternation's time;
    given bounds rather than a slice, it reads the whole text)."""
    near = norm.text[max(0, start - _SPORTS_REACH) : end + _SPORTS_REACH]
    if next(_SPORTS_WORD.iter(near), None) is None:
        return False
    left, right = Near(norm, plain, start, end).sides(_SPORTS_REACH // 4, _SPORTS_REACH // 4)
    if left and not SPORTS_PLACE_WORDS.isdisjoint(forms(left[-1])):
        return False
    sporting = {word for word in left + right if not SPORTS_WORDS.isdisjoint(forms(word))}
    if len(sporting) >= _SPORTS_WORDS_NEEDED:
        return True
    if len(sporting) < _SPORTS_WORDS_NEEDED - 1 or (
        left and _place_cue(left[-1])
    ):  # two sports words and "the stadium in al-Bukamal", في الميادين: the place
        return False
    name = norm.text[start:end]
    words = [*left, name, *right]
    stems = set(forms(name))  # الميادين is named again as للميادين
    named = [i for i, word in enumerate(words) if i == len(left) or not stems.isdisjoint(forms(word))]
    return any(
        words[j] in sporting
        for i in named
        for j in range(max(0, i - _SPORTS_BESIDE), min(len(words), i + _SPORTS_BESIDE + 1))
    )


def _not_the_person(ref: Ref, norm: Normalised, plain: str, start: int, end: int) -> str | None:
    source_start, source_end = norm.span(start, end)
    if is_dateline(plain, source_start, source_end):
        return "dateline: a place in capitals opening a line"
    before = _words_before(norm.text, start)[0]
    one_word = " " not in ref.variant.key and not ref.variant.suffix
    if one_word and before in PLACE_PREPOSITIONS and _joined(norm, plain, start - 1, start):
        return "place preposition: a one-word name after in/from/near is a place (in Sulaimani)"
    if _names_a_unit(norm.text, plain, start, source_start, source_end, ref.variant.suffix):
        return "unit name: a brigade or regiment named after the person"
    if _FACILITY_AFTER_EN.match(plain, source_end) or _facility_before_ar(norm.text, start):
        return "facility: a place named after the person (محطة مياه الهفل, the Soleimani School)"
    if (
        " " not in strip_article(ref.variant.key)[0]
        and _KUNYA_BEFORE.search(plain, max(0, source_start - 40), source_start)
        and not any(_KUNYA_ALIAS.match(alias.text) for alias in ref.entity.aliases)
    ):
        return "another person: a family name after a kunya not the person's (Abu Ali al-Khazali)"
    if " " not in strip_article(ref.variant.key)[0] and _another_given_name(ref, plain, source_start):
        return "another person: a family name after a given name not the person's (Mutsher al-Hifl)"
    return None


def _another_given_name(ref: Ref, plain: str, start: int) -> bool:
    """Capitalised names right before a bare family name, the first of them neither a title nor
    one of the watched person's own given names (by its first two letters, so that a spelling the
    aliases lack, Qays for Qais, is still his; the names after it are his father's and
    grandfather's): "Mutsher Hamud Jeidan al-Hifl" is another sheikh of the family."""
    found = _NAMES_BEFORE.search(_before_name(plain, start, 3 * WORD_CHARS))
    if found is None or not _NOT_GIVEN_NAMES.isdisjoint(found[0].lower().split()):  # Prime Minister Abadi
        return False
    return fold_words(found[1])[:2] not in {name[:2] for name in _given_names(ref)}


def named_in_full(ref: Ref, plain: str, start: int) -> bool:
    """A watched person's bare family name (at `start` in `plain`) after one of his own given
    names (by its first three letters: Kazem for Kazim) and his father's, perhaps his
    grandfather's, as Arab names are written in full: "Kazem Mohammed Baisam Al-Oqabi"."""
    found = _FULL_NAME_BEFORE.search(_before_name(plain, start, 3 * WORD_CHARS))
    return found is not None and fold_words(found[1])[:3] in {name[:3] for name in _given_names(ref)}


def _before_name(plain: str, start: int, reach: int) -> str:
    """The `reach` characters before a family name, without its article when the hit left it out
    (al-Uqabi found as Uqabi)."""
    return _ARTICLE_END.sub(" ", plain[max(0, start - reach) : start])


def _given_names(ref: Ref) -> set[str]:
    """The folded first names of the entity's Latin aliases of two words or more (Kazim, Kadhim)."""
    return {
        fold_words(words[0])
        for alias in ref.entity.aliases
        if len(words := alias.text.split()) > 1 and not is_arabic(words[0][0])
    }


_NAMES_BEFORE = re.compile(r"(?<![\w'’])([A-Z][a-z]+)(?:[ \t]+[A-Z][a-z]+){0,2}[ \t]+$")  # given, father's
_ARTICLE_END = re.compile(r"[ \t](?:[Aa]l|[Ee]l)[-‐‑ ]$")
_FULL_NAME_BEFORE = re.compile(r"(?<![\w'’])([A-Z][a-z]+)(?:[ \t]+[A-Z][a-z]+){1,2}[ \t]+$")
# Titles and words that may stand capitalised right before a family name, and capitalised words
# that open a sentence: none is a given name.
_NOT_GIVEN_NAMES = frozenset(
    """sheikh shaikh shaykh sheik mr mrs ms dr president general gen colonel col brigadier brig lieutenant
    lt commander minister premier sayyid sayed sayyed seyed haji hajji hajj imam emir amir mullah major
    maj captain capt judge governor chief leader deputy director spokesman secretary king prince prime
    vice foreign defence defense interior senior supreme grand
    ayatollah cleric tribal late former then the a an in on at by for from with as after before when
    while and but of to into near under over against since during both neither either also only even
    yet so thus meanwhile however although though including like unlike about among between via
    without within upon until unless whether if where why how what which who whose that this these
    those his her their its our my your we they he she it one two three many some all most several""".split()
)


# A facility named after a person is the facility: in English the person's name before a
# capitalised facility word (the Soleimani School, Al-Assad Hospital), in Arabic a facility word in
# the construct state before it, a word of what it holds between them at most (مستشفى الأسد,
# محطة مياه الهفل, مدرسة الشهيد ...; not طريق, which is also a way of doing).
_FACILITY_AFTER_EN = re.compile(
    r"[ \t]+(?:Hospital|School|Street|Station|Mosque|Square|Bridge|Airport|Stadium|University|Hall|Camp"
    r"|Base|Avenue|Road|Dam|Park|Hotel|Centre|Center)\b"
)
FACILITY_WORDS_AR = frozenset(
    fold_words(w)
    for w in """محطة مستشفى مشفى مدرسة شارع جامع مسجد ساحة دوار جسر مطار ملعب جامعة قاعة مخيم قاعدة
    حي سد فندق""".split()
)
_FACILITY_BETWEEN_AR = frozenset(fold_words(w) for w in "مياه كهرباء الشهيد المرحوم الشيخ".split())


def _facility_before_ar(text: str, start: int) -> bool:
    before, two_before = _words_before(text, start)
    return not FACILITY_WORDS_AR.isdisjoint(forms(before)) or (
        before in _FACILITY_BETWEEN_AR and not FACILITY_WORDS_AR.isdisjoint(forms(two_before))
    )


# A family name after a kunya and a name (Abu Ali al-Khazali, أبو علي الخزعلي) is another person of
# the family than the watched one, named by his own names (Qais al-Khazali), unless the watched
# one is known by a kunya too (Abu Mahdi al-Muhandis): a kunya spelt otherwise may be his.
_KUNYA = r"(?:[Aa]b[uo]u?|[Uu]mm|أبو|ابو|أبي|ابي|أبا|ابا|أم|ام)"
_KUNYA_BEFORE = re.compile(rf"(?:^|[\s(\"“«]){_KUNYA}[ \t]+[^\s,.;:!?،؛]+[ \t]+$")
_KUNYA_ALIAS = re.compile(rf"{_KUNYA}\s")


# A unit named after a person (the Qassem Soleimani Brigade, the Al-Haj Qassem Soleimani
# Regiment, Brigade of Martyr ..., لواء الشهيد قاسم سليماني) is not the person. In English the unit
# word is capitalised, or the name is quoted; in Arabic the unit word has no article (اللواء
# before a name is the rank, major general) and honorifics may stand between it and the name.
_UNIT_EN = r"(?:Regiment|Brigades?|Battalions?|Division|Corps|Operations[ \t]+Command)"
_HONORIFIC_EN = r"(?:(?i:(?:al[- ])?(?:martyr(?:ed)?|shahe?e?d|shahid|hajj?i?))[ \t]+)"
_UNIT_NAMED = r"(?:Liwaa?|Fawj|Katibat?|Kata'?ib|Saraya)"  # transliterated, before the name only
_UNIT_BEFORE = re.compile(
    rf"\b(?:{_UNIT_EN}|{_UNIT_NAMED})[ \t]+(?:of[ \t]+)?(?:the[ \t]+)?{_HONORIFIC_EN}{{0,3}}[\"“‘']?$"
)
_UNIT_AFTER = re.compile(rf"(?:[ \t]+{_UNIT_EN}|[\"”’'][ \t]*(?i:{_UNIT_EN}))\b")
UNIT_WORDS_AR = frozenset(fold_words(w) for w in "لواء فوج كتيبة كتائب سرايا سرية عمليات".split())
# the folded words next to a place that may make it a unit's name (a quick filter for the above)
UNIT_AFTER_WORDS = frozenset(
    "regiment brigade brigades battalion battalions division corps operations".split()
)
_LATIN_UNITS = "liwa liwaa fawj katiba katibat kataib saraya of".split()  # (Brigade) of Karbala
UNIT_BEFORE_WORDS = UNIT_AFTER_WORDS | {p + w for p in ("", "و", "ف", "ب", "وب", "فب") for w in UNIT_WORDS_AR}
UNIT_BEFORE_WORDS |= set(_LATIN_UNITS)
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
    words = text[max(0, start - 3 * WORD_CHARS) : start].split()[-4:]
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
    words = text[max(0, start - 2 * WORD_CHARS) : start].split()
    return (words[-1] if words else "", words[-2] if len(words) > 1 else "")


_JOINING = frozenset(" \t\u00a0\"“”«»'‘’„") | {TATWEEL}


def _joined(norm: Normalised, plain: str, left_end: int, right_start: int) -> bool:
    """Whether only spaces and quotes stand in the input between the folded word ending at
    `left_end` and the one starting at `right_start` (no comma, full stop or line break)."""
    if left_end <= 0 or right_start >= len(norm.text):
        return False
    gap = plain[norm.source(left_end - 1) + 1 : norm.source(right_start)]
    return all(c in _JOINING for c in gap)


def _quoted_after(words: frozenset[str], plain: str, sentence: _Sentence, start: int) -> bool:
    """The name stands inside quotes that open right after one of `words`: a media word (شبكة
    “دير الزور 24”, شبكة “عين الفرات”, the “Euphrates Post” network) or a naming word."""
    opening = max(plain.rfind(q, sentence.start, start) for q in _OPENING_QUOTES)
    if (
        opening < 0
        or start - opening > _QUOTED_NAME
        or any(q in plain[opening + 1 : start] for q in _CLOSING_QUOTES)
    ):
        return False
    before = fold_words(plain[max(sentence.start, opening - WORD_CHARS) : opening]).split(" ")
    return not words.isdisjoint(forms(before[-1]))


_QUOTED_NAME = 30  # characters: a name at most a few words into the quotes


def context_rejects(ref: Ref, near: Near) -> str | None:
    words = ref.context
    if not words:
        return None
    if words.forbid and not near.words(words.window, words.window, words.pairs, True).isdisjoint(
        words.forbid
    ):
        return FORBID
    if words.before and not words.before.isdisjoint(near.words(1, 0, False)):
        return FORBID_BEFORE
    if words.after and not words.after.isdisjoint(near.words(0, 1, False)):
        return FORBID_AFTER
    if words.require and _adds_article(ref) and not (ref.entity.is_place and _after_settlement_word(near)):
        return ARTICLE
    if not words.require or not near.words(words.window, words.window, words.pairs).isdisjoint(words.require):
        return None
    if ref.entity.is_place and not _drops_article(ref) and (_has_place_cue(near) or _has_preposition(ref)):
        return None
    if ref.entity.is_place and not _drops_article(ref) and _has_cue_after(near):
        return None
    return REQUIRE


def cue_distance(ref: Ref, near: Near) -> int:
    """How many words from the hit the nearest of the alias's `require` words stands (a word
    pair counts at its nearer word); beyond the window when none does."""
    words = ref.context
    left, right = near.sides(words.window, words.window)
    for distance in range(1, words.window + 1):
        for side, at in ((left, len(left) - distance), (right, distance - 1)):
            if 0 <= at < len(side) and _requires(words, side, at):
                return distance
    return words.window + 1


def _requires(words: Words, side: list[str], at: int) -> bool:
    if not words.require.isdisjoint(forms(side[at])):
        return True
    pairs = {" ".join(side[max(0, at - 1) : at + 1]), " ".join(side[at : at + 2])}
    return words.pairs and not words.require.isdisjoint(pairs)


def _has_cue_after(near: Near) -> bool:
    after = near.sides(0, 1)[1]
    return bool(after) and after[0] in PLACE_CUES_AFTER


def _drops_article(ref: Ref) -> bool:
    """An Arabic name with the article written without it: after a preposition Arabic keeps the
    article (من التبني), so من تبنى is "who claimed", not a place cue."""
    if ref.variant.rules != ("article",) or ref.variant.key.startswith(ARABIC_ARTICLE):
        return False
    return fold_words(ref.alias.text).startswith(ARABIC_ARTICLE)


def _has_preposition(ref: Ref) -> bool:
    """The Arabic key carries an attached preposition ب or ل (بالقائم, للقائم): a place."""
    prefix = _proclitic(ref)
    return "ب" in prefix or "ل" in prefix.removesuffix(ARABIC_ARTICLE)


def _proclitic(ref: Ref) -> str:
    """What an Arabic proclitic key puts before the alias's core (وال, ب, لل ...); else ""."""
    if ref.variant.rules != ("proclitic",):
        return ""
    return ref.variant.key[: len(ref.variant.key) - len(_core(ref.alias.text))]


@lru_cache(maxsize=4096)
def _core(alias: str) -> str:
    return strip_article(fold_words(alias))[0]


def beside_settlement_word(norm: Normalised, plain: str, start: int, end: int) -> bool:
    """A settlement word right before the name (قرية العبيدي, the village of Obeidi) or after it
    (Rummana village)."""
    near = Near(norm, plain, start, end)
    after = near.sides(0, 1)[1]
    return _after_settlement_word(near) or (bool(after) and after[0] in SETTLEMENT_WORDS)


def _after_settlement_word(near: Near) -> bool:
    """قرية العبيدي, بلدة الهجين, the village of Obeidi, the city of al-Mayadeen: a place, whatever
    else the word may mean."""
    before = near.sides(3, 0)[0]
    if before[-1:] and before[-1] in LATIN_ARTICLES:  # the name's own article, folded apart
        before = before[:-1]
    if before and not SETTLEMENT_WORDS.isdisjoint(forms(before[-1])):
        return True
    return bool(before[-2:-1]) and before[-1] == "of" and before[-2] in SETTLEMENT_WORDS


def _has_place_cue(near: Near) -> bool:
    before = near.sides(1, 0)[0]
    return bool(before) and not PLACE_CUES.isdisjoint(forms(before[-1]))


def _is_outlet(near: Near, plain: str, sentence: _Sentence, start: int, end: int) -> bool:
    """A name shared by a place and a news outlet is the outlet when a media word stands right
    before or after it (قناة الميادين, Al Mayadeen TV), when a verb of speech follows it (Al
    Mayadeen reported) or a verb of reporting before it (وأفادت الميادين, according to Al
    Mayadeen), or when its sentence has a media word and it is quoted (المصور في
    “الميادين”) or has no preposition of place before it (the Al-Mayadeen television station)."""
    left, right = near.sides(2, 1)
    if left[-2:] == ["according", "to"] or (left and not OUTLET_VERBS_BEFORE.isdisjoint(forms(left[-1]))):
        return True
    if (left and left[-1] in MEDIA_WORDS) or (
        right and (right[0] in MEDIA_WORDS or right[0] in OUTLET_VERBS)
    ):
        return True
    before = plain[sentence.start : start].rstrip()
    quoted = bool(before) and before[-1] in _OPENING_QUOTES
    if MEDIA_WORDS.isdisjoint(_forms_of(fold_words(plain[sentence.start : sentence.end]).split(" "))):
        # quoted as outlets are, in a text about the outlet: "أداء «الميادين» خلال عامها الأول ...
        # تأسيس القناة" (a place's name is not quoted, or has its place word: مدينة «الميادين»)
        in_text = not MEDIA_WORDS.isdisjoint(_forms_of(fold_words(plain).split(" ")))
        return quoted and in_text and not _has_place_cue(near)
    return quoted or not (_has_place_cue(near) or (left and left[-1] in PLACE_PREPOSITIONS))


def _forms_of(words: Iterable[str]) -> set[str]:
    return {form for word in words if word for form in forms(word)}


def _has_apostrophe(norm: Normalised, plain: str, core_end: int) -> bool:
    """Whether an apostrophe stood between the alias and its trailing s (a possessive)."""
    return any(c in APOSTROPHES for c in plain[norm.source(core_end - 1) + 1 : norm.source(core_end)])


WORD_CHARS = 40  # generous characters per word, to slice enough text for `window` words
WORD = re.compile(r"\S+")


class Near:
    """The words around a hit in the normalised text, limited to the hit's sentence. The
    sentence is found only when the input between the hit and its farthest window word holds a
    character that can end one (most windows do not: the regex search is skipped)."""

    def __init__(self, norm: Normalised, plain: str, start: int, end: int) -> None:
        self.norm, self.plain, self.start, self.end = norm, plain, start, end
        self._sentence: _Sentence | None = None
        self._start: int | None = None  # input offsets of the hit's first and last characters
        self._end: int | None = None
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
        """The words split off slices of the folded text (its only whitespace is the space), and
        where the first (or last) of them starts found by `rfind`/`find`: only the few windows
        that may cross a sentence break pay for every word's offset."""
        text, norm = self.norm.text, self.norm
        left: list[str] = []
        if before:
            low = max(0, self.start - WORD_CHARS * (before + 1))
            left = text[low : self.start].split()[-before:]
            first = self.start
            for word in reversed(left):
                first = text.rfind(word, low, first)
            if left and self._may_break(norm.source(first), self._source_start()):
                found = list(WORD.finditer(text, low, self.start))[-before:]
                left = [m.group() for m in found if norm.source(m.start()) >= self.sentence.start]
        right: list[str] = []
        if after:
            high = self.end + WORD_CHARS * (after + 1)
            right = text[self.end : high].split(maxsplit=after)[:after]
            last = stop = self.end
            for word in right:
                last = text.find(word, stop)
                stop = last + len(word)
            if right and self._may_break(self._source_end(), norm.source(last)):
                found = list(WORD.finditer(text, self.end, high))[:after]
                right = [m.group() for m in found if norm.source(m.start()) < self.sentence.end]
        return left, right

    def _source_start(self) -> int:
        if self._start is None:
            self._start = self.norm.source(self.start)
        return self._start

    def _source_end(self) -> int:
        if self._end is None:
            self._end = self.norm.source(self.end - 1)
        return self._end

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
            near.update(forms(word))
        if pairs:
            near.update(f"{a} {b}" for side in (left, right) for a, b in zip(side, side[1:], strict=False))
        return near


_COORDINATORS = frozenset({"and", "or", "but", "او", "ثم"})


def _coordinates(word: str) -> bool:
    return word in _COORDINATORS or word.startswith("وال")
