"""OCDS reader (release packages, record packages, JSON Lines) and JSON detection."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from etl.extract import read_contract_file
from etl.extract.detect import detect_kind
from etl.extract.ocds import compile_releases, read_ocds
from etl.records import stable_id
from etl.schema import RECORD_COLUMNS

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


# --------------------------------------------------------------------------- bad lines and items in a build


def _release(n: int) -> dict:
    return {
        "ocid": f"ocds-b5fd17-cccccccc-0000-0000-0000-00000000000{n}",
        "id": f"r{n}",
        "date": "2021-01-01T00:00:00Z",
        "tag": ["tender"],
        "buyer": {"name": "London Borough of Camden"},
        "tender": {"title": f"Tender {n}", "status": "active"},
    }


def _built_rejects(tmp_path, path: Path) -> tuple[list[tuple], list[tuple]]:
    """Build from one file (the build must succeed); (its records' refs, its rejects with raw decoded)."""
    from etl.build import build

    db = tmp_path / "bad.duckdb"
    (report,) = build(db, contracts=[path]).files
    assert report.balanced and report.status == "loaded"
    with duckdb.connect(str(db), read_only=True) as con:
        refs = con.execute("SELECT source_ref FROM contract_records ORDER BY 1").fetchall()
        rejects = con.execute("SELECT file, location, reason, raw FROM rejects").fetchall()
    return [r for (r,) in refs], [(f, loc, reason, json.loads(raw)) for f, loc, reason, raw in rejects]


def test_a_malformed_line_in_the_middle_is_a_reject_with_its_line(tmp_path):
    path = tmp_path / "middle.jsonl"
    bad = '{"ocid": "ocds-b5fd17-broken", "tender": {"title": "cut'
    path.write_text("\n".join([json.dumps(_release(1)), bad, json.dumps(_release(2))]) + "\n")
    refs, rejects = _built_rejects(tmp_path, path)
    assert refs == [_release(1)["ocid"], _release(2)["ocid"]]
    [(file, location, reason, raw)] = rejects
    assert (file, location) == ("middle.jsonl", "line 2") and reason.startswith("not valid JSON")
    assert raw == bad  # the line itself, stored as a JSON string


def test_a_cut_off_last_line_is_a_reject_with_its_line(tmp_path):
    path = tmp_path / "cut.jsonl"
    cut = json.dumps(_release(3))[:40]
    path.write_text("\n".join([json.dumps(_release(1)), json.dumps(_release(2)), cut]))  # no final newline
    refs, rejects = _built_rejects(tmp_path, path)
    assert refs == [_release(1)["ocid"], _release(2)["ocid"]]
    [(file, location, reason, raw)] = rejects
    assert (file, location, raw) == ("cut.jsonl", "line 3", cut) and reason.startswith("not valid JSON")


def test_a_line_that_is_not_utf8_is_a_reject_with_its_line(tmp_path):
    path = tmp_path / "latin1.jsonl"
    lines = [json.dumps(_release(1)).encode(), b'{"ocid": "caf\xe9"}', json.dumps(_release(2)).encode()]
    path.write_bytes(b"\n".join(lines))
    refs, rejects = _built_rejects(tmp_path, path)
    assert len(refs) == 2
    [(_, location, reason, raw)] = rejects
    assert location == "line 2" and reason.startswith("not UTF-8 text") and raw.startswith('{"ocid": "caf')


@pytest.mark.parametrize("layout", ["package", "jsonl"])
def test_a_release_that_is_not_an_object_is_a_reject(tmp_path, layout):
    package = {"uri": "https://example.org/p.json", "releases": ["x", _release(1)]}
    path = tmp_path / f"odd.{'json' if layout == 'package' else 'jsonl'}"
    if layout == "package":
        path.write_text(json.dumps(package, indent=2))
    else:
        path.write_text(f"{json.dumps(package)}\n{json.dumps(_release(2))}\n")
    refs, rejects = _built_rejects(tmp_path, path)
    assert _release(1)["ocid"] in refs
    [(_, location, reason, raw)] = rejects
    assert location == ("release 1" if layout == "package" else "line 1 release 1")
    assert (reason, raw) == ("release is not a JSON object", "x")
