"""Checks made on a workbook before calamine reads it, so a small hostile file cannot take the build down.

An .xlsx/.xlsm/.ods is a zip: a 2 MB zip can inflate to 2 GB, and calamine builds each sheet as a
dense grid from its first to its last cell, so a 1.5 KB workbook with cells at A1 and XFD1048576
asks for 17 billion cells (calamine then aborts the whole process, nothing to catch). So, before
calamine: the zip's declared sizes and each member's compression ratio are checked, every member
is inflated once in bounded chunks (zipfile stops at the declared size and checks the CRC, so a
lying header fails too), and each .xlsx worksheet's cells are scanned for the grid they span. After
calamine has a sheet (every format, .xls and .ods included), its extent is checked again before
any Python rows are built. Limits: ``MAX_INFLATED_MB``, ``MAX_RATIO``, ``MAX_SHEET_ROWS``,
``MAX_SHEET_CELLS``.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

MB = 1024 * 1024
MAX_INFLATED_MB = 256  # all members of one workbook, inflated
MAX_RATIO = 200  # inflated / compressed, for a member over RATIO_FLOOR_MB inflated
RATIO_FLOOR_MB = 1
MAX_SHEET_ROWS = 100_000  # a borough runs a few hundred systems, a register a few thousand contracts
MAX_SHEET_CELLS = 2_000_000  # rows x columns of the grid read from one sheet
CHUNK = 1 << 20

# a row or cell start tag, with or without a namespace prefix; its attributes; "/" when self-closing
_TAG = re.compile(rb"<(?:[\w.-]+:)?(row|c)(?=[\s>/])([^>]*)>")
_REF = re.compile(rb'\br="([A-Z]{1,3})?([0-9]{1,7})?"')
_R_ATTR = re.compile(rb'\br="([0-9]{1,7})"')


class TooLarge(ValueError):
    """The workbook would inflate or spread past a limit; the message says which, for the sender."""


@dataclass
class Extent:
    """What a worksheet's cells span: the last row and column holding a value (1-based) and the count."""

    rows: int = 0
    columns: int = 0
    cells: int = 0
    _row: int = 0
    _column: int = 0
    # typed error cells (t="e": "#REF!", "#N/A"), which calamine reads as blank: (row, column) 0-based -> text
    errors: dict[tuple[int, int], str] = field(default_factory=dict)


def grid_problem(name: str, sheet: str, rows: int, columns: int) -> str | None:
    """The reason a sheet of ``rows`` x ``columns`` is refused, or None when it is within the limits."""
    if rows <= MAX_SHEET_ROWS and rows * columns <= MAX_SHEET_CELLS:
        return None
    return (
        f"{name}: sheet {sheet!r} claims {rows:,} rows x {columns:,} columns, over the limit of"
        f" {MAX_SHEET_ROWS:,} rows and {MAX_SHEET_CELLS:,} cells; delete the stray cells far below or"
        " right of the table and send it again"
    )


