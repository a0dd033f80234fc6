"""What every command module of the CLI shares: the settings state, error handling, JSON output.

cli.py defines the app and the top-level options; cli_alerts, cli_digest and cli_daemon add their
commands. They all import from here, so none of them imports cli.py (no import cycle).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from monitor.config import Settings, load_settings, parse_duration, secret_values
from monitor.errors import ConfigError, MonitorError, WatchlistError
from monitor.logs import setup_logging
from monitor.runtime import utc_now

err = Console(stderr=True, soft_wrap=True, highlight=False)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
SinceOption = Annotated[str, typer.Option("--since", help="How far back, e.g. 24h, 7d, 4w.")]


class State:
    """Options of the top-level callback, shared by every command."""

    config: Path | None = None
    log_level: str = "WARNING"
    log_json: bool = False
    _settings: Settings | None = None

    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config)
            setup_logging(
                level=self.log_level, json_format=self.log_json, secrets=secret_values(self._settings)
            )
        return self._settings


state = State()


@contextmanager
def user_errors() -> Iterator[None]:
    """Expected errors become one line on stderr and an exit code, never a traceback."""
    try:
        yield
    except (ConfigError, WatchlistError) as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from None
    except MonitorError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(1) from None


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def since_time(since: str) -> datetime:
    try:
        return utc_now() - parse_duration(since)
    except ValueError as exc:
        raise ConfigError("--since", str(exc)) from None
