"""Plotly figures as plain dicts, one module per view (``figures/<view>.py``), and their shared style.

Plain dicts rather than plotly express: px spends 30-250 ms per figure whatever the data size,
a dict costs next to nothing and ``dcc.Graph`` draws it the same. Figure modules are pure:
rows in, figure out. They import neither Dash components nor the database, so they are
tested without a server.
"""

from __future__ import annotations

import html

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


def bar_layout(title: str, rows: int, xaxis: dict, **extra) -> dict:
    """A horizontal chart's layout: title top left, one ``ROW_HEIGHT`` per row, first row on top."""
    return {
        "title": title_of(title),
        "font": FONT,
        "height": max(260, 140 + ROW_HEIGHT * rows),
        "margin": {"l": 10, "r": 20, "t": 90, "b": 50},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "xaxis": {"gridcolor": "#e9ecef", **xaxis},
        "yaxis": {"automargin": True, "autorange": "reversed", "type": "category"},
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
