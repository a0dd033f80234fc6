"""Propose watchlist entries for the actors and places a document names that no entity covers yet.

Owns `monitor watchlists derive`: pattern rules find name-like phrases (militia words such as
Liwa, Kata'ib, Brigade; titles such as Commander, Sheikh, Abu X; place words such as village of X,
X airport, X crossing; tribes; and their Arabic counterparts), the current Matcher drops every
phrase the watchlists already match, and what is left is counted, given one line of context and
printed as YAML entity stubs an analyst can review and paste.

Trade-off: patterns, not a named-entity model. They need no download and explain themselves
(each stub says which word triggered it), but they only see names introduced by those words, and
in Arabic, which has no capitals, a name's end is guessed from a stop-word list, so Arabic
proposals are noisier than English ones.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import yaml

from monitor.matching import Matcher
from monitor.normalise import alias_key, unmarkup
from monitor.sentences import snippet
from monitor.watchlists import PLACE_KINDS, Watchlist


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_CAP = r"(?:(?:al|el|Al|El|Abu|Abi|bin|ibn)[-\s])?[A-Z][\w'’ʿʾ]*(?:-[A-Z][\w'’]*)?"
_NAME = rf"{_CAP}(?:\s+{_CAP}){{0,2}}"
_ORDINAL = r"\d{1,3}(?:st|nd|rd|th)?"
_AR = r"[\u0621-\u064a\u0660-\u0669\u066e-\u06d3\u06fa-\u06ff0-9]+"


@dataclass(frozen=True, slots=True)
class _Pattern:
    """A phrase rule: `kind` for its phrases, or a trigger word → kind map for Arabic."""

    regex: re.Pattern[str]
    kind: str


_KINDS_BY_TRIGGER = {
    "division": "military_unit", "regiment": "military_unit", "battalion": "military_unit",
    "corps": "military_unit", "forces": "armed_group", "force": "armed_group", "village": "village",
    "town": "town", "city": "city", "district": "district", "sub-district": "district", "area": "region",
    "region": "region", "neighbourhood": "neighbourhood", "neighborhood": "neighbourhood",
    "airport": "airport", "airbase": "airport", "air base": "base", "base": "base", "camp": "base",
    "crossing": "crossing", "border crossing": "crossing", "gas field": "gas_field", "oil field": "oil_field",
    "field": "oil_field",
    "station": "station", "checkpoint": "facility", "bridge": "facility", "dam": "facility",
    "لواء": "militia", "كتائب": "militia", "حركة": "militia", "سرايا": "militia", "قوات": "armed_group",
    "فرقة": "military_unit", "عشيرة": "tribe", "قبيلة": "tribe", "قرية": "village", "بلدة": "town",
    "مدينة": "city", "مطار": "airport", "قاعدة": "base", "معبر": "crossing", "منفذ": "crossing",
    "حقل": "gas_field", "محطة": "station", "ناحية": "district", "قضاء": "district",
}  # fmt: skip

_MILITIA_WORDS = r"Liwaa?|Kata'?ib|Kata’ib|Harakat|Saraya|Asa'?ib|Asa’ib|Quwat|Firqat|Jaysh|Jaish"
_UNIT_WORDS = r"Brigades?|Division|Regiment|Battalion|Forces|Corps|[Mm]ilitia"
_TITLES = (
    r"Commander|Colonel|Col\.|General|Gen\.|Brigadier|Major|Lieutenant|Lt\.|Sheikh|Shaykh|Hajj|Haji"
    r"|Sayyed|Sayyid|Mullah|Emir|Amir"
)
_PLACE_WORDS_BEFORE = r"village|town|city|district|sub-district|neighbou?rhood|region"
_PLACE_WORDS_AFTER = (
    r"airport|airbase|air base|base|camp|border crossing|crossing|gas field|oil field|field|station"
    r"|checkpoint|bridge|dam"
)
_ARABIC_TRIGGERS = "|".join(word for word in _KINDS_BY_TRIGGER if not word.isascii())
_PATTERNS = (
    _Pattern(re.compile(rf"\b(?:{_MILITIA_WORDS})\s+(?P<name>{_NAME})"), "militia"),
    _Pattern(re.compile(rf"(?P<name>{_NAME})\s+(?P<trigger>{_UNIT_WORDS})\b"), "militia"),
    _Pattern(
        re.compile(
            rf"\b(?:the\s+)?(?P<name>{_ORDINAL})\s+(?P<trigger>Brigade|Division|Regiment|Battalion)\b"
        ),
        "military_unit",
    ),
    _Pattern(
        re.compile(r"\b(?P<trigger>Brigade|Division|Regiment|Battalion)\s+(?P<name>\d{1,3})\b"),
        "military_unit",
    ),
    _Pattern(re.compile(rf"\b(?:{_TITLES})\s+(?P<name>{_NAME})"), "person"),
    _Pattern(re.compile(r"\b(?P<name>Abu\s+[A-Z][\w'’]+(?:\s+al-[A-Z][\w'’]+)?)"), "person"),
    _Pattern(re.compile(rf"\b(?P<trigger>{_PLACE_WORDS_BEFORE}) of (?P<name>{_NAME})"), "place"),
    _Pattern(re.compile(rf"(?P<name>{_NAME})\s+(?P<trigger>{_PLACE_WORDS_AFTER})\b"), "place"),
    _Pattern(
        re.compile(r"\b(?P<name>(?:[Aa]l-)?[A-Z][\w'’]+(?:\s+al-[A-Z][\w'’]+)?)\s+(?P<trigger>tribe|clan)\b"),
        "tribe",
    ),
    _Pattern(re.compile(r"\b(?P<name>(?:Albu|Al Bu|Al-Bu|Bu)\s+[A-Z][\w'’]+)"), "tribe"),
    # A lookahead for the name, so a trigger inside a name (لواء الباقر إلى قرية ...) starts its own match.
    _Pattern(
        re.compile(rf"(?P<trigger>{_ARABIC_TRIGGERS})\s+(?=(?P<name>{_AR}(?:\s+{_AR}){{0,2}}))"), "arabic"
    ),
)

# Capitalised words that start a sentence rather than a name: dropped from a name's front.
_LEADING = frozenset(
    _words("""
    a after also an april as at august before december during february friday her his however in its
    january july june march may meanwhile monday november october on our ramadan saturday september
    sunday that the their these this those thursday tuesday wednesday while
    """)
)
# Words that qualify a group without naming it: a name made only of these is no name.
_QUALIFIERS = _LEADING | frozenset(
    _words("""
    afghan afghanistan allied america american arab arabic border federal foreign government
    international iran iran-backed iranian iraq iraqi israel israeli kurdish lebanese lebanon local
    many military moscow national new other pakistan pakistani popular pro-iranian pro-regime regime
    rival russia russian security several shia shiite some special sunni syria syrian tehran tribal
    turkey turkish u.s. us washington
    """)
)
_ARABIC_STOP = frozenset(
    _words("""
    أن أو إلى إن الأمريكية الأمن الأمنية الأميركية الإيراني الإيرانية الايراني الايرانية التابع
    التابعة التي الحكومة الذي الذين الروسية السوري السورية الشعبي العراقي العراقية العسكري العسكرية
    المحلية المدعوم المدعومة النظام الى بعد بين ثم جنوب جنوبي حتى حيث خلال ريف شرق شرقي شمال شمالي
    على عن عند غرب غربي في قال قالت قبل قد قرب كما لم لن مع من منذ و وقال وقالت
    """)
)
# Arabic place and tribe names are one word unless they start with one of these (أبو كمال، تل أبيض).
_ARABIC_COMPOUND = frozenset(
    _words("""
    آل أبو أم ابو ال البو ام بني بيت تل حاوي دير عين
    """)
)
_ARABIC_ONE_WORD_TRIGGERS = frozenset(
    _words("""
    بلدة عشيرة قبيلة قرية قضاء مدينة ناحية
    """)
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A proposed entity: what a stub in `render_yaml` is made of."""

    id: str
    name: str
    kind: str
    aliases: tuple[str, ...]
    count: int
    provenance: tuple[tuple[str, str], ...]  # (document name, one line of context), first per document
    trigger: str = ""


