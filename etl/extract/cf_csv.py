"""Contracts Finder "Search > Download CSV" exports -> contract records.

The export has 43 columns, UK dates (dd/mm/yyyy), newlines inside quoted fields, and packs
every supplier of a notice into one column, ``Supplier [Name|Address|Ref type|Ref Number|Is
SME|Is VCSE]``, as ``[name|address|type|number|sme|vcse][...]``. Headers are matched on their
normalised text through ``refdata/cf_csv_columns.csv``, so quoting or case changes in a later
export do not matter and a renamed column is a data edit.

One record per notice: source ``contracts_finder``, source_ref its Notice Identifier. The
identifier is usually the buyer's own reference, so a CF notice link is made only when the
identifier is a CF notice GUID; the export has no column holding the notice's own link
(``Links`` holds links the buyer added, often to other notices).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from etl.extract.columns import ColumnMap
from etl.extract.csvfile import csv_rows, extra_fields_warning, open_csv, raw_row
from etl.extract.result import ReadResult
from etl.normalise.cpv import classify, normalise_cpv
from etl.normalise.names import clean, company_number
from etl.normalise.values import annual_value, blank_errors, iso_date, parse_date, parse_money, spreadsheet_error
from etl.records import new_record
from etl.reference import borough_code, norm_key

SOURCE = "contracts_finder"
KIND = "cf_csv"
NOTICE_URL = "https://www.contractsfinder.service.gov.uk/Notice/{}"
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)

COLUMNS = ColumnMap("cf_csv_columns.csv")  # field -> the export's header
REQUIRED = ("notice_id", "buyer", "status", "title")
SIGNATURE = {"notice_id", "notice_type", "buyer", "cpv", "suppliers"}  # fields that make a CSV a CF export

PLANNING_TYPES = {
    "pipeline",
    "early engagement",
    "earlyengagement",
    "future opportunity",
    "preprocurement",
    "pre procurement",
}
STATUS_STAGE = {"awarded": "contract", "open": "tender", "closed": "tender"}
SKIP_STATUS = {"withdrawn": "withdrawn notice", "cancelled": "cancelled notice"}


def is_cf_header(keys: set[str]) -> bool:
    """Whether normalised header cells are a Contracts Finder export's (for etl.extract.detect)."""
    return {COLUMNS.field(k) for k in keys} >= SIGNATURE


@dataclass(frozen=True)
class Supplier:
    name: str
    address: str
    ref_type: str
    ref_number: str
    is_sme: str
    is_vcse: str


def read_cf_csv(path: str | Path) -> ReadResult:
    """Read one CF export; rows are counted as read, loaded, rejected or skipped."""
    path = Path(path)
    result = ReadResult(path, KIND)
    reader, names = open_csv(path, result, "CSV export")
    header = _header(path, names)
    seen: set[str] = set()
    for first_line, row in csv_rows(reader, path, result, SOURCE, names):
        result.records_read += 1
        cells = {field: (row[i] if i < len(row) else "") for field, i in header.items()}
        errors = blank_errors(cells)
        location = f"row {result.records_read + 1} (line {first_line})"
        loaded = len(result.records)
        _read_row(cells, raw_row(names, row), location, seen, result)
        if errors and len(result.records) > loaded:
            result.records[-1]["warnings"] += errors
    return result


def _header(path: Path, names: list[str]) -> dict[str, int]:
    """Field -> column index (a repeated header: its last column), checked for the columns a record needs."""
    header = {}
    for i, name in enumerate(names):
        if field := COLUMNS.field(name):
            header[field] = i
    missing = [COLUMNS.spelling(f) for f in REQUIRED if f not in header]
    if missing:
        raise ValueError(f"{path.name}: not a Contracts Finder CSV export (no column {', '.join(missing)})")
    return header


