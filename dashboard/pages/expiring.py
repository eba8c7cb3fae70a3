"""Expiring soon: contracts ending in the next months, for suppliers looking for their next bid.

Everything the page shows comes from ``logic.expiring.view_rows`` under the URL's state
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
from dash import dcc, html

from dashboard import access, exports, links, status
from dashboard import layout as ui
from dashboard.figures.expiring import month_bar
from dashboard.format import long_date as format_date
from dashboard.logic import expiring as view
from dashboard.logic.expiring import VIEW
from dashboard.queries.expiring import HORIZONS
from dashboard.texts import PRODUCT
from etl import reference

PAGE = {
    "path": VIEW.path,
    "name": "Expiring soon",
    "title": f"Expiring soon · {PRODUCT}",
    "description": "London borough technology contracts ending soon, with incumbents, contacts and calendar feeds.",
    "order": 50,
}

CPV_ID = "expiring-cpv"


# --------------------------------------------------------------------------- controls


def _pill(label: str, href: str, current: bool) -> html.Li:
    text = [label, *([html.Span(" (shown)", className="visually-hidden")] if current else [])]
    return html.Li(
        dcc.Link(text, href=href, className="nav-link" + (" active" if current else "")), className="nav-item"
    )


def horizon_links(st: dict) -> html.Nav:
    """3/6/12/18/24 months as links that keep the rest of the URL."""
    chosen = None if view.uses_filter_dates(st) else view.months_of(st)
    items = [_pill(f"{n} months", VIEW.href({**st, "months": n}), n == chosen) for n in HORIZONS]
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
    return html.Div(
        [
            html.Label("CPV division of the notices", htmlFor=CPV_ID, className="form-label small mb-1"),
            dcc.Dropdown(
                id=CPV_ID,
                options=view.cpv_options(st),
                value=st.get("cpv"),
                placeholder="Any CPV division",
                clearable=True,
            ),
        ],
        className="mb-3",
        style={"maxWidth": "36rem"},
    )


def _subscribe_hint(search: str, host: str | None) -> list:
    """How to subscribe: the webcal address when the host is known, else the path to prefix."""
    hint = (
        "The link downloads an .ics file with these contracts. To subscribe, so that your calendar "
        "follows each rebuild of the data, add the address "
    )
    small = "small text-body-secondary mt-2 mb-0"
    if host:
        webcal = f"webcal://{host}/calendar.ics{search}"
        text = [hint, html.Code(webcal, id="expiring-webcal"), " as a calendar from the internet (Outlook, Google)."]
        button = html.A("webcal link", href=webcal, className="btn btn-outline-primary btn-sm")
        return [button, html.P(text, className=small)]
    text = [hint, html.Code(f"/calendar.ics{search}"), " on this server with webcal:// in front."]
    return [html.P(text, className=small)]


def calendar_links(st: dict, host: str | None) -> html.Section:
    """Download/subscribe links to ``/calendar.ics`` with the page's query, and the kind of events."""
    kind = st.get("kind") or view.DEFAULT_KIND
    search = VIEW.search(st)
    kinds = [_pill(label, VIEW.href({**st, "kind": k}), k == kind) for k, label in view.KIND_LABELS.items()]
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
        *_subscribe_hint(search, host),
    ]
    return html.Section(children, className="border rounded p-3 mb-3")


# --------------------------------------------------------------------------- list


def gap_badge(searched: str | None = None) -> dbc.Badge:
    """The gap flag; on a row it says what was searched (``searched``), in its tooltip and to screen readers."""
    said = searched or "no planning, tender or award notice seen"
    return dbc.Badge(
        ["Gap", html.Span(f": {said}", className="visually-hidden")],
        color="warning",
        text_color="dark",
        className="ms-1",
        title=f"Gap: {said}" if searched else view.GAP_EXPLANATION,
    )


def status_badge(key: str) -> dbc.Badge:
    """Where the contract stands today, as a word on its colour (``dashboard.status``)."""
    dark = key in ("ending", "unknown")
    return dbc.Badge(status.label(key), color=status.BADGES[key], text_color="dark" if dark else None)


def _contact(row: dict) -> list:
    found = view.contact(row)
    if not found:
        return ["–"]
    email = links.safe_email(found["email"])
    name = found["name"] or found["email"]
    out: list = [html.A(name or email, href=f"mailto:{email}")] if email else [name or ""]
    if found["phone"]:
        out += [html.Br(), found["phone"]]
    return [*out, html.Br(), html.Small(f"from the {found['from']}", className="text-body-secondary")]


def _notice(row: dict) -> object:
    url = links.safe_url(row.get("source_url"))
    return html.A("Notice", href=url, target="_blank", rel="noopener noreferrer") if url else "–"


def _market(row: dict, names: dict[str, str]) -> list:
    """The matching planning, tender and award notices as links, or what was searched for them."""
    items = []
    for n in row.get("notices") or []:
        url, label = links.safe_url(n.get("url")), view.notice_label(n)
        link = html.A(label, href=url, target="_blank", rel="noopener noreferrer", title=n.get("title") or "")
        items.append(html.Li(link if url else label, className="market-notice"))
    if not items:
        said = view.searched(row, names)
        return [html.Span(said[:1].upper() + said[1:], className="small")]
    more = row.get("notice_count", 0) - len(items)
    tail = [html.Li(f"and {more:,} more", className="small")] if more > 0 else []
    return [html.Ul([*items, *tail], className="list-unstyled mb-0")]


