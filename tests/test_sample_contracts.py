"""The sample contract files through the real build: planted links, disagreements, merges, non-boroughs."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import duckdb
import pytest

from etl.accounting import write_report
from etl.extract.detect import detect_kind
from etl.reference import borough_code
from etl.sample import SAMPLE_BOROUGHS
from etl.sample_contracts import (
    CF_COLUMNS,
    CF_FILE,
    OCDS_FILE,
    SAMPLE_CROSS_FORMAT,
    SAMPLE_DISAGREEMENTS,
    SAMPLE_NON_BOROUGH_BUYERS,
    SAMPLE_NOTICE_COUNTS,
    SAMPLE_NOTICE_LINKS,
    write_sample_contracts,
)

ROOT = Path(__file__).resolve().parents[1]
REAL_EXPORT = ROOT.parent / "shared" / "realdata" / "contracts-finder-csv" / "search-export-2020-a.csv"
OCID = re.compile(r"ocds-b5fd17-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


@pytest.fixture(scope="module")
def built(full_sample_build, sample_inputs, tmp_path_factory):
    """The session's build of the survey and contract samples, with the JSON report `--report` writes."""
    db, result = full_sample_build
    report = tmp_path_factory.mktemp("sample-contracts") / "report.json"
    write_report(result, report)
    return {"paths": sample_inputs.contract_files, "db": db, "report": json.loads(report.read_text())}


def query(db: Path, sql: str, params=()):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def refs_by_contract(db: Path) -> list[tuple[list[str], list[str], float | None, dict]]:
    """(source_refs of its records, sources, match score, disagreements) for every merged contract."""
    ref = dict(query(db, "SELECT record_id, source_ref FROM contract_records"))
    rows = query(db, "SELECT record_ids, sources, match_score, disagreements FROM contracts WHERE len(record_ids) > 1")
    return [([ref[i] for i in ids], sources, score, json.loads(d) if d else {}) for ids, sources, score, d in rows]


def linked_pairs(db: Path) -> dict[tuple[str, str], tuple[list[str], float, dict]]:
    """(survey source_ref, notice source_ref) -> (sources, match score, disagreements), for linked contracts."""
    return {(refs[0], refs[1]): (sources, score, d) for refs, sources, score, d in refs_by_contract(db)
            if "survey" in sources}  # fmt: skip


# --------------------------------------------------------------------------- the files


def test_files_are_sample_files_of_the_right_kinds(built):
    names = [p.name for p in built["paths"]]
    assert all(n.startswith("citytools-sample-") for n in names)
    assert names[:2] == [CF_FILE, OCDS_FILE] and len(names) == 6
    kinds = {p.name: detect_kind(p) for p in built["paths"]}
    assert kinds[CF_FILE] == "cf_csv" and kinds[OCDS_FILE] == "ocds_release_package"
    assert {k for n, k in kinds.items() if "register" in n} == {"register_csv"}
    distinct = sum(SAMPLE_NOTICE_COUNTS.values()) - len(SAMPLE_CROSS_FORMAT)
    assert 60 <= distinct <= 120


def test_writing_is_deterministic(tmp_path, built):
    again = write_sample_contracts(tmp_path / "again")
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in built["paths"]]
    other = write_sample_contracts(tmp_path / "other", seed=7)
    assert other[0].read_bytes() != again[0].read_bytes()


def test_rewriting_replaces_only_sample_files(tmp_path):
    own = tmp_path / "my-notices.csv"
    own.write_text("kept")
    write_sample_contracts(tmp_path)
    write_sample_contracts(tmp_path)
    assert own.read_text() == "kept" and len(list(tmp_path.iterdir())) == 7


def test_csv_export_has_the_real_layout(built):
    text = built["paths"][0].read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == CF_COLUMNS and len(CF_COLUMNS) == 43
    assert text.startswith('"Notice Identifier","Notice Type","Organisation Name",Status,')
    assert all(len(r) == 43 for r in rows)
    body = [dict(zip(CF_COLUMNS, r, strict=True)) for r in rows[1:]]
    awarded = [r for r in body if r["Status"] == "Awarded"]
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4}", r["Contract start date"]) for r in awarded)
    assert all(re.fullmatch(r"(\[[^\]]+\|(Yes|No)\|(Yes|No)\])+", r["Supplier [Name|Address|Ref type|Ref Number|Is "
                                                                      "SME|Is VCSE]"]) for r in awarded)  # fmt: skip
    assert any(len(r["Cpv Codes"].split()) > 1 for r in body)
    assert any("\n" in r["Description"] for r in body)
    assert {r["Notice Type"] for r in body} == {"Contract", "Pipeline"}


@pytest.mark.realdata
@pytest.mark.skipif(not REAL_EXPORT.exists(), reason="../shared/realdata is not present")
def test_csv_header_is_the_real_exports_header(built):
    real = REAL_EXPORT.read_text(encoding="utf-8-sig").split("\n", 1)[0]
    ours = built["paths"][0].read_text(encoding="utf-8").split("\n", 1)[0]
    assert ours == real


def test_ocds_package(built):
    package = json.loads(built["paths"][1].read_text(encoding="utf-8"))
    assert package["version"] == "1.1"
    releases = package["releases"]
    assert all(OCID.fullmatch(r["ocid"]) for r in releases)
    awards = [a for r in releases for a in r.get("awards", [])]
    assert awards and all(a["suppliers"] and a["contractPeriod"]["endDate"] for a in awards)
    assert any("maxExtentDate" in a["contractPeriod"] for a in awards)
    assert all(i["classification"]["scheme"] == "CPV" for r in releases for i in r["tender"]["items"])
    assert {r["tender"]["status"] for r in releases} == {"complete", "active", "planning"}


