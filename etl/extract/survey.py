"""Read one borough's survey return (.xlsx, .xlsm, .xls, .ods or .csv) into contract records.

Real returns drift from the template: title rows above the header, renamed or merged
headers, several sheets, totals and blank rows, dates and money as text. The reader finds the
header row on each sheet by how many cells name a known field: by the column map's exact line,
else by meaning (``headers``: "Supplier / reseller" is the supplier), never two cells to one
field. It finds the borough (a Borough column, a labelled cover cell, a title, or the file
name) and the date of the return (a labelled cover cell, else the workbook's properties, else
the build's ``--survey-date``), and accounts for every row below the header: loaded, rejected
with a reason, or skipped (blank, totals). Every header cell and what became of it goes in ``ReadResult.headers``; a
return with no table says which headers it found and the column-map lines that would read it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import zipfile
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from etl.extract.headers import AMBIGUOUS, NOT_MAPPED, Match, match_header
from etl.extract.limits import MAX_FIELD_KB
from etl.extract.result import SAMPLE_KEYWORD, ReadResult
from etl.extract.survey_fields import BOROUGH_FIELD, FIELD_NAMES
from etl.extract.workbook import Properties, Sheet, Workbook, read_workbook
from etl.extract.workbook_limits import TooLarge
from etl.normalise.names import canonical_system, clean_text
from etl.normalise.values import (
    blank_errors,
    extended_end,
    parse_date,
    parse_extension,
    parse_hosting,
    parse_money,
    parse_scale,
)
from etl.records import new_record, stable_id
from etl.reference import borough_code, borough_names, find_borough_in_text, norm_key, service_area

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
DATE_LABELS = {"date of this return", "date of return", "return date", "date returned", "date completed",
               "survey date", "date of survey", "date submitted"}  # fmt: skip
DATE_FROM_CELL, DATE_FROM_PROPERTIES, DATE_FROM_COMMAND = "template cell", "workbook properties", "--survey-date"
# sheets a return is expected to carry beside its table; they are read for the borough only
AUXILIARY_SHEETS = {"instructions", "lists", "guidance", "cover", "notes", "readme", "read me", "lookups", "contents"}
COLUMN_MAP_FILE = "etl/refdata/survey_columns.csv"
MESSAGE_HEADERS = 20  # header cells a rejection message lists per sheet
WANTED_FIELDS = (BOROUGH_FIELD, *FIELD_NAMES)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
TOTAL_ROW = re.compile(r"^(grand |sub ?)?totals?\b", re.I)


def get_column_letter(number: int) -> str:
    """Excel's letters for a 1-based column number (1 -> A, 28 -> AB), as openpyxl's helper of that name
    gives them, without importing openpyxl (a seventh of the build's start-up)."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class RejectedFile(Exception):
    """The whole file cannot be read; the message says why, for the person who sent it."""


@dataclass
class Table:
    """A header row found on a sheet and the field each column maps to."""

    sheet: str
    header_row: int  # 1-based
    columns: dict[int, str]  # 0-based column index -> field name
    unmapped: dict[int, str]  # headers the column map does not name (matched by meaning, or not at all)
    cells: list[HeaderCell] = field(default_factory=list)  # every header cell, in column order


@dataclass(frozen=True)
class HeaderCell:
    """One header cell: its column, the header as read (with its group in a two-row header), its match."""

    column: int  # 0-based
    header: str
    match: Match

    def entry(self, sheet: str) -> dict:
        """The ``ReadResult.headers`` entry for this cell."""
        return {
            "sheet": sheet,
            "column": get_column_letter(self.column + 1),
            "header": self.header,
            "field": self.match.field,
            "how": self.match.how,
        }


def read_survey(path: str | Path, survey_date: dt.date | None = None) -> ReadResult:
    """Read a survey return; a file-level problem is recorded in ``error``, never raised.

    ``survey_date`` is the return's date when it gives none itself (the build's ``--survey-date``);
    every record carries the file's date."""
    path = Path(path)
    result = ReadResult(path, SOURCE)
    try:
        workbook = open_workbook(path)
        _read_workbook(workbook, result)
    except RejectedFile as exc:
        result.reject_file(SOURCE, str(exc))
    if result.return_date is None and survey_date is not None:
        result.return_date, result.return_date_from = survey_date, DATE_FROM_COMMAND
    for rec in result.records:
        rec["return_date"] = result.return_date
    return result


def open_workbook(path: Path) -> Workbook:
    """Open a return in any format we read, turning each way it can fail into a message a borough can act on."""
    if not path.is_file():
        raise RejectedFile(f"{path.name}: file not found")
    if path.stat().st_size == 0:
        raise RejectedFile(f"{path.name}: the file is empty (0 bytes)")
    suffix = path.suffix.lower()
    with open(path, "rb") as f:
        head = f.read(8)
        f.seek(0)
        ole2 = head.startswith(b"\xd0\xcf\x11\xe0")  # OLE2 container: encrypted xlsx or legacy .xls
        if ole2:
            import msoffcrypto  # only for OLE2 files (.xls, or an encrypted .xlsx): not at every build's start

            try:
                encrypted = msoffcrypto.OfficeFile(f).is_encrypted()
            except Exception:  # noqa: BLE001 - any failure here means "not something we can read"
                encrypted = False
            if encrypted:
                raise RejectedFile(
                    f"{path.name}: the workbook is password-protected; please send it without a password"
                )
    if suffix in {".xlsx", ".xlsm", ".ods"} and not ole2 and not zipfile.is_zipfile(path):
        kind = "an OpenDocument spreadsheet (.ods)" if suffix == ".ods" else "an Excel workbook (.xlsx)"
        raise RejectedFile(f"{path.name}: not {kind}; the file is not a zip package")
    try:
        return read_workbook(path)
    except TooLarge as exc:
        raise RejectedFile(str(exc)) from exc
    except ValueError as exc:
        if str(exc).startswith(f"{path.name}: "):  # the CSV decoder's own reason (UTF-16, NUL bytes)
            raise RejectedFile(str(exc)) from exc
        raise RejectedFile(f"{path.name}: not a readable spreadsheet ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # noqa: BLE001 - readers raise many types for broken files
        raise RejectedFile(f"{path.name}: not a readable spreadsheet ({type(exc).__name__}: {exc})") from exc


def _grid(sheet: Sheet) -> tuple[list[list[object]], set[tuple[int, int]]]:
    """Sheet values with merged ranges filled from their top-left cell (merged headers).

    Also returns the 0-based (row, column) of every cell filled from a column to its left, so
    a header merged across two columns is not reported as a second, unmapped column.
    """
    rows = [list(r) for r in sheet.rows]
    filled: set[tuple[int, int]] = set()
    for r0, c0, r1, c1 in sheet.merged:
        if r0 >= len(rows):
            continue
        value = rows[r0][c0] if c0 < len(rows[r0]) else None
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            for c in range(c0, c1 + 1):
                while len(rows[r]) <= c:
                    rows[r].append(None)
                rows[r][c] = value
                if c != c0:  # the same column merged down is still its own column
                    filled.add((r, c))
    return rows, filled


def _text(value: object) -> str:
    return clean_text(value) if isinstance(value, str) else ("" if value is None else str(value))


def find_table(sheet: str, rows: list[list[object]], filled: frozenset | set = frozenset()) -> Table | None:
    """The header row: the first row naming the most distinct fields (at least three). A row with
    too few text cells to name more fields than the best so far is not matched: most rows are
    data, and matching their values as headers was half the time of reading a survey."""
    best: Table | None = None
    for i in range(min(len(rows), HEADER_SCAN_ROWS)):
        if _text_cells(rows[i], i, filled) <= (len(best.columns) if best else MIN_HEADER_FIELDS - 1):
            continue
        cells = header_cells(rows, i, filled)
        columns = {c.column: c.match.field for c in cells if c.match.field}
        is_header = len(columns) >= MIN_HEADER_FIELDS and KEY_FIELDS & set(columns.values())
        if is_header and (best is None or len(columns) > len(best.columns)):
            unmapped = {c.column: c.header for c in cells if not c.match.exact}
            best = Table(sheet, i + 1, columns, unmapped, cells)
    return best


def _text_cells(row: list[object], i: int, filled: frozenset | set) -> int:
    """How many cells of row ``i`` could name a field: text, not blank, not filled from a merge."""
    return sum(1 for c, value in enumerate(row) if isinstance(value, str) and (i, c) not in filled and _text(value))


def header_cells(rows: list[list[object]], i: int, filled: frozenset | set = frozenset()) -> list[HeaderCell]:
    """Each header cell of row ``i`` and what it means; two cells never take one field silently
    (the column map's line wins, then the better score, then the leftmost; the others are ambiguous)."""
    above = rows[i - 1] if i > 0 else []
    cells = [
        HeaderCell(c, *_header_match(value, above[c] if c < len(above) else None))
        for c, value in enumerate(rows[i])
        if _text(value) and (i, c) not in filled
    ]
    ranked = sorted((c for c in cells if c.match.field), key=lambda c: (not c.match.exact, -c.match.score, c.column))
    taken: dict[str, HeaderCell] = {}
    for cell in ranked:
        taken.setdefault(cell.match.field, cell)
    return [c if not c.match.field or taken[c.match.field] is c else _loses(c, taken[c.match.field]) for c in cells]


def _loses(cell: HeaderCell, winner: HeaderCell) -> HeaderCell:
    """A header whose field another header took: ambiguous, naming the one that took it."""
    match = replace(cell.match, field=None, how=AMBIGUOUS, rivals=(cell.match.field,), taken_by=winner.header)
    return replace(cell, match=match)


def _header_match(value: object, group: object) -> tuple[str, Match]:
    """(header as read, its match); a two-row header adds its group ("Contract" over "End"), and
    the header then reads "Contract / End" (a column-map line of that spelling pins it)."""
    text = _text(value)
    if not isinstance(value, str):  # a number or a date in a header row is never a header
        return text, Match(None, NOT_MAPPED)
    candidates = [(text, text)]
    group_text = _text(group) if isinstance(group, str) else ""
    if group_text and norm_key(group_text) != norm_key(text):
        candidates.insert(0, (f"{group_text} / {text}", f"{group_text} {text}"))
    matches = [(shown, match_header(spelling)) for shown, spelling in candidates]
    exact = [hm for hm in matches if hm[1].exact]
    if exact:
        return exact[0]
    return max(matches, key=lambda hm: (hm[1].field is not None, hm[1].score))


def _read_workbook(wb: Workbook, result: ReadResult) -> None:
    name = result.path.name
    result.is_sample = SAMPLE_KEYWORD in wb.keywords
    result.notes += wb.notes
    grids = [(sheet.name, *_grid(sheet)) for sheet in wb.sheets]
    sheets = [(title, rows) for title, rows, _ in grids]
    tables = []
    for title, rows, filled in grids:
        table = find_table(title, rows, filled)
        if table:
            tables.append((table, rows))
        elif _is_data_sheet(title, rows):
            result.notes.append(f"sheet {title!r}: no table of systems found, not read as data")
    _return_date(sheets, {t.sheet: t.header_row for t, _ in tables}, wb.properties, result)
    _return_contact(sheets, {t.sheet: t.header_row for t, _ in tables}, result)
    if not tables:
        found = [(t, *_likeliest_header(rows, filled)) for t, rows, filled in grids if _is_data_sheet(t, rows)]
        result.headers = [c.entry(title) for title, _, cells in found for c in cells]
        raise RejectedFile(no_table_message(name, found))
    for table, _ in tables:
        result.headers += [c.entry(table.sheet) for c in table.cells]
        result.mapped_fields |= set(table.columns.values())
        result.notes += [_ambiguous_note(table.sheet, c) for c in table.cells if c.match.how == AMBIGUOUS]
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


def _is_data_sheet(title: str, rows: list[list[object]]) -> bool:
    return norm_key(title) not in AUXILIARY_SHEETS and any(_text(v) for row in rows for v in row)


def _likeliest_header(rows: list[list[object]], filled) -> tuple[int, list[HeaderCell]]:
    """(1-based row, its header cells) of the row that looks most like a header: the most fields
    named, then the most filled cells; for a message that shows what a rejected sheet holds."""
    candidates = [(i, header_cells(rows, i, filled)) for i in range(min(len(rows), HEADER_SCAN_ROWS))]
    i, cells = max(candidates, key=lambda ic: (len({c.match.field for c in ic[1]} - {None}), len(ic[1]), -ic[0]))
    return i + 1, cells


def column_map_line(field_name: str, header: str) -> str:
    """The exact CSV line that pins ``header`` to a field in ``etl/refdata/survey_columns.csv``."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([field_name, header])
    return out.getvalue()


def _described(cell: HeaderCell) -> str:
    match, letter = cell.match, get_column_letter(cell.column + 1)
    if match.field:
        return f"{letter} {cell.header!r} ({match.field}, {match.how})"
    if match.how == AMBIGUOUS:
        return f"{letter} {cell.header!r} (ambiguous: {' or '.join(match.rivals)})"
    return f"{letter} {cell.header!r} (not mapped)"


def no_table_message(name: str, found: list[tuple[str, int, list[HeaderCell]]]) -> str:
    """Why a return was rejected for want of a table: what each sheet's likeliest header row holds,
    and the column-map lines that would let it be read."""
    need = f"at least {MIN_HEADER_FIELDS} columns naming survey fields, one of them the system or the supplier"
    parts = [
        f"{name}: no recognisable header row: looked in the first {HEADER_SCAN_ROWS} rows of each sheet for {need}."
    ]
    lines = []
    for title, row, cells in found:
        if not cells:
            parts.append(f"Sheet {title!r}: no header cells.")
            continue
        shown = ", ".join(_described(c) for c in cells[:MESSAGE_HEADERS])
        more = f" and {len(cells) - MESSAGE_HEADERS} more" if len(cells) > MESSAGE_HEADERS else ""
        parts.append(f"Sheet {title!r} row {row}: {shown}{more}.")
        lines += [column_map_line(c.match.guess or "FIELD", c.header) for c in cells if not c.match.field]
    if lines:
        parts.append(
            f"To read it, add to {COLUMN_MAP_FILE} a line field,header for each header to read"
            " (the field guessed where it could be): "
            f"{' ; '.join(dict.fromkeys(lines[:MESSAGE_HEADERS]))} (FIELD: one of {', '.join(WANTED_FIELDS)})."
        )
    return " ".join(parts)


def _ambiguous_note(sheet: str, cell: HeaderCell) -> str:
    """Say why an ambiguous header was not read, and the line that would settle it."""
    match, where = cell.match, f"{sheet}!{get_column_letter(cell.column + 1)} {cell.header!r}"
    if match.taken_by:
        why = f"also names {match.rivals[0]}, which {match.taken_by!r} already gives"
    else:
        why = f"could be {' or '.join(match.rivals)}"
    line = column_map_line(match.guess or match.rivals[0], cell.header)
    return f"{where} {why}: not read; to read it, add to {COLUMN_MAP_FILE} the line {line}"


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


def _return_date(sheets, header_rows: dict[str, int], props: Properties, result: ReadResult) -> None:
    """When the return was made: the cell labelled "Date of this return" (or a usual spelling) above
    any table, else the workbook's modified (else created) date; a label with no date is a note."""
    for title, rows in sheets:
        for row in rows[: header_rows.get(title, HEADER_SCAN_ROWS + 1) - 1]:
            for c, value in enumerate(row):
                if not isinstance(value, str) or norm_key(value) not in DATE_LABELS:
                    continue
                given = _value_after(row, c)
                day, warning = parse_date(given)
                if day:
                    result.return_date, result.return_date_from = day, DATE_FROM_CELL
                    return
                if given is not None:
                    result.notes.append(f"cell labelled {_text(value)!r} on sheet {title!r}: {warning}; not used")
    stamp = props.modified or props.created
    if stamp:
        result.return_date, result.return_date_from = stamp.date(), DATE_FROM_PROPERTIES


# the cover's "whom to ask about this return" cells, by label: the field each label fills
CONTACT_LABELS = {
    "return contact": "name", "contact for this return": "name", "completed by": "name", "contact name": "name",
    "return contact email": "email", "contact email": "email", "email": "email",
    "return contact phone": "phone", "contact phone": "phone", "phone": "phone", "telephone": "phone",
}  # fmt: skip


def _value_after(row: list, c: int) -> object:
    """The value a cover label at column ``c`` labels: the next filled cell of the two to its right,
    unless that is another label (a blank date cell must not read its neighbour's label as a date)."""
    given = next((v for v in row[c + 1 : c + 3] if _text(v)), None)
    labels = DATE_LABELS | CONTACT_LABELS.keys()
    return None if isinstance(given, str) and norm_key(given) in labels else given


def _return_contact(sheets, header_rows: dict[str, int], result: ReadResult) -> None:
    """Whom to ask about the return: cells labelled "Return contact", "Contact email"... above any table."""
    found: dict[str, str] = {}
    for title, rows in sheets:
        for row in rows[: header_rows.get(title, HEADER_SCAN_ROWS + 1) - 1]:
            for c, value in enumerate(row):
                key = CONTACT_LABELS.get(norm_key(value)) if isinstance(value, str) else None
                given = _value_after(row, c) if key else None
                if key and given is not None and key not in found:
                    found[key] = _text(given)
    if found:
        result.return_contact = {k: found.get(k) for k in ("name", "email", "phone")}


def _read_rows(table: Table, rows: list[list[object]], result: ReadResult, file_borough: str | None) -> None:
    name = result.path.name
    header_keys = {c: norm_key(rows[table.header_row - 1][c]) for c in table.columns}
    all_texts = _row_texts(rows[table.header_row :])
    # formatted but empty rows after the table are not records; empty rows inside it are
    last = max((table.header_row + i for i, texts in enumerate(all_texts) if any(texts)), default=0)
    for r in range(table.header_row, last + 1):
        row, texts = rows[r], all_texts[r - table.header_row]
        excel_row = r + 1
        values = {f: (row[c] if c < len(row) else None) for c, f in table.columns.items()}
        result.records_read += 1
        if not any(texts):
            result.skipped["blank row"] += 1
            continue
        if not any(texts[c] for c in table.columns if c < len(row)):
            result.skipped["note row (text only in unmapped columns)"] += 1
            continue
        if TOTAL_ROW.match(next(t for t in texts if t)) and not _text(values.get("supplier")):
            result.skipped["totals row"] += 1
            continue
        if all(norm_key(values[f]) == header_keys[c] for c, f in table.columns.items() if values[f] is not None):
            result.skipped["repeated header row"] += 1
            continue
        location = f"{table.sheet}!{excel_row}"
        longest = max(map(len, texts))
        if longest > MAX_FIELD_KB * 1024:
            reason = f"field of {longest / 1024:,.0f} KB, over the limit of {MAX_FIELD_KB} KB"
            result.reject(SOURCE, location, reason, [t[:200] for t in texts if t])
            continue
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


def _row_texts(rows: list[list[object]]) -> list[list[str]]:
    """Each row's cells as ``_text`` gives them, each distinct text cleaned once: a table's rows
    repeat their systems, suppliers and terms, and a call per cell was a fifth of reading a return."""
    cleaned = {v: clean_text(v) for v in {v for row in rows for v in row if isinstance(v, str)}}
    return [[cleaned[v] if isinstance(v, str) else ("" if v is None else str(v)) for v in row] for row in rows]


def survey_record(
    values: dict, file: str, sheet: str, row: int, file_borough: str | None
) -> tuple[dict | None, str | None]:
    """One survey row -> (record, None) or (None, reason it was rejected); a spreadsheet error
    ("#REF!", "#N/A") in a cell is a blank with a warning, never a name."""
    values = dict(values)
    errors = blank_errors(values)
    code, raw_borough, reason = _row_borough(values, file_borough)
    if reason:
        return None, reason
    system_raw, supplier_raw = _text(values.get("system_name")), _text(values.get("supplier"))
    if not system_raw and not supplier_raw:
        found = f" ({'; '.join(errors)})" if errors else ""
        return None, f"neither a system nor a supplier is named{found}"
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
    rec["warnings"] += errors
    # warnings in column order: the service area, then the term, then money and scores
    rec.update(_system_and_area(values, system_raw, rec["warnings"]))
    rec.update(_term(values, rec["warnings"]))
    rec.update(_money_and_scores(values, rec["warnings"]))
    rec.update(_contact(values, rec["warnings"]))
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
    fields, found = _once(_term_fields, values.get("contract_start"), values.get("contract_end"),
                          values.get("extension_options"))  # fmt: skip
    warnings.extend(found)
    return fields


def _once(cached, *cells: object) -> tuple[dict, tuple[str, ...]]:
    """``cached(*cells)``; computed afresh for cells that cannot be a cache key (no reader gives those)."""
    try:
        return cached(*cells)
    except TypeError:  # unhashable; a TypeError of the function itself is raised again here
        return cached.__wrapped__(*cells)


@lru_cache(maxsize=1 << 14, typed=True)  # typed: 1, 1.0 and True are one key untyped, and not one date
def _term_fields(start: object, end: object, ext_raw: object) -> tuple[dict, tuple[str, ...]]:
    """``_term``'s fields and warnings, once per distinct three cells (a return's rows share terms)."""
    warnings: list[str] = []
    start, w = parse_date(start)
    _note(warnings, "contract start", w)
    end, w = parse_date(end, end=True)
    _note(warnings, "contract end", w)
    if start and end and end < start:
        _note(warnings, "contract end", f"{end.isoformat()} is before the start {start.isoformat()}")
    months, w = parse_extension(ext_raw, start, end)
    _note(warnings, "extension options", w)
    latest, w = extended_end(end, months)
    _note(warnings, "extension options", w)
    fields = {"start_date": start, "end_date": end, "max_end_date": latest, "extension_months": months}
    return fields | {"extension_raw": _text(ext_raw) or None}, tuple(warnings)


def _contact(values: dict, warnings: list[str]) -> dict:
    """The contract owner: name, email and phone as written (members only where the data is read)."""
    email = _text(values.get("contact_email")) or None
    if email and not EMAIL.fullmatch(email):
        _note(warnings, "contact email", f"{email!r} is not an email address")
    return {
        "contact_name": _text(values.get("contact_name")) or None,
        "contact_email": email,
        "contact_phone": _phone(values.get("contact_phone")),
    }


def _phone(value: object) -> str | None:
    """A phone number as text; one typed as a number lost its leading 0 (20 7974 4444 is 020...)."""
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**10:
        digits = str(value)
        return f"0{digits}" if len(digits) == 10 else digits
    return _text(value) or None


def _money_and_scores(values: dict, warnings: list[str]) -> dict:
    """Annual cost, total value, hosting and the three 1-5 scores."""
    out = {}
    out["annual_value"], w = parse_money(values.get("annual_cost"))
    _note(warnings, "annual cost", w)
    out["total_value"], w = parse_money(values.get("total_value"))
    _note(warnings, "total contract value", w)
    fields, found = _once(_hosting_and_score_fields, *(values.get(f) for f in HOSTING_AND_SCORES))
    warnings.extend(found)
    return out | fields


HOSTING_AND_SCORES = ("hosting", "confidence", "satisfaction", "value_for_money")


@lru_cache(maxsize=1 << 14, typed=True)  # typed: 1, 1.0 and True are one key untyped
def _hosting_and_score_fields(hosting, *scores) -> tuple[dict, tuple[str, ...]]:
    """Hosting and the scores, and their warnings, once per distinct four cells (a few hundred recur)."""
    out, warnings = {}, []
    out["hosting"], w = parse_hosting(hosting)
    _note(warnings, "hosting", w)
    for f, value in zip(("confidence", "satisfaction", "value_for_money"), scores, strict=True):
        out[f], w = parse_scale(value)
        _note(warnings, f.replace("_", " "), w)
    return out, tuple(warnings)
