"""Reports: the LOTI market engagement report, previewed and downloaded as Excel or printable HTML.

The form picks what the report is about (a service area, system, supplier or joint procurement
window); with the filter bar's filters that is the URL's state, and the two download buttons
are links to ``/report/xlsx`` and ``/report/html`` with the same query string, so a bookmarked
or shared link gives the same report. One callback turns a choice in the form into a new URL.
"""

from __future__ import annotations

from datetime import date

import dash
import duckdb
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import layout as ui
from dashboard import report as rep
from dashboard import state
from dashboard.filters import URL
from dashboard.queries import report as q
from dashboard.queries.windows import window_contracts
from dashboard.windows import find_windows

dash.register_page(
    __name__,
    path="/reports",
    name="Reports",
    title=f"Reports · {ui.PRODUCT}",
    description="Market engagement reports for LOTI: an Excel workbook and a printable report for any service area.",
    order=90,
)

FILTER_SUBJECTS = ("service_area", "system", "supplier")  # subjects that are filters of the filter bar
ON_ID = "report-on"
SUBJECT_ID = "report-subject"
PLACEHOLDERS = {"service_area": "Choose a service area", "system": "Choose a system", "supplier": "Choose a supplier",
                "window": "Choose a joint procurement window"}  # fmt: skip


def report_on(st: dict) -> str:
    """What the form reports on: the URL's ``report_on``, else what the state already names, else service area."""
    if st.get("report_on"):
        return st["report_on"]
    kind = rep.subject_of(st)[0]
    return kind or "service_area"


def window_options(cur: duckdb.DuckDBPyConnection, st: dict, today: date) -> list[dict]:
    """Service-area windows (default search) that have not ended, soonest procurement start first."""
    base = {k: v for k, v in state.filters_of(st).items() if k not in ("end_from", "end_to", rep.WINDOW_GROUP)}
    found, _unknown = find_windows(window_contracts(cur, rep.WINDOW_GROUP, "base", base))
    out = []
    for w in sorted(found, key=lambda w: (w.procurement_start, w.group)):
        if w.end < today:
            continue
        label = f"{w.group}: {len(w.boroughs)} boroughs, contracts ending {w.start:%b %Y} to {w.end:%b %Y}"
        out.append({"label": label, "value": w.key})
    return out


def subject_control(cur: duckdb.DuckDBPyConnection, st: dict, today: date) -> html.Div:
    on = report_on(st)
    if on == "window":
        options = window_options(cur, st, today)
        value = st.get("window")
    else:
        options = [{"label": f"{v} ({n:,})", "value": v} for v, n in q.subject_options(cur, on, state.filters_of(st))]
        chosen = st.get(on) or []
        value = chosen[0] if len(chosen) == 1 else None
    if value and value not in {o["value"] for o in options}:
        options.append({"label": value, "value": value})
    return html.Div(
        [
            html.Label(rep.SUBJECT_LABELS[on], htmlFor=SUBJECT_ID, className="form-label"),
            dcc.Dropdown(id=SUBJECT_ID, options=options, value=value, placeholder=PLACEHOLDERS[on], clearable=True),
        ],
        className="mb-3",
    )


def on_href(st: dict, on: str) -> str:
    """The page reporting on ``on``, the rest of the state kept (``report_on`` only when not implied)."""
    rest = {k: v for k, v in st.items() if k != "report_on"}
    return "/reports" + state.to_search(rest if report_on(rest) == on else {**rest, "report_on": on})


def on_links(st: dict) -> html.Nav:
    """What the report is on, as links: a choice is a URL like any other state."""
    current = report_on(st)
    items = []
    for key, label in rep.SUBJECT_LABELS.items():
        text = [label, *([html.Span(" (chosen)", className="visually-hidden")] if key == current else [])]
        link = dcc.Link(text, href=on_href(st, key), className="nav-link" + (" active" if key == current else ""))
        items.append(html.Li(link, className="nav-item"))
    return html.Nav(
        [html.Span("Report on: ", className="me-2"), html.Ul(items, className="nav nav-pills d-inline-flex")],
        className="mb-3 d-flex flex-wrap align-items-center",
        id=ON_ID,
        **{"aria-label": "Report on"},
    )


