"""Sentence and paragraph breaks, and the snippet around a match, in English and Arabic text.

Shared by the matcher's context rules, the priority rules and whatever shows a match. Pure: no I/O.
"""

from __future__ import annotations

import html
import re

from monitor.normalise import MARKUP

# A full stop after one of these does not end a sentence, even before a capital or a digit:
# titles and ranks (Gen. Qaani, Lt. Col. Dillon, Brig. Gen. Rasool), months (Feb. 25), a
# reference work's (transl. "The Plazas"), and an initialism of capitals (U.S. Army, U.N. envoy).
_ABBREVIATED = """
    Mr Mrs Ms Dr Prof Gen Col Lt Maj Brig Capt Cpt Sgt Adm Cmdr Cdr Gov Sen Rep Pres Amb
    St No Nos Mt Ft vs Jr Sr Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec transl lit approx ca cf
""".split()
_ABBREVIATIONS = "".join(rf"(?<!\b{a}\.\s)" for a in _ABBREVIATED) + r"(?<!\b[A-Z]\.[A-Z]\.\s)"
_BLOCK_TAG_BODY = r"(?i:(?:/?p|br|/?div|/?li|/?h\d)\b[^>]*>)"  # a block tag after its "<"
_BLOCK_TAG = "<" + _BLOCK_TAG_BODY
# A sentence break is the whitespace after a sentence's final punctuation (so a sentence
# text[previous.end():next.start()] keeps its full stop; "U.S. forces" is not one), a blank line
# or a block tag. Every break starts with whitespace or "<": the pattern takes that character
# first and looks behind past it, so the regex engine skips from one such character to the next
# instead of trying the lookbehinds at every position (7 to 10 times faster).
SENTENCE_BREAK = re.compile(
    r"[\s<](?:"
    r"""(?:(?<=[.!?؟。]\s)|(?<=[.!?؟。]["'”’»)]\s))""" + _ABBREVIATIONS + r"\s*(?![a-z])"
    r"|(?<=\n)\s*\n\s*|(?<=\s)\s*\n\s*\n\s*"  # a blank line, taken at its first newline or before
    r"|(?<=<)" + _BLOCK_TAG_BODY + ")"
)
# A paragraph ends at a blank line, a block tag, or a line break after a sentence's end; a line
# break inside a sentence is only wrapping.
PARAGRAPH_BREAK = re.compile(r"""\s*\n\s*\n\s*|(?<=[.!?؟:"”])[ \t]*\n\s*|""" + _BLOCK_TAG)


# What folds to one space: a whitespace run, or one whitespace character other than a space.
# Lone spaces (most of them) are left alone, sparing their substitution, and a pattern that starts
# with \s lets the regex engine skip ahead from one whitespace character to the next.
_SPACES = re.compile(r"\s(?:\s+|(?<! ))")
ELLIPSIS = "…"


def snippet(text: str, start: int, end: int, width: int = 160) -> str:
    """The sentence around `text[start:end]`, whitespace folded and markup dropped, cut to about
    `width` characters around the match with an ellipsis on each side that was cut."""
    low, high = max(0, start - 2 * width), min(len(text), end + 2 * width)
    begin = max((m.end() for m in SENTENCE_BREAK.finditer(text, low, start)), default=low)
    after = SENTENCE_BREAK.search(text, end, high)
    stop = after.start() if after else high
    left, middle, right = _clean(text[begin:start]), _clean(text[start:end]), _clean(text[end:stop])
    return _cut(left.lstrip(), middle, right.rstrip(), width, begin == low > 0, stop == high < len(text))


def _clean(part: str) -> str:
    text = MARKUP.sub(lambda m: html.unescape(m.group()) if m.group()[0] == "&" else " ", part)
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
