"""Every user mistake, made as a user makes it (real files, folders, mounts, the real CLI): a
non-zero exit, a first stderr line `error: ...` that names the thing, a hint line at most, and
never a traceback. Read-only and full folders are real tmpfs mounts (we run as root, so chmod
alone would not stop a write); those cases are skipped, saying why, where `mount` is refused.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from tests.conftest import WATCHLISTS

OPML = (
    '<opml version="2.0"><body><outline text="New outlet" xmlUrl="https://new.example/feed"/></body></opml>'
)


def monitor(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """The CLI in this process (the working folder is the test's tmp_path): exit, stdout, stderr.
    An exception that escaped the CLI fails the test with its traceback."""
    result = CliRunner().invoke(app, list(args), env={"MONITOR_WATCHLISTS": str(WATCHLISTS), **(env or {})})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def assert_mistake(outcome: tuple[int, str, str], *names: str) -> str:
    """One error line (and a hint at most) naming every one of names; returns the line."""
    code, stdout, stderr = outcome
    assert code != 0, (stdout, stderr)
    lines = stderr.splitlines()
    assert lines and lines[0].startswith("error: "), stderr
    assert len(lines) <= 2, stderr
    assert "Traceback" not in stderr + stdout
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run where a stray monitor.db would show (and never in the repository)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """mount("name", "ro") → a fresh small tmpfs at tmp_path/name; unmounted afterwards."""
    mounted: list[Path] = []

    def mount(name: str, *options: str, size: str = "256k") -> Path:
        path = tmp_path / name
        path.mkdir()
        command = ["mount", "-t", "tmpfs", "-o", ",".join((f"size={size}", *options)), "tmpfs", str(path)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False)
        except OSError as exc:
            pytest.skip(f"no mount command ({exc}): read-only and full-disk cases need a tmpfs")
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}): these cases need one")
        mounted.append(path)
        return path

    yield mount
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], check=False)


def read_only(tmpfs: Callable[..., Path], name: str = "ro") -> Path:
    return tmpfs(name, "ro")


def remount_read_only(path: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)


def fill(folder: Path) -> None:
    """Fill the filesystem of folder to the last byte."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                continue
    finally:
        os.close(fd)


# --- usage ---------------------------------------------------------------------------------------


def test_unknown_log_level_lists_the_levels() -> None:
    line = assert_mistake(monitor("--log-level", "verbose", "status"), "--log-level", "verbose")
    assert all(level in line.lower() for level in ("debug", "info", "warning", "error"))


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["pol"], ["pol"]),
        (["hits", "--since", "7x"], ["--since", "7x"]),
        (["articles", "--since", "-3d"], ["--since"]),
        (["poll", "--source", "nope"], ["--source", "nope"]),
        (["digest", "--week", "2026-W99", "--out", "x.html"], ["--week"]),
        (["digest", "--send", "--out", "x.html"], ["--send"]),
        (["digest"], ["--send"]),
        (["sources", "import-opml"], ["argument"]),
        (["hits", "--bogus"], ["--bogus"]),
        (["alerts", "--limit", "-1"], ["--limit"]),
        (["rematch", "--since", "0d"], ["--since"]),
        # numbers past what dates and the database hold
        (["articles", "--since", "99999999d"], ["--since", "36500 days"]),
        (["alerts", "--limit", "99999999999999999999999"], ["--limit"]),
        (["mutes", "remove", "99999999999999999999999"], ["ID"]),
    ],
)
def test_usage_mistakes(args: list[str], names: list[str]) -> None:
    assert_mistake(monitor(*args), *names)


