"""The matrix's colours and the London tile map: pure, no Dash, no database.

One sequential scale for the matrix's cells and the tile map, so a colour means the same in the
table and on the map. It is ColorBrewer's YlGnBu: single direction light -> dark, readable with
the common colour-vision deficiencies and in greyscale. "No data" is a neutral grey outside the
scale, and every coloured thing also shows its value as text, so colour is never the only carrier.

The tile map shows the 33 authorities as equal squares in their rough geographic places. A
choropleth of real boundaries lets big outer boroughs dominate and hides the City; equal squares
give every authority the same weight, which is what a per-borough comparison needs. The grid is
data: ``MAP`` draws it with three-letter labels, read into ``GRID`` (ONS code, label, row, column).
``tile_figure`` draws it as plotly shapes (they scale with the axes, so the squares stay square at
any width) with one text/hover point per tile.

A *measure* (what colours a cell or a tile) comes in as data: anything with the ``label``,
``title`` and ``kind`` of ``dashboard.queries.matrix.Measure``; this module never reads the
database to find it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Protocol

from dashboard import format as fmt
from dashboard.figures import FONT, esc
from etl import reference

# ColorBrewer YlGnBu, 8 classes (the palest class is dropped so the lowest value is not near-white).
SEQUENTIAL: tuple[str, ...] = ("#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494", "#081d58")
NO_DATA = "#d4d4d4"
DARK_TEXT = "#212529"
LIGHT_TEXT = "#ffffff"

# The tile map as it looks: 7 rows x 8 columns, row 0 at the north, City of London (CTY) in the
# middle; ``...`` is an empty place.
MAP = """
... ... ... ... ENF ... ... ...
... ... HRW BNT HGY WFT ... ...
HIL EAL BRE CMD ISL HCK RDB HAV
HNS HMF KNS WST CTY TOW NWM BDG
... RCH WND LBH SWK LEW GRE BEX
... ... KTN MRT BRO ... ... ...
... ... ... STN CRO ... ... ...
"""
# The labels in ONS code order, E09000001 (City of London) to E09000033 (Westminster): the codes
# number the City first, then the boroughs by name.
LABELS: tuple[str, ...] = (
    "CTY", "BDG", "BNT", "BEX", "BRE", "BRO", "CMD", "CRO", "EAL", "ENF", "GRE", "HCK", "HMF", "HGY", "HRW", "HAV",
    "HIL", "HNS", "ISL", "KNS", "KTN", "LBH", "LEW", "MRT", "NWM", "RDB", "RCH", "SWK", "STN", "TOW", "WFT", "WND",
    "WST",
)  # fmt: skip
_CODES = {label: f"E09{n:06d}" for n, label in enumerate(LABELS, start=1)}
# (ONS code, label, row, column) of every tile, row by row.
GRID: tuple[tuple[str, str, int, int], ...] = tuple(
    (_CODES[label], label, row, col)
    for row, line in enumerate(MAP.strip().splitlines())
    for col, label in enumerate(line.split())
    if label != "..."
)
ROWS = 1 + max(r for *_, r, _c in GRID)
COLUMNS = 1 + max(c for *_, c in GRID)
TILE = 0.92  # side of a square, in grid units: the rest is the gap between tiles

Values = Mapping[str, float | int | None]  # ONS code -> a measure's value (absent or None: no data)


class Measure(Protocol):
    """What the figures need of a measure (``dashboard.queries.matrix.Measure`` has it)."""

    label: str  # a value's heading: "Annual value"
    title: str  # the tile map's title
    kind: str  # count | money | score


# --------------------------------------------------------------------------- colours and values


def colorscale() -> list[list]:
    """SEQUENTIAL as a plotly colorscale."""
    last = len(SEQUENTIAL) - 1
    return [[i / last, c] for i, c in enumerate(SEQUENTIAL)]


def domain(values: Iterable[float | int | None], measure: Measure) -> tuple[float, float]:
    """The value range the scale spans: 0..max for counts and money, 1..5 for survey scores.

    Fixed ends keep colours comparable between filters (a score of 3 is always mid-scale).
    """
    if measure.kind == "score":
        return 1.0, 5.0
    top = max((v for v in values if fmt.known(v)), default=0)  # an overflowed sum is no data
    return 0.0, float(top) if top > 0 else 1.0


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


@lru_cache(maxsize=4096)
def colour(value: float | None, lo: float, hi: float) -> str:
    """The scale's colour for ``value`` (linear between lo and hi, clamped); NO_DATA for None (or a
    value that is not finite, such as a sum that overflowed). Cached: a matrix colours a thousand
    cells with a few dozen distinct counts, and this was half the time of building its rows."""
    if not fmt.known(value) or not (fmt.known(lo) and fmt.known(hi)):
        return NO_DATA
    t = 0.0 if hi <= lo else min(max((float(value) - lo) / (hi - lo), 0.0), 1.0)
    pos = t * (len(SEQUENTIAL) - 1)
    i = min(int(pos), len(SEQUENTIAL) - 2)
    frac = pos - i
    a, b = _rgb(SEQUENTIAL[i]), _rgb(SEQUENTIAL[i + 1])
    return "#{:02x}{:02x}{:02x}".format(*(round(x + (y - x) * frac) for x, y in zip(a, b, strict=True)))


def _luminance(hex_colour: str) -> float:
    """WCAG relative luminance."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@lru_cache(maxsize=256)
