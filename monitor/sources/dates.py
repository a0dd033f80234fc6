"""Dates feedparser cannot read (localized, Drupal, prose), and the sanity check of any date."""

from __future__ import annotations

import re
import warnings as pywarnings
from datetime import UTC, datetime, timedelta

from dateutil import parser as dateparser

from monitor.records import DateSource

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)  # no news feed dates from before the web: a misread date


def checked_date(
    when: datetime | None, now: datetime, notes: list[str], label: str
) -> tuple[datetime, DateSource]:
    if when is None:
        return now, "fetched"
    if when > now + timedelta(days=1):
        notes.append(f"date {when.isoformat()} is in the future; using the fetch time for {label[:80]!r}")
        return now, "fetched"
    if when < EARLIEST:
        notes.append(
            f"date {when.isoformat()} is before {EARLIEST:%Y}; using the fetch time for {label[:80]!r}"
        )
        return now, "fetched"
    return when, "feed"


def _month_names() -> dict[str, str]:
    table = {
        "jan": "janeiro janvier januar jänner enero ene janv tammikuu",
        "feb": "fev fevereiro février févr fév februar febrero helmikuu",
        "mar": "março marzo mars märz mär mrz maaliskuu",
        "apr": "abr abril avril avr huhtikuu",
        "may": "mai maio mayo toukokuu",
        "jun": "junho juin juni junio kesäkuu",
        "jul": "julho juillet juil juli julio heinäkuu",
        "aug": "ago agosto août elokuu",
        "sep": "set setembro septembre sept septiembre setiembre syyskuu",
        "oct": "out outubro octobre okt oktober octubre lokakuu",
        "nov": "novembro novembre noviembre marraskuu",
        "dec": "dez dezembro décembre déc dezember dic diciembre joulukuu",
    }
    arabic = {
        "jan": "يناير كانون_الثاني",
        "feb": "فبراير شباط",
        "mar": "مارس اذار",
        "apr": "ابريل نيسان",
        "may": "مايو ايار",
        "jun": "يونيو يونيه حزيران",
        "jul": "يوليو يوليه تموز",
        "aug": "اغسطس اب",
        "sep": "سبتمبر ايلول",
        "oct": "اكتوبر تشرين_الاول",
        "nov": "نوفمبر تشرين_الثاني",
        "dec": "ديسمبر كانون_الاول",
    }
    names = {}
    for month, words in table.items():
        for word in words.split():
            names[word] = month
            if word.endswith("kuu"):
                names[word + "ta"] = month  # Finnish partitive: "12. toukokuuta 2024"
    for month, words in arabic.items():
        names.update((word.replace("_", " "), month) for word in words.split())
    return names


_MONTHS = _month_names()
_ARABIC_MULTIWORD = re.compile("|".join(k for k in _MONTHS if " " in k))
_DAY_WORDS = {
    "الأحد",
    "الاحد",
    "الاثنين",
    "الإثنين",
    "الثلاثاء",
    "الأربعاء",
    "الاربعاء",
    "الخميس",
    "الجمعة",
    "السبت",
}
_MERIDIEM = {"ص": "AM", "صباحا": "AM", "صباحًا": "AM", "م": "PM", "مساء": "PM", "مساءً": "PM"}
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_ALEFS = str.maketrans("أإآ", "ااا")
_HOUR = 3600
_TZINFOS = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "BST": _HOUR, "CET": _HOUR, "CEST": 2 * _HOUR,
    "EET": 2 * _HOUR, "EEST": 3 * _HOUR, "MSK": 3 * _HOUR, "AST": 3 * _HOUR,
    "EST": -5 * _HOUR, "EDT": -4 * _HOUR, "CST": -6 * _HOUR, "CDT": -5 * _HOUR,
    "MST": -7 * _HOUR, "MDT": -6 * _HOUR, "PST": -8 * _HOUR, "PDT": -7 * _HOUR,
}  # fmt: skip
_NO_YEAR = datetime(1, 1, 1)


def parse_date(value: str) -> datetime | None:
    """A date feedparser could not read: localized month names (Arabic, Portuguese, Spanish,
    French, German, Finnish), Drupal "Fri, 05/03/2019 - 15:21", prose dates, no zone (→ UTC)."""
    text = _normalise_date(value)
    if not re.search(r"\d", text):
        return None
    try:
        with pywarnings.catch_warnings():
            pywarnings.simplefilter("ignore")  # dateutil warns on unknown zone names; we assume UTC
            parsed = dateparser.parse(text, default=_NO_YEAR, tzinfos=_TZINFOS)
        if parsed.year == _NO_YEAR.year:
            return None
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError, TypeError):  # also a zone that takes it past year 9999
        return None


def _normalise_date(value: str) -> str:
    text = " ".join(value.translate(_DIGITS).translate(_ALEFS).replace("،", ",").split())
    text = _ARABIC_MULTIWORD.sub(lambda m: _MONTHS[m.group(0)], text)
    text = re.sub(r"^[^\W\d_]+\.?\s*,\s*", "", text)  # a leading day name in any language
    text = re.sub(r"(\d)\s+-\s+(\d)", r"\1 \2", text)  # Drupal "05/03/2019 - 15:21"
    return re.sub(r"[^\W\d_]+\.?", _translate_word, text)


def _translate_word(match: re.Match[str]) -> str:
    word = match.group(0)
    bare = word.rstrip(".").lower()
    if bare in _DAY_WORDS:
        return ""
    return _MONTHS.get(bare) or _MERIDIEM.get(bare) or word