@dataclass(slots=True)
class _Seen:
    name: str
    kind: str
    trigger: str
    aliases: dict[str, None] = field(default_factory=dict)
    count: int = 0
    contexts: dict[str, str] = field(default_factory=dict)


def derive(documents: Sequence[tuple[str, str]], watchlist: Watchlist) -> list[Candidate]:
    """Candidates for names in `documents` ((name, text or HTML) pairs) that `watchlist` misses,
    most frequent first."""
    matcher = Matcher(watchlist)
    seen: dict[str, _Seen] = {}
    for doc, raw in documents:
        text = _plain(raw)
        matched = [(m.start, m.end) for m in matcher.find(text)]
        counted: set[tuple[int, int]] = set()  # two patterns may find one name: count it once
        for phrase in _phrases(text):
            if _known(matcher, phrase, matched):
                continue
            entry = seen.setdefault(phrase.key, _Seen(phrase.name, phrase.kind, phrase.trigger))
            entry.aliases[phrase.name] = None
            entry.count += (phrase.core_start, phrase.core_end) not in counted
            counted.add((phrase.core_start, phrase.core_end))
            entry.contexts.setdefault(doc, snippet(text, phrase.start, phrase.end, width=200))
    taken = set(watchlist.entities)
    ranked = sorted(_merge_people(seen).values(), key=lambda s: (-s.count, s.name))
    return [_candidate(entry, taken) for entry in ranked]


