"""Read one borough's survey return (.xlsx) into contract records.

Real returns drift from the template: title rows above the header, renamed or merged
headers, several sheets, totals and blank rows, dates and money as text. The reader finds the
header row on each sheet by how many cells name a known field (see ``survey_fields``), finds
the borough (a Borough column, a labelled cover cell, a title, or the file name), and accounts
for every row below the header: loaded, rejected with a reason, or skipped (blank, totals).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import msoffcrypto
import openpyxl
from openpyxl.utils import get_column_letter

from etl.extract.result import SAMPLE_KEYWORD, ReadResult
from etl.extract.survey_fields import BOROUGH_FIELD, field_for_header
from etl.normalise.names import canonical_system, clean_text
from etl.normalise.values import parse_date, parse_extension, parse_hosting, parse_money, parse_scale
from etl.records import new_record, stable_id
from etl.reference import add_months, borough_code, borough_names, find_borough_in_text, norm_key, service_area

SOURCE = "survey"

HEADER_SCAN_ROWS = 30
MIN_HEADER_FIELDS = 3
KEY_FIELDS = {"system_name", "supplier"}  # a table of systems names at least one of these
BOROUGH_LABELS = {
    "borough",
    "council",
    "local authority",
    "authority",
    "organisation",
    "borough name",
    "organisation name",
}
# sheets a return is expected to carry beside its table; they are read for the borough only
AUXILIARY_SHEETS = {"instructions", "lists", "guidance", "cover", "notes", "readme", "read me", "lookups", "contents"}
TOTAL_ROW = re.compile(r"^(grand |sub ?)?totals?\b", re.I)


class RejectedFile(Exception):
    """The whole file cannot be read; the message says why, for the person who sent it."""


@dataclass
class Table:
    """A header row found on a sheet and the field each column maps to."""

    sheet: str
    header_row: int  # 1-based
    columns: dict[int, str]  # 0-based column index -> field name
    unmapped: dict[int, str]


def read_survey(path: str | Path) -> ReadResult:
    """Read a survey return; a file-level problem is recorded in ``error``, never raised."""
    path = Path(path)
    result = ReadResult(path, SOURCE)
    try:
        workbook = open_workbook(path)
        _read_workbook(workbook, result)
    except RejectedFile as exc:
        result.reject_file(SOURCE, str(exc))
    return result


def open_workbook(path: Path) -> openpyxl.Workbook:
    """Open an .xlsx, turning each way it can fail into a message a borough can act on."""
    if not path.is_file():
        raise RejectedFile(f"{path.name}: file not found")
    if path.stat().st_size == 0:
        raise RejectedFile(f"{path.name}: the file is empty (0 bytes)")
    with open(path, "rb") as f:
        head = f.read(8)
        f.seek(0)
        if head.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2 container: encrypted xlsx or legacy .xls
            try:
                encrypted = msoffcrypto.OfficeFile(f).is_encrypted()
            except Exception:  # noqa: BLE001 - any failure here means "not something we can read"
                encrypted = False
            if encrypted:
                raise RejectedFile(
                    f"{path.name}: the workbook is password-protected; please send it without a password"
                )
            raise RejectedFile(f"{path.name}: this is an old-format .xls workbook; please save it as .xlsx")
    if not zipfile.is_zipfile(path):
        raise RejectedFile(f"{path.name}: not an Excel workbook (.xlsx); the file is not a zip package")
    try:
        return openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for broken packages
        raise RejectedFile(f"{path.name}: not a readable Excel workbook ({type(exc).__name__}: {exc})") from exc


def _grid(ws) -> tuple[list[list[object]], set[tuple[int, int]]]:
    """Sheet values with merged ranges filled from their top-left cell (merged headers).

    Also returns the 0-based (row, column) of every cell filled from a column to its left, so
    a header merged across two columns is not reported as a second, unmapped column.
    """
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    filled: set[tuple[int, int]] = set()
    for rng in ws.merged_cells.ranges:
        if rng.min_row > len(rows):
            continue
        value = rows[rng.min_row - 1][rng.min_col - 1]
        for r in range(rng.min_row, min(rng.max_row, len(rows)) + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                while len(rows[r - 1]) < c:
                    rows[r - 1].append(None)
                rows[r - 1][c - 1] = value
                if c != rng.min_col:  # the same column merged down is still its own column
                    filled.add((r - 1, c - 1))
    return rows, filled


def _text(value: object) -> str:
    return clean_text(value) if isinstance(value, str) else ("" if value is None else str(value))


def find_table(sheet: str, rows: list[list[object]], filled: frozenset | set = frozenset()) -> Table | None:
    """The header row: the first row naming the most distinct fields (at least three)."""
    best: Table | None = None
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        above = rows[i - 1] if i > 0 else []
        columns, unmapped = {}, {}
        for c, value in enumerate(row):
            name = _header_field(value, above[c] if c < len(above) else None)
            if name and name not in columns.values():
                columns[c] = name
            elif _text(value) and (i, c) not in filled:
                unmapped[c] = _text(value)
        is_header = len(columns) >= MIN_HEADER_FIELDS and KEY_FIELDS & set(columns.values())
        if is_header and (best is None or len(columns) > len(best.columns)):
            best = Table(sheet, i + 1, columns, unmapped)
    return best


def _header_field(value: object, group: object) -> str | None:
    """Field for a header cell; a two-row header adds its group ("Contract" over "End")."""
    text = _text(value)
    if not text or isinstance(value, (int, float)):
        return None
    group_text = _text(group)
    if group_text and norm_key(group_text) != norm_key(text):
        combined = field_for_header(f"{group_text} {text}")
        if combined:
            return combined
    return field_for_header(text)


def _read_workbook(wb: openpyxl.Workbook, result: ReadResult) -> None:
    name = result.path.name
    result.is_sample = SAMPLE_KEYWORD in (wb.properties.keywords or "")
    grids = [(ws.title, *_grid(ws)) for ws in wb.worksheets if ws.sheet_state == "visible"]
    sheets = [(title, rows) for title, rows, _ in grids]
    tables = []
    for title, rows, filled in grids:
        table = find_table(title, rows, filled)
        if table:
            tables.append((table, rows))
        elif norm_key(title) not in AUXILIARY_SHEETS and any(_text(v) for row in rows for v in row):
            result.notes.append(f"sheet {title!r}: no table of systems found, not read as data")
    if not tables:
        raise RejectedFile(
            f"{name}: no recognisable header row (looked in the first {HEADER_SCAN_ROWS} rows of each sheet for "
            "columns such as 'Service area', 'System / product', 'Supplier', 'Contract end')"
        )
    file_borough, source = _file_borough(result.path, sheets, tables)
    has_column = any(BOROUGH_FIELD in t.columns.values() for t, _ in tables)
    if not file_borough and not has_column:
        raise RejectedFile(
            f"{name}: no borough found: no Borough column, no 'Borough' cell on a cover sheet, "
            "no borough named in a title row or in the file name"
        )
    result.borough_code, result.borough_from = file_borough, source
    for table, rows in tables:
        result.unmapped_columns += [
            f"{table.sheet}!{get_column_letter(c + 1)} {h!r}" for c, h in table.unmapped.items()
        ]
        _read_rows(table, rows, result, file_borough)
    codes = {r["borough_code"] for r in result.records}
    if not file_borough and len(codes) == 1:
        result.borough_code, result.borough_from = codes.pop(), "Borough column"


def _file_borough(path: Path, sheets, tables) -> tuple[str | None, str | None]:
    """Borough for the whole file: a labelled cell, then a title row, then the file name."""
    header_rows = {t.sheet: t.header_row for t, _ in tables}
    for title, rows in sheets:
        limit = header_rows.get(title, HEADER_SCAN_ROWS + 1) - 1
        for row in rows[:limit]:
            cells = [_text(v) for v in row]
            for c, text in enumerate(cells):
                label = norm_key(text)
                if label in BOROUGH_LABELS:
                    value = next((v for v in cells[c + 1 :] if v), None)
                    code = borough_code(value) or find_borough_in_text(value)
                    if code:
                        return code, f"cell labelled {text!r} on sheet {title!r}"
    for title, rows in sheets:
        limit = header_rows.get(title, HEADER_SCAN_ROWS + 1) - 1
        for row in rows[:limit]:
            for value in row:
                if isinstance(value, str) and (code := find_borough_in_text(value)):
                    return code, f"title {clean_text(value)!r} on sheet {title!r}"
    code = find_borough_in_text(path.stem)
    return (code, "file name") if code else (None, None)


def _read_rows(table: Table, rows: list[list[object]], result: ReadResult, file_borough: str | None) -> None:
    name = result.path.name
    header_keys = {c: norm_key(rows[table.header_row - 1][c]) for c in table.columns}
    # formatted but empty rows after the table are not records; empty rows inside it are
    last = max((r for r in range(table.header_row, len(rows)) if any(_text(v) for v in rows[r])), default=0)
    for r in range(table.header_row, last + 1):
        row = rows[r]
        excel_row = r + 1
        values = {f: (row[c] if c < len(row) else None) for c, f in table.columns.items()}
        texts = [_text(v) for v in row]
        result.records_read += 1
        if not any(texts):
            result.skipped["blank row"] += 1
            continue
        if not any(_text(v) for v in values.values()):
            result.skipped["note row (text only in unmapped columns)"] += 1
            continue
        if TOTAL_ROW.match(next(t for t in texts if t)) and not _text(values.get("supplier")):
            result.skipped["totals row"] += 1
            continue
        if all(norm_key(values[f]) == header_keys[c] for c, f in table.columns.items() if values[f] is not None):
            result.skipped["repeated header row"] += 1
            continue
        location = f"{table.sheet}!{excel_row}"
        record, reason = survey_record(values, name, table.sheet, excel_row, file_borough)
        if reason:
            raw = {
                rows[table.header_row - 1][c] or get_column_letter(c + 1): _text(v)
                for c, v in enumerate(row)
                if _text(v)
            }
            result.reject(SOURCE, location, reason, raw)
        else:
            result.records.append(record)


def survey_record(
    values: dict, file: str, sheet: str, row: int, file_borough: str | None
) -> tuple[dict | None, str | None]:
    """One survey row -> (record, None) or (None, reason it was rejected)."""
    code, raw_borough, reason = _row_borough(values, file_borough)
    if reason:
        return None, reason
    system_raw, supplier_raw = _text(values.get("system_name")), _text(values.get("supplier"))
    if not system_raw and not supplier_raw:
        return None, "neither a system nor a supplier is named"
    rec = new_record(
        SOURCE,
        f"{file}#{sheet}!{row}",
        file,
        record_id=stable_id(SOURCE, file, sheet, row),
        borough_code=code,
        buyer_name=raw_borough or borough_names()[code],
        supplier_raw=supplier_raw or None,
        system_raw=system_raw or None,
        stage="contract",
        title=system_raw or supplier_raw,
        comments=_text(values.get("comments")) or None,
    )
    # warnings in column order: the service area, then the term, then money and scores
    rec.update(_system_and_area(values, system_raw, rec["warnings"]))
    rec.update(_term(values, rec["warnings"]))
    rec.update(_money_and_scores(values, rec["warnings"]))
    return rec, None


def _row_borough(values: dict, file_borough: str | None) -> tuple[str | None, str, str | None]:
    """(code, the row's own borough text, None), or a reason: a row names its borough or the file does."""
    raw = _text(values.get(BOROUGH_FIELD))
    if raw:
        code = borough_code(raw) or find_borough_in_text(raw)
        return (code, raw, None) if code else (None, raw, f"borough {raw!r} is not a London authority")
    if not file_borough:
        return None, raw, "no borough in the Borough column and none found for the file"
    return file_borough, raw, None


def _note(warnings: list[str], column: str, warning: str | None) -> None:
    if warning:
        warnings.append(f"{column}: {warning}")


def _system_and_area(values: dict, system_raw: str, warnings: list[str]) -> dict:
    """The canonical system and its maker; the service area, the system's usual one when blank."""
    system, manufacturer, usual_area = canonical_system(system_raw)
    area_raw = _text(values.get("service_area"))
    area = service_area(area_raw)
    if area_raw and not area:
        _note(warnings, "service area", f"{area_raw!r} is not in the service-area list")
    if not area_raw and usual_area:
        area = usual_area
        _note(warnings, "service area", f"blank; taken as {usual_area!r}, the usual area of {system}")
    return {
        "system_name": system,
        "manufacturer": _text(values.get("manufacturer")) or manufacturer,
        "service_area": area,
        "service_area_raw": area_raw or None,
    }


def _term(values: dict, warnings: list[str]) -> dict:
    """Start, end, extension options and the latest end they allow."""
    start, w = parse_date(values.get("contract_start"))
    _note(warnings, "contract start", w)
    end, w = parse_date(values.get("contract_end"), end=True)
    _note(warnings, "contract end", w)
    if start and end and end < start:
        _note(warnings, "contract end", f"{end.isoformat()} is before the start {start.isoformat()}")
    ext_raw = values.get("extension_options")
    months, w = parse_extension(ext_raw, start, end)
    _note(warnings, "extension options", w)
    return {
        "start_date": start,
        "end_date": end,
        "max_end_date": add_months(end, months) if end and months else end,
        "extension_months": months,
        "extension_raw": _text(ext_raw) or None,
    }


def _money_and_scores(values: dict, warnings: list[str]) -> dict:
    """Annual cost, total value, hosting and the three 1-5 scores."""
    out = {}
    out["annual_value"], w = parse_money(values.get("annual_cost"))
    _note(warnings, "annual cost", w)
    out["total_value"], w = parse_money(values.get("total_value"))
    _note(warnings, "total contract value", w)
    out["hosting"], w = parse_hosting(values.get("hosting"))
    _note(warnings, "hosting", w)
    for f in ("confidence", "satisfaction", "value_for_money"):
        out[f], w = parse_scale(values.get(f))
        _note(warnings, f.replace("_", " "), w)
    return out
