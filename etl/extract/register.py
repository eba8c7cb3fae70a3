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
from etl.extract.csvfile import (
    blank_column_errors,
    each,
    extra_fields_warning,
    field_columns,
    open_csv,
    raw_row,
    read_rows,
)
from etl.extract.result import ReadResult
from etl.normalise.cpv import classify, normalise_cpv
from etl.normalise.names import clean, company_number
from etl.normalise.values import annual_value, extended_end, parse_date, parse_extension, parse_money
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
    """Read one register column by column: each column's distinct cells are cleaned and parsed once
    (rows share departments, terms, CPV text and suppliers), then each row after the header is
    loaded, rejected or skipped in file order."""
    path = Path(path)
    result = ReadResult(path, KIND)
    reader, names = open_csv(path, result, "CSV register")
    columns = _header(path, names, result)
    file_borough = _file_borough(path, columns, result)
    rows = read_rows(reader, path, result, SOURCE, names)
    cells = {field: each(column, clean) for field, column in field_columns(columns, [r for _, _, r in rows]).items()}
    errors = blank_column_errors(cells)
    parsed = _parsed(cells, file_borough, len(rows))
    seen: dict[str, int] = {}
    for j, (_, line, row) in enumerate(rows):
        first = next(filter(None, map(clean, row)), None)  # the row's first cell holding text, cleaned
        if first is None:
            result.skipped["blank row"] += 1
        elif TOTAL_ROW.match(first):
            result.skipped["totals row"] += 1
        elif problem := _problem(j, parsed):
            result.reject(SOURCE, f"line {line}", problem, raw_row(names, row))
        else:
            rec = register_record(j, parsed, line, result.path.name, seen)
            rec["warnings"] += errors.get(j, [])
            if len(row) > len(names):
                rec["warnings"].append(extra_fields_warning(raw_row(names, row)))
            result.records.append(rec)
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


def _parsed(cells: dict[str, list[str]], file_borough: str | None, n: int) -> dict[str, list]:
    """Per field, what each row's cleaned cells give, parsed once per distinct cell (or cells); a
    column the register lacks reads None (a borough, company number or CPV column: "")."""
    get = lambda field, missing=None: cells.get(field) or [missing] * n  # noqa: E731
    cpv = zip(get("cpv", ""), (d or None for d in get("department")), strict=True)
    return {
        **{f: get(f) for f in ("reference", "borough", "supplier", "title", "description", "contact")},
        "place": each(get("borough", ""), lambda text: _row_borough(text, file_borough)),
        "company": each(get("company_number", ""), _company),
        "classes": each(list(cpv), lambda given: _classify_fields(*given)),
        "terms": each(list(zip(*(get(f) for f in DATE_FIELDS), strict=True)), _term_fields),
        "money": each(list(zip(get("total_value"), get("annual_value"), strict=True)), _money),
    }


def _problem(j: int, parsed: dict[str, list]) -> str | None:
    """Why row ``j`` is rejected, or None."""
    problem = parsed["place"][j][1]
    if not problem and not (parsed["title"][j] or parsed["description"][j] or parsed["supplier"][j]):
        problem = "no title, description or supplier"
    return problem


def _row_borough(text: str, file_borough: str | None) -> tuple[str | None, str | None]:
    """(code, None), or (None, reason) when the row's organisation is not a London authority."""
    if not text:
        return (file_borough, None) if file_borough else (None, "no organisation on the row or in the file name")
    code = borough_code(text) or find_borough_in_text(text)
    return (code, None) if code else (None, f"organisation {text!r} is not a London borough council")


def register_record(j: int, parsed: dict[str, list], line: int, file_name: str, seen: dict[str, int]) -> dict:
    """Row ``j``'s record from its parsed cells; what was not clean goes into its warnings."""
    code = parsed["place"][j][0]
    reference, title, description = parsed["reference"][j] or None, parsed["title"][j], parsed["description"][j]
    found: list[str] = []
    rec = new_record(
        SOURCE,
        reference or f"{file_name}!{line}",
        file_name,
        record_id=_record_id(code, reference, line, seen, found),
        borough_code=code,
        buyer_name=parsed["borough"][j] or borough_names()[code],
        supplier_raw=parsed["supplier"][j] or None,
        stage="contract",
        title=title or description or None,
        description=description if title else None,
        contact_name=parsed["contact"][j] or None,
    )
    warnings = rec["warnings"]
    warnings += found
    rec["company_number"], warning = parsed["company"][j]
    if warning:
        warnings.append(warning)
    fields, warning = parsed["classes"][j]
    rec.update(fields, cpv_codes=list(fields["cpv_codes"]))  # each record its own list
    if warning:
        warnings.append(warning)
    fields, found = parsed["terms"][j]
    rec.update(fields)
    warnings.extend(found)
    _values(rec, parsed["money"][j], warnings)
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


def _company(text: str) -> tuple[str | None, str | None]:
    """A company number cell's number, and a warning when it holds something else."""
    number = company_number(text)
    if text and number is None and norm_key(text) not in {"n a", "na", "none", "not applicable"}:
        return None, f"Companies House number {text!r} is not valid"
    return number, None


@lru_cache(maxsize=1 << 14)
def _classify_fields(text: str, department: str | None) -> tuple[dict, str | None]:
    """CPV codes decide the service area and IT flag, the department name is the fallback: the fields
    and warning, once per distinct CPV text and department (they recur)."""
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


@lru_cache(maxsize=1 << 14)
def _term_fields(given: tuple[str | None, ...]) -> tuple[dict, tuple[str, ...]]:
    """Start, end, and the latest end (the register's own maximum end date, else end + extensions):
    fields and warnings, once per distinct five date cells (rows share their terms)."""
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


def _money(given: tuple[str | None, str | None]) -> tuple[float | None, float | None, tuple[str, ...]]:
    """(total, annual, warnings) of a row's two value cells; registers write 0 for "not disclosed"."""
    values, warnings = [], []
    for field, text in zip(("total value", "annual value"), given, strict=True):
        value, warning = parse_money(text)
        if warning:
            warnings.append(f"{field}: {warning}")
        values.append(value if value else None)
    return values[0], values[1], tuple(warnings)


def _values(rec: dict, money: tuple[float | None, float | None, tuple[str, ...]], warnings: list[str]) -> None:
    """Total and annual value as given; an annual value is derived from a total, never the reverse."""
    rec["total_value"], rec["annual_value"], found = money
    warnings.extend(found)
    if rec["annual_value"] is None:
        rec["annual_value"] = annual_value(rec["total_value"], rec["start_date"], rec["end_date"])
