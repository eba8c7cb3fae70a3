"""Hostile workbooks: refused before calamine builds them (zip bombs, stray far cells), the good files loaded.

A workbook with cells at A1 and XFD1048576 made calamine abort the whole process (a 550 GB grid):
that case runs through `python -m etl build` in a child, so a regression fails this test instead
of killing the test run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import python_calamine

from etl.extract.sheet_errors import sheet_errors
from etl.extract.survey import read_survey
from etl.extract.workbook import read_workbook
from etl.extract.workbook_limits import MAX_SHEET_ROWS
from tests.hostile import corpus
from tests.hostile.corpus import assert_good_files_loaded, build_all, file_row

ROOT = Path(__file__).resolve().parents[2]
LIMITS = "over the limit of 100,000 rows and 2,000,000 cells"


def test_a_2_gb_zip_bomb_is_refused_from_its_sizes(tmp_path):
    surveys, _ = corpus.good_inputs(tmp_path)
    bomb = corpus.zip_bomb_xlsx(surveys / "camden_bomb.xlsx", inflated_mb=2048)
    assert bomb.stat().st_size < 3 * 1024 * 1024
    db, _ = build_all(tmp_path)
    assert (
        file_row(db, "camden_bomb.xlsx")["reason"] == "camden_bomb.xlsx: inflates to 2,048 MB, over the limit of 256 MB"
    )
    assert_good_files_loaded(db)


def test_a_member_inflating_a_thousand_times_is_refused_by_its_ratio(tmp_path):
    surveys, _ = corpus.good_inputs(tmp_path)
    corpus.zip_bomb_xlsx(surveys / "camden_small_bomb.xlsx", inflated_mb=50)
    db, _ = build_all(tmp_path)
    reason = file_row(db, "camden_small_bomb.xlsx")["reason"]
    assert reason.startswith("camden_small_bomb.xlsx: xl/worksheets/sheet1.xml inflates to 50 MB, ")
    assert reason.endswith("times its compressed size, over the limit of 200 times (a zip bomb?)")
    assert_good_files_loaded(db)


@pytest.mark.parametrize(
    ("cells", "claim"),
    [
        ([("XFD1048576", "x")], "1,048,576 rows x 16,384 columns"),
        ([("A1", "System name"), ("XFD1048576", "x")], "1,048,576 rows x 16,384 columns"),
        ([("A1048576", "x")], "1,048,576 rows x 1 columns"),
    ],
    ids=["one-far-cell", "a1-and-far-cell", "one-value-at-A1048576"],
)
def test_a_tiny_workbook_claiming_a_huge_sheet_is_refused_before_the_grid_is_built(tmp_path, cells, claim):
    surveys, contracts = corpus.good_inputs(tmp_path)
    corpus.sparse_xlsx(surveys / "camden_far.xlsx", cells)
    assert (surveys / "camden_far.xlsx").stat().st_size < 2000
    db = tmp_path / "out.duckdb"
    args = ["--surveys", str(surveys), "--contracts", str(contracts), "--out", str(db)]
    proc = subprocess.run([sys.executable, "-m", "etl", "build", *args], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert file_row(db, "camden_far.xlsx")["reason"] == f"camden_far.xlsx: sheet 'Systems' claims {claim}, {LIMITS}" + (
        "; delete the stray cells far below or right of the table and send it again"
    )
    assert_good_files_loaded(db)


def test_an_ods_repeating_a_row_a_million_times_is_refused(tmp_path):
    surveys, _ = corpus.good_inputs(tmp_path)
    corpus.repeated_rows_ods(surveys / "camden_repeated.ods")
    db, _ = build_all(tmp_path)
    assert (
        f"sheet 'Systems' claims 1,000,001 rows x 2 columns, {LIMITS}" in file_row(db, "camden_repeated.ods")["reason"]
    )
    assert_good_files_loaded(db)


def test_a_workbook_within_the_limits_still_reads(tmp_path):
    """The hand-made workbook of the cases above, with its cells where a table's are: it loads."""
    surveys, _ = corpus.good_inputs(tmp_path)
    cells = [("A1", "Borough"), ("B1", "System name"), ("C1", "Supplier"), ("A2", "Hackney"), ("B2", "Mosaic")]
    corpus.sparse_xlsx(surveys / "hackney_sparse.xlsx", [*cells, ("C2", "Servelec"), ("C900", "Civica")])
    db, _ = build_all(tmp_path)
    row = file_row(db, "hackney_sparse.xlsx")
    assert (row["status"], row["loaded"]) == ("loaded with gaps", 2)
    assert_good_files_loaded(db)


ERROR_ROWS = [["Camden", "Mosaic", ("#N/A",), "Adult Social Care", ("#VALUE!",), 1000]]


@pytest.mark.parametrize("write", [corpus.error_cells_xls, corpus.error_cells_ods], ids=["xls", "ods"])
def test_error_cells_calamine_reads_as_blank_are_put_back(tmp_path, write):
    path = write(tmp_path / f"camden.{write.__name__[-3:]}", ERROR_ROWS)
    blank = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert blank[1][2] == blank[1][4] == ""  # the premise: calamine alone says nothing of them
    (sheet,) = read_workbook(path).sheets
    assert sheet.rows[1][:5] == ["Camden", "Mosaic", "#N/A", "Adult Social Care", "#VALUE!"]
    assert sheet_errors(path) == ({"Systems": {(1, 2): "#N/A", (1, 4): "#VALUE!"}}, None)


def test_an_ods_error_row_repeated_is_an_error_in_each_repeat_and_a_huge_repeat_is_bounded(tmp_path):
    path = corpus.error_cells_ods(tmp_path / "camden.ods", ERROR_ROWS, repeat_last=3)
    assert sorted(sheet_errors(path)[0]["Systems"]) == [(r, c) for r in (1, 2, 3) for c in (2, 4)]
    huge = corpus.error_cells_ods(tmp_path / "huge.ods", ERROR_ROWS, repeat_last=5_000_000)
    assert len(sheet_errors(huge)[0]["Systems"]) == 2 * (MAX_SHEET_ROWS - 1)


def test_a_file_that_is_not_what_its_suffix_says_has_no_error_cells_rather_than_a_crash(tmp_path):
    (tmp_path / "odd.xls").write_bytes(b"not a workbook")
    (tmp_path / "odd.ods").write_bytes(b"PK\x03\x04 not a zip")
    found, problem = sheet_errors(tmp_path / "odd.xls")
    assert found == {} and "could not be looked for" in problem and "XLRDError" in problem
    assert sheet_errors(tmp_path / "odd.ods") == ({}, None)  # not a package: nothing to look in


def test_a_return_whose_error_cells_could_not_be_looked_for_says_so_in_its_report(tmp_path):
    """An .xlsx named .xls: calamine reads it by its content, xlrd cannot; error cells in it would be
    blanks no one hears of, so the file's notes (load_files.notes, the build's report) say so."""
    xlsx = corpus.survey_workbook(tmp_path / "camden.xlsx", [["Camden", "Mosaic", "Liquidlogic", "Adult Social Care"]])
    misnamed = xlsx.rename(tmp_path / "camden.xls")
    result = read_survey(misnamed)
    assert result.error is None and result.records  # read, all the same
    assert any("could not be looked for" in n and "read as blank" in n for n in result.notes), result.notes
