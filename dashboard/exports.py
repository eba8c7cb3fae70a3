"""Exports of what a view shows: ``/export/<view>.csv`` and ``.xlsx`` with the view's query string.

Each view lists the functions that produce its tables in its ``View`` (``dashboard.views``);
the same function feeds the on-screen table, so an export holds exactly the rows shown.
A table function takes a cursor and the state (the parsed query string, see
``dashboard.state``) and returns ``(column headings, rows)``; rows may be an iterator, which is
consumed while the cursor is open, so a large export streams instead of sitting in memory.

Every file says what it is: the view, the filters in words, the technology scope and how many
contracts it leaves out, the data's as-of date, the Open Government Licence line when open data
is included, and a warning when the data is the sample.
Cells that a spreadsheet would run as a formula (text starting with = + - @, a tab or a
carriage return) are prefixed with an apostrophe (``xlsx.neutralise``, the one rule), every CSV
cell and notice line is quoted (one cell whatever the delimiter: comma, semicolon, tab, pipe),
and XLSX cells are written by type, never as formulas.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime

import duckdb
import flask

from dashboard import db, queries, state, views, xlsx
from dashboard.texts import OGL
from dashboard.xlsx import neutralise

SAMPLE_WARNING = "Sample data: made-up figures from the sample inputs shipped with City Tools. Do not quote them."
XLSX_MAX_ROWS = xlsx.MAX_ROWS - 1  # Excel's sheet limit, less the header row
FORMATS = ("csv", "xlsx")

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- cells


def csv_cell(value: object) -> object:
    """A value as a CSV writer should get it: numbers as numbers, dates ISO, text neutralised;
    infinity and NaN are unknown, so empty, as in the XLSX."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 46500, not 46500.0
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return neutralise(str(value), delimited=True)


def notice_line(label: str, text: str) -> str:
    """A '# label: text' notice line as one quoted CSV cell, on one line.

    Quoted, it is one cell whatever delimiter the spreadsheet splits on (comma, semicolon, tab,
    pipe or any other), so a filter value such as ``x","=HYPERLINK(...)`` stays inside it; it
    starts with '#', so it is never a formula.
    """
    return _csv_line([f"# {label}: {text}".replace("\r", " ").replace("\n", " ")])


# --------------------------------------------------------------------------- what the file says


def notices(cur: duckdb.DuckDBPyConnection, view: str, st: dict, problems: list[str]) -> list[tuple[str, str]]:
    """(label, text) pairs heading every export: view, filters, scope, as-of date, licence, sample warning.

    The scope line says how many contracts that are not technology the file leaves out, so a file
    passed on cannot be mistaken for every contract.
    """
    status = queries.data_status(cur)
    filters = state.describe(st)
    out = [
        ("View", view),
        ("Filters", "; ".join(filters) if filters else "none (all contracts of London borough buyers)"),
        ("Scope", state.describe_scope(st, queries.scope_counts(cur, st))),
    ]
    out += [("Sorted by", str(st["sort"]))] if st.get("sort") else []
    out += [("Ignored", p) for p in problems]
    out.append(("Data as of", str(status.get("data_as_of") or status.get("built_at") or "not recorded")))
    if queries.has_open_data(cur, st):
        out.append(("Licence", OGL))
    if status.get("is_sample"):
        out.append(("Warning", SAMPLE_WARNING))
    out.append(("Exported", datetime.now().isoformat(timespec="seconds")))
    return out


def filename(view: str, fmt: str, day: date | None = None) -> str:
    return f"citytools-{view}-{(day or date.today()).isoformat()}.{fmt}"


# --------------------------------------------------------------------------- writers


def _csv_line(values: Sequence[object]) -> str:
    """One CSV line, every cell quoted: a quoted cell is one cell for every delimiter Excel may be
    set to, so text holding ``;`` or a tab cannot spill into a next cell and start a formula there."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerow(values)
    return buf.getvalue()


def csv_chunks(heading: list[tuple[str, str]], columns: list[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The CSV text: '# label: text' lines, then the header and the rows, in chunks for streaming."""
    yield "\ufeff"  # a byte-order mark, so Excel reads the file as UTF-8 (pound signs, accents)
    for label, text in heading:
        yield notice_line(label, text)
    yield _csv_line([neutralise(c, delimited=True) for c in columns])
    batch: list[str] = []
    for row in rows:
        batch.append(_csv_line([csv_cell(v) for v in row]))
        if len(batch) >= 1000:
            yield "".join(batch)
            batch = []
    yield "".join(batch)


