"""Where things are: the region the monitor covers, the check every watched place must pass, the
rule that picks one place for a story, and the bundled base map the digest draws.

The region is Syria and Iraq (a bounding box, with a little margin). Every watched place needs
WGS84 `coords: [latitude, longitude]` inside it; a place that is really elsewhere (a city in Iran
named in the news about the border) says so with `outside_region: true`, so a typo that puts
al-Bukamal in the Indian Ocean, or latitude and longitude swapped, is caught when the watchlists
load instead of on a map.

A story's place is the most specific watched place inside the region it names (a place marked
outside_region is still matched and counted, but never put on the map or in the export's place
columns, so every exported point lies in the region):
1. a place that is a parent of another place the story names gives way to it (al-Bukamal → the
   Hamdan airport when both are named);
2. then the finer kind wins (`FINEST_FIRST`: a facility or a village before a town, a city, a
   district, a region, a governorate, a river);
3. then the place named by more of the story's articles, then the one named first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Box:
    south: float
    west: float
    north: float
    east: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lon <= self.east

    def describe(self) -> str:
        return f"latitude {self.south} to {self.north}, longitude {self.west} to {self.east}"


REGION = Box(south=29.0, west=35.5, north=37.5, east=48.6)  # Syria and Iraq
REGION_NAME = "Syria and Iraq"

FINEST_FIRST = (
    "facility", "neighbourhood", "base", "airport", "station", "crossing", "quarry", "gas_field",
    "oil_field", "village", "town", "city", "road", "district", "region", "governorate", "river",
)  # fmt: skip
_KIND_RANK = {kind: i for i, kind in enumerate(FINEST_FIRST)}


def place_problem(coords: tuple[float, float] | None, outside_region: bool) -> str | None:
    """Why a watched place's coordinates are refused, or None when they are fine."""
    if coords is None:
        return "a place needs coords: [latitude, longitude] (WGS84, decimal degrees)"
    lat, lon = coords
    if not outside_region and not REGION.contains(lat, lon):
        hint = " (latitude and longitude swapped?)" if REGION.contains(lon, lat) else ""
        return (
            f"coords [{lat}, {lon}] are outside {REGION_NAME} ({REGION.describe()}){hint}; "
            "fix them, or mark the place outside_region: true"
        )
    return None


# --- one place per story -------------------------------------------------------------------------


class PlaceInfo(Protocol):
    """An entity as the map, the export and the digest read it (places have parents and coords)."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def parents(self) -> Sequence[str]: ...
    @property
    def coords(self) -> tuple[float, float] | None: ...


@dataclass(frozen=True, slots=True)
class Place:
    id: str
    name: str
    lat: float
    lon: float


def story_place(named: Sequence[Sequence[str]], places: Mapping[str, PlaceInfo]) -> Place | None:
    """The most specific watched place named by a story's articles (each a list of entity ids in
    order of mention), by the rule in the module docstring; None when it names no place in the region."""
    articles_naming: dict[str, int] = {}
    for entities in named:
        for entity in dict.fromkeys(entities):
            if entity in places and _in_region(places[entity].coords):
                articles_naming[entity] = articles_naming.get(entity, 0) + 1
    if not articles_naming:
        return None
    order = list(articles_naming)
    above = {a for p in order for a in ancestors(p, places)}
    candidates = [p for p in order if p not in above] or order
    best = min(
        candidates,
        key=lambda p: (
            _KIND_RANK.get(places[p].kind, len(FINEST_FIRST)),
            -articles_naming[p],
            order.index(p),
        ),
    )
    lat, lon = places[best].coords  # type: ignore[misc]
    return Place(best, places[best].name, lat, lon)


def _in_region(coords: tuple[float, float] | None) -> bool:
    return coords is not None and REGION.contains(*coords)


def ancestors(place: str, places: Mapping[str, PlaceInfo]) -> set[str]:
    """The parents of `place`, theirs and so on up (a cycle ends where it returns)."""
    seen: set[str] = set()
    todo = list(places[place].parents) if place in places else []
    while todo:
        parent = todo.pop()
        if parent not in seen:
            seen.add(parent)
            todo.extend(places[parent].parents if parent in places else ())
    return seen


# --- the base map --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Basemap:
    """Lines and points as (longitude, latitude) pairs; see monitor/basemap.json for the sources."""

    border: tuple[tuple[float, float], ...]
    countries: Mapping[str, tuple[tuple[float, float], ...]]
    country_labels: Mapping[str, tuple[float, float]]
    euphrates: tuple[tuple[float, float], ...]
    towns: tuple[tuple[str, float, float], ...]  # name, longitude, latitude


@cache
def basemap() -> Basemap:
    raw = json.loads(resources.files("monitor").joinpath("basemap.json").read_text(encoding="utf-8"))

    def line(points: list[list[float]]) -> tuple[tuple[float, float], ...]:
        return tuple((lon, lat) for lon, lat in points)

    return Basemap(
        border=line(raw["border"]),
        countries={name: line(points) for name, points in raw["countries"].items()},
        country_labels={name: (at[0], at[1]) for name, at in raw["country_labels"].items()},
        euphrates=line(raw["euphrates"]),
        towns=tuple((t["name"], t["at"][0], t["at"][1]) for t in raw["towns"]),
    )
