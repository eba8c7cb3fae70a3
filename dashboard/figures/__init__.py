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
    """Text as plotly should show it: literally. Plotly reads a few HTML tags inside text, so a
    name like ``<b>`` is escaped to be shown, not applied (plotly turns &lt; back into <)."""
    return html.escape("" if text is None else str(text), quote=False)
