"""Start-up of the commands that do little: what a process costs before (and instead of) work.

Commands, each a fresh process on a SQLite file already at the schema's head, with no sources:

  --help     the command list
  match      `monitor match --json` of one sentence on stdin (the watchlists, the automaton and
             the event typer read from the cache)
  poll       `monitor poll` of zero sources: settings, watchlists, the schema check, health
             notices, spikes, delivery (the goal of issue 14: <= 0.4 s)

For each: modules in sys.modules at exit, wall time, CPU seconds (user + system) and peak RSS
of the process (wait4's rusage). The rounds are interleaved and the median of each measure is
printed: on a machine shared with others wall time is noise, CPU time and modules are the figures
to compare. Each version's bytecode is written first (see bench/bytecode.py) and each command
run once before the rounds, with a cache folder of its own (XDG_CACHE_HOME). --baseline DIR
adds the monitor package found in DIR (made with `git archive COMMIT | tar -x -C DIR`), measured
in the same rounds, with the ratios against it.

Usage:
  python bench/startup.py [--repeat 7] [--baseline DIR] [--current DIR] [--check]

--check exits 1 when the zero-source poll's median wall time is over 0.4 s, or, with
--baseline, when a command loads more modules or takes over 10% more CPU than the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bytecode import compile_checkout

# Runs the CLI in-process and writes sys.modules at exit (as tests/test_startup.py does).
PROBE = """
import json, sys
sys.path[:0] = [p for p in sys.argv[1].split(":") if p]
from monitor.cli import app
try:
    app(sys.argv[3:], prog_name="monitor")
except SystemExit as exc:
    if exc.code:
        raise
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(len(sys.modules), f)
"""
COMMANDS = {
    "--help": (["--help"], ""),
    "match": (["match", "--json"], "A drone strike near Albu Kamal on Tuesday."),
    "poll": (["poll"], ""),
}
POLL_GOAL = 0.4  # seconds, issue 14


@dataclass
class Run:
    modules: int
    wall: float
    cpu: float
    rss_mb: float


class Version:
    """The monitor package to run: the installed one, or the one found in a folder."""

    def __init__(self, name: str, folder: Path | None) -> None:
        self.name, self.folder = name, folder
        if folder is not None:
            # what pyproject's package-dir does for an install: the schema and the watchlists
            for package, source in (("migrations", "migrations"), ("bundled_watchlists", "watchlists")):
                link = folder / "monitor" / package
                if not link.exists():
                    link.symlink_to(folder / source, target_is_directory=True)
        compile_checkout(folder)  # as an install does (see bench/bytecode.py)

    def run(self, workdir: Path, args: list[str], stdin: str) -> Run:
        record = workdir / "modules.json"
        path = str(self.folder) if self.folder else ""
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        env["MONITOR_CONFIG"] = str(workdir / "monitor.toml")
        # a cache folder of its own: other checkouts' runs would evict the shared one's files
        env["XDG_CACHE_HOME"] = str(workdir / "cache")
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", PROBE, path, str(record), *args],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=workdir,
        )  # fmt: skip
        assert process.stdin and process.stderr
        process.stdin.write(stdin.encode())
        process.stdin.close()
        errors = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{self.name} {' '.join(args)} failed:\n{errors.decode()[-2000:]}")
        modules = json.loads(record.read_text(encoding="utf-8"))
        return Run(modules, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def median(runs: list[Run]) -> Run:
    return Run(
        int(statistics.median(r.modules for r in runs)),
        statistics.median(r.wall for r in runs),
        statistics.median(r.cpu for r in runs),
        statistics.median(r.rss_mb for r in runs),
    )


def workdir(root: Path, version: Version) -> Path:
    """A folder with a config of no sources, a database already migrated by `version` and the
    caches every command reads (watchlists, automaton, event typer) written."""
    folder = root / version.name.replace(" ", "-")
    folder.mkdir()
    config = f'default_sources = false\ndatabase_url = "sqlite:///{folder / "monitor.db"}"\n'
    (folder / "monitor.toml").write_text(config)
    version.run(folder, ["poll"], "")  # creates the database first
    for argv, stdin in COMMANDS.values():
        version.run(folder, argv, stdin)
    return folder


def report(results: dict[str, dict[str, list[Run]]], baseline: str | None) -> list[str]:
    """Print the medians (and the ratios to the baseline); return the goals missed."""
    print(f"{'command':10} {'version':16} {'modules':>8} {'wall':>8} {'CPU':>8} {'peak RSS':>9}")
    missed = []
    for command in COMMANDS:
        for name, runs in results.items():
            m = median(runs[command])
            line = f"{command:10} {name:16} {m.modules:8d} {m.wall:6.2f} s {m.cpu:6.2f} s {m.rss_mb:6.0f} MB"
            if baseline and name != baseline:
                b = median(results[baseline][command])
                ratios = (m.modules / b.modules, m.cpu / b.cpu, m.rss_mb / b.rss_mb)
                line += "   x{:.2f} modules, x{:.2f} CPU, x{:.2f} RSS".format(*ratios)
                if m.modules > b.modules or m.cpu > b.cpu * 1.1:
                    missed.append(f"{command}: {name} over {baseline}")
            print(line)
    poll = median(results["monitor"]["poll"])
    ok = poll.wall <= POLL_GOAL
    verdict = "ok  " if ok else "MISS"
    print(f"\n{verdict} zero-source poll <= {POLL_GOAL} s: {poll.wall:.2f} s (CPU {poll.cpu:.2f} s)")
    return missed + ([] if ok else ["zero-source poll wall"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--baseline", type=Path, help="also run the monitor package found in this folder")
    parser.add_argument("--current", type=Path, help="run the monitor package found in this folder")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args()
    versions = [Version("monitor", args.current.resolve() if args.current else None)]
    if args.baseline:
        versions.append(Version("monitor before", args.baseline.resolve()))
    results: dict[str, dict[str, list[Run]]] = {v.name: {c: [] for c in COMMANDS} for v in versions}
    with tempfile.TemporaryDirectory() as root:
        folders = {v.name: workdir(Path(root), v) for v in versions}
        for _ in range(args.repeat):  # interleaved: a noisy minute hits every version alike
            for command, (argv, stdin) in COMMANDS.items():
                for version in versions:
                    results[version.name][command].append(version.run(folders[version.name], argv, stdin))
    print(f"{os.cpu_count()} cores, median of {args.repeat} rounds\n")
    missed = report(results, "monitor before" if args.baseline else None)
    if args.check and missed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
