"""Places on the map: the region check the watchlists apply, the one-place-per-story rule, the base
map and the digest map's layout (labels that never overlap, text legible on a phone)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from monitor.digest_map import DPI, HEIGHT_IN, LABEL_PT, TOWN_PT, WIDTH_IN, MapPoint, draw_map
from monitor.geo import REGION, basemap, place_problem, story_place
from monitor.watchlists import load_all_errors, load_watchlists
from tests.conftest import WATCHLISTS

PLACE = "  - id: {id}\n    name: {id}\n    kind: town\n{extra}    aliases: [{id}]\n"


def errors_for(tmp_path: Path, extra: str) -> list[tuple[int | None, str | None, str]]:
    (tmp_path / "places.yaml").write_text("entities:\n" + PLACE.format(id="somewhere", extra=extra))
    return [(e.line, e.field, e.message) for e in load_all_errors(tmp_path)]


def test_a_place_without_coords_is_refused_with_its_line(tmp_path: Path) -> None:
    assert errors_for(tmp_path, "") == [
        (2, "somewhere", "a place needs coords: [latitude, longitude] (WGS84, decimal degrees)")
    ]


def test_a_place_outside_the_region_is_refused_unless_marked(tmp_path: Path) -> None:
    (problem,) = errors_for(tmp_path, "    coords: [40.9170, 34.4530]\n")  # swapped
    assert "outside Syria and Iraq" in problem[2] and "swapped?" in problem[2]
    assert "outside_region: true" in problem[2]
    assert errors_for(tmp_path, "    coords: [31.318, 48.671]\n    outside_region: true\n") == []
    assert errors_for(tmp_path, "    coords: [34.453, 40.917]\n") == []


def test_every_bundled_place_is_inside_the_region_or_marked() -> None:
    watchlist = load_watchlists(WATCHLISTS)
    places = [e for e in watchlist.entities.values() if e.is_place]
    assert places and all(place_problem(e.coords, e.outside_region) is None for e in places)


def test_actors_need_no_coords() -> None:
    assert place_problem((34.45, 40.92), False) is None
    assert place_problem((0.0, 0.0), True) is None


# --- one place per story -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def places():  # type: ignore[no-untyped-def]
    watchlist = load_watchlists(WATCHLISTS)
    return {i: e for i, e in watchlist.entities.items() if e.is_place}


def test_a_child_place_beats_its_parent(places) -> None:  # type: ignore[no-untyped-def]
    found = story_place([["kataib-hezbollah", "bukamal", "hamdan-airport"]], places)
    assert found is not None and found.id == "hamdan-airport"
    assert (found.lat, found.lon) == places["hamdan-airport"].coords


def test_then_the_finer_kind_then_the_most_articles(places) -> None:  # type: ignore[no-untyped-def]
    found = story_place([["euphrates", "deir-ez-zor", "qaim"]], places)  # river, governorate, district
    assert found is not None and found.id == "qaim"
    found = story_place([["anah"], ["rawa", "anah"], ["rawa"], ["rawa"]], places)  # two towns
    assert found is not None and found.id == "rawa"
    assert story_place([["irgc", "pmf"]], places) is None


def test_the_base_map_lies_in_the_region() -> None:
    base = basemap()
    for lon, lat in [*base.border, *base.euphrates, *((lon, lat) for _, lon, lat in base.towns)]:
        assert REGION.contains(lat, lon)
    assert base.border[1] == (40.955, 34.428)  # the border meets the Euphrates at the crossing


# --- the map -------------------------------------------------------------------------------------

BUSY = [
    MapPoint("bukamal", "al-Bukamal (Abu Kamal)", 34.453, 40.917, 9),
    MapPoint("qaim", "al-Qa'im (town and district)", 34.37, 41.09, 6),
    MapPoint("hamdan-airport", "al-Hamdan airport", 34.4816, 40.8714, 3),
    MapPoint("hiri", "al-Hiri", 34.437, 40.943, 1),
    MapPoint("mayadin", "al-Mayadin", 35.02, 40.451, 4),
    MapPoint("deir-ez-zor", "Deir ez-Zor (city and governorate)", 35.336, 40.141, 2),
    MapPoint("al-tanf", "al-Tanf", 33.495, 38.63, 2),
    MapPoint("baghdad", "Baghdad", 33.315, 44.366, 1),
    MapPoint("damascus", "Damascus", 33.513, 36.292, 1),
    MapPoint("anah", "Anah", 34.372, 41.987, 1),
    MapPoint("rawa", "Rawa", 34.48, 41.917, 1),
]


@pytest.mark.parametrize("count", [1, 3, len(BUSY)])
def test_map_labels_never_overlap_and_stay_on_the_map(count: int) -> None:
    drawing = draw_map(BUSY[:count])
    boxes = [box for _, box in drawing.labels]
    for (x0, y0, x1, y1), (u0, v0, u1, v1) in itertools.combinations(boxes, 2):
        assert x1 <= u0 or u1 <= x0 or y1 <= v0 or v1 <= y0
    width, height = WIDTH_IN * DPI, HEIGHT_IN * DPI
    assert all(x0 >= 0 and x1 <= width and y0 >= 0 and y1 <= height for x0, y0, x1, y1 in boxes)
    stories = [text for text, _ in drawing.labels if text.endswith(")")]
    assert stories and stories[0].startswith("al-Bukamal")  # the biggest point is labelled first
    assert len(stories) + len(drawing.unlabelled) <= count


def test_map_text_is_at_least_12px_on_a_phone() -> None:
    shown = 390 - 2 * 6 - 2 * 1 - 2 * 14  # the template's paddings and border around the image
    assert min(LABEL_PT, TOWN_PT) * shown / (72 * WIDTH_IN) >= 12


def test_the_map_is_the_same_for_the_same_points() -> None:
    assert draw_map(BUSY).png == draw_map(BUSY).png


def test_a_dollar_in_a_place_name_is_drawn_as_written() -> None:
    drawing = draw_map([MapPoint("x", "Camp $5 $ridge", 34.45, 40.92, 2)])
    assert drawing.labels[0][0] == r"Camp \$5 \$ridge (2)"  # escaped for matplotlib, not mathematics


def test_a_place_outside_the_region_is_never_a_storys_place(places) -> None:  # type: ignore[no-untyped-def]
    assert places["ahvaz"].outside_region
    assert story_place([["ahvaz"]], places) is None
    found = story_place([["ahvaz", "bukamal"]], places)
    assert found is not None and found.id == "bukamal"
