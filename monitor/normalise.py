"""Fold text for matching, keeping the way back to the input's offsets; the one owner of what
counts as "the same alias" (`alias_key`), used by the loader and the matcher alike.

1. Fold. Every character is classified once (`_classify`): letters and digits are folded (NFKC,
   casefold, diacritics and hamza carriers stripped, ة→ه, ى/ی→ي, گ→ك, Arabic-Indic digits → ASCII);
   apostrophes, combining marks, tashkeel, tatweel (and a dot beside a tatweel inside a word,
   قـ.ـوات, or between its letters, ق.و.ا.ت) and zero-width characters are *deleted*, except
   a tatweel before a number (الـ19), which is a gap;
   whitespace, dashes, quotes and brackets become a *gap*; other punctuation becomes a space.
   Folding is done one character for one character so no offset map is needed for it. The hot
   path encodes the text as cp1256 (ASCII, Windows punctuation and the Arabic block in single
   bytes; an ASCII text with the ascii codec, the same bytes several times faster), folds with
   `bytes.translate`, squeezes (step 2) the bytes and decodes: about 20x faster than
   `str.translate` on Arabic (and the squeeze reads half the memory of a str holding Arabic).
   Characters outside cp1256 go through a codec error handler that folds them one for one; a character that
   folds to several (ß, ligatures) sends the text to an exact, slower per-character path.
2. Squeeze. Deleted characters are removed and runs of gaps become one space. Each squeeze
   records only its runs (where, how many removed), so mapping a normalised offset back to the
   input is two bisects, paid per match rather than per character.

Pure: no I/O, no imports from the rest of the package.
"""

from __future__ import annotations

import bisect
import codecs
import html
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import AnyStr

DELETE = "\x00"  # a character that disappears (apostrophe, tashkeel, markup filler)
GAP = "\x01"  # whitespace or a dash: runs of gaps fold to one space
EXPANDS = "\x03"  # marks a text that needs the exact per-character path
TATWEEL = "\u0640"
QUOTES = frozenset('"«»„‟')  # quote marks Unicode does not class as initial or final quotes
APOSTROPHES = frozenset("'’‘ʼʻʿʾ`´′ʹ‛")
_ARABIC = {"ة": "ه", "ى": "ي", "ی": "ي", "ي": "ي", "ک": "ك", "ٱ": "ا", "ە": "ه", "ۀ": "ه", "ہ": "ه"} | {
    "گ": "ك", "ڭ": "ك", "پ": "ب", "ڤ": "ف",  # Persian letters in Iraqi and Syrian writing: العگيدات, البگارة
}  # fmt: skip
# A dot set between a tatweel and a letter inside an Arabic word, written to slip past keyword
# filters (قـ.ـوات النظـ.ـام, الحـ.ـرس), or a space between two tatweels (غارات إسرائيـ ـلية):
# deleted like the tatweel, so the word is whole again.
_TATWEEL_DOT = re.compile(
    "(?<=\u0640)[.\u00b7\u2022]+(?=[\u0621-\u064a\u0640])|(?<=[\u0621-\u064a])[.\u00b7\u2022]+(?=\u0640)"
    "|(?<=[\u0621-\u064a]\u0640)[ \t]+(?=\u0640[\u0621-\u064a])"
)
_LETTER = "\u0621-\u063a\u0641-\u064a"  # the Arabic letters, without the tatweel
# A tatweel between a letter and a number (اللواء الـ19, بـ3 صواريخ) stands for the space a
# printer left out: it becomes a gap, so the number is a word of its own (اللواء الـ 19).
_TATWEEL_DIGIT = re.compile(f"(?<=[{_LETTER}])\u0640+(?=[0-9\u0660-\u0669\u06f0-\u06f9])")
# Dots set between the letters of an Arabic word for the same purpose (ق.و.ا.ت, د.ا.ع.ش, داع.ش):
# a dot between two Arabic letters where the letters on one side of it are at most
# `_DOTTED_PIECE` long. A sentence's full stop with its space left out (الحدود.وقال) joins two
# longer words and stays.
_LETTER_DOT = re.compile(f"[.\u00b7\u2022](?<=[{_LETTER}].)(?=[{_LETTER}])")
_ARABIC_LETTERS = re.compile(f"[{_LETTER}]+")
_DOTTED_PIECE = 2
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
    if char.isspace() or category in ("Pd", "Pi", "Pf", "Ps", "Pe") or char in QUOTES or char == "\u2212":
        # quotes and brackets too: الفوج “47”, اللواء (13) and قبيلة "المشاهدة" keep their words
        # one space apart
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


_NO_RUNS = _Squeeze([], [])  # shared by every squeeze that found no run (nothing changes a _Squeeze)


