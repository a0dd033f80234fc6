"""Spelling variants of an alias, generated when the automaton is built: the rules, in one table.

An alias is written once (`Deir ez-Zor`); published text spells it many ways (`Deir ez-Zour`,
`Deir al-Zor`, `Deir Ezzor`, `ديرالزور`). Each rule below rewrites the folded alias (see
`monitor.normalise`: lower case, no diacritics or apostrophes, hyphens as spaces) one way; the
generator applies up to `MAX_STEPS` rewrites in a row, so `Hashd al-Shaabi` gives `hashd ash
shaabi`, `hashd al shabi`, `hashid al shaabi` ... Every variant records the rules that made it
(shown by `monitor match --explain`).

Precision guard: a generated spelling (not the alias as written, nor its article/proclitic forms)
is dropped when it is a common word of English or Arabic (`common_words`, from the wordfreq
lists) or when another entity has the same key (see `Matcher`): `Hit` -> `hitt`/`heet` would be
fine, but `Ana` -> `anna` or `Rawa` -> `raw` must never be emitted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import zip_longest
from typing import NamedTuple

from monitor.normalise import ARABIC_ARTICLE, LATIN_ARTICLES, fold_words, is_arabic, strip_article

MAX_STEPS = 2  # rewrites in a row from the written alias
MAX_SPELLINGS = 48  # generated spellings per alias (breadth first: the fewest rewrites first)
COMMON_WORDS = 30_000  # the most frequent words per language that a generated spelling may not be

# Arabic proclitics: conjunction (و ف) then preposition (ب ل ك), each optional, before the name
# with or without its article; ل + ال is written لل.
CONJUNCTIONS = ("", "و", "ف")
PREPOSITIONS = ("", "ب", "ل", "ك")

PROCLITICS = frozenset(
    {c + p + a for c in CONJUNCTIONS for p in PREPOSITIONS for a in ("", ARABIC_ARTICLE)} - {""}
    | {"لل", "ولل", "فلل"}
)
LONGEST_PROCLITIC = max(map(len, PROCLITICS))


@lru_cache(maxsize=1 << 16)
def forms(word: str) -> tuple[str, ...]:
    """`word` and the words it may stand for in a context window: without a plural s, without
    Arabic proclitics (`bases`, `والقاعدة` meet `base`, `قاعدة`); ل before the article merges
    with it (`للحشد` meets `الحشد`)."""
    forms = [word]
    if word.endswith("s"):
        forms.append(word[:-1])
    if word and is_arabic(word[0]):  # no word: a name at the text's start has none before it
        cuts = range(1, min(LONGEST_PROCLITIC, len(word) - 2) + 1)
        forms += [word[cut:] for cut in cuts if word[:cut] in PROCLITICS]
        merged = word.find("لل", 0, 3)  # للحشد, وللحشد, فللحشد: ل + الحشد
        if merged >= 0 and word[:merged] in CONJUNCTIONS and len(word) > merged + 3:
            forms.append(ARABIC_ARTICLE + word[merged + 2 :])
    return tuple(forms)


# Latin article forms: al/el, and the sun-letter assimilations (ash-Sham, ez-Zor, ad-Dawla).
SUN_LETTERS = ("th", "dh", "sh", "t", "d", "r", "z", "s", "n")
ARTICLES = frozenset(LATIN_ARTICLES) | {v + s for v in "ae" for s in SUN_LETTERS} | {"ul"}
JOINERS = frozenset({"abu", "abou", "albu", "abd", "bin", "ibn", "bani", "umm"})  # may be written joined


# Places named through a feature: a crossing's alias "al-Qaim border crossing" also stands as
# "the al-Qaim gate", "al-Qaim border post"; each group's phrases replace one another as words.
FEATURE_SYNONYMS = tuple(
    tuple(fold_words(phrase) for phrase in group)
    for group in (
        (
            *"border crossing|crossing|border gate|gate|border post".split("|"),
            *"crossing point|border point|border entrance|border outpost|outpost".split("|"),
            "border port",  # Iraq's Border Ports Authority: "the border port of Bokamal"
            # "the Al-Qa'im Border Checkpoint" (The Diplomatic Insight, 2024); not a bare checkpoint
            "border checkpoint",
        ),
        ("air base", "airbase", "base"),  # "Asad Air Base" is also "the al-Asad base"
        ("oil field", "oilfield", "oil fields"),  # "the Conoco oil fields", one field named
        ("gas field", "gasfield", "gas fields"),
        ("base", "compound", "camp"),
        # the zone around a base: "the 55-km zone" is also its security / de-confliction zone
        ("zone", "security zone", "deconfliction zone", "de confliction zone", "exclusion zone"),
        ("معبر", "منفذ"),
        ("حقل", "حقول"),  # حقول عكاز: a field of several wells named in the plural
        ("قاعدة", "مجمع", "معسكر"),
    )
)
_CROSSING_WORDS = tuple(sorted(FEATURE_SYNONYMS[0], key=len, reverse=True))  # the first group, longest first


@dataclass(frozen=True, slots=True)
class Rule:
    """One two-way spelling rule: every `pattern` match may be written as each of `spellings`."""

    name: str
    pattern: re.Pattern[str]
    spellings: tuple[str, ...]


def _rule(name: str, pattern: str, *spellings: str) -> Rule:
    return Rule(name, re.compile(pattern), spellings)


# Latin transliteration rules, tried left to right at every match in the folded alias. Vowel
# rules keep to a word's inside or end so that a name's first letter never changes.
LATIN_RULES = (
    _rule("ou/u/o", r"(?<=\w)(?:ou|oo|u|o)(?=[^aeiou]|$)", "ou", "u", "o"),
    _rule("aa/a", r"(?<=\w)aa?(?=[^aeiou])", "aa", "a"),
    _rule("ee/i", r"(?<=[^aeiou ])(?:ee|i)(?=[^aeiouy ])", "ee", "i"),
    _rule("ei/ai/ay", r"(?<=\w)(?:ei|ai|ay|ey)(?=[^aeiou])", "ei", "ai", "ay"),
    # a'i (hamza between a and i) before a word's last consonant: Qa'im = Qaem, Kata'ib = Kataeb
    _rule("a'i/ae", r"(?<=\w)a[ie](?=[^aeiouy ](?: |$))", "ai", "ae"),
    # the short vowel of a word's last syllable as heard: Bukamal = Bukamel, Qassem = Qassam
    _rule("a/e last syllable", r"(?<=\w[^aeiou ])[ae](?=[^aeiouhy ](?: |$))", "a", "e"),
    # kasra heard as e in a last syllable: Qasim = Qasem, Khalid = Khaled, Sayyid = Sayyed
    _rule("i/e last syllable", r"(?<=\w[^aeiou ])[ie](?=[^aeiouhy ](?: |$))", "i", "e"),
    # the first syllable's short vowel read from unvowelled script: Nujaba = Najaba, Shuheil = Shaheil
    _rule(
        "u/o/a first syllable",
        r"(?:(?<=^[^aeiou ])|(?<= [^aeiou ])|(?<=^[sktdg]h)|(?<= [sktdg]h))[uo](?=[^aeiou ][aeiou])",
        "a",
    ),
    # the plural pattern fu'ala' (نجباء, شهداء) read without short vowels: Nujaba = Najbaa
    _rule(
        "fu'ala' unvowelled",
        r"(?:(?<=^)|(?<= ))([^aeiou ])[uo]([^aeiou ])a([^aeiou ])aa?(?= |$)",
        r"\1a\2\3aa",
        r"\1a\2\3a",
    ),
    # a name's first vowel, unwritten in Arabic: Oqabi = Uqabi, Aqabi = Uqabi, Othman = Uthman
    _rule("o/u first vowel", r"(?:(?<=^)|(?<= ))[aou](?=[^aeiou ][aeiou])", "o", "u"),
    _rule("q/k/g", r"q|(?<=[aeiou])k(?=[aeiou])", "q", "k", "g"),
    _rule("q/gh", r"q", "gh"),  # Persian-style: Qaani = Ghaani, Qassem = Ghassem
    _rule("sh/ch", r"sh|ch", "sh", "ch"),
    _rule("double letter", r"([bdfjklmnrstwyz])\1|(?<=[aeiou])[bdjlmnrstwz](?=[aeiou])", "1", "2"),
    # a nisba's or name's final ي as i or y: Sulaimani = Sulaimany, Zubaidi = Zubaidy
    _rule("final i/y", r"(?<=[^aeiou ])[iy](?= |$)", "i", "y"),
    _rule("trailing a/ah/aa/eh", r"(?<=[^aeiou ])(?:ah|aa|a|eh)(?= |$)", "a", "ah", "aa", "eh"),
    # the plural nisba -iyoun (ـيون) as written in English: Fatemiyoun = Fatemiyun, Fatimyon, Fatimion
    _rule(
        "iyoun/iyun/yon/ion",
        r"(?<=[^aeiou ])(?:iyy?oun|iyy?un|iyy?oon|iyy?on|youn|yoon)(?= |$)",
        "iyoun",
        "iyun",
        "iyyun",
        "youn",
        "yun",
        "yon",
        "ion",
        "iyeon",  # Fatimiyeon (Deir Ezzor 24)
    ),
    _rule(
        "iya/iyya/iyah/iyeh/ia",
        r"(?:iy?y(?:ah?|eh)?|ia)(?= |$)",
        "iya",
        "iyya",
        "iyah",
        "iyyah",
        "iyeh",
        "ia",
    ),
)


class Variant(NamedTuple):  # a tuple: tens of thousands are made for each Matcher
    """One automaton key for an alias and how it was made."""

    key: str  # folded words, unpadded
    suffix: bool  # ends in a plural/possessive s that is not part of the alias
    rank: int  # 0 as written, 1 an article or proclitic form, 2 a generated spelling
    rules: tuple[str, ...] = ()  # the rules that made it, for --explain

    @property
    def generated(self) -> bool:
        return self.rank == GENERATED


AS_WRITTEN, FORM, GENERATED = 0, 1, 2
_BARE_WITH_PROCLITIC = ("article", "proclitic")  # the rules of وسويعية (of the alias السويعية)
# the generated Arabic spellings that also take proclitics (لقوات سورية الديموقراطية), all but
# a name spelt out letter by letter
_PROCLITIC_RULES = frozenset({
    "force noun", "unit number", "joined", "hamza seat", "loanword spelling", "nisba gender",
    "nisba ya doubled",
})  # fmt: skip


def variants(text: str, case_sensitive: bool, spellings: bool = True) -> Iterator[Variant]:
    """Every key under which the alias `text` is looked up, the written form first."""
    words = fold_words(text)
    if case_sensitive:
        yield from _with_suffix(Variant(words, False, AS_WRITTEN))
        return
    core, had_article = strip_article(words)
    seen: set[str] = set()
    for variant in _forms(words, core, had_article):
        if variant.key not in seen:
            seen.add(variant.key)
            yield from _with_suffix(variant)
    if not spellings or text.isupper():  # an acronym (ISIL, PMU) is not transliterated
        return
    for key, rules in _spellings(words):
        if key not in seen and strip_article(key)[0] not in seen:
            seen.add(key)
            yield from _with_suffix(Variant(key, False, GENERATED, rules))
            # with its proclitics: بضربة جوية أمريكية, وبالغارات الإسرائيلية, للواء 19, وبالفوج 47,
            # لمجلس ديرالزور العسكري, وهيأة المنافذ
            if not _PROCLITIC_RULES.isdisjoint(rules) and is_arabic(key[0]):
                core, had_article = strip_article(key)
                for form in arabic_forms(core, had_article):
                    if form not in seen:
                        seen.add(form)
                        yield Variant(form, False, GENERATED, (*rules, "proclitic"))


def _with_suffix(variant: Variant) -> Iterator[Variant]:
    yield variant
    last = variant.key[-1]
    if last.isascii() and last.isalpha():  # after an s only a possessive (ISIS's): see `Ref`
        yield Variant(variant.key + "s", True, variant.rank, variant.rules)


def _forms(words: str, core: str, had_article: bool) -> Iterator[Variant]:
    yield Variant(words, False, AS_WRITTEN)
    if is_arabic(core[0]):
        for form in arabic_forms(core, had_article):
            yield Variant(form, False, FORM, ("proclitic",) if form != core else ("article",))
        # a one-word name written with its article, found without it after the و of a list
        # (قريتي الهري وسويعية); not where that makes a common word (وحدة) or the bare name is one
        # (`_is_bare_common_noun`). Other proclitics before a bare name are rare, and make words:
        # فرقة is "division", not ف + رقة; كفرات is no "like the Euphrates".
        if had_article and " " not in core:
            yield Variant(f"و{core}", False, FORM, _BARE_WITH_PROCLITIC)
        # a kunya in the genitive or accusative, with its proclitics too: اغتيال أبي مهدي
        # المهندس, وأبي باقر الساعدي, إن أبا مهدي
        if core.startswith(f"{KUNYA} "):
            for case in KUNYA_CASES:
                for form in arabic_forms(case + core[len(KUNYA) :]):
                    yield Variant(form, False, FORM, ("kunya case",))
        return
    yield Variant(core, False, FORM, ("article",))
    for article in LATIN_ARTICLES:
        yield Variant(f"{article} {core}", False, FORM, ("article",))
    if had_article:
        yield Variant(f"al{core}", False, FORM, ("article joined",))


def arabic_forms(core: str, had_article: bool = False) -> Iterator[str]:
    """`core` with every proclitic, with and without the article. A name written with its
    article keeps it behind a proclitic (فالرقة, never فرقة: that is "division"). ل before the
    article is written لل, and only ل before a word that starts with ل (ل + اللواء: للواء)."""
    lam = "ل" if core.startswith("ل") else "لل"
    for conj in CONJUNCTIONS:
        for prep in PREPOSITIONS:
            if not had_article or not conj + prep:
                yield conj + prep + core
            yield conj + (lam if prep == "ل" else prep + ARABIC_ARTICLE) + core


def _spellings(words: str) -> list[tuple[str, tuple[str, ...]]]:
    """Generated spellings of folded `words`, the fewest rewrites first (capped)."""
    found: dict[str, tuple[str, ...]] = {words: ()}
    frontier = [words]
    for _ in range(MAX_STEPS):
        step: list[str] = []
        # One rewrite of each base in turn, so that a capped step shares the budget among the
        # spellings of the step before (not 27 article forms of the first one).
        for made in zip_longest(*(_rewrites(base) for base in frontier)):
            for base, rewrite in zip(frontier, made, strict=True):
                if rewrite is not None and rewrite[0] not in found and len(found) <= MAX_SPELLINGS:
                    found[rewrite[0]] = (*found[base], rewrite[1])
                    step.append(rewrite[0])
            if len(found) > MAX_SPELLINGS:
                break
        frontier = step
    del found[words]
    return list(found.items())


def _rewrites(words: str) -> Iterator[tuple[str, str]]:
    """Each one-step rewrite of `words`: one rule at one place."""
    yield from _unit_rewrites(words)
    yield from _feature_rewrites(words)
    yield from _force_rewrites(words)
    if is_arabic(words[0]):
        yield from _arabic_rewrites(words)
        return
    yield from _state_possessive_rewrites(words)
    yield from _abd_rewrites(words)
    yield from _article_rewrites(words)
    for rule in LATIN_RULES:
        for match in rule.pattern.finditer(words):
            if _in_plain_word(words, match.start()):
                continue
            for spelling in rule.spellings:
                if rule.name == "double letter":
                    new = match.group()[0] * int(spelling)
                else:
                    new = match.expand(spelling) if "\\" in spelling else spelling
                if new != match.group():
                    yield words[: match.start()] + new + words[match.end() :], rule.name


# English words of aliases that are not names: their spelling is not transliterated.
PLAIN_WORDS = frozenset(
    {w for group in FEATURE_SYNONYMS for phrase in group for w in phrase.split()}
    | set(
        """
    the of and in for forces force army brigade brigades battalion battalions division regiment
    unit units police guard guards border military militia movement organisation organization
    party front council command commander general resistance islamic state province district
    governorate city town village river desert field station airport road highway bridge dam
    mobilization mobilisation popular national defence defense security service ministry
    revolutionary tribal tribe clan forces north south east west northern southern eastern western
    troops soldier soldiers special adviser advisers advisor advisors personnel commando commandos strike
    strikes airstrike airstrikes air raid raids bombardment bombing shelling warplane warplanes jet jets
    fighter aircraft drone drones plane planes attack ground members
    """.split()
    )
)


def _in_plain_word(words: str, at: int) -> bool:
    start = words.rfind(" ", 0, at) + 1
    end = words.find(" ", at)
    return words[start : end if end >= 0 else len(words)] in PLAIN_WORDS


# Units named by number: "Brigade 14", "14th Brigade", "اللواء 14", "اللواء الـ 14", "اللواء
# الرابع عشر". English unit word -> the Arabic words for it (folded) and their grammatical gender.
UNITS = {"brigade": ("لواء",), "battalion": ("كتيبه", "فوج"), "regiment": ("فوج",), "division": ("فرقه",)}
GENDER = {"لواء": "m", "فوج": "m", "كتيبه": "f", "فرقه": "f"}  # the ordinal agrees with the unit word
_ONES = {
    "m": "اول ثاني ثالث رابع خامس سادس سابع ثامن تاسع عاشر".split(),
    "f": "اولي ثانيه ثالثه رابعه خامسه سادسه سابعه ثامنه تاسعه عاشره".split(),
}
_TENS = "عشرون ثلاثون اربعون خمسون ستون سبعون ثمانون تسعون".split()
_UNIT_NUMBER = re.compile(r"\b(?:(\d{1,2})(?:st|nd|rd|th) ([a-z]+)|([a-z]+) (\d{1,2}))\b")
_ARABIC_UNIT_NUMBER = re.compile(r"(?:^| )ال(\S+) (?:ال )?(\d{1,2})(?= |$)")


def arabic_ordinal(number: int, gender: str) -> list[str]:
    """The Arabic ordinal of 1..99 with its article, folded, in the nominative and genitive:
    14 (f) -> الرابعه عشره; 47 (m) -> السابع والاربعون, السابع والاربعين."""
    ones, tens = number % 10, number // 10
    first = (
        "حاديه"
        if gender == "f" and number > 10 and ones == 1
        else "حادي"
        if number > 10 and ones == 1
        else ""
    )
    unit = first or (_ONES[gender][ones - 1] if ones else "")
    if number <= 10:
        return [f"ال{_ONES[gender][number - 1]}"]
    if tens == 1:
        return [f"ال{unit if ones != 0 else ''} {'عشره' if gender == 'f' else 'عشر'}".strip()]
    ten = _TENS[tens - 2]
    forms = [ten, ten[:-2] + "ين"]
    if not ones:
        return [f"ال{form}" for form in forms]
    return [f"ال{unit} وال{form}" for form in forms]


def _ordinal_suffix(number: int) -> str:
    if number % 100 in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")


def _arabic_units(unit_words: Iterable[str], number: int) -> list[str]:
    forms = [f"ال{w} {n}" for w in unit_words for n in (str(number), f"ال {number}")]
    return forms + [f"ال{w} {o}" for w in unit_words for o in arabic_ordinal(number, GENDER[w])]


def _unit_rewrites(words: str) -> Iterator[tuple[str, str]]:
    """A numbered unit in the other order, the other script, with the Arabic ordinal in words."""
    for match in _UNIT_NUMBER.finditer(words):
        number = int(match.group(1) or match.group(4))
        unit = match.group(2) or match.group(3)
        if unit not in UNITS or number == 0:
            continue
        head, tail = words[: match.start()], words[match.end() :]
        forms = [f"{number}{_ordinal_suffix(number)} {unit}", f"{unit} {number}"]
        if not head and not tail:  # the other script only for the bare unit, not "PMF Brigade 45"
            forms += _arabic_units(UNITS[unit], number)
        for form in forms:
            if form != match.group():
                yield f"{head}{form}{tail}", "unit number"
    for match in _ARABIC_UNIT_NUMBER.finditer(words):
        word, number = match.group(1), int(match.group(2))
        if word not in GENDER or number == 0:
            continue
        head, tail = words[: match.start()].rstrip(), words[match.end() :]
        same = next((ws for ws in UNITS.values() if word in ws and len(ws) > 1), (word,))
        for form in _arabic_units(same, number):
            new = f"{head} {form}{tail}".strip()
            if new != words:
                yield new, "unit number"


def _feature_rewrites(words: str) -> Iterator[tuple[str, str]]:
    padded = f" {words} "
    for group in FEATURE_SYNONYMS:
        present = [p for p in group if f" {p} " in padded]
        if present:
            phrase = max(present, key=len)  # "border crossing", not the "crossing" inside it
            for other in group:
                if other != phrase:
                    yield padded.replace(f" {phrase} ", f" {other} ", 1).strip(), "feature word"
    # a crossing's feature before its name, in one step with any of its words: "the al-Qaim
    # crossing" is also "the border post of al-Qaim", "the border entrance of al-Qaim"
    crossing = next((p for p in _CROSSING_WORDS if words.endswith(f" {p}")), None)
    if crossing is not None and not is_arabic(words[0]):
        name = words[: -len(crossing) - 1]
        yield from ((f"{other} of {name}", "feature of name") for other in _CROSSING_WORDS)


# "Abd" (servant of) before one of God's names, written as one word or two and with the article
# as al/el/ul: Abdul-Mahdi = Abd al-Mahdi = Abdel Mahdi = Abdelmahdi.
_ABD = re.compile(r"(?:(?<=^)|(?<= ))(?:abdul|abdel|abd al|abd el|abd ul)(?= )")
_ABD_FORMS = ("abdul", "abdel", "abd al", "abd el")


def _abd_rewrites(words: str) -> Iterator[tuple[str, str]]:
    for match in _ABD.finditer(words):
        head, tail = words[: match.start()], words[match.end() + 1 :]
        for form in _ABD_FORMS:
            if form != match.group():
                yield f"{head}{form} {tail}", "abdul/abd al/abdel"
        for joined in ("abdul", "abdel"):
            yield f"{head}{joined}{tail}", "abdul/abd al/abdel"


# A state's body named by the state's possessive instead of the adjective: "Iraqi army" is also
# "Iraq's army" (folded "iraqs army"), "Iraqi Border Guard" is "Iraq's Border Guard".
STATE_POSSESSIVES = {
    "iraqi": "iraqs", "syrian": "syrias", "iranian": "irans", "israeli": "israels", "turkish": "turkeys",
    "russian": "russias", "jordanian": "jordans", "lebanese": "lebanons",
}  # fmt: skip


def _state_possessive_rewrites(words: str) -> Iterator[tuple[str, str]]:
    adjective, _, rest = words.partition(" ")
    if rest and adjective in STATE_POSSESSIVES:
        yield f"{STATE_POSSESSIVES[adjective]} {rest}", "state's possessive"


def _article_rewrites(words: str) -> Iterator[tuple[str, str]]:
    """An article inside a name: al/el/the sun-letter form, dropped, or joined to its word."""
    parts = words.split(" ")
    for i, word in enumerate(parts[:-1]):
        following = parts[i + 1]
        if word in ARTICLES:
            sun = next((s for s in SUN_LETTERS if following.startswith(s)), None)
            # inside a name, a sun letter's article may be a bare a: Deir a-Zour
            forms = {"al", "el"} | ({f"a{sun}", f"e{sun}"} | ({"a"} if i else set()) if sun else set())
            for form in sorted(forms - {word}):
                yield " ".join([*parts[:i], form, *parts[i + 1 :]]), "article al/el/sun letter"
            if i > 0:
                yield " ".join(parts[:i] + parts[i + 1 :]), "article dropped"
            yield " ".join([*parts[:i], word + following, *parts[i + 2 :]]), "joined"
        elif word in JOINERS:
            yield " ".join([*parts[:i], word + following, *parts[i + 2 :]]), "joined"


# A state's forces named by its nationality: an alias "<adjective> <noun>" (US forces, Israeli
# strike, القوات الأمريكية, غارة إسرائيلية) also stands with every other noun of its group (US
# special forces, American advisers, Israeli bombardment, الجنود الأمريكيين, القصف الإسرائيلي). Only
# the groups an entity already has an alias in are generated: Iranian strikes are not the IRGC's
# unless the IRGC has an air alias.
NATIONALITIES = frozenset({
    "us", "u s", "united states", "american", "israeli", "iranian", "russian", "iraqi", "syrian", "turkish",
    "jordanian", *STATE_POSSESSIVES.values(),
})  # fmt: skip
FORCE_NOUNS = (
    tuple(
        """forces|force|troops|soldier|special forces|military|army|adviser|advisor|military adviser
    |military advisor|military personnel|personnel|commando|ground forces|service members
    |officer|command|military operation|military operations|marines|military presence|air defences
    |air defenses|air defence|air defense""".split("|")
    ),
    tuple(
        """strike|airstrike|air strike|raid|air raid|bombardment|bombing|shelling|warplane|jet|fighter jet
    |aircraft|drone|drone strike|plane|air force|air forces|military aircraft|drone attack|attack
    |missile attack|missile strike|air attack|air support|air cover""".split("|")
    ),
)
_FORCE_NOUNS = tuple(tuple(" ".join(n.split()) for n in group) for group in FORCE_NOUNS)
_LONGEST_FIRST = tuple(sorted(group, key=len, reverse=True) for group in _FORCE_NOUNS)
# Arabic: the noun first, then the adjective agreeing with it: masculine (ي), feminine or a
# non-human plural (يه, folded from ية), human plural (يين, يون). Definite nouns take a definite
# adjective, indefinite ones (غارة إسرائيلية) an indefinite one. A noun of two words is written
# with _ (ضربة_جوية: ضربة جوية أمريكية).
_ENDINGS = {"m": ("ي",), "f": ("يه",), "p": ("يين", "يون")}  # a human plural in either case
FORCE_NOUNS_AR = tuple(
    {fold_words(noun.replace("_", " ")): gender for noun, gender in (w.split(":") for w in group.split())}
    for group in (
        """القوات:f الجيش:m الجنود:p العسكريين:p المستشارين:p الخبراء:p قوات:f جنود:p جنديين:p القواعد:f
        قاعدة:f قواعد:f القاعدة_العسكرية:f القواعد_العسكرية:f العمليات_العسكرية:f العملية_العسكرية:f
        قوات_المارينز:f الوجود:m الوجود_العسكري:m الدفاعات_الجوية:f الدفاع_الجوي:m""",
        """الطيران:m الطائرات:f الطائرة:f الغارات:f الغارة:f الضربات:f الضربة:f القصف:m المقاتلات:f
        المسيرات:f المسيرة:f غارة:f غارات:f ضربة:f ضربات:f قصف:m طائرة:f طائرات:f مسيرة:f مقاتلات:f
        مقاتلة:f طيران:m غارة_جوية:f غارات_جوية:f ضربة_جوية:f ضربات_جوية:f قصف_جوي:m
        الغارة_الجوية:f الغارات_الجوية:f الضربة_الجوية:f الضربات_الجوية:f القصف_الجوي:m
        الطائرات_الحربية:f الطائرة_الحربية:f طائرات_حربية:f طائرة_حربية:f الطيران_المروحي:m
        المروحيات:f مروحيات:f هجوم:m الهجوم:m هجوم_جوي:m الهجوم_الجوي:m استهداف:m الاستهداف:m""",
    )
)


def national_forces(words: str) -> bool:
    """Folded `words` are a nationality and a ground noun (syrian forces, us troops)."""
    parts = words.split()
    return any(
        " ".join(parts[:i]) in NATIONALITIES and " ".join(parts[i:]) in _FORCE_NOUNS[0]
        for i in range(1, len(parts))
    )


def _force_rewrites(words: str) -> Iterator[tuple[str, str]]:
    """A nationality's force named with another noun of its group (see FORCE_NOUNS)."""
    if is_arabic(words[0]):
        yield from _arabic_force_rewrites(words.split())
        return
    for group, longest_first in zip(_FORCE_NOUNS, _LONGEST_FIRST, strict=True):
        noun = next((n for n in longest_first if words.endswith(f" {n}")), None)
        prefix = words[: len(words) - len(noun or "")]  # as folded: "u s  " keeps its spaces
        if noun is not None and " ".join(prefix.split()) in NATIONALITIES:
            yield from ((f"{prefix}{other}", "force noun") for other in group if other != noun)