def text_colour(background: str) -> str:
    """Dark or white text, whichever contrasts more with ``background`` (WCAG ratio)."""
    lum = _luminance(background)
    dark = _luminance(DARK_TEXT)
    return DARK_TEXT if (lum + 0.05) / (dark + 0.05) >= 1.05 / (lum + 0.05) else LIGHT_TEXT


def fmt_value(value: float | None, measure: Measure) -> str:
    """A measure's value as people read it: 1,234 / £3.4m / 3.5; a dash for no data."""
    if measure.kind == "money":
        return fmt.money(value)
    if measure.kind == "score":
        return f"{value:.1f}" if fmt.known(value) else fmt.DASH
    return fmt.integer(value)


def cell_style(value: float | None, lo: float, hi: float) -> dict:
    """Inline CSS of a matrix cell coloured by its value (none for an empty cell)."""
    if value is None:
        return {}
    background = colour(value, lo, hi)
    return {"backgroundColor": background, "color": text_colour(background)}


# --------------------------------------------------------------------------- the tile map


def _tile(row: int, col: int, fill: str) -> dict:
    """One authority's square, as a shape in data coordinates (so it scales with the axes)."""
    half = TILE / 2
    return {
        "type": "rect", "xref": "x", "yref": "y", "x0": col - half, "x1": col + half, "y0": row - half,
        "y1": row + half, "fillcolor": fill, "line": {"width": 0}, "layer": "below",
    }  # fmt: skip


def _tile_labels(values: Values, measure: Measure, lo: float, hi: float) -> tuple[list[dict], dict]:
    """The squares, and one invisible point per square carrying its label, value and hover text."""
    names = reference.borough_names()
    shapes: list[dict] = []
    points: dict[str, list] = {"x": [], "y": [], "text": [], "hovertext": [], "colour": [], "code": []}
    for code, label, row, col in GRID:
        value = values.get(code)
        fill = colour(value, lo, hi)
        shapes.append(_tile(row, col, fill))
        shown = fmt_value(value, measure)
        points["x"].append(col)
        points["y"].append(row)
        points["text"].append(f"{label}<br>{shown}")
        hover = f"{esc(names[code])}<br>{esc(measure.label)}: {esc(shown) if fmt.known(value) else 'no data'}"
        points["hovertext"].append(hover)
        points["colour"].append(text_colour(fill))
        points["code"].append(esc(code))
    trace = {
        "type": "scatter", "mode": "markers+text", "x": points["x"], "y": points["y"], "text": points["text"],
        "textfont": {"color": points["colour"], "size": 11}, "hovertext": points["hovertext"], "hoverinfo": "text",
        "customdata": points["code"],  # a click filters the views by the borough (dashboard.filters)
        # invisible squares the size of a tile, so hovering anywhere on a tile shows it
        "marker": {"symbol": "square", "size": 30, "opacity": 0}, "showlegend": False, "name": esc(measure.label),
    }  # fmt: skip
    return shapes, trace


def _colour_bar(measure: Measure, lo: float, hi: float) -> dict:
    """A trace that carries the colour bar only: two invisible points at an empty corner of the grid."""
    tick = {"money": {"tickprefix": "£", "tickformat": "~s"}, "score": {"tickformat": ".1f"}}.get(measure.kind, {})
    return {
        "type": "scatter", "mode": "markers", "x": [0, 0], "y": [0, 0], "hoverinfo": "skip", "showlegend": False,
        "marker": {
            "color": [lo, hi], "cmin": lo, "cmax": hi, "colorscale": colorscale(), "showscale": True, "opacity": 0,
            "colorbar": {"title": {"text": esc(measure.label), "side": "right"}, "thickness": 12, "len": 0.8, **tick},
        },
    }  # fmt: skip


def _paper_note(text: str, **place) -> dict:
    return {"text": text, "showarrow": False, "xref": "paper", "yref": "paper", **place}


def _tile_layout(measure: Measure, shapes: list[dict], has_data: bool) -> dict:
    """Square cells (y scaled to x), row 0 (north) at the top, no axes, a note on the grey."""
    notes = [
        _paper_note("Grey: no data", x=0, y=0, xanchor="left", yanchor="bottom", font={"size": 11, "color": "#555"})
    ]
    if not has_data:
        notes.append(_paper_note("No contracts match", x=0.5, y=0.5))
    return {
        "title": {"text": esc(measure.title), "x": 0, "xanchor": "left", "pad": {"t": 4}},
        "font": FONT,
        "height": 460,
        "margin": {"l": 10, "r": 10, "t": 60, "b": 10},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "shapes": shapes,
        "xaxis": {"visible": False, "range": [-0.6, COLUMNS - 0.4], "fixedrange": True},
        "yaxis": {"visible": False, "range": [ROWS - 0.4, -0.6], "scaleanchor": "x", "scaleratio": 1,
                  "fixedrange": True},
        "hovermode": "closest",
        "hoverlabel": {"font": FONT},
        "annotations": notes,
    }  # fmt: skip


def tile_figure(values: Values, measure: Measure) -> dict:
    """The tile map coloured by ``values`` (ONS code -> value; absent or None is grey, "no data")."""
    lo, hi = domain(values.values(), measure)
    shapes, labels = _tile_labels(values, measure, lo, hi)
    has_data = any(fmt.known(v) for v in values.values())
    data = [labels, _colour_bar(measure, lo, hi)] if has_data else [labels]
    return {"data": data, "layout": _tile_layout(measure, shapes, has_data)}
