"""Where an .xls or .ods holds spreadsheet error values ("#REF!", "#N/A"), which calamine reads as blank.

python-calamine turns every error cell into an empty one (its CellValue has no error case), so a
"#REF!" where a supplier's name should be would load as a silent blank. For .xlsx the package scan
in ``workbook_limits`` finds them; this module does the same for the two other workbook formats, so
the reader can put the error text back and warn of it like any typed "#N/A":

- .xls (BIFF): xlrd, which reports error cells (and formulas whose result is an error) as such;
- .ods: the sheet XML streamed, following LibreOffice's ``calcext:value-type="error"`` cells through
  row and column repeats.

Both are read only after calamine has read the workbook within the limits, so the file is known to
be small enough. Positions are 0-based (row, column) from A1, as calamine's rows are.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree

from etl.extract.workbook_limits import MAX_SHEET_CELLS, MAX_SHEET_ROWS

Errors = dict[str, dict[tuple[int, int], str]]  # sheet name -> {(row, column): "#REF!"}

TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
CALCEXT_TYPE = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}value-type"
CELLS = {f"{TABLE}table-cell", f"{TABLE}covered-table-cell"}
MAX_COLUMNS = 16_384  # Excel's and LibreOffice's widest sheet; repeats past it are formatting only


def sheet_errors(path: Path) -> tuple[Errors, str | None]:
    """The error cells of an .xls or .ods (none for other formats), and why they could not be
    looked for, if so: calamine has already read the file, so it is not broken, only unusual, but
    then an error cell reads as a blank and the build must say that it could not tell."""
    suffix = path.suffix.lower()
    unusual: tuple[type[Exception], ...] = (ElementTree.ParseError, zipfile.BadZipFile, KeyError, ValueError, OSError)
    try:
        if suffix == ".xls":
            import xlrd  # here, not above: most returns are .xlsx, and xlrd is a third of the reader's imports

            unusual += (xlrd.XLRDError,)
            return xls_errors(path), None
        if suffix == ".ods" and zipfile.is_zipfile(path):
            return ods_errors(path), None
    except unusual as exc:
        return {}, (
            f"spreadsheet error cells (#REF!, #N/A) could not be looked for ({type(exc).__name__}: "
            f"{str(exc)[:120]}): any there read as blank cells, without a warning"
        )
    return {}, None


def xls_errors(path: Path) -> Errors:
    """Error cells of each sheet of a BIFF workbook, by xlrd (which keeps what calamine drops)."""
    import xlrd

    out: Errors = {}
    book = xlrd.open_workbook(path, on_demand=True, formatting_info=False)
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            found = {}
            for r in range(min(sheet.nrows, MAX_SHEET_ROWS)):
                for c, kind in enumerate(sheet.row_types(r)):
                    if kind == xlrd.XL_CELL_ERROR:
                        code = sheet.cell_value(r, c)
                        found[(r, c)] = xlrd.error_text_from_code.get(code, "#ERROR!")
            if found:
                out[sheet.name] = found
            book.unload_sheet(index)
    finally:
        book.release_resources()
    return out


def ods_errors(path: Path) -> Errors:
    """Error cells of each table in an .ods's content.xml, streamed (elements cleared as they end)."""
    out: Errors = {}
    with zipfile.ZipFile(path) as z, z.open("content.xml") as f:
        sheet, row, column, found, in_row = "", 0, 0, {}, {}
        for event, el in ElementTree.iterparse(f, events=("start", "end")):
            if event == "start":
                if el.tag == f"{TABLE}table":
                    sheet, row, found = el.get(f"{TABLE}name") or "", 0, {}
                elif el.tag == f"{TABLE}table-row":
                    column, in_row = 0, {}
                continue
            if el.tag in CELLS:
                column = _ods_cell(el, column, in_row)
            elif el.tag == f"{TABLE}table-row":
                repeat = _repeat(el.get(f"{TABLE}number-rows-repeated"), MAX_SHEET_ROWS + 1)
                _place(found, in_row, row, repeat)
                row += repeat
                el.clear()
            elif el.tag == f"{TABLE}table" and found:
                out[sheet] = found
    return out


def _ods_cell(el: ElementTree.Element, column: int, in_row: dict[int, str]) -> int:
    """Note an error cell of the row (each of its column repeats) and give the column after it."""
    repeat = _repeat(el.get(f"{TABLE}number-columns-repeated"), MAX_COLUMNS)
    if el.get(CALCEXT_TYPE) == "error":
        text = "".join(p.text or "" for p in el.iter(f"{TEXT}p")).strip() or "#ERROR!"
        for c in range(column, min(column + repeat, MAX_COLUMNS)):
            in_row[c] = text[:20]
    return column + repeat


def _place(found: dict, in_row: dict[int, str], row: int, repeat: int) -> None:
    """A row's error cells at each row it repeats into, within the sheet limits."""
    for r in range(row, min(row + repeat, MAX_SHEET_ROWS)):
        for c, text in in_row.items():
            if len(found) >= MAX_SHEET_CELLS:
                return
            found[(r, c)] = text


def _repeat(value: str | None, cap: int) -> int:
    """A repeat count attribute, 1 when absent or unreadable, at most ``cap``."""
    try:
        return max(1, min(int(value or 1), cap))
    except ValueError:
        return 1
