"""Expiring soon: contracts ending in the next months, for suppliers looking for their next bid.

The page shows ``logic.expiring.model`` under the URL's state (filters, ``months``, ``cpv``,
``kind``, ``page``): the whole list in numbers (summary, chart) and one page of its rows. The
CSV/Excel export and the ``/calendar.ics`` feed hold every page (``view_rows``, same state).

In-page options update only what they change: the pager and the CPV dropdown write the URL
through the page's own ``dcc.Location`` (``refresh=False``) and one callback redraws the results
below the dropdown (``pages.windows.register_partial``). The months and calendar choices are
links. What the URL said that the view ignored is shown above the results, until dismissed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import dash
import dash_bootstrap_components as dbc
import duckdb
import flask
from dash import dcc, html

from dashboard import access, exports, links
from dashboard import layout as ui
from dashboard.figures.expiring import month_bar
from dashboard.format import long_date as format_date
from dashboard.logic import expiring as view
from dashboard.logic.expiring import VIEW
from dashboard.pages.windows import register_partial
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
LOCATION = "expiring-url"  # refresh=False: the pager and the dropdown change the address, not the page
RESULTS = "expiring-results"
PAGER = ("expiring-previous", "expiring-next")


def unpaged(st: dict) -> dict:
    """The state without its page: what links to other settings, downloads and the calendar carry."""
    return {k: v for k, v in st.items() if k != "page"}


# --------------------------------------------------------------------------- controls


def _pill(label: str, href: str, current: bool) -> html.Li:
    text = [label, *([html.Span(" (shown)", className="visually-hidden")] if current else [])]
    return html.Li(
        dcc.Link(text, href=href, className="nav-link" + (" active" if current else "")), className="nav-item"
    )


def horizon_links(st: dict) -> html.Nav:
    """3/6/12/18/24 months as links that keep the rest of the URL."""
    chosen = None if view.uses_filter_dates(st) else view.months_of(st)
    items = [_pill(f"{n} months", VIEW.href({**unpaged(st), "months": n}), n == chosen) for n in HORIZONS]
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
    """The CPV division dropdown, with the location it writes (see ``register``)."""
    return html.Div(
        [
            dcc.Location(id=LOCATION, refresh=False),
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
        text = [hint, "beside the button as a calendar from the internet (Outlook, Google)."]
        button = html.A("webcal link", href=webcal, className="btn btn-outline-primary btn-sm")
        address = html.Code(webcal, id="expiring-webcal", className="small ms-2 text-break")  # to copy: visible
        return [button, address, _folded(html.P(text, className=small))]
    text = [hint, html.Code(f"/calendar.ics{search}"), " on this server with webcal:// in front."]
    return [_folded(html.P(text, className=small))]


def _folded(hint: html.P) -> html.Details:
    """The how-to, one click away: the page's first screen is for the contracts."""
    return html.Details([html.Summary("How to subscribe", className="small"), hint], className="ms-2 w-100")


