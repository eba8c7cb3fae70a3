"""Reports: the LOTI market engagement report, previewed and downloaded as Excel or printable HTML.

The form picks what the report is about (a service area, system, supplier or joint procurement
window); with the filter bar's filters that is the URL's state, and the two download buttons
are links to ``/report/xlsx`` and ``/report/html`` with the same query string, so a bookmarked
or shared link gives the same report. One callback turns a choice in the form into a new URL;
what the choice means is ``dashboard.logic.report`` (``search_for_choice``), as is the report.
"""

from __future__ import annotations

import io
from datetime import date

import dash
import duckdb
import flask
from dash import dcc, html

from dashboard import exports, format
from dashboard import layout as ui
from dashboard.logic import report as rep
from dashboard.logic.report import VIEW
from dashboard.texts import PRODUCT

PAGE = {
    "path": VIEW.path,
    "name": "Reports",
    "title": f"Reports · {PRODUCT}",
    "description": "Market engagement reports for LOTI: an Excel workbook and a printable report for any service area.",
    "order": 90,
}

ON_ID = "report-on"
SUBJECT_ID = "report-subject"
PLACEHOLDERS = {"service_area": "Choose a service area", "system": "Choose a system", "supplier": "Choose a supplier",
                "window": "Choose a joint procurement window"}  # fmt: skip
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_KINDS = ("xlsx", "html")


def subject_control(cur: duckdb.DuckDBPyConnection, st: dict, today: date) -> html.Div:
    on = rep.report_on(st)
    options, value = rep.subject_choices(cur, st, today)
    return html.Div(
        [
            html.Label(rep.SUBJECT_LABELS[on], htmlFor=SUBJECT_ID, className="form-label"),
            dcc.Dropdown(id=SUBJECT_ID, options=options, value=value, placeholder=PLACEHOLDERS[on], clearable=True),
        ],
        className="mb-3",
    )


def on_links(st: dict) -> html.Nav:
    """What the report is on, as links: a choice is a URL like any other state."""
    current = rep.report_on(st)
    items = []
    for key, label in rep.SUBJECT_LABELS.items():
        text = [label, *([html.Span(" (chosen)", className="visually-hidden")] if key == current else [])]
        link = dcc.Link(text, href=rep.on_href(st, key), className="nav-link" + (" active" if key == current else ""))
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
    search = VIEW.search(st)
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
        ("Contracts in scope", r.numbers["contracts"]),
        ("Boroughs", r.numbers["boroughs"]),
        ("Ending in the period", r.numbers["ending"]),
        ("Suppliers", r.numbers["suppliers"]),
        ("Joint procurement windows", r.numbers["windows"]),
    ]
    return html.Section(
        [
            html.H2(r.title, className="h5"),
            html.P(f"Contracts ending {format.long_date(r.start)} to {format.long_date(r.end)}.", className="small"),
            *(html.P(sentence) for sentence in r.summary),
            html.Ul(
                [
                    html.Li([html.Strong(label + ": "), format.integer(value)], className="list-inline-item me-3")
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
    """The form, the preview and the download buttons for a state."""
    today = today or date.today()
    out: list = ui.url_problems(problems)
    described = rep.described(st)
    if described:
        out.append(html.P("Report for: " + "; ".join(described), className="mb-2", id="report-filters"))
    out.append(form(cur, st, today))
    try:
        report = rep.preview_report(cur, st, today)  # the page shows the numbers: the files' tables are not read
    except ValueError as e:  # a window that is not in this build: a URL value the view cannot use
        out += ui.url_problems([str(e)])
        return out
    out += [downloads(st), preview(report)]
    return out


layout = ui.view_layout(
    VIEW,
    "Market engagement report",
    content,
    lead="For LOTI and boroughs preparing to talk to the market: one click for a workbook or a printable report.",
)


def report_file(kind: str) -> flask.Response:
    """``/report/<kind>``: the market engagement report for the query string, as a workbook or printable HTML."""
    if kind not in REPORT_KINDS:
        flask.abort(404)

    def make(cur, st) -> tuple[bytes, str]:
        try:
            report = rep.build_report(cur, st, date.today(), base_url=flask.request.host_url)
        except ValueError as e:  # a window that is not in this build
            raise exports.BadRequest(str(e)) from None
        if kind == "xlsx":
            buf = io.BytesIO()
            rep.write_xlsx(report, buf)
            return buf.getvalue(), f"{report.filename_stem}.xlsx"
        return rep.render_html(report).encode("utf-8"), f"{report.filename_stem}.html"

    return exports.view_file(VIEW, make, XLSX if kind == "xlsx" else "text/html; charset=utf-8")


def register(app: dash.Dash) -> None:
    """The page's callback and the ``/report/<kind>`` route, on ``app`` (called by ``create_app``)."""
    ui.url_from_control(app, SUBJECT_ID, lambda subject, search: rep.search_for_choice(search, subject))
    app.server.add_url_rule("/report/<kind>", "citytools_report", report_file, methods=["GET"])
