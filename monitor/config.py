"""Settings: embedded defaults, then a TOML file, then MONITOR_* environment variables.

Read once, here, and passed down; nothing else reads the environment. Every error names the key
(`sources[3].interval`, `slack.webhook_url`) so a bad file is a one-line message, not a traceback.

Sources: the bundled defaults (`monitor/sources.toml`) are always loaded unless
`default_sources = false`; a `[[sources]]` entry in the file adds a source, or overrides the
bundled one with the same id (e.g. `enabled = false`), so adding a source is a few lines of TOML.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
import tomllib
from datetime import timedelta
from email.utils import parseaddr
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from monitor.config_input import apply_environment, config_error, read_toml
from monitor.kinds import KINDS
from monitor.records import SOURCE_LABELS, Source

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


# A century: any interval, window or --since a user means, far from where dates overflow (year 9999)
LONGEST_DURATION = timedelta(days=36_500)


def parse_duration(text: str) -> timedelta:
    """'30s', '15m', '1h', '1h30m', '7d' → timedelta; ValueError on anything else."""
    compact = text.strip().lower().replace(" ", "")
    parts = _DURATION.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise ValueError(f"{text!r} is not a duration (use 30s, 15m, 1h, 7d)")
    seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds <= 0:
        raise ValueError(f"{text!r} must be longer than zero")
    if seconds > LONGEST_DURATION.total_seconds():
        raise ValueError(f"{text!r} is longer than {LONGEST_DURATION.days} days")
    return timedelta(seconds=seconds)


def _check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL")
    if _NOT_IN_URL.search(value):  # httpx refuses it at every poll ("InvalidURL")
        raise ValueError(f"{value!r} holds a space, a quote or a control character: percent-encode it")
    return value


_NOT_IN_URL = re.compile(r"[\x00-\x20\x7f\"<>]")


def _check_secret_url(value: SecretStr, schemes: tuple[str, ...], what: str, example: str) -> SecretStr:
    """A URL that carries a secret (webhook, SMTP password): checked without quoting it back."""
    text = value.get_secret_value().strip()
    if not text:
        return value
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise ValueError(f"not a URL (its port is not a number): use {example}") from None
    if parts.scheme.lower() not in schemes or not parts.hostname:
        given = f"{parts.scheme}://..." if "://" in text else "no scheme"
        raise ValueError(f"not {what} with a host ({given}): use {example}")
    return value


# what an HTTP header may hold: its name a token, its value printable ASCII on one line (httpx
# refuses anything else at the request, and a line break would start another header)
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_PRINTABLE = re.compile(r"[\x20-\x7e\t]*")


def _check_header_value(value: str) -> str:
    if not _PRINTABLE.fullmatch(value):
        raise ValueError(f"{value!r} must be printable ASCII on one line: it is sent as an HTTP header")
    return value


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not a time zone (e.g. UTC, Asia/Baghdad)") from None
    return value


def _check_address(value: str) -> str:
    """An email address, bare or with a name ("Analysts <analysts@example.org>")."""
    local, _, domain = parseaddr(value)[1].rpartition("@")
    if not local or "." not in domain and domain != "localhost":
        raise ValueError(f"{value!r} is not an email address (name@example.org)")
    return value


_WEBHOOK_URL = (("https", "http"), "an http(s) URL", "https://hooks.slack.com/services/...")
_SMTP_URL = (
    ("smtp", "smtps"),
    "an smtp:// or smtps:// URL",
    "smtp://host:587?starttls=true or smtps://host:465",
)

# SQLAlchemy URL schemes we run on, and the module each one's driver needs.
DATABASE_DRIVERS = {
    "sqlite": "sqlite3",
    "sqlite+pysqlite": "sqlite3",
    "postgres": "psycopg",
    "postgresql": "psycopg",
    "postgresql+psycopg": "psycopg",
    "postgresql+psycopg2": "psycopg2",
}


def _check_database_url(value: str) -> str:
    scheme = value.partition("://")[0].lower() if "://" in value else ""
    if scheme not in DATABASE_DRIVERS:
        given = f"{scheme}:// is not supported" if scheme else f"{value!r} is not a database URL"
        raise ValueError(f"{given}: use sqlite:///monitor.db or postgresql://user@host/db")
    rest = value.partition("://")[2]
    if scheme.startswith("sqlite") and rest and not rest.startswith("/"):
        raise ValueError(
            f"{value!r} names a host, not a file: use sqlite:///{rest} (relative) or sqlite:////path/to.db"
        )
    if scheme.startswith("sqlite") and rest.partition("?")[0] in ("", "/", "/:memory:"):
        raise ValueError("an in-memory SQLite database keeps nothing: name a file (sqlite:///monitor.db)")
    try:
        _ = urlsplit(value).port  # raises for a port that is no number, a bracket left open
    except ValueError as exc:
        hint = "use postgresql://user@host:5432/db"
        raise ValueError(f"its host or port cannot be read ({exc}): {hint}") from None
    module = DATABASE_DRIVERS[scheme]
    try:
        importlib.import_module(module)  # installed, and its C library (libpq) loads
    except ImportError as exc:
        reason = f"needs the Python package {module!r}, which fails to load: {exc}"
        raise ValueError(f"{scheme}:// {reason}") from None
    return value


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SourceSettings(_Section):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = ""
    url: str
    kind: str = "rss"  # a name in monitor.kinds.KINDS
    language: str = "en"
    interval: str = "15m"
    label: str = ""  # one of SOURCE_LABELS (empty: unlabelled)
    owner: str = ""  # free text: who owns or runs the outlet
    enabled: bool = True
    full_text: bool = False
    user_agent: str | None = None
    guid_policy: Literal["auto", "guid", "url"] = "auto"
    backfill: int = Field(100, ge=1)  # paged kinds (telegram): posts the first poll reads at most
    note: str = ""  # why a source is configured the way it is (e.g. why disabled)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_http_url(value)

    @field_validator("user_agent")
    @classmethod
    def _user_agent(cls, value: str | None) -> str | None:
        return value if value is None else _check_header_value(value)

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in KINDS:
            raise ValueError(f"unknown source kind {value!r}; known: {', '.join(KINDS)}")
        return value

    @field_validator("label")
    @classmethod
    def _label(cls, value: str) -> str:
        if value and value not in SOURCE_LABELS:
            raise ValueError(f"{value!r} is not a label: use one of {', '.join(SOURCE_LABELS)}")
        return value

    def to_source(self) -> Source:
        return Source(
            id=self.id,
            name=self.name or self.id,
            url=self.url,
            kind=self.kind,
            language=self.language,
            interval=parse_duration(self.interval),
            label=self.label,
            enabled=self.enabled,
            full_text=self.full_text,
            user_agent=self.user_agent,
            guid_policy=self.guid_policy,
            backfill=self.backfill,
            owner=self.owner,
        )


class FetchSettings(_Section):
    user_agent: str = ""  # empty: fetch.FetchLimits' descriptive default
    max_bytes: int = Field(10_000_000, gt=0)
    connect_timeout: float = Field(10.0, gt=0)
    read_timeout: float = Field(30.0, gt=0)
    total_timeout: float = Field(60.0, gt=0)

    @field_validator("user_agent")
    @classmethod
    def _user_agent(cls, value: str) -> str:
        return _check_header_value(value)

    retries: int = Field(2, ge=0)
    concurrency: int = Field(40, gt=0)  # requests in flight over all hosts
    per_host: int = Field(2, gt=0)
    # 1: parse in the poll's process; N > 1: N processes (each holds the matcher: about 100 MB); 0: one a core
    parse_workers: int = Field(1, ge=0, le=64)
    page_delay: float = Field(1.0, ge=0)  # seconds between two pages of one source (telegram)


class SlackChannelSettings(_Section):
    """A named channel beyond the default one, for alert routes."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    webhook_url: SecretStr = SecretStr("")
    bot_token: SecretStr = SecretStr("")  # empty: the [slack] bot_token
    channel: str = ""  # Slack channel id or name, with a bot token

    @field_validator("webhook_url")
    @classmethod
    def _webhook(cls, value: SecretStr) -> SecretStr:
        return _check_secret_url(value, *_WEBHOOK_URL)

    @model_validator(mode="after")
    def _complete(self) -> SlackChannelSettings:
        if not self.webhook_url.get_secret_value() and not self.channel:
            raise ValueError(f"channel {self.name!r} needs webhook_url, or channel (with a bot token)")
        return self


