"""OCDS reader (release packages, record packages, JSON Lines) and JSON detection."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from etl.readers import read_contract_file
from etl.readers.detect import detect_kind
from etl.readers.ocds import compile_releases, read_ocds
from etl.records import RECORD_COLUMNS, stable_id

FIXTURES = Path(__file__).parent / "fixtures" / "contracts"
CF_OCID = "ocds-b5fd17-11111111-2222-3333-4444-555555555555"


def by_ref(result, ref):
    return next(r for r in result.records if r["source_ref"] == ref)


@pytest.fixture(scope="module")
def package():
    return read_ocds(FIXTURES / "ocds_release_package.json")


def test_release_package_accounting(package):
    assert package.kind == "ocds_release_package"
    assert package.records_read == 5
    assert len(package.records) == 2
    assert dict(package.skipped) == {"earlier release of an ocid, compiled": 1, "tender cancelled": 1}
    assert [(r["location"], r["reason"]) for r in package.rejects] == [("release 4", "release has no ocid")]
    assert package.balanced
    for rec in package.records:
        assert set(rec) == set(RECORD_COLUMNS)


def test_two_releases_compile_into_one_record(package):
    rec = by_ref(package, CF_OCID)
    assert rec["record_id"] == stable_id("contracts_finder", CF_OCID)
    assert rec["source"] == "contracts_finder" and rec["stage"] == "contract"
    assert rec["title"] == "Finance system"  # the later release's title
    assert rec["description"] == "Finance and accounting system for the council & its partners"  # the earlier's
    assert rec["cpv_codes"] == ["48000000", "48440000"]
    assert rec["service_area"] == "Finance" and rec["is_it"] is True
    assert rec["buyer_name"] == "Hammersmith & Fulham Council" and rec["borough_code"] == "E09000013"
    assert (rec["contact_name"], rec["contact_email"]) == ("Fin Buyer", "fin.buyer@example.org")
    # the active award, not the larger unsuccessful one
    assert rec["supplier_raw"] == "Ledger & Sons Ltd" and rec["company_number"] == "01234567"
    assert rec["total_value"] == 450000 and rec["annual_value"] == 150000
    # 2021-06-30T23:00Z is 1 July in London
    assert (rec["start_date"], rec["end_date"]) == (dt.date(2021, 7, 1), dt.date(2024, 6, 30))
    assert rec["max_end_date"] == dt.date(2026, 6, 30)
    assert rec["published_date"] == dt.date(2021, 6, 1)
    assert rec["source_url"] is None  # the package holds several ocids: its URI names no notice


def test_find_a_tender_planning_notice(package):
    rec = by_ref(package, "ocds-h6vhtk-0a1b2c")
    assert rec["source"] == "find_a_tender" and rec["stage"] == "planning"
    assert rec["source_url"] == "https://www.find-tender.service.gov.uk/Notice/012345-2021"
    assert rec["buyer_name"] == "Museum of London" and rec["borough_code"] is None
    assert rec["cpv_codes"] == ["48000000", "72212160"]  # tender.classification, then items
    assert rec["supplier_raw"] is None and rec["total_value"] is None


def test_record_package():
    result = read_ocds(FIXTURES / "ocds_record_package.json")
    assert result.kind == "ocds_record_package"
    assert (result.records_read, len(result.records), len(result.rejects)) == (4, 2, 2)
    assert result.balanced
    compiled = by_ref(result, "ocds-b5fd17-aaaaaaaa-0000-0000-0000-000000000001")
    assert compiled["borough_code"] == "E09000001"
    assert compiled["total_value"] == 2000000  # the contract's value over the award's
    assert compiled["max_end_date"] == dt.date(2031, 7, 31) and compiled["annual_value"] == 250000
    embedded = by_ref(result, "ocds-b5fd17-aaaaaaaa-0000-0000-0000-000000000002")
    assert embedded["title"] == "Responsive repairs" and embedded["supplier_raw"] == "Repairs Co"
    assert embedded["borough_code"] is None  # Barnet Homes is not Barnet Council
    reasons = {r["location"]: r["reason"] for r in result.rejects}
    assert reasons == {
        "ocds-b5fd17-aaaaaaaa-0000-0000-0000-000000000003": "record has only linked releases and no compiledRelease",
        "record 4": "record has no ocid",
    }


def test_json_lines_with_a_broken_line():
    result = read_ocds(FIXTURES / "ocds_releases.jsonl")
    assert result.kind == "ocds_jsonl"
    assert result.records_read == 4  # the blank line is not a release
    assert len(result.records) == 2 and result.balanced
    (reject,) = result.rejects
    assert reject["location"] == "line 3" and reject["reason"].startswith("not valid JSON")
    assert reject["raw"].startswith('{"ocid": "ocds-b5fd17-bbbbbbbb')
    camden = by_ref(result, "ocds-b5fd17-bbbbbbbb-0000-0000-0000-000000000001")
    assert camden["borough_code"] == "E09000007" and camden["stage"] == "contract"
    assert camden["service_area"] == "Adult Social Care" and camden["total_value"] == 750000
    haringey = by_ref(result, "ocds-h6vhtk-0c0d0e")
    assert haringey["borough_code"] is None and haringey["stage"] == "tender"
    assert haringey["total_value"] is None and "tender value is in EUR; not converted" in haringey["warnings"]


def test_compile_orders_by_date_and_merges_items_by_id():
    later = {
        "ocid": "o",
        "id": "2",
        "date": "2021-02-01T00:00:00Z",
        "tag": ["tenderUpdate"],
        "tender": {"title": "New", "items": [{"id": "1", "quantity": 5}]},
    }
    earlier = {
        "ocid": "o",
        "id": "1",
        "date": "2021-01-01T00:00:00Z",
        "tag": ["tender"],
        "tender": {
            "title": "Old",
            "status": "active",
            "items": [{"id": "1", "classification": {"scheme": "CPV", "id": "72000000"}}],
        },
    }
    compiled, notes = compile_releases([later, earlier])
    assert notes == []
    assert compiled["tender"]["title"] == "New" and compiled["tender"]["status"] == "active"
    assert compiled["tender"]["items"] == [
        {"id": "1", "classification": {"scheme": "CPV", "id": "72000000"}, "quantity": 5}
    ]


def test_broken_package_raises_naming_the_file():
    with pytest.raises(ValueError, match=r"broken_package\.json: not valid JSON"):
        read_ocds(FIXTURES / "broken_package.json")


def test_detects_json_kinds_by_content(tmp_path):
    assert detect_kind(FIXTURES / "ocds_release_package.json") == "ocds_release_package"
    assert detect_kind(FIXTURES / "ocds_record_package.json") == "ocds_record_package"
    assert detect_kind(FIXTURES / "ocds_releases.jsonl") == "ocds_jsonl"
    minified = tmp_path / "package.txt"
    minified.write_text(json.dumps(json.loads((FIXTURES / "ocds_release_package.json").read_text())))
    assert detect_kind(minified) == "ocds_release_package"
    packages_per_line = tmp_path / "packages.jsonl"
    packages_per_line.write_text('{"releases": []}\n{"releases": []}\n')
    assert detect_kind(packages_per_line) == "ocds_jsonl"
    other = tmp_path / "other.json"
    other.write_text('{\n  "name": "not OCDS"\n}\n')
    assert detect_kind(other) is None
    empty = tmp_path / "empty.json"
    empty.write_text("")
    assert detect_kind(empty) is None
    assert read_contract_file(minified).records_read == 5
