"""The alias automaton: every key of every alias in one Aho-Corasick automaton, cached on disk.

Building it (the key table with its common-word guard, then a few tens of thousands of
`add_word` calls and `make_automaton`) costs about half a second for the shipped watchlists,
which every `monitor match` process would pay. So the built automaton and its tables are kept in
the user's cache folder (`monitor.disk_cache`) under a hash of the aliases and of the code that
makes them (this module, `monitor.variants`, `monitor.normalise`, the package and pyahocorasick
versions).

The automaton stores an int per key (an index into the key table): the matcher makes its
per-key objects only for keys that a text actually hits.

Arabic keys with their proclitics (والقائم, وبالقائم, للقائم ...) are a third of the key table
and, since each starts with its own letters, would be two thirds of the automaton's nodes
(~290,000 of 650,000 for the shipped lists: 12 MB of RSS in every process that matches). So
only their cores go into the automaton (القائم, padded with a space after it but not before:
not وبالقائم nor للقائم, which is ل before قائم when that is a key), and `Keys.hits` reads what
stands between the word's start and the core: nothing (the core itself) or a proclitic, whose
key it looks up in `Keys.forms`; anything else (انتهيت for هيت) is no hit. The keys found, and
so the matches, are those of an automaton of every key padded on both sides.

A large list is built in a child process that writes the cache, then read back from it: the
build's key tables peak ~200 MB above the ~30 MB the automaton keeps (the shipped lists), and
CPython hands little freed memory back to the system, so a daemon that built it itself (its first
start after an install or an upgrade) would hold that peak for its whole life: 280 MB of RSS
after the build against 85 MB with the cache warm.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import struct
import subprocess
import sys
import time
from array import array
from collections.abc import Iterator, Mapping
from importlib.metadata import version
from itertools import accumulate
from pathlib import Path
from typing import NamedTuple

import ahocorasick

import monitor
from monitor import disk_cache, normalise, variants
from monitor.normalise import is_arabic
from monitor.variants import LONGEST_PROCLITIC, PROCLITICS

Row = tuple[str, int, bool, int, tuple[str, ...]]  # entity id, alias index, suffix, rank, rules
AliasRow = tuple[str, int, str, bool, bool]  # entity id, alias index, text, case sensitive, spellings
_FORMAT = 4
_ROW = struct.Struct("<IIBI")  # entity, alias index, suffix and rank, rule set
_SUFFIX, _RANK = 0x10, 0x0F
# An Arabic core's value in the automaton: its index, its length (< 2**8) and a low bit that
# marks it as a core; another key's value is its index shifted left one bit.
_CORE, _LENGTH = 1, 0xFF
_SLOTS = {proclitic: slot for slot, proclitic in enumerate(sorted(PROCLITICS))}
_PROCLITIC_ENDS = frozenset(proclitic[-1] for proclitic in PROCLITICS)
_NO_KEY = -1
CHILD_BUILD_ALIASES = 500  # fewer aliases leave a few MB of garbage: less than a child's start costs
CHILD_TIMEOUT = 600  # seconds; the shipped lists take 1-3 s
# The child imports this package from where the parent's came (argv[1]), not whatever its path finds.
_CHILD = (
    "import pickle, sys; sys.path.insert(0, sys.argv[1]); from monitor import automaton; "
    "automaton.build_to_cache(*pickle.load(sys.stdin.buffer))"
)

logger = logging.getLogger(__name__)


class Keys(NamedTuple):
    """The automaton (padded key or Arabic core -> index) and, per index, its key and the alias
    rows it stands for, packed one key at a time (`record`): loading the cache then reads a few
    large objects instead of unpickling tens of thousands of small ones, and the 160,000 rows
    of the shipped lists take 2 MB instead of the 11 MB of their marshalled tuples."""

    automaton: ahocorasick.Automaton
    records: bytes  # per key: the key in UTF-8, a NUL, its rows (`_ROW`)
    offsets: array[int]  # key i's record is records[offsets[i] : offsets[i + 1]]
    entity_ids: tuple[str, ...]  # a row's entity, by number
    rule_sets: tuple[tuple[str, ...], ...]  # a row's variant rules, by number
    withheld: dict[str, str]  # generated keys the precision guard dropped, and why
    tails: frozenset[str]  # the last word of every key of two words or more (a quick filter)
    form_rows: dict[int, int]  # an Arabic core's index -> its row of `forms`
    forms: array[int]  # per row, per proclitic (`_SLOTS`), the index of the key core+proclitic

    @property
    def size(self) -> int:
        return len(self.offsets) - 1

    def record(self, index: int) -> tuple[str, list[Row]]:
        """Key `index` (unpadded) and the alias rows it stands for."""
        key, _, rows = self.records[self.offsets[index] : self.offsets[index + 1]].partition(b"\0")
        return key.decode(), [
            (self.entity_ids[entity], alias, bool(form & _SUFFIX), form & _RANK, self.rule_sets[rules])
            for entity, alias, form, rules in _ROW.iter_unpack(rows)
        ]

    def hits(self, text: str) -> Iterator[tuple[int, int]]:
        """(end, index) of every key standing as whole words in folded `text`, in the order of
        their ends (the longest first at one end); `end` indexes ` text ` (padded) at the space
        after the key."""
        padded = f" {text} "
        for end, value in self.automaton.iter(padded):
            if not value & _CORE:
                yield end, value >> 1
                continue
            index, start = value >> 9, end - (value >> 1 & _LENGTH) + 1
            before = padded[start - 1]
            if before == " ":
                yield end, index
                continue
            if before not in _PROCLITIC_ENDS:  # most cores inside a word: انتهيت for هيت
                continue
            proclitic = padded[padded.rfind(" ", 0, start) + 1 : start]
            if len(proclitic) <= LONGEST_PROCLITIC and (form := self._form(index, proclitic)) is not None:
                yield end, form

    def index_of(self, key: str) -> int | None:
        """The index of `key` (folded, unpadded), or None when it is no key."""
        value = self.automaton.get(f" {key} ", None)
        if value is not None:
            return value >> 1
        for cut in range(min(LONGEST_PROCLITIC, len(key) - 1), -1, -1):
            core = self.automaton.get(f"{key[cut:]} ", None)
            if core is None or not core & _CORE:
                continue
            if not cut:
                return core >> 9
            if (form := self._form(core >> 9, key[:cut])) is not None:
                return form
        return None

    def _form(self, core: int, proclitic: str) -> int | None:
        """The index of the key `proclitic` + key `core`, or None when there is none."""
        slot, row = _SLOTS.get(proclitic), self.form_rows.get(core)
        if slot is None or row is None:
            return None
        form = self.forms[row * len(_SLOTS) + slot]
        return form if form != _NO_KEY else None


def alias_keys(aliases: list[AliasRow]) -> Keys:
    """The automaton of `aliases`, from the cache when it holds one for exactly these aliases and
    this code, else built (and cached when the cache folder is writable)."""
    path = disk_cache.cache_path("automaton", _digest(aliases))
    cached = _load(path)
    if cached is not None:
        return cached
    # the first start after an install, an upgrade or an edit of the lists: seconds, said so
    logger.info("automaton.building", extra={"fields": {"aliases": len(aliases)}})
    started = time.monotonic()
    if len(aliases) >= CHILD_BUILD_ALIASES and _built_in_child(aliases, path):
        cached = _load(path)
    keys = cached if cached is not None else build_to_cache(aliases, path)
    logger.info(
        "automaton.built",
        extra={"fields": {"keys": keys.size, "seconds": round(time.monotonic() - started, 1)}},
    )
    return keys


def build_to_cache(aliases: list[AliasRow], path: Path) -> Keys:
    """Build the automaton and cache it at `path` (when the folder is writable)."""
    built = build(aliases)
    disk_cache.save(path, tuple(built))
    return built


def _built_in_child(aliases: list[AliasRow], path: Path) -> bool:
    """Whether a child process built the automaton and cached it at `path` (see the module
    docstring); when not (a folder that cannot be written, a child that failed), the caller
    builds it in this process."""
    if not disk_cache.writable():
        return False
    package_root = str(Path(monitor.__file__).resolve().parents[1])
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, package_root],
            input=pickle.dumps((aliases, path)), capture_output=True, timeout=CHILD_TIMEOUT,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError) as exc:
        logger.warning("automaton.child_build_failed", extra={"fields": {"error": str(exc)}})
        return False
    if done.returncode != 0:
        last = (done.stderr.decode(errors="replace").strip().splitlines() or [""])[-1]
        logger.warning("automaton.child_build_failed", extra={"fields": {"error": last[:300]}})
        return False
    return True


def build(aliases: list[AliasRow]) -> Keys:
    table, withheld = variants.key_table(aliases)
    automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS, ahocorasick.KEY_STRING)
    entity_ids: dict[str, int] = {}
    rule_sets: dict[tuple[str, ...], int] = {}
    records = [_packed(key, rows, entity_ids, rule_sets) for key, rows in table.items()]
    index_of = {key: index for index, key in enumerate(table)}
    cores, forms = _arabic_cores(index_of)
    for index, key in enumerate(table):
        if key in cores:
            automaton.add_word(f"{key} ", index << 9 | (len(key) + 1) << 1 | _CORE)
        elif key not in forms:
            automaton.add_word(f" {key} ", index << 1)
    if table:
        automaton.make_automaton()
    offsets = array("I", accumulate((len(r) for r in records), initial=0))
    tails = frozenset(key.rsplit(" ", 1)[1] for key in table if " " in key)
    form_rows: dict[int, int] = {}
    slots = array("i")
    for key, (core, proclitic) in forms.items():
        if (row := form_rows.get(index_of[core])) is None:
            row = form_rows[index_of[core]] = len(form_rows)
            slots.extend([_NO_KEY] * len(_SLOTS))
        slots[row * len(_SLOTS) + _SLOTS[proclitic]] = index_of[key]
    numbered = (tuple(entity_ids), tuple(rule_sets))
    return Keys(automaton, b"".join(records), offsets, *numbered, withheld, tails, form_rows, slots)


def _packed(
    key: str, rows: list[Row], entity_ids: dict[str, int], rule_sets: dict[tuple[str, ...], int]
) -> bytes:
    """Key `key`'s record, numbering its rows' entities and rule sets as they come."""
    packed = [key.encode(), b"\0"]
    for entity, alias, suffix, rank, rules in rows:
        number = entity_ids.setdefault(entity, len(entity_ids))
        rule_set = rule_sets.setdefault(tuple(rules), len(rule_sets))
        packed.append(_ROW.pack(number, alias, (_SUFFIX if suffix else 0) | rank, rule_set))
    return b"".join(packed)


def _arabic_cores(index_of: Mapping[str, int]) -> tuple[set[str], dict[str, tuple[str, str]]]:
    """The Arabic keys that are no other Arabic key behind a proclitic (the cores), and each
    other Arabic key as (its core, the proclitic before it); a key that is a proclitic before a
    form but before no core (a proclitic before a proclitic) counts as a core."""
    arabic = {key for key in index_of if is_arabic(key[0]) and len(key) < _LENGTH}
    cores = {key for key in arabic if not any(_behind(key, p) in arabic for p in _proclitics_of(key))}
    forms: dict[str, tuple[str, str]] = {}
    for key in sorted(arabic - cores, key=len):  # the shorter first: a key's remainder is settled before it
        proclitic = next((p for p in _proclitics_of(key) if _behind(key, p) in cores), None)
        if proclitic is None:
            cores.add(key)
        else:
            forms[key] = (_behind(key, proclitic), proclitic)
    return cores, forms


def _proclitics_of(key: str) -> list[str]:
    """The proclitics `key` starts with and that leave a word behind them, the longest first."""
    cuts = range(min(LONGEST_PROCLITIC, len(key) - 1), 0, -1)
    return [key[:cut] for cut in cuts if key[:cut] in PROCLITICS and key[cut] != " "]


def _behind(key: str, proclitic: str) -> str:
    return key[len(proclitic) :]


def _digest(aliases: list[AliasRow]) -> str:
    digest = hashlib.sha256(
        repr((_FORMAT, monitor.__version__, version("pyahocorasick"), sys.version, aliases)).encode()
    )
    for module in (sys.modules[__name__], variants, normalise):
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()[:32]


def _load(path: Path) -> Keys | None:
    """The cached automaton at `path`, or None when there is none or it is not whole."""
    loaded = disk_cache.load(path)
    try:
        keys = Keys(*loaded)  # type: ignore[misc]
    except TypeError:  # none, or an older layout
        return None
    return keys if isinstance(keys.automaton, ahocorasick.Automaton) else None
