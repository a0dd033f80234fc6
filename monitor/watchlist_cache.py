"""The loaded watchlists, cached on disk beside the alias automaton.

Every `monitor poll` and `monitor match` process needs the watchlists, and reading them (YAML with
line numbers, validation, the cross-file checks) costs about 0.15 CPU-s, more than a poll of
unchanged feeds spends on anything but imports. So a Watchlist that loaded cleanly is pickled to
`watchlist-<hash>.pickle` in the cache folder (`monitor.automaton.cache_dir`), under a hash of the
folder's path, every `*.yaml` file in it (name and bytes) and the code of the whole `monitor`
package with the Python, pydantic and PyYAML versions: an edit to a file or to the code loads and
checks the files again. Only a clean load is cached, so every mistake is still reported; `monitor
watchlists validate` never reads the cache. As for the automaton, the file is written atomically
and starts with a SHA-256 of its payload: a damaged or foreign file is ignored, an unwritable
folder only costs the load.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from importlib.metadata import version
from pathlib import Path

import monitor
from monitor.automaton import cache_dir
from monitor.errors import OutputError
from monitor.files import write_atomic
from monitor.watchlists import Watchlist, load_watchlists

_KEEP = 8  # cached watchlists kept: the shipped ones, a test folder or two, an edit in progress


def load_cached(folder: Path) -> Watchlist:
    """`load_watchlists(folder)`, from the cache when it holds exactly these files and this code."""
    key = _digest(folder) if folder.is_dir() else None
    if key is None:
        return load_watchlists(folder)
    path = cache_dir() / f"watchlist-{key}.pickle"
    cached = _load(path)
    if cached is not None:
        return cached
    watchlist = load_watchlists(folder)  # raises the first WatchlistError: nothing is cached
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = pickle.dumps(watchlist, protocol=pickle.HIGHEST_PROTOCOL)
        write_atomic(path, hashlib.sha256(payload).digest() + payload)
        _prune(path.parent)
    except (OSError, OutputError, pickle.PicklingError):
        pass
    return watchlist


def _digest(folder: Path) -> str | None:
    versions = (sys.version, version("pydantic"), version("PyYAML"), str(folder))
    digest = hashlib.sha256(repr(versions).encode())
    code = sorted(Path(monitor.__file__).parent.rglob("*.py"))
    try:
        for path in [*sorted(folder.glob("*.yaml")), *code]:
            data = path.read_bytes()
            digest.update(f"{path.name}\0{len(data)}\0".encode() + data)
    except OSError:
        return None
    return digest.hexdigest()[:32]


def _load(path: Path) -> Watchlist | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    payload = memoryview(data)[32:]
    if hashlib.sha256(payload).digest() != data[:32]:
        return None
    try:
        loaded = pickle.loads(payload)
    except Exception:  # a file of another layout that kept its hash: load the files, never crash
        return None
    return loaded if isinstance(loaded, Watchlist) else None


def _prune(folder: Path) -> None:
    cached = sorted(folder.glob("watchlist-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in cached[_KEEP:]:
        stale.unlink(missing_ok=True)