def _arabic_force_rewrites(parts: list[str]) -> Iterator[tuple[str, str]]:
    if len(parts) < 2:
        return
    noun, adjective = " ".join(parts[:-1]), parts[-1].removeprefix(ARABIC_ARTICLE)
    group = next((g for g in FORCE_NOUNS_AR if noun in g), None)
    ending = next((e for e in ("يين", "يون", "يه", "ي") if adjective.endswith(e)), None)
    if group is None or ending is None:
        return
    stem = adjective[: -len(ending)]
    for other, gender in group.items():
        if other != noun:
            # a noun of two words is definite by its second (a construct: قوات المارينز الأمريكية)
            article = ARABIC_ARTICLE if other.rsplit(" ", 1)[-1].startswith(ARABIC_ARTICLE) else ""
            yield from ((f"{other} {article}{stem}{end}", "force noun") for end in _ENDINGS[gender])


SPACED_LETTERS = (4, 6)  # letters of a one-word name that may be spelt out spaced (د ا ع ش)
_NON_CONNECTING = tuple("ادذرزو")  # letters that never join the next: a missing space is invisible


# Loanwords that Arabic writers spell with or without a long vowel, as folded stems (hamza
# folds to ا): قوات سوريا الديمقراطية = الديموقراطية, الأمريكية = الأميركية.
ARABIC_LOANWORD_SPELLINGS = (("ديمقراط", "ديموقراط"), ("امريك", "اميرك"))
# A hamza's seat as Iraqi official spelling writes it: هيأة for هيئة (هيأة المنافذ الحدودية), as
# folded stems (ئ folds to ي, أ to ا, ة to ه).
ARABIC_HAMZA_SEATS = (("هييه", "هياه"),)
KUNYA, KUNYA_CASES = "ابو", ("ابي", "ابا")  # أبو, and its genitive and accusative, as folded