def _squeeze(text: AnyStr, marker: AnyStr, keep: int) -> tuple[AnyStr, _Squeeze]:
    """Remove each run of `marker` but its first `keep` characters; record where.

    find skips the text at memchr speed; only the few runs cost Python steps (a regex scan for
    the runs was the slowest part of normalising)."""
    at: list[int] = []
    removed: list[int] = []
    pieces: list[AnyStr] = []
    probe = marker * (keep + 1)
    start = text.find(probe)
    last = total = 0
    while start >= 0:
        end = start + keep + 1
        while text[end : end + 1] == marker:
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
    return text[:0].join(pieces), _Squeeze(at, removed)


def _squeezed(
    folded: AnyStr, delete: AnyStr, gap: AnyStr, space: AnyStr
) -> tuple[AnyStr, _Squeeze, _Squeeze]:
    """The folded text with its deleted characters removed and each run of gaps one space, and
    the two squeezes' runs."""
    folded, deleted = _squeeze(folded, delete, 0)
    folded, gaps = _squeeze(folded, gap, 1)
    return folded.replace(gap, space), gaps, deleted


@dataclass(frozen=True, slots=True)
class Normalised:
    """A folded text (words separated by single spaces) and the way back to the input."""

    text: str
    _gaps: _Squeeze
    _deleted: _Squeeze
    _expanded: list[int] | None  # per folded char, its input index, when folding changed lengths

    def source(self, index: int) -> int:
        """Input index of the character at `index` in `text`: back through the gap squeeze, then
        the deleted-character squeeze (written out in place: it runs for every mention's and
        event's ends)."""
        if (at := self._gaps.at) and (run := bisect.bisect_right(at, index) - 1) >= 0:
            index += self._gaps.removed[run]
        if (at := self._deleted.at) and (run := bisect.bisect_right(at, index) - 1) >= 0:
            index += self._deleted.removed[run]
        return self._expanded[index] if self._expanded is not None else index

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Input span of `text[start:end]` (end exclusive, never empty)."""
        return self.source(start), self.source(end - 1) + 1


def normalise(text: str) -> Normalised:
    """Fold `text` for matching and keep the offset map (see the module docstring)."""
    if TATWEEL in text:
        text = _TATWEEL_DOT.sub(lambda m: DELETE * len(m.group()), text)
        text = _TATWEEL_DIGIT.sub(lambda m: GAP * len(m.group()), text)
    if not text.isascii() and _LETTER_DOT.search(text):
        text = _undotted(text)
    codec = "ascii" if text.isascii() else _CODEC
    fast = text.encode(codec, _CODEC_ERRORS).translate(_BYTE_TABLE)
    if EXPANDS.encode() not in fast:  # one byte a character: squeezed as bytes, decoded once
        folded, gaps, deleted = _squeezed(fast, DELETE.encode(), GAP.encode(), b" ")
        return Normalised(folded.decode(codec), gaps, deleted, None)
    exact, expanded = _fold_exact(text)
    squeezed, gaps, deleted = _squeezed(exact, DELETE, GAP, " ")
    return Normalised(squeezed, gaps, deleted, expanded)


def _undotted(text: str) -> str:
    """`text` with the dots inside dotted Arabic words (see `_LETTER_DOT`) deleted."""
    chars = list(text)
    for match in _LETTER_DOT.finditer(text):
        dot = match.start()
        before = _ARABIC_LETTERS.search(text[max(0, dot - _DOTTED_PIECE - 1) : dot][::-1])
        after = _ARABIC_LETTERS.match(text, dot + 1, dot + _DOTTED_PIECE + 2)
        short_before = before is not None and before.start() == 0 and before.end() <= _DOTTED_PIECE
        if short_before or (after is not None and after.end() - after.start() <= _DOTTED_PIECE):
            chars[dot] = DELETE
    return "".join(chars)


def _fold_exact(text: str) -> tuple[str, list[int] | None]:
    """The per-character fold, for a text with a character that folds to several (ß, ligatures):
    the folded text and, when its length changed, each folded character's input index."""
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
MARKUP = re.compile(
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
    every offset still holds. Plain text (no "<", "&" or "]]>": what every markup pattern
    starts with) is returned as it is, sparing the regex scan."""
    if "<" not in text and "&" not in text and "]]>" not in text:
        return text
    return MARKUP.sub(_blank_markup, text)


# --- alias keys ------------------------------------------------------------------------------

LATIN_ARTICLES = ("al", "el")
ARABIC_ARTICLE = "ال"


def is_arabic(char: str) -> bool:
    return "\u0600" <= char <= "\u06ff"


def strip_article(words: str) -> tuple[str, bool]:
    """Folded words without a leading article (al, el, ال), and whether they had one."""
    first, _, rest = words.partition(" ")
    if first in LATIN_ARTICLES and rest:
        return rest, True
    if first.startswith(ARABIC_ARTICLE) and len(first) > len(ARABIC_ARTICLE) + 1:
        return words[len(ARABIC_ARTICLE) :], True
    return words, False


def alias_key(text: str) -> str:
    """The form under which two aliases count as the same: folded, without a leading article."""
    return strip_article(fold_words(text))[0]
