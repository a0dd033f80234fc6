"""Compile a monitor checkout's modules before a benchmark runs it.

An installed package has its bytecode written at install time; an editable install or an unpacked
commit gets it on the first run, unless the environment forbids writing it
(PYTHONDONTWRITEBYTECODE=1, as on the development machine): then every process compiles each
monitor module it imports again (~0.15 CPU-s of a zero-source poll, measured), a cost no installed
deployment and no peer (whose site-packages pip compiled) pays.
"""

from __future__ import annotations

import compileall
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def compile_checkout(folder: Path | None = None) -> None:
    """Write the bytecode of `folder`'s monitor package and migrations (default: this checkout)."""
    root = folder or REPO
    for package in ("monitor", "migrations"):
        compileall.compile_dir(root / package, quiet=1)