def _arabic_rewrites(words: str) -> Iterator[tuple[str, str]]:
    """Arabic typing: a space dropped after a letter that does not join the next one, before an
    article (ديرالزور) or a name (عبدالله, ابوكمال); a one-word name spelt out letter by letter
    to dodge filters (د ا ع ش); a last adjective (nisba) in the other gender (الحرس الثورية,
    حزب الله العراقية): writers and translations do not always make it agree; its ي typed twice
    (العراقيية: the key repeats on a phone keyboard); a loanword's other spelling; a hamza's
    other seat (هيأة)."""
    parts = words.split(" ")
    if len(parts) == 1 and SPACED_LETTERS[0] <= len(words) <= SPACED_LETTERS[1]:
        yield " ".join(words), "spaced letters"
    last = parts[-1]
    if len(parts) > 1 and last.startswith(ARABIC_ARTICLE) and last.endswith(("ي", "يه")):
        other = last[:-1] if last.endswith("يه") else last + "ه"
        yield " ".join([*parts[:-1], other]), "nisba gender"
        if last.endswith("يه") and not last.endswith("ييه"):
            yield " ".join([*parts[:-1], last[:-2] + "ييه"]), "nisba ya doubled"
    tables = ((ARABIC_LOANWORD_SPELLINGS, "loanword spelling"), (ARABIC_HAMZA_SEATS, "hamza seat"))
    for i, word in enumerate(parts):
        for table, rule in tables:
            for spelling in table:
                for this, other in (spelling, spelling[::-1]):
                    if this in word and other not in word:
                        new = word.replace(this, other, 1)
                        yield " ".join([*parts[:i], new, *parts[i + 1 :]]), rule
    for i, word in enumerate(parts[:-1]):
        following = parts[i + 1]
        if word.endswith(_NON_CONNECTING) and len(following) > 2 and not following.isdigit():
            yield " ".join([*parts[:i], word + following, *parts[i + 2 :]]), "joined"


