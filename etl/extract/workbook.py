"""Open any spreadsheet a borough sends (.xlsx, .xlsm, .xls, .ods, .csv) as sheets of cell rows.

python-calamine reads every workbook format, and 6-15x faster than openpyxl. Its cells are
made to look like openpyxl's (blank is None, a whole number is an int, a date is a datetime)
so the same return reads the same in any format. A CSV is one sheet of text, as Excel would
export it. The workbook's keywords (the sample generator's mark) and its created and modified
dates (when a return gives no date of its own) come from an .xlsx/.xlsm package's core
properties, which calamine does not read; other formats give none.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import python_calamine

from etl.extract.csvfile import decode_bytes
from etl.extract.sheet_errors import sheet_errors
from etl.extract.workbook_limits import TooLarge, check_package, grid_problem

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
CSV_SUFFIXES = {".csv"}
SUFFIXES = WORKBOOK_SUFFIXES | CSV_SUFFIXES


@dataclass
class Sheet:
    """One visible sheet: its rows of cells and its merged ranges, 0-based (r0, c0, r1, c1) inclusive."""

    name: str
    rows: list[list[object]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Properties:
    """A workbook's core properties that the reader uses; empty when the format has none."""

    keywords: str = ""
    created: dt.datetime | None = None
    modified: dt.datetime | None = None


@dataclass
class Workbook:
    """The visible sheets of a return, and its core properties (empty when the format has none)."""

    sheets: list[Sheet]
    properties: Properties = field(default_factory=Properties)
    notes: list[str] = field(default_factory=list)  # what could not be read of it, for the file's report

    @property
    def keywords(self) -> str:
        return self.properties.keywords


def read_workbook(path: Path) -> Workbook:
    """Every visible sheet of ``path``; raises ``TooLarge`` for a workbook past the limits of
    ``etl.extract.workbook_limits`` (checked before it is read), ``python_calamine.CalamineError``,
    ``csv.Error`` or ``UnicodeDecodeError`` on a broken file (the caller says so to the borough)."""
    if path.suffix.lower() in CSV_SUFFIXES:
        return Workbook([Sheet(path.stem, _csv_rows(path))])
    errors = check_package(path) if zipfile.is_zipfile(path) else {}
    with open(path, "rb") as f:  # from_filelike reads the content, whatever the file is named
        book = python_calamine.CalamineWorkbook.from_filelike(f)
    sheets = []
    for meta in book.sheets_metadata:
        if meta.visible != python_calamine.SheetVisibleEnum.Visible:
            continue
        sheet = book.get_sheet_by_name(meta.name)
        end = sheet.end or (-1, -1)  # rows are read from A1, so the grid runs to the last cell
        if problem := grid_problem(path.name, meta.name, end[0] + 1, end[1] + 1):
            raise TooLarge(problem)
        # text (most cells) is kept as it is and a blank ("") is None without a call per cell; the rest go
        # through _cell
        grid = sheet.to_python(skip_empty_area=False)
        rows = [[(v or None) if type(v) is str else _cell(v) for v in row] for row in grid]
        merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []]
        sheets.append(Sheet(meta.name, rows, merged))
    found, problem = sheet_errors(path)  # .xls and .ods, once calamine has shown the sheets are within limits
    errors |= found
    for s in sheets:
        _restore_errors(s.rows, errors.get(s.name, {}))
    return Workbook(sheets, read_properties(path), [problem] if problem else [])


def _restore_errors(rows: list[list[object]], errors: dict[tuple[int, int], str]) -> None:
    """Put back the error cells ("#REF!", "#N/A") calamine reads as blank, so the reader warns of them
    as it does of errors typed or exported as text, instead of a blank no one hears of."""
    for (r, c), text in errors.items():
        if r < len(rows) and c < len(rows[r]) and rows[r][c] is None:
            rows[r][c] = text


def _cell(value: object) -> object:
    """A calamine cell as openpyxl gives it: None for blank, int for a whole number, datetime for a date."""
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time())
    return value


def _csv_rows(path: Path) -> list[list[object]]:
    """A CSV's rows as text (blank cells None), in the encoding that reads it, comma or semicolon."""
    text, _ = decode_bytes(path.read_bytes(), path.name, errors="strict")  # UTF-16 read, NUL bytes refused
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [[v if v.strip() else None for v in row] for row in csv.reader(io.StringIO(text, newline=""), dialect)]


CORE = "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}"
DCTERMS = "{http://purl.org/dc/terms/}"


def read_properties(path: Path) -> Properties:
    """Keywords, created and modified of an .xlsx/.xlsm's docProps/core.xml; empty for other formats."""
    if not zipfile.is_zipfile(path):
        return Properties()
    with zipfile.ZipFile(path) as z:
        if "docProps/core.xml" not in z.namelist():
            return Properties()
        root = ElementTree.fromstring(z.read("docProps/core.xml"))
    keywords = root.find(f"{CORE}keywords")
    return Properties(
        keywords=(keywords.text or "") if keywords is not None else "",
        created=_w3cdtf(root.find(f"{DCTERMS}created")),
        modified=_w3cdtf(root.find(f"{DCTERMS}modified")),
    )


def _w3cdtf(element: ElementTree.Element | None) -> dt.datetime | None:
    """A core-properties date ("2026-03-03T09:00:00Z"), naive; None when absent or unreadable."""
    text = (element.text or "").strip() if element is not None else ""
    try:
        stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp.replace(tzinfo=None)