def test_version_needs_no_command() -> None:
    done = subprocess.run([sys.executable, "-m", "monitor", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip().count(".") == 2 and not done.stderr


def test_the_console_script_reports_a_mistake_in_one_line(tmp_path: Path) -> None:
    """The whole process, as a shell runs it: the one-line rule holds outside the test runner too."""
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "--log-level", "loud", "hits"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert_mistake((done.returncode, done.stdout, done.stderr), "--log-level")
    assert not (tmp_path / "monitor.db").exists()


# --- configuration -------------------------------------------------------------------------------


def test_config_file_mistakes(tmp_path: Path) -> None:
    assert_mistake(monitor("--config", "missing.toml", "status"), "config", "missing.toml")
    assert_mistake(monitor("--config", str(tmp_path), "status"), "config", str(tmp_path))
    (tmp_path / "binary.toml").write_bytes(os.urandom(64) + b"\xff\xfe")
    assert_mistake(monitor("--config", "binary.toml", "status"), "config", "binary.toml")
    (tmp_path / "broken.toml").write_text('database_url = "sqlite:///x.db"\n[slack\n')
    assert_mistake(monitor("--config", "broken.toml", "status"), "config", "broken.toml", "line 2")
    (tmp_path / "unknown.toml").write_text('[slack]\nwebhook = "https://hooks.example/x"\n')
    assert_mistake(monitor("--config", "unknown.toml", "status"), "config slack.webhook", "unknown key")
    assert_mistake(monitor("--config", "/dev/zero", "status"), "config", "/dev/zero", "larger than 10 MB")
    for value in ("{a = 1}", "[1]"):  # a source id that is a table or a list
        (tmp_path / "id.toml").write_text(f'[[sources]]\nid = {value}\nurl = "https://a.example/"\n')
        assert_mistake(monitor("--config", "id.toml", "status"), "config sources[0]", ".id")


SECRET = "T0000SECRET/B0000/XXXXXXXXXXXXXXXX"


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ({"MONITOR_DATABASE_URL": "mysql://monitor@db/monitor"}, "database_url"),
        ({"MONITOR_DATABASE_URL": "postgresql+psycopg2://monitor@db/monitor"}, "database_url"),
        ({"MONITOR_DATABASE_URL": "monitor.db"}, "database_url"),
        ({"MONITOR_DATABASE_URL": "sqlite://monitor.db"}, "database_url"),
        ({"MONITOR_DATABASE_URL": f"postgresql://u:{SECRET}@db:notaport/monitor"}, "database_url"),
        ({"MONITOR_DATABASE_URL": "postgresql://u@[::1/monitor"}, "database_url"),
        ({"MONITOR_SLACK_WEBHOOK_URL": f"hooks.slack.com/services/{SECRET}"}, "slack.webhook_url"),
        ({"MONITOR_SLACK_WEBHOOK_URL": f"ftp://hooks.slack.com/services/{SECRET}"}, "slack.webhook_url"),
        ({"MONITOR_SLACK_WEBHOOK_URL": "https://"}, "slack.webhook_url"),
        ({"MONITOR_SLACK_BOT_TOKEN": "xoxb-1234-5678-abcdefgh"}, "channel"),
        ({"MONITOR_EMAIL_SMTP_URL": f"mail.example.org:25/{SECRET}"}, "email.smtp_url"),
        ({"MONITOR_EMAIL_SMTP_URL": f"http://user:{SECRET}@mail.example.org"}, "email.smtp_url"),
        ({"MONITOR_EMAIL_SMTP_URL": "smtp://mail.example.org:port"}, "email.smtp_url"),
        ({"MONITOR_SLACK_WEBHOOK_URL_FILE": "/no/such/secret"}, "MONITOR_SLACK_WEBHOOK_URL_FILE"),
        ({"MONITOR_FETCH_CONCURRENCY": "lots"}, "fetch.concurrency"),
        ({"MONITOR_ALERTS_WINDOW": "99999999d"}, "alerts.window"),
        ({"MONITOR_DIGEST_TIMEZONE": "Mars/Olympus_Mons"}, "digest.timezone"),
        ({"MONITOR_EMAIL_TO": "analysts@example.org,desk"}, "email.to[1]"),
        ({"MONITOR_EMAIL_FROM": "monitor at example.org"}, "email.from"),
        ({"MONITOR_FETCH_PARSE_WORKERS": "99999"}, "fetch.parse_workers"),  # not a fork bomb
        ({"MONITOR_DATABASE_URL": "sqlite:///:memory:"}, "database_url"),  # keeps nothing
        ({"MONITOR_DATABASE_URL": "sqlite://"}, "database_url"),
        ({"MONITOR_SLACK_BOT_TOKEN_FILE": "/dev/zero"}, "MONITOR_SLACK_BOT_TOKEN_FILE"),  # endless
        # smtplib sends the login as ASCII: a non-ASCII password failed at every send, quoted in the
        # error it raised (and so in the outbox and the log)
        ({"MONITOR_EMAIL_SMTP_URL": f"smtp://bob:p%C3%A4ss{SECRET}@127.0.0.1:25"}, "email.smtp_url"),
        # sent as HTTP headers: a non-ASCII or two-line user agent failed every fetch
        ({"MONITOR_FETCH_USER_AGENT": "Monitör"}, "fetch.user_agent"),
        ({"MONITOR_FETCH_USER_AGENT": "monitor\r\nX-Evil: 1"}, "fetch.user_agent"),
    ],
)
def test_bad_settings_are_rejected_at_load_naming_the_key(env: dict[str, str], key: str) -> None:
    """Before any command runs (a bad webhook URL used to fail at send time, retried forever)."""
    for command in (["status"], ["poll"], ["alerts", "test"]):
        line = assert_mistake(monitor(*command, env=env), "config", key)
        assert SECRET not in line and "xoxb-" not in line


