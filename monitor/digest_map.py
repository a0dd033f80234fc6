"""The digest's map: the week's stories as points sized by count, labelled with place names, over
the Iraq–Syria border, the Euphrates and the main towns (monitor/basemap.json), drawn offline with
matplotlib.

Legible on a phone: the PNG is drawn for a 4-inch-wide figure and shown about 340 px wide on a
390 px screen, so 11 pt text is about 13 px there (and larger on a desktop). Labels never overlap:
points closer than their markers are merged first (the biggest names the group, "+N"), then each
label takes the first of eight positions around its point that overlaps no marker, no other label
and stays inside the map, biggest point first; a label with no free position is left out (the
list under the map names every place anyway). Towns are drawn only where their name fits after
the stories' labels. Deterministic: the same points give the same PNG.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor.geo import basemap

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.transforms import Bbox


WIDTH_IN, HEIGHT_IN, DPI = 4.0, 3.6, 200
LABEL_PT = 11.5
TOWN_PT = 11.0
MIN_SPAN_LAT = 1.2  # degrees: a week with one place still shows its surroundings
POINT_COLOUR = "#D55E00"
_OFFSETS = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1))  # right, left, up ...


@dataclass(frozen=True, slots=True)
class MapPoint:
    """A place on the digest map and the week's stories whose place it is (monitor.geo's rule)."""

    id: str
    name: str
    lat: float
    lon: float
    stories: int


def short_name(name: str) -> str:
    """A name without its trailing explanation, for narrow places: "al-Qa'im (town and district)"
    → "al-Qa'im"."""
    return re.sub(r"\s*\([^)]*\)$", "", name) or name


def plot_text(text: str) -> str:
    """Text matplotlib shows as written: it reads $…$ as mathematics and hides labels starting
    with '_'."""
    return text.replace("$", r"\$").lstrip("_") or "?"


@dataclass(frozen=True, slots=True)
class _Cluster:
    name: str
    lon: float
    lat: float
    stories: int
    merged: int  # other places folded into this point

    @property
    def label(self) -> str:
        """The name without a trailing explanation ("al-Qa'im (town and district)" → "al-Qa'im")."""
        more = f" +{self.merged}" if self.merged else ""
        return plot_text(f"{short_name(self.name)}{more} ({self.stories})")

    @property
    def radius_pt(self) -> float:
        return min(3.0 + 2.5 * math.sqrt(self.stories), 14.0)


@dataclass(frozen=True, slots=True)
class MapDrawing:
    png: bytes  # 800 × 720 px
    labels: tuple[tuple[str, tuple[float, float, float, float]], ...]  # text, (x0, y0, x1, y1) in px
    unlabelled: tuple[str, ...]  # story points whose label found no free position


def draw_map(points: Sequence[MapPoint]) -> MapDrawing:
    """The map as a PNG, with where each label went (the tests check that none overlap)."""
    # Imported here: matplotlib would add about 0.4 s to every CLI command.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    _frame(axes, points)
    _draw_base(axes)
    renderer = canvas.get_renderer()
    clusters = _clusters(axes, points)
    markers = [_marker_box(axes, c) for c in clusters]
    taken = list(markers)
    placed: list[tuple[str, Bbox]] = []
    unlabelled: list[str] = []
    for cluster, marker in zip(clusters, markers, strict=True):
        axes.scatter(
            [cluster.lon], [cluster.lat], s=(cluster.radius_pt * 2) ** 2, color=POINT_COLOUR,
            alpha=0.85, edgecolors="white", linewidths=1.2, zorder=5,
        )  # fmt: skip
        box = _place_label(
            axes, renderer, cluster.label, marker, taken, bold=True, size=LABEL_PT, colour="#111827"
        )
        if box is None:
            unlabelled.append(cluster.label)
        else:
            placed.append((cluster.label, box))
    placed += _label_towns(axes, renderer, taken, clusters)
    _label_countries(axes, renderer, taken)
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    labels = tuple((text, (box.x0, box.y0, box.x1, box.y1)) for text, box in placed)
    return MapDrawing(out.getvalue(), labels, tuple(unlabelled))


def _frame(axes: Axes, points: Sequence[MapPoint]) -> None:
    """Limits around the points with room for labels, in the map's true proportions (a degree of
    longitude is cos(latitude) of a degree of latitude), filling the whole figure."""
    lons, lats = [p.lon for p in points], [p.lat for p in points]
    centre_lon, centre_lat = (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2
    stretch = math.cos(math.radians(centre_lat))
    half_lat = max((max(lats) - min(lats)) / 2 * 1.15 + 0.3, MIN_SPAN_LAT / 2)
    half_lon = (max(lons) - min(lons)) / 2 * 1.4 + 0.6
    ratio = WIDTH_IN / HEIGHT_IN  # = half_lon * stretch / half_lat on the page
    if half_lon * stretch / half_lat < ratio:
        half_lon = half_lat * ratio / stretch
    else:
        half_lat = half_lon * stretch / ratio
    axes.set_xlim(centre_lon - half_lon, centre_lon + half_lon)
    axes.set_ylim(centre_lat - half_lat, centre_lat + half_lat)
    axes.set_axis_off()
    axes.figure.set_facecolor("#eef2f6")


def _draw_base(axes: Axes) -> None:
    base = basemap()
    for name, outline in base.countries.items():
        colour = "#ffffff" if name == "Syria" else "#f7f5ef"
        axes.fill(*zip(*outline, strict=True), facecolor=colour, edgecolor="#9ca3af", linewidth=0.6, zorder=1)
    axes.plot(
        *zip(*base.euphrates, strict=True), color="#5b9bd5", linewidth=2.0, zorder=2, solid_capstyle="round"
    )
    axes.plot(
        *zip(*base.border, strict=True), color="#4b5563", linewidth=1.4, linestyle=(0, (5, 2.5)), zorder=3
    )


def _clusters(axes: Axes, points: Sequence[MapPoint]) -> list[_Cluster]:
    """Points folded into the biggest one nearby when their markers would overlap on the map."""
    clusters: list[tuple[_Cluster, tuple[float, float]]] = []
    scale = DPI / 72
    for point in points:  # biggest first, as MapPoints come
        here = axes.transData.transform((point.lon, point.lat))
        single = _Cluster(point.name, point.lon, point.lat, point.stories, 0)
        for i, (cluster, at) in enumerate(clusters):
            reach = (cluster.radius_pt + single.radius_pt) * scale
            if math.dist(here, at) < reach:
                merged = _Cluster(cluster.name, cluster.lon, cluster.lat, cluster.stories + point.stories,
                                  cluster.merged + 1)  # fmt: skip
                clusters[i] = (merged, at)
                break
        else:
            clusters.append((single, (float(here[0]), float(here[1]))))
    return [c for c, _ in clusters]


def _marker_box(axes: Axes, cluster: _Cluster) -> Bbox:
    from matplotlib.transforms import Bbox

    x, y = axes.transData.transform((cluster.lon, cluster.lat))
    r = cluster.radius_pt * DPI / 72
    return Bbox.from_extents(x - r, y - r, x + r, y + r)


def _place_label(
    axes: Axes, renderer: RendererBase, text: str, anchor: Bbox, taken: list[Bbox],
    *, bold: bool, size: float, colour: str,
) -> Bbox | None:  # fmt: skip
    """Put the label at the first free position around `anchor`; its box, or None (and no label)."""
    from matplotlib import patheffects
    from matplotlib.transforms import IdentityTransform

    gap = 2 * DPI / 72
    limits = axes.bbox
    cx, cy, r = (anchor.x0 + anchor.x1) / 2, (anchor.y0 + anchor.y1) / 2, anchor.width / 2
    for dx, dy in _OFFSETS:
        reach = r * (0.7 if dx and dy else 1.0) + gap  # diagonals start at the circle, not its box
        x, y = cx + dx * reach, cy + dy * reach
        label = axes.text(
            x, y, text, transform=IdentityTransform(), fontsize=size, fontweight="bold" if bold else "normal",
            color=colour, zorder=6,
            ha={1: "left", -1: "right", 0: "center"}[dx], va={1: "bottom", -1: "top", 0: "center"}[dy],
            path_effects=[patheffects.withStroke(linewidth=3, foreground="white")],
        )  # fmt: skip
        box = label.get_window_extent(renderer)
        inside = box.x0 >= limits.x0 and box.x1 <= limits.x1 and box.y0 >= limits.y0 and box.y1 <= limits.y1
        if inside and not any(box.overlaps(other) for other in taken):
            taken.append(box)
            return box
        label.remove()
    return None


def _label_towns(
    axes: Axes, renderer: RendererBase, taken: list[Bbox], clusters: Sequence[_Cluster]
) -> list[tuple[str, Bbox]]:
    """Main towns as small dots, named where the name fits; none where a story point already is."""
    from matplotlib.transforms import Bbox

    x0, x1 = axes.get_xlim()
    y0, y1 = axes.get_ylim()
    scale = DPI / 72
    story_at = [axes.transData.transform((c.lon, c.lat)) for c in clusters]
    placed = []
    for name, lon, lat in basemap().towns:
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            continue
        here = axes.transData.transform((lon, lat))
        if any(math.dist(here, at) < 10 * scale for at in story_at):
            continue
        dot = Bbox.from_extents(
            here[0] - 2 * scale, here[1] - 2 * scale, here[0] + 2 * scale, here[1] + 2 * scale
        )
        if any(dot.overlaps(other) for other in taken):
            continue
        taken.append(dot)
        box = _place_label(axes, renderer, name, dot, taken, bold=False, size=TOWN_PT, colour="#4b5563")
        if box is None:
            taken.pop()  # no dot without its name
            continue
        axes.scatter([lon], [lat], s=16, color="#6b7280", zorder=4)
        placed.append((name, box))
    return placed


def _label_countries(axes: Axes, renderer: RendererBase, taken: list[Bbox]) -> None:
    """SYRIA and IRAQ in grey where they overlap nothing already drawn."""
    limits = axes.bbox
    for name, (lon, lat) in basemap().country_labels.items():
        label = axes.text(lon, lat, name, fontsize=12, color="#9ca3af", ha="center", va="center", zorder=2)
        box = label.get_window_extent(renderer)
        inside = box.x0 >= limits.x0 and box.x1 <= limits.x1 and box.y0 >= limits.y0 and box.y1 <= limits.y1
        if inside and not any(box.overlaps(other) for other in taken):
            taken.append(box)
        else:
            label.remove()
