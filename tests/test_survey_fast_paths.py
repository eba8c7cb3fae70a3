"""The survey reader's fast paths (issue 14) give what the general paths they skip give: the worksheet
scan by references, and the per-row parsing done once per distinct cells."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
from hypothesis import example, given
from hypothesis import strategies as st

from etl.extract import survey, workbook_limits
from etl.extract.workbook_limits import _TAG, Extent, _scan, _scan_tags
from tests.test_parsers_never_raise import runs

ROOT = Path(__file__).resolve().parent.parent

# tags as Excel writes them, and as a hand-made or hostile file may: no reference, a row-only one, two
# references, a prefixed name, a NUL, a cell inside a row tag, a reference past the grid
GOOD = [b'<row r="3">', b"<row>", b"</row>", b'<c r="B7">', b'<c r="B7"/>', b'<c r="AA10" s="1">', b'<c r="C12" />',
        b"<v>1</v></c>", b'<c r="A1" t="e"><v>#REF!</v></c>', b'<x:c r="D4" s="2">']  # fmt: skip
ODD = [b"<row r=''>", b'<c r="7">', b'<c r="">', b'<c r="B">', b"<c>", b'<c r="A1" r="C9">', b'<c r="5" r="A1">',
       b'<c xr="A1">', b'<c r="ABCD1">', b'<c r="Z0001"/ >', b'<c\tr="C3"\t/>', b'<row <c r="A1">',
       b'<c r="A1"\x00r="B2">', b'<cc r="A1">', b"<c/>", b'<c r="XFD1048576">', b'<c r="A1"/ / >']  # fmt: skip


def _both(data: bytes, row: int, column: int) -> tuple[Extent, Extent]:
    fast, walked = Extent(_row=row, _column=column), Extent(_row=row, _column=column)
    _scan(data, fast)
    if b't="e"' in data:
        workbook_limits._errors(data, walked)
    _scan_tags(_TAG.findall(data), walked)
    return fast, walked


@given(st.lists(st.sampled_from(GOOD), max_size=14), st.integers(0, 9), st.integers(0, 9))
@example([b'<c r="B7">', b"<v>1</v></c>", b"</row>", b"<row>"], 0, 0)  # row tags after the last cell
@runs(400)
def test_cells_placed_by_their_references_span_what_the_tag_walk_finds(tags, row, column):
    fast, walked = _both(b"".join(tags), row, column)
    assert fast == walked


@given(st.lists(st.sampled_from(GOOD + ODD), max_size=14), st.integers(0, 9), st.integers(0, 9))
@runs(600)
def test_any_other_tags_span_what_the_tag_walk_finds(tags, row, column):
    fast, walked = _both(b"".join(tags), row, column)
    assert fast == walked


def test_a_saved_workbook_spans_what_the_tag_walk_finds(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    for r in range(1, 40):
        sheet.append([f"System {r}", r * 1.5, None, dt.date(2027, 3, 31)][: 1 + r % 4])
    sheet["H60"] = "far right and below"
    book.save(tmp_path / "return.xlsx")
    data = zipfile.ZipFile(tmp_path / "return.xlsx").read("xl/worksheets/sheet1.xml")
    fast, walked = _both(data, 0, 0)
    assert fast == walked and (fast.rows, fast.columns) == (60, 8)


def test_past_the_cell_limit_the_tag_walk_decides(monkeypatch):
    monkeypatch.setattr(workbook_limits, "MAX_SHEET_CELLS", 3)
    fast, walked = _both(b'<c r="A1"></c><c r="B1"></c><c r="C1"></c><c r="D9"></c><c r="E2"></c>', 0, 0)
    assert fast == walked and fast.rows > workbook_limits.MAX_SHEET_ROWS


CELL = st.none() | st.booleans() | st.integers(-3, 3) | st.floats(-2, 7) | st.sampled_from(
    ["", "TBC", "31/03/2027", "+1+1", "2 x 12 months", "High", "Cloud", "\u00a345k", "#REF!", "3"]
) | st.datetimes(dt.datetime(1970, 1, 1), dt.datetime(2110, 1, 1))  # fmt: skip


@given(st.lists(st.tuples(CELL, CELL, CELL), min_size=1, max_size=6))
@example([(1, None, None), (1.0, None, None), (True, None, None)])  # equal keys untyped, not the same cell
@runs(300)
def test_terms_parsed_once_per_distinct_cells_are_parsed_afresh(rows):
    for start, end, ext in rows:
        assert survey._term_fields(start, end, ext) == survey._term_fields.__wrapped__(start, end, ext)


@given(st.lists(st.tuples(CELL, CELL, CELL, CELL), min_size=1, max_size=6))
@example([(None, 3, 3.0, True), (None, 3.0, 3, 1)])
@runs(300)
def test_hosting_and_scores_parsed_once_per_distinct_cells_are_parsed_afresh(rows):
    for cells in rows:
        assert survey._hosting_and_score_fields(*cells) == survey._hosting_and_score_fields.__wrapped__(*cells)


def test_a_cell_that_cannot_be_a_cache_key_is_still_read():
    warnings: list[str] = []
    fields = survey._term({"contract_start": ["not", "hashable"], "contract_end": "31/03/2027"}, warnings)
    assert fields["end_date"] == dt.date(2027, 3, 31) and fields["start_date"] is None
    assert warnings and warnings[0].startswith("contract start")


@given(
    st.lists(
        st.lists(CELL | st.sampled_from([" A &amp; B ", "Caf\u00c3\u00a9", "x" * 300, "\t"]), max_size=5), max_size=6
    )
)
@runs(200)
def test_row_texts_cleaned_once_per_distinct_text_are_each_cells_text(rows):
    assert survey._row_texts(rows) == [[survey._text(v) for v in row] for row in rows]


def test_the_reader_imports_no_xls_or_decryption_library_until_a_file_needs_one():
    code = "import sys, etl.extract.survey; print(sorted({'xlrd', 'msoffcrypto'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "[]"