def form(cur: duckdb.DuckDBPyConnection, st: dict, today: date) -> html.Section:
    return html.Section(
        [
            html.H2("What the report is about", className="h5"),
            on_links(st),
            subject_control(cur, st, today),
            html.P(
                "The filter bar's filters (boroughs, contract end dates, text, source) apply too. Without end dates "
                f"the report looks at contracts ending in the next {rep.REPORT_MONTHS} months.",
                className="small text-body-secondary mb-0",
            ),
        ],
        className="border rounded p-3 mb-3",
        id="report-form",
    )


def downloads(st: dict) -> html.Div:
    search = state.to_search(st)
    return html.Div(
        [
            html.A(
                "Download Excel workbook",
                href=f"/report/xlsx{search}",
                download="",
                className="btn btn-primary me-2",
                id="report-download-xlsx",
            ),
            html.A(
                "Download printable report (HTML)",
                href=f"/report/html{search}",
                download="",
                className="btn btn-outline-primary",
                id="report-download-html",
            ),
        ],  # fmt: skip
        className="my-3",
    )


def preview(r: rep.Report) -> html.Section:
    """The report's summary as the files will have it, so the user sees what they are downloading."""
    numbers = [
        ("Contracts in scope", ui.fmt_int(r.numbers["contracts"])),
        ("Boroughs", ui.fmt_int(r.numbers["boroughs"])),
        ("Ending in the period", ui.fmt_int(r.numbers["ending"])),
        ("Suppliers", ui.fmt_int(r.numbers["suppliers"])),
        ("Joint procurement windows", ui.fmt_int(r.numbers["windows"])),
    ]
    return html.Section(
        [
            html.H2(r.title, className="h5"),
            html.P(f"Contracts ending {rep.long_date(r.start)} to {rep.long_date(r.end)}.", className="small"),
            *(html.P(sentence) for sentence in r.summary),
            html.Ul(
                [
                    html.Li([html.Strong(label + ": "), value], className="list-inline-item me-3")
                    for label, value in numbers
                ],
                className="list-inline",
            ),
        ],
        id="report-preview",
        className="mb-3",
    )


def content(
    cur: duckdb.DuckDBPyConnection, st: dict, problems: list[str] | None = None, today: date | None = None
) -> list:
    """The form, the preview and the download buttons for a state; a plain function for tests."""
    today = today or date.today()
    out: list = [*(ui.message(p, color="warning") for p in problems or [])]
    described = rep._described(st)
    if described:
        out.append(html.P("Report for: " + "; ".join(described), className="mb-2", id="report-filters"))
    out.append(form(cur, st, today))
    try:
        report = rep.build_report(cur, st, today)
    except ValueError as e:
        out.append(ui.message(str(e), color="warning", message_id="report-problem"))
        return out
    out += [downloads(st), preview(report)]
    return out


def layout(**query) -> list:
    """Dash calls this on every visit with the URL's query (repeated keys as lists)."""
    st, problems = state.check_params(query)
    return ui.page(
        "Market engagement report",
        lambda cur: content(cur, st, problems),
        lead="For LOTI and boroughs preparing to talk to the market: one click for a workbook or a printable report.",
    )


def _current_subject(st: dict, on: str) -> str | None:
    if on == "window":
        return st.get("window")
    chosen = st.get(on) or []
    return chosen[0] if len(chosen) == 1 else None


def search_for_choice(search: str | None, subject: str | None) -> str | None:
    """The URL after a subject is chosen in the form, or None when it changes nothing.

    A dropdown reporting the value it was drawn with (as Dash components may on mount) changes
    nothing, so it can never wipe a filter. ``report_on`` stays in the URL only when the rest
    of the state does not already imply it, keeping links short.
    """
    st = state.parse_query(search)
    on = report_on(st)
    if (subject or None) == _current_subject(st, on):
        return None
    if on == "window":
        st["window"] = subject
    else:
        st[on] = [subject] if subject else []
        st.pop("window", None)
    rest = {k: v for k, v in st.items() if k != "report_on" and v not in (None, [], "")}
    new = state.to_search(rest if report_on(rest) == on else {**rest, "report_on": on})
    return None if new == (search or "") else new


@dash.callback(
    Output(URL, "search", allow_duplicate=True),
    Input(SUBJECT_ID, "value"),
    State(URL, "search"),
    prevent_initial_call=True,
)
def subject_to_url(subject, search):
    new = search_for_choice(search, subject)
    if new is None:
        raise PreventUpdate
    return new
