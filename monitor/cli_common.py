"""What every command module of the CLI shares: the settings state, error handling, output.

cli.py defines the app and the top-level options; cli_alerts, cli_digest and cli_daemon add their
commands. They all import from here, so none of them imports cli.py (no import cycle).
The settings, the database and the composition root (app.py) are imported where they are used, not here: every
command imports this module, `monitor --help` too.

A user mistake ends as one line on stderr, `error: <what failed> <which thing>: <what to do>`
(a hint line at most), and a non-zero exit, never a traceback: the label says what failed
(`config`, `database`, `input`, `output`, `watchlists ...`), and usage mistakes (an unknown
option, a bad value) are reported the same way by `MonitorGroup`. Tracebacks stay for bugs.

Text from outside (feed titles, errors quoted from servers, file names) is printed through
consoles with Rich markup and emoji codes off, so `[bold` or `[/]` in a title is printed as it is.
"""

from __future__ import annotations

import errno
import functools
import json
import os
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from enum import StrEnum
from json.encoder import encode_basestring
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from monitor.errors import ConfigError, InputError, MonitorError, OutputError, StoreError, WatchlistError
from monitor.logs import DEFAULT_LEVEL, inert, setup_logging

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from sqlalchemy.orm import Session, sessionmaker

    from monitor.config import Settings

MAX_ROW_ID = 2**63 - 1  # the largest integer SQLite and PostgreSQL's bigint store


class _Stderr:
    """Our lines on stderr (counts, `error:` lines), as written: no Rich markup, highlighting or
    wrapping, so a command that prints no table (`monitor poll`, `--help`) does not load Rich
    (~40 modules). Text from outside goes through `inert` first."""

    def print(self, line: str, *, style: str | None = None) -> None:
        if style:  # bold, colour: Rich, on a terminal
            _console(stderr=True).print(line, style=style)
        else:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()


err = _Stderr()


def print_table(table: RenderableType) -> None:
    """A Rich table on stdout, fitted to the terminal."""
    _console(stderr=False).print(table)


@functools.cache
def _console(*, stderr: bool) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, soft_wrap=stderr, highlight=False, markup=False, emoji=False)


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
SinceOption = Annotated[str, typer.Option("--since", help="How far back, e.g. 24h, 7d, 4w.")]

# typer re-exports click's BadParameter (from click, or from the copy of click newer typer ships):
# its ancestors are the exceptions click raises for usage mistakes. The type checker reads them
# from the copy the installed typer ships.
if TYPE_CHECKING:
    from typer._click.exceptions import ClickException as _ClickException
    from typer._click.exceptions import UsageError as _UsageError
else:
    _UsageError, _ClickException = typer.BadParameter.__mro__[1:3]


