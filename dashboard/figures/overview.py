"""The overview's charts: contracts by borough and by service area, as plain dict figures.

Pure functions: rows in, figure out, so they are tested without a server (see
``dashboard.figures`` for why plain dicts).
"""

from __future__ import annotations

from collections.abc import Mapping

from dashboard.figures import FONT, OKABE_ITO, PALETTE, ROW_HEIGHT, SOURCE_COLOURS  # noqa: F401 (PALETTE: tests check bars use it)


def _base_layout(title: str, rows: int, max_count: int) -> dict:
    return {
        "title": {
            "text": title,
            "x": 0,
            "xanchor": "left",
            "yref": "container",
            "y": 1,
            "yanchor": "top",
            "pad": {"t": 14},
        },
        "font": FONT,
        "height": max(260, 140 + ROW_HEIGHT * rows),
        "margin": {"l": 10, "r": 20, "t": 90, "b": 50},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "xaxis": {
            "title": {"text": "Contracts"},
            "gridcolor": "#e9ecef",
            "rangemode": "tozero",
            "tickformat": ",d",
            # whole numbers only: with small counts plotly would otherwise tick 0, 0.5, 1 shown as 0, 1, 1
            **({"dtick": 1} if max_count <= 10 else {}),
        },
        "yaxis": {"automargin": True, "autorange": "reversed", "type": "category"},
        "hoverlabel": {"font": FONT},
    }


def _no_data(figure: dict, message: str = "No contracts match") -> dict:
    figure["layout"]["annotations"] = [
        {"text": message, "showarrow": False, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5}
    ]
    return figure


def borough_bar(rows: list[dict], groups: Mapping[str, str]) -> dict:
    """Horizontal bars of contracts per borough, stacked by source group (rows of counts_by_borough).

    ``groups``: source group key -> label (``queries.SOURCE_GROUPS``), passed in so that this
    module needs nothing from the database side.
    """
    names = [r["name"] for r in rows]
    max_total = max((r["total"] for r in rows), default=0)
    figure = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": label,
                "x": [r[key] for r in rows],
                "y": names,
                "marker": {"color": SOURCE_COLOURS[key]},
                "hovertemplate": f"%{{y}}: %{{x:,}} contracts ({label.lower()})<extra></extra>",
            }
            for key, label in groups.items()
        ],
        "layout": {
            **_base_layout("Contracts by borough, by source of the record", len(rows), max_total),
            "barmode": "stack",
            "legend": {
                "orientation": "h",
                "traceorder": "normal",
                "x": 0,
                "xanchor": "left",
                "y": 1,
                "yanchor": "bottom",
            },
        },
    }
    if not any(r["total"] for r in rows):
        _no_data(figure)
    return figure


def service_area_bar(rows: list[dict]) -> dict:
    """Horizontal bars of contracts per service area, most first (rows of counts_by_service_area)."""
    figure = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": "Contracts",
                "x": [r["contracts"] for r in rows],
                "y": [r["service_area"] for r in rows],
                "marker": {"color": OKABE_ITO["blue"]},
                "hovertemplate": "%{y}: %{x:,} contracts<extra></extra>",
            }
        ],
        "layout": {
            **_base_layout("Contracts by service area", len(rows), max((r["contracts"] for r in rows), default=0)),
            "showlegend": False,
        },
    }
    if not rows:
        _no_data(figure)
    return figure