def calendar_links(st: dict, host: str | None) -> html.Section:
    """Download/subscribe links to ``/calendar.ics`` with the page's query, and the kind of events."""
    kind = st.get("kind") or view.DEFAULT_KIND
    search = VIEW.search(st)  # the page number rides along, unread: the calendar holds every page
    kinds = [_pill(label, VIEW.href({**st, "kind": k}), k == kind) for k, label in view.KIND_LABELS.items()]
    children = [
        html.H2("Calendar", className="h6 mb-0 me-3"),
        html.Nav(
            [html.Span("Events for: ", className="me-2"), html.Ul(kinds, className="nav nav-pills d-inline-flex")],
            className="me-3 d-flex flex-wrap align-items-center",
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
    return html.Section(children, className="border rounded p-2 mb-3 d-flex flex-wrap align-items-center gap-1")


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


def _market(row: dict, names: dict[str, str], st: dict) -> list:
    """The most relevant matching notices as links (``PAGE_NOTICES``), "and N more" to the rest in
    the Contracts view, or what was searched for them."""
    items = []
    for n in (row.get("notices") or [])[: view.PAGE_NOTICES]:
        url, label = links.safe_url(n.get("url")), view.notice_label(n)
        link = html.A(label, href=url, target="_blank", rel="noopener noreferrer", title=n.get("title") or "")
        items.append(html.Li(link if url else label, className="market-notice"))
    if not items:
        said = view.searched(row, names)
        return [html.Span(said[:1].upper() + said[1:], className="small")]
    more = row.get("notice_count", 0) - len(items)
    link = dcc.Link(f"and {more:,} more", href=view.more_notices_href(row, st), className="more-notices")
    tail = [html.Li(link, className="small")] if more > 0 else []
    return [html.Ul([*items, *tail], className="list-unstyled mb-0")]


# Six columns, each a pair of facts, so that a row stays a few lines high on a laptop and a phone.
COLUMNS = ("Ends", "Borough and incumbent", "System or title", "Value and procurement", "Contact", "Market notices")


def _small(text: str, class_name: str = "") -> list:
    return [html.Br(), html.Small(text, className=f"text-body-secondary {class_name}".strip())] if text else []


def _ends(r: dict, cells: dict) -> list:
    """The base end date (a link to the contract), the extension it runs on past it, the status."""
    link = dcc.Link(format_date(r["end_date"]), href=view.contract_href(r), title="The contract and its lifecycle")
    extension = view.extension_text(r)
    latest = "" if extension or not cells["latest"] else f"with extensions to {cells['latest']}"
    return [link, " ", ui.status_badge(r["status"]), *_small(extension, "on-extension"), *_small(latest)]


def _row(r: dict, names: dict[str, str], st: dict) -> html.Tr:
    c = view.table_cells(r, names)
    gap = [gap_badge(view.searched(r, names))] if r.get("gap") else []
    cells = [
        _ends(r, c),
        [c["borough"], *_small(c["supplier"])],
        [c["system"], *_small(c["service_area"])],
        [c["value"], *_small(f"Start procurement by {c['procurement']}")],
        [*_contact(r), html.Br(), _notice(r)],
        [*gap, *_market(r, names, st)],
    ]
    return html.Tr([html.Td(x) for x in cells], **{"data-contract": r["contract_id"], "data-status": r["status"]})


def rows_table(rows: list[dict], st: dict | None = None) -> dbc.Table:
    names, st = reference.borough_names(), st or {}
    return dbc.Table(
        [
            html.Caption("Contracts ending in the period, soonest first"),
            html.Thead(html.Tr([html.Th(c, scope="col") for c in COLUMNS])),
            html.Tbody([_row(r, names, st) for r in rows]),
        ],
        hover=True,
        size="sm",
        striped=True,
        id="expiring-table",
        style={"minWidth": "64rem"},  # a phone scrolls it sideways rather than wrap each cell to a word a line
    )


def ended_note(st: dict, n: int) -> html.P | None:
    """How many ended contracts of the period are hidden (or shown), with the link that flips it."""
    shown = view.shows_ended(st)
    sentence = view.ended_sentence(n, shown)
    if not sentence:
        return None
    flip = VIEW.href({**unpaged(st), "ended": None if shown else "show"})
    link = dcc.Link("Hide them" if shown else "Show them", href=flip, id="expiring-ended-toggle")
    return html.P([sentence, " ", link], className="small", id="expiring-ended")


def contacts_note() -> html.P | None:
    """For the public: survey contacts exist but are for members (the cursor has blanked them)."""
    if access.is_member():
        return None
    return html.P(view.MEMBERS_CONTACTS, className="small text-body-secondary", id="expiring-contacts-note")


def month_chart(m: dict) -> dbc.Card:
    """Contracts ending per month over the whole list (every page)."""
    months = view.by_month(m["totals"]["months"], m["start"], m["end"])
    table = ui.data_table(["Month", "Contracts ending"], view.month_table(months), "Contracts ending, by month")
    return ui.chart(month_bar(months), table, "expiring-month-chart")


def pager(m: dict) -> html.Nav:
    """Previous / next and which rows are shown; always there (hidden for one page, disabled at the
    ends), so the options callback always has its inputs."""
    button = {"color": "outline-primary", "size": "sm", "n_clicks": 0}
    return html.Nav(
        [
            dbc.Button("Previous", id=PAGER[0], disabled=m["page"] <= 1, className="me-2", **button),
            html.Span(view.page_text(m), className="small me-2", id="expiring-page"),
            dbc.Button("Next", id=PAGER[1], disabled=m["page"] >= m["pages"], **button),
        ],
        className="my-2" if m["pages"] > 1 else "d-none",
        **{"aria-label": "Pages of the list"},
    )


def empty_state(st: dict, ended: int) -> html.Div:
    """Why the list is empty, and links that widen it."""
    ways = view.widen_states(st, ended)
    parts: list = [view.empty_text(st, ended)]
    if ways:
        parts.append(" To widen it: ")
        for i, (words, wider) in enumerate(ways):
            sep = [", " if i < len(ways) - 1 else " or "] if i else []
            parts += [*sep, dcc.Link(words, href=VIEW.href(wider), className="alert-link empty-widen")]
        parts.append(".")
    return ui.message(parts, message_id="expiring-empty")


def results(m: dict, st: dict, host: str | None = None) -> list:
    """Everything the options change: the horizon, the summary and notes, the downloads, the chart,
    this page's rows and the pager."""
    described = view.described(st)
    totals = m["totals"]
    out: list = [horizon_links(st)]
    if described:
        out.append(html.P("Filtered: " + "; ".join(described), className="mb-1", id="expiring-filters"))
    out.append(html.P(view.summary_text(totals, m["start"], m["end"]), id="expiring-summary", className="fw-semibold"))
    out += [note for note in (ended_note(st, totals["ended"]), contacts_note()) if note is not None]
    out += [
        html.P([gap_badge(), " ", view.GAP_EXPLANATION], className="small", id="expiring-gap-explanation"),
        ui.download_links("expiring", st, "of this list (every page)"),
        calendar_links(st, host),
    ]
    if not m["rows"]:
        return [*out, empty_state(st, totals["ended"]), pager(m)]
    table = html.Div(rows_table(m["rows"], st), className="table-responsive")
    return [*out, month_chart(m), pager(m), table, pager_copy(m)]


def pager_copy(m: dict) -> html.P:
    """Which rows are shown, again under the table, with nothing to click twice (ids are unique)."""
    return html.P(view.page_text(m), className="small text-body-secondary" if m["pages"] > 1 else "d-none")


def _host() -> str | None:
    return flask.request.host if flask.has_request_context() else None


def content(
    cur: duckdb.DuckDBPyConnection,
    st: dict,
    problems: Sequence[str] | None = None,
    today: date | None = None,
    host: str | None = None,
) -> list:
    """Everything below the heading for a state; a plain function so tests call it without a server.
    ``host`` is the server's name for the webcal link (the request's when called in one)."""
    box = results(view.model(cur, st, today), st, host or _host())
    return [
        *ui.url_problems(problems),
        cpv_control(st),
        html.Div(box, id=RESULTS, **{"data-search": VIEW.search(st)}),
    ]


def redraw(cur: duckdb.DuckDBPyConnection, search: str | None) -> tuple[list, list]:
    """The results and the dropdown's value for the URL the pager or dropdown wrote (or back/forward)."""
    st, _problems = VIEW.check_query(search)
    return results(view.model(cur, st), st, _host()), [st.get("cpv")]


def options_to_search(search: str | None, trigger: object, values: Sequence) -> str | None:
    """The new URL of an in-page option: the next or previous page, or another CPV division (page 1)."""
    move = {PAGER[0]: -1, PAGER[1]: 1}.get(trigger, 0)  # type: ignore[call-overload]
    current = VIEW.parse(search)
    if move:
        new = VIEW.updated(search, page=max(1, current.get("page", 1) + move))
    elif (values[0] or None) == current.get("cpv"):
        return None  # the dropdown set from the URL (back or forward), not changed by the reader
    else:
        new = VIEW.updated(search, cpv=values[0], page=None)  # another list: its first page
    return None if new == VIEW.search(current) else new


def layout(**query) -> list:
    """Dash calls this on every visit with the URL's query (repeated keys as lists)."""
    st, problems = VIEW.check(query)
    return ui.page(
        "Expiring soon",
        lambda cur: content(cur, st, problems),
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
    register_partial(app, VIEW, (LOCATION, RESULTS), [(CPV_ID, "value")], options_to_search, redraw, PAGER)
    app.server.add_url_rule("/calendar.ics", "citytools_calendar", calendar_ics, methods=["GET"])