class LogLevel(StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class State:
    """Options of the top-level callback, shared by every command."""

    config: Path | None = None
    log_level: str = DEFAULT_LEVEL
    log_json: bool = False
    _settings: Settings | None = None

    def settings(self) -> Settings:
        from monitor.config import load_settings, secret_values

        if self._settings is None:
            self._settings = load_settings(self.config)
            setup_logging(
                level=self.log_level, json_format=self.log_json, secrets=secret_values(self._settings)
            )
        return self._settings


state = State()


class MonitorGroup(TyperGroup):
    """The root command: usage mistakes (unknown option, bad value, missing argument) become one
    `error:` line and a hint, not click's usage box; the exit status is click's (2)."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
            code = result if isinstance(result, int) else 0
        except _UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # `monitor` alone: the help, not a mistake
                typer.echo(exc.format_message())
                code = 0
            else:
                _print_error(_sentence(exc.format_message()), _help_hint(exc))
                code = exc.exit_code
        except _ClickException as exc:
            _print_error(_sentence(exc.format_message()))
            code = exc.exit_code
        except typer.Abort:
            _print_error("interrupted")
            code = 1
        except OSError as exc:
            if exc.errno not in _NO_SPACE:
                raise
            _drop_stdout()
            _print_error(f"output stdout: cannot write: {(exc.strerror or str(exc)).lower()}")
            code = 1
        if standalone_mode:
            sys.exit(code)
        return code


# A full disk met by a write no command catches: standard output's (`> out.json`, /dev/full).
# Files are written through monitor.files (OutputError), the database has its own faults, and
# the disk cache and the log stand a full disk on their own.
_NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def _drop_stdout() -> None:
    """What is still buffered for standard output goes to /dev/null: the exit must not fail on it
    again."""
    with suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _sentence(message: str) -> str:
    """click's "Invalid value for '--x': ..." → "invalid value for '--x': ..." (our lines are lower case)."""
    message = message.strip().rstrip(".").replace("Value error, ", "")
    return message[:1].lower() + message[1:] if message[:2] != message[:2].upper() else message


def _help_hint(exc: Any) -> str | None:
    ctx = getattr(exc, "ctx", None)
    return f"see `{ctx.command_path} --help`" if ctx is not None else None


def _print_error(line: str, hint: str | None = None) -> None:
    err.print(f"error: {inert(line)}")
    if hint:
        err.print(inert(hint))


@contextmanager
def user_errors() -> Iterator[None]:
    """Expected errors become one line on stderr and an exit code, never a traceback:
    2 for configuration, watchlists and input files, 1 for the database and output files."""
    try:
        yield
    except (ConfigError, WatchlistError, InputError) as exc:
        _print_error(str(exc))
        raise typer.Exit(2) from None
    except MonitorError as exc:
        _print_error(str(exc))
        raise typer.Exit(1) from None


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def since_time(since: str) -> datetime:
    from monitor.app import utc_now
    from monitor.config import parse_duration

    try:
        return utc_now() - parse_duration(since)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--since'") from None


# --- the database --------------------------------------------------------------------------------


def database_label(url: str) -> str:
    """Where the database is, for error lines: the SQLite file, or the URL without its password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return "database_url"
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    return parsed.render_as_string(hide_password=True)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory SQLite)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def refuse_database(out: Path | None, settings: Settings) -> None:
    """OutputError when `--out` names the configured SQLite database or its -wal, -shm or
    -journal file: the report would replace the live database."""
    database = sqlite_file(settings.database_url)
    if out is None or database is None:
        return
    database = database.resolve()
    files = [database, *(database.with_name(database.name + end) for end in ("-wal", "-shm", "-journal"))]
    if out.resolve() in files:
        raise OutputError(out, f"would replace the database {database}: write somewhere else")


_STORE_LABEL = re.compile(r"^database(?: \w+)?:\s*")  # "database unreachable: ", "database error: "
_DRIVER_TAG = re.compile(r"\((?:sqlite3|psycopg)[\w.]*\)\s*")  # "(sqlite3.OperationalError) "
_SQLITE_HINTS = (
    ("readonly", "make the file and its folder writable, or set database_url to another file"),
    ("unable to open", "check that the folder exists and is writable, or set database_url"),
    ("not a database", "point database_url at a SQLite database, or move this file away"),
    ("disk", "free some space on its disk"),
)


@contextmanager
def open_database(settings: Settings, *, existing: bool = False) -> Iterator[sessionmaker[Session]]:
    """Sessions on the configured database, with errors that name it. existing=True is for
    commands that only read: a SQLite file that is not there is an error, never created."""
    from monitor.app import database
    from monitor.store import faults

    where = database_label(settings.database_url)
    path = sqlite_file(settings.database_url)
    if existing and path is not None and not path.exists():
        raise StoreError(
            f"database {where} does not exist: run `monitor poll` or `monitor db upgrade` first, "
            "or set database_url"
        )
    with database_errors(settings), database(settings) as sessions, faults():  # a full disk, a lock: one line
        yield sessions


@contextmanager
def database_errors(settings: Settings) -> Iterator[None]:
    """A StoreError from inside as one line naming the database, with a hint for SQLite faults
    (SQLAlchemy's own message adds a "Background on this error" line)."""
    try:
        yield
    except StoreError as exc:
        path = sqlite_file(settings.database_url)
        where = database_label(settings.database_url)
        raise StoreError(_name_database(str(exc), where, path is not None)) from None


def _name_database(message: str, where: str, is_sqlite: bool) -> str:
    """The store's message on one line with the file or server named after its label
    ("database unreachable: <where>: ..."), and a hint for SQLite faults."""
    first = message.splitlines()[0].strip()
    if where in first:
        return first
    label = _STORE_LABEL.match(first)
    prefix = label.group(0).rstrip(": ") if label else "database"
    prefix = "database" if prefix == "database error" else prefix
    reason = _DRIVER_TAG.sub("", first[label.end() :] if label else first)
    line = f"database {where}: {reason}" if prefix == "database" else f"{prefix}: {where}: {reason}"
    if is_sqlite:
        hint = next((h for key, h in _SQLITE_HINTS if key in reason.lower()), None)
        if hint:
            line += f": {hint}"
    return line


def matches_json(rows: list[dict[str, Any]], events: list[dict[str, Any]] | None = None) -> str:
    """`json.dumps({"matches": rows, "events": events}, ensure_ascii=False, indent=2)` (without
    "events" when None), byte for byte, without the pure-Python indenting encoder: each value goes
    through the C encoder (3x faster on a large text's hundred thousand matches)."""
    tail = "" if events is None else ',\n  "events": ' + _json_list(events)
    return '{\n  "matches": ' + _json_list(rows) + tail + "\n}"


def _json_list(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "[]"
    dump = json.JSONEncoder(ensure_ascii=False).encode
    keys: dict[str, str] = {}  # each key's JSON with its indent: the rows share a few keys

    def item(key: str, value: Any) -> str:
        if (head := keys.get(key)) is None:
            head = keys[key] = f"      {dump(key)}: "
        kind = type(value)  # what the encoder does for a str and an int, minus its dispatch
        return head + (
            encode_basestring(value) if kind is str else int.__repr__(value) if kind is int else dump(value)
        )

    items = [
        "    {\n" + ",\n".join([item(key, value) for key, value in row.items()]) + "\n    }" for row in rows
    ]
    return "[\n" + ",\n".join(items) + "\n  ]"