COLUMNS = [
    ("Ends", False), ("Status", False), ("Borough", False), ("Incumbent supplier", False), ("System or title", False),
    ("Service area", False), ("Latest end with extensions", False), ("Annual value", True),
    ("Start procurement by", False), ("Contact", False), ("Notice", False), ("Market notices", False),
    ("Gap", False),
]  # fmt: skip


def _row(r: dict, names: dict[str, str]) -> html.Tr:
    ends = dcc.Link(format_date(r["end_date"]), href=view.contract_href(r), title="The contract and its lifecycle")
    gap = gap_badge(view.searched(r, names)) if r.get("gap") else ""
    cells = [ends, status_badge(r["status"]), *view.table_cells(r, names), _contact(r), _notice(r),
             _market(r, names), gap]  # fmt: skip
    return html.Tr(
        [html.Td(c, className="text-end" if COLUMNS[i][1] else None) for i, c in enumerate(cells)],
        **{"data-contract": r["contract_id"], "data-status": r["status"]},
    )


def rows_table(rows: list[dict]) -> dbc.Table:
    names = reference.borough_names()
    return dbc.Table(
        [
            html.Caption("Contracts ending in the period, soonest first"),
            html.Thead(html.Tr([html.Th(c, scope="col", className="text-end" if num else None) for c, num in COLUMNS])),
            html.Tbody([_row(r, names) for r in rows]),
        ],
        hover=True,
        size="sm",
        striped=True,
        id="expiring-table",
    )


def ended_note(st: dict, n: int) -> html.P | None:
    """How many ended contracts of the period are hidden (or shown), with the link that flips it."""
    shown = view.shows_ended(st)
    sentence = view.ended_sentence(n, shown)
    if not sentence:
        return None
    flip = VIEW.href({**st, "ended": None if shown else "show"})
    link = dcc.Link("Hide them" if shown else "Show them", href=flip, id="expiring-ended-toggle")
    return html.P([sentence, " ", link], className="small", id="expiring-ended")


def contacts_note() -> html.P | None:
    """For the public: survey contacts exist but are for members (the cursor has blanked them)."""
    if access.is_member():
        return None
    return html.P(view.MEMBERS_CONTACTS, className="small text-body-secondary", id="expiring-contacts-note")


def month_chart(rows: list[dict], start: date, end: date) -> dbc.Card:
    months = view.by_month(rows, start, end)
    table = ui.data_table(["Month", "Contracts ending"], view.month_table(months), "Contracts ending, by month")
    return ui.chart(month_bar(months), table, "expiring-month-chart")


def _heading_parts(st: dict, problems: list[str] | None) -> list:
    """Warnings about ignored URL values, and the filters in words."""
    out: list = [ui.message(p, color="warning") for p in problems or []]
    described = view.described(st)
    if described:
        out.append(html.P("Filtered: " + "; ".join(described), className="mb-1", id="expiring-filters"))
    return out


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
    out = _heading_parts(st, problems)
    out += [
        horizon_links(st),
        cpv_control(st),
        html.P(view.summary(rows, start, end, cut), id="expiring-summary", className="fw-semibold"),
    ]
    if cut:
        out.append(ui.message(view.cut_message(), color="warning"))
    out += [
        note for note in (ended_note(st, view.ended_in_period(cur, st, today)), contacts_note()) if note is not None
    ]
    out += [
        html.P([gap_badge(), " ", view.GAP_EXPLANATION], className="small", id="expiring-gap-explanation"),
        ui.download_links("expiring", st, "of this list"),
        calendar_links(st, host),
    ]
    if not rows:
        out.append(ui.message(view.empty_text(st), message_id="expiring-empty"))
        return out
    return [*out, month_chart(rows, start, end), html.Div(rows_table(rows), className="table-responsive")]


def layout(**query) -> list:
    """Dash calls this on every visit with the URL's query (repeated keys as lists)."""
    st, problems = VIEW.check(query)
    host = flask.request.host if flask.has_request_context() else None
    return ui.page(
        "Expiring soon",
        lambda cur: content(cur, st, problems, host=host),
        lead="Contracts ending soon: who holds them, when procurement should start and whom to ask.",
        st=st,
        href=VIEW.href,
    )


def calendar_ics() -> flask.Response:
    """``/calendar.ics``: the expiring page's contracts as iCalendar events (``kind``: end, procurement or both)."""
    return exports.view_file(
        VIEW,
        lambda cur, st: (view.calendar_feed(cur, st, date.today(), flask.request.host_url), "citytools-expiring.ics"),
        "text/calendar; charset=utf-8",
        disposition="inline",
        cache="no-cache",
    )


def register(app: dash.Dash) -> None:
    """The page's callbacks and its ``/calendar.ics`` route, on ``app`` (called by ``create_app``)."""
    ui.url_from_control(app, CPV_ID, lambda value, search: VIEW.updated(search, cpv=value or None))
    app.server.add_url_rule("/calendar.ics", "citytools_calendar", calendar_ics, methods=["GET"])