def test_a_webhook_header_that_http_cannot_send(tmp_path: Path) -> None:
    """A non-ASCII header value failed at every send, quoted whole in the error (a bearer token)."""
    (tmp_path / "w.toml").write_text(
        f'[[webhooks]]\nname = "ops"\nurl = "https://chat.example.org/h"\n'
        f'headers = {{ Authorization = "Bearer tökén-{SECRET}" }}\n'
    )
    line = assert_mistake(monitor("--config", "w.toml", "status"), "config webhooks[0].headers")
    assert "Authorization" in line and SECRET not in line


def test_two_sources_with_one_id(tmp_path: Path) -> None:
    entry = '[[sources]]\nid = "same"\nurl = "https://example.org/{n}"\n'
    (tmp_path / "m.toml").write_text("".join(entry.format(n=n) for n in range(3)))
    line = assert_mistake(monitor("--config", "m.toml", "poll"), "config sources", "sources[1]", "'same'")
    assert "sources[0]" in line


def test_an_unknown_source_label(tmp_path: Path) -> None:
    (tmp_path / "m.toml").write_text('[[sources]]\nid = "x"\nurl = "https://x.example/"\nlabel = "militia"\n')
    outcome = monitor("--config", "m.toml", "status")
    line = assert_mistake(outcome, "config sources[0] (id 'x').label", "m.toml")
    assert "'militia'" in line and "independent-syrian" in line and "humanitarian" in line


def test_a_named_slack_channel_needs_somewhere_to_go(tmp_path: Path) -> None:
    head = '[slack]\nwebhook_url = "https://hooks.example/x"\n[[slack.channels]]\nname = "ops"\n'
    (tmp_path / "m.toml").write_text(head)
    assert_mistake(monitor("--config", "m.toml", "status"), "config slack.channels[0]", "ops")
    (tmp_path / "m.toml").write_text(head + 'channel = "#ops"\n')
    assert_mistake(monitor("--config", "m.toml", "status"), "config slack", "bot_token")


# --- input files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "no such file"),
        (os.urandom(512), "not an OPML file"),
        (b"", "not an OPML file"),
        (b"<html><body><p>a web page</p></body></html>", "<html>"),
        (b"<?xml version='1.0'?><rss version='2.0'><channel/></rss>", "<rss>"),
        (b"<opml version='2.0'><body><outline text='folder'/></body></opml>", "no feeds"),
        (b"<opml><body><outline text='x' xmlUrl='feed://example.org/rss'/></body></opml>", "feed://"),
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><opml><body/></opml>', "entities"),
        # a URL httpx refuses at every poll: the config loaded, each poll failed as InvalidURL
        (
            b"<opml><body><outline text='x' xmlUrl='https://a.example/f&quot;&#10;x'/></body></opml>",
            "http(s) URL",
        ),
    ],
)
def test_import_opml_input_mistakes(tmp_path: Path, content: bytes | None, says: str) -> None:
    path = tmp_path / "subscriptions.opml"
    if content is not None:
        path.write_bytes(content)
    assert_mistake(monitor("sources", "import-opml", str(path)), "input", str(path), says)


