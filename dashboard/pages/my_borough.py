"""My borough: for one borough's CIO, which other boroughs could procure with them, service by service.

The comparison and every sentence are ``dashboard.logic.my_borough``; this module lays them
out. The picker and the months box write the URL like the windows page's controls, with the
same components.
"""

from __future__ import annotations

from collections.abc import Sequence

import dash
import dash_bootstrap_components as dbc
import duckdb
from dash import Input, Output, State, dcc, html

from dashboard import layout as ui
from dashboard import links
from dashboard.logic import my_borough as mb
from dashboard.logic.my_borough import VIEW
from dashboard.pages.windows import controls_section, labelled, navigate, number_input
from dashboard.texts import PRODUCT
from etl import reference

PAGE = {
    "path": VIEW.path,
    "name": "My borough",
    "title": f"My borough · {PRODUCT}",
    "description": "Which other London boroughs' contracts end near yours, service by service.",
    "order": 50,
}

LOCATION = "my-borough-url"
PICKER = "my-borough-picker"
MONTHS = "my-borough-months"


# --------------------------------------------------------------------------- controls


def controls(code: str | None, months: int) -> html.Section:
    picker = dcc.Dropdown(
        id=PICKER,
        options=[{"label": b.name, "value": b.code} for b in sorted(reference.boroughs(), key=lambda b: b.name)],
        value=code,
        clearable=False,
        placeholder="Pick a borough",
    )
    row = dbc.Row(
        [
            labelled("Your borough", PICKER, picker, xs=12, md=6, lg=4),
            labelled("Ending within (months)", MONTHS, number_input("window_months", MONTHS, months), xs=6, md=3, lg=2),
        ],
        className="g-2",
    )
    return controls_section("Your borough", LOCATION, "my-borough-controls", [row])


def controls_to_url(code, months, search):
    return navigate(mb.search_for_controls(search, code, months))


# --------------------------------------------------------------------------- components


def neighbour_table(near: list[dict], st: dict, table_id: str) -> dbc.Table:
    """Other boroughs' contracts, closest end date first; borough names link to their pages."""
    body = []
    for o in near:
        name, *cells = mb.neighbour_cells(o)
        link = dcc.Link(name, href=links.borough_href(o["borough_code"], st))
        body.append(html.Tr([html.Td(link), *(html.Td(text) for text in cells)]))
    return dbc.Table(
        [
            html.Caption("Other boroughs' contracts ending near this one, closest first"),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in mb.NEIGHBOUR_HEADINGS])),
            html.Tbody(body),
        ],
        size="sm",
        striped=True,
        hover=True,
        className="mb-0",
        id=table_id,
    )


def contract_block(mine: dict, near: list[dict], months: int, st: dict) -> html.Div:
    what, when = mb.contract_heading(mine)
    heading = html.P([html.Strong(what), when], className="mb-1")
    why_not = mb.no_neighbours(mine, near, months)
    if why_not:
        detail = html.P(why_not, className="small text-body-secondary")
    else:
        table = neighbour_table(near, st, f"my-borough-near-{mine['contract_id']}")
        detail = html.Div(table, className="table-responsive")
    return html.Div([heading, detail], className="mb-3 my-borough-contract")


def area_section(i: int, area: str | None, items: list, months: int, st: dict) -> html.Section:
    return html.Section(
        [
            html.H2(mb.area_name(area), className="h4 mt-3"),
            *(contract_block(mine, near, months, st) for mine, near in items),
        ],
        id=f"my-borough-area-{i}",
        className="my-borough-area",
    )


def content(cur: duckdb.DuckDBPyConnection, st: dict, problems: Sequence[str] = ()) -> list:
    """Everything below the heading; without a borough, the picker and a prompt."""
    m = mb.model(cur, st)
    out: list = [ui.message(text, color="warning") for text in [*problems, *m["notes"]]]
    out.append(controls(m["code"], m["months"]))
    if m["code"] is None:
        out.append(
            ui.message("Pick your borough to see whose contracts end near yours.", message_id="my-borough-prompt")
        )
        return out
    count, rest = mb.summary(m)
    out += [
        html.P([html.Strong(count), rest], id="my-borough-summary", className="mb-1"),
        ui.download_links("my_borough", st, "of these comparisons"),
    ]
    out += [area_section(i, area, items, m["months"], st) for i, (area, items) in enumerate(m["sections"])]
    return out


layout = ui.view_layout(
    VIEW,
    "My borough",
    content,
    lead="Service by service: whose contracts end near yours, who supplies them, and how happy they are.",
)


def register(app: dash.Dash) -> None:
    """The page's callbacks, on ``app`` (called by ``create_app``)."""
    app.callback(
        Output(LOCATION, "search"),
        Input(PICKER, "value"),
        Input(MONTHS, "value"),
        State(LOCATION, "search"),
        prevent_initial_call=True,
    )(controls_to_url)