# --------------------------------------------------------------------------- the build


def test_every_contract_file_loads_and_balances(built):
    files = [f for f in built["report"]["files"] if f["source"] != "survey"]
    assert len(files) == 6
    for f in files:
        assert f["status"] == "loaded" and f["balanced"] and f["rejected"] == 0, f["file"]
        assert f["is_sample"], f["file"]
    assert query(built["db"], "SELECT count(*) FROM rejects") == [(0,)]


# One notice, one record: a planted link to a CSV notice that is also in the OCDS file is made to
# the OCDS record, which is the one kept.
AS_OCDS = dict(SAMPLE_CROSS_FORMAT)


def planted(pairs) -> list[tuple[str, str]]:
    return [(survey, AS_OCDS.get(notice, notice)) for survey, notice in pairs]


def test_planted_links_are_made_and_no_others(built):
    linked = linked_pairs(built["db"])
    assert set(linked) == set(planted(SAMPLE_NOTICE_LINKS))
    assert len(linked) >= 12
    assert all(score >= 0.70 for _, score, _ in linked.values())
    assert {tuple(s) for s, _, _ in linked.values()} == {("contracts_finder", "survey"), ("register", "survey")}
    notices = [notice for _, notice in linked]
    assert any(n.startswith("ocds-") for n in notices)  # OCDS
    assert any(re.fullmatch(r"[0-9a-f-]{36}|\d{14}-\d{5}", n) for n in notices)  # CSV


def test_links_join_the_right_borough_and_canonical_supplier(built):
    rows = query(
        built["db"],
        "SELECT s.borough_code, n.borough_code, s.supplier_name, n.supplier_name, n.supplier_raw"
        " FROM contract_records s, contract_records n WHERE s.source_ref = ? AND n.source_ref = ?",
        [SAMPLE_NOTICE_LINKS[0][0], SAMPLE_NOTICE_LINKS[0][1]],
    )
    [(s_borough, n_borough, s_supplier, n_supplier, raw)] = rows
    assert s_borough == n_borough == "E09000009"
    assert s_supplier == n_supplier == "NEC Software Solutions UK Limited"
    assert raw == "NORTHGATE PUBLIC SERVICES (UK) LTD"


def test_disagreeing_end_dates_still_link_and_are_shown(built):
    linked = linked_pairs(built["db"])
    assert len(SAMPLE_DISAGREEMENTS) == 3
    for pair in planted(SAMPLE_DISAGREEMENTS):
        _, score, disagreements = linked[pair]
        survey_end, notice_end = map(dt.date.fromisoformat, disagreements["end_date"].values())
        assert abs((survey_end - notice_end).days) > 92, pair
        assert score >= 0.70
    for pair in set(planted(SAMPLE_NOTICE_LINKS)) - set(planted(SAMPLE_DISAGREEMENTS)):
        assert "end_date" not in linked[pair][2], pair


def test_the_survey_end_date_is_kept(built):
    survey_ref = SAMPLE_DISAGREEMENTS[0][0]
    [(kept, surveyed)] = query(
        built["db"],
        "SELECT c.end_date, r.end_date FROM contracts c JOIN contract_records r"
        " ON list_contains(c.record_ids, r.record_id) WHERE r.source_ref = ?",
        [survey_ref],
    )
    assert kept == surveyed


def test_cross_format_notices_are_one_record_counted_merged_in_the_csv(built):
    """One notice, one record: the OCDS release is kept, its Contracts Finder CSV row is merged."""
    assert len(SAMPLE_CROSS_FORMAT) >= 2
    refs = [r for pair in SAMPLE_CROSS_FORMAT for r in pair]
    found = query(built["db"], "SELECT source_ref FROM contract_records WHERE source_ref IN (SELECT unnest(?))", [refs])
    assert sorted(r for (r,) in found) == sorted(ocid for _, ocid in SAMPLE_CROSS_FORMAT)
    (merged,) = query(built["db"], "SELECT merged FROM load_files WHERE file = ?", [CF_FILE])[0]
    assert merged == len(SAMPLE_CROSS_FORMAT)


def test_non_borough_buyers_have_no_borough(built):
    db = built["db"]
    assert all(borough_code(b) is None for b in SAMPLE_NON_BOROUGH_BUYERS)
    assert {"Transport for London", "Lewisham Homes", "London Fire Brigade"} <= set(SAMPLE_NON_BOROUGH_BUYERS)
    nulls = "SELECT DISTINCT buyer_name FROM contract_records WHERE source <> 'survey' AND borough_code IS NULL"
    assert sorted(b for (b,) in query(db, nulls)) == SAMPLE_NON_BOROUGH_BUYERS
    in_contracts = "SELECT count(*) FROM contracts WHERE buyer_name IN (SELECT unnest(?)) AND borough_code IS NOT NULL"
    assert query(db, in_contracts, [SAMPLE_NON_BOROUGH_BUYERS]) == [(0,)]


def test_sample_boroughs_have_tenders_and_pipeline_notices(built):
    rows = query(
        built["db"],
        "SELECT stage, borough_code, title FROM contract_records WHERE source != 'survey' AND stage != 'contract'",
    )
    assert {stage for stage, _, _ in rows} == {"tender", "planning"}
    borough_rows = [r for r in rows if r[1]]
    assert all(code in SAMPLE_BOROUGHS for _, code, _ in borough_rows)
    due = [title for stage, _, title in rows if stage == "planning" and "early market engagement" in title]
    assert len(due) >= 4
