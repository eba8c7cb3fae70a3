"""Overview: how much the database covers, where, and for which services.

The layout is a function, called on every page load with the URL's query, so numbers are
read fresh from the current build under the filters of the filter bar. Thin on purpose:
numbers come from ``queries``, charts from ``figures``, markup from ``layout``.
"""

from __future__ import annotations

from datetime import date

import dash
import dash_bootstrap_components as dbc
import duckdb
from dash import html

from dashboard import figures, queries, state
from dashboard import layout as ui
from etl import reference

dash.register_page(
    __name__,
    path="/",
    name="Overview",
    title=f"Overview · {ui.PRODUCT}",
    description="How many London borough technology contracts City Tools holds, by borough and service area.",
    order=0,
)


def headline_cards(numbers: dict) -> html.Div:
    """The headline figures as cards; the ids let tests and later pages find each number."""
    n_boroughs = len(reference.boroughs())
    valued = numbers["valued"]
    cards = [
        ui.stat_card("Boroughs covered", f"{numbers['boroughs']} of {n_boroughs}", card_id="stat-boroughs"),
        ui.stat_card("Contracts", ui.fmt_int(numbers["contracts"]), card_id="stat-contracts"),
        ui.stat_card("Systems", ui.fmt_int(numbers["systems"]), card_id="stat-systems"),
        ui.stat_card("Suppliers", ui.fmt_int(numbers["suppliers"]), card_id="stat-suppliers"),
        ui.stat_card(
            "Total annual value",
            ui.fmt_money(numbers["annual_value"]),
            f"over the {ui.fmt_int(valued)} contracts with a known value",
            card_id="stat-annual-value",
        ),
        ui.stat_card("Ending within 12 months", ui.fmt_int(numbers["ending_12m"]), card_id="stat-ending-12m"),
        ui.stat_card("Ending within 24 months", ui.fmt_int(numbers["ending_24m"]), card_id="stat-ending-24m"),
    ]
    return html.Section(
        [html.H2("Headline figures", className="visually-hidden"), dbc.Row(cards, className="g-3 mb-4")]
    )


def borough_chart(rows: list[dict]):
    table = ui.data_table(
        ["Borough", *queries.SOURCE_GROUPS.values(), "Total"],
        [[r["name"], *(r[k] for k in queries.SOURCE_GROUPS), r["total"]] for r in rows],
        "Contracts by borough and source",
    )
    return ui.chart(figures.borough_bar(rows), table, "overview-borough-chart")


def service_area_chart(rows: list[dict]):
    table = ui.data_table(
        ["Service area", "Contracts"],
        [[r["service_area"], r["contracts"]] for r in rows],
        "Contracts by service area",
    )
    return ui.chart(figures.service_area_bar(rows), table, "overview-service-area-chart")


def content(
    cur: duckdb.DuckDBPyConnection, filters: dict | None = None, today: date | None = None, problems: list | None = None
) -> list:
    """Everything below the page heading for the filtered contracts (default: all borough contracts)."""
    filters = filters or {}
    described = state.describe(filters)
    return [
        *(ui.message(p, color="warning") for p in problems or []),
        *([html.P("Filtered: " + "; ".join(described), className="mb-1", id="overview-filters")] if described else []),
        ui.download_links("contracts", filters, "of these contracts"),
        headline_cards(queries.headline(cur, filters, today=today)),
        dbc.Row(
            [
                dbc.Col(borough_chart(queries.counts_by_borough(cur, filters)), lg=7),
                dbc.Col(service_area_chart(queries.counts_by_service_area(cur, filters)), lg=5),
            ]
        ),
    ]


def layout(**query) -> list:
    """Dash calls this on every visit with the URL's query (repeated keys as lists)."""
    st, problems = state.check_params(query)
    return ui.page(
        "Overview",
        lambda cur: content(cur, state.filters_of(st), problems=problems),
        lead="Technology contracts of London's boroughs and the City, from surveys and public notices.",
    )
