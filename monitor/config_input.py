"""Where settings come from, before they are validated (monitor/config.py): the TOML file, the
MONITOR_* environment variables (and their _FILE forms, for secrets), and a validation error
turned into one message that names the key."""

from __future__ import annotations

import json
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from monitor.errors import ConfigError

ENV_PREFIX = "MONITOR_"
MAX_CONFIG_BYTES = 10_000_000  # thousands of sources; /dev/zero or an endless pipe is refused
MAX_SECRET_BYTES = 64_000  # a token, a password or a URL


def read_at_most(path: Path, limit: int) -> bytes:
    """At most `limit` + 1 bytes of the file at `path`: an endless one (/dev/zero, a pipe) must not
    fill the memory; the caller says what a longer file means."""
    with path.open("rb") as handle:
        return handle.read(limit + 1)


def is_named_pipe(path: Path) -> bool:
    """A FIFO in the file system: opening it waits for a writer, maybe forever (a command, or the
    daemon's reload on SIGHUP, would hang). One this process was handed (/dev/stdin, /dev/fd/N:
    `--config <(envsubst < monitor.toml)`) has its writer and is read."""
    if str(path) == "/dev/stdin" or str(path.parent) in ("/dev/fd", "/proc/self/fd"):
        return False
    try:
        return stat.S_ISFIFO(path.stat().st_mode)
    except OSError:
        return False  # reading it says why


def read_toml(path: Path) -> dict[str, Any]:
    """The config file's tables; a UTF-8 BOM (as Notepad saves it) is no part of the TOML."""
    try:
        if is_named_pipe(path):
            raise ConfigError("", f"{path} is a named pipe (FIFO), not a file: name the TOML file")
        data = read_at_most(path, MAX_CONFIG_BYTES)
        if len(data) > MAX_CONFIG_BYTES:
            raise ConfigError(
                "", f"{path} is larger than {MAX_CONFIG_BYTES // 1_000_000} MB: is it the TOML config?"
            )
        return tomllib.loads(data.decode("utf-8-sig"))
    except RecursionError:
        raise ConfigError("", f"{path}: arrays or tables nested too deeply") from None
    except FileNotFoundError:
        raise ConfigError("", f"file {path} not found") from None
    except IsADirectoryError:
        raise ConfigError("", f"{path} is a folder: name the TOML file") from None
    except OSError as exc:
        raise ConfigError("", f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError("", f"{path} is not UTF-8 text: is it the TOML config?") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("", f"{path}: {exc}") from None


def apply_environment(data: dict[str, Any], environ: Mapping[str, str], settings: type[BaseModel]) -> None:
    """MONITOR_<KEY> and MONITOR_<SECTION>_<KEY>[_FILE] into `data`, for the `settings` model;
    other MONITOR_* names are not ours."""
    sections = _sections(settings)
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        key = name[len(ENV_PREFIX) :].lower()
        from_file = key.endswith("_file")
        key = key.removesuffix("_file") if from_file else key
        section, _, field = key.partition("_")
        if section in sections and field in _fields(sections[section]):
            target, annotation = _fields(sections[section])[field]
            text = _read_secret_file(name, value) if from_file else value
            data.setdefault(section, {})[target] = _env_value(name, text, annotation)
        elif key in settings.model_fields and key not in sections:
            text = _read_secret_file(name, value) if from_file else value
            data[key] = _env_value(name, text, settings.model_fields[key].annotation)


def _read_secret_file(variable: str, path: str) -> str:
    if is_named_pipe(Path(path)):
        raise ConfigError(variable, f"{path} is a named pipe (FIFO), not a file: name the secret's file")
    try:
        data = read_at_most(Path(path), MAX_SECRET_BYTES)
        if len(data) > MAX_SECRET_BYTES:
            raise ConfigError(
                variable, f"{path} is larger than {MAX_SECRET_BYTES // 1000} KB: is it the secret's file?"
            )
        return data.decode("utf-8-sig").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise ConfigError(variable, f"cannot read {path}: {reason}") from None


def _sections(settings: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """Each [section] of the settings and its model: the fields whose default is a model."""
    return {
        name: type(f.default) for name, f in settings.model_fields.items() if isinstance(f.default, BaseModel)
    }


def _fields(model: type[BaseModel]) -> dict[str, tuple[str, Any]]:
    """Environment spelling → (TOML key, type) for one section's fields."""
    return {name.rstrip("_"): (f.alias or name, f.annotation) for name, f in model.model_fields.items()}


def _env_value(variable: str, value: str, annotation: Any) -> Any:
    """For a list field, a JSON list (MONITOR_WEBHOOKS='[{"name": "ops", "url": "..."}]'), or
    a comma-separated one of plain values: MONITOR_EMAIL_TO=a@x,b@y. A list of tables has no
    comma-separated form: its value must be JSON."""
    if getattr(annotation, "__origin__", None) is not list:
        return value
    (element,) = annotation.__args__
    if value.lstrip().startswith("[") or (isinstance(element, type) and issubclass(element, BaseModel)):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ConfigError(variable, f"not valid JSON ({exc.msg}, column {exc.colno})") from None
        except RecursionError:
            raise ConfigError(variable, "JSON arrays or objects nested too deeply") from None
    return [item.strip() for item in value.split(",") if item.strip()]


def config_error(exc: ValidationError, data: dict[str, Any], path: str = "") -> ConfigError:
    """The first error, its key named; a [[sources]] entry's also names the file it is in."""
    error = exc.errors()[0]
    key = _key_name(error["loc"], data)
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    if path and error["loc"][0] == "sources":
        message += f" (in {path})"
    return ConfigError(key, message)


def _key_name(loc: tuple[Any, ...], data: dict[str, Any]) -> str:
    """('sources', 2, 'interval') → 'sources[2] (id "x").interval'-style names people can find."""
    parts: list[str] = []
    node: Any = data
    for item in loc:
        if isinstance(item, int):
            ident = node[item].get("id") if isinstance(node, list) and isinstance(node[item], dict) else None
            parts[-1] += f"[{item}]" + (f" (id {ident!r})" if ident else "")
        else:
            parts.append(str(item))
        node = node[item] if isinstance(node, (dict, list)) and _has(node, item) else None
    return ".".join(parts)


def _has(node: dict | list, item: Any) -> bool:
    return item in node if isinstance(node, dict) else isinstance(item, int) and item < len(node)
