"""Expiring soon: contracts ending in the next months, for suppliers looking for their next bid.

The page shows ``logic.expiring.model`` under the URL's state (filters, ``months``, ``cpv``,
``kind``, ``page``): the whole list in numbers (summary, chart) and one page of its rows. The
CSV/Excel export and the ``/calendar.ics`` feed hold every page (``view_rows``, same state).

In-page options update only what they change: the months, the CPV division, the calendar kind,
the pager and the ended toggle write the URL through the page's own ``dcc.Location``
(``refresh=False``: the app's router draws nothing), and one callback redraws the parts of the
results the new state changes (``logic.expiring.redrawn_parts``): another page its rows, another
calendar kind its links, the chart's figure in place. The controls are drawn once and only set.
What the URL said that the view ignored is shown above the results, until dismissed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import dash
import dash_bootstrap_components as dbc
import duckdb
import flask
from dash import dcc, html
from dash.exceptions import PreventUpdate

from dashboard import access, db, exports, links
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
MONTHS_ID = "expiring-months"
KIND_ID = "expiring-kind"
ENDED_TOGGLE = "expiring-ended-toggle"
LOCATION = "expiring-url"  # refresh=False: the options change the address, not the page
RESULTS = "expiring-results"
PAGER = ("expiring-previous", "expiring-next")
# The parts of the results an option redraws (``view.redrawn_parts``), each its own container; the
# controls above them (months, CPV division, calendar kind) are drawn once and only set after.
HEAD, FILES, CALENDAR, CHART, GRAPH, CHART_TABLE, ROWS = (
    "expiring-head", "expiring-files", "expiring-calendar-links", "expiring-chart", "expiring-month-chart",
    "expiring-month-table", "expiring-rows",
)  # fmt: skip


# --------------------------------------------------------------------------- controls


def _pills(control_id: str, options: dict, value: object) -> dbc.RadioItems:
    """Radios drawn as pills: an option writes the URL through the page's location, not a link that
    makes the app's router draw the whole page again."""
    return dbc.RadioItems(
        id=control_id,
        options=[{"label": label, "value": key} for key, label in options.items()],
        value=value,
        inline=True,
        class_name="d-inline-flex flex-wrap gap-1",
        input_class_name="btn-check",
        label_class_name="btn btn-outline-primary btn-sm rounded-pill",
        label_checked_class_name="active",
    )


