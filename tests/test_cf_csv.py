"""Contracts Finder CSV reader, CSV detection and the CPV mapping, on hand-written fixtures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from etl.extract import read_contract_file
from etl.extract.cf_csv import parse_suppliers, read_cf_csv
from etl.extract.detect import detect_kind
from etl.normalise.cpv import code_service_area, cpv_service_area, is_it_cpv, normalise_cpv
from etl.normalise.names import company_number
from etl.normalise.values import annual_value
from etl.records import stable_id
from etl.reference import service_areas
from etl.schema import RECORD_COLUMNS

FIXTURES = Path(__file__).parent / "fixtures" / "contracts"


@pytest.fixture(scope="module")
def export():
    return read_cf_csv(FIXTURES / "cf_export.csv")


def by_ref(result, ref):
    return next(r for r in result.records if r["source_ref"] == ref)


def test_every_row_is_accounted_for(export):
    assert export.kind == "cf_csv"
    assert export.records_read == 10
    assert len(export.records) == 5
    assert dict(export.skipped) == {"withdrawn notice": 1, "blank row": 1, "Notice Identifier repeated in the file": 1}
    assert export.balanced


def test_rejects_say_where_and_why(export):
    assert [(r["location"], r["reason"]) for r in export.rejects] == [
        ("row 7 (line 10)", "no Notice Identifier"),
        ("row 11 (line 14)", "unknown notice type / status 'Contract' / 'Mystery'"),
    ]
    first = export.rejects[0]
    assert first["source"] == "contracts_finder" and first["file"] == "cf_export.csv"
    assert first["raw"]["Organisation Name"] == "London Borough of Sutton"


def test_records_have_exactly_the_record_columns(export):
    for rec in export.records:
        assert set(rec) == set(RECORD_COLUMNS)
        assert rec["record_id"] == stable_id("contracts_finder", rec["source_ref"])
        assert rec["supplier_name"] is None  # canonicalised later by the build


def test_awarded_notice_with_newlines_and_two_suppliers(export):
    rec = by_ref(export, "3F2B8C1E-1A2B-4C3D-9E8F-0123456789AB")
    assert rec["source_url"] == "https://www.contractsfinder.service.gov.uk/Notice/3f2b8c1e-1a2b-4c3d-9e8f-0123456789ab"
    assert rec["buyer_name"] == "London Borough of Lambeth" and rec["borough_code"] == "E09000022"
    assert rec["description"] == "Replacement of the council's HR and payroll system. Includes hosting and support."
    assert rec["supplier_raw"] == "Payroll Example Ltd" and rec["company_number"] == "01234567"
    assert rec["stage"] == "contract"
    assert rec["cpv_codes"] == ["48450000", "72000000"]
    assert rec["is_it"] is True and rec["service_area"] == "HR and Payroll"
    # contract dates, not the notice's estimated ones
    assert (rec["start_date"], rec["end_date"]) == (dt.date(2021, 4, 1), dt.date(2024, 3, 31))
    assert rec["max_end_date"] == rec["end_date"]
    assert rec["total_value"] == 360000 and rec["annual_value"] == 120000
    assert rec["published_date"] == dt.date(2021, 3, 15)
    assert rec["contact_email"] == "procurement@example.org"
    assert any("2 suppliers named" in w for w in rec["warnings"])


def test_mojibake_is_repaired_and_estimate_flagged(export):
    rec = by_ref(export, "LAM-2021-002")
    assert rec["title"] == "Café and catering provision"
    assert rec["supplier_raw"] == "Café Connect Ltd"
    assert rec["borough_code"] == "E09000011"
    assert rec["source_url"] is None  # a buyer's own reference is not a CF notice id
    assert rec["total_value"] == 250000
    assert "no awarded value; total is the notice's estimated value" in rec["warnings"]


def test_stages_from_notice_type_and_status(export):
    assert by_ref(export, "TFL-PIPE-7")["stage"] == "planning"
    assert by_ref(export, "LH-OPEN-11")["stage"] == "tender"


def test_non_borough_buyers_get_no_code(export):
    assert by_ref(export, "TFL-PIPE-7")["borough_code"] is None
    assert by_ref(export, "LH-OPEN-11")["borough_code"] is None


def test_short_row_entity_and_short_term(export):
    rec = by_ref(export, "ISL-DEBT-3")  # 42 fields: the export drops an empty last column
    assert rec["borough_code"] == "E09000019"
    assert rec["supplier_raw"] == "Recovery & Co Ltd" and rec["company_number"] == "SC123456"
    assert rec["service_area"] == "Revenues and Benefits" and rec["is_it"] is False
    assert rec["total_value"] == 45000 and rec["annual_value"] is None  # 3 months: not scaled up


def test_windows_1252_crlf_fully_quoted_header():
    result = read_cf_csv(FIXTURES / "cf_export_cp1252.csv")
    assert result.notes == ["file is not UTF-8; read as Windows-1252"]
    (rec,) = result.records
    assert "£120,000" in rec["description"]
    assert rec["borough_code"] == "E09000021" and rec["service_area"] == "Libraries"
    assert rec["company_number"] == "00012345" and rec["annual_value"] == 60000


def test_supplier_column_with_pipes_in_addresses():
    packed = "[A Ltd|1 Road | Town|COMPANIES_HOUSE|123|Yes|No][B plc|null|NONE||No|No]"
    suppliers, problems = parse_suppliers(packed)
    assert problems == []
    assert [(s.name, s.address, s.ref_type, s.ref_number) for s in suppliers] == [
        ("A Ltd", "1 Road | Town", "COMPANIES_HOUSE", "123"),
        ("B plc", "null", "NONE", ""),
    ]
    assert parse_suppliers("just a name")[1]


def test_unreadable_files_raise_naming_the_file(tmp_path):
    with pytest.raises(ValueError, match=r"not_contracts\.csv: not a Contracts Finder CSV export"):
        read_cf_csv(FIXTURES / "not_contracts.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match=r"empty\.csv: empty file"):
        read_cf_csv(empty)
    with pytest.raises(ValueError, match=r"nowhere\.csv: cannot be read"):
        read_cf_csv(tmp_path / "nowhere.csv")


def test_detects_csv_kinds_by_content(tmp_path):
    assert detect_kind(FIXTURES / "cf_export.csv") == "cf_csv"
    assert detect_kind(FIXTURES / "cf_export_cp1252.csv") == "cf_csv"
    assert detect_kind(FIXTURES / "register.csv") == "register_csv"
    assert detect_kind(FIXTURES / "not_contracts.csv") is None
    renamed = tmp_path / "download.txt"
    renamed.write_bytes((FIXTURES / "cf_export.csv").read_bytes())
    assert detect_kind(renamed) == "cf_csv"
    fake_xlsx = tmp_path / "survey.csv"
    fake_xlsx.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    assert detect_kind(fake_xlsx) is None
    assert read_contract_file(renamed).records_read == 10
    with pytest.raises(ValueError, match="register.csv: no borough"):  # detected as a register, read as one
        read_contract_file(FIXTURES / "register.csv")


# --------------------------------------------------------------------------- CPV and value helpers


def test_cpv_longest_prefix_wins():
    assert code_service_area("48000000") is None  # too broad
    assert code_service_area("72000000-5") is None
    assert code_service_area("48440000") == "Finance"
    assert code_service_area("48445000") == "Customer Services"  # CRM inside the finance group
    assert code_service_area("48450000") == "HR and Payroll"
    assert code_service_area("48160000") == "Libraries"
    assert code_service_area("85311000") == "Adult Social Care"
    assert code_service_area("85311300") == "Children's Social Care"
    assert code_service_area("90511000") == "Waste and Street Services"
    assert code_service_area("79940000") == "Revenues and Benefits"
    assert code_service_area("79941000") == "Highways and Transport"  # toll collection, not council tax
    assert code_service_area("45000000") is None
    assert cpv_service_area(["72000000", "48000000", "85310000"]) == "Adult Social Care"
    assert cpv_service_area([]) is None


def test_cpv_areas_are_taxonomy_names():
    from etl.normalise.cpv import _rules

    names = {sa.name for sa in service_areas()}
    assert {a for a in _rules().values() if a} <= names


def test_is_it_cpv():
    assert is_it_cpv(["48000000"]) and is_it_cpv(["72222300"]) and is_it_cpv(["30213100"])
    assert is_it_cpv(["45000000", "64210000"]) and is_it_cpv(["32412100"])
    assert not is_it_cpv(["30190000"])  # office supplies, not computer equipment
    assert not is_it_cpv(["32000000", "90511000"]) and not is_it_cpv([])
    assert normalise_cpv(" 72000000-5 ") == "72000000" and normalise_cpv("7200") is None


def test_value_helpers():
    assert annual_value(300000, dt.date(2020, 4, 1), dt.date(2023, 3, 31)) == 100000
    assert annual_value(100000, dt.date(2020, 1, 1), dt.date(2020, 12, 31)) == 100000  # leap year
    assert annual_value(30000, dt.date(2020, 1, 1), dt.date(2020, 6, 30)) is None
    assert company_number("2688108") == "02688108" and company_number("0") is None
    assert company_number("SC123456") == "SC123456" and company_number("IP20453R") is None