class SlackSettings(_Section):
    """webhook_url, or bot_token + channel, is the "default" channel; `channels` adds named ones."""

    webhook_url: SecretStr = SecretStr("")
    bot_token: SecretStr = SecretStr("")
    channel: str = ""
    api_url: str = ""
    channels: list[SlackChannelSettings] = []
    # interactivity (triage buttons): POST /slack/actions is verified with signing_secret; with
    # app_token (xapp-…) the actions come over Socket Mode instead; team_id / api_app_id, when
    # set, refuse payloads from any other workspace or app
    signing_secret: SecretStr = SecretStr("")
    app_token: SecretStr = SecretStr("")
    team_id: str = ""
    api_app_id: str = ""

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        return _check_http_url(value) if value else value

    @field_validator("webhook_url")
    @classmethod
    def _webhook(cls, value: SecretStr) -> SecretStr:
        return _check_secret_url(value, *_WEBHOOK_URL)

    @model_validator(mode="after")
    def _bot_needs_channel(self) -> SlackSettings:
        """A bot token posts with chat.postMessage, which needs a channel; without one it was
        silently unused (alerts went to the console)."""
        if self.bot_token.get_secret_value() and not self.channel and not self.webhook_url.get_secret_value():
            raise ValueError("bot_token is set but channel is empty: set slack.channel (an id or #name)")
        for index, named in enumerate(self.channels):
            has_token = named.bot_token.get_secret_value() or self.bot_token.get_secret_value()
            if named.channel and not named.webhook_url.get_secret_value() and not has_token:
                raise ValueError(
                    f"channels[{index}] ({named.name!r}) names a channel but no bot_token is set: "
                    "set slack.bot_token, or give the channel a webhook_url"
                )
        return self


