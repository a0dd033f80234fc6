"""Stories: when two articles tell one story. One signature and one rule, for the alerts (one
alert per story) and the digest (its story grouping), so Slack and the digest agree.

The signature: MinHash (128 values, datasketch's "affine32" scheme, seed 1, computed by
monitor/minhash.py without importing datasketch) of the title's word pairs (titles of four words
or more, without an aggregator's trailing " - Outlet") and of the text's word triples (25 words
or more, the first 400). The alerts store these in the stories table (monitor/store/stories.py),
so the scheme must not change without migrating them.

The rule (`StoryRule`): an item belongs to the story that already has its URL, else to the most
similar story opened within `window` before it whose title or text signature has at least
`threshold` of its values equal (estimated Jaccard, the configured `alerts.similarity`); else
it opens a story of its own. An item is compared with the story's first article only, so a
story cannot drift through a chain of near-duplicates. `place()` applies the rule; the
alerts feed it from the database (`StoryIndex.refresh`), the digest from one week's articles.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from monitor.config import Settings, parse_duration
from monitor.records import Entry, StoredArticle

if TYPE_CHECKING:
    import numpy as np

# numpy (about 80 modules, 0.1 CPU-s) is imported by the first signature computed or stored,
# not by this module: a poll of unchanged feeds, `monitor match` and the digest's empty weeks
# never load it. The publisher stripper (an HTML parser) and the story table's queries are
# imported where used too: a poll of no sources needs only `StoryRule` (for the spike rule).

NUM_PERM = 128
TITLE_SHINGLE, TEXT_SHINGLE = 2, 3  # words
MIN_TITLE_WORDS, MIN_TEXT_WORDS, MAX_TEXT_WORDS = 4, 25, 400
_WORD = re.compile(r"\w+")
_CHARS_PER_WORD = 12  # a slice of MAX_TEXT_WORDS times this holds that many words in news text


@dataclass(frozen=True, slots=True)
class StoryRule:
    """When two items are one story: `threshold` of equal signature values, `window` apart at most."""

    threshold: float = 0.8
    window: timedelta = timedelta(hours=48)

    @classmethod
    def from_settings(cls, settings: Settings) -> StoryRule:
        return cls(settings.alerts.similarity, parse_duration(settings.alerts.dedupe_window))


Signatures = tuple[bytes | None, bytes | None]  # (title, text)


def signatures(article: StoredArticle | Entry) -> Signatures:
    """MinHash signatures of the title (without a trailing " - Publisher") and of the text."""
    return signatures_of(article.title, article.publisher, article.content or article.summary)


def signatures_of(title_text: str, publisher: str | None, body: str = "") -> Signatures:
    from monitor.sources.text import strip_publisher

    title = _words(strip_publisher(title_text, publisher))
    text = _first_words(body, MAX_TEXT_WORDS)
    title_sig = _minhash(_shingles(title, TITLE_SHINGLE)) if len(title) >= MIN_TITLE_WORDS else None
    text_sig = _minhash(_shingles(text, TEXT_SHINGLE)) if len(text) >= MIN_TEXT_WORDS else None
    return title_sig, text_sig


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _first_words(text: str, most: int) -> list[str]:
    """`_words(text)[:most]`, reading only as much of a long text (a full article) as holds them:
    a slice that yields more than `most` words holds them whole (only its last may be cut)."""
    head = text[: most * _CHARS_PER_WORD]
    words = _words(head)
    return (words if len(words) > most or len(head) == len(text) else _words(text))[:most]


def _shingles(words: Sequence[str], size: int) -> set[bytes]:
    return {" ".join(words[i : i + size]).encode() for i in range(max(1, len(words) - size + 1))}


def _minhash(shingles: set[bytes]) -> bytes:
    from monitor.minhash import minhash  # datasketch's affine32 values, without importing scipy

    return minhash(shingles, NUM_PERM).astype("<u8").tobytes()


class StoryIndex:
    """The signatures of the stories in the dedupe window, searched without comparing every value.

    A poller keeps one for its lifetime and tops it up from the database before each use (only
    stories newer than the last it saw, whichever process made them).

    The search is exact, not an LSH approximation: every signature is also cut into bands of
    `BAND_ROWS` values, and a story at or above the threshold shares at least one whole band with
    the item (at 0.8, at most 25 of 128 values differ: too few to spoil all 32 bands). So only
    stories with an equal band hash are compared value by value, unless the threshold is so low
    (under 0.76) that all of them must be.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything (after a rolled-back transaction it may hold stories that were never
        stored); the next refresh reads the window from the database again."""
        self._ids: list[int] = []
        self._created: list[datetime] = []
        self._kinds = (_SignatureMatrix(), _SignatureMatrix())  # titles, texts

    def refresh(self, session: Session, since: datetime) -> None:
        """Drop the stories opened before `since`; add the stored ones this index has not seen."""
        from monitor.store import stories as story_rows

        self.forget_before(since)
        for story in story_rows.recent_stories(session, since, after_id=max(self._ids, default=0)):
            self.add(story.id, story.created_at, (story.title_signature, story.text_signature))

    def forget_before(self, since: datetime) -> None:
        keep = [i for i, created in enumerate(self._created) if created >= since]
        if len(keep) < len(self._ids):
            self._ids = [self._ids[i] for i in keep]
            self._created = [self._created[i] for i in keep]
            for matrix in self._kinds:
                matrix.keep(keep)

    def rename(self, ids: Mapping[int, int]) -> None:
        """Give stories added under a provisional id their stored id."""
        self._ids = [ids.get(story_id, story_id) for story_id in self._ids]

    def add(self, story_id: int, created: datetime, sigs: Signatures) -> None:
        for matrix, sig in zip(self._kinds, sigs, strict=True):
            matrix.put(len(self._ids), sig)
        self._ids.append(story_id)
        self._created.append(created)

    def match(self, sigs: Signatures, threshold: float) -> int | None:
        """The story most similar by title or by text (estimated Jaccard), if at or above `threshold`."""
        need = math.ceil(threshold * NUM_PERM)  # equal values
        best, at = need - 1, None
        for matrix, sig in zip(self._kinds, sigs, strict=True):
            if sig is not None:
                equal, row = matrix.most_equal(sig, len(self._ids), need)
                if equal > best:
                    best, at = equal, row
        return None if at is None else self._ids[at]


def place(
    url: str, sigs: Signatures, by_url: Mapping[str, int], index: StoryIndex, threshold: float
) -> int | None:
    """The story an item belongs to by the rule: the one that has its URL, else the most similar
    in the index (which holds only the stories inside the window); None: it opens a new one."""
    story = by_url.get(url)
    return story if story is not None else index.match(sigs, threshold)


BAND_ROWS = 4
_BANDS = NUM_PERM // BAND_ROWS
_BAND_MIX = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5)


class _SignatureMatrix:
    """One kind of signature of every story, row by row: its values and its band hashes, both
    held as 32 bits (the values are stored as 64 but are below 2**32: half the memory, ~5 MB at
    3,000 stories)."""

    # a missing signature's values: a real signature has them all only for an empty set of shingles
    _NONE = 2**32 - 1
    values: np.ndarray  # allocated by the first put: an index that never holds a story needs no numpy
    bands: np.ndarray

    def __init__(self) -> None:
        self.size = 0  # rows allocated; rows past the stories are spare

    def put(self, n: int, sig: bytes | None) -> None:
        import numpy as np

        if n == self.size:  # grow by doubling: adding stays O(1) on average
            values, bands = np.empty((64, NUM_PERM), dtype=np.uint32), np.empty((64, _BANDS), dtype=np.uint32)
            if self.size:
                values = np.concatenate([self.values, np.empty_like(self.values)])
                bands = np.concatenate([self.bands, np.empty_like(self.bands)])
            self.values, self.bands, self.size = values, bands, len(values)
        self.values[n] = self._row(sig)
        self.bands[n] = _band_hashes(self.values[n])

    def keep(self, rows: list[int]) -> None:
        self.values[: len(rows)], self.bands[: len(rows)] = self.values[rows], self.bands[rows]

    def most_equal(self, sig: bytes, n: int, need: int) -> tuple[int, int]:
        """(equal values, row) of the closest of the first n rows; -1 for none that can reach `need`."""
        if not n:
            return -1, -1
        import numpy as np

        row = self._row(sig)
        if NUM_PERM - need < _BANDS:  # fewer values may differ than there are bands
            # the rows of the equal band hashes (a flat search and a shift are ~3x faster than
            # numpy's .any(axis=1) over 32 columns; at 7,500 stories 80 against 270 us)
            rows = np.unique(np.flatnonzero(self.bands[:n] == _band_hashes(row)) // _BANDS)
        else:
            rows = np.arange(n)
        if not rows.size:
            return -1, -1
        equal = np.count_nonzero(self.values[rows] == row, axis=1)
        at = int(equal.argmax())
        return int(equal[at]), int(rows[at])

    def _row(self, sig: bytes | None) -> np.ndarray:
        import numpy as np

        if sig is None or len(sig) != NUM_PERM * 8:
            return np.full(NUM_PERM, self._NONE, dtype=np.uint32)
        return np.frombuffer(sig, "<u8").astype(np.uint32)


def _band_hashes(values: np.ndarray) -> np.ndarray:
    """One number per band of BAND_ROWS values (wrapping arithmetic, kept to 32 bits; a collision
    only adds a candidate that the value-by-value comparison then rejects)."""
    import numpy as np

    mixed = values.reshape(_BANDS, BAND_ROWS).astype(np.uint64) * np.array(_BAND_MIX, np.uint64)
    return mixed.sum(axis=1, dtype=np.uint64).astype(np.uint32)
