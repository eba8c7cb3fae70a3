"""Figures of the suppliers view: market shares and concentration (HHI) per service area.

Plain dicts from the rows of ``dashboard.queries.suppliers``; the bar layout and the contract-end
timeline of a supplier's profile are the systems view's (``dashboard.figures.systems``). What
the figures need of the view's rules comes in with the rows: the name of the "all others" row,
each area's HHI band and the band thresholds, so this module never reads the database.
"""

from __future__ import annotations

from collections.abc import Sequence

from dashboard import format as fmt
from dashboard.figures import FONT, OKABE_ITO, bar_layout, esc, hbar, no_data, title_of

HHI_COLOURS = {"high": OKABE_ITO["vermillion"], "moderate": OKABE_ITO["orange"], "low": OKABE_ITO["bluish_green"]}


def share_bar(rows: Sequence[dict], measure: str, measure_label: str, *, others: str) -> dict:
    """Bars of each supplier's share of ``measure`` (rows of ``fold_others``, with ``<measure>_share``).

    ``others`` is the supplier name of the row that sums the rest: drawn in black, not counted
    among the named suppliers.
    """
    named = [r for r in rows if r["supplier"] != others]
    title = (
        f"Share of {measure_label}: the {len(named)} largest suppliers and all others"
        if len(named) < len(rows)
        else f"Share of {measure_label} by supplier"
    )
    labels = [esc(r["supplier"]) for r in rows]
    figure = {
        "data": [
            hbar(
                "Share",
                [round(r.get(f"{measure}_share") or 0, 2) for r in rows],
                labels,
                [OKABE_ITO["black"] if r["supplier"] == others else OKABE_ITO["blue"] for r in rows],
                "%{y}: %{x:.1f}%<extra></extra>",
                # a click opens the supplier's profile; the "all others" bar is no one supplier
                customdata=[None if r["supplier"] == others else esc(r["supplier"]) for r in rows],
            )
        ],
        "layout": bar_layout(
            title,
            len(rows),
            {"title": {"text": esc(f"Share of {measure_label} (%)")}, "rangemode": "tozero", "ticksuffix": "%"},
            labels=labels,
            showlegend=False,
        ),
    }
    return no_data(figure, "No supplier matches") if not rows else figure


def _thresholds(values: Sequence[int]) -> dict:
    """Dashed lines at the HHI band thresholds, each labelled with its value."""
    return {
        "shapes": [
            {"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
             "line": {"color": OKABE_ITO["black"], "width": 1, "dash": "dash"}}
            for x in values
        ],
        "annotations": [
            {"text": f"{x:,}", "xref": "x", "yref": "paper", "x": x, "y": 1, "yanchor": "bottom",
             "showarrow": False, "font": {"size": 11}}
            for x in values
        ],
    }  # fmt: skip


def hhi_bar(areas: Sequence[dict], thresholds: Sequence[int]) -> dict:
    """Bars of each service area's HHI, coloured by its ``band``, with the band ``thresholds`` drawn.

    ``areas`` are rows of ``queries.suppliers.concentration`` (``hhi``, ``band``, ``reading``).
    """
    # an HHI that is not finite (shares of an overflowed sum) is not known, like a missing one
    shown = sorted((a for a in areas if fmt.known(a["hhi"])), key=lambda a: (-a["hhi"], a["service_area"]))
    labels = [esc(a["service_area"]) for a in shown]
    figure = {
        "data": [
            hbar(
                "HHI",
                [round(a["hhi"]) for a in shown],
                labels,
                [HHI_COLOURS[a["band"]] for a in shown],
                "%{y}: HHI %{x:,} (%{customdata[2]} suppliers)<br>%{customdata[1]}<extra></extra>",
                # the area first: a click filters by it (dashboard.filters.clicked_value)
                customdata=[[esc(a["service_area"]), esc(a["reading"]), a["suppliers"]] for a in shown],
            )
        ],
        "layout": bar_layout(
            "Supplier concentration by service area, most concentrated first (HHI)",
            len(shown),
            {"title": {"text": "Herfindahl-Hirschman Index (0-10,000)"}, "range": [0, 10_500], "tickformat": ",d"},
            labels=labels,
            showlegend=False,
            **_thresholds(thresholds),
        ),
    }
    return no_data(figure, "No service area with a known supplier") if not shown else figure


def vfm_scatter(rows: Sequence[dict]) -> dict:
    """Each service area as a point: its number of vendors (x) against the boroughs' average
    value-for-money score (y, 1-5), the point's size growing with the number of scores.

    ``rows`` are the scored areas of ``queries.suppliers.value_for_money``.
    """
    figure = {
        "data": [
            {
                "type": "scatter",
                "mode": "markers",
                "x": [r["vendors"] for r in rows],
                "y": [round(r["score"], 2) for r in rows],
                "hovertext": [
                    f"{esc(r['service_area'])}: {r['vendors']} vendors, value for money {r['score']:.1f} "
                    f"({r['scores']} scores)"
                    for r in rows
                ],
                "hoverinfo": "text",
                "marker": {
                    "color": OKABE_ITO["blue"],
                    "opacity": 0.8,
                    "size": [min(10 + 2 * r["scores"], 36) for r in rows],
                    "line": {"width": 1, "color": "white"},
                },
                "name": "Service areas",
            }
        ],
        "layout": {
            "title": title_of("Value for money against the number of vendors, by service area"),
            "font": FONT,
            "height": 380,
            "margin": {"l": 60, "r": 20, "t": 60, "b": 50},
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "xaxis": {"title": {"text": "Vendors in the service area"}, "rangemode": "tozero", "gridcolor": "#e9ecef"},
            "yaxis": {"title": {"text": "Value for money (1-5)"}, "range": [0.5, 5.5], "dtick": 1,
                      "gridcolor": "#e9ecef"},
            "showlegend": False,
            "hoverlabel": {"font": FONT},
        },
    }  # fmt: skip
    return no_data(figure, "No value-for-money scores") if not rows else figure