def test_import_opml_of_a_folder(tmp_path: Path) -> None:
    assert_mistake(monitor("sources", "import-opml", str(tmp_path)), "input", str(tmp_path), "folder")


def test_derive_input_mistakes(tmp_path: Path) -> None:
    assert_mistake(monitor("watchlists", "derive", "missing.html"), "input missing.html", "no such file")
    assert_mistake(monitor("watchlists", "derive", str(tmp_path)), "input", "folder")
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.7\n\x00\x01binary")
    assert_mistake(monitor("watchlists", "derive", str(tmp_path / "report.pdf")), "input", "binary file")


# --- output files --------------------------------------------------------------------------------


def out_commands(tmp_path: Path) -> dict[str, list[str]]:
    """Every command with --out, ready but for the value of --out."""
    (tmp_path / "in.opml").write_text(OPML)
    (tmp_path / "report.txt").write_text("Liwa al-Quds al-Jadid moved from al-Bukamal to Tell Khanzir.")
    return {
        "export-opml": ["sources", "export-opml", "--out"],
        "import-opml": ["sources", "import-opml", str(tmp_path / "in.opml"), "--out"],
        "derive": ["watchlists", "derive", str(tmp_path / "report.txt"), "--out"],
        "digest": ["--config", str(_empty_config(tmp_path)), "digest", "--week", "2026-W40", "--out"],
        "export": ["--config", str(_empty_config(tmp_path)), "export", "--out"],
    }


def _empty_config(tmp_path: Path) -> Path:
    """A config of no sources on an empty database (export and digest never create one)."""
    path = tmp_path / "monitor.toml"
    path.write_text(f'database_url = "sqlite:///{tmp_path / "db" / "monitor.db"}"\ndefault_sources = false\n')
    if not (tmp_path / "db" / "monitor.db").exists():
        (tmp_path / "db").mkdir(exist_ok=True)
        assert monitor("--config", str(path), "db", "upgrade")[0] == 0
    return path


@pytest.mark.parametrize("end", ["", "-wal", "-shm"])
def test_out_never_replaces_the_database(tmp_path: Path, end: str) -> None:
    """`--out` naming the configured SQLite file (or its -wal or -shm) replaced the live database."""
    config, database = _empty_config(tmp_path), tmp_path / "db" / "monitor.db"
    target = database.with_name(database.name + end)
    for command in out_commands(tmp_path).values():
        args = command if "--config" in command else ["--config", str(config), *command]
        assert_mistake(monitor(*args, str(target)), "output", str(target), "database")
    assert database.read_bytes().startswith(b"SQLite format 3")
    relative = monitor("sources", "export-opml", "--out", "./monitor.db")  # the default database_url
    assert_mistake(relative, "output monitor.db", "database")


def test_out_into_a_missing_folder(tmp_path: Path) -> None:
    for name, command in out_commands(tmp_path).items():
        target = tmp_path / "no" / "such" / f"{name}.out"
        line = assert_mistake(monitor(*command, str(target)), "output", str(target))
        assert "does not exist" in line, line


