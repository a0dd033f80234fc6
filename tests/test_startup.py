"""Start-up: each command imports what it needs. `monitor --help`, `--version`, `match` and
`watchlists validate` run in a fresh interpreter and must not load the database, the fetcher, the
digest, the daemon or the parse worker pool; `--help` stays under the module ceiling (issue 13).

Each probe runs the real app in a child process and records `sys.modules` after it exits, so
nothing imported by pytest or an earlier test hides what the command itself pulls in.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from monitor.store.db import head_revision
from tests.servers.feeds import FeedServer

HEAVY = (
    "sqlalchemy", "alembic", "jinja2", "datasketch", "numpy", "scipy", "matplotlib", "slack_sdk",
    "httpx", "feedparser", "trafilatura", "apscheduler", "prometheus_client",
    "monitor.pipeline", "monitor.app", "monitor.store", "monitor.daemon", "concurrent.futures.process",
    "rich",
)  # fmt: skip
HELP_MODULE_CEILING = 190

PROBE = """
import json, sys
from monitor.cli import app
code = 0
try:
    app(sys.argv[2:], prog_name="monitor")
except SystemExit as exc:
    code = exc.code
with open(sys.argv[1], "w", encoding="utf-8") as f:
    json.dump({"code": code, "modules": sorted(sys.modules)}, f)
"""


@pytest.fixture
def probe(tmp_path: Path) -> Any:
    """Run `monitor ARGS` in a fresh interpreter: (exit code, stdout, imported module names)."""
    config = tmp_path / "monitor.toml"
    config.write_text(f'default_sources = false\ndatabase_url = "sqlite:///{tmp_path / "monitor.db"}"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["MONITOR_CONFIG"] = str(config)

    def run(*args: str, stdin: str = "") -> tuple[int, str, set[str]]:
        record = tmp_path / "modules.json"
        done = subprocess.run(
            [sys.executable, "-c", PROBE, str(record), *args],
            input=stdin, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        seen = json.loads(record.read_text(encoding="utf-8"))
        return seen["code"], done.stdout, set(seen["modules"])

    return run


def heavy_in(modules: set[str]) -> list[str]:
    return sorted(h for h in HEAVY if h in modules or any(m.startswith(h + ".") for m in modules))


def test_help_imports_nothing_heavy_and_stays_under_the_ceiling(probe: Any) -> None:
    code, out, modules = probe("--help")
    assert code == 0
    assert "match" in out and "poll" in out  # the real help, every command listed
    assert heavy_in(modules) == []
    assert len(modules) <= HELP_MODULE_CEILING, f"{len(modules)} modules imported by `monitor --help`"


def test_version_imports_nothing_heavy(probe: Any) -> None:
    code, out, modules = probe("--version")
    assert code == 0
    assert out.strip() == __import__("monitor").__version__
    assert heavy_in(modules) == []


def test_match_imports_only_the_matcher(probe: Any) -> None:
    code, out, modules = probe("match", "--json", stdin="A drone strike near Albu Kamal on Tuesday.")
    assert code == 0
    assert [m["entity"] for m in json.loads(out)["matches"]] == ["bukamal"]
    assert heavy_in(modules) == []
    assert "monitor.matching" in modules


def test_watchlists_validate_imports_nothing_heavy(probe: Any) -> None:
    code, _, modules = probe("watchlists", "validate")
    assert code == 0
    assert heavy_in(modules) == []


def test_poll_still_loads_what_it_needs(probe: Any, tmp_path: Path) -> None:
    """The probe sees lazy imports: a poll (of no sources) does load the database and the
    watchlists, and creates the new database (from the models, without Alembic)."""
    code, _, modules = probe("poll")
    assert code == 0
    assert {"sqlalchemy", "monitor.app", "monitor.watchlists", "monitor.spikes"} <= modules
    assert "alembic" not in modules
    with sqlite3.connect(tmp_path / "monitor.db") as connection:
        versions = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert versions == [(head_revision(),)]


def test_poll_of_no_sources_starts_no_fetcher_parse_pool_or_signatures(probe: Any) -> None:
    """With nothing to fetch a poll only checks the watchlists, queues health notices and spikes
    and delivers: no HTTP client, no pipeline or parse pool, no matcher automaton, no numpy (story
    signatures), no slack-sdk (the console channel), no alert queue or digest (with no history
    there is no spike to group), no Rich (no table is printed)."""
    code, _, modules = probe("poll")
    assert code == 0
    unneeded = ("httpx", "numpy", "slack_sdk", "feedparser", "monitor.pipeline", "monitor.fetch",
                "monitor.feed_workers", "monitor.matching", "concurrent.futures.process",
                "monitor.alerts.queue", "monitor.digest", "rich")  # fmt: skip
    assert [m for m in unneeded if m in modules] == []


def test_poll_of_a_current_database_skips_migrations_and_signatures(probe: Any) -> None:
    """Once the schema is at head, a poll reads the version row instead of importing Alembic;
    story signatures never import datasketch (and with it scipy)."""
    assert probe("poll")[0] == 0  # creates the database
    code, _, modules = probe("poll")
    assert code == 0
    assert {"sqlalchemy", "monitor.store"} <= modules
    assert [m for m in ("alembic", "datasketch", "scipy") if m in heavy_in(modules)] == []


def test_fetcher_leaves_out_the_command_line_of_httpx() -> None:
    """httpx's own CLI (click, pygments, rich's progress bars) is not loaded with the fetcher,
    even where click is installed (it is, with the test tools); httpx itself still works."""
    code = (
        "import sys, monitor.fetch, httpx\n"
        "assert httpx.Response(304).status_code == 304\n"
        "print(sorted(m for m in ('click', 'pygments', 'rich.progress') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_poll_of_unchanged_feeds_loads_no_matcher(
    probe: Any, tmp_path: Path, feed_server: FeedServer
) -> None:
    """A poll where every feed answers 304 parses nothing, so it loads neither the matcher nor the
    event typer (nor the automaton, nor numpy); the first poll, which parses, does."""
    item = "<item><title>Drone strike near Albu Kamal</title><link>http://x.example/1</link></item>"
    url = feed_server.set_feed(
        f"/startup/{tmp_path.name}.xml", f"<rss><channel>{item}</channel></rss>".encode()
    )
    config = tmp_path / "monitor.toml"
    config.write_text(config.read_text() + f'[[sources]]\nid = "s"\nurl = "{url}"\n')
    matching = ("monitor.matching", "monitor.events", "monitor.automaton", "ahocorasick", "numpy")
    first = probe("poll")
    again = probe("poll")
    assert first[0] == again[0] == 0
    assert "not_modified" in again[1]
    assert [m for m in matching if m in first[2]] == list(matching)
    assert [m for m in matching if m in again[2]] == []
