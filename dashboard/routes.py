"""Flask routes that are files, not pages: ``/calendar.ics`` and ``/report/<xlsx|html>``.

Both take the query string of their page (``/expiring``, ``/reports``), validated by
``dashboard.state``: a value that does not parse is a 400 with the reason, never a silently
different file, because a calendar subscription or a scheduled download would otherwise keep
showing the wrong contracts without anyone noticing.
"""

from __future__ import annotations

import io
from datetime import date

import flask

from dashboard import db, state
from dashboard import expiring as expiring_view
from dashboard.calendar_feed import contract_calendar
from dashboard.report import build_report
from dashboard.report_html import render_html
from dashboard.report_xlsx import write_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_KINDS = ("xlsx", "html")


def _bad_request(problems: list[str]) -> flask.Response:
    return flask.Response("Bad request: " + " ".join(problems) + "\n", status=400, mimetype="text/plain")


def _no_database() -> flask.Response:
    return flask.Response("No database yet: run `make data`.\n", status=503, mimetype="text/plain")


def _state() -> tuple[dict, list[str]]:
    return state.check_query(flask.request.query_string)


def calendar_ics() -> flask.Response:
    """The expiring page's contracts as iCalendar events (``kind``: end, procurement or both)."""
    st, problems = _state()
    if problems:
        return _bad_request(problems)
    kind = st.get("kind") or expiring_view.DEFAULT_KIND
    described = state.describe(st)
    name = "City Tools: contracts ending" + (f" ({'; '.join(described)})" if described else "")
    try:
        with db.cursor(db.current_path()) as cur:
            rows, _cut = expiring_view.view_rows(cur, st, date.today())
    except db.DatabaseMissing:
        return _no_database()
    body = contract_calendar(rows, kind=kind, name=name[:200])
    response = flask.Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'inline; filename="citytools-expiring.ics"'
    response.headers["Cache-Control"] = "no-cache"
    return response


def report_file(kind: str) -> flask.Response:
    """The market engagement report for the query string, as a workbook or printable HTML."""
    if kind not in REPORT_KINDS:
        flask.abort(404)
    st, problems = _state()
    if problems:
        return _bad_request(problems)
    try:
        with db.cursor(db.current_path()) as cur:
            report = build_report(cur, st, date.today())
    except db.DatabaseMissing:
        return _no_database()
    except ValueError as e:  # a window that is not in this build
        return _bad_request([str(e)])
    if kind == "xlsx":
        buf = io.BytesIO()
        write_xlsx(report, buf)
        body, mimetype = buf.getvalue(), XLSX
    else:
        body, mimetype = render_html(report).encode("utf-8"), "text/html; charset=utf-8"
    response = flask.Response(body, content_type=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{report.filename_stem}.{kind}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def register_routes(server: flask.Flask) -> None:
    """Add ``/calendar.ics`` and ``/report/<kind>`` to the Dash app's Flask server (once)."""
    if "citytools_calendar" in server.view_functions:
        return
    server.add_url_rule("/calendar.ics", "citytools_calendar", calendar_ics, methods=["GET"])
    server.add_url_rule("/report/<kind>", "citytools_report", report_file, methods=["GET"])
