"""Names that point elsewhere: a watched place's name qualified by another country or a US state
(Palmyra, New York; Dhiban, Jordan; the Jordanian town of Dhiban) or a landform (Palmyra Atoll),
a Persian town built on it (نجف آباد, Najafabad), a town named after a watched tribe (جديد
عكيدات), and a person's name in a dateline (`SULAIMANI, Iraq —`), and the coalition of the war in
Yemen. Used by the kind rules of `monitor.context`. Pure: no I/O.
"""

from __future__ import annotations

import re

from monitor.normalise import fold_words


def _names(words: str) -> list[str]:
    """Names of one or more words, each written as one with _ between its words (North_Carolina)."""
    return [name.replace("_", " ") for name in words.split()]


# Countries a namesake of a watched place lies in (Syria and Iraq are ours), and the US states
# (Palmyra NY, PA, NJ ...). After the name, behind a comma or a bracket: "Palmyra, N.Y.",
# "Dhiban (Jordan)"; a postal code may also follow without a comma ("Palmyra NY"). A state of two
# words is qualified by both ("Hasakah, North Press reported" names no North Carolina).
COUNTRIES = _names("""Jordan Lebanon Turkey Iran Egypt Libya Tunisia Algeria Morocco Israel Yemen Sudan
    Saudi_Arabia Kuwait Qatar Bahrain Oman UAE Afghanistan Pakistan India Greece Italy Spain Cyprus
    England Scotland Wales UK Australia Canada""")
US_STATES = _names("""Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia
    Hawaii Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts Michigan
    Minnesota Mississippi Missouri Montana Nebraska Nevada New_Hampshire New_Jersey New_Mexico New_York
    North_Carolina North_Dakota Ohio Oklahoma Oregon Pennsylvania Rhode_Island South_Carolina
    South_Dakota Tennessee Texas Utah Vermont Virginia Washington West_Virginia Wisconsin Wyoming""")
US_CODES = """AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH
    NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY""".split()
_NAMES = "|".join(sorted(COUNTRIES + US_STATES, key=len, reverse=True))
_CODES = "|".join(US_CODES + [f"{c[0]}\\.{c[1]}\\." for c in US_CODES])  # NY, N.Y.
_QUALIFIED = re.compile(rf"[ \t]*[,(][ \t]*(?:{_NAMES}|{_CODES})(?![\w'’-])")
_CODE_AFTER = re.compile(rf"[ \t]+(?:{_CODES})(?![\w'’-])")  # Palmyra NY (not in PALMYRA IN RUINS)
# a landform or a US county word right after the name: Palmyra Atoll (in the Pacific), Palmyra
# Township; the watched places are towns, fields and crossings, none of them named so
LANDFORM_WORDS = frozenset(fold_words(w) for w in "Atoll Island Islands Reef Township County".split())
# The first folded word of each qualifier: a quick filter before the regex.
QUALIFIER_WORDS = frozenset(
    fold_words(n).split(" ")[0]
    for n in COUNTRIES + US_STATES + US_CODES + [f"{c[0]}.{c[1]}." for c in US_CODES]
)
# "the Jordanian town of Dhiban": another nationality's town
_FOREIGN_TOWN = re.compile(
    r"\b(?:Jordanian|Lebanese|Turkish|Iranian|Egyptian|Libyan|Tunisian|Israeli|Yemeni|Sudanese|Saudi|"
    r"American|US|U\.S\.)[ \t]+(?:town|city|village|municipality|district|county|region)[ \t]+of[ \t]+"
    r"(?:the[ \t]+)?$"
)
# a Persian place name built on an Arabic one: نجف آباد (Najafabad), a town in Iran
PERSIAN_AFTER = frozenset(fold_words(w) for w in "آباد أباد اباد".split())
# a town named after a tribe: جديد عكيدات, جديد بكارة (Jdeid Akidat)
TRIBE_TOWN_BEFORE = frozenset(fold_words(w) for w in "جديد جديدة Jdeid Jdeideh Jdaidet Jadid".split())


# "The coalition" in a sentence about the war in Yemen is the Saudi-led one, not the US-led
# coalition of Syria and Iraq: طيران التحالف ... شرق العاصمة صنعاء.
COALITION_WORDS = frozenset(fold_words(w) for w in "coalition التحالف".split())
YEMEN_WORDS = frozenset(fold_words(w) for w in """
    Yemen Yemeni Yemen's Houthi Houthis Sanaa Sana'a Aden Hodeidah Marib Saudi-led
    اليمن اليمني اليمنية اليمنيين الحوثي الحوثيين الحوثية الحوثيون صنعاء عدن الحديدة مأرب صعدة
""".split())  # fmt: skip


# ... and in a text that names Yemen's war, "the coalition" of a sentence naming no word of the
# war on the Islamic State is the Saudi-led one too (الغارات التي تشنها قوات التحالف).
ANTI_ISIS_WORDS = frozenset(fold_words(w) for w in """
    ISIS ISIL Daesh Syria Syrian Iraq Iraqi US-led U.S.-led Washington American
    داعش الدولي سوريا سورية السورية العراق العراقية واشنطن الأمريكي الأميركي الأمريكية الأميركية
""".split())  # fmt: skip


def names_a_coalition(key: str) -> bool:
    """The folded alias key names a coalition (طيران التحالف, US-led coalition)."""
    return not COALITION_WORDS.isdisjoint(key.split(" "))


