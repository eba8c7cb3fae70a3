"""Expiring soon: contracts ending in the next months, for suppliers looking for their next bid.

Everything the page shows comes from ``dashboard.expiring.view_rows`` under the URL's state
(filters, ``months``, ``cpv``, ``kind``), which the CSV/Excel export and the ``/calendar.ics``
feed call too, so a download or a calendar subscription holds the same contracts as the page.
The months and calendar choices are links; the CPV division is a dropdown whose one callback
writes the URL.
"""

from __future__ import annotations

from datetime import date

import dash
import dash_bootstrap_components as dbc
import duckdb
import flask
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import expiring as view
from dashboard import layout as ui
from dashboard import state
from dashboard.exports import register_export
from dashboard.filters import URL
from dashboard.queries.expiring import HORIZONS
from etl import reference

dash.register_page(
    __name__,
    path="/expiring",
    name="Expiring soon",
    title=f"Expiring soon · {ui.PRODUCT}",
    description="London borough technology contracts ending soon, with incumbents, contacts and calendar feeds.",
    order=50,
)

PATH = "/expiring"
CPV_ID = "expiring-cpv"


@register_export("expiring")
def export_table(cur: duckdb.DuckDBPyConnection, st: dict) -> tuple[list[str], list[list]]:
    """The rows the page lists, raw, for CSV/Excel."""
    rows, _cut = view.view_rows(cur, st)
    return view.EXPORT_COLUMNS, view.export_rows(rows)


# --------------------------------------------------------------------------- controls


def _pill(label: str, href: str, current: bool) -> html.Li:
    text = [label, *([html.Span(" (shown)", className="visually-hidden")] if current else [])]
    return html.Li(
        dcc.Link(text, href=href, className="nav-link" + (" active" if current else "")), className="nav-item"
    )


def horizon_links(st: dict) -> html.Nav:
    """3/6/12/18/24 months as links that keep the rest of the URL."""
    chosen = None if view.uses_filter_dates(st) else view.months_of(st)
    items = [_pill(f"{n} months", PATH + state.to_search({**st, "months": n}), n == chosen) for n in HORIZONS]
    note = []
    if chosen is None:
        note = [html.Span(" The filter bar's contract end dates are set, so they apply instead.", className="small")]
    return html.Nav(
        [
            html.Span("Ending within: ", className="me-2"),
            html.Ul(items, className="nav nav-pills d-inline-flex"),
            *note,
        ],
        className="mb-2 d-flex flex-wrap align-items-center",
        **{"aria-label": "Ending within"},
    )


def cpv_control(st: dict) -> html.Div:
    options = [{"label": f"{code}: {name}", "value": code} for code, name in view.CPV_DIVISIONS.items()]
    if st.get("cpv") and st["cpv"] not in view.CPV_DIVISIONS:
        options.append({"label": f"{st['cpv']}: CPV division {st['cpv']}", "value": st["cpv"]})
    return html.Div(
        [
            html.Label("CPV division of the notices", htmlFor=CPV_ID, className="form-label small mb-1"),
            dcc.Dropdown(
                id=CPV_ID, options=options, value=st.get("cpv"), placeholder="Any CPV division", clearable=True
            ),
        ],
        className="mb-3",
        style={"maxWidth": "36rem"},
    )


def calendar_links(st: dict, host: str | None) -> html.Div:
    """Download/subscribe links to ``/calendar.ics`` with the page's query, and the kind of events."""
    kind = st.get("kind") or view.DEFAULT_KIND
    search = state.to_search(st)
    kinds = [
        _pill(label, PATH + state.to_search({**st, "kind": k}), k == kind) for k, label in view.KIND_LABELS.items()
    ]
    children = [
        html.H2("Calendar", className="h5"),
        html.Nav(
            [html.Span("Events for: ", className="me-2"), html.Ul(kinds, className="nav nav-pills d-inline-flex")],
            className="mb-2 d-flex flex-wrap align-items-center",
            **{"aria-label": "Calendar events"},
        ),
        html.A(
            "Subscribe in your calendar",
            href=f"/calendar.ics{search}",
            className="btn btn-primary btn-sm me-2",
            id="expiring-calendar",
        ),
    ]
    hint = (
        "The link downloads an .ics file with these contracts. To subscribe, so that your calendar "
        "follows each rebuild of the data, add the address "
    )
    if host:
        webcal = f"webcal://{host}/calendar.ics{search}"
        children.append(html.A("webcal link", href=webcal, className="btn btn-outline-primary btn-sm"))
        text = [hint, html.Code(webcal, id="expiring-webcal"), " as a calendar from the internet (Outlook, Google)."]
    else:
        text = [hint, html.Code(f"/calendar.ics{search}"), " on this server with webcal:// in front."]
    children.append(html.P(text, className="small text-body-secondary mt-2 mb-0"))
    return html.Section(children, className="border rounded p-3 mb-3")


# --------------------------------------------------------------------------- list


def gap_badge() -> dbc.Badge:
    return dbc.Badge(
        ["Gap", html.Span(": no tender or pipeline notice seen", className="visually-hidden")],
        color="warning",
        text_color="dark",
        className="ms-1",
        title=view.GAP_EXPLANATION,
    )


