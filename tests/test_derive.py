"""`derive`: proposals for names the watchlists miss, never for names they match."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from monitor.derive import Candidate, derive, render_yaml
from monitor.watchlists import PLACE_KINDS, load_all_errors, load_watchlists

FIXTURES = Path(__file__).parent / "data" / "watchlists"
BASELINE = Path(__file__).resolve().parent.parent.parent / "shared" / "baseline"

ENGLISH = """Fighters of Liwa al-Baqir and the Hamza Brigade entered the village of al-Sukkariya near
al-Bukamal. Commander Abu Fadak al-Mohammedawi met Sheikh Nawaf al-Bashir of the al-Baggara tribe.
Kata'ib Hezbollah (PMF Brigade 45) holds the T2 station. The Imam Ali base and Hamdan airport were
struck. Later, Liwa al-Baqir fighters withdrew, and Iran's militia and the Iranian Forces stayed.
The spokesman, Ali Sayyid Ahmed, said nothing."""
ARABIC = (
    "<p>وصلت تعزيزات من لواء الباقر إلى قرية السكرية قرب البوكمال، وقالت عشيرة البكارة إن "
    "كتائب حزب الله انسحبت من مطار الحمدان في البوكمال.</p>"
)


@pytest.fixture(scope="module")
def candidates() -> list[Candidate]:
    return derive([("doc-en", ENGLISH), ("doc-ar", ARABIC)], load_watchlists(FIXTURES / "basic"))


def by_name(candidates: list[Candidate]) -> dict[str, Candidate]:
    return {c.name: c for c in candidates}


EXPECTED = [
    ("Liwa al-Baqir", "militia", 2),
    ("Hamza Brigade", "militia", 1),
    ("al-Sukkariya", "village", 1),
    ("Abu Fadak al-Mohammedawi", "person", 1),  # found by two patterns, counted once
    ("Nawaf al-Bashir", "person", 1),
    ("al-Baggara", "tribe", 1),
    ("T2 station", "station", 1),
    ("لواء الباقر", "militia", 1),
    ("السكرية", "village", 1),
    ("البكارة", "tribe", 1),
]


@pytest.mark.parametrize(("name", "kind", "count"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_unknown_names_are_proposed(candidates: list[Candidate], name: str, kind: str, count: int) -> None:
    candidate = by_name(candidates)[name]

    assert (candidate.kind, candidate.count) == (kind, count)


@pytest.mark.parametrize(
    "name",
    ["Kata'ib Hezbollah", "Hezbollah", "Brigade 45", "Imam Ali base", "Hamdan airport", "Abu Kamal",
     "مطار الحمدان",
     "كتائب حزب الله", "Iran's militia", "Iranian Forces", "Sayyid Ahmed", "Ahmed"],
)  # fmt: skip
def test_known_names_and_non_names_are_not_proposed(candidates: list[Candidate], name: str) -> None:
    assert not [c for c in candidates if name in c.aliases], [c.aliases for c in candidates]


def test_context_and_provenance_name_the_document(candidates: list[Candidate]) -> None:
    baqir = by_name(candidates)["Liwa al-Baqir"]

    assert baqir.provenance == (
        (
            "doc-en",
            "Fighters of Liwa al-Baqir and the Hamza Brigade entered the village of al-Sukkariya "
            "near al-Bukamal.",
        ),
    )


def test_rendered_stubs_load_as_a_watchlist_file(candidates: list[Candidate], tmp_path: Path) -> None:
    text = render_yaml(candidates)
    proposed = tmp_path / "proposed.yaml"
    proposed.write_text(text, encoding="utf-8")
    places = {c.id for c in candidates if c.kind in PLACE_KINDS}
    errors = load_all_errors(tmp_path)  # a place joins the watchlists with its coordinates only
    assert places and {e.field for e in errors} == places
    assert all(e.message.startswith("a place needs coords") for e in errors)
    stubs = yaml.safe_load(text)
    for stub in stubs["entities"]:
        if stub["kind"] in PLACE_KINDS:
            stub["coords"] = [34.45, 40.92]  # what the analyst adds
    proposed.write_text(yaml.safe_dump(stubs, allow_unicode=True), encoding="utf-8")

    watchlist = load_watchlists(tmp_path)

    assert text.startswith("# Proposed by `monitor watchlists derive`")
    assert set(watchlist.entities) == {c.id for c in candidates}
    assert (
        watchlist.entities["liwa-al-baqir"].provenance[0].note.startswith("seen 2x after 'Liwa': Fighters of")
    )


def test_nothing_to_propose_renders_an_empty_list() -> None:
    assert yaml.safe_load(render_yaml([])) == {"entities": []}


@pytest.mark.skipif(not BASELINE.is_dir(), reason=f"baseline documents not found at {BASELINE}")
def test_complete_watchlists_leave_little_to_propose_from_the_baseline() -> None:
    docs = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(BASELINE.glob("*.txt"))]

    candidates = derive(docs, load_watchlists(Path(__file__).parent.parent / "watchlists"))

    assert len(candidates) <= 5, [c.aliases for c in candidates]