@cache
def common_words() -> frozenset[str]:
    """The most frequent English and Arabic words, folded: a generated spelling may not be one."""
    from wordfreq import top_n_list  # imported here: only a build without a cached table needs it

    # One fold of all the words at once (60,000 calls would cost 0.6 s); words with characters
    # that fold to several (ß, ligatures) would send the whole text down the slow path.
    words = [
        w for lang in ("en", "ar") for w in top_n_list(lang, COMMON_WORDS) if w.isascii() or is_arabic(w[0])
    ]
    return frozenset(fold_words("\n".join(words)).split(" "))


def makes_common_word(key: str, common: frozenset[str] | set[str]) -> bool:
    """Whether a generated one-word `key` is a common word (`Ana` -> `anna`, `Dura` -> `dora`).
    Phrases are not checked: names are made of frequent words (`Ain al-Assad`, `Muhammad
    Bagheri`), and a phrase of the shape of a name is rare in other text."""
    return " " not in key and key in common


# --- the key table: every key of every alias, guarded ------------------------------------------

KeyTable = dict[
    str, list[tuple[str, int, bool, int, tuple[str, ...]]]
]  # key -> (id, alias, suffix, rank, rules)


def key_table(aliases: list[tuple[str, int, str, bool, bool]]) -> tuple[KeyTable, dict[str, str]]:
    """Every key under which each (entity id, alias index, text, case sensitive, spellings) is looked up,
    and the generated keys the precision guard withheld with the reason. About half a second for
    a thousand aliases (most of it the common-word list): `monitor.automaton` caches the result."""
    table: KeyTable = {}
    sources: dict[str, set[str]] = {}  # key -> the aliases (folded) it was made from
    for entity, index, text, case_sensitive, spellings in aliases:
        for v in variants(text, case_sensitive, spellings):
            table.setdefault(v.key, []).append((entity, index, v.suffix, v.rank, v.rules))
            sources.setdefault(v.key, set()).add(fold_words(text))
    common = common_words()
    withheld: dict[str, str] = {}
    for key, rows in table.items():
        if any(row[3] == GENERATED for row in rows) and (
            reason := _guard(key, rows, common, len(sources[key]) == 1)
        ):
            withheld[key] = reason
            table[key] = [row for row in rows if row[3] != GENERATED]
        elif _is_bare_common_noun(key, rows, common):
            withheld[key] = "an Arabic name without its article is a common word"
            table[key] = [row for row in rows if row[4] != ("article",)]
        elif any(row[4] == _BARE_WITH_PROCLITIC for row in rows) and _bare_form_common(key, common):
            withheld[key] = "an Arabic name without its article, after و, is or makes a common word"
            table[key] = [row for row in rows if row[4] != _BARE_WITH_PROCLITIC]
    return {k: rows for k, rows in table.items() if rows}, withheld