def write_xlsx(out, heading: list[tuple[str, str]], columns: list[str], rows: Iterable[Sequence], sheet: str) -> int:
    """An XLSX workbook: the data sheet, then 'About' with the notices. Returns the rows written."""
    book = xlsx.Book(out)
    data = book.sheet(sheet)
    data.write(columns, style="bold")
    n = 0
    truncated = False
    for i, row in enumerate(rows, start=1):
        if i > XLSX_MAX_ROWS:
            truncated = True
            break
        data.write(row)
        n = i
    data.ws.freeze_panes(1, 0)
    about = book.sheet("About", widths=(14, 100))
    lines = list(heading)
    if truncated:
        lines.append(("Truncated", f"Excel holds {XLSX_MAX_ROWS:,} rows; the CSV export has them all."))
    for label, text in lines:
        about.write([label, text], style=("bold", None))
    book.close()
    return n


# --------------------------------------------------------------------------- routes


class BadRequest(ValueError):
    """The query asks for something this build cannot give (a window that is gone): a 400, with why."""


def bad_request(problems: list[str]) -> flask.Response:
    """A 400 that says why: a calendar or report for other contracts than asked must not be served."""
    return flask.Response("Bad request: " + " ".join(problems) + "\n", status=400, mimetype="text/plain")


def no_database() -> flask.Response:
    return flask.Response("No database yet: run `make data`.\n", status=503, mimetype="text/plain")


def view_file(
    view: state.View,
    make: Callable[[duckdb.DuckDBPyConnection, dict], tuple[bytes | str, str]],
    mimetype: str,
    disposition: str = "attachment",
    cache: str = "no-store",
) -> flask.Response:
    """A file a view serves from its own query string (the calendar feed, the report).

    ``make(cursor, state)`` gives the body and the file name. A value that does not parse is a
    400 with the reason, never a silently different file, because a calendar subscription or a
    scheduled download would otherwise go on showing other contracts without anyone noticing.
    """
    st, problems = view.check_query(flask.request.query_string)
    if problems:
        return bad_request(problems)
    try:
        with db.cursor(db.current_path()) as cur:
            body, name = make(cur, st)
    except db.DatabaseMissing:
        return no_database()
    except BadRequest as e:
        return bad_request([str(e)])
    return _download(name, flask.Response(body, content_type=mimetype), disposition, cache)


def _download(name: str, response: flask.Response, disposition: str = "attachment", cache: str = "no-store"):
    """A file response: named, and not kept by caches (an export is of the data as it is now)."""
    response.headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response.headers["Cache-Control"] = cache
    return response


def export(view: str, fmt: str) -> flask.Response:
    """The Flask view behind ``/export/<view>.<csv|xlsx>``."""
    table = views.EXPORTS.get(view)
    if table is None or fmt not in FORMATS:
        flask.abort(404)
    st, problems = views.EXPORT_VIEWS[view].check_query(flask.request.query_string)
    path = db.current_path()
    if fmt == "xlsx":
        try:
            with db.cursor(path) as cur, tempfile.SpooledTemporaryFile(max_size=32 << 20) as tmp:
                columns, rows = table(cur, st)
                write_xlsx(tmp, notices(cur, view, st, problems), columns, rows, view.replace("_", " ").capitalize())
                tmp.seek(0)
                body = tmp.read()
        except db.DatabaseMissing:
            flask.abort(503, "No database yet: run `make data`.")
        xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return _download(filename(view, fmt), flask.Response(body, mimetype=xlsx_type))

    def stream() -> Iterator[str]:
        # the cursor is opened here, not in export(), so it stays open while the rows are sent
        with db.cursor(path) as cur:
            columns, rows = table(cur, st)
            yield from csv_chunks(notices(cur, view, st, problems), columns, rows)

    try:  # check for the database before answering 200: a streamed response cannot change its status
        with db.cursor(path):
            pass
    except db.DatabaseMissing:
        flask.abort(503, "No database yet: run `make data`.")
    return _download(filename(view, fmt), flask.Response(flask.stream_with_context(stream()), mimetype="text/csv"))


def init_app(server: flask.Flask) -> None:
    """Add the export routes to the Flask server of the Dash app."""
    server.add_url_rule("/export/<view>.<any(csv, xlsx):fmt>", "export", export, methods=["GET"])
    # anything else under /export/ is a missing file, not a page for Dash's catch-all to render
    server.add_url_rule("/export/<path:rest>", "export_not_found", lambda rest: flask.abort(404))