def _read_row(cells: dict[str, str], raw: dict, location: str, seen: set[str], result: ReadResult) -> None:
    """Load, reject or skip one row."""
    if not any(str(v).strip() for v in raw.values()):
        result.skipped["blank row"] += 1
        return
    notice_id = clean(cells["notice_id"])
    if not notice_id:
        result.reject(SOURCE, location, "no Notice Identifier", raw)
        return
    if notice_id in seen:
        result.skipped["Notice Identifier repeated in the file"] += 1
        return
    stage, skip = notice_stage(cells.get("notice_type", ""), cells["status"])
    if skip:
        result.skipped[skip] += 1
        return
    if stage is None:
        reason = f"unknown notice type / status {cells.get('notice_type', '')!r} / {cells['status']!r}"
        result.reject(SOURCE, location, reason, raw)
        return
    seen.add(notice_id)
    record = cf_record(cells, notice_id, stage, result.path.name)
    if warning := extra_fields_warning(raw):
        record["warnings"].append(warning)
    result.records.append(record)


def notice_stage(notice_type: str, status: str) -> tuple[str | None, str | None]:
    """(stage, None) for a notice to load, (None, reason) for one to skip, (None, None) if unknown."""
    kind, state = norm_key(notice_type), norm_key(status)
    if state in SKIP_STATUS:
        return None, SKIP_STATUS[state]
    if kind in PLANNING_TYPES:
        return "planning", None
    return STATUS_STAGE.get(state), None


def cf_record(cells: dict[str, str], notice_id: str, stage: str, file_name: str) -> dict:
    """Map one export row to a record; what was not clean goes into its warnings."""
    rec = new_record(
        SOURCE,
        notice_id,
        file_name,
        source_url=NOTICE_URL.format(notice_id.lower()) if GUID.fullmatch(notice_id) else None,
        buyer_name=clean(cells["buyer"]) or None,
        stage=stage,
        title=clean(cells["title"]) or None,
        description=clean(cells.get("description")) or None,
        contact_name=clean(cells.get("contact_name")) or None,
        contact_email=clean(cells.get("contact_email")) or None,
    )
    warnings = rec["warnings"]
    rec["borough_code"] = borough_code(rec["buyer_name"])
    if rec["buyer_name"] is None:
        warnings.append("no Organisation Name")
    _suppliers(rec, cells.get("suppliers", ""), warnings)
    _cpv(rec, cells.get("cpv", ""), warnings)
    _dates(rec, cells, warnings)
    _values(rec, cells, warnings)
    return rec


def parse_suppliers(packed: str) -> tuple[list[Supplier], list[str]]:
    """Split the packed supplier column into suppliers; addresses may themselves contain '|'."""
    entries, problems = _entries(packed)
    return [_supplier(parts) for parts in entries], problems


def _entries(packed: str) -> tuple[list[list[str]], list[str]]:
    """Each supplier's six fields as written (an address holding '|' spread over several), and problems."""
    text = (packed or "").strip()
    if not text:
        return [], []
    if not (text.startswith("[") and text.endswith("]")):
        return [], [f"supplier column not in [name|address|...] form: {clean(text)[:80]!r}"]
    entries, problems = [], []
    for chunk in re.split(r"\]\s*\[", text[1:-1]):
        parts = chunk.split("|")
        if len(parts) < 6:
            problems.append(f"supplier entry with {len(parts)} of 6 fields: {clean(chunk)[:80]!r}")
            parts += [""] * (6 - len(parts))
        entries.append(parts)
    return entries, problems


def _name(parts: list[str]) -> str:
    return clean(parts[0]).strip(" ,;")


def _supplier(parts: list[str]) -> Supplier:
    return Supplier(_name(parts), clean("|".join(parts[1:-4])), *(clean(p) for p in parts[-4:]))


def _suppliers(rec: dict, packed: str, warnings: list[str]) -> None:
    fields, found = _supplier_fields(packed, rec["stage"] == "contract")
    rec.update(fields)
    warnings.extend(found)