class WebhookSettings(_Section):
    """A generic JSON webhook channel (Mattermost, Teams workflows, Matrix hookshot, ntfy), named
    for alert routes; see monitor/notify/webhook.py for the body it posts."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    url: SecretStr
    text_key: str = Field("text", min_length=1)  # the body field the message text goes in
    fields: dict[str, Any] = {}  # fixed fields of every body (ntfy: topic)
    headers: dict[str, SecretStr] = {}  # sent with every request (an Authorization token)

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, SecretStr]) -> dict[str, SecretStr]:
        for name, secret in value.items():
            if not _HEADER_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not a header name (letters, digits and -)")
            if not _PRINTABLE.fullmatch(secret.get_secret_value()):
                raise ValueError(f"the value of {name} must be printable ASCII on one line (an HTTP header)")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("is empty: give the webhook's URL")
        return _check_secret_url(
            value, ("https", "http"), "an http(s) URL", "https://chat.example.org/hooks/…"
        )


Level = Literal["high", "medium", "low"]


class RouteSettings(_Section):
    """Alerts about these entities, kinds or tags (any of them) at min_priority or above go to channel."""

    channel: str
    entities: list[str] = []
    kinds: list[str] = []
    tags: list[str] = []
    min_priority: Level = "low"


class AlertSettings(_Section):
    window: str = "48h"  # items published longer ago are stored and matched, not alerted
    min_priority: Level = "medium"  # of the default channel
    throttle_messages: int = Field(10, gt=0)  # per channel, within throttle_per; the rest are rolled up
    throttle_per: str = "10m"
    rollup_interval: str = "1m"  # past the throttle, roll-ups go out at most this far apart
    quiet_hours: str = Field("", pattern=r"^$|^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
    timezone: str = "UTC"  # of quiet_hours
    dedupe_window: str = "48h"  # how long a story takes in later outlets
    similarity: float = Field(0.8, gt=0, le=1)  # MinHash Jaccard at which two items are one story
    give_up_after: str = "24h"  # a retryable failure becomes "failed" (and loud) after this long
    health_failures: int = Field(5, gt=0)  # consecutive failed polls before a source is announced failing
    health_quiet_factor: float = Field(4.0, gt=1)  # silent for this many usual gaps: announced quiet
    spike_min: int = Field(
        5, gt=0
    )  # stories in 24 h an entity needs before a volume spike (monitor/spikes.py)
    spike_factor: float = Field(3.0, ge=1)  # the baseline rate is multiplied by this before the Poisson test
    routes: list[RouteSettings] = []

    @field_validator("window", "throttle_per", "rollup_interval", "dedupe_window", "give_up_after")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return _check_timezone(value)


class EmailChannelSettings(_Section):
    """An alert channel by email, through `email.smtp_url`, named for alert routes."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    to: list[Annotated[str, AfterValidator(_check_address)]] = Field(min_length=1)