def _is_bare_common_noun(
    key: str, rows: list[tuple[str, int, bool, int, tuple[str, ...]]], common: frozenset[str]
) -> bool:
    """Whether `key` is an Arabic name of one word written with its article (التحالف, الرمادي,
    الصدر) found without it, where the bare word is a common noun or adjective: تحالف is "an
    alliance", رمادي "grey", صدر "chest" or "was issued". The article is what makes it the name.
    So too a name whose first word a preposition follows (القاعدة في العراق): without the article
    it is a common noun and where it is (قاعدة في العراق, "a base in Iraq")."""
    first, _, rest = key.partition(" ")
    return (
        is_arabic(key[0])
        and (not rest or rest.split(" ", 1)[0] in _PREPOSITIONS_AFTER_NAME)
        and any(row[3] == FORM and row[4] == ("article",) for row in rows)
        and first in common
    )


def _bare_form_common(key: str, common: frozenset[str]) -> bool:
    """Whether `key`, و before an Arabic name without its article (وسويعيه), is a common word
    (وحده) or its name without the و is one."""
    return key in common or key[1:] in common


_PREPOSITIONS_AFTER_NAME = frozenset(fold_words("في من على الى إلى عن لدى").split())


def _guard(
    key: str, rows: list[tuple[str, int, bool, int, tuple[str, ...]]], common: frozenset[str], one_alias: bool
) -> str:
    """Why a generated spelling must not be emitted for `key`, or "" when it may. A spelling of
    one alias several entities share (`one_alias`: Hezbolah of Hezbollah) is shared like the
    alias, its claims told apart by their context (`monitor.watchlists._alias_collisions`)."""
    owners = sorted({row[0] for row in rows})
    if len(owners) > 1 and not one_alias:
        return f"generated spelling also names {', '.join(owners)}"
    suffix = next(row[2] for row in rows if row[3] == GENERATED)
    if makes_common_word(key[:-1] if suffix else key, common):
        return "generated spelling is a common word"
    return ""
