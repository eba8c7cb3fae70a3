"""My borough: for one borough's CIO, which other boroughs could procure with them, service by service.

For each of the borough's contracts, the other boroughs' contracts in the same service area
(or on the same system) that end within ``window_months`` of it, closest first, with their
suppliers, systems and how confident and satisfied those boroughs said they are (survey).
The comparison is ``dashboard.windows.neighbours``, a plain function; the rows come from
``dashboard.queries.windows``. The borough is the shared ``borough`` filter (one code), so
the filter bar and this page's picker stay in step through the URL.
"""

from __future__ import annotations

from collections.abc import Sequence

import dash
import dash_bootstrap_components as dbc
import duckdb
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import layout as ui
from dashboard import state
from dashboard import windows as wa
from dashboard.exports import register_export
from dashboard.queries import UNKNOWN_SERVICE_AREA
from dashboard.queries import windows as wq
from etl import reference

wa.declare_url_keys()

dash.register_page(
    __name__,
    path="/my-borough",
    name="My borough",
    title=f"My borough · {ui.PRODUCT}",
    description="Which other London boroughs' contracts end near yours, service by service.",
    order=50,
)

LOCATION = "my-borough-url"
PICKER = "my-borough-picker"
MONTHS = "my-borough-months"
EXPORT_HEADINGS = [
    "Service area", "Your system", "Your supplier", "Your end date", "Other borough code", "Other borough",
    "Their system", "Their supplier", "Their end date", "Days apart (theirs minus yours)", "Shares",
    "Their confidence (1-5)", "Their satisfaction (1-5)",
]  # fmt: skip


def chosen(st: dict) -> tuple[str | None, list[str]]:
    """The borough of the page and what to tell the reader about the choice."""
    codes = st.get("borough") or []
    if isinstance(codes, str):
        codes = [codes]
    codes = [c for c in codes if c in reference.borough_names()]
    if not codes:
        return None, []
    note = []
    if len(codes) > 1:
        note.append(
            f"This page compares one borough with the others; showing {reference.borough_names()[codes[0]]}, "
            "the first of the boroughs in the filter."
        )
    return codes[0], note


def _area_order(area: str | None) -> tuple[int, str]:
    order = {sa.name: i for i, sa in enumerate(reference.service_areas())}
    return (order.get(area, len(order)) if area else len(order) + 1, area or "")


def model(cur: duckdb.DuckDBPyConnection, st: dict) -> dict:
    """The borough's contracts by service area (taxonomy order), each with its neighbours."""
    code, notes = chosen(st)
    months = wa.window_params(st)["window_months"]
    if code is None:
        return {"code": None, "months": months, "notes": notes, "sections": []}
    mine = wq.borough_contracts(cur, code, st)
    near = wa.neighbours(mine, wq.neighbour_candidates(cur, code, months, st), months)
    by_area: dict[str | None, list[tuple[dict, list[dict]]]] = {}
    for contract in mine:
        by_area.setdefault(contract["service_area"], []).append((contract, near[contract["contract_id"]]))
    sections = [(area, by_area[area]) for area in sorted(by_area, key=_area_order)]
    return {"code": code, "months": months, "notes": notes, "sections": sections}


@register_export("my_borough")
def my_borough_table(cur: duckdb.DuckDBPyConnection, st: dict):
    """One row per (your contract, neighbour) pair, as the page lists them; nothing without a borough."""
    m = model(cur, st)
    names = reference.borough_names()
    rows = []
    for area, items in m["sections"]:
        for mine, near in items:
            for o in near:
                rows.append(
                    [
                        area or UNKNOWN_SERVICE_AREA,
                        mine["system"],
                        mine["supplier"],
                        mine["end"],
                        o["borough_code"],
                        names.get(o["borough_code"], o["borough_code"]),
                        o["system"],
                        o["supplier"],
                        o["end"],
                        o["days"],
                        o["match"],
                        o["confidence"],
                        o["satisfaction"],
                    ]
                )
    return EXPORT_HEADINGS, rows


# --------------------------------------------------------------------------- controls


def search_for_controls(search: str | None, code: str | None, months: object) -> str | None:
    """The URL after the picker or the months box changed, or None if it already says that."""
    checked = wa.window_params({"window_months": months})["window_months"]
    new = state.updated(
        search,
        borough=[code] if code in reference.borough_names() else None,
        window_months=None if checked == wa.PARAM_DEFAULTS["window_months"] else checked,
    )
    return None if new == state.to_search(state.parse_query(search)) else new


def controls(code: str | None, months: int) -> html.Section:
    low, high = wa.LIMITS["window_months"]
    return html.Section(
        [
            html.H2("Your borough", className="visually-hidden"),
            dcc.Location(id=LOCATION, refresh="callback-nav"),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.Label("Your borough", htmlFor=PICKER, className="form-label small mb-1"),
                            dcc.Dropdown(
                                id=PICKER,
                                options=[
                                    {"label": b.name, "value": b.code}
                                    for b in sorted(reference.boroughs(), key=lambda b: b.name)
                                ],
                                value=code,
                                clearable=False,
                                placeholder="Pick a borough",
                            ),
                        ],
                        xs=12,
                        md=6,
                        lg=4,
                    ),
                    dbc.Col(
                        [
                            html.Label("Ending within (months)", htmlFor=MONTHS, className="form-label small mb-1"),
                            dcc.Input(
                                id=MONTHS,
                                type="number",
                                min=low,
                                max=high,
                                step=1,
                                value=months,
                                debounce=True,
                                className="form-control form-control-sm",
                            ),
                        ],
                        xs=6,
                        md=3,
                        lg=2,
                    ),
                ],
                className="g-2",
            ),
        ],
        className="border rounded p-3 mb-3",
        id="my-borough-controls",
        **{"aria-label": "Your borough"},
    )