def _merge_people(seen: dict[str, _Seen]) -> dict[str, _Seen]:
    """`Colonel al-Asmar` is the `Colonel Fayez al-Asmar` named earlier: fold a person whose
    name ends another person's longer name into it."""
    people = {k: e for k, e in seen.items() if e.kind == "person"}
    for key, short in people.items():
        words = short.name.split()
        longer = [
            e
            for e in people.values()
            if len(e.name.split()) > len(words) and e.name.split()[-len(words) :] == words
        ]
        if len(longer) == 1 and words[-1].casefold().startswith("al-"):
            longer[0].aliases.update(short.aliases)
            longer[0].count += short.count
            longer[0].contexts = short.contexts | longer[0].contexts
            del seen[key]
    return seen


def render_yaml(candidates: Sequence[Candidate]) -> str:
    """The candidates as YAML entity stubs, ready to review and paste into an entity file."""
    header = (
        "# Proposed by `monitor watchlists derive`: names the watchlists do not match yet.\n"
        "# Kinds are guesses from the word that introduced each name; check every stub before pasting.\n"
    )
    if not candidates:
        return header + "entities: []\n"
    stubs = [_stub(c) for c in candidates]
    return header + yaml.safe_dump({"entities": stubs}, allow_unicode=True, sort_keys=False, width=120)


@dataclass(frozen=True, slots=True)
class _Phrase:
    surface: str  # as written, trigger included: "Liwa al-Baqir", "Hamdan airport"
    core: str  # the name without its trigger: "al-Baqir", "Hamdan"
    kind: str
    trigger: str
    start: int
    end: int
    core_start: int
    core_end: int

    @property
    def key(self) -> str:
        return f"{alias_key(self.core)}|{_group(self.kind)}"

    @property
    def name(self) -> str:
        """What the entity would be called: `Liwa al-Baqir`, `Hamdan airport`, but `Rummana` for
        `town of Rummana` and `Fayez al-Asmar` for `Colonel Fayez al-Asmar`."""
        by_core = self.kind in ("person", "tribe") or self.trigger.casefold() in _NAME_IS_CORE
        return self.core if by_core else self.surface


def _plain(raw: str) -> str:
    return unmarkup(raw).replace("\x00", "")


def _phrases(text: str) -> Iterator[_Phrase]:
    for pattern in _PATTERNS:
        for match in pattern.regex.finditer(text):
            phrase = _phrase(pattern, match)
            if phrase is not None:
                yield phrase


def _phrase(pattern: _Pattern, match: re.Match[str]) -> _Phrase | None:
    """The phrase with its name trimmed: leading non-names dropped (`The Fatemiyoun Brigade`),
    Arabic cut at its first stop word (`قوات النخبة التابعة` → `قوات النخبة`)."""
    name = match.group("name")
    trigger = (
        match.group("trigger") if match.groupdict().get("trigger") is not None else match.group().split()[0]
    )
    core = _trim_arabic(name, trigger) if pattern.kind == "arabic" else _trim(name)
    if not core:
        return None
    core_start = match.start("name") + name.find(core)
    core_end = core_start + len(core)
    has_trigger = match.groupdict().get("trigger") is not None
    name_first = has_trigger and match.start("trigger") > match.start("name")
    start, end = (core_start, match.end()) if name_first else (match.start(), core_end)
    if pattern.kind == "person" and _CAPITALISED_BEFORE.search(match.string, max(0, start - 40), start):
        return None  # a title inside a longer name: Ali Sayyid Ahmed
    kind = _kind(pattern.kind, trigger)
    return _Phrase(match.string[start:end], core, kind, trigger, start, end, core_start, core_end)