def _contact(row: dict) -> list:
    email = view.safe_email(row.get("contact_email"))
    name = row.get("contact_name")
    if email:
        return [html.A(name or email, href=f"mailto:{email}")]
    return [name] if name else ["–"]


def _notice(row: dict) -> object:
    url = view.safe_url(row.get("source_url"))
    return html.A("Notice", href=url, target="_blank", rel="noopener noreferrer") if url else "–"


COLUMNS = [
    ("Ends", False), ("Borough", False), ("Incumbent supplier", False), ("System or title", False),
    ("Service area", False), ("Latest end with extensions", False), ("Annual value", True),
    ("Start procurement by", False), ("Buyer contact", False), ("Notice", False), ("Gap", False),
]  # fmt: skip


def rows_table(rows: list[dict]) -> dbc.Table:
    names = reference.borough_names()
    body = []
    for r in rows:
        what = r.get("system_name") or r.get("title") or "–"
        extended = r.get("max_end_date")
        cells = [
            ui.fmt_date(r["end_date"]),
            names.get(r["borough_code"], r["borough_code"] or "–"),
            r.get("supplier_name") or "–",
            what,
            r.get("service_area") or "–",
            ui.fmt_date(extended) if extended and extended != r["end_date"] else "–",
            ui.fmt_money(r.get("annual_value")),
            ui.fmt_date(r.get("procurement_start")),
            _contact(r),
            _notice(r),
            gap_badge() if r.get("gap") else "",
        ]
        body.append(
            html.Tr(
                [html.Td(c, className="text-end" if COLUMNS[i][1] else None) for i, c in enumerate(cells)],
                **{"data-contract": r["contract_id"]},
            )
        )
    return dbc.Table(
        [
            html.Caption("Contracts ending in the period, soonest first"),
            html.Thead(html.Tr([html.Th(c, scope="col", className="text-end" if num else None) for c, num in COLUMNS])),
            html.Tbody(body),
        ],
        hover=True,
        size="sm",
        striped=True,
        id="expiring-table",
    )


def summary(rows: list[dict], start: date, end: date, cut: bool) -> html.P:
    boroughs = {r["borough_code"] for r in rows if r["borough_code"]}
    gaps = sum(1 for r in rows if r["gap"])
    valued = [r["annual_value"] for r in rows if r["annual_value"] is not None]
    text = (
        f"{len(rows):,}{'+' if cut else ''} contract{'s' if len(rows) != 1 else ''} in {len(boroughs)} "
        f"borough{'s' if len(boroughs) != 1 else ''} end between {ui.fmt_date(start)} and {ui.fmt_date(end)}; "
        f"{gaps:,} flagged as a gap. Annual value {ui.fmt_money(sum(valued))} over the {len(valued):,} with a value."
    )
    return html.P(text, id="expiring-summary", className="fw-semibold")


def month_chart(rows: list[dict], start: date, end: date) -> dbc.Card:
    months = view.by_month(rows, start, end)
    table = ui.data_table(
        ["Month", "Contracts ending"],
        [[date.fromisoformat(m + "-01").strftime("%B %Y"), n] for m, n in months],
        "Contracts ending, by month",
    )
    return ui.chart(view.month_bar(months), table, "expiring-month-chart")


def content(
    cur: duckdb.DuckDBPyConnection,
    st: dict,
    problems: list[str] | None = None,
    today: date | None = None,
    host: str | None = None,
) -> list:
    """Everything below the heading for a state; a plain function so tests call it without a server."""
    today = today or date.today()
    start, end = view.period(st, today)
    rows, cut = view.view_rows(cur, st, today)
    described = state.describe(st)
    if st.get("cpv"):
        described.append(f"CPV division: {st['cpv']} {view.CPV_DIVISIONS.get(st['cpv'], '')}".rstrip())
    out: list = [*(ui.message(p, color="warning") for p in problems or [])]
    if described:
        out.append(html.P("Filtered: " + "; ".join(described), className="mb-1", id="expiring-filters"))
    out += [horizon_links(st), cpv_control(st), summary(rows, start, end, cut)]
    if cut:
        out.append(
            ui.message(
                f"Showing the first {view.ROW_LIMIT:,} contracts by end date: narrow the filters to see the rest.",
                color="warning",
            )
        )
    out += [
        html.P([gap_badge(), " ", view.GAP_EXPLANATION], className="small", id="expiring-gap-explanation"),
        ui.download_links("expiring", st, "of this list"),
        calendar_links(st, host),
    ]
    if not rows:
        out.append(ui.message("No contracts end in this period under these filters.", message_id="expiring-empty"))
        return out
    out += [month_chart(rows, start, end), html.Div(rows_table(rows), className="table-responsive")]
    return out


def layout(**query) -> list:
    """Dash calls this on every visit with the URL's query (repeated keys as lists)."""
    st, problems = state.check_params(query)
    host = flask.request.host if flask.has_request_context() else None
    return ui.page(
        "Expiring soon",
        lambda cur: content(cur, st, problems, host=host),
        lead="Contracts ending soon: who holds them, when procurement should start and whom to ask.",
    )


@dash.callback(
    Output(URL, "search", allow_duplicate=True),
    Input(CPV_ID, "value"),
    State(URL, "search"),
    prevent_initial_call=True,
)
def cpv_to_url(value, search):
    new = state.updated(search, cpv=value or None)
    if new == (search or ""):
        raise PreventUpdate
    return new
