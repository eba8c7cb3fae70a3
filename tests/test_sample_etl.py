"""The embedded sample through the real ETL: every mess read right, every row accounted for."""

import json
from pathlib import Path

import duckdb
import pytest

from etl.sample import PLANTED_ROWS, RETURNS, SAMPLE_BOROUGHS, SAMPLE_FILES, SAMPLE_SYSTEM_BOROUGHS

TEMPLATE_FILES = ["camden_survey_return.xlsx", "islington_survey_return.xlsx", "Lewisham LOTI systems survey.xlsx"]


def query(db: Path, sql: str, params=()):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def test_every_file_loads_and_balances(sample_build):
    db, result = sample_build
    assert sorted(f.file for f in result.files) == sorted(SAMPLE_FILES)
    for f in result.files:
        assert f.status == "loaded", f.reason
        assert f.records_read == f.loaded + f.rejected + f.skipped, f.file
        assert 20 <= f.loaded <= 45, f.file
    assert {f.borough_code for f in result.files} == set(SAMPLE_BOROUGHS)
    assert query(db, "SELECT count(*) FROM rejects") == [(0,)]
    # the database says the same as the report, file by file
    per_file = query(db, "SELECT file, records_read, loaded, rejected, skipped FROM load_files ORDER BY file")
    assert per_file == sorted((f.file, f.records_read, f.loaded, f.rejected, f.skipped) for f in result.files)
    assert query(db, "SELECT count(*) FROM contract_records") == [(sum(f.loaded for f in result.files),)]


def test_skipped_rows_are_blank_or_totals(sample_build):
    _, result = sample_build
    reasons = {reason for f in result.files for reason in f.skipped_reasons}
    assert reasons == {"blank row", "totals row"}
    with_totals = {f.file for f in result.files if f.skipped_reasons.get("totals row")}
    assert with_totals == {r.file for r in RETURNS if "totals" in r.mess}


def test_the_build_knows_it_is_sample_data(sample_build):
    db, _ = sample_build
    assert query(db, "SELECT bool_and(is_sample) FROM load_files") == [(True,)]
    assert query(db, "SELECT value FROM meta WHERE key = 'is_sample'") == [("true",)]


@pytest.mark.parametrize("planted", PLANTED_ROWS, ids=lambda p: f"{p['file']}#{p['sheet']}!{p['row']}")
def test_planted_rows_have_their_clean_values(sample_build, planted):
    db, _ = sample_build
    ref = f"{planted['file']}#{planted['sheet']}!{planted['row']}"
    rows = query(
        db,
        "SELECT borough_code, system_name, supplier_name, service_area, start_date, end_date, max_end_date,"
        " annual_value, total_value, len(warnings) FROM contract_records WHERE source_ref = ?",
        [ref],
    )
    assert len(rows) == 1, ref
    got = dict(zip(["borough", "system_name", "supplier_name", "service_area", "start_date", "end_date",
                    "max_end_date", "annual_value", "total_value", "warnings"], rows[0], strict=True))  # fmt: skip
    for key in ("borough", "system_name", "supplier_name", "service_area", "start_date", "end_date", "max_end_date",
                "annual_value", "total_value"):  # fmt: skip
        assert got[key] == planted[key], (ref, key, planted["input"])
    assert (got["warnings"] > 0) == planted["warning"], (ref, planted["input"])


def test_planted_rows_cover_the_promised_mess():
    inputs = [json.dumps(p["input"], default=str) for p in PLANTED_ROWS]
    for mess in ("TBC", "Rolling", "30/02/2027", "Sep-2027", "approx", "NEC SOFTWARE SOLUTIONS UK LTD", "+1+1"):
        assert any(mess in text for text in inputs), mess


def test_template_returns_load_without_warnings(sample_build):
    db, _ = sample_build
    rows = query(
        db,
        "SELECT source_file, count(*), sum(len(warnings)) FROM contract_records WHERE source_file IN (?, ?, ?)"
        " GROUP BY 1 ORDER BY 1",
        TEMPLATE_FILES,
    )
    assert [r[0] for r in rows] == sorted(TEMPLATE_FILES)
    assert all(n >= 20 and warnings == 0 for _, n, warnings in rows)


def test_supplier_spellings_collapse_to_one_name(sample_build):
    db, _ = sample_build
    raw = query(
        db,
        "SELECT DISTINCT supplier_raw FROM contract_records WHERE supplier_name = 'NEC Software Solutions UK Limited'",
    )
    assert {"NEC SOFTWARE SOLUTIONS UK LTD", "Northgate Public Services (UK) Ltd"} <= {r[0] for r in raw}
    civica = query(db, "SELECT DISTINCT supplier_name FROM contract_records WHERE supplier_raw ILIKE 'civica%'")
    assert civica == [("Civica UK Limited",)]


def test_system_boroughs_match_the_plan(sample_build):
    db, _ = sample_build
    for system, codes in SAMPLE_SYSTEM_BOROUGHS.items():
        got = query(db, "SELECT DISTINCT borough_code FROM contracts WHERE system_name = ? ORDER BY 1", [system])
        assert [c for (c,) in got] == sorted(codes), system


def test_unmapped_columns_are_reported(sample_build):
    _, result = sample_build
    unmapped = {f.file: f.unmapped_columns for f in result.files if f.unmapped_columns}
    assert unmapped == {
        "LBHF Tech Survey FINAL v2.xlsx": ["Sheet1!P 'Internal ref'"],
        "haringey_survey_return.xlsx": ["Systems!O 'Contract manager'"],
        "harrow_survey_return.xlsx": ["Systems!P 'Internal ref'"],
        "lambeth_survey_return.xlsx": ["ICT Systems!O 'Contract manager'"],
    }