def test_out_below_a_file(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("a file, not a folder\n")
    for command in out_commands(tmp_path).values():
        assert_mistake(monitor(*command, str(tmp_path / "notes.txt" / "x.out")), "output", "not a folder")


def test_out_onto_a_folder(tmp_path: Path) -> None:
    for command in out_commands(tmp_path).values():
        assert_mistake(monitor(*command, str(tmp_path)), "output", str(tmp_path), "folder")


def test_out_into_a_read_only_folder(tmp_path: Path, tmpfs: Callable[..., Path]) -> None:
    folder = read_only(tmpfs)
    for name, command in out_commands(tmp_path).items():
        line = assert_mistake(monitor(*command, str(folder / f"{name}.out")), "output", str(folder))
        assert "not writable" in line, line


def test_digest_send_into_a_read_only_digest_folder(tmp_path: Path, tmpfs: Callable[..., Path]) -> None:
    """Without SMTP the digest is written to digest.out_dir: a folder that cannot be written is
    said at once, before anything is recorded as sent or retried."""
    folder = read_only(tmpfs)
    config = _empty_config(tmp_path)
    for out_dir in (folder, folder / "digests"):
        env = {"MONITOR_DIGEST_OUT_DIR": str(out_dir)}
        sent = monitor("--config", str(config), "digest", "--send", env=env)
        line = assert_mistake(sent, "output", str(folder))
        assert "not writable" in line


def test_out_on_a_full_disk_leaves_nothing_behind(tmp_path: Path, tmpfs: Callable[..., Path]) -> None:
    folder = tmpfs("full")
    (folder / "kept.out").write_text("the previous version\n")
    fill(folder)
    for name, command in out_commands(tmp_path).items():
        line = assert_mistake(monitor(*command, str(folder / f"{name}.out")), "output", str(folder))
        assert "no space left" in line, line
        assert_mistake(monitor(*command, str(folder / "kept.out")), "output")
    assert sorted(p.name for p in folder.iterdir()) == ["filler", "kept.out"]  # no partial, no temp file
    assert (folder / "kept.out").read_text() == "the previous version\n"


# --- the database --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["hits"],
        ["articles"],
        ["sources"],
        ["status"],
        ["alerts"],
        ["alerts", "--json"],
        ["alerts", "retry"],
        ["rematch"],
        ["export"],
        ["digest", "--out", "week.html"],
        ["digest", "--send"],
    ],
)
def test_reading_commands_never_create_a_database(tmp_path: Path, command: list[str]) -> None:
    line = assert_mistake(monitor(*command), "database", "monitor.db", "does not exist")
    assert "monitor poll" in line
    assert not (tmp_path / "monitor.db").exists()
    elsewhere = tmp_path / "data" / "monitor.db"
    assert_mistake(monitor(*command, env={"MONITOR_DATABASE_URL": f"sqlite:///{elsewhere}"}), str(elsewhere))
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    "command", [["hits"], ["poll", "--source", "enab-baladi-en"], ["db", "upgrade"], ["run"]]
)
def test_a_file_that_is_not_a_database(tmp_path: Path, command: list[str]) -> None:
    """One line with its hint (`run` added SQLAlchemy's "Background on this error" line)."""
    (tmp_path / "notes.db").write_text("shopping list\n" * 100)
    # (the daemon logs at INFO: building the automaton with a cold cache says so first)
    env = {"MONITOR_DATABASE_URL": "sqlite:///notes.db", "MONITOR_DAEMON_LOG_LEVEL": "WARNING"}
    outcome = monitor(*command, env=env)
    assert_mistake(outcome, "database notes.db", "not a database", "move this file away")
    assert len(outcome[2].splitlines()) == 1


