"""The Contracts Finder reader's per-distinct-value parsing (issue 14): what rows share is parsed once,
and each record still gets what parsing its own cells would give, in lists of its own."""

from __future__ import annotations

import csv
from pathlib import Path

from etl.extract import cf_csv
from etl.extract.cf_csv import read_cf_csv

FIXTURE = Path(__file__).parent / "fixtures" / "contracts" / "cf_export.csv"


def _export(tmp_path: Path, rows: list[dict]) -> Path:
    """A CF export of the fixture's header with ``rows`` (header -> cell; the rest blank)."""
    with open(FIXTURE, newline="", encoding="utf-8-sig") as f:
        header = next(csv.reader(f))
    path = tmp_path / "export.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows([[row.get(h, "") for h in header] for row in rows])
    return path


def _row(notice_id: str, status: str, **cells: str) -> dict:
    row = {"Notice Identifier": notice_id, "Notice Type": "Contract", "Organisation Name": "London Borough of Lambeth",
           "Status": status, "Title": "Payroll system", "Cpv Codes": "48450000 72000000"}  # fmt: skip
    return row | cells


def test_rows_sharing_cells_get_what_their_own_cells_give(tmp_path):
    shared = {"Supplier [Name|Address|Ref type|Ref Number|Is SME|Is VCSE]": "", "Start Date": "01/04/2021",
              "End Date": "31/03/2020", "Value High": "5000"}  # fmt: skip
    result = read_cf_csv(_export(tmp_path, [_row("A-1", "Awarded", **shared), _row("A-2", "Open", **shared)]))
    awarded, tender = result.records
    assert "awarded notice names no supplier" in awarded["warnings"]  # the stage is part of what is cached
    assert "awarded notice names no supplier" not in tender["warnings"]
    for rec in (awarded, tender):
        assert "end date before start date" in rec["warnings"]
        assert "start_date is the notice's estimate, not the contract's" in rec["warnings"]
    fields, warnings = cf_csv._term_fields("", "01/04/2021", "", "31/03/2020")
    assert fields == cf_csv._term_fields.__wrapped__("", "01/04/2021", "", "31/03/2020")[0]
    assert list(warnings) == [w for w in awarded["warnings"] if "date" in w and "published" not in w]


def test_records_sharing_cpv_codes_do_not_share_the_list(tmp_path):
    result = read_cf_csv(_export(tmp_path, [_row("B-1", "Awarded"), _row("B-2", "Awarded")]))
    first, second = result.records
    assert first["cpv_codes"] == second["cpv_codes"] == ["48450000", "72000000"]
    first["cpv_codes"].append("30200000")  # a later step changing one record's codes
    assert second["cpv_codes"] == ["48450000", "72000000"]
    assert cf_csv._cpv_fields("48450000 72000000")[0]["cpv_codes"] == ["48450000", "72000000"]


def test_cached_supplier_fields_are_the_uncached():
    packed = "[Payroll Example Ltd|London|COMPANIES_HOUSE|1234567|Yes|No][Second plc|Leeds|NONE||No|No]"
    for text in (packed, "", "[#REF!|x|NONE||No|No]", "not packed", "[Acme|x|Companies House|12|No|No]"):
        for awarded in (True, False):
            assert cf_csv._supplier_fields(text, awarded) == cf_csv._supplier_fields.__wrapped__(text, awarded)
    fields, warnings = cf_csv._supplier_fields(packed, True)
    assert fields == {"supplier_raw": "Payroll Example Ltd", "company_number": "01234567"}
    assert warnings == ("2 suppliers named; supplier is the first, 'Payroll Example Ltd'",)
