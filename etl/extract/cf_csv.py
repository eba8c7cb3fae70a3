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
from etl.normalise.values import annual_value, iso_date, parse_date, parse_money, spreadsheet_error
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
    """Read one CF export column by column: each column's distinct cells are parsed once (notices
    share buyers, statuses, terms, amounts and suppliers), then each row is loaded, rejected or
    skipped in file order."""
    path = Path(path)
    result = ReadResult(path, KIND)
    reader, names = open_csv(path, result, "CSV export")
    header = _header(path, names)
    rows = read_rows(reader, path, result, SOURCE, names)
    columns = field_columns(header, [row for _, _, row in rows])
    errors = blank_column_errors(columns)
    parsed = _parsed(columns)
    plain = len(set(names)) == len(names)  # no repeated header: a row's raw record holds all its cells
    seen: set[str] = set()
    for j, (number, first_line, row) in enumerate(rows):
        if _is_blank(names, row, plain):
            result.skipped["blank row"] += 1
            continue
        record = _read_row(j, parsed, seen, result)
        if isinstance(record, str):
            result.reject(SOURCE, f"row {number + 1} (line {first_line})", record, raw_row(names, row))
        elif record is not None:
            if len(row) > len(names):
                record["warnings"].append(extra_fields_warning(raw_row(names, row)))
            record["warnings"] += errors.get(j, [])
            result.records.append(record)
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


def _parsed(columns: dict[str, list[str]]) -> dict[str, list]:
    """Per field, what each row's cells give, parsed once per distinct cell (or cells)."""
    n = len(columns["notice_id"])
    get = lambda field: columns.get(field) or [""] * n  # noqa: E731 - an optional column reads blank

    def cleaned(field: str) -> list[str | None]:
        return each(get(field), lambda v: clean(v) or None)

    buyers = cleaned("buyer")
    terms = zip(get("contract_start"), get("start"), get("contract_end"), get("end"), strict=True)
    return {
        "notice_id": each(columns["notice_id"], clean),
        "stage": each(list(zip(get("notice_type"), columns["status"], strict=True)), _decision),
        "buyer": buyers,
        "borough": each(buyers, borough_code),
        **{f: cleaned(f) for f in ("title", "description", "contact_name", "contact_email")},
        "suppliers": get("suppliers"),
        "cpv": each(get("cpv"), _cpv_fields),
        "terms": each(list(terms), lambda t: _term_fields(*t)),
        "published": each(get("published"), iso_date),
        "money": each(list(zip(get("awarded_value"), get("value_high"), get("value_low"), strict=True)), _money),
    }


def _is_blank(names: list[str], row: list[str], plain: bool) -> bool:
    """Whether the row's raw record (``raw_row``) holds no text; without repeated or extra cells, its
    cells joined tell."""
    if plain and len(row) <= len(names):
        return not "".join(row).strip()
    return not any(str(v).strip() for v in raw_row(names, row).values())


def _read_row(j: int, parsed: dict[str, list], seen: set[str], result: ReadResult) -> dict | str | None:
    """Row ``j``'s record, the reason to reject it, or None when it is skipped (counted)."""
    notice_id = parsed["notice_id"][j]
    if not notice_id:
        return "no Notice Identifier"
    if notice_id in seen:
        result.skipped["Notice Identifier repeated in the file"] += 1
        return None
    stage, skip, unknown = parsed["stage"][j]
    if skip:
        result.skipped[skip] += 1
        return None
    if unknown:
        return unknown
    seen.add(notice_id)
    return cf_record(j, parsed, notice_id, stage, result.path.name)


def _decision(cells: tuple[str, str]) -> tuple[str | None, str | None, str | None]:
    """(stage, skip reason, reject reason) of a notice type and status."""
    stage, skip = notice_stage(*cells)
    unknown = None if stage or skip else f"unknown notice type / status {cells[0]!r} / {cells[1]!r}"
    return stage, skip, unknown


