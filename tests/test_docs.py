"""Every command has help, and every command is documented in the README (as sqlite-utils does)."""

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import bundled_sources

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def commands() -> list[tuple[str, bool]]:
    """Every command path, and whether it does something itself (a leaf, or a group that lists)."""
    found: list[tuple[str, bool]] = []

    def walk(command: object, prefix: str) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            acts = not hasattr(sub, "commands") or sub.invoke_without_command
            found.append((f"{prefix}{name}", acts))
            walk(sub, f"{prefix}{name} ")

    walk(typer.main.get_command(app), "")
    return found


@pytest.mark.parametrize(("path", "acts"), commands())
def test_command_has_help_and_is_documented(path: str, acts: bool) -> None:
    result = CliRunner().invoke(app, [*path.split(), "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    if acts:
        assert "Example:" in result.stdout
    group, _, sub = path.partition(" ")
    assert f"monitor {path}" in README or (sub and f"monitor {group}" in README and f"`{sub}`" in README)


def test_readme_quick_start_has_two_commands() -> None:
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = [b for b in quick.split("```")[1::2]]
    assert len(blocks) == 2
    assert blocks[0].strip().endswith("monitor run") and blocks[1].strip().endswith("pytest")


SEARCHES = ("news.google.com", "api.gdeltproject.org", "api.reliefweb.int")


def test_every_bundled_source_is_documented_with_its_url_and_evidence() -> None:
    """A row per bundled source in README "Sources": its label, its feed URL (searches and APIs
    by their query), and a last column saying what shows that it exists."""
    section = README.split("\n## Sources\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    for source in bundled_sources():
        row = next((r for r in rows if f"`{source.id}`" in r.split("|")[1]), None)
        assert row is not None, source.id
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[2] == source.label and len(cells[5]) > 20, source.id
        searched = any(h in source.url for h in SEARCHES)
        shown = source.url in cells[4] or (searched and ("search" in cells[4] or "api." in cells[4]))
        assert shown, source.id
