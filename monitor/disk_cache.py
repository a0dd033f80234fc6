"""Pickled values cached on disk, each file written whole or not at all.

The alias automaton, the loaded watchlists and the compiled event typer are costly to build and
cheap to read back, so each is pickled to `<kind>-<key>.pickle` in the user's cache folder
(`$XDG_CACHE_HOME`, else `~/.cache`, then `border-monitor/`), the key a hash of everything it was
built from. A file is written atomically (`monitor.files.write_atomic`) and starts with a SHA-256
of its payload: a half-written, damaged or foreign file is ignored and the value built again, and
a folder that cannot be written only costs the build. The most recent few files of a kind are kept.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

from monitor.errors import OutputError
from monitor.files import write_atomic

KEEP = 8  # files kept per kind: the shipped lists, a test fixture or two, an edit in progress


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "border-monitor"


def cache_path(kind: str, key: str) -> Path:
    return cache_dir() / f"{kind}-{key}.pickle"


def writable() -> bool:
    """Whether the cache folder exists or can be made, and can be written to."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


def load(path: Path) -> object | None:
    """The value pickled at `path`, or None when there is none or it is not whole. A file of
    another layout that kept its hash is None too: the caller checks the type and rebuilds.

    The file is hashed, then unpickled, as a stream: read whole into memory first, a 36 MB
    automaton file stood beside the objects made from it, and the load's peak (+103 MB, of which
    45 MB are kept) was `monitor match`'s (145 MB); streamed, +68 MB (110 MB)."""
    try:
        with path.open("rb") as f:
            checksum = f.read(32)
            if hashlib.file_digest(f, "sha256").digest() != checksum:
                return None
            f.seek(len(checksum))
            try:
                return pickle.load(f)
            except Exception:  # an older layout: rebuild, never crash
                return None
    except OSError:
        return None


def save(path: Path, value: object) -> None:
    """Pickle `value` to `path` and prune the kind's older files; a failure only loses the cache."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        write_atomic(path, hashlib.sha256(payload).digest() + payload)
        kind = path.name.rsplit("-", 1)[0]
        cached = sorted(path.parent.glob(f"{kind}-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in cached[KEEP:]:
            stale.unlink(missing_ok=True)
    except (OSError, OutputError, pickle.PicklingError):
        pass