@dash.callback(
    Output(LOCATION, "search"),
    Input(PICKER, "value"),
    Input(MONTHS, "value"),
    State(LOCATION, "search"),
    prevent_initial_call=True,
)
def controls_to_url(code, months, search):
    new = search_for_controls(search, code, months)
    if new is None:
        raise PreventUpdate
    return new


# --------------------------------------------------------------------------- components


def apart(days: int) -> str:
    """How far apart two end dates are, in words a reader takes in at a glance."""
    if days == 0:
        return "same day"
    side = "later" if days > 0 else "earlier"
    n = abs(days)
    if n < 45:
        return f"{n} day{'' if n == 1 else 's'} {side}"
    months = round(n / 30.44)
    return f"about {months} month{'' if months == 1 else 's'} {side}"


def _score(value: int | None) -> str:
    return "not recorded" if value is None else f"{value} of 5"


def neighbour_table(near: list[dict], st: dict, table_id: str) -> dbc.Table:
    """Other boroughs' contracts, closest end date first; borough names link to their pages."""
    names = reference.borough_names()
    carried = {k: v for k, v in state.filters_of(st).items() if k != "borough"}
    headings = ["Borough", "System", "Supplier", "Ends", "Difference", "Shares", "Confidence", "Satisfaction"]
    body = [
        html.Tr(
            [
                html.Td(
                    dcc.Link(
                        names.get(o["borough_code"], o["borough_code"]),
                        href=f"/borough/{o['borough_code']}" + state.to_search(carried),
                    )
                ),
                html.Td(o["system"] or "not recorded"),
                html.Td(o["supplier"] or "not recorded"),
                html.Td(ui.fmt_date(o["end"])),
                html.Td(apart(o["days"])),
                html.Td(o["match"]),
                html.Td(_score(o["confidence"])),
                html.Td(_score(o["satisfaction"])),
            ]
        )
        for o in near
    ]
    return dbc.Table(
        [
            html.Caption("Other boroughs' contracts ending near this one, closest first"),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in headings])),
            html.Tbody(body),
        ],
        size="sm",
        striped=True,
        hover=True,
        className="mb-0",
        id=table_id,
    )


def contract_block(mine: dict, near: list[dict], months: int, st: dict) -> html.Div:
    what = mine["system"] or "System not recorded"
    ends = ui.fmt_date(mine["end"])
    later = mine.get("max_end") and mine["end"] and mine["max_end"] > mine["end"]
    extended = f" (latest {ui.fmt_date(mine['max_end'])} with extensions)" if later else ""
    heading = html.P(
        [html.Strong(what), f" from {mine['supplier'] or 'a supplier not recorded'}, ends {ends}{extended}"],
        className="mb-1",
    )
    if mine["end"] is None:
        detail: object = html.P(
            "Its end date is not recorded, so it cannot be compared.", className="small text-body-secondary"
        )
    elif not near:
        detail = html.P(
            f"No other borough's contract in this service area or on this system ends within {months} months.",
            className="small text-body-secondary",
        )
    else:
        detail = html.Div(
            neighbour_table(near, st, f"my-borough-near-{mine['contract_id']}"), className="table-responsive"
        )
    return html.Div([heading, detail], className="mb-3 my-borough-contract")


def content(cur: duckdb.DuckDBPyConnection, st: dict, problems: Sequence[str] = ()) -> list:
    """Everything below the heading; without a borough, the picker and a prompt."""
    m = model(cur, st)
    out: list = [ui.message(text, color="warning") for text in [*problems, *m["notes"]]]
    out.append(controls(m["code"], m["months"]))
    if m["code"] is None:
        out.append(
            ui.message("Pick your borough to see whose contracts end near yours.", message_id="my-borough-prompt")
        )
        return out
    name = reference.borough_names()[m["code"]]
    contracts = [c for _area, items in m["sections"] for c, _near in items]
    with_near = sum(1 for _area, items in m["sections"] for _c, near in items if near)
    out += [
        html.P(
            [
                html.Strong(f"{name}: {len(contracts)} contract{'' if len(contracts) == 1 else 's'}"),
                f" in {len(m['sections'])} service area{'' if len(m['sections']) == 1 else 's'}; "
                f"{with_near} with at least one other borough's contract ending within {m['months']} months.",
            ],
            id="my-borough-summary",
            className="mb-1",
        ),
        ui.download_links("my_borough", st, "of these comparisons"),
    ]
    for i, (area, items) in enumerate(m["sections"]):
        out.append(
            html.Section(
                [
                    html.H2(area or UNKNOWN_SERVICE_AREA, className="h4 mt-3"),
                    *(contract_block(mine, near, m["months"], st) for mine, near in items),
                ],
                id=f"my-borough-area-{i}",
                className="my-borough-area",
            )
        )
    return out


def layout(**query) -> list:
    """Dash calls this with the URL's query; the borough is the shared ``borough`` filter."""
    st, problems = state.check_params(query)
    return ui.page(
        "My borough",
        lambda cur: content(cur, st, problems),
        lead="Service by service: whose contracts end near yours, who supplies them, and how happy they are.",
    )
