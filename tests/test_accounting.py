"""Per-file accounting held in the database: every fixture, alone and loaded twice, and the sample.

For every file, ``load_files`` must say records read = loaded + merged + rejected + skipped, and
its figures must agree with the rows the other tables hold and with the table the build prints.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from etl.accounting import PRINTED, format_files, format_report
from etl.build import build
from etl.extract.result import WHOLE_FILE
from etl.schema import LOAD_FILE_COLUMNS

FIXTURES = Path(__file__).parent / "fixtures"
FOLDERS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
FILES = sorted(p for folder in FOLDERS for p in folder.iterdir() if p.is_file())


def load_files(db: Path) -> list[dict]:
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute("SELECT * FROM load_files")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def by_file(db: Path, sql: str) -> Counter:
    with duckdb.connect(str(db), read_only=True) as con:
        return Counter(dict(con.execute(sql).fetchall()))


def assert_accounted(db: Path, result) -> None:
    """The identity per file, in the database, and the database's figures against its own rows."""
    files = load_files(db)
    assert len(files) == len(result.files)
    for f in files:
        assert f["records_read"] == f["loaded"] + f["merged"] + f["rejected"] + f["skipped"], f
        assert f["skipped"] == sum(json.loads(f["skipped_reasons"]).values()), f
        # a file is loaded, loaded with gaps (a survey return lacking a wanted column, saying which) or rejected
        assert f["status"] in ("loaded", "loaded with gaps", "rejected"), f
        assert (f["status"] == "loaded with gaps") == bool(f["gaps"]), f
        assert f["warnings"] == sum(k["count"] for k in json.loads(f["warning_kinds"])), f
    totals: dict[str, Counter] = {k: Counter() for k in ("loaded", "rejected", "out_of_scope", "whole")}
    for f in files:
        for key in ("loaded", "rejected", "out_of_scope"):
            totals[key][f["file"]] += f[key]
        totals["whole"][f["file"]] += f["status"] == "rejected"
    assert +totals["loaded"] == by_file(db, "SELECT source_file, count(*) FROM contract_records GROUP BY 1")
    not_borough = "SELECT source_file, count(*) FROM contract_records WHERE borough_code IS NULL GROUP BY 1"
    assert +totals["out_of_scope"] == by_file(db, not_borough)
    rejects = f"SELECT file, count(*) FROM rejects WHERE location {{}} '{WHOLE_FILE}' GROUP BY 1"
    assert +totals["rejected"] == by_file(db, rejects.format("<>"))
    assert +totals["whole"] == by_file(db, rejects.format("="))
    # the printed table, printed again from the database alone
    printed, again = format_files([vars(f) for f in result.files]), format_files(files)
    assert (printed[:2], printed[-1]) == (again[:2], again[-1])
    assert sorted(printed[2:-1]) == sorted(again[2:-1])


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_fixture_file_alone(tmp_path, path):
    db = tmp_path / "one.duckdb"
    assert_accounted(db, build(db, contracts=[path]))


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_every_fixture_folder_alone(tmp_path, folder):
    db = tmp_path / "folder.duckdb"
    assert_accounted(db, build(db, contracts=[folder]))


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_every_fixture_folder_twice(tmp_path, folder):
    """The same folder passed twice, and two copies of it: the second time, every notice is merged."""
    first, second = tmp_path / "a" / folder.name, tmp_path / "b" / folder.name
    shutil.copytree(folder, first)
    shutil.copytree(folder, second)
    for inputs in ([folder, folder], [first, second]):
        db = tmp_path / "twice.duckdb"
        result = build(db, contracts=inputs)
        assert_accounted(db, result)
        half = len(result.files) // 2
        once, again = result.files[:half], result.files[half:]
        assert sum(f.merged for f in once) == 0
        assert [f.merged for f in again] == [f.loaded for f in once]
        assert all(f.loaded == 0 for f in again)


def test_a_cf_export_loaded_twice_balances_in_the_database(tmp_path):
    """Was: '10 read = 0 loaded + 2 rejected + 3 skipped' in load_files, the 5 merged rows lost."""
    export = FIXTURES / "contracts" / "cf_export.csv"
    db = tmp_path / "twice.duckdb"
    build(db, contracts=[export, export])
    figures = [(f["records_read"], f["loaded"], f["merged"], f["rejected"], f["skipped"]) for f in load_files(db)]
    assert figures == [(10, 5, 0, 2, 3), (10, 0, 5, 2, 3)]


def test_the_full_sample(full_sample_build):
    db, result = full_sample_build
    assert_accounted(db, result)
    assert {f["source"] for f in load_files(db)} == {"survey", "cf_csv", "ocds_release_package", "register_csv"}


def test_sample_surveys_say_where_their_borough_came_from(sample_build):
    db, result = sample_build
    from_db = {f["file"]: (f["borough_code"], f["borough_from"]) for f in load_files(db)}
    assert from_db == {f.file: (f.borough_code, f.borough_from) for f in result.files}
    assert all(code and found for code, found in from_db.values())


def test_every_printed_column_is_a_load_files_column(full_sample_build):
    assert {column for _, column in PRINTED} <= set(LOAD_FILE_COLUMNS)
    _, result = full_sample_build
    header = format_report(result).splitlines()[0].split()
    assert " ".join(header) == " ".join(h for h, _ in PRINTED)
