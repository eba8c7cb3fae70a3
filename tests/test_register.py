"""Transparency Code contract registers: two layouts, the borough found or the file refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from etl.extract import read_contract_file
from etl.extract.detect import detect_kind
from etl.extract.register import read_register, register_field
from etl.records import stable_id
from etl.schema import RECORD_COLUMNS

FIXTURES = Path(__file__).parent / "fixtures" / "registers"
D = dt.date


@pytest.fixture(scope="module")
def camden():
    return read_register(FIXTURES / "camden-contract-register.csv")


@pytest.fixture(scope="module")
def quarterly():
    return read_register(FIXTURES / "contracts_register_2024_q4.csv")


def by_ref(result, ref):
    return next(r for r in result.records if r["source_ref"] == ref)


def test_registers_are_detected_and_dispatched_by_content():
    for name in ("camden-contract-register.csv", "contracts_register_2024_q4.csv", "contract-register.csv"):
        assert detect_kind(FIXTURES / name) == "register_csv", name
    assert read_contract_file(FIXTURES / "camden-contract-register.csv").kind == "register_csv"


def test_headers_map_through_the_column_map():
    assert register_field("Contract Reference") == "reference"
    assert register_field("COMPANIES HOUSE NUMBER") == "company_number"
    assert register_field("Annual Value (GBP)") == "annual_value"
    assert register_field("Total Contract Value (£)") == "total_value"
    assert register_field("Start Date (dd/mm/yyyy)") == "start"
    assert register_field("Extension Options") == "extension"
    assert register_field("Favourite colour") is None


def test_every_row_is_accounted_for(camden, quarterly):
    assert (camden.records_read, len(camden.records), len(camden.rejects)) == (9, 7, 1)
    assert dict(camden.skipped) == {"blank row": 1}
    assert (quarterly.records_read, len(quarterly.records), len(quarterly.rejects)) == (7, 4, 2)
    assert dict(quarterly.skipped) == {"totals row": 1}
    assert camden.balanced and quarterly.balanced


def test_records_have_exactly_the_record_columns(camden, quarterly):
    for rec in camden.records + quarterly.records:
        assert set(rec) == set(RECORD_COLUMNS)
        assert rec["source"] == "register" and rec["stage"] == "contract"
        assert rec["source_file"] in {"camden-contract-register.csv", "contracts_register_2024_q4.csv"}


def test_borough_from_the_file_name(camden):
    assert {r["borough_code"] for r in camden.records} == {"E09000007"}
    assert "borough from the file name: Camden" in camden.notes
    rec = by_ref(camden, "CAM-ICT-0101")
    assert rec["record_id"] == stable_id("register", "E09000007", "CAM-ICT-0101")
    assert rec["buyer_name"] == "Camden"


def test_layout_with_total_value_cpv_and_review_date(camden):
    rec = by_ref(camden, "CAM-ICT-0101")
    assert (rec["start_date"], rec["end_date"], rec["max_end_date"]) == (D(2024, 4, 1), D(2028, 3, 31), D(2028, 3, 31))
    assert (rec["total_value"], rec["annual_value"]) == (448_000, 112_000)
    assert rec["cpv_codes"] == ["48450000"] and rec["is_it"] is True
    assert rec["service_area"] == "HR and Payroll" and rec["service_area_raw"] == "Corporate Services"
    assert rec["comments"] == "Review date 01/10/2027"
    assert rec["warnings"] == []


def test_messy_cells_load_with_warnings(camden):
    northgate = by_ref(camden, "CAM-ICT-0102")
    assert northgate["title"] == "Revenues and benefits system - licences and support"  # newline in the cell
    assert northgate["company_number"] == "00968498"  # 7 digits padded
    assert northgate["end_date"] == D(2027, 9, 30)  # "Sep-2027": end of the month
    assert northgate["cpv_codes"] == ["48000000", "72000000"]
    assert northgate["service_area"] == "Finance"  # CPV too broad: the department decides
    parking = by_ref(camden, "CAM-ENV-0201")
    assert parking["company_number"] is None and parking["total_value"] == 2_100_000
    assert any("'ABC123' is not valid" in w for w in parking["warnings"])
    assert any("approximate amount" in w for w in parking["warnings"])
    assert parking["service_area"] == "Parking" and parking["is_it"] is None


def test_row_without_reference_is_located_by_line(camden):
    rec = by_ref(camden, "camden-contract-register.csv!6")
    assert rec["title"] == "Café supplies for the civic centre"  # UTF-8 with a BOM
    assert rec["record_id"] == stable_id("register", "E09000007", 6)
    assert rec["total_value"] is None  # 0 means "not disclosed"


def test_repeated_reference_keeps_both_suppliers_with_distinct_ids(camden):
    rows = [r for r in camden.records if r["source_ref"] == "CAM-HSG-0301"]
    assert [r["supplier_raw"] for r in rows] == ["Oakhurst Housing Ltd", "Fenwick Community Homes"]
    assert len({r["record_id"] for r in rows}) == 2
    assert rows[1]["warnings"] == ["reference 'CAM-HSG-0301' also on an earlier row (occurrence 2)"]


def test_rows_naming_nothing_are_rejected_with_the_raw_row(camden):
    [reject] = camden.rejects
    assert (reject["location"], reject["reason"]) == ("line 10", "no title, description or supplier")
    assert reject["raw"]["Contract Reference"] == "CAM-ICT-0103" and reject["file"] == "camden-contract-register.csv"


def test_borough_from_the_organisation_column(quarterly):
    assert "file is not UTF-8; read as Windows-1252" in quarterly.notes
    assert "columns not mapped to any field: Notes" in quarterly.notes
    assert {r["borough_code"] for r in quarterly.records} == {"E09000011"}
    assert by_ref(quarterly, "RBG/2022/101")["buyer_name"] == "Greenwich"
    reasons = [(r["location"], r["reason"]) for r in quarterly.rejects]
    assert reasons == [
        ("line 6", "organisation 'Kent County Council' is not a London borough council"),
        ("line 7", "no organisation on the row or in the file name"),
    ]


def test_annual_values_and_extension_options(quarterly):
    mosaic = by_ref(quarterly, "RBG/2021/044")
    assert (mosaic["annual_value"], mosaic["total_value"]) == (194_500, None)  # "£" read from Windows-1252
    assert (mosaic["extension_months"], mosaic["max_end_date"]) == (12, D(2029, 6, 30))
    assert mosaic["description"] == "Mosaic licences, hosting and support"
    assert by_ref(quarterly, "RBG/2022/101")["max_end_date"] == D(2027, 3, 31)  # 2 x 12 months
    payroll = by_ref(quarterly, "RBG/2023/007")  # "3+1+1" on a 3-year term: two 1-year options
    assert (payroll["extension_months"], payroll["max_end_date"]) == (24, D(2028, 3, 31))


def test_a_given_maximum_end_date_wins_over_the_options(quarterly):
    rec = by_ref(quarterly, "RBG/2023/015")
    assert (rec["extension_months"], rec["max_end_date"]) == (24, D(2027, 9, 30))
    assert any("not the end date plus the extension options" in w for w in rec["warnings"])


def test_register_without_a_borough_is_refused_whole():
    with pytest.raises(ValueError, match=r"contract-register\.csv: no borough"):
        read_register(FIXTURES / "contract-register.csv")


def test_unreadable_files_raise_naming_the_file(tmp_path):
    empty = tmp_path / "camden.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match=r"camden\.csv: empty file"):
        read_register(empty)
    not_register = tmp_path / "camden-staff.csv"
    not_register.write_text("Name,Team,Start Date\nAda,Finance,01/01/2020\n")
    with pytest.raises(ValueError, match="not a contract register"):
        read_register(not_register)
    with pytest.raises(ValueError, match=r"nowhere\.csv: cannot be read"):
        read_register(tmp_path / "nowhere.csv")
