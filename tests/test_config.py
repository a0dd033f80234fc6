import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.config import bundled_sources, load_settings, parse_duration, secret_values
from monitor.errors import ConfigError
from monitor.records import SOURCE_LABELS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("15m", timedelta(minutes=15)),
        ("1h", timedelta(hours=1)),
        ("1h30m", timedelta(minutes=90)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "15", "m", "15 minutes", "-5m", "0s", "1x"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_embedded_defaults() -> None:
    settings = load_settings(environ={})
    assert settings.database_url == "sqlite:///monitor.db"
    ids = {s.id for s in settings.enabled_sources()}
    assert {"enab-baladi-en", "enab-baladi-ar", "carnegie-me-gn", "gn-bukamal-ar", "gdelt-bukamal"} <= ids
    disabled = {s.id for s in settings.all_sources() if not s.enabled}
    assert {"reliefweb-syria", "reliefweb-iraq"} <= disabled
    assert all(s.label for s in settings.all_sources())


def test_bundled_sources_validate_with_labels_and_factional_ones_off() -> None:
    """Every bundled source passes the same validation as the user's file, carries a label from
    the closed set, and a factional one ships switched off with a note saying why."""
    bundled = bundled_sources()
    assert len({s.id for s in bundled}) == len(bundled) > 30
    assert {s.label for s in bundled} <= set(SOURCE_LABELS)
    assert all(s.label for s in bundled)
    factional = [s for s in bundled if s.label == "factional"]
    assert factional and all(not s.enabled and "factional" in s.note for s in factional)
    assert all(s.note for s in bundled if not s.enabled)
    wanted = {"long-war-journal", "sohr-en", "sohr-ar", "sana-en", "sana-ar", "dez24-ar", "tg-euphrates-post"}
    assert wanted <= {s.id for s in bundled}


def test_an_unknown_label_names_the_file_the_source_and_the_labels(tmp_path: Path) -> None:
    path = write(tmp_path, '[[sources]]\nid = "x"\nurl = "https://x.example/feed"\nlabel = "think tank"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    message = str(caught.value)
    assert "sources[0] (id 'x').label" in message and str(path) in message and "'think tank'" in message
    assert all(label in message for label in SOURCE_LABELS)


def test_label_and_owner_reach_the_source(tmp_path: Path) -> None:
    text = '[[sources]]\nid = "x"\nurl = "https://x.example/feed"\nlabel = "state"\nowner = "A ministry"\n'
    source = {s.id: s for s in load_settings(write(tmp_path, text), environ={}).all_sources()}["x"]
    assert (source.label, source.owner) == ("state", "A ministry")


def test_file_adds_and_overrides_sources(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[[sources]]
id = "my-feed"
url = "https://example.org/feed"
interval = "5m"

[[sources]]
id = "enab-baladi-en"
url = "https://english.enabbaladi.net/feed/"
enabled = false
""",
    )
    settings = load_settings(path, environ={})
    sources = {s.id: s for s in settings.all_sources()}
    assert sources["my-feed"].interval == timedelta(minutes=5)
    assert not sources["enab-baladi-en"].enabled
    assert len(sources) == len(load_settings(environ={}).all_sources()) + 1


def test_an_override_by_id_keeps_the_fields_it_does_not_set(tmp_path: Path) -> None:
    """The README's way to switch a bundled source on or off: its id and `enabled`, nothing else."""
    path = write(tmp_path, '[[sources]]\nid = "tg-sabereen"\nenabled = true\n')
    bundled = {s.id: s for s in load_settings(environ={}).all_sources()}["tg-sabereen"]

    source = {s.id: s for s in load_settings(path, environ={}).all_sources()}["tg-sabereen"]

    assert source.enabled and not bundled.enabled
    assert (source.url, source.kind, source.label, source.name) == (
        bundled.url, bundled.kind, bundled.label, bundled.name
    )  # fmt: skip


def test_default_sources_can_be_dropped(tmp_path: Path) -> None:
    path = write(tmp_path, 'default_sources = false\n[[sources]]\nid = "a"\nurl = "http://127.0.0.1/x"\n')
    assert [s.id for s in load_settings(path, environ={}).all_sources()] == ["a"]


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ("colour = 'red'\n", "colour", "unknown key"),
        ("[slack]\nwebhok_url = 'x'\n", "slack.webhok_url", "unknown key"),
        (
            "[[sources]]\nid = 'a'\nurl = 'http://x/'\ninterval = 'often'\n",
            "sources[0] (id 'a').interval",
            "not a duration",
        ),
        ("[[sources]]\nid = 'a'\nurl = 'ftp://x/feed'\n", "sources[0] (id 'a').url", "not an http(s) URL"),
        ("[digest]\ntime = '25:00'\n", "digest.time", "pattern"),
    ],
)
def test_errors_name_the_key(tmp_path: Path, text: str, key: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text), environ={})
    assert caught.value.key == key
    assert message in caught.value.message
    assert "\n" not in str(caught.value)