def horizon_links(st: dict) -> html.Nav:
    """3/6/12/18/24 months; none chosen when the filter bar's end dates apply instead."""
    chosen = None if view.uses_filter_dates(st) else view.months_of(st)
    note = []
    if chosen is None:
        note = [html.Span(" The filter bar's contract end dates are set, so they apply instead.", className="small")]
    return html.Nav(
        [
            html.Span("Ending within: ", className="me-2"),
            _pills(MONTHS_ID, {n: f"{n} months" for n in HORIZONS}, chosen),
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


def calendar_links(st: dict, host: str | None) -> list:
    """Download/subscribe links to ``/calendar.ics`` with the page's query."""
    search = VIEW.search(st)  # the page number rides along, unread: the calendar holds every page
    return [
        html.A(
            "Subscribe in your calendar",
            href=f"/calendar.ics{search}",
            className="btn btn-primary btn-sm me-2",
            id="expiring-calendar",
        ),
        *_subscribe_hint(search, host),
    ]


def calendar_section(st: dict, host: str | None) -> html.Section:
    """The kind of events (drawn once, then only set) and the links that follow it (``CALENDAR``)."""
    kind = st.get("kind") or view.DEFAULT_KIND
    children = [
        html.H2("Calendar", className="h6 mb-0 me-3"),
        html.Nav(
            [html.Span("Events for: ", className="me-2"), _pills(KIND_ID, view.KIND_LABELS, kind)],
            className="me-3 d-flex flex-wrap align-items-center",
            **{"aria-label": "Calendar events"},
        ),
        html.Div(calendar_links(st, host), id=CALENDAR, className="d-flex flex-wrap align-items-center gap-1"),
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


def ended_note(st: dict, n: int) -> html.P:
    """How many ended contracts of the period are hidden (or shown), with the button that flips it
    (always there, hidden when none have ended, so the options callback always has its input)."""
    shown = view.shows_ended(st)
    sentence = view.ended_sentence(n, shown)
    flip = html.Button(
        "Hide them" if shown else "Show them",
        id=ENDED_TOGGLE,
        n_clicks=0,
        type="button",
        className="btn btn-link btn-sm p-0 align-baseline",
    )
    return html.P([sentence, " ", flip], className="small" if sentence else "d-none", id="expiring-ended")


def contacts_note() -> html.P | None:
    """For the public: survey contacts exist but are for members (the cursor has blanked them)."""
    if access.is_member():
        return None
    return html.P(view.MEMBERS_CONTACTS, className="small text-body-secondary", id="expiring-contacts-note")


def chart_parts(m: dict) -> tuple[str, dict, dbc.Table]:
    """The month chart's class (hidden for an empty list), figure and table, over the whole list."""
    months = view.by_month(m["totals"]["months"], m["start"], m["end"])
    table = ui.chart_table(["Month", "Contracts ending"], view.month_table(months), "Contracts ending, by month")
    return ("" if m["rows"] else "d-none"), month_bar(months), table


def month_chart(m: dict) -> html.Div:
    """Contracts ending per month over the whole list (every page); always there, so that an option
    updates its figure and table (``GRAPH``, ``CHART_TABLE``) rather than drawing a new chart."""
    class_name, figure, table = chart_parts(m)
    return html.Div(ui.chart(figure, html.Div(table, id=CHART_TABLE), GRAPH), id=CHART, className=class_name)


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


def head(m: dict, st: dict) -> list:
    """The list in words: the filters, the summary, the ended and contacts notes, the gap flag."""
    described = view.described(st)
    totals = m["totals"]
    out: list = []
    if described:
        out.append(html.P("Filtered: " + "; ".join(described), className="mb-1", id="expiring-filters"))
    out.append(html.P(view.summary_text(totals, m["start"], m["end"]), id="expiring-summary", className="fw-semibold"))
    out += [note for note in (ended_note(st, totals["ended"]), contacts_note()) if note is not None]
    out.append(html.P([gap_badge(), " ", view.GAP_EXPLANATION], className="small", id="expiring-gap-explanation"))
    return out


def downloads(st: dict) -> html.Div:
    return ui.download_links("expiring", st, "of this list (every page)")


def rows_part(m: dict, st: dict) -> list:
    """This page of the list with its pager, or why the list is empty."""
    if not m["rows"]:
        return [empty_state(st, m["totals"]["ended"]), pager(m)]
    table = html.Div(rows_table(m["rows"], st), className="table-responsive")
    return [pager(m), table, pager_copy(m)]


def results(m: dict, st: dict, host: str | None = None) -> list:
    """The horizon, then each part an option may redraw (``redraw``): the list in words, the downloads,
    the calendar, the chart, this page's rows and the pager."""
    return [
        horizon_links(st),
        html.Div(head(m, st), id=HEAD),
        html.Div(downloads(st), id=FILES),
        calendar_section(st, host),
        month_chart(m),
        html.Div(rows_part(m, st), id=ROWS),
    ]


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


# What an option's redraw sets, in order: each part, or no update where the new state leaves it as it is.
PARTS = ((HEAD, "children"), (FILES, "children"), (CALENDAR, "children"), (CHART, "className"),
         (GRAPH, "figure"), (CHART_TABLE, "children"), (ROWS, "children"))  # fmt: skip
CONTROLS = ((CPV_ID, "value"), (MONTHS_ID, "value"), (KIND_ID, "value"))


def redraw(cur: duckdb.DuckDBPyConnection, st: dict, before: dict | None, host: str | None = None) -> list:
    """The values of ``PARTS`` for the state ``st`` when the page shows ``before``: only the parts
    that change (``view.redrawn_parts``); an empty list's ways to widen it carry the calendar kind."""
    parts = view.redrawn_parts(before, st)
    m = view.model(cur, st) if parts else None
    if m is not None and not m["rows"] and "files" in parts:
        parts = parts | {"rows"}
    no = dash.no_update
    chart = chart_parts(m) if m is not None and "chart" in parts else (no, no, no)
    return [
        head(m, st) if "head" in parts else no,
        downloads(st) if "files" in parts else no,
        calendar_links(st, host) if "files" in parts else no,
        *chart,
        rows_part(m, st) if "rows" in parts else no,
    ]


def control_values(st: dict) -> list:
    """What the controls show for a state, in ``CONTROLS`` order."""
    months = None if view.uses_filter_dates(st) else view.months_of(st)
    return [st.get("cpv"), months, st.get("kind") or view.DEFAULT_KIND]


def options_to_search(search: str | None, trigger: object, values: Sequence) -> str | None:
    """The new URL of an in-page option (``values``: the ``CONTROLS``' values): the next or previous
    page, ended contracts shown or hidden, another horizon or CPV division (a new list: its first
    page), another calendar kind; None when a control only echoes the URL (set from it)."""
    current = VIEW.parse(search)
    cpv, months, kind = [*values, None, None, None][:3]
    shown = control_values(current)
    if trigger in PAGER:
        changes: dict = {"page": max(1, current.get("page", 1) + (1 if trigger == PAGER[1] else -1))}
    elif trigger == ENDED_TOGGLE:
        changes = {"ended": None if view.shows_ended(current) else "show", "page": None}
    elif trigger == MONTHS_ID and months not in (None, shown[1]):
        changes = {"months": months, "page": None}
    elif trigger == KIND_ID and kind not in (None, shown[2]):
        changes = {"kind": kind}
    elif trigger == CPV_ID and (cpv or None) != shown[0]:
        changes = {"cpv": cpv or None, "page": None}
    else:
        return None
    new = VIEW.updated(search, **changes)
    return None if new == VIEW.search(current) else new


BUTTONS = (*PAGER, ENDED_TOGGLE)


def options_to_url(*args) -> str:
    """The options callback: ``CONTROLS``' values, ``BUTTONS``' clicks, the location's search. A button
    counts once clicked: one drawn again (its clicks back to 0) is not a click."""
    values, search = args[: len(CONTROLS)], args[-1]
    clicks = dict(zip(BUTTONS, args[len(CONTROLS) : -1], strict=True))
    trigger = dash.ctx.triggered_id if isinstance(dash.ctx.triggered_id, str) else None
    if trigger in clicks and not clicks[trigger]:
        raise PreventUpdate
    return ui.navigate(options_to_search(search, trigger, values))


def url_to_results(search, pathname, shown, shell_search, shell_href, *values) -> tuple:
    """The parts of the results that change for the URL an option wrote, the shell's location told the
    same, the controls set where they differ. Nothing for the URL already shown, nor for one the shell
    already has (the filter bar, a link, back or forward): the app's router draws that page."""
    canonical = VIEW.search(VIEW.parse(search))
    if pathname != VIEW.path or canonical == shown or search == shell_search:
        raise PreventUpdate
    st = VIEW.parse(search)
    before = VIEW.parse(shown) if isinstance(shown, str) else None
    try:
        with db.cursor(db.current_path()) as cur:
            parts = redraw(cur, st, before, _host())
    except (db.DatabaseMissing, duckdb.Error):
        message = [ui.message("The data could not be read: reload the page.", color="danger")]
        parts = [message, *[dash.no_update] * (len(PARTS) - 1)]
    kept = [w if w != v else dash.no_update for w, v in zip(control_values(st), values, strict=True)]
    return canonical, *parts, *ui.shell_location(search, shell_search, shell_href), *kept


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
    """The page's callbacks and its ``/calendar.ics`` route, on ``app`` (called by ``create_app``): an
    option writes the page's location (``refresh=False``: the router draws nothing), which redraws
    the parts of the results that change."""
    ui.wire_partial(app, (LOCATION, RESULTS), PARTS, CONTROLS, BUTTONS, (options_to_url, url_to_results))
    app.server.add_url_rule("/calendar.ics", "citytools_calendar", calendar_ics, methods=["GET"])
