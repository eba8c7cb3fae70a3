"""A return sent as .xls, .ods or .csv loads the same rows as the same return in .xlsx.

Each test return is a sample-generator .xlsx converted here: .xls with xlwt (merged headers
kept), .ods with pandas' odf writer (no merges: only returns without merged headers), .csv with
the csv module (one sheet, dates as Excel shows them). Broken files of each format are refused
with the file named.
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlwt

from etl.build import survey_files
from etl.extract.survey import read_survey

# what names the file itself differs between formats; everything else must be equal
# and the return's date: the sample's .xlsx carry it in their core properties, the copies made here do not
FILE_FIELDS = {"source_ref", "source_file", "record_id", "return_date"}
TWO_ROW = "barking_and_dagenham_survey_return.xlsx"  # cover sheet, two-row header, five merged ranges
MERGED = "LBHF Tech Survey FINAL v2.xlsx"  # header merged across two columns, borough from the file name
TEMPLATE = "camden_survey_return.xlsx"  # three sheets, borough in cell B4
COLUMN = "Brent Tech Survey FINAL v2.xlsx"  # one sheet, a Borough column
FILENAME = "tower_hamlets_systems_2019.xlsx"  # one sheet, borough from the file name


@pytest.fixture(scope="module")
def returns(sample_inputs) -> Path:
    return sample_inputs.surveys


def _sheets(src: Path):
    wb = openpyxl.load_workbook(src, data_only=True)
    return [(ws.title, [list(r) for r in ws.iter_rows(values_only=True)], ws.merged_cells.ranges) for ws in wb]


def to_xls(src: Path, dst: Path) -> Path:
    book, date_style = xlwt.Workbook(), xlwt.easyxf(num_format_str="dd/mm/yyyy")
    for title, rows, merged in _sheets(src):
        ws = book.add_sheet(title)
        covered = set()
        for rng in merged:
            value = rows[rng.min_row - 1][rng.min_col - 1]
            ws.write_merge(rng.min_row - 1, rng.max_row - 1, rng.min_col - 1, rng.max_col - 1, value)
            covered |= {(r - 1, c - 1) for r, c in rng.cells}
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None and (r, c) not in covered:
                    ws.write(r, c, value, date_style) if isinstance(value, dt.datetime) else ws.write(r, c, value)
    book.save(str(dst))
    return dst


def to_ods(src: Path, dst: Path) -> Path:
    with pd.ExcelWriter(dst, engine="odf") as writer:
        for title, rows, merged in _sheets(src):
            assert not merged, "pandas' odf writer keeps no merged cells"
            pd.DataFrame(rows).to_excel(writer, sheet_name=title, header=False, index=False)
    return dst


def to_csv(src: Path, dst: Path) -> Path:
    (_, rows, _), *others = _sheets(src)
    assert not others, "a CSV holds one sheet"
    with open(dst, "w", newline="", encoding="utf-8-sig") as f:
        csv.writer(f).writerows(
            [v.strftime("%d/%m/%Y") if isinstance(v, dt.datetime) else v for v in row] for row in rows
        )
    return dst


def _rows(result) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in FILE_FIELDS} for r in result.records]


def _accounting(result) -> tuple:
    return result.status, result.borough_code, result.records_read, dict(result.skipped), len(result.rejects)


@pytest.mark.parametrize(
    ("name", "convert"),
    [
        (TWO_ROW, to_xls),
        (MERGED, to_xls),
        (TEMPLATE, to_xls),
        (TEMPLATE, to_ods),
        (FILENAME, to_ods),
        (COLUMN, to_csv),
        (FILENAME, to_csv),
    ],
)
def test_other_formats_load_the_same_rows_as_xlsx(returns, tmp_path, name, convert):
    src = returns / name
    suffix = {to_xls: ".xls", to_ods: ".ods", to_csv: ".csv"}[convert]
    other = read_survey(convert(src, tmp_path / Path(name).with_suffix(suffix).name))
    xlsx = read_survey(src)
    assert other.error is None
    assert len(xlsx.records) >= 5
    assert _rows(other) == _rows(xlsx)
    assert _accounting(other) == _accounting(xlsx)
    assert other.mapped_fields == xlsx.mapped_fields
    assert {r["return_date"] for r in xlsx.records} == {dt.date(2019, 6, 28)}  # the sample's date
    # a copy keeps a return's dated cover cell (Barking and Dagenham's); .xls, .ods and .csv give no properties
    from_cell = name == TWO_ROW
    assert (other.return_date_from, other.return_date) == (
        ("template cell", dt.date(2019, 6, 28)) if from_cell else (None, None)
    )
    assert {r["return_date"] for r in other.records} == {other.return_date}
    if convert is not to_csv:  # a CSV's one sheet is named after the file
        assert other.headers == xlsx.headers


def test_xls_keeps_a_two_row_merged_header(returns, tmp_path):
    result = read_survey(to_xls(returns / TWO_ROW, tmp_path / "bd.xls"))
    headers = {h["column"]: h["header"] for h in result.headers}
    merged = openpyxl.load_workbook(returns / TWO_ROW)["ICT Systems"]["E1"].value
    assert headers["F"].startswith(f"{merged} / ")


def test_csv_in_excel_encoding_with_semicolons_is_read(tmp_path):
    path = tmp_path / "camden_return.csv"
    path.write_bytes(
        "System;Supplier;Service area;Annual cost (£)\nMosaic;Servelec;Adult social care;£1,200\n".encode("cp1252")
    )
    result = read_survey(path)
    assert result.error is None
    rec = result.records[0]
    assert (rec["borough_code"], rec["system_raw"], rec["supplier_raw"], rec["annual_value"]) == (
        "E09000007",
        "Mosaic",
        "Servelec",
        1200.0,
    )


def _broken(tmp_path: Path) -> dict[str, Path]:
    ods = tmp_path / "camden.ods"
    with zipfile.ZipFile(ods, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    files = {"ods": ods, "xls": tmp_path / "camden.xls", "csv": tmp_path / "camden.csv", "txt ods": tmp_path / "x.ods"}
    files["xls"].write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    files["csv"].write_bytes(b"System,Supplier\n\x81\x8d,\x90\n")  # bytes neither UTF-8 nor cp1252
    files["txt ods"].write_text("not a spreadsheet")
    return files


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("ods", "camden.ods: not a readable spreadsheet ("),
        ("xls", "camden.xls: not a readable spreadsheet ("),
        ("csv", "camden.csv: not a readable spreadsheet (UnicodeDecodeError"),
        ("txt ods", "x.ods: not an OpenDocument spreadsheet (.ods); the file is not a zip package"),
    ],
)
def test_broken_files_of_each_format_are_refused_with_the_file_named(tmp_path, kind, message):
    result = read_survey(_broken(tmp_path)[kind])
    assert result.status == "rejected"
    assert result.error.startswith(message)


def test_build_reads_every_format_from_a_survey_folder(tmp_path):
    for name in ("a.xlsx", "b.xlsm", "c.xls", "d.ods", "e.csv", "f.txt", "g.XLS"):
        (tmp_path / name).write_text("x")
    workbooks, others = survey_files(tmp_path)
    assert [p.name for p in workbooks] == ["a.xlsx", "b.xlsm", "c.xls", "d.ods", "e.csv", "g.XLS"]
    assert [p.name for p in others] == ["f.txt"]