_NAME_IS_CORE = frozenset(
    _words("""
    city district neighborhood neighbourhood region sub-district town village بلدة عشيرة قبيلة قرية
    قضاء مدينة ناحية
    """)
)
_CAPITALISED_BEFORE = re.compile(r"[A-Z][\w'’-]*\s+\Z")


def _trim(name: str) -> str:
    """Drop leading words that start a sentence, not a name; no name is left if only qualifiers
    remain (`Iranian Forces`, `Iran’s militia`)."""
    words = name.split()
    while words and _stem(words[0]) in _LEADING:
        words.pop(0)
    return "" if all(_stem(w) in _QUALIFIERS for w in words) else " ".join(words)


def _trim_arabic(name: str, trigger: str) -> str:
    """Arabic has no capitals: cut the name at the first stop word, and keep place and tribe
    names to one word unless they are compounds (`قرية السكرية قرب` → `السكرية`)."""
    kept: list[str] = []
    for word in name.split():
        if word in _ARABIC_STOP or (word.isdigit() and kept):
            break
        kept.append(word)
    if trigger in _ARABIC_ONE_WORD_TRIGGERS and kept:
        kept = kept[:2] if kept[0] in _ARABIC_COMPOUND else kept[:1]
    return " ".join(kept) if kept and len(kept[0]) > 2 else ""


def _stem(word: str) -> str:
    """`Iran’s` → `iran`, `al-Iraqi` → `iraqi`: the form looked up in the word lists."""
    return re.sub(r"['’]s$", "", word.casefold().removeprefix("al-"))


def _kind(default: str, trigger: str) -> str:
    if default in ("place", "arabic", "militia") and trigger.casefold() in _KINDS_BY_TRIGGER:
        return _KINDS_BY_TRIGGER[trigger.casefold()]
    return "village" if default == "place" else default


def _group(kind: str) -> str:
    return "place" if kind in PLACE_KINDS else "actor"


def _known(matcher: Matcher, phrase: _Phrase, matched: Sequence[tuple[int, int]]) -> bool:
    """Whether the watchlists already match the phrase's name where it stands in the document
    (`Democratic` in `Syrian Democratic Forces`, `Heri` once al-Bukamal is named) or on its own."""
    index = bisect.bisect_left(matched, (phrase.core_start, phrase.core_start))
    near = matched[max(0, index - 1) : index + 1]
    if any(start < phrase.core_end and end > phrase.core_start for start, end in near):
        return True
    return bool(matcher.find(phrase.core))


def _candidate(entry: _Seen, taken: set[str]) -> Candidate:
    return Candidate(
        id=_unique_id(_slug(entry.name), taken),
        name=entry.name,
        kind=entry.kind,
        aliases=tuple(entry.aliases),
        count=entry.count,
        provenance=tuple(entry.contexts.items()),
        trigger=entry.trigger,
    )


_ARABIC_LATIN = dict(
    zip(
        "ابتثجحخدذرزسشصضطظعغفقكلمنهويةىأإآئؤء",
        [
            "a",
            "b",
            "t",
            "th",
            "j",
            "h",
            "kh",
            "d",
            "dh",
            "r",
            "z",
            "s",
            "sh",
            "s",
            "d",
            "t",
            "z",
            "-",
            "gh",
            "f",
            "q",
            "k",
            "l",
            "m",
            "n",
            "h",
            "w",
            "y",
            "a",
            "a",
            "a",
            "i",
            "a",
            "y",
            "w",
            "-",
        ],
        strict=True,
    )
)


def _slug(name: str) -> str:
    """A Latin id from a name; Arabic is transliterated letter by letter (the analyst renames it)."""
    words = [f"al-{w[2:]}" if w.startswith("ال") and len(w) > 4 else w for w in name.split()]
    latin = "".join(_ARABIC_LATIN.get(c, c) for c in " ".join(words))
    ascii_only = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_only.lower()).strip("-") or "candidate"


def _unique_id(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _stub(candidate: Candidate) -> dict[str, object]:
    seen = f"seen {candidate.count}x" + (f" after '{candidate.trigger}'" if candidate.trigger else "")
    return {
        "id": candidate.id,
        "name": candidate.name,
        "kind": candidate.kind,
        "priority": "medium",
        "aliases": list(candidate.aliases),
        "provenance": [{"doc": doc, "note": f"{seen}: {context}"} for doc, context in candidate.provenance],
    }