def check_package(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """Raise TooLarge (or zipfile.BadZipFile) for a zip workbook that would inflate or spread too far;
    else give each .xlsx sheet's typed error cells (sheet name -> {(row, column): "#REF!"})."""
    name = path.name
    with zipfile.ZipFile(path) as z:
        members = z.infolist()
        total = sum(m.file_size for m in members)
        if total > MAX_INFLATED_MB * MB:
            raise TooLarge(f"{name}: inflates to {total / MB:,.0f} MB, over the limit of {MAX_INFLATED_MB} MB")
        for m in members:
            ratio = m.file_size / max(m.compress_size, 1)
            if m.file_size > RATIO_FLOOR_MB * MB and ratio > MAX_RATIO:
                raise TooLarge(
                    f"{name}: {m.filename} inflates to {m.file_size / MB:,.0f} MB, {ratio:,.0f} times its"
                    f" compressed size, over the limit of {MAX_RATIO} times (a zip bomb?)"
                )
        sheets, errors = _sheet_names(z), {}
        for m in members:
            extent = _inflate(z, m, scan=m.filename in sheets)
            if extent is not None and (problem := grid_problem(name, sheets[m.filename], extent.rows, extent.columns)):
                raise TooLarge(problem)
            if extent is not None and extent.errors:
                errors[sheets[m.filename]] = extent.errors
    return errors


def _inflate(z: zipfile.ZipFile, member: zipfile.ZipInfo, scan: bool) -> Extent | None:
    """Inflate a member in bounded chunks (checking its size and CRC); a worksheet's cells are scanned."""
    extent = Extent() if scan else None
    tail = b""
    with z.open(member) as f:
        while chunk := f.read(CHUNK):
            if extent is None:
                continue
            data = tail + chunk
            cut = max(data.rfind(b"<c "), data.rfind(b"<row"))  # whole cells, value and all, before the cut
            cut = cut if cut >= 0 else data.rfind(b"<")
            data, tail = (data[:cut], data[cut:]) if cut >= 0 else (data, b"")
            _scan(data, extent)
            if extent.cells > MAX_SHEET_CELLS:
                break  # too many cells whatever their places: the grid check refuses it
    if extent is not None and tail:
        _scan(tail, extent)
    return extent


def _scan(data: bytes, extent: Extent) -> None:
    """Follow row and cell tags as calamine places them: by their r="..." reference, else next in line."""
    if b't="e"' in data:
        _errors(data, extent)
    tags = _TAG.findall(data)
    if b"\x00" in data or not _scan_referenced(tags, extent):  # NUL: the byte that parts cells below
        _scan_tags(tags, extent)


# a full reference ("B7") in cell tags' attributes joined with NUL, and the rest of that tag's attributes
_FULL_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"([^\x00]*)')


def _scan_referenced(tags: list[tuple[bytes, bytes]], extent: Extent) -> bool:
    """``_scan_tags`` in a few C calls where every cell tag names its place (as Excel writes them), so
    no row tag or order places a cell; False, having changed nothing, for anything else."""
    cells = [attributes for tag, attributes in tags if tag == b"c"]
    joined = b"\x00".join(cells)
    refs = _FULL_REF.findall(joined)  # at most one per cell: a match runs to the cell's end
    if not cells or len(refs) != len(cells) or joined.count(b'r="') != len(cells):
        return False  # a cell without a full reference, or with a second r="..." to choose from
    valued = [(letters, row) for letters, row, rest in refs if not rest.rstrip().endswith(b"/")]
    if extent.cells + len(valued) > MAX_SHEET_CELLS:
        return False
    extent._row, extent._column = int(refs[-1][1]), _column_number(refs[-1][0])
    if valued:
        extent.cells += len(valued)
        extent.rows = max(extent.rows, max(int(row) for row in {row for _, row in valued}))
        extent.columns = max(extent.columns, max(_column_number(letters) for letters in {c for c, _ in valued}))
    after = next(i for i, (tag, _) in enumerate(reversed(tags)) if tag == b"c")
    _scan_tags(tags[len(tags) - after :], extent)  # row tags after the last cell: where the next chunk's cells go
    return True


def _scan_tags(tags: list[tuple[bytes, bytes]], extent: Extent) -> None:
    """Follow the tags one by one, as calamine does."""
    for tag, attributes in tags:
        if tag == b"row":
            found = _R_ATTR.search(attributes)
            extent._row = int(found[1]) if found else extent._row + 1
            extent._column = 0
            continue
        ref = _REF.search(attributes)
        extent._column = _column_number(ref[1]) if ref and ref[1] else extent._column + 1
        if ref and ref[2]:
            extent._row = int(ref[2])
        if attributes.rstrip().endswith(b"/"):
            continue  # <c r="A9" s="1"/>: formatted, no value; calamine skips it
        extent.cells += 1
        extent.rows = max(extent.rows, extent._row)
        extent.columns = max(extent.columns, extent._column)
        if extent.cells > MAX_SHEET_CELLS:
            extent.rows = max(extent.rows, MAX_SHEET_ROWS + 1)  # over the limit whatever the places
            return


# a typed error cell with its reference, an optional formula, and its cached value: <c r="B7" t="e"><v>#N/A</v>
_ERROR_CELL = re.compile(
    rb'<(?:[\w.-]+:)?c\s[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>]*?\bt="e"[^>]*>'
    rb"(?:\s*<(?:[\w.-]+:)?f\b[^>]*?(?:/>|>[^<]*</(?:[\w.-]+:)?f>))?\s*<(?:[\w.-]+:)?v>([^<]{1,20})<"
)


def _errors(data: bytes, extent: Extent) -> None:
    """Note where typed error cells are, and what they say (at most MAX_SHEET_CELLS of them)."""
    for letters, row, text in _ERROR_CELL.findall(data):
        if len(extent.errors) < MAX_SHEET_CELLS:
            extent.errors[(int(row) - 1, _column_number(letters) - 1)] = text.decode("utf-8", "replace")


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
OFFICE_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _sheet_names(z: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet member -> sheet name of an .xlsx/.xlsm (the member path where the workbook does not
    say); {} for an .ods, whose extent calamine's own check covers."""
    members = {m.filename for m in z.infolist()}
    sheets = {m: posixpath.basename(m) for m in members if re.fullmatch(r"xl/worksheets/[^/]+\.xml", m)}
    if {"xl/workbook.xml", "xl/_rels/workbook.xml.rels"} <= members:
        try:
            rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels")).iter(RELS)
            targets = {r.get("Id"): _member(r.get("Target") or "") for r in rels}
            for sheet in ElementTree.fromstring(z.read("xl/workbook.xml")).iter(f"{MAIN}sheet"):
                member = targets.get(sheet.get(OFFICE_REL), "")
                if member in sheets:
                    sheets[member] = sheet.get("name") or sheets[member]
        except ElementTree.ParseError:
            pass  # calamine will say what is wrong with it
    return sheets


def _member(target: str) -> str:
    """A relationship's target as a member path: absolute ("/xl/worksheets/sheet1.xml") or relative to xl/."""
    return target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
