"""The weekly digest rendered: a `DigestData` record (monitor/digest.py) becomes a subject, a
plain-text and an HTML body (Jinja2 templates; the HTML one autoescapes), the map PNG
(`monitor.digest_map`) and the chart PNG (matplotlib, imported only here)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from monitor.digest import CHART_ENTITIES, DigestData, EntityLine, clean, rank_entities
from monitor.digest_map import draw_map, plot_text
from monitor.records import InlineImage, RenderedDigest

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.ticker import MaxNLocator


_templates = Environment(
    loader=PackageLoader("monitor", "templates"),
    autoescape=lambda name: not (name or "").endswith(".txt.j2"),  # escape unless plain text
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render(data: DigestData) -> RenderedDigest:
    """Subject, plain text, and HTML showing the map and the chart as related images (cid:)."""

    images: dict[str, InlineImage] = {}
    if data.map_points:
        images["map"] = InlineImage(
            f"map-{data.week}@border-monitor", draw_map(data.map_points).png, filename="map.png"
        )
    if data.daily:
        images["chart"] = InlineImage(f"chart-{data.week}@border-monitor", draw_chart(data))
    sources = {name: f"cid:{image.cid}" for name, image in images.items()}
    return RenderedDigest(
        subject(data), _render_text(data), _render_html(data, sources), tuple(images.values())
    )


def subject(data: DigestData) -> str:
    span = f"{data.days[0]:%d %b}–{data.days[-1]:%d %b %Y}"
    if data.empty:
        return f"Border monitor digest {data.week} ({span}): nothing matched"
    top = rank_entities(data.actors + data.places + data.others)[0].name
    stories = f"{data.totals.stories} stor{'y' if data.totals.stories == 1 else 'ies'}"
    return clean(f"Border monitor digest {data.week} ({span}): {stories}, most active: {top}")


def _render_html(data: DigestData, images: Mapping[str, str]) -> str:
    return _templates.get_template("digest.html.j2").render(
        d=data, chart_src=images.get("chart"), map_src=images.get("map"), **_helpers()
    )


def _render_text(data: DigestData) -> str:
    return _templates.get_template("digest.txt.j2").render(d=data, **_helpers())


def _helpers() -> dict[str, object]:
    return {"change": format_change, "subject": subject}


def format_change(line: EntityLine) -> str:
    if line.new:
        return "new"
    if line.change == 0:
        return "="
    return f"+{line.change}" if line.change > 0 else f"−{-line.change}"


CHART_WIDTH_IN, CHART_PLOT_IN, CHART_LEGEND_ROW_IN, CHART_DPI = 4.0, 2.3, 0.22, 200
CHART_PT = 11.5  # about 13 px when the 4-inch PNG is shown 340 px wide on a phone


def draw_chart(data: DigestData) -> bytes:
    """Daily articles for the (at most five) most active entities: 800 px wide, shown at 340-600 px,
    one line per entity and a one-column legend under the plot, so no name is cut or overlapped."""
    # Imported here: matplotlib would add about 0.4 s to every CLI command.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    series = data.daily[:CHART_ENTITIES]
    legend_in = CHART_LEGEND_ROW_IN * len(series) + 0.1
    height = CHART_PLOT_IN + legend_in
    figure = Figure(figsize=(CHART_WIDTH_IN, height), dpi=CHART_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    # the days at 0..6, labelled: day labels as categories read like dates to matplotlib, which
    # logged that at INFO on every digest (in the daemon's log)
    days = range(len(data.days))
    axes.set_xticks(days, [f"{d:%a}\n{d:%d}" for d in data.days])
    for line, colour, marker in zip(series, _PALETTE, _MARKERS, strict=False):
        style: dict[str, Any] = {"marker": marker, "linewidth": 2.2, "markersize": 6, "color": colour}
        axes.plot(days, line.counts, label=_plain(line.name), **style)
    _style(axes, MaxNLocator(integer=True, nbins=4))
    legend_top = legend_in / height
    figure.legend(
        loc="upper left", bbox_to_anchor=(0.02, legend_top), ncol=1, frameon=False, fontsize=CHART_PT,
        handlelength=1.6, borderaxespad=0, labelspacing=0.25,
    )  # fmt: skip
    figure.subplots_adjust(left=0.12, right=0.97, top=1 - 0.12 / height, bottom=(legend_in + 0.62) / height)
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


_PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00")  # Okabe–Ito: safe for colour blindness
_MARKERS = ("o", "s", "^", "D", "v")  # a second cue besides colour, for lines that cross


def _style(axes: Axes, y_ticks: MaxNLocator) -> None:
    axes.tick_params(labelsize=CHART_PT)
    axes.set_ylabel("articles", fontsize=CHART_PT)
    axes.yaxis.set_major_locator(y_ticks)
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", linewidth=0.4, alpha=0.5)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _plain(label: str) -> str:
    """A legend entry, short enough for one line."""
    return plot_text(label if len(label) <= 34 else label[:33].rstrip() + "…")
