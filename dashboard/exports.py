"""Exports of what a view shows: ``/export/<view>.csv``, ``.xlsx`` and ``.json`` with the view's query string.

Each view lists the functions that produce its tables in its ``View`` (``dashboard.views``);
the same function feeds the on-screen table, so an export holds exactly the rows shown.
A table function takes a cursor and the state (the parsed query string, see
``dashboard.state``) and returns ``(column headings, rows)``; rows may be an iterator, which is
consumed while the cursor is open, so a large export streams instead of sitting in memory.

A CSV is a table a program can read with no options: its first line is the header, UTF-8 with
no byte-order mark (the csv module and R keep a BOM in the first heading). What the file is (the
view, every setting and filter in words, the scope, the data's dates, the licence, the sample
warning, the view's URL) is carried beside it: in the file name, the HTTP headers
(``Content-Disposition``, ``Link``, ``X-CityTools-*``), the XLSX's About sheet and the JSON
export's fields (``Provenance``). ``docs/api.md`` documents the JSON.
Cells that a spreadsheet would run as a formula (text starting with = + - @, a tab or a
carriage return) are prefixed with an apostrophe (``xlsx.neutralise``, the one rule), every CSV
cell is quoted (one cell whatever the delimiter: comma, semicolon, tab, pipe), and XLSX cells
are written by type, never as formulas. JSON holds the values as they are: it is read by
programs, not spreadsheets, and a program must get a supplier's name exactly.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import math
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from itertools import chain, islice

import duckdb
import flask

from dashboard import db, links, queries, state, views, xlsx
from dashboard.logic import expiring as expiring_logic
from dashboard.logic import my_borough as my_borough_logic
from dashboard.logic import windows as windows_logic
from dashboard.texts import OGL, OGL_URL, PRODUCT
from dashboard.xlsx import neutralise

SAMPLE_WARNING = "Sample data: made-up figures from the sample inputs shipped with City Tools. Do not quote them."
XLSX_MAX_ROWS = xlsx.MAX_ROWS - 1  # Excel's sheet limit, less the header row
FORMATS = ("csv", "xlsx", "json")
NO_FILTERS = "none (all contracts of London borough buyers)"
# Settings a view applies when its URL leaves them out, said in words ("(default)") so a file says
# its horizon even when nobody chose one; never in the file name (the URL does not carry them).
DEFAULT_SETTINGS: dict[str, Mapping[str, object]] = {
    "expiring": {"months": expiring_logic.DEFAULT_MONTHS},
    "windows": windows_logic.PARAM_DEFAULTS,
    "timeline": windows_logic.PARAM_DEFAULTS,
    "my_borough": windows_logic.PARAM_DEFAULTS,
}
# Settings of a view that no URL changes, said in the filters line so a file says what its rows are.
FIXED_SETTINGS: dict[str, list[str]] = {"my_borough": [my_borough_logic.EXPORT_HOLDS]}
MAX_NAME = 120  # characters of a file name's stem; a longer one is cut and keeps a hash of the query
MAX_HEADER = 1000  # characters of one X-CityTools-* header (proxies refuse large headers)
WIDTH_ROWS = 200  # XLSX column widths are measured on the first rows
PLURALS = {"service_area": "service-areas", "q": "searches"}

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


def json_cell(value: object) -> object:
    """A value as JSON holds it: numbers as numbers, dates ISO, NaN and infinity null, text as it is."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() else value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)  # a Decimal, a UUID: text, never an error halfway through a stream


def header_text(text: str) -> str:
    """Text fit for an HTTP header: one line of plain ASCII (accents dropped, other letters '?'),
    neutralised, at most ``MAX_HEADER`` characters. The exact words are in the JSON export."""
    flat = " ".join(str(text).split())
    plain = "".join(c for c in unicodedata.normalize("NFKD", flat) if not unicodedata.combining(c))
    ascii_text = neutralise(plain.encode("ascii", "replace").decode("ascii"))
    return ascii_text if len(ascii_text) <= MAX_HEADER else ascii_text[: MAX_HEADER - 3] + "..."


# --------------------------------------------------------------------------- what the file says