def test_bad_toml_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="monitor.toml"):
        load_settings(write(tmp_path, "database_url = \n"), environ={})


def test_lists_of_tables_from_the_environment_as_json() -> None:
    env = {
        "MONITOR_WEBHOOKS": '[{"name": "ops", "url": "https://chat.example.org/hooks/x"}]',
        "MONITOR_DEFAULT_SOURCES": "false",
        "MONITOR_SOURCES": '[{"id": "mine", "url": "https://example.org/feed"}]',
    }
    settings = load_settings(environ=env)
    assert [w.name for w in settings.webhooks] == ["ops"]
    assert [s.id for s in settings.all_sources()] == ["mine"]
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"MONITOR_ALERTS_ROUTES": "[not json"})
    assert (caught.value.key, caught.value.message) == (
        "MONITOR_ALERTS_ROUTES",
        "not valid JSON (Expecting value, column 2)",
    )


def test_a_list_of_tables_from_the_environment_is_json_or_an_error_saying_so() -> None:
    """A list of plain values may be comma-separated (MONITOR_EMAIL_TO=a@x,b@y); a route is a table."""
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"MONITOR_ALERTS_ROUTES": "not json"})
    assert (caught.value.key, caught.value.message) == (
        "MONITOR_ALERTS_ROUTES",
        "not valid JSON (Expecting value, column 1)",
    )


def test_a_config_nested_too_deeply_is_one_error(tmp_path: Path) -> None:
    """Past Python's recursion limit the TOML and JSON parsers raise RecursionError."""
    path = write(tmp_path, "a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(ConfigError, match="monitor.toml: arrays or tables nested too deeply"):
        load_settings(path, environ={})
    routes = "[" + '{"channel":' * 3000 + "1" + "}" * 3000 + "]"
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"MONITOR_ALERTS_ROUTES": routes})
    assert (caught.value.key, caught.value.message) == (
        "MONITOR_ALERTS_ROUTES",
        "JSON arrays or objects nested too deeply",
    )


def test_a_byte_order_mark_is_no_part_of_the_config_or_a_secret(tmp_path: Path) -> None:
    """Notepad saves UTF-8 with a BOM."""
    path = tmp_path / "monitor.toml"
    path.write_text('[slack]\nchannel = "#ops"\n', encoding="utf-8-sig")
    secret = tmp_path / "token"
    secret.write_text("xoxb-from-notepad\n", encoding="utf-8-sig")
    settings = load_settings(path, environ={"MONITOR_SLACK_BOT_TOKEN_FILE": str(secret)})
    assert settings.slack.channel == "#ops"
    assert settings.slack.bot_token.get_secret_value() == "xoxb-from-notepad"


