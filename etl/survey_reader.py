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
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import msoffcrypto
import openpyxl
from openpyxl.utils import get_column_letter

from etl.names import canonical_system, clean_text
from etl.parsing import add_months, parse_date, parse_extension, parse_hosting, parse_money, parse_scale
from etl.records import blank_record, stable_id
from etl.reference import borough_code, borough_names, find_borough_in_text, norm_key, service_area
from etl.survey_fields import BOROUGH_FIELD, FIELDS, field_for_header

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
KINDS = {f.name: f.kind for f in FIELDS}


class RejectedFile(Exception):
    """The whole file cannot be read; the message says why, for the person who sent it."""


@dataclass
class SurveyResult:
    path: Path
    records: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    records_read: int = 0
    borough_code: str | None = None
    borough_from: str | None = None
    unmapped_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    is_sample: bool = False
    error: str | None = None  # set when the whole file was rejected

    @property
    def status(self) -> str:
        return "rejected" if self.error else "loaded"


@dataclass
class Table:
    """A header row found on a sheet and the field each column maps to."""

    sheet: str
    header_row: int  # 1-based
    columns: dict[int, str]  # 0-based column index -> field name
    unmapped: dict[int, str]


def read_survey(path: str | Path) -> SurveyResult:
    """Read a survey return; a file-level problem is recorded in ``error``, never raised."""
    path = Path(path)
    result = SurveyResult(path)
    try:
        workbook = open_workbook(path)
        _read_workbook(workbook, result)
    except RejectedFile as exc:
        result.error = str(exc)
        result.rejects.append(
            {"source": "survey", "file": path.name, "location": "(whole file)", "reason": str(exc), "raw": None}
        )
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


def _read_workbook(wb: openpyxl.Workbook, result: SurveyResult) -> None:
    name = result.path.name
    result.is_sample = "citytools-sample" in (wb.properties.keywords or "")
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


def _read_rows(table: Table, rows: list[list[object]], result: SurveyResult, file_borough: str | None) -> None:
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
            result.rejects.append(
                {"source": "survey", "file": name, "location": location, "reason": reason, "raw": raw}
            )
        else:
            result.records.append(record)


def survey_record(
    values: dict, file: str, sheet: str, row: int, file_borough: str | None
) -> tuple[dict | None, str | None]:
    """One survey row -> (record, None) or (None, reason it was rejected)."""
    warnings: list[str] = []

    def note(column: str, warning: str | None) -> None:
        if warning:
            warnings.append(f"{column}: {warning}")

    code = file_borough
    raw_borough = _text(values.get(BOROUGH_FIELD))
    if raw_borough:
        code = borough_code(raw_borough) or find_borough_in_text(raw_borough)
        if not code:
            return None, f"borough {raw_borough!r} is not a London authority"
    if not code:
        return None, "no borough in the Borough column and none found for the file"

    system_raw = _text(values.get("system_name"))
    supplier_raw = _text(values.get("supplier"))
    if not system_raw and not supplier_raw:
        return None, "neither a system nor a supplier is named"

    rec = blank_record()
    system, manufacturer, usual_area = canonical_system(system_raw)
    area_raw = _text(values.get("service_area"))
    area = service_area(area_raw)
    if area_raw and not area:
        note("service area", f"{area_raw!r} is not in the service-area list")
    if not area_raw and usual_area:
        area = usual_area
        note("service area", f"blank; taken as {usual_area!r}, the usual area of {system}")

    start, w = parse_date(values.get("contract_start"))
    note("contract start", w)
    end, w = parse_date(values.get("contract_end"), end=True)
    note("contract end", w)
    if start and end and end < start:
        note("contract end", f"{end.isoformat()} is before the start {start.isoformat()}")
    ext_raw = values.get("extension_options")
    months, w = parse_extension(ext_raw, start, end)
    note("extension options", w)
    annual, w = parse_money(values.get("annual_cost"))
    note("annual cost", w)
    total, w = parse_money(values.get("total_value"))
    note("total contract value", w)
    hosting, w = parse_hosting(values.get("hosting"))
    note("hosting", w)
    scores = {}
    for f in ("confidence", "satisfaction", "value_for_money"):
        scores[f], w = parse_scale(values.get(f))
        note(f.replace("_", " "), w)

    manufacturer_raw = _text(values.get("manufacturer"))
    rec.update(
        record_id=stable_id("survey", file, sheet, row),
        source="survey",
        source_ref=f"{file}#{sheet}!{row}",
        source_file=file,
        borough_code=code,
        buyer_name=raw_borough or borough_names()[code],
        supplier_raw=supplier_raw or None,
        system_name=system,
        system_raw=system_raw or None,
        manufacturer=manufacturer_raw or manufacturer,
        service_area=area,
        service_area_raw=area_raw or None,
        stage="contract",
        title=system_raw or supplier_raw,
        start_date=start,
        end_date=end,
        max_end_date=add_months(end, months) if end and months else end,
        extension_months=months,
        extension_raw=_text(ext_raw) or None,
        annual_value=annual,
        total_value=total,
        hosting=hosting,
        comments=_text(values.get("comments")) or None,
        warnings=warnings,
        **scores,
    )
    return rec, None
