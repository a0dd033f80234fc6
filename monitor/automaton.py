"""The alias automaton: every key of every alias in one Aho-Corasick automaton, cached on disk.

Building it (the key table with its common-word guard, then a few tens of thousands of
`add_word` calls and `make_automaton`) costs about half a second for the shipped watchlists,
which every `monitor match` process would pay. So the built automaton and its tables are kept in
the user's cache folder (`monitor.disk_cache`) under a hash of the aliases and of the code that
makes them (this module, `monitor.variants`, `monitor.normalise`, the package and pyahocorasick
versions).

The automaton stores an int per key (an index into `Keys.rows`): the matcher makes its
per-key objects only for keys that a text actually hits.

A large list is built in a child process that writes the cache, then read back from it: the
build's key tables peak ~200 MB above the ~40 MB the automaton keeps (the shipped lists), and
CPython hands little freed memory back to the system, so a daemon that built it itself (its first
start after an install or an upgrade) would hold that peak for its whole life: 280 MB of RSS
after the build against 85 MB with the cache warm.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import pickle
import subprocess
import sys
from array import array
from importlib.metadata import version
from itertools import accumulate
from pathlib import Path
from typing import NamedTuple

import ahocorasick

import monitor
from monitor import disk_cache, normalise, variants

Row = tuple[str, int, bool, int, tuple[str, ...]]  # entity id, alias index, suffix, rank, rules
AliasRow = tuple[str, int, str, bool]  # entity id, alias index, text, case sensitive
_FORMAT = 2
CHILD_BUILD_ALIASES = 500  # fewer aliases leave a few MB of garbage: less than a child's start costs
CHILD_TIMEOUT = 600  # seconds; the shipped lists take 1-3 s
# The child imports this package from where the parent's came (argv[1]), not whatever its path finds.
_CHILD = (
    "import pickle, sys; sys.path.insert(0, sys.argv[1]); from monitor import automaton; "
    "automaton.build_to_cache(*pickle.load(sys.stdin.buffer))"
)

logger = logging.getLogger(__name__)


class Keys(NamedTuple):
    """The automaton (padded key -> index) and, per index, its key and the alias rows it stands
    for, marshalled one key at a time (`record`): loading the cache then reads a few large
    objects instead of unpickling tens of thousands of small ones."""

    automaton: ahocorasick.Automaton
    records: bytes
    offsets: array[int]  # key i's record is records[offsets[i] : offsets[i + 1]]
    withheld: dict[str, str]  # generated keys the precision guard dropped, and why
    tails: frozenset[str]  # the last word of every key of two words or more (a quick filter)

    @property
    def size(self) -> int:
        return len(self.offsets) - 1

    def record(self, index: int) -> tuple[str, list[Row]]:
        """Key `index` (unpadded) and the alias rows it stands for."""
        return marshal.loads(self.records[self.offsets[index] : self.offsets[index + 1]])


def alias_keys(aliases: list[AliasRow]) -> Keys:
    """The automaton of `aliases`, from the cache when it holds one for exactly these aliases and
    this code, else built (and cached when the cache folder is writable)."""
    path = disk_cache.cache_path("automaton", _digest(aliases))
    cached = _load(path)
    if cached is not None:
        return cached
    if len(aliases) >= CHILD_BUILD_ALIASES and _built_in_child(aliases, path):
        cached = _load(path)
        if cached is not None:
            return cached
    return build_to_cache(aliases, path)


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
    records = [marshal.dumps((key, rows)) for key, rows in table.items()]
    for index, key in enumerate(table):
        automaton.add_word(f" {key} ", index)
    if table:
        automaton.make_automaton()
    offsets = array("Q", accumulate((len(r) for r in records), initial=0))
    tails = frozenset(key.rsplit(" ", 1)[1] for key in table if " " in key)
    return Keys(automaton, b"".join(records), offsets, withheld, tails)


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
