"""The watchlist loader: the README's format, and every error named by file, line and field."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.errors import WatchlistError
from monitor.matching import Matcher
from monitor.watchlists import Alias, load_all_errors, load_watchlists

FIXTURES = Path(__file__).parent / "data" / "watchlists"
ROOT = Path(__file__).parent.parent


def test_fixture_folder_loads_entities_rules_and_documents() -> None:
    watchlist = load_watchlists(FIXTURES / "basic")

    kh = watchlist.entities["kataib-hezbollah"]
    assert kh.aliases[0] == Alias(text="Kata'ib Hezbollah")
    assert kh.aliases[4] == Alias(text="KH", case_sensitive=True)
    assert kh.parents == ("pmf",)
    assert kh.provenance[0].doc == "fixture-doc"
    assert watchlist.entities["bukamal"].coords == (34.4528, 40.9185)
    assert watchlist.entities["brigade-313"].aliases[0].context is not None
    assert [r.id for r in watchlist.rules.rules][0] == "iran-backed-at-watched-place"
    assert set(watchlist.documents) == {"fixture-doc"}
    assert watchlist.origins["bukamal"].path.name == "places.yaml"
    assert watchlist.origins["bukamal"].line == 3
    assert watchlist.stats()["entities"] == 18


def test_an_extra_entity_file_is_picked_up(tmp_path: Path) -> None:
    (tmp_path / "tribes-extra.yaml").write_text(
        "entities:\n  - {id: shaitat, name: Al-Shaitat, kind: tribe, aliases: [Shaitat, 313]}\n",
        encoding="utf-8",
    )
    (tmp_path / "empty.yaml").write_text("# nothing yet\n", encoding="utf-8")

    watchlist = load_watchlists(tmp_path)

    assert list(watchlist.entities) == ["shaitat"]
    assert watchlist.entities["shaitat"].aliases[1].text == "313"  # an unquoted number is still an alias
    assert watchlist.rules.rules == ()


BROKEN_FIELDS = [
    (43, "entities[9].name", "duplicate key"),
    (3, "no-name.name", "Field required"),
    (8, "bad-kind.kind", "Input should be"),
    (10, "Bad_Id.id", "should match pattern"),
    (19, "bad-window.aliases[0].context.window", "greater than or equal to 1"),
    (23, "actor-with-coords.coords", "coords are for places only"),
    (25, "typo-field.aliases", "Field required"),
    (28, "typo-field.alias", "Extra inputs are not permitted"),
    (32, "no-aliases.aliases", "at least one alias"),
    (36, "punctuation-alias.aliases[0].text", "no letters or digits"),
    (40, "lonely-related.aliases", "no parents or related"),
]

BROKEN_REFERENCES = [
    ("places.yaml", 17, "pmf.id", "duplicate id 'pmf', first defined at actors.yaml:11"),
    ("places.yaml", 6, "bukamal.aliases[1]", "also claimed by kataib-hezbollah (actors.yaml:8)"),
    ("places.yaml", 16, "qaim-district.aliases[0]", "also claimed by qaim (places.yaml:11)"),
    ("actors.yaml", 7, "kataib-hezbollah.related", "unknown entity id 'nowhere'"),
    ("actors.yaml", 10, "kataib-hezbollah.provenance[0].doc", "unknown document 'unknown-doc'"),
    ("actors.yaml", 14, "pmf.parents", "refers to itself"),
    ("rules.yaml", 5, "unknown-things.all[0].tags", "unknown tag 'irgc-backed'"),
    ("rules.yaml", 6, "unknown-things.all[1].ids", "unknown id 'nowhere'"),
    ("rules.yaml", 6, "unknown-things.all[1].kinds", "unknown kind 'planet'"),
]


def _summary(errors: list[WatchlistError]) -> list[tuple[str, int | None, str | None, str]]:
    return [(Path(e.path).name, e.line, e.field, e.message) for e in errors]


@pytest.mark.parametrize(("line", "field", "message"), BROKEN_FIELDS, ids=[f for _, f, _ in BROKEN_FIELDS])
def test_field_errors_name_line_and_field(line: int, field: str, message: str) -> None:
    errors = _summary(load_all_errors(FIXTURES / "broken-fields"))

    assert [e for e in errors if e[1:3] == (line, field) and message in e[3]], errors


@pytest.mark.parametrize(
    ("name", "line", "field", "message"), BROKEN_REFERENCES, ids=[r[2] for r in BROKEN_REFERENCES]
)
def test_cross_file_errors_name_line_and_field(name: str, line: int, field: str, message: str) -> None:
    errors = _summary(load_all_errors(FIXTURES / "broken-references"))

    assert [e for e in errors if e[:3] == (name, line, field) and message in e[3]], errors


def test_parents_that_lead_back_are_a_cycle(tmp_path: Path) -> None:
    """a in b, b in a: each is named on its parents line (validation passed it, from an outside sweep)."""
    (tmp_path / "places.yaml").write_text(
        "entities:\n"
        "  - id: town-a\n    name: Town A\n    kind: town\n    coords: [34.4, 40.9]\n    parents: [town-b]\n"
        "    aliases: [Town A]\n"
        "  - id: town-b\n    name: Town B\n    kind: town\n    coords: [34.4, 40.9]\n    parents: [town-a]\n"
        "    aliases: [Town B]\n",
        encoding="utf-8",
    )
    assert [(e.line, e.field) for e in load_all_errors(tmp_path) if "lead back" in e.message] == [
        (6, "town-a.parents"),
        (12, "town-b.parents"),
    ]


def test_every_problem_is_reported_once() -> None:
    assert len(load_all_errors(FIXTURES / "broken-fields")) == len(BROKEN_FIELDS)
    assert len(load_all_errors(FIXTURES / "broken-references")) == len(BROKEN_REFERENCES)


def test_yaml_syntax_error_names_the_line() -> None:
    with pytest.raises(WatchlistError) as caught:
        load_watchlists(FIXTURES / "broken-yaml")

    assert (Path(caught.value.path).name, caught.value.line) == ("places.yaml", 6)
    assert caught.value.message.startswith("YAML syntax: ")
    assert str(caught.value).startswith(f"{caught.value.path}:6:{caught.value.column}: YAML syntax: ")


def test_a_file_that_cannot_be_read_is_one_problem_each(tmp_path: Path) -> None:
    """UTF-16 text, a folder named *.yaml, a link to nothing: each named, no traceback."""
    (tmp_path / "places.yaml").write_text("entities: []\n", encoding="utf-16")
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "nothing")

    problems = {Path(e.path).name: e.message for e in load_all_errors(tmp_path)}

    assert problems == {
        "folder.yaml": "YAML syntax: cannot read the file: Is a directory",
        "gone.yaml": "YAML syntax: cannot read the file: No such file or directory",
        "places.yaml": "YAML syntax: not UTF-8 text (byte 0): save it as UTF-8",
    }


def test_a_yaml_syntax_error_is_one_problem_not_its_dangling_references(tmp_path: Path) -> None:
    """Every reference into a file that cannot be read would dangle: only the syntax error is news."""
    for source in (ROOT / "watchlists").glob("*.yaml"):
        (tmp_path / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    lines = (tmp_path / "actors.yaml").read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("name:"))
    lines[at] += ": [unclosed"
    (tmp_path / "actors.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = tmp_path / "monitor.toml"
    config.write_text(f'watchlists = "{tmp_path}"\n', encoding="utf-8")

    result = CliRunner().invoke(
        app, ["--config", str(config), "watchlists", "validate"], catch_exceptions=False
    )

    problem, summary = result.stderr.splitlines()
    assert result.exit_code == 2
    assert problem.startswith(f"{tmp_path / 'actors.yaml'}:{at + 1}:") and ": YAML syntax: " in problem
    assert summary == f"1 problem in {tmp_path}"


def test_role_names_add_aliases_to_an_entity_and_are_checked(tmp_path: Path) -> None:
    (tmp_path / "actors.yaml").write_text(
        "entities:\n  - {id: syrian-army, name: SAA, kind: state_force, aliases: [Syrian Army]}\n"
        "  - {id: iraqi-army, name: Iraqi Army, kind: state_force, aliases: [Iraqi Army]}\n",
        encoding="utf-8",
    )
    roles = tmp_path / "roles.yaml"
    roles.write_text(
        "roles:\n  - {entity: syrian-army, why: wire copy, aliases: [Syrian regime]}\n", encoding="utf-8"
    )

    assert [a.text for a in load_watchlists(tmp_path).entities["syrian-army"].aliases] == [
        "Syrian Army",
        "Syrian regime",
    ]

    roles.write_text("roles:\n  - {entity: nobody, aliases: [Iraqi Army]}\n", encoding="utf-8")
    assert sorted(e.message for e in load_all_errors(tmp_path)) == [
        "alias 'Iraqi Army' is also claimed by iraqi-army (actors.yaml:3); "
        "all claims of a shared alias but one need context.require words",
        "unknown entity id 'nobody'",
    ]


def test_load_raises_the_first_error_with_its_location() -> None:
    with pytest.raises(WatchlistError) as caught:
        load_watchlists(FIXTURES / "broken-fields")

    assert (caught.value.line, caught.value.field) == (43, "entities[9].name")


def test_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    errors = load_all_errors(tmp_path / "nowhere")

    assert [e.message for e in errors] == ["watchlist folder not found"]


def test_clean_folder_has_no_errors() -> None:
    assert load_all_errors(FIXTURES / "basic") == []


def test_a_name_two_entities_share_is_valid_when_all_claims_but_one_require_context(tmp_path: Path) -> None:
    def ministry(state: str, require: str) -> str:
        return (
            f"  - id: {state}-interior\n    name: {state}\n    kind: government\n    aliases:\n"
            f"      - text: Interior Ministry\n{require}"
        )

    syria = "        context: {require: [Syrian, Damascus], window: 8}\n"
    iraq = "        context: {require: [Iraqi, Baghdad], window: 8}\n"
    actors = tmp_path / "actors.yaml"
    texts = (
        "A Syrian official at the Interior Ministry said.",
        "In Baghdad the Interior Ministry said.",
        "The Interior Ministry said.",
    )
    actors.write_text("entities:\n" + ministry("syria", syria) + ministry("iraq", iraq), encoding="utf-8")
    matcher = Matcher(load_watchlists(tmp_path))
    assert [[m.entity for m in matcher.find(text)] for text in texts] == [
        ["syria-interior"],
        ["iraq-interior"],
        [],
    ]

    # one unbound claim: the default owner, wherever no other claim's words stand
    actors.write_text("entities:\n" + ministry("syria", syria) + ministry("iraq", ""), encoding="utf-8")
    matcher = Matcher(load_watchlists(tmp_path))
    found = [[m.entity for m in matcher.find(text)] for text in texts]
    assert found == [["syria-interior"], ["iraq-interior"], ["iraq-interior"]]

    # two unbound claims: which one a bare mention names is unknown
    third = "  - {id: jordan-interior, name: jordan, kind: government, aliases: [Interior Ministry]}\n"
    actors.write_text(
        "entities:\n" + ministry("syria", syria) + ministry("iraq", "") + third, encoding="utf-8"
    )
    assert [(Path(e.path).name, e.line, e.field, e.message) for e in load_all_errors(tmp_path)] == [(
        "actors.yaml", 13, "jordan-interior.aliases[0]",
        "alias 'Interior Ministry' is also claimed by iraq-interior (actors.yaml:12); "
        "all claims of a shared alias but one need context.require words",
    )]  # fmt: skip


def test_the_context_claim_of_a_shared_alias_wins_over_the_default_owner(tmp_path: Path) -> None:
    """Both readings, whichever file or order the claims are written in."""
    default = "  - {id: lebanon-party, name: L, kind: party, aliases: [Hezbollah]}\n"
    bound = (
        "  - id: iraq-faction\n    name: I\n    kind: militia\n    aliases:\n"
        "      - {text: Hezbollah, context: {require: [PMF, Nujaba], window: 4}}\n"
    )
    texts = ("Hezbollah and Nujaba refused to disarm.", "Hezbollah fighters crossed the Litani.")
    for order in ((default, bound), (bound, default)):
        (tmp_path / "actors.yaml").write_text("entities:\n" + "".join(order), encoding="utf-8")
        matcher = Matcher(load_watchlists(tmp_path))
        assert [[m.entity for m in matcher.find(text)] for text in texts] == [
            ["iraq-faction"],
            ["lebanon-party"],
        ]


def test_a_provenance_cites_a_baseline_document_or_a_public_page(tmp_path: Path) -> None:
    place = "{{id: {id}, name: X, kind: village, coords: [34.8, 40.7], aliases: [{id}], provenance: [{p}]}}"
    entry = "  - " + place + "\n"
    (tmp_path / "places.yaml").write_text(
        "entities:\n"
        + entry.format(id="by-url", p="{url: 'https://example.org/x', note: coordinates}")
        + entry.format(id="both", p="{url: 'https://example.org/x', doc: some-doc}")
        + entry.format(id="neither", p="{note: hearsay}")
        + entry.format(id="not-a-url", p="{url: 'example.org/x'}"),
        encoding="utf-8",
    )

    problems = {e.field: e.message for e in load_all_errors(tmp_path)}

    assert set(problems) == {"both.provenance[0]", "neither.provenance[0]", "not-a-url.provenance[0].url"}
    assert problems["neither.provenance[0]"] == "give either doc (a baseline.yaml id) or url"


def _laughs(tmp_path: Path) -> Path:
    """Ten anchors of nine aliases each: 10^9 aliases once expanded, from a 500-byte file."""
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for previous, name in zip("abcdefghi", "bcdefghij", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    lines.append("entities: [{id: lolx, name: L, kind: militia, aliases: *j}]")
    (tmp_path / "laughs.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def test_an_alias_bomb_is_refused_naming_its_file_and_line(tmp_path: Path) -> None:
    """Refused before anything expands it: as a real process under a 1.5 GB address-space limit,
    which the bomb would exhaust (and a machine without the limit, its memory)."""

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))

    env = {**os.environ, "MONITOR_WATCHLISTS": str(_laughs(tmp_path))}
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "watchlists", "validate"],
        env=env, preexec_fn=limit_memory, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"{tmp_path / 'laughs.yaml'}:7: YAML syntax: aliases expand this value to more than 1,000,000 values"
        " (an alias bomb?)",
        f"1 problem in {tmp_path}",
    ]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("x: &x [a, *x]\n", 1, "YAML syntax: an alias inside this value refers to the value itself"),
        # twelve anchors each 90 lists deep, each inside the next: 1,080 deep once expanded
        (
            "".join(
                f"a{i}: &a{i} " + "[" * 90 + (f"*a{i - 1}" if i else "x") + "]" * 90 + "\n" for i in range(12)
            ),
            2,
            "YAML syntax: values nest more than 100 deep",
        ),
    ],
)
def test_an_alias_loop_or_a_nesting_too_deep_is_one_problem(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    (tmp_path / "places.yaml").write_text(text, encoding="utf-8")

    assert _summary(load_all_errors(tmp_path)) == [("places.yaml", line, None, message)]


def test_an_anchor_reused_many_times_is_fine(tmp_path: Path) -> None:
    """Each node is measured once: 300 entities sharing one context of 3,000 words load."""
    words = ", ".join(f"w{i}" for i in range(3000))
    entries = "".join(
        f"  - {{id: e{i}, name: E, kind: militia, aliases: [{{text: E{i}, context: *c}}]}}\n"
        for i in range(300)
    )
    (tmp_path / "actors.yaml").write_text(
        f"context: &c {{require: [{words}]}}\nentities:\n{entries}".replace("context: &c", "shared: &c", 1),
        encoding="utf-8",
    )

    assert "shared" in str(load_all_errors(tmp_path)[0])  # the only problem: the unknown top-level key


def _monitor(folder: Path, *command: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(
        app, list(command or ["watchlists", "validate"]), input="Abu Kamal\n",
        env={"MONITOR_WATCHLISTS": str(folder)}, catch_exceptions=False,
    )  # fmt: skip
    return result.exit_code, result.stderr.splitlines()


@pytest.mark.parametrize(
    "files", [{}, {"a.txt": b"notes\n", "b.bin": bytes(range(256))}, {"rules.yaml": b"rules: []\n"}]
)
@pytest.mark.parametrize("command", [["watchlists", "validate"], ["match"]])
def test_a_folder_without_entities_is_one_error_naming_it(
    tmp_path: Path, files: dict[str, bytes], command: list[str]
) -> None:
    """A wrong but existing folder would store every article without a hit, and never alert."""
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)

    code, lines = _monitor(tmp_path, *command)

    assert code == 2
    [line] = lines
    assert line == f"error: {tmp_path}: no entities in any *.yaml file: " + (
        "nothing would ever match (is it the watchlist folder?)"
    )


def test_a_rule_asking_for_event_types_that_events_yaml_lacks_is_an_error(tmp_path: Path) -> None:
    """The shipped lists without events.yaml: the military-act rule could never fire."""
    for source in (ROOT / "watchlists").glob("*.yaml"):
        if source.name != "events.yaml":
            (tmp_path / source.name).write_bytes(source.read_bytes())
    line = next(
        i + 1
        for i, text in enumerate((tmp_path / "rules.yaml").read_text(encoding="utf-8").splitlines())
        if text.strip().startswith("events: [")
    )

    [problem] = load_all_errors(tmp_path)

    assert (Path(problem.path).name, problem.line, problem.field) == (
        "rules.yaml",
        line,
        "armed-actor-military-act.events",
    )
    assert problem.message.startswith(
        "event types not defined in events.yaml (the rule could never fire): airstrike"
    )


@pytest.mark.parametrize(("events", "state"), [(None, "is missing"), ("", "defines no event types")])
def test_a_folder_without_event_types_is_valid_with_a_warning(
    tmp_path: Path, events: str | None, state: str
) -> None:
    """Entities alone can work (no rule here asks for an event), but no article is ever typed."""
    for source in (FIXTURES / "basic").glob("*.yaml"):
        (tmp_path / source.name).write_bytes(source.read_bytes())
    if events is not None:
        (tmp_path / "events.yaml").write_text(events, encoding="utf-8")
    warning = f"{tmp_path / 'events.yaml'} {state}: no article gets an event type (airstrike, deployment ...)"

    code, lines = _monitor(tmp_path)
    assert code == 0
    assert lines[0] == f"warning: {warning}" and lines[1].startswith(f"{tmp_path}: watchlists are valid")

    code, lines = _monitor(tmp_path, "match")
    assert code == 0
    assert any("watchlists.incomplete" in line and warning in line for line in lines), lines


def test_an_event_type_defined_twice_is_reported_as_such_even_without_triggers(tmp_path: Path) -> None:
    for source in (ROOT / "watchlists").glob("*.yaml"):
        (tmp_path / source.name).write_bytes(source.read_bytes())
    lines = (tmp_path / "events.yaml").read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if line.strip() == "- id: airstrike")
    second = next(i for i, line in enumerate(lines) if line.strip() == "- id: shelling")
    lines[second:second] = ["  - id: airstrike", "    name: Airstrike again", "    triggers: []"]
    (tmp_path / "events.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert _summary(load_all_errors(tmp_path)) == [
        (
            "events.yaml",
            second + 3,
            "types[1].triggers",
            "Tuple should have at least 1 item after validation, not 0",
        ),
        (
            "events.yaml",
            second + 1,
            "types[1].id",
            f"duplicate id 'airstrike', first defined at events.yaml:{first + 1}",
        ),
    ]