class EmailSettings(_Section):
    smtp_url: SecretStr = SecretStr("")
    from_: str = Field("", alias="from")
    to: list[Annotated[str, AfterValidator(_check_address)]] = []
    channels: list[EmailChannelSettings] = []  # alert channels by email (the digest uses `to`)

    @model_validator(mode="after")
    def _channels_need_smtp(self) -> EmailSettings:
        if self.channels and not self.smtp_url.get_secret_value():
            raise ValueError("channels are set but smtp_url is empty: alerts by email need an SMTP server")
        return self

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: SecretStr) -> SecretStr:
        _check_secret_url(value, *_SMTP_URL)
        parts = urlsplit(value.get_secret_value().strip())
        if not all(unquote(part or "").isascii() for part in (parts.username, parts.password)):
            raise ValueError("its user name and password must be ASCII: SMTP sends them so")
        return value

    @field_validator("from_")
    @classmethod
    def _from(cls, value: str) -> str:
        return _check_address(value) if value else value


class DigestSettings(_Section):
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    time: str = Field("08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    timezone: str = "UTC"
    out_dir: str = "digests"

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return _check_timezone(value)


class DaemonSettings(_Section):
    """`monitor run`: job clocks, scale-out lease, retention, metrics endpoint and logs."""

    alert_tick: str = "5s"  # how often the deliverer looks for due alerts (a poll with hits also wakes it)
    housekeeping: str = "1h"  # how often retention runs
    poll_lease: str = "5m"  # a claimed poll is another daemon's again after this; keep above the longest poll
    keep_article_text_days: int = Field(365, ge=0)  # older articles keep title and URL only; 0 = forever
    keep_attempts_days: int = Field(90, ge=0)  # delivery attempts of finished alerts; 0 = forever
    metrics: bool = True
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(9108, ge=0, le=65535)  # 0 = any free port (logged at start)
    log_json: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"  # --log-level wins when given

    @field_validator("alert_tick", "housekeeping", "poll_lease")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value


class Settings(_Section):
    database_url: str = "sqlite:///monitor.db"
    watchlists: str = "watchlists"
    default_sources: bool = True
    sources: list[SourceSettings] = []
    fetch: FetchSettings = FetchSettings()
    slack: SlackSettings = SlackSettings()
    webhooks: list[WebhookSettings] = []
    alerts: AlertSettings = AlertSettings()
    email: EmailSettings = EmailSettings()
    digest: DigestSettings = DigestSettings()
    daemon: DaemonSettings = DaemonSettings()

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return _check_database_url(value)

    @field_validator("sources")
    @classmethod
    def _unique_ids(cls, value: list[SourceSettings]) -> list[SourceSettings]:
        """Two entries with one id: the later would silently replace the earlier."""
        first: dict[str, int] = {}
        for index, entry in enumerate(value):
            if entry.id in first:
                earlier = f"sources[{first[entry.id]}]"
                raise ValueError(f"sources[{index}] has the id {entry.id!r} of {earlier}: make it unique")
            first[entry.id] = index
        return value

    def all_sources(self) -> list[Source]:
        """Bundled sources (unless switched off) with the file's entries added or overriding by id."""
        merged: dict[str, SourceSettings] = {}
        if self.default_sources:
            merged.update((s.id, s) for s in bundled_sources())
        for entry in self.sources:
            merged[entry.id] = entry
        return [s.to_source() for s in merged.values()]

    def enabled_sources(self) -> list[Source]:
        return [s for s in self.all_sources() if s.enabled]

    def watchlists_path(self) -> Path:
        """The configured folder; the bundled copy when the default folder is not here."""
        path = Path(self.watchlists)
        if path.is_dir() or self.watchlists != "watchlists":
            return path
        return Path(str(resources.files("monitor.bundled_watchlists")))


def secret_values(model: BaseModel) -> list[str]:
    """Every SecretStr anywhere in the settings (webhooks, tokens, SMTP URL), for log redaction."""
    found: list[str] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        items = (
            value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else [value]
        )
        for item in items:
            if isinstance(item, SecretStr):
                found.append(item.get_secret_value())
                found.extend(_url_credentials(item.get_secret_value()))
            elif isinstance(item, BaseModel):
                found.extend(secret_values(item))
    return found


def _url_credentials(text: str) -> list[str]:
    """The user name and password of a URL as a server receives them, percent-decoded
    (smtp://bob:p%C3%A4ss@host: päss): an error message may quote them so."""
    if "://" not in text:
        return []
    try:
        parts = urlsplit(text.strip())
    except ValueError:
        return []
    return [unquote(part) for part in (parts.username, parts.password) if part]


BUNDLED_SOURCES = resources.files("monitor").joinpath("sources.toml")


def bundled_sources() -> list[SourceSettings]:
    """monitor/sources.toml; a bad entry is a ConfigError naming that file, as for the user's file."""
    data = _bundled_data()
    try:
        return _BundledSources.model_validate(data).sources
    except ValidationError as exc:
        raise config_error(exc, data, str(BUNDLED_SOURCES)) from None


@functools.cache
def _bundled_data() -> dict[str, Any]:
    """The shipped file, parsed once a process (read-only: callers copy what they change)."""
    return tomllib.loads(BUNDLED_SOURCES.read_text(encoding="utf-8"))


class _BundledSources(_Section):
    sources: list[SourceSettings]


def _override_bundled_sources(data: dict[str, Any]) -> None:
    """A `[[sources]]` entry with a bundled source's id overrides the fields it sets and keeps the
    others (`id = "tg-sabereen"` with `enabled = true` switches that channel on, still a Telegram
    source labelled factional)."""
    entries = data.get("sources")
    try:  # read as the setting is (`false`, "0", "off" ...); a bad value is reported by validation
        switched_on = TypeAdapter(bool).validate_python(data.get("default_sources", True))
    except ValidationError:
        switched_on = True
    if not isinstance(entries, list) or not switched_on:
        return
    bundled = {s["id"]: s for s in _bundled_data()["sources"]}
    data["sources"] = [
        {**bundled[entry["id"]], **entry}
        if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"] in bundled
        else entry  # anything else is validated (and reported) as it is: an id of 5, a table, a list
        for entry in entries
    ]


def load_settings(path: str | Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Defaults → TOML file (path, else $MONITOR_CONFIG) → MONITOR_* variables."""
    environ = dict(os.environ if environ is None else environ)
    path = path or environ.get("MONITOR_CONFIG") or None
    data: dict[str, Any] = read_toml(Path(path)) if path else {}
    apply_environment(data, environ, Settings)
    _override_bundled_sources(data)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise config_error(exc, data, str(path or "")) from None