@lru_cache(maxsize=1 << 14)
def _supplier_fields(packed: str, awarded: bool) -> tuple[dict, tuple[str, ...]]:
    """The record fields and warnings one packed supplier column gives, once per distinct column (the
    same suppliers recur on many notices); of a framework's many suppliers only the names are cleaned."""
    entries, warnings = _entries(packed)
    names = [_name(parts) for parts in entries]
    errors = [name for name in names if spreadsheet_error(name)]
    warnings.extend(f"supplier: spreadsheet error {e!r} as a supplier name; taken as blank" for e in errors)
    named = [i for i, name in enumerate(names) if name and name.lower() != "null" and name not in errors]
    if not named:
        if awarded:
            warnings.append("awarded notice names no supplier")
        return {}, tuple(warnings)
    main = _supplier(entries[named[0]])
    fields = {"supplier_raw": main.name}
    if norm_key(main.ref_type) == "companies house":
        fields["company_number"] = company_number(main.ref_number)
        if fields["company_number"] is None and main.ref_number:
            warnings.append(f"Companies House number {main.ref_number!r} is not valid")
    if len(named) > 1:
        warnings.append(f"{len(named)} suppliers named; supplier is the first, {main.name!r}")
    return fields, tuple(warnings)


def _cpv(rec: dict, text: str, warnings: list[str]) -> None:
    fields, warning = _cpv_fields(text or "")
    rec.update(fields, cpv_codes=list(fields["cpv_codes"]))  # each record its own list
    if warning:
        warnings.append(warning)


@lru_cache(maxsize=1 << 12)
def _cpv_fields(text: str) -> tuple[dict, str | None]:
    """The CPV fields and warning of one CPV column, once per distinct column (a few dozen recur)."""
    codes, bad = [], []
    for token in text.split():
        code = normalise_cpv(token)
        if code is None:
            bad.append(token)
        elif code not in codes:
            codes.append(code)
    return classify(codes), (f"CPV codes not understood: {' '.join(bad)}" if bad else None)


def _dates(rec: dict, cells: dict[str, str], warnings: list[str]) -> None:
    """Contract start/end when given, else the notice's own (estimated) start/end."""
    given = (cells.get(f, "") for f in ("contract_start", "start", "contract_end", "end"))
    fields, found = _term_fields(*given)
    rec.update(fields)
    warnings.extend(found)
    rec["published_date"], warning = iso_date(cells.get("published"))
    if warning:
        warnings.append(f"published_date: {warning}")


@lru_cache(maxsize=1 << 14)
def _term_fields(contract_start: str, start: str, contract_end: str, end: str) -> tuple[dict, tuple[str, ...]]:
    """Start, end and their warnings, once per distinct four date cells (notices share their terms)."""
    fields, warnings = {}, []
    for field_name, primary, fallback, is_end in (
        ("start_date", contract_start, start, False),
        ("end_date", contract_end, end, True),
    ):
        text, used_fallback = primary.strip(), False
        if not text and fallback.strip():
            text, used_fallback = fallback.strip(), True
        value, warning = parse_date(text, end=is_end)
        fields[field_name] = value
        if warning:
            warnings.append(f"{field_name}: {warning}")
        if used_fallback and value is not None:
            warnings.append(f"{field_name} is the notice's estimate, not the contract's")
    if fields["start_date"] and fields["end_date"] and fields["end_date"] < fields["start_date"]:
        warnings.append("end date before start date")
    fields["max_end_date"] = fields["end_date"]
    return fields, tuple(warnings)


def _amount(cells: dict[str, str], name: str, warnings: list[str]) -> float | None:
    value, warning = parse_money(cells.get(name))
    if warning:
        warnings.append(f"{name}: {warning}")
    return value if value and value > 1 else None  # CF writes 0 (and 1) for "not disclosed"


def _values(rec: dict, cells: dict[str, str], warnings: list[str]) -> None:
    """Awarded value for awards; else the top of the estimated range (with a warning)."""
    awarded = _amount(cells, "awarded_value", warnings)
    high = _amount(cells, "value_high", warnings)
    low = _amount(cells, "value_low", warnings)
    estimate = max(high or 0, low or 0) or None
    if awarded is not None:
        rec["total_value"] = awarded
    elif estimate is not None:
        rec["total_value"] = estimate
        if rec["stage"] == "contract":
            warnings.append("no awarded value; total is the notice's estimated value")
    if rec["total_value"] is not None and rec["start_date"] and rec["end_date"]:
        rec["annual_value"] = annual_value(rec["total_value"], rec["start_date"], rec["end_date"])
