"""Contract registers published under the Local Government Transparency Code 2015 -> records.

Every council publishes its own register as a CSV, and no two lay it out alike: the headers
are matched through ``refdata/register_columns.csv`` (field,synonym), so a new spelling is a
data edit. A register rarely names its council in its rows: the borough comes from an
Organisation/Authority/Council column when there is one, else from the file name; a file
with neither is rejected whole, because a contract without its buyer cannot be placed.

One record per row: source ``register``, source_ref the register's own reference (or
``<file>!<line>`` when a row has none), stage ``contract``. SME/VCSE flags and procurement
routes are recognised (so they are not reported as unmapped) but have no record column.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from etl.extract.columns import ColumnMap
from etl.extract.csvfile import csv_rows, extra_fields_warning, open_csv, raw_row
from etl.extract.result import ReadResult
from etl.normalise.cpv import classify, normalise_cpv
from etl.normalise.names import clean, company_number
from etl.normalise.values import annual_value, blank_errors, extended_end, parse_date, parse_extension, parse_money
from etl.records import new_record, stable_id
from etl.reference import borough_code, borough_names, find_borough_in_text, norm_key, service_area

SOURCE = "register"
KIND = "register_csv"
# trailing header words that do not change what a column holds: "Value (GBP)", "Start Date (dd/mm/yyyy)"
COLUMNS = ColumnMap(
    "register_columns.csv", suffixes=(" gbp", " dd mm yyyy", " y n", " yes no", " ex vat", " excluding vat", " inc vat")
)
TOTAL_ROW = re.compile(r"^(grand |sub ?)?totals?\b", re.I)
CPV_IN_TEXT = re.compile(r"(?<!\d)\d{8}(?:-\d)?(?!\d)")


def register_field(header: object) -> str | None:
    """The field a register header names, ignoring case, punctuation and units like '(£)'."""
    return COLUMNS.field(header)


def read_register(path: str | Path) -> ReadResult:
    """Read one register; every row after the header is loaded, rejected or skipped."""
    path = Path(path)
    result = ReadResult(path, KIND)
    reader, names = open_csv(path, result, "CSV register")
    columns = _header(path, names, result)
    file_borough = _file_borough(path, columns, result)
    seen: dict[str, int] = {}
    for line, row in csv_rows(reader, path, result, SOURCE, names):
        result.records_read += 1
        _read_row(row, names, columns, line, file_borough, seen, result)
    return result


def _header(path: Path, names: list[str], result: ReadResult) -> dict[str, int]:
    """Field -> column index (a repeated field: its first column); unmapped columns become a note."""
    columns, ignored = COLUMNS.columns(names)
    if not ({"title", "description"} & set(columns)) or "supplier" not in columns:
        raise ValueError(f"{path.name}: not a contract register (needs a title or description and a supplier column)")
    if ignored:
        result.notes.append(f"columns not mapped to any field: {', '.join(ignored)}")
    return columns


def _file_borough(path: Path, columns: dict[str, int], result: ReadResult) -> str | None:
    """The borough the file name names; without it and without a borough column the file is rejected."""
    code = find_borough_in_text(path.stem)
    if code is None and "borough" not in columns:
        raise ValueError(
            f"{path.name}: no borough: no Organisation/Authority/Council column and no borough in the file name"
        )
    if code:
        result.notes.append(f"borough from the file name: {borough_names()[code]}")
    return code


def _read_row(row, names, columns, line, file_borough, seen, result: ReadResult) -> None:
    """Load, reject or skip one row."""
    raw = raw_row(names, row)
    cleaned = [clean(c) for c in row]  # each cell cleaned once, for its field and for the blank-row test
    cells = {field: cleaned[i] if i < len(cleaned) else "" for field, i in columns.items()}
    errors = blank_errors(cells)
    filled = [c for c in cleaned if c]
    location = f"line {line}"
    if not filled:
        result.skipped["blank row"] += 1
        return
    if TOTAL_ROW.match(filled[0]):
        result.skipped["totals row"] += 1
        return
    code, problem = _row_borough(cells.get("borough", ""), file_borough)
    if problem:
        result.reject(SOURCE, location, problem, raw)
        return
    if not (cells.get("title") or cells.get("description") or cells.get("supplier")):
        result.reject(SOURCE, location, "no title, description or supplier", raw)
        return
    rec = register_record(cells, code, line, result.path.name, seen)
    rec["warnings"] += errors
    if warning := extra_fields_warning(raw):
        rec["warnings"].append(warning)
    result.records.append(rec)


def _row_borough(text: str, file_borough: str | None) -> tuple[str | None, str | None]:
    """(code, None), or (None, reason) when the row's organisation is not a London authority."""
    if not text:
        return (file_borough, None) if file_borough else (None, "no organisation on the row or in the file name")
    code = borough_code(text) or find_borough_in_text(text)
    return (code, None) if code else (None, f"organisation {text!r} is not a London borough council")


