"""Values that parse but would break pages: far dates in every form, huge money, spreadsheet errors."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.hostile import corpus
from tests.hostile.corpus import assert_good_files_loaded, build_all, query

HEADER = [*corpus.SURVEY_HEADER, "Extension options"]


def _records(db, file: str) -> dict[str, dict]:
    rows = query(db, "SELECT * FROM contract_records WHERE source_file = ?", (file,))
    return {r["system_raw"] or r["supplier_raw"]: r for r in rows}


def test_far_dates_in_every_form_are_out_of_range_even_with_an_extension(tmp_path):
    """ "Dec-9999", "Q4 9999", "FY9998/99" skipped the range check; with an extension the build failed
    ("year 10000 is out of range"). Now each is unknown with a warning, and the build writes."""
    surveys, _ = corpus.good_inputs(tmp_path)
    rows = [
        ["Camden", "System A", "Civica", "Revenues and Benefits", "Dec-9999", 1000, "+1+1"],
        ["Camden", "System B", "Civica", "Revenues and Benefits", "Q4 9999", 1000, "2 years"],
        ["Camden", "System C", "Civica", "Revenues and Benefits", "FY9998/99", 1000, "12 months"],
        ["Camden", "System D", "Civica", "Revenues and Benefits", "31/12/2100", 1000, "50 years"],
    ]
    corpus.survey_workbook(surveys / "camden_far_dates.xlsx", rows, HEADER)
    db, _ = build_all(tmp_path)
    found = _records(db, "camden_far_dates.xlsx")
    for name, text in (("System A", "Dec-9999"), ("System B", "Q4 9999"), ("System C", "FY9998/99")):
        assert (found[name]["end_date"], found[name]["max_end_date"]) == (None, None)
        assert f"contract end: date '{text}' is out of range" in found[name]["warnings"]
    last = found["System D"]
    assert last["end_date"] == last["max_end_date"] == dt.date(2100, 12, 31)
    assert any("is after 2100; the latest end is taken as the end" in w for w in last["warnings"])
    assert all(r["max_end_date"] is None or r["max_end_date"].year <= 2100 for r in found.values())
    assert_good_files_loaded(db)


def test_an_annual_cost_of_1e308_is_unknown_with_a_warning_naming_it(tmp_path):
    surveys, _ = corpus.good_inputs(tmp_path)
    rows = [
        ["Camden", "Huge", "Civica", "Revenues and Benefits", "31/03/2027", 1e308],
        ["Camden", "Huge text", "Civica", "Revenues and Benefits", "31/03/2027", "1e308"],
        ["Camden", "Big but real", "Civica", "Revenues and Benefits", "31/03/2027", "£2.5m"],
    ]
    corpus.survey_workbook(surveys / "camden_money.xlsx", rows)
    db, _ = build_all(tmp_path)
    found = _records(db, "camden_money.xlsx")
    assert found["Huge"]["annual_value"] is None
    assert "annual cost: amount 1e+308 is over £100bn; taken as unknown" in found["Huge"]["warnings"]
    assert "annual cost: amount '1e308' is over £100bn; taken as unknown" in found["Huge text"]["warnings"]
    assert found["Big but real"]["annual_value"] == 2.5e6
    (total,) = query(db, "SELECT sum(annual_value) AS s FROM contract_records")
    assert total["s"] < 1e12
    assert_good_files_loaded(db)


def test_an_ocds_value_of_1e308_is_unknown_with_a_warning(tmp_path):
    _, contracts = corpus.good_inputs(tmp_path)
    huge = corpus.GOOD_RELEASE.replace("cccccccc", "12121212").replace('"amount": 500000', '"amount": 1e308')
    (contracts / "huge.jsonl").write_text(huge + "\n", encoding="utf-8")
    db, _ = build_all(tmp_path)
    (rec,) = query(db, "SELECT total_value, warnings FROM contract_records WHERE source_file = 'huge.jsonl'")
    assert rec["total_value"] is None
    assert "award value 1e+308 GBP is over 100bn; taken as unknown" in rec["warnings"]
    assert_good_files_loaded(db)


ERROR_ROWS = [
    ["Camden", "Mosaic", "#N/A", "#REF!", "#VALUE!", "#DIV/0!"],
    ["Camden", "#REF!", "Civica", "Revenues and Benefits", "31/03/2027", 1000],
    ["Camden", "#NAME?", "#NULL!", "", "", ""],
]


def _typed_errors(rows: list[list]) -> list[list]:
    """The rows with each error text as a typed error cell for the .xls and .ods writers."""
    return [[(v,) if isinstance(v, str) and v.startswith("#") else v for v in row] for row in rows]


WRITERS = {
    "xlsx": corpus.survey_workbook,  # openpyxl writes "#N/A" and the like as typed error cells (t="e")
    "xls": lambda path, rows: corpus.error_cells_xls(path, _typed_errors(rows)),
    "ods": lambda path, rows: corpus.error_cells_ods(path, _typed_errors(rows)),
}


@pytest.mark.parametrize("suffix", WRITERS)
def test_spreadsheet_errors_in_a_survey_are_blanks_with_warnings_never_names(tmp_path, suffix):
    """calamine reads error cells of every format as blank; the reader puts the error back to warn of it."""
    surveys, _ = corpus.good_inputs(tmp_path)
    name = f"camden_errors.{suffix}"
    WRITERS[suffix](surveys / name, ERROR_ROWS)
    db, _ = build_all(tmp_path)
    found = _records(db, name)
    assert set(found) == {"Mosaic", "Civica"}
    mosaic = found["Mosaic"]
    assert (mosaic["supplier_raw"], mosaic["end_date"], mosaic["annual_value"]) == (None, None, None)
    assert "supplier: spreadsheet error '#N/A'; taken as blank" in mosaic["warnings"]
    assert "contract end: spreadsheet error '#VALUE!'; taken as blank" in mosaic["warnings"]
    assert found["Civica"]["system_raw"] is None
    assert "system name: spreadsheet error '#REF!'; taken as blank" in found["Civica"]["warnings"]
    (reject,) = query(db, "SELECT reason FROM rejects WHERE file = ?", (name,))
    assert reject["reason"].startswith("neither a system nor a supplier is named (system name: spreadsheet error")
    names = query(db, "SELECT supplier_name, system_name FROM contract_records")
    assert not any(str(v).startswith("#") for r in names for v in r.values() if v)
    assert_good_files_loaded(db)


def test_spreadsheet_errors_in_a_register_and_a_csv_export_are_blanks(tmp_path):
    _, contracts = corpus.good_inputs(tmp_path)
    corpus.register_with_errors(contracts / "camden-contract-register.csv")
    text = (corpus.FIXTURES / corpus.GOOD_CF).read_text(encoding="utf-8-sig")
    text = text.replace("Payroll Example Ltd", "#N/A").replace('"HR and payroll system"', "#REF!")
    (contracts / "later_errors.csv").write_text(text.replace("3F2B8C1E", "4F2B8C1E"), encoding="utf-8")
    db, _ = build_all(tmp_path)
    (payroll,) = query(db, "SELECT * FROM contract_records WHERE source_ref LIKE '4F2B8C1E%'")
    assert (payroll["title"], payroll["supplier_raw"]) == (None, "Second Supplier plc")  # the next one named
    assert "title: spreadsheet error '#REF!'; taken as blank" in payroll["warnings"]
    assert "supplier: spreadsheet error '#N/A' as a supplier name; taken as blank" in payroll["warnings"]
    register = {r["title"]: r for r in query(db, "SELECT * FROM contract_records WHERE source = 'register'")}
    assert register["Parking system"]["supplier_raw"] is None
    assert "supplier: spreadsheet error '#REF!'; taken as blank" in register["Parking system"]["warnings"]
    assert "annual value: spreadsheet error '#N/A'; taken as blank" in register["Library system"]["warnings"]
    assert not any(r["supplier_name"] == "#N/A" for r in query(db, "SELECT supplier_name FROM contract_records"))
    assert_good_files_loaded(db)