def _words(value: object) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def settings(view: str, st: Mapping[str, object]) -> list[str]:
    """The view's own settings in words, in its URL order ('Ending within (months): 18'); the ones
    the URL leaves out with their default ('... 12 (default)') where the view has one."""
    own = views.EXPORT_VIEWS[view].keys
    defaults = DEFAULT_SETTINGS.get(view, {})
    out = []
    for key in own:
        if st.get(key.name) not in (None, [], ""):
            out.append(f"{key.label}: {_words(st[key.name])}")
        elif key.name in defaults:
            out.append(f"{key.label}: {_words(defaults[key.name])} (default)")
    return out + FIXED_SETTINGS.get(view, [])


def described(view: str, st: Mapping[str, object]) -> list[str]:
    """Every filter and view setting of an export, in words: what the 'Filters' line says."""
    return state.describe(st) + settings(view, st)


def view_url(view: str, st: Mapping[str, object], root: str) -> str:
    """The absolute URL of the view an export belongs to, with its state (``root``: 'http://host/')."""
    v = views.EXPORT_VIEWS[view]
    boroughs = st.get("borough") or []
    if "<code>" in v.path and len(boroughs) == 1:  # a borough's page: the borough is in the path
        rest = {k: val for k, val in st.items() if k != "borough"}
        return root.rstrip("/") + v.href(rest, path=v.path.replace("<code>", str(boroughs[0])))
    return root.rstrip("/") + v.href(dict(st))


def _slug(text: str, limit: int = 40) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", plain.casefold()).strip("-")[:limit].strip("-")


def _name_part(name: str, value: object) -> str:
    """One setting or filter as a file-name part: '18-months', 'camden', 'from-2026-01-01', '3-boroughs'."""
    from etl import reference

    dash = name.replace("_", "-")
    if isinstance(value, list):
        if len(value) > 2:
            return f"{len(value)}-{PLURALS.get(name, dash + 's')}"
        names = reference.borough_names() if name == "borough" else {}
        return "-".join(_slug(names.get(str(v), str(v)), 30) for v in value)
    if isinstance(value, int):
        return f"{value}-{dash}"
    if name in ("end_from", "end_to"):
        return f"{name[4:]}-{value}"
    return f"{dash}-{_slug(str(value), 30)}" if name != "source" else _slug(str(value))


def filename(view: str, fmt: str, st: Mapping[str, object] | None = None, day: date | None = None) -> str:
    """A short, safe name saying what the file holds: the view, its settings and filters, the day.

    'citytools-expiring-18-months-camden-2026-12-01.csv'; only [a-z0-9-], so it needs no quoting in
    ``Content-Disposition``. A name cut at ``MAX_NAME`` keeps a hash of the query, so two exports
    of different views never share a name.
    """
    st = st or {}
    # a key dropped when the filters change (a page number) picks no rows of an export: not named
    own = [k.name for k in views.EXPORT_VIEWS[view].keys if k.keep_on_filter] if view in views.EXPORT_VIEWS else []
    order = own + [k for k in state.FILTERS if k not in own]
    parts = [_name_part(k, st[k]) for k in order if st.get(k) not in (None, [], "")]
    stem = "-".join(p for p in ["citytools", _slug(view, 40), *parts] if p)
    if len(stem) > MAX_NAME:
        digest = hashlib.sha256(repr(sorted(st.items())).encode()).hexdigest()[:8]
        stem = stem[: MAX_NAME - 9].rstrip("-") + "-" + digest
    return f"{stem}-{(day or date.today()).isoformat()}.{fmt}"


