"""Files people name or get: read with errors that say why, written whole or not at all.

`write_atomic` writes a temporary file in the same folder, then renames it: a reader, a crash
or a full disk never leaves a half-written or empty file behind, and a failed write keeps what
was there before. Every file the monitor writes for people (OPML, TOML, YAML stubs, digests)
goes through it. Errors (InputError, OutputError) name the file or folder and say what to do.
"""

from __future__ import annotations

import errno
import os
import sys
import tempfile
from contextlib import suppress
from pathlib import Path

from monitor.errors import InputError, OutputError

MAX_INPUT_BYTES = 50_000_000  # a text, an OPML list or a report: 5x a feed's largest response
NEW_FILE_MODE = 0o644  # what a plain open() gives under the usual umask; mkstemp alone gives 0600


def read_input(path: Path) -> bytes:
    """A file named by the user (`-`: standard input), or InputError saying why it cannot be read.
    Read up to `MAX_INPUT_BYTES`: /dev/zero or an endless pipe must not fill the memory."""
    from monitor.config_input import read_at_most  # as the config is read; here: `--help` needs no pydantic

    try:
        if str(path) == "-":
            data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        else:
            data = read_at_most(path, MAX_INPUT_BYTES)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise InputError(path, "no such file: check the path") from None
        if exc.errno == errno.EISDIR:
            raise InputError(path, "is a folder: name a file") from None
        raise InputError(path, f"cannot read it: {exc.strerror or exc}") from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(
            path, f"is larger than {MAX_INPUT_BYTES // 1_000_000} MB: split it or name a smaller file"
        )
    return data


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write data (str as UTF-8) to path through a temporary file and a rename; OutputError if not.

    A symbolic link is written through (its target is replaced, the link stays), and a path that
    is no regular file (a pipe, /dev/stdout, a terminal) is written to directly: a rename would
    put a file in its place."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if path.is_dir():
        raise OutputError(path, "is a folder: name a file to write")
    if path.exists() and not path.is_file():  # through links: a pipe, a device, /dev/stdout
        _write_through(path, payload)
        return
    if path.is_symlink():  # to a file, or to none yet
        path = path.resolve()
    folder = path.parent
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(path, describe_write_error(exc, folder)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, path.stat().st_mode & 0o7777 if path.exists() else NEW_FILE_MODE)
        os.replace(temporary, path)
    except OSError as exc:
        with suppress(OSError):
            os.unlink(temporary)
        raise OutputError(path, describe_write_error(exc, folder)) from None


def _write_through(path: Path, payload: bytes) -> None:
    try:
        with path.open("wb") as handle:
            handle.write(payload)
    except OSError as exc:
        raise OutputError(path, describe_write_error(exc, path.parent)) from None


def check_writable_folder(folder: Path) -> None:
    """Create folder if needed and make sure a file can be created in it; OutputError if not.
    For a folder the user configured (digest.out_dir), checked before any work is done."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(folder, describe_write_error(exc, folder.parent)) from None
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise OutputError(folder, describe_write_error(exc, folder)) from None


def describe_write_error(exc: OSError, folder: Path) -> str:
    """What went wrong writing into folder, and what to do about it, in words."""
    where = str(folder) or "."
    if exc.errno == errno.ENOENT:
        return f"folder {where} does not exist: create it or write somewhere else"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"folder {where} is not writable ({exc.strerror}): write somewhere else or fix its permissions"
    if exc.errno == errno.ENOTDIR:
        return f"{where} is not a folder"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"no space left in {where}: nothing was written; free some space and try again"
    return f"cannot write into {where}: {exc.strerror or exc}"