def notice_stage(notice_type: str, status: str) -> tuple[str | None, str | None]:
    """(stage, None) for a notice to load, (None, reason) for one to skip, (None, None) if unknown."""
    kind, state = norm_key(notice_type), norm_key(status)
    if state in SKIP_STATUS:
        return None, SKIP_STATUS[state]
    if kind in PLANNING_TYPES:
        return "planning", None
    return STATUS_STAGE.get(state), None


def cf_record(j: int, parsed: dict[str, list], notice_id: str, stage: str, file_name: str) -> dict:
    """Row ``j``'s record from its parsed cells; what was not clean goes into its warnings."""
    rec = new_record(
        SOURCE,
        notice_id,
        file_name,
        source_url=NOTICE_URL.format(notice_id.lower()) if GUID.fullmatch(notice_id) else None,
        buyer_name=parsed["buyer"][j],
        stage=stage,
        title=parsed["title"][j],
        description=parsed["description"][j],
        contact_name=parsed["contact_name"][j],
        contact_email=parsed["contact_email"][j],
    )
    warnings = rec["warnings"]
    rec["borough_code"] = parsed["borough"][j]
    if rec["buyer_name"] is None:
        warnings.append("no Organisation Name")
    fields, found = _supplier_fields(parsed["suppliers"][j], stage == "contract")
    rec.update(fields)
    warnings.extend(found)
    fields, warning = parsed["cpv"][j]
    rec.update(fields, cpv_codes=list(fields["cpv_codes"]))  # each record its own list
    if warning:
        warnings.append(warning)
    _dates(rec, parsed["terms"][j], parsed["published"][j], warnings)
    _values(rec, parsed["money"][j], warnings)
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
    main, parts = names[named[0]], entries[named[0]]  # its address and flags are not record fields
    fields = {"supplier_raw": main}
    if norm_key(clean(parts[-4])) == "companies house":
        number = clean(parts[-3])
        fields["company_number"] = company_number(number)
        if fields["company_number"] is None and number:
            warnings.append(f"Companies House number {number!r} is not valid")
    if len(named) > 1:
        warnings.append(f"{len(named)} suppliers named; supplier is the first, {main!r}")
    return fields, tuple(warnings)


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


def _dates(rec: dict, terms: tuple[dict, tuple[str, ...]], published: tuple, warnings: list[str]) -> None:
    """Contract start/end when given, else the notice's own (estimated) start/end."""
    fields, found = terms
    rec.update(fields)
    warnings.extend(found)
    rec["published_date"], warning = published
    if warning:
        warnings.append(f"published_date: {warning}")


def _amount(text: str, name: str, warnings: list[str]) -> float | None:
    value, warning = parse_money(text)
    if warning:
        warnings.append(f"{name}: {warning}")
    return value if value and value > 1 else None  # CF writes 0 (and 1) for "not disclosed"


def _money(cells: tuple[str, str, str]) -> tuple[float | None, bool, tuple[str, ...]]:
    """(total, whether it is the estimate, warnings) of one row's awarded value and estimated range:
    the awarded value, else the top of the range."""
    warnings: list[str] = []
    awarded = _amount(cells[0], "awarded_value", warnings)
    high = _amount(cells[1], "value_high", warnings)
    low = _amount(cells[2], "value_low", warnings)
    if awarded is not None:
        return awarded, False, tuple(warnings)
    estimate = max(high or 0, low or 0) or None
    return estimate, estimate is not None, tuple(warnings)


def _values(rec: dict, money: tuple[float | None, bool, tuple[str, ...]], warnings: list[str]) -> None:
    """Awarded value for awards; else the top of the estimated range (with a warning)."""
    total, estimated, found = money
    warnings.extend(found)
    if total is None:
        return
    rec["total_value"] = total
    if estimated and rec["stage"] == "contract":
        warnings.append("no awarded value; total is the notice's estimated value")
    if rec["start_date"] and rec["end_date"]:
        rec["annual_value"] = annual_value(total, rec["start_date"], rec["end_date"])
