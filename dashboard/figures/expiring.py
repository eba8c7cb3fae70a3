"""The expiring view's chart: contracts ending per month, as a plain dict figure.

Rows in (``logic.expiring.by_month``: every month of the period, zeros included), figure out.
"""

from __future__ import annotations

from dashboard import format
from dashboard.figures import FONT, OKABE_ITO, esc


def month_bar(months: list[tuple[str, int]]) -> dict:
    """Vertical bars of contracts ending per month (``months``: ('2027-03', count) pairs)."""
    figure = {
        "data": [
            {
                "type": "bar",
                "x": [esc(format.short_month(m + "-01")) for m, _ in months],
                "y": [n for _, n in months],
                "marker": {"color": OKABE_ITO["blue"]},
                "hovertemplate": "%{x}: %{y:,} contracts end<extra></extra>",
                "name": "Contracts",
            }
        ],
        "layout": {
            "title": {"text": "Contracts ending, by month", "x": 0, "xanchor": "left"},
            "font": FONT,
            "height": 240,  # the whole list's months; the rows below are what the reader came for
            "margin": {"l": 50, "r": 20, "t": 40, "b": 50},
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "xaxis": {"type": "category", "title": {"text": "Month the contract ends"}},
            "yaxis": {
                "title": {"text": "Contracts"},
                "rangemode": "tozero",
                "tickformat": ",d",
                "gridcolor": "#e9ecef",
            },
            "showlegend": False,
        },
    }
    if not any(n for _, n in months):
        figure["layout"]["annotations"] = [
            {"text": "No contracts end in this period", "showarrow": False, "xref": "paper", "yref": "paper",
             "x": 0.5, "y": 0.5}
        ]  # fmt: skip
    return figure
