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
from etl.extract.ocds_notices import legal_basis
from etl.normalise.values import iso_date
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
    assert (haringey["currency"], haringey["value_amount"], haringey["annual_value"]) == ("EUR", 1200000, None)


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


# --------------------------------------------------------------------------- notices as published now


@pytest.fixture(scope="module")
def lifecycle():
    """tests/fixtures/contracts/fts_lifecycle.json, hand-made: one procurement through UK4, UK6, UK7,
    UK10 and UK11, a dynamic market (UK13), a payments compliance notice (UK17), a two-lot tender."""
    return read_ocds(FIXTURES / "fts_lifecycle.json")


def _one_file(tmp_path: Path, releases: list[dict], name: str = "releases.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"uri": "https://example.org/p.json", "releases": releases}, indent=1))
    return path


def test_lifecycle_accounting(lifecycle):
    assert (lifecycle.records_read, len(lifecycle.records), lifecycle.rejected) == (8, 3, 0)
    assert dict(lifecycle.skipped) == {
        "earlier release of an ocid, compiled": 4,
        "payments compliance notice (UK17): not a procurement": 1,
    }
    assert lifecycle.balanced


def test_change_then_termination_leave_the_latest_state_and_its_history(lifecycle):
    rec = by_ref(lifecycle, "ocds-h6vhtk-0a0001")
    assert (rec["notice_type"], rec["stage"], rec["legal_basis"]) == ("UK11", "contract", "Procurement Act 2023")
    assert (rec["buyer_id"], rec["borough_code"]) == ("GB-PPON-PXXX-0000-CAMD", "E09000007")
    # the change's value wins over the contract details notice's; the termination ends it
    assert (rec["total_value"], rec["value_gross"]) == (130000, False)
    assert (rec["start_date"], rec["end_date"], rec["max_end_date"]) == (
        dt.date(2025, 6, 1), dt.date(2026, 8, 31), dt.date(2026, 8, 31))  # fmt: skip
    assert rec["dates_from"] == "contracts[0].period"
    assert rec["history"] == [
        {"date": "2026-01-15", "notice_type": "UK10", "what": "contract change", "notice_id": "000004-2026",
         "contract_id": "1", "end_date": "2029-05-31", "max_end_date": "2030-05-31", "total_value": 130000.0,
         "was": {"end_date": "2028-05-31", "total_value": 100000.0},
         "description": "Extended by a year for data migration"},
        {"date": "2026-08-31", "notice_type": "UK11", "what": "contract termination", "notice_id": "000005-2026",
         "contract_id": "1", "end_date": "2026-08-31", "max_end_date": "2026-08-31",
         "was": {"end_date": "2029-05-31", "max_end_date": "2030-05-31"}},
    ]  # fmt: skip
    assert rec["suppliers"] == [
        {"name": "Alpha Systems Ltd", "id": "GB-COH-01234567", "company_number": "01234567", "award_id": "1"},
        # its own identifier is a PPON; the Companies House number is an additional identifier
        {"name": "Beta Data Ltd", "id": "GB-PPON-PBBB-1111-BETA", "company_number": "07654321", "award_id": "1"},
    ]
    assert (rec["supplier_raw"], rec["company_number"]) == ("Alpha Systems Ltd", "01234567")
    # "3+1+1" on the lot's 3-year term: two 1-year options, however the change moved the end
    assert (rec["extension_raw"], rec["extension_months"]) == ("3+1+1", 24)


def test_contract_award_notice_is_an_award_with_a_gross_value(tmp_path):
    releases = json.loads((FIXTURES / "fts_lifecycle.json").read_text())["releases"][:2]  # UK4, UK6
    (rec,) = read_ocds(_one_file(tmp_path, releases)).records
    assert (rec["notice_type"], rec["stage"]) == ("UK6", "award")  # in standstill: not yet a contract
    assert (rec["total_value"], rec["value_gross"]) == (120000, True)
    assert "award value is gross (VAT included): no net amount given" in rec["warnings"]
    assert (rec["dates_from"], rec["start_date"], rec["end_date"]) == (
        "awards[0].contractPeriod", dt.date(2025, 6, 1), dt.date(2028, 5, 31))  # fmt: skip
    assert rec["max_end_date"] == dt.date(2030, 5, 31)  # the end plus the lot's two 1-year renewals
    assert [s["name"] for s in rec["suppliers"]] == ["Alpha Systems Ltd", "Beta Data Ltd"]


def test_a_start_and_a_duration_give_the_end(tmp_path):
    releases = json.loads((FIXTURES / "fts_lifecycle.json").read_text())["releases"][:1]  # UK4 alone
    (rec,) = read_ocds(_one_file(tmp_path, releases)).records
    assert (rec["notice_type"], rec["stage"], rec["dates_from"]) == ("UK4", "tender", "tender.lots")
    # 36 months from 1 June 2025 end on 31 May 2028
    assert (rec["start_date"], rec["end_date"], rec["max_end_date"]) == (
        dt.date(2025, 6, 1), dt.date(2028, 5, 31), dt.date(2030, 5, 31))  # fmt: skip
    assert "end date from the start and a duration of 36 months" in rec["warnings"]
    assert rec["total_value"] == 100000 and "total is the sum of 1 of 1 lot values" in rec["warnings"]


def test_dynamic_market_is_kept_as_such(lifecycle):
    rec = by_ref(lifecycle, "ocds-h6vhtk-0a0002")
    assert (rec["notice_type"], rec["stage"], rec["suppliers"], rec["warnings"]) == (
        "UK13", "dynamic_market", None, [])  # fmt: skip


def test_lots_give_the_value_and_the_dates(lifecycle):
    rec = by_ref(lifecycle, "ocds-h6vhtk-0a0004")
    assert (rec["total_value"], rec["value_gross"]) == (100000, False)  # 40,000 + 60,000
    # earliest lot start, latest lot end; "up to 24 months" on lot 1
    assert (rec["start_date"], rec["end_date"]) == (dt.date(2026, 4, 1), dt.date(2028, 4, 30))
    assert (rec["extension_months"], rec["max_end_date"]) == (24, dt.date(2030, 4, 30))


@pytest.mark.parametrize(
    ("stamp", "day"),
    [
        ("2026-09-20T23:59:59Z", dt.date(2026, 9, 20)),  # the day the notice names, not London's 21st
        ("2026-08-21T23:59:59+01:00", dt.date(2026, 8, 21)),
        ("2027-03-31T23:59:59+01:00", dt.date(2027, 3, 31)),
        ("2026-11-02T00:00:00+00:00", dt.date(2026, 11, 2)),
        ("2021-06-30T23:00:00Z", dt.date(2021, 7, 1)),  # London midnight written in UTC: 1 July
        ("2026-01-31T23:00:00Z", dt.date(2026, 1, 31)),  # in winter 23:00Z is still the 31st in London
        ("2026-07-01", dt.date(2026, 7, 1)),
    ],
)
def test_a_timestamp_keeps_the_date_it_states(stamp, day):
    assert iso_date(stamp) == (day, None)


@pytest.mark.parametrize(
    ("basis", "law"),
    [
        ({"id": "2023/54", "scheme": "UKPGA"}, "Procurement Act 2023"),
        ({"id": "32014L0024", "scheme": "CELEX"}, "Public Contracts Regulations 2015"),
        ({"id": "2016/274", "scheme": "UKSI"}, "Utilities Contracts Regulations 2016"),
        ({"id": "1999/1", "scheme": "XX"}, "XX 1999/1"),
        ({"scheme": "UKPGA"}, None),
        (None, None),
    ],
)
def test_legal_basis_by_name(basis, law):
    assert legal_basis({"legalBasis": basis}) == law


def _award_release(rid: str, date: str, names: list[str], tag: str = "award") -> dict:
    """An older Contracts Finder award: a buyer object, no parties, every supplier "id": 0."""
    return {
        "ocid": "ocds-b5fd17-dddddddd-0000-0000-0000-000000000001", "id": rid, "date": date, "tag": [tag],
        "buyer": {"name": "Islington Council"},
        "tender": {"title": "Building works framework", "status": "complete",
                   "items": [{"id": 1, "classification": {"scheme": "CPV", "id": "45000000"}},
                             {"id": 1, "classification": {"scheme": "CPV", "id": "45210000"}}]},
        "awards": [{"id": "a1", "status": "active", "value": {"amount": 900000, "currency": "GBP"},
                    "suppliers": [{"id": 0, "name": n, "identifier": {"id": "", "scheme": ""}} for n in names]}],
    }  # fmt: skip


def test_suppliers_with_id_zero_are_all_kept_across_releases(tmp_path):
    first = _award_release("r1", "2020-01-01T10:00:00Z", ["Greyline Builders Ltd", "JOS Property Services Ltd"])
    update = _award_release(
        "r2",
        "2020-02-01T10:00:00Z",
        ["Greyline Builders Ltd", "JOS Property Services Ltd", "RAAM Construction Ltd"],
        tag="awardUpdate",
    )
    (rec,) = read_ocds(_one_file(tmp_path, [update, first])).records
    assert [s["name"] for s in rec["suppliers"]] == [
        "Greyline Builders Ltd", "JOS Property Services Ltd", "RAAM Construction Ltd"]  # fmt: skip
    assert [s["id"] for s in rec["suppliers"]] == [None, None, None]  # 0 is no identifier
    assert rec["supplier_raw"] == "Greyline Builders Ltd"
    assert rec["cpv_codes"] == ["45000000", "45210000"]  # two items sharing id 1: both kept
    assert "tender.items: 2 objects share the id(s) '1'; kept apart" in rec["warnings"]
    assert not [w for w in rec["warnings"] if w.startswith("Multiple objects")]  # no ocdsmerge collapse


def test_a_framework_naming_a_supplier_per_lot_keeps_it_once(tmp_path):
    names = ["Swale Heating Limited", "BSW Heating Ltd", "SWALE HEATING LIMITED", "Axis Europe Plc"]
    (rec,) = read_ocds(_one_file(tmp_path, [_award_release("r1", "2020-01-01T10:00:00Z", names)])).records
    assert [s["name"] for s in rec["suppliers"]] == ["Swale Heating Limited", "BSW Heating Ltd", "Axis Europe Plc"]
    assert "4 supplier entries name 3 suppliers; each is kept once" in rec["warnings"]


def _tender(ocid: str, date: str) -> dict:
    return {"ocid": ocid, "id": f"{ocid}-t", "date": date, "tag": ["tender"], "buyer": {"name": "Camden Council"},
            "tender": {"title": "Libraries system", "status": "active"}}  # fmt: skip


UUID = "eeeeeeee-0000-0000-0000-000000000001"


def test_a_republished_prefix_is_the_same_notice_across_files(tmp_path):
    from etl.build import build

    raw = _one_file(tmp_path, [_tender(f"ocds-b5fd17raw-{UUID}", "2020-01-01T10:00:00Z")], "a-raw.json")
    plain = _one_file(tmp_path, [_tender(f"ocds-b5fd17-{UUID}", "2020-01-02T10:00:00Z")], "b-plain.json")
    (rec,) = read_ocds(raw).records
    assert (rec["source"], rec["source_ref"]) == ("contracts_finder", f"ocds-b5fd17-{UUID}")
    assert rec["record_id"] == stable_id("contracts_finder", f"ocds-b5fd17-{UUID}")
    assert rec["warnings"] == [
        f"ocid 'ocds-b5fd17raw-{UUID}' read as 'ocds-b5fd17-{UUID}': the same notice under a republisher's prefix"
    ]
    result = build(tmp_path / "one.duckdb", contracts=[raw, plain])
    assert [(f.file, f.loaded, f.merged) for f in result.files] == [("a-raw.json", 0, 1), ("b-plain.json", 1, 0)]
    assert result.records == 1


def test_a_republished_prefix_is_the_same_notice_in_one_file(tmp_path):
    from etl.build import build

    both = [
        _tender(f"ocds-b5fd17-{UUID}", "2020-01-02T10:00:00Z"),
        _tender(f"ocds-b5fd17raw-{UUID}", "2020-01-01T10:00:00Z"),
    ]
    result = build(tmp_path / "one.duckdb", contracts=[_one_file(tmp_path, both)])
    ((name, read, loaded, merged),) = [(f.file, f.records_read, f.loaded, f.merged) for f in result.files]
    assert (read, loaded, merged) == (2, 1, 1) and result.records == 1


def test_one_notice_across_two_api_pages_keeps_the_awards_suppliers_and_every_change(tmp_path):
    """An API page with the tender, award and contract, a later page with the change and the
    termination: the contract has the later state, the earlier award's suppliers, and both
    changes in its history, as the same releases compiled from one file have."""
    import json

    import duckdb

    from etl.build import build

    package = json.loads((FIXTURES / "fts_lifecycle.json").read_text(encoding="utf-8"))
    ours = [r for r in package["releases"] if r["ocid"] == "ocds-h6vhtk-0a0001"]
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "all.json").write_text(json.dumps({**package, "releases": ours}), encoding="utf-8")
    pages = tmp_path / "pages"
    pages.mkdir()
    for name, part in (("p1.json", ours[:3]), ("p2.json", ours[3:])):
        (pages / name).write_text(json.dumps({**package, "releases": part}), encoding="utf-8")

    def state(folder):
        db = build(tmp_path / f"{folder}.duckdb", contracts=[tmp_path / folder]).out
        with duckdb.connect(str(db), read_only=True) as con:
            rows = con.execute(
                "SELECT stage, notice_type, end_date, max_end_date, supplier_raw, json_array_length(suppliers),"
                " json_extract_string(history, '$[*].notice_type') FROM contract_records"
            ).fetchall()
            suppliers = con.execute("SELECT count(*) FROM contract_suppliers").fetchone()[0]
        return rows, suppliers

    one, one_suppliers = state("one")
    two, two_suppliers = state("pages")
    assert len(two) == 1 and two == one
    assert two[0][6] == ["UK10", "UK11"]
    assert two_suppliers == one_suppliers == two[0][5] >= 1


def test_a_dynamic_market_notice_is_a_record_and_never_a_contract(tmp_path):
    import duckdb

    from etl.build import build

    db = build(tmp_path / "dm.duckdb", contracts=[FIXTURES / "fts_lifecycle.json"]).out
    with duckdb.connect(str(db), read_only=True) as con:
        records = con.execute("SELECT record_id FROM contract_records WHERE stage = 'dynamic_market'").fetchall()
        in_contracts = con.execute(
            "SELECT count(*) FROM contracts c, contract_records r"
            " WHERE list_contains(c.record_ids, r.record_id) AND r.stage = 'dynamic_market'"
        ).fetchone()[0]
        stages = {s for (s,) in con.execute("SELECT DISTINCT stage FROM contracts").fetchall()}
    assert len(records) == 1 and in_contracts == 0
    assert "dynamic_market" not in stages and "contract" in stages
