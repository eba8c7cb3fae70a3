"""Column-wise CSV reading (issue 14): the CF export and register readers parse each column's
distinct cells once, and every row still gets its own accounting, location and warnings."""

from __future__ import annotations

import csv
from pathlib import Path

from etl.extract.cf_csv import read_cf_csv
from etl.extract.csvfile import blank_column_errors, each, field_columns
from etl.extract.register import read_register

CF_FIXTURE = Path(__file__).parent / "fixtures" / "contracts" / "cf_export.csv"
REGISTER_HEADER = ["Contract Reference", "Contract Title", "Supplier Name", "Total Value", "Company Number"]


def test_field_columns_read_blank_past_a_short_row():
    columns = field_columns({"a": 0, "c": 2}, [["1", "2", "3", "extra"], ["4"], []])
    assert columns == {"a": ["1", "4", ""], "c": ["3", "", ""]}
    assert field_columns({"a": 0}, []) == {"a": []}


def test_blank_column_errors_blanks_in_place_and_says_which_row():
    columns = {
        "buyer": ["#REF!", "Camden", " #N/A "],
        "total_value": ["5", "#DIV/0!", "#N/A"],
        "title": ["a#b", "", ""],
    }
    errors = blank_column_errors(columns)
    assert columns == {"buyer": ["", "Camden", ""], "total_value": ["5", "", ""], "title": ["a#b", "", ""]}
    assert errors == {
        0: ["buyer: spreadsheet error '#REF!'; taken as blank"],
        1: ["total value: spreadsheet error '#DIV/0!'; taken as blank"],
        2: ["buyer: spreadsheet error '#N/A'; taken as blank", "total value: spreadsheet error '#N/A'; taken as blank"],
    }


def test_each_parses_a_distinct_cell_once():
    calls = []

    def parse(value):
        calls.append(value)
        return value.upper()

    assert each(["a", "b", "a", "a", "b"], parse) == ["A", "B", "A", "A", "B"]
    assert calls == ["a", "b"]


def _cf_header() -> list[str]:
    with open(CF_FIXTURE, newline="", encoding="utf-8-sig") as f:
        return next(csv.reader(f))


def _cf_export(tmp_path: Path, rows: list) -> Path:
    """A CF export of the fixture's header and ``rows`` (header -> cell dicts, or raw cell lists)."""
    header = _cf_header()
    path = tmp_path / "export.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows([[r.get(h, "") for h in header] if isinstance(r, dict) else r for r in rows])
    return path


def _notice(notice_id: str, **cells: str) -> dict:
    row = {"Notice Identifier": notice_id, "Notice Type": "Contract", "Organisation Name": "London Borough of Lambeth",
           "Status": "Awarded", "Title": "Payroll system", "Cpv Codes": "48450000"}  # fmt: skip
    return row | cells


def test_cf_rows_keep_their_own_location_and_warnings(tmp_path):
    path = _cf_export(
        tmp_path,
        [
            _notice("A-1", **{"Awarded Value": "#REF!"}),
            ["  ", "\t"],  # whitespace only: a blank row, though short
            _notice("A-1"),  # the same notice again
            _notice("A-2", Status="Mystery"),
            _notice("A-3", **{"Awarded Value": "#REF!", "Organisation Name": "#N/A"}),
            [*(_notice("A-4").get(h, "") for h in _cf_header()), "surplus"],  # longer than the header
        ],
    )
    result = read_cf_csv(path)
    assert result.records_read == 6 and result.balanced
    assert dict(result.skipped) == {"blank row": 1, "Notice Identifier repeated in the file": 1}
    assert [(r["location"], r["reason"]) for r in result.rejects] == [
        ("row 5 (line 5)", "unknown notice type / status 'Contract' / 'Mystery'")
    ]
    a1, a3, a4 = result.records
    assert [a1["source_ref"], a3["source_ref"], a4["source_ref"]] == ["A-1", "A-3", "A-4"]
    assert a1["warnings"][-1] == "awarded value: spreadsheet error '#REF!'; taken as blank"
    assert a3["buyer_name"] is None and a3["warnings"][0] == "no Organisation Name"
    assert a3["warnings"][-2:] == [
        "buyer: spreadsheet error '#N/A'; taken as blank",
        "awarded value: spreadsheet error '#REF!'; taken as blank",
    ]
    assert "row has 1 more fields than the header" in a4["warnings"]
    assert not any("spreadsheet error" in w for w in a4["warnings"])


def test_register_rows_are_told_apart_as_before(tmp_path):
    path = tmp_path / "camden-contract-register.csv"
    rows = [
        ["R-1", "Payroll", "Acme Ltd", "£10,000", "n/a"],
        ["", "&nbsp;", "", "", ""],  # cleans to nothing: a blank row
        ["", "Total", "", "£10,000", ""],  # its first text says total
        ["R-1", "Payroll", "Beta Ltd", "#VALUE!", "12AB"],
        ["R-2", "", "", "£5", ""],
    ]
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([REGISTER_HEADER, *rows])
    result = read_register(path)
    assert result.records_read == 5 and result.balanced
    assert dict(result.skipped) == {"blank row": 1, "totals row": 1}
    assert [(r["location"], r["reason"]) for r in result.rejects] == [("line 6", "no title, description or supplier")]
    first, second = result.records
    assert (first["total_value"], first["company_number"], first["warnings"]) == (10000.0, None, [])
    assert first["record_id"] != second["record_id"] and second["total_value"] is None
    assert second["warnings"] == [
        "reference 'R-1' also on an earlier row (occurrence 2)",
        "Companies House number '12AB' is not valid",
        "total value: spreadsheet error '#VALUE!'; taken as blank",
    ]
