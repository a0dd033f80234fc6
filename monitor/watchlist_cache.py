"""The loaded watchlists, cached on disk beside the alias automaton.

Every `monitor poll` and `monitor match` process needs the watchlists, and reading them (YAML with
line numbers, validation, the cross-file checks) costs about 0.15 CPU-s, more than a poll of
unchanged feeds spends on anything but imports. So a Watchlist that loaded cleanly is pickled to
`watchlist-<hash>.pickle` in the cache folder (`monitor.disk_cache`), under a hash of the
folder's path, every `*.yaml` file in it (name and bytes) and the code of the whole `monitor`
package with the Python, pydantic and PyYAML versions: an edit to a file or to the code loads and
checks the files again. Only a clean load is cached, so every mistake is still reported; `monitor
watchlists validate` never reads the cache.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from importlib.metadata import version
from pathlib import Path

import monitor
from monitor import disk_cache
from monitor.watchlists import Watchlist, load_watchlists, shortcomings

logger = logging.getLogger(__name__)


def load_cached(folder: Path) -> Watchlist:
    """`load_watchlists(folder)`, from the cache when it holds exactly these files and this code;
    what it lacks (`shortcomings`) is logged as a warning on every load, cached or not."""
    watchlist = _load(folder)
    for shortcoming in shortcomings(folder, watchlist):
        logger.warning("watchlists.incomplete", extra={"fields": {"problem": shortcoming}})
    return watchlist


def _load(folder: Path) -> Watchlist:
    key = _digest(folder) if folder.is_dir() else None
    if key is None:
        return load_watchlists(folder)
    path = disk_cache.cache_path("watchlist", key)
    cached = disk_cache.load(path)
    if isinstance(cached, Watchlist):
        return cached
    watchlist = load_watchlists(folder)  # raises the first WatchlistError: nothing is cached
    disk_cache.save(path, watchlist)
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
