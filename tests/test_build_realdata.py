"""The whole build through its command line: sample surveys plus the real Contracts Finder files."""

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from test_buyers_real import CSV_DIR, EXPECTED, NOT_BOROUGHS, OCDS_DIR

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    not (CSV_DIR.is_dir() and OCDS_DIR.is_dir()),
    reason=f"real Contracts Finder data not found beside the project ({CSV_DIR.parent}); it is never committed",
)


@pytest.fixture(scope="module")
def real_build(tmp_path_factory, sample_inputs):
    folder = tmp_path_factory.mktemp("real")
    db, report = folder / "real.duckdb", folder / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "build", "--surveys", str(sample_inputs.surveys), "--contracts", str(CSV_DIR),
         "--contracts", str(OCDS_DIR), "--out", str(db), "--report", str(report)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return db, json.loads(report.read_text()), proc.stdout


def query(db, sql, params=()):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def test_every_file_is_accounted_for(real_build):
    _, report, _ = real_build
    files = report["files"]
    assert len(files) == 22 + 2 + 100
    assert all(f["balanced"] and f["status"] == "loaded" for f in files)
    by_name = {f["file"]: f for f in files}
    a, b = by_name["search-export-2020-a.csv"], by_name["search-export-2020-b.csv"]
    assert (a["records_read"], a["loaded"], a["merged"]) == (1000, 1000, 0)
    assert (b["records_read"], b["loaded"], b["merged"]) == (380, 1, 379)  # the 379 in both exports count once


def test_report_gives_totals_per_source(real_build):
    _, report, stdout = real_build
    by_source = report["by_source"]
    assert by_source["cf_csv"]["merged"] == 379
    assert by_source["cf_csv"]["loaded"] == 1001
    assert by_source["ocds_release_package"]["files"] == 100
    assert by_source["ocds_release_package"]["loaded"] == 100
    assert by_source["survey"]["out_of_scope"] == 0
    assert "cf_csv: 2 files (0 rejected), 1380 read, 1001 loaded, 379 merged" in stdout


def test_common_notices_are_one_record(real_build):
    db, _, _ = real_build
    assert query(
        db, "SELECT count(*), count(DISTINCT source_ref) FROM contract_records WHERE source_file LIKE '%.csv'"
    )[0] == (1001, 1001)


def test_borough_buyers_get_their_code_and_no_one_else(real_build):
    db, _, _ = real_build
    got = dict(
        query(
            db,
            "SELECT DISTINCT buyer_name, borough_code FROM contract_records"
            " WHERE source <> 'survey' AND borough_code IS NOT NULL",
        )
    )
    assert got == EXPECTED
    for name in NOT_BOROUGHS:
        assert query(db, "SELECT DISTINCT borough_code FROM contract_records WHERE buyer_name = ?", [name]) == [(None,)]


def test_real_suppliers_are_canonical(real_build):
    db, _, _ = real_build
    bytes_names = query(
        db, "SELECT DISTINCT supplier_name FROM contract_records WHERE supplier_raw ILIKE 'bytes software%'"
    )
    assert bytes_names == [("Bytes Software Services Limited",)]
    assert query(
        db,
        "SELECT count(*) FROM contract_records"
        " WHERE source <> 'survey' AND supplier_raw IS NOT NULL AND supplier_name IS NULL",
    ) == [(0,)]


def test_load_files_hold_the_merges_and_balance(real_build):
    """The database, not only the report, says the second export's notices were merged."""
    db, _, _ = real_build
    rows = query(db, "SELECT file, records_read, loaded, merged, rejected, skipped FROM load_files")
    assert all(read == loaded + merged + rejected + skipped for _, read, loaded, merged, rejected, skipped in rows)
    by_name = {name: figures for name, *figures in rows}
    assert by_name["search-export-2020-b.csv"] == [380, 1, 379, 0, 0]