def test_a_database_from_a_newer_monitor(tmp_path: Path) -> None:
    env = {"MONITOR_DATABASE_URL": "sqlite:///monitor.db"}
    assert monitor("db", "upgrade", env=env)[0] == 0
    with sqlite3.connect(tmp_path / "monitor.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    for command in (["hits"], ["db", "upgrade"], ["poll", "--source", "enab-baladi-en"]):
        assert_mistake(monitor(*command, env=env), "database monitor.db", "9999", "newer monitor")


def test_a_database_in_a_read_only_folder(tmpfs: Callable[..., Path]) -> None:
    folder = read_only(tmpfs)
    env = {"MONITOR_DATABASE_URL": f"sqlite:///{folder}/monitor.db"}
    assert_mistake(monitor("db", "upgrade", env=env), "database", f"{folder}/monitor.db")


def test_a_read_only_database_file(tmpfs: Callable[..., Path]) -> None:
    folder = tmpfs("db", size="16m")
    env = {"MONITOR_DATABASE_URL": f"sqlite:///{folder}/monitor.db"}
    assert monitor("db", "upgrade", env=env)[0] == 0
    remount_read_only(folder)
    assert_mistake(monitor("poll", "--source", "enab-baladi-en", env=env), "database", f"{folder}/monitor.db")


def test_a_database_on_a_full_disk_is_one_line(tmpfs: Callable[..., Path], tmp_path: Path) -> None:
    """A poll's first write, and the daemon's lock file: each one error line, no traceback."""
    folder = tmpfs("db", size="16m")
    env = {"MONITOR_DATABASE_URL": f"sqlite:///{folder}/monitor.db"}
    assert monitor("db", "upgrade", env=env)[0] == 0
    fill(folder)
    assert_mistake(monitor("poll", "--source", "enab-baladi-en", env=env), "database", "free some space")
    daemon = subprocess.run(
        [sys.executable, "-m", "monitor", "run"],
        env={**os.environ, **env, "MONITOR_WATCHLISTS": str(WATCHLISTS)},
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert_mistake((daemon.returncode, daemon.stdout, daemon.stderr), "lock", "No space left")


def test_a_refused_postgresql_port_keeps_its_clean_line() -> None:
    env = {"MONITOR_DATABASE_URL": "postgresql://monitor:hunter22@127.0.0.1:1/monitor"}
    line = assert_mistake(monitor("hits", env=env), "database unreachable", "127.0.0.1:1", "refused")
    assert "hunter22" not in line


def test_out_through_a_link_writes_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    for name, command in out_commands(tmp_path).items():
        target = tmp_path / f"{name}.target"
        target.write_text("old")
        link = tmp_path / f"{name}.link"
        link.symlink_to(target)
        code, _, stderr = monitor(*command, str(link))
        assert code == 0, stderr
        assert link.is_symlink() and target.read_text() != "old", name


def test_out_into_a_pipe_writes_through_it(tmp_path: Path) -> None:
    """A rename would put a file where the pipe (or /dev/stdout) was, and its reader would wait."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_bytes()), daemon=True)
    reader.start()
    code, _, stderr = monitor("sources", "export-opml", "--out", str(pipe))
    reader.join(timeout=30)
    assert code == 0, stderr
    assert pipe.is_fifo() and got and got[0].startswith(b"<?xml")


@pytest.mark.parametrize(
    "command",
    [["match", "/dev/zero"], ["watchlists", "derive", "/dev/zero"], ["sources", "import-opml", "/dev/zero"]],
)
def test_an_endless_input_is_refused_at_its_limit(command: list[str]) -> None:
    """Read up to a limit, not whole: /dev/zero (or an endless pipe on `-`) must not fill the memory."""
    assert_mistake(monitor(*command), "input", "/dev/zero", "larger than 50 MB")


@pytest.mark.parametrize(
    "command",
    [["export"], ["hits", "--json"], ["sources", "--json"], ["status"], ["match", "--json", "-"]],
)
def test_a_full_disk_under_standard_output_is_one_line(tmp_path: Path, command: list[str]) -> None:
    """`monitor export > out.csv` on a full disk (/dev/full): one line, exit 1."""
    config = _empty_config(tmp_path)
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [sys.executable, "-m", "monitor", "--config", str(config), *command],
            input=b"Albu Kamal",
            stdout=full,
            stderr=subprocess.PIPE,
            env={**os.environ, "MONITOR_WATCHLISTS": str(WATCHLISTS)},
            timeout=120,
        )
    stderr = done.stderr.decode()
    assert done.returncode == 1 and stderr.splitlines() == [
        "error: output stdout: cannot write: no space left on device"
    ], stderr


def test_a_week_out_of_range(tmp_path: Path) -> None:
    config = _empty_config(tmp_path)
    empty = assert_mistake(
        monitor("--config", str(config), "digest", "--week", "", "--out", "d.html"), "--week"
    )
    assert "not an ISO week" in empty  # not silently the default week
    line = assert_mistake(
        monitor("--config", str(config), "digest", "--week", "9999-W52", "--out", "d.html"), "--week"
    )
    assert "out of range" in line


def test_articles_of_an_unknown_source(tmp_path: Path) -> None:
    """As in `poll --source`: a source neither configured nor stored is a mistake, not an empty list."""
    config = _empty_config(tmp_path)
    assert_mistake(monitor("--config", str(config), "articles", "--source", "nope"), "--source", "nope")
    assert monitor("--config", str(config), "articles")[0] == 0