@dataclass
class Provenance:
    """What an export is, said outside its table: the About sheet, the HTTP headers, the JSON fields."""

    view: str
    url: str  # the view with the same state, absolute
    filters: dict  # the parsed state
    filters_text: str  # every filter and view setting in words
    scope: str
    problems: list[str]
    data_as_of: str | None
    built_at: str | None
    licence: str | None  # the Open Government Licence line when open data is included
    sample: bool
    exported_at: str = field(default_factory=lambda: datetime.now().isoformat(timespec="seconds"))

    @property
    def licence_url(self) -> str | None:
        return OGL_URL if self.licence else None

    def about(self) -> list[tuple[str, str]]:
        """(label, text) rows of the XLSX's About sheet."""
        rows = [("View", self.view), ("Link", self.url), ("Filters", self.filters_text), ("Scope", self.scope)]
        rows += [("Ignored", p) for p in self.problems]
        rows += [("Data as of", self.data_as_of or "not recorded"), ("Database built", self.built_at or "not recorded"),
                 ("Exported", self.exported_at)]  # fmt: skip
        if self.licence:
            rows += [("Licence", self.licence), ("Licence link", OGL_URL)]
        rows.append(("Made by", f"{PRODUCT}, from borough survey returns and open contract data"))
        if self.sample:
            rows.append(("Warning", SAMPLE_WARNING))
        return rows

    def json_head(self) -> dict:
        """The JSON export's fields before ``columns`` and ``rows`` (docs/api.md)."""
        head = asdict(self)
        head["licence_url"] = self.licence_url
        head["sample_warning"] = SAMPLE_WARNING if self.sample else None
        return head

    def headers(self, json_url: str | None = None) -> dict[str, str]:
        """HTTP headers that say what the file is; ``json_url``: the same rows as JSON."""
        links = [f'<{self.url}>; rel="alternate"; type="text/html"']
        if json_url:
            links.append(f'<{json_url}>; rel="describedby"; type="application/json"')
        if self.licence:
            links.append(f'<{OGL_URL}>; rel="license"')
        out = {
            "Link": ", ".join(header_text(link) for link in links),
            "X-CityTools-View": self.view,
            "X-CityTools-Filters": header_text(self.filters_text),
            "X-CityTools-Scope": header_text(self.scope),
            "X-CityTools-Data-As-Of": header_text(self.data_as_of or "not recorded"),
            "X-CityTools-Sample": "yes" if self.sample else "no",
        }
        if self.problems:
            out["X-CityTools-Ignored"] = header_text(" ".join(self.problems))
        return out


def provenance(cur: duckdb.DuckDBPyConnection, view: str, st: dict, problems: list[str], root: str) -> Provenance:
    """What an export of ``view`` under ``st`` is; ``root`` is the site's URL ('http://host/').

    The scope line says how many contracts that are not technology the file leaves out, so a file
    passed on cannot be mistaken for every contract.
    """
    status = queries.data_status(cur)
    words = described(view, st)
    return Provenance(
        view=view,
        url=view_url(view, st, root),
        filters=json.loads(json.dumps(st, default=str)),
        filters_text="; ".join(words) if words else NO_FILTERS,
        scope=state.describe_scope(st, queries.scope_counts(cur, st)),
        problems=list(problems),
        data_as_of=_text_or_none(status.get("data_as_of")),
        built_at=_text_or_none(status.get("built_at")),
        licence=OGL if queries.has_open_data(cur, st) else None,
        sample=bool(status.get("is_sample")),
    )


def _text_or_none(value: object) -> str | None:
    return None if value in (None, "") else str(value)


# --------------------------------------------------------------------------- writers


def _csv_line(values: Sequence[object]) -> str:
    """One CSV line, every cell quoted: a quoted cell is one cell for every delimiter Excel may be
    set to, so text holding ``;`` or a tab cannot spill into a next cell and start a formula there."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerow(values)
    return buf.getvalue()


def _batched(lines: Iterable[str], size: int = 1000) -> Iterator[str]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield "".join(batch)
            batch = []
    yield "".join(batch)


def csv_chunks(columns: list[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The CSV text, header first (no notice lines, no byte-order mark), in chunks for streaming."""
    yield _csv_line([neutralise(c, delimited=True) for c in columns])
    yield from _batched(_csv_line([csv_cell(v) for v in row]) for row in rows)


