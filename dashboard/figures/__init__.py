"""Plotly figures as plain dicts, one module per view (``figures/<view>.py``), and their shared style.

Plain dicts rather than plotly express: px spends 30-250 ms per figure whatever the data size,
a dict costs next to nothing and ``dcc.Graph`` draws it the same. Figure modules are pure:
rows in, figure out. They import neither Dash components nor the database, so they are
tested without a server.
"""

from __future__ import annotations

import html
import math

# Okabe-Ito: distinguishable with the common forms of colour blindness.
OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
PALETTE: list[str] = list(OKABE_ITO.values())
SOURCE_COLOURS: dict[str, str] = {
    "survey": OKABE_ITO["blue"],
    "both": OKABE_ITO["bluish_green"],
    "open_data": OKABE_ITO["orange"],
}

FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", "size": 13, "color": "#212529"}
ROW_HEIGHT = 22  # pixels per bar of a horizontal bar chart, so long lists stay readable
# dcc.Graph config: keep the download button, drop the tools that mean nothing on a bar of counts.
GRAPH_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "zoom2d", "pan2d", "zoomIn2d", "zoomOut2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def esc(text: object) -> str:
    """Text as plotly should show it: literally, never as its markup.

    Plotly reads a few HTML tags inside every text it draws (titles, tick labels, hover text,
    legend names, annotations): ``<a href>`` becomes a live link, ``<b>``, ``<br>``, ``<span
    style>`` apply. Escaping ``&``, ``<`` and ``>`` is what stops that, checked against plotly.js
    (``src/lib/svg_text_utils.js``, and the bundled v4 ``plotly.min.js``): it splits the text at
    ``<...>`` tags first, then decodes entities (``&lt;`` ``&gt;`` ``&amp;`` ``&#60;``...) in one
    pass into plain text nodes, so ``&lt;a href=...&gt;`` shows as the characters ``<a href=...>``
    and ``&amp;lt;`` as ``&lt;``. (Before 2017 plotly.js decoded entities before it looked for
    tags, which made escaping useless; the app's bundle is far newer.) ``$...$`` is TeX only when
    MathJax is loaded, which no graph of the app asks for.
    """
    return html.escape("" if text is None else str(text), quote=False)


# --------------------------------------------------------------------------- chart pieces


def title_of(text: str) -> dict:
    """A chart title at the top left, where a reader starts, the same on every chart.

    Escaped here, once: titles name suppliers and systems ("When <supplier>'s contracts end"),
    so they are data, never markup; callers pass plain text.
    """
    return {
        "text": esc(text),
        "x": 0,
        "xanchor": "left",
        "yref": "container",
        "y": 1,
        "yanchor": "top",
        "pad": {"t": 14},
    }


def hbar(name: str, x: list, y: list, color: object, hovertemplate: str, **extra) -> dict:
    """One trace of horizontal bars (the app's usual chart: long names read best down the side)."""
    return {
        "type": "bar",
        "orientation": "h",
        "name": esc(name),
        "x": x,
        "y": y,
        "marker": {"color": color},
        "hovertemplate": hovertemplate,
        **extra,
    }


# Em widths of a sans-serif's characters (Arial's metrics, which Liberation Sans shares), by kind; anything
# else counts as wide. For ``label_margin``.
_EM = {
    **dict.fromkeys("'", 0.19), **dict.fromkeys("ijl", 0.23), **dict.fromkeys(" .,:;!I/[]ft", 0.28),
    **dict.fromkeys("()-r`", 0.34), **dict.fromkeys("Jckstvxyz", 0.5),
    **dict.fromkeys("abdeghnopqu0123456789#$_?LF", 0.56), **dict.fromkeys("TZ", 0.62),
    **dict.fromkeys("ABEKPSVXY&", 0.67), **dict.fromkeys("wCDHNRU", 0.73), **dict.fromkeys("GOQ", 0.78),
    **dict.fromkeys("mM%", 0.84), "W": 0.95, "@": 1.02,
}  # fmt: skip
_WIDE = 0.9  # an em width for any other character (accented, dashes, other scripts)
_SLACK = 1.15  # the browser's font may be wider than Arial (DejaVu Sans is): a label is never cut


def label_margin(labels: list[str], size: float = FONT["size"]) -> int:
    """Pixels of left margin that hold the widest of ``labels`` (as ``esc`` wrote them) at ``size``.

    Set instead of plotly's ``yaxis.automargin``, which draws a chart twice to measure its labels
    (measured: 43-57 ms against 16-27 ms for one chart of the overview): estimated from the
    characters, a little wide rather than short."""
    plain = (html.unescape(str(label)) for label in labels)
    widest = max((sum(_EM.get(ch, _WIDE) for ch in text) for text in plain), default=0.0)
    return 14 + math.ceil(widest * size * _SLACK)  # 14: the gap between the labels and the bars, and the edge


def bar_layout(title: str, rows: int, xaxis: dict, labels: list[str] | None = None, **extra) -> dict:
    """A horizontal chart's layout: title top left, one ``ROW_HEIGHT`` per row, first row on top;
    ``labels`` (the rows' names as drawn) size the left margin (``label_margin``), else plotly does."""
    return {
        "title": title_of(title),
        "font": FONT,
        "height": max(260, 140 + ROW_HEIGHT * rows),
        "margin": {"l": 10 if labels is None else label_margin(labels), "r": 20, "t": 90, "b": 50},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "xaxis": {"gridcolor": "#e9ecef", **xaxis},
        "yaxis": {"automargin": labels is None, "autorange": "reversed", "type": "category"},
        "hoverlabel": {"font": FONT},
        **extra,
    }  # fmt: skip


def no_data(figure: dict, message: str) -> dict:
    """``figure`` with ``message`` in its middle, for a chart with nothing to draw."""
    figure["layout"]["annotations"] = [
        *figure["layout"].get("annotations", []),
        {"text": esc(message), "showarrow": False, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5},
    ]
    return figure


def count_axis(title: str, max_count: int) -> dict:
    """An axis of whole numbers from zero; a tick per unit while the counts are small."""
    return {
        "title": {"text": esc(title)},
        "rangemode": "tozero",
        "tickformat": ",d",
        **({"dtick": 1} if max_count <= 10 else {}),
    }


def top_legend() -> dict:
    return {"orientation": "h", "traceorder": "normal", "x": 0, "xanchor": "left", "y": 1, "yanchor": "bottom"}