@pytest.mark.parametrize("variable", ["MONITOR_CONFIG", "MONITOR_SLACK_BOT_TOKEN_FILE"])
def test_a_named_pipe_is_refused_not_waited_on(tmp_path: Path, variable: str) -> None:
    """Opening a FIFO waits for a writer: the command (or the daemon's reload) would hang."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    env = {**os.environ, variable: str(pipe), "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "sources"], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: config") and "is a named pipe (FIFO)" in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_a_pipe_this_process_was_handed_is_read(tmp_path: Path) -> None:
    """`--config <(envsubst < monitor.toml)` names /dev/fd/N: its writer is there."""
    read, write_end = os.pipe()
    os.write(write_end, b'watchlists = "from-a-pipe"\n')
    os.close(write_end)
    try:
        assert load_settings(f"/dev/fd/{read}", environ={}).watchlists == "from-a-pipe"
    finally:
        os.close(read)


def test_environment_overrides_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'database_url = "sqlite:///file.db"\n[slack]\nchannel = "#file"\n')
    secret = tmp_path / "token"
    secret.write_text("xoxb-from-file\n")
    env = {
        "MONITOR_DATABASE_URL": "postgresql://u@h/db",
        "MONITOR_SLACK_CHANNEL": "#env",
        "MONITOR_SLACK_BOT_TOKEN_FILE": str(secret),
        "MONITOR_EMAIL_TO": "a@example.org, b@example.org",
        "MONITOR_EMAIL_FROM": "monitor@example.org",
        "MONITOR_FETCH_MAX_BYTES": "1000",
        "MONITOR_TEST_DATABASE_URL": "ignored: not a setting",
    }
    settings = load_settings(path, environ=env)
    assert settings.database_url == "postgresql://u@h/db"
    assert settings.slack.channel == "#env"
    assert settings.slack.bot_token.get_secret_value() == "xoxb-from-file"
    assert settings.email.to == ["a@example.org", "b@example.org"]
    assert settings.email.from_ == "monitor@example.org"
    assert settings.fetch.max_bytes == 1000


def test_config_file_from_environment(tmp_path: Path) -> None:
    path = write(tmp_path, 'watchlists = "elsewhere"\n')
    assert load_settings(environ={"MONITOR_CONFIG": str(path)}).watchlists == "elsewhere"


def test_bad_environment_value_names_the_key() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"MONITOR_FETCH_MAX_BYTES": "lots"})
    assert caught.value.key == "fetch.max_bytes"


def test_missing_file() -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings("/nonexistent/monitor.toml", environ={})


@pytest.mark.parametrize(
    "env",
    [
        {"MONITOR_DATABASE_URL": "sqlite:///monitor.db"},
        {"MONITOR_DATABASE_URL": "sqlite:////var/lib/monitor/monitor.db"},
        {"MONITOR_DATABASE_URL": "postgres://monitor@db/monitor"},
        {"MONITOR_DATABASE_URL": "postgresql://monitor:secret@db:5432/monitor?sslmode=require"},
        {"MONITOR_DATABASE_URL": "postgresql+psycopg://monitor@db/monitor"},
        {"MONITOR_SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T000/B000/XXXX"},
        {"MONITOR_SLACK_WEBHOOK_URL": "http://127.0.0.1:8080/webhook"},
        {"MONITOR_SLACK_BOT_TOKEN": "xoxb-1-2-abc", "MONITOR_SLACK_CHANNEL": "#alerts"},
        {"MONITOR_SLACK_BOT_TOKEN": "xoxb-1-2-abc", "MONITOR_SLACK_WEBHOOK_URL": "https://hooks.example/x"},
        {"MONITOR_EMAIL_SMTP_URL": "smtp://user:pa%40ss@mail.example.org:587?starttls=true"},
        {"MONITOR_EMAIL_SMTP_URL": "smtps://mail.example.org:465"},
        {"MONITOR_EMAIL_SMTP_URL": "SMTP://localhost"},
        {"MONITOR_DIGEST_TIMEZONE": "Asia/Baghdad"},
        {"MONITOR_EMAIL_TO": "analysts@example.org, Desk <desk@mail.example.org>"},
        {"MONITOR_EMAIL_FROM": "Border monitor <monitor@localhost>"},
    ],
)
def test_good_urls_and_channels_load(env: dict[str, str]) -> None:
    """The checks at load time refuse mistakes, not the settings people really use."""
    load_settings(environ=env)


def test_named_channels_load_with_a_shared_bot_token(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(
        '[slack]\nbot_token = "xoxb-1-2-abc"\nchannel = "#alerts"\n'
        '[[slack.channels]]\nname = "ops"\nchannel = "#ops"\n'
        '[[slack.channels]]\nname = "hooked"\nwebhook_url = "https://hooks.example/ops"\n'
    )
    assert [c.name for c in load_settings(path, environ={}).slack.channels] == ["ops", "hooked"]


def test_source_kinds_come_from_the_table(tmp_path: Path) -> None:
    """Every kind in monitor.kinds.KINDS is accepted and loads a module with the kind's members;
    any other name is refused in one line that names the key and the known kinds."""
    from monitor.kinds import KINDS, load

    entries = "".join(
        f'[[sources]]\nid = "{k}"\nurl = "https://example.org/{k}"\nkind = "{k}"\n' for k in KINDS
    )
    settings = load_settings(write(tmp_path, entries), environ={})
    assert {s.id: s.kind for s in settings.all_sources() if s.id in KINDS} == {k: k for k in KINDS}
    for kind in KINDS:
        module = load(kind)
        assert callable(module.parse) and callable(module.page_url) and isinstance(module.FAILURES, dict)
    path = write(tmp_path, '[[sources]]\nid = "x"\nurl = "https://example.org/x"\nkind = "mastodon"\n')
    with pytest.raises(ConfigError) as raised:
        load_settings(path, environ={})
    message = str(raised.value)
    assert "sources[0] (id 'x').kind" in message and "'mastodon'" in message and "rss" in message
    assert "\n" not in message


def test_secrets_to_redact_include_a_url_login_as_the_server_receives_it() -> None:
    """An error may quote the password percent-decoded (smtp://bob:p%C3%A4ss...@host: päss...)."""
    url = "smtps://monitor-bot:s3cr%2Ft-pass@mail.example.org:465"
    settings = load_settings(environ={"MONITOR_EMAIL_SMTP_URL": url})
    assert {url, "monitor-bot", "s3cr/t-pass"} <= set(secret_values(settings))