def json_chunks(head: dict, columns: list[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The JSON export, streamed: the provenance fields, ``columns``, then ``rows`` as objects."""
    opening = json.dumps({**head, "columns": list(columns)}, ensure_ascii=False, indent=1)
    yield opening[:-2] + ',\n "rows": ['  # the object left open for the rows
    lines = (
        ("\n  " if i == 0 else ",\n  ")
        + json.dumps({c: json_cell(v) for c, v in zip(columns, row, strict=False)}, ensure_ascii=False)
        for i, row in enumerate(rows)
    )
    yield from _batched(lines)
    yield "\n ]\n}\n"


def is_money(heading: str) -> bool:
    """A column of pounds: '(£)' or '(GBP)' in its heading, or a plain 'Annual value' / 'Total value'."""
    h = heading.casefold()
    return "(£)" in h or "(gbp)" in h or h in ("annual value", "total value", "annual cost")


def _width(value: object, number_format: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime | date):
        return 11
    if isinstance(value, float | int) and not isinstance(value, bool):
        return len(f"£{value:,.0f}") if number_format == xlsx.MONEY and math.isfinite(value) else len(str(value))
    return len(str(value))


def column_widths(columns: list[str], rows: list[Sequence], formats: list[str | None]) -> list[float]:
    """Widths that fit the heading and the first rows' values, between 8 and 60 characters."""
    out = []
    for j, heading in enumerate(columns):
        longest = max([min(len(heading), 30), *(_width(r[j], formats[j]) for r in rows if j < len(r))])
        out.append(float(min(60, max(8, longest + 2))))
    return out


def write_xlsx(out, about: list[tuple[str, str]], columns: list[str], rows: Iterable[Sequence], sheet: str) -> int:
    """An XLSX workbook: the data sheet (frozen header, autofilter, widths, £ and dates formatted),
    then 'About' with what the file is. Returns the rows written."""
    book = xlsx.Book(out)
    formats = [xlsx.MONEY if is_money(c) else None for c in columns]
    rows = iter(rows)
    first = list(islice(rows, WIDTH_ROWS))
    data = book.sheet(sheet, widths=column_widths(columns, first, formats))
    data.write(columns, style="bold")
    n = 0
    truncated = False
    for i, row in enumerate(chain(first, rows), start=1):
        if i > XLSX_MAX_ROWS:
            truncated = True
            break
        data.write(row, formats)
        n = i
    data.ws.freeze_panes(1, 0)
    if columns:
        data.ws.autofilter(0, 0, n, len(columns) - 1)
    book_about = book.sheet("About", widths=(16, 100))
    lines = list(about)
    if truncated:
        lines.append(("Truncated", f"Excel holds {XLSX_MAX_ROWS:,} rows; the CSV export has them all."))
    for label, text in lines:
        book_about.write([label, text], style=("bold+warning", "warning") if label == "Warning" else ("bold", None))
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


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8; header=present"
JSON_TYPE = "application/json"


def _xlsx_body(cur: duckdb.DuckDBPyConnection, view: str, st: dict, about: list[tuple[str, str]]) -> bytes:
    with tempfile.SpooledTemporaryFile(max_size=32 << 20) as tmp:
        columns, rows = views.EXPORTS[view](cur, st)
        write_xlsx(tmp, about, columns, rows, view.replace("_", " ").capitalize())
        tmp.seek(0)
        return tmp.read()


def _stream(path, view: str, st: dict, fmt: str, prov: Provenance) -> Iterator[str]:
    """The CSV or JSON text; the cursor is opened here, so it stays open while the rows are sent."""
    with db.cursor(path) as cur:
        columns, rows = views.EXPORTS[view](cur, st)
        if fmt == "json":
            yield from json_chunks(prov.json_head(), columns, rows)
        else:
            yield from csv_chunks(columns, rows)


def export(view: str, fmt: str) -> flask.Response:
    """The Flask view behind ``/export/<view>.<csv|xlsx|json>``."""
    if view not in views.EXPORTS or fmt not in FORMATS:
        flask.abort(404)
    st, problems = views.EXPORT_VIEWS[view].check_query(flask.request.query_string)
    path, root = db.current_path(), flask.request.host_url
    try:  # the provenance is read before answering 200: a streamed response cannot change its status
        with db.cursor(path) as cur:
            prov = provenance(cur, view, st, problems, root)
            body = _xlsx_body(cur, view, st, prov.about()) if fmt == "xlsx" else None
    except db.DatabaseMissing:
        flask.abort(503, "No database yet: run `make data`.")
    if body is not None:
        response = flask.Response(body, mimetype=XLSX_TYPE)
    else:
        text = flask.stream_with_context(_stream(path, view, st, fmt, prov))
        response = flask.Response(text, content_type=JSON_TYPE if fmt == "json" else CSV_TYPE)
    json_url = None if fmt == "json" else root.rstrip("/") + links.export_href(view, "json", st)
    response.headers.update(prov.headers(json_url))
    return _download(filename(view, fmt, st), response, "inline" if fmt == "json" else "attachment")


def init_app(server: flask.Flask) -> None:
    """Add the export routes to the Flask server of the Dash app."""
    server.add_url_rule("/export/<view>.<any(csv, xlsx, json):fmt>", "export", export, methods=["GET"])
    # anything else under /export/ is a missing file, not a page for Dash's catch-all to render
    server.add_url_rule("/export/<path:rest>", "export_not_found", lambda rest: flask.abort(404))
