"""Overview: how much the database covers, where, and for which services.

The layout is a function, called on every page load with the URL's query, so numbers are
read fresh from the current build under the filters of the filter bar. Thin on purpose:
numbers come from ``queries``, words from ``logic.overview``, charts from ``figures``, markup
from ``layout``.
"""

from __future__ import annotations

from datetime import date

import dash
import dash_bootstrap_components as dbc
import duckdb
from dash import dcc, html

from dashboard import layout as ui
from dashboard import links, queries, state
from dashboard.figures import overview as figures
from dashboard.logic import overview as logic
from dashboard.logic.overview import VIEW
from dashboard.pages import suppliers as suppliers_page
from dashboard.queries import overview
from dashboard.texts import PRODUCT

PAGE = {
    "path": VIEW.path,
    "name": "Overview",
    "title": f"Overview · {PRODUCT}",
    "description": "How many London borough technology contracts City Tools holds, by borough and service area.",
    "order": 0,
}


def headline_cards(numbers: dict) -> html.Section:
    """The headline figures as cards; the ids let tests and later pages find each number."""
    cards = [ui.stat_card(f.label, f.value, f.note, card_id=f.card_id) for f in logic.overview_figures(numbers)]
    heading = html.H2("Headline figures", className="visually-hidden")
    return html.Section([heading, dbc.Row(cards, className="g-3 mb-4")])


def borough_chart(rows: list[dict]) -> dbc.Card:
    headings, cells = logic.borough_table(rows)
    table = ui.chart_table(headings, cells, "Contracts by borough and source")
    figure = figures.borough_bar(rows, queries.SOURCE_GROUPS)
    return ui.chart(figure, table, "overview-borough-chart", hint="Click a borough's bar to filter the views by it.")


def service_area_chart(rows: list[dict]) -> dbc.Card:
    table = ui.chart_table(
        ["Service area", "Contracts"],
        [[r["service_area"], r["contracts"]] for r in rows],
        "Contracts by service area",
    )
    figure = figures.service_area_bar(rows, queries.UNKNOWN_SERVICE_AREA)
    return ui.chart(
        figure, table, "overview-service-area-chart", hint="Click a service area to filter the views by it."
    )


def _borough_link(p: logic.ReturnProblem) -> object:
    return dcc.Link(p.borough, href=links.borough_href(p.borough_code)) if p.borough_code else p.borough


def survey_returns_box(rows: list[dict]) -> dbc.Card:
    """The coverage box: how many survey returns loaded, and under each borough the returns that
    loaded with gaps or were rejected, with what they lack or why (the build's own words)."""
    sentence, problems = logic.survey_returns(rows)
    items = [html.Li([_borough_link(p), ": ", p.text]) for p in problems]
    body = [html.H2("Survey returns", className="h5"), html.P(sentence, id="coverage-summary", className="mb-2")]
    if items:
        body.append(html.Ul(items, id="coverage-problems", className="mb-0 text-danger"))
    return dbc.Card(dbc.CardBody(body), className="mt-4", id="overview-coverage")


def content(
    cur: duckdb.DuckDBPyConnection, filters: dict | None = None, today: date | None = None, problems: list | None = None
) -> list:
    """Everything below the page heading for the filtered contracts (default: all borough contracts)."""
    filters = filters or {}
    described = state.describe(filters)
    o = overview.overview(cur, filters, today)  # one statement: the numbers, both charts, the holders
    numbers = o["numbers"]
    head = [
        *ui.url_problems(problems),
        *([html.P("Filtered: " + "; ".join(described), className="mb-1", id="overview-filters")] if described else []),
        ui.download_links("contracts", filters, "of these contracts"),
    ]
    if not numbers["contracts"]:
        return [*head, ui.empty_state("contracts", filters, VIEW.href, "overview-empty"), survey_returns_box(
            queries.survey_returns(cur))]  # fmt: skip
    return [
        *head,
        *suppliers_page.holders_card(o["holders"], card_id="overview-headline"),
        headline_cards(numbers),
        dbc.Row(
            [
                dbc.Col(borough_chart(o["boroughs"]), lg=7),
                dbc.Col(service_area_chart(o["areas"]), lg=5),
            ]
        ),
        survey_returns_box(queries.survey_returns(cur)),
    ]


def layout(**query) -> list:
    """Dash calls this on every visit with the URL's query (repeated keys as lists)."""
    st, problems = VIEW.check(query)
    return ui.page(
        "Overview",
        lambda cur: content(cur, state.filters_of(st), problems=problems),
        lead="Technology contracts of London's boroughs and the City, from surveys and public notices.",
        st=st,
        href=VIEW.href,
    )


def register(app: dash.Dash) -> None:
    """The page's callbacks, on ``app`` (called by ``create_app``): a click on a bar filters the views."""
    ui.cross_filter(app, "overview-borough-chart", "borough")
    ui.cross_filter(app, "overview-service-area-chart", "service_area")