def elsewhere(plain: str, start: int, end: int, before: str, after: str) -> bool:
    """Whether the place named at `start:end` of the input is qualified as lying elsewhere:
    another country or a US state after it, or another nationality's town before it (`before`
    and `after`, the folded words next to it, are a quick filter)."""
    if after in QUALIFIER_WORDS and (
        _QUALIFIED.match(plain, end) or (_CODE_AFTER.match(plain, end) and not plain[start:end].isupper())
    ):
        return True
    if after in LANDFORM_WORDS and plain[end : end + 1] in (" ", "\t"):
        return True
    return before in ("of", "the") and bool(_FOREIGN_TOWN.search(plain, max(0, start - 60), start))


# A dateline: words in capitals opening a line, then ", Country/Region" (SULAIMANI, Iraq —), a
# dash (SULAIMANI — , SULAIMANI -) or an agency in brackets and a dash (BAGHDAD (Reuters) -).
_DATELINE = re.compile(
    r"[ \t]*(?:[A-Z][A-Z'’/\-]*[ \t]*)+"
    r"(?:,[ \t]*(?:[A-Z]|\d{1,2}(?:st|nd|rd|th)?[ \t]+[A-Z][a-z])"
    r"|(?:\([^()\n]{1,40}\)[ \t]*)?[-–—](?=[\s\x00]))"
)  # several cities (BEIRUT/DAMASCUS, WASHINGTON-DAMASCUS); ", Syria" or ", 13th December" after them
# the cities before the name in a dateline of several: "BEIRUT/", "WASHINGTON-"
_CITIES_BEFORE = re.compile(r"[ \t]*(?:[A-Z][A-Z'’ ]*[/\-–][ \t]*)+$")
# In HTML the block tags before a paragraph are blanked to spaces (`<h1>Talks</h1><p>SULAIMANI —`):
# a run of blanks, or a sentence's end, also opens a dateline.
_BLOCK_GAP = re.compile(r"(?:[ \t\x00]{3,}|[.!?][ \t\x00]+)$")


# Any script: the name at a line's start, or in brackets after an outlet's name, then a dash or a
# colon (Baghdad - , دمشق (سانا) – , أوغاريت بوست (دمشق) – ).
# a dash or colon after the city, or a date and an agency between slashes (بغداد في 14 يناير /وام/)
# a slash before the outlet (بغداد/شبكة أخبار العراق-), or a date in English (Baghdad, February 9, 2011)
_LEAD_DATELINE = re.compile(
    r"[ \t]*(?:\([^()\n]{1,40}\)[ \t]*)?[-–—:/]|[ \t]+في[ \t]+\d{1,2}[ \t]+\S+[ \t]*/[^/\n]{1,20}/"
    r"|,[ \t]*(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?[ \t]+\d{1,2},?[ \t]+\d{4}\b"
)
_CITIES_LEAD = re.compile(r"[ \t]*(?:[^\s/]+(?:[ \t][^\s/]+)?[ \t]*/[ \t]*)+")  # cities, each before a slash
_BRACKET_DATELINE = re.compile(r"[ \t]*\)[ \t]*[-–—:]")
_BRACED_DATELINE = re.compile(r"[ \t]*[:/\-–—]")
# ... or closing a short line of its own: the outlet's name, then the city in brackets (البلاد (دمشق))
_BRACKET_LINE_END = re.compile(r"[ \t]*\)[ \t]*(?:\n|$)")
DATELINE_OUTLET_WORDS = 4  # words of an outlet's name before a bracketed city that ends its line
DATELINE_LEAD = 60  # characters of an outlet's name that may stand before a bracketed dateline


def is_filed_from(plain: str, start: int, end: int) -> bool:
    """`start:end` is the dateline of a report: in capitals (`is_dateline`), or in any case or
    script at a line's start or in brackets near it, followed by a dash or a colon; in brackets
    after a short outlet name, also when the line ends there (البلاد (دمشق))."""
    if is_dateline(plain, start, end):
        return True
    lead = plain[plain.rfind("\n", 0, start) + 1 : start]
    if not lead.strip() or _CITIES_LEAD.fullmatch(lead):  # the second of two cities: دمشق/ بغداد –
        return bool(_LEAD_DATELINE.match(plain, end, end + 50))
    if lead.strip() in ("{", "["):  # the city and the outlet in braces: {بغداد : الفرات نيوز}
        return bool(_BRACED_DATELINE.match(plain, end, end + 10))
    if len(lead) > DATELINE_LEAD or not lead.rstrip(" \t").endswith("("):
        return False
    return bool(_BRACKET_DATELINE.match(plain, end, end + 10)) or (
        len(lead.split()) <= DATELINE_OUTLET_WORDS and bool(_BRACKET_LINE_END.match(plain, end, end + 10))
    )


def is_dateline(plain: str, start: int, end: int) -> bool:
    """`start:end` is in capitals at a line's or paragraph's start and followed by ", Country",
    a dash, or an agency in brackets and a dash (a dateline)."""
    if not plain[start:end].isupper():
        return False
    anchor = plain.rfind("\n", 0, start) + 1
    if plain[anchor:start].strip(" \t\x00") and not _CITIES_BEFORE.match(plain, anchor, start):
        gap = _BLOCK_GAP.search(plain, max(anchor, start - 80), start)
        if gap is None:
            return False
        anchor = gap.end()
    return bool(_DATELINE.match(plain, anchor, end + 40))
