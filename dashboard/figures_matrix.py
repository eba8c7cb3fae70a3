"""Colour and value formatting shared by the matrix's cells and the London tile map.

One sequential scale for both, so a colour means the same in the table and on the map. It is
ColorBrewer's YlGnBu: single direction light -> dark, readable with the common colour-vision
deficiencies and in greyscale. "No data" is a neutral grey outside the scale, and every
coloured thing also shows its value as text, so colour is never the only carrier.
Pure functions, no Dash: tested directly.
"""

from __future__ import annotations

from dashboard import layout as ui
from dashboard.queries.matrix import MEASURES, measure_key

# ColorBrewer YlGnBu, 8 classes (the palest class is dropped so the lowest value is not near-white).
SEQUENTIAL: tuple[str, ...] = ("#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494", "#081d58")
NO_DATA = "#d4d4d4"
DARK_TEXT = "#212529"
LIGHT_TEXT = "#ffffff"


def colorscale() -> list[list]:
    """SEQUENTIAL as a plotly colorscale."""
    last = len(SEQUENTIAL) - 1
    return [[i / last, c] for i, c in enumerate(SEQUENTIAL)]


def domain(values, measure: str) -> tuple[float, float]:
    """The value range the scale spans: 0..max for counts and money, 1..5 for survey scores.

    Fixed ends keep colours comparable between filters (a score of 3 is always mid-scale).
    """
    kind = MEASURES[measure_key(measure)].kind
    if kind == "score":
        return 1.0, 5.0
    top = max((v for v in values if v is not None), default=0)
    return 0.0, float(top) if top > 0 else 1.0


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def colour(value: float | None, lo: float, hi: float) -> str:
    """The scale's colour for ``value`` (linear between lo and hi, clamped); NO_DATA for None."""
    if value is None:
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


def text_colour(background: str) -> str:
    """Dark or white text, whichever contrasts more with ``background`` (WCAG ratio)."""
    lum = _luminance(background)
    dark = _luminance(DARK_TEXT)
    return DARK_TEXT if (lum + 0.05) / (dark + 0.05) >= 1.05 / (lum + 0.05) else LIGHT_TEXT


def fmt_value(value: float | None, measure: str) -> str:
    """A measure's value as people read it: 1,234 / £3.4m / 3.5; a dash for no data."""
    if value is None:
        return "–"
    kind = MEASURES[measure_key(measure)].kind
    if kind == "money":
        return ui.fmt_money(value)
    if kind == "score":
        return f"{value:.1f}"
    return ui.fmt_int(int(value))


def cell_style(value: float | None, lo: float, hi: float) -> dict:
    """Inline CSS of a matrix cell coloured by its value (none for an empty cell)."""
    if value is None:
        return {}
    background = colour(value, lo, hi)
    return {"backgroundColor": background, "color": text_colour(background)}