def register_record(cells: dict[str, str], code: str, line: int, file_name: str, seen: dict[str, int]) -> dict:
    """Map one register row to a record; what was not clean goes into its warnings."""
    reference = cells.get("reference") or None
    rec = new_record(
        SOURCE,
        reference or f"{file_name}!{line}",
        file_name,
        borough_code=code,
        buyer_name=cells.get("borough") or borough_names()[code],
        supplier_raw=cells.get("supplier") or None,
        stage="contract",
        title=cells.get("title") or cells.get("description") or None,
        description=cells.get("description") if cells.get("title") else None,
        contact_name=cells.get("contact") or None,
    )
    warnings = rec["warnings"]
    rec["record_id"] = _record_id(code, reference, line, seen, warnings)
    _company(rec, cells.get("company_number", ""), warnings)
    _classify(rec, cells, warnings)
    _dates(rec, cells, warnings)
    _values(rec, cells, warnings)
    return rec


def _record_id(code: str, reference: str | None, line: int, seen: dict[str, int], warnings: list[str]) -> str:
    """stable_id of borough and reference; a reference used again (lots, several suppliers) adds its count."""
    if reference is None:
        return stable_id(SOURCE, code, line)
    key = norm_key(reference)
    seen[key] = seen.get(key, 0) + 1
    if seen[key] == 1:
        return stable_id(SOURCE, code, reference)
    warnings.append(f"reference {reference!r} also on an earlier row (occurrence {seen[key]})")
    return stable_id(SOURCE, code, reference, seen[key])


def _company(rec: dict, text: str, warnings: list[str]) -> None:
    rec["company_number"] = company_number(text)
    if text and rec["company_number"] is None and norm_key(text) not in {"n a", "na", "none", "not applicable"}:
        warnings.append(f"Companies House number {text!r} is not valid")


def _classify(rec: dict, cells: dict[str, str], warnings: list[str]) -> None:
    """CPV codes decide the service area and IT flag; the department name is the fallback."""
    fields, warning = _classify_fields(cells.get("cpv", ""), cells.get("department") or None)
    rec.update(fields, cpv_codes=list(fields["cpv_codes"]))  # each record its own list
    if warning:
        warnings.append(warning)


@lru_cache(maxsize=1 << 14)
def _classify_fields(text: str, department: str | None) -> tuple[dict, str | None]:
    """``_classify``'s fields and warning, once per distinct CPV text and department (they recur)."""
    codes = list(dict.fromkeys(c for c in map(normalise_cpv, CPV_IN_TEXT.findall(text)) if c))
    fields = classify(codes)
    fields["service_area"] = fields["service_area"] or service_area(department)
    fields["service_area_raw"] = department
    return fields, (f"CPV {text!r} holds no CPV code" if text and not codes else None)


def _date(cells: dict[str, str], field: str, end: bool, warnings: list[str]):
    value, warning = parse_date(cells.get(field), end=end)
    if warning:
        warnings.append(f"{field} date: {warning}")
    return value


DATE_FIELDS = ("start", "end", "extension", "max_end", "review")


def _dates(rec: dict, cells: dict[str, str], warnings: list[str]) -> None:
    """Start, end, and the latest end: the register's own maximum end date, else end + extensions."""
    fields, found = _term_fields(tuple(cells.get(f) for f in DATE_FIELDS))
    rec.update(fields)
    warnings.extend(found)


@lru_cache(maxsize=1 << 14)
def _term_fields(given: tuple[str | None, ...]) -> tuple[dict, tuple[str, ...]]:
    """``_dates``' fields and warnings, once per distinct five date cells (rows share their terms)."""
    cells, warnings, rec = dict(zip(DATE_FIELDS, given, strict=True)), [], {}
    start, end = _date(cells, "start", False, warnings), _date(cells, "end", True, warnings)
    if start and end and end < start:
        warnings.append("end date before start date")
    months, warning = parse_extension(cells.get("extension"), start, end)
    if warning:
        warnings.append(f"extension options: {warning}")
    latest = _date(cells, "max_end", True, warnings)
    if latest and end and latest < end:
        warnings.append("maximum end date before the end date; ignored")
        latest = None
    extended, warning = extended_end(end, months)
    if warning:
        warnings.append(f"extension options: {warning}")
    if latest and extended and latest != extended and months is not None:
        warnings.append(f"maximum end date {latest:%d/%m/%Y} is not the end date plus the extension options; kept")
    rec.update(start_date=start, end_date=end, extension_months=months, extension_raw=cells.get("extension") or None)
    rec["max_end_date"] = latest or extended
    review = _date(cells, "review", False, warnings)
    if review:
        rec["comments"] = f"Review date {review:%d/%m/%Y}"
    return rec, tuple(warnings)


def _values(rec: dict, cells: dict[str, str], warnings: list[str]) -> None:
    """Total and annual value as given; an annual value is derived from a total, never the reverse."""
    for field in ("total_value", "annual_value"):
        value, warning = parse_money(cells.get(field))
        if warning:
            warnings.append(f"{field.replace('_', ' ')}: {warning}")
        rec[field] = value if value else None  # registers write 0 for "not disclosed"
    if rec["annual_value"] is None:
        rec["annual_value"] = annual_value(rec["total_value"], rec["start_date"], rec["end_date"])
