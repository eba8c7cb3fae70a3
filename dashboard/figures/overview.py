"""The overview's charts: contracts by borough and by service area, as plain dict figures.

Pure functions: rows in, figure out, so they are tested without a server (see
``dashboard.figures`` for why plain dicts).
"""

from __future__ import annotations

from collections.abc import Mapping

from dashboard.figures import OKABE_ITO, SOURCE_COLOURS, bar_layout, count_axis, esc, hbar, no_data, top_legend


def _base_layout(title: str, labels: list[str], max_count: int) -> dict:
    return bar_layout(title, len(labels), count_axis("Contracts", max_count), labels=labels)


def _no_data(figure: dict, message: str = "No contracts match") -> dict:
    return no_data(figure, message)


def borough_bar(rows: list[dict], groups: Mapping[str, str]) -> dict:
    """Horizontal bars of contracts per borough, stacked by source group (rows of counts_by_borough).

    ``groups``: source group key -> label (``queries.SOURCE_GROUPS``), passed in so that this
    module needs nothing from the database side.
    """
    names = [esc(r["name"]) for r in rows]
    codes = [esc(r.get("code")) or None for r in rows]
    max_total = max((r["total"] for r in rows), default=0)
    figure = {
        "data": [
            hbar(
                label,
                [r[key] for r in rows],
                names,
                SOURCE_COLOURS[key],
                f"%{{y}}: %{{x:,}} contracts ({esc(label.lower())})<extra></extra>",
                customdata=codes,  # what a click filters by (dashboard.filters.clicked_value)
            )
            for key, label in groups.items()
        ],
        "layout": {
            **_base_layout("Contracts by borough, by source of the record", names, max_total),
            "barmode": "stack",
            "legend": top_legend(),
        },
    }
    if not any(r["total"] for r in rows):
        _no_data(figure)
    return figure


def service_area_bar(rows: list[dict], unknown: str | None = None) -> dict:
    """Horizontal bars of contracts per service area, most first (rows of counts_by_service_area).

    A click on a bar filters by its area; ``unknown`` is the label of contracts without one, which
    no filter can pick, so its bar carries no value.
    """
    labels = [esc(r["service_area"]) for r in rows]
    figure = {
        "data": [
            hbar(
                "Contracts",
                [r["contracts"] for r in rows],
                labels,
                OKABE_ITO["blue"],
                "%{y}: %{x:,} contracts<extra></extra>",
                customdata=[None if r["service_area"] == unknown else esc(r["service_area"]) for r in rows],
            )
        ],
        "layout": {
            **_base_layout("Contracts by service area", labels, max((r["contracts"] for r in rows), default=0)),
            "showlegend": False,
        },
    }
    if not rows:
        _no_data(figure)
    return figure
