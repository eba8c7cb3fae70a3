"""Public system listings -> records: which system an authority runs for a service, said in public.

No open dataset of contracts says which library system a borough runs, but some public lists do.
Two layouts are read:

- a simple CSV, one row per authority and system: authority name or ONS code, service area,
  system, supplier, source, as-of date (header spellings in ``refdata/listing_columns.csv``);
- the Libraries Hacked list of UK library catalogues (``{"LibraryServices": [{"Name", "Code",
  "Type", "Url"}]}``), whose catalogue types map to systems and suppliers through
  ``refdata/listing_catalogues.csv``.

A listing says nothing of terms or money, so each record is source ``listing``, stage
``contract``, with a system, a service area and a supplier only; ``etl.link`` joins it to the
survey row for the same borough, service area and system. Its id is that fact (borough, service
area, system), so the same fact in two listings loads once. Lists cover the whole UK: an
authority outside London is skipped, counted ("not a London authority"), not loaded, because a
listing row is neither a London buyer's contract nor of use without a borough.
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache
from pathlib import Path

from etl.extract.columns import ColumnMap
from etl.extract.csvfile import csv_rows, extra_fields_warning, open_csv, raw_row
from etl.extract.limits import TooDeep, loads
from etl.extract.result import ReadResult
from etl.normalise.names import clean
from etl.normalise.values import blank_errors, parse_date
from etl.records import new_record, stable_id
from etl.reference import System, borough_code, borough_names, known_system, norm_key, read_table, service_area

SOURCE = "listing"
CSV_KIND = "listing_csv"
LIBRARY_KIND = "listing_library_catalogues"
LIBRARY_KEY = "LibraryServices"  # the top-level key of the library catalogue list
LIBRARY_AREA = "Libraries"  # the service area every entry of that list is about
CATALOGUES = "listing_catalogues.csv"
COLUMNS = ColumnMap("listing_columns.csv", suffixes=(" dd mm yyyy", " yyyy mm dd"))
IT_REASON = "public listing"
NOT_LONDON = "not a London authority"
GSS_CODE = re.compile(r"^[ENSWK]\d{8}$")


# --------------------------------------------------------------------------- reference data


@cache
def catalogue_systems() -> dict[str, System]:
    """Catalogue type (normalised) -> the system it is, with the supplier the listing implies.

    A line naming a system that ``refdata/systems.csv`` does not know stops the build, naming the
    line: a catalogue type must land on a system the survey rows can share.
    """
    out = {}
    for n, row in enumerate(read_table(CATALOGUES), start=2):
        system = known_system(row["system"])
        if system is None:
            raise ValueError(f"{CATALOGUES} line {n}: system {row['system']!r} is not in systems.csv")
        out[norm_key(row["catalogue_type"])] = dataclasses.replace(system, supplier=row["supplier"] or system.supplier)
    return out


def listing_field(header: object) -> str | None:
    """The field a listing CSV header names ("ONS code" -> "code"), or None."""
    return COLUMNS.field(header)


def is_listing_header(fields: set[str | None]) -> bool:
    """A header that names a system and an authority (by name or code) is a listing's."""
    return "system" in fields and bool({"authority", "code"} & fields)


# --------------------------------------------------------------------------- shared rules


def authority(code_text: str, name: str) -> tuple[str | None, str | None, str | None]:
    """(borough code, None, None); (None, skip reason, None) outside London; (None, None, reject reason).

    The ONS code decides when given (a name is checked against it); a name alone must be a whole
    London authority name (``borough_code``), since a wrong borough is worse than none.
    """
    code = code_text.strip().upper()
    by_name = borough_code(name) if name else None
    if code and code in borough_names():
        if by_name and by_name != code:
            return None, None, f"ONS code {code} is {borough_names()[code]}, but the name says {name!r}"
        return code, None, None
    if code:
        return (None, NOT_LONDON, None) if GSS_CODE.match(code) else (None, None, f"{code_text!r} is not an ONS code")
    if by_name:
        return by_name, None, None
    return (None, NOT_LONDON, None) if name else (None, None, "no authority name or ONS code")


def resolve_system(text: str) -> System | None:
    """A system named by its name, an alias or a catalogue type ("Civica Spydus", "spydus")."""
    return known_system(text) or catalogue_systems().get(norm_key(text))


def _url(text: str) -> str | None:
    return text if re.match(r"^https?://\S+$", text, re.I) else None


def listing_record(code: str, buyer: str, found: dict, ref: str, file: str) -> dict:
    """One listed system. ``found``: known (a ``System`` or None), system, system_raw, area, and
    optionally area_raw, supplier, url, as_of, description."""
    known: System | None = found["known"]
    return new_record(
        SOURCE,
        ref,
        file,
        record_id=stable_id(SOURCE, code, norm_key(found["area"]), norm_key(found["system"])),
        source_url=found.get("url"),
        published_date=found.get("as_of"),
        borough_code=code,
        buyer_name=buyer or borough_names()[code],
        supplier_raw=found.get("supplier") or (known.supplier if known else None) or None,
        system_name=found["system"],
        system_raw=found["system_raw"],
        manufacturer=known.manufacturer if known else None,
        service_area=found["area"],
        service_area_raw=found.get("area_raw"),
        stage="contract",
        title=found["system"],
        description=found.get("description"),
        is_it=True,
        it_reason=IT_REASON,
    )


# --------------------------------------------------------------------------- the library catalogue list


def read_library_catalogues(path: str | Path) -> ReadResult:
    """Read the UK library catalogue list: each library service loaded, rejected or skipped."""
    path = Path(path)
    result = ReadResult(path, LIBRARY_KIND)
    try:
        data = loads(path.read_bytes().decode("utf-8-sig"))
    except TooDeep as exc:
        raise ValueError(f"{path.name}: {exc}") from exc
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"{path.name}: not a readable JSON library catalogue list ({exc})") from exc
    services = data.get(LIBRARY_KEY) if isinstance(data, dict) else None
    if not isinstance(services, list):
        raise ValueError(f"{path.name}: no {LIBRARY_KEY} list at the top level")
    result.notes.append("the list gives no date: records have no published date")
    for i, entry in enumerate(services):
        result.records_read += 1
        _read_service(entry, f"{LIBRARY_KEY}[{i}]", result)
    return result


def _read_service(entry: object, location: str, result: ReadResult) -> None:
    """Load, reject or skip one library service of the list."""
    if not isinstance(entry, dict):
        result.reject(SOURCE, location, "a library service must be a JSON object", entry)
        return
    name, kind = clean(entry.get("Name")), clean(entry.get("Type"))
    code, skip, problem = authority(clean(entry.get("Code")), name)
    if skip:
        result.skipped[skip] += 1
        return
    system = catalogue_systems().get(norm_key(kind))
    if not problem and system is None:
        problem = (
            f"catalogue type {kind!r} is not in {CATALOGUES} (add a line: {kind},<system>,<supplier>)"
            if kind
            else "no catalogue type"
        )
    if problem:
        result.reject(SOURCE, f"{location} ({name or 'no name'})", problem, entry)
        return
    found = {
        "known": system,
        "system": system.name,
        "system_raw": kind,
        "area": system.service_area or LIBRARY_AREA,
        "url": _url(clean(entry.get("Url"))),
        "description": f"catalogue type {kind!r} in the public listing {result.path.name}",
    }
    result.records.append(listing_record(code, name, found, f"{result.path.name}#{code}", result.path.name))


# --------------------------------------------------------------------------- the simple CSV


def read_listing_csv(path: str | Path) -> ReadResult:
    """Read a system listing CSV; every row after the header is loaded, rejected or skipped."""
    path = Path(path)
    result = ReadResult(path, CSV_KIND)
    reader, names = open_csv(path, result, "system listing CSV")
    columns = _header(path, names, result)
    for line, row in csv_rows(reader, path, result, SOURCE, names):
        result.records_read += 1
        _read_row(row, names, columns, line, result)
    return result


def _header(path: Path, names: list[str], result: ReadResult) -> dict[str, int]:
    """Field -> column index (a repeated field: its first column); unmapped columns become a note."""
    columns, ignored = COLUMNS.columns(names)
    if not is_listing_header(set(columns)):
        raise ValueError(f"{path.name}: not a system listing (needs a system and an authority or ONS code column)")
    if ignored:
        result.notes.append(f"columns not mapped to any field: {', '.join(ignored)}")
    return columns


def _read_row(row: list[str], names: list[str], columns: dict[str, int], line: int, result: ReadResult) -> None:
    """Load, reject or skip one row."""
    raw = raw_row(names, row)
    cells = {field: clean(row[i]) if i < len(row) else "" for field, i in columns.items()}
    errors = blank_errors(cells)
    if not any(clean(c) for c in row):
        result.skipped["blank row"] += 1
        return
    code, skip, problem = authority(cells.get("code", ""), cells.get("authority", ""))
    if skip:
        result.skipped[skip] += 1
        return
    warnings: list[str] = []
    found = _row_facts(cells, warnings)
    problem = problem or found.get("problem")
    if problem:
        result.reject(SOURCE, f"line {line}", problem, raw)
        return
    rec = listing_record(code, cells.get("authority", ""), found, f"{result.path.name}!{line}", result.path.name)
    rec["warnings"] += errors + warnings
    if warning := extra_fields_warning(raw):
        rec["warnings"].append(warning)
    result.records.append(rec)


def _row_facts(cells: dict[str, str], warnings: list[str]) -> dict:
    """What a row says: system, service area (the system's usual one when blank, as for survey rows;
    NULL with a warning when not in the taxonomy), supplier, source, date."""
    text = cells.get("system", "")
    system = resolve_system(text) if text else None
    area_raw = cells.get("service_area", "")
    area = service_area(area_raw) if area_raw else (system.service_area if system else None)
    if area_raw and not area:
        warnings.append(f"service area: {area_raw!r} is not in the service-area list")
    elif not area and text:
        warnings.append(f"service area: blank, and {text!r} is not a known system to take it from")
    as_of, warning = parse_date(cells.get("as_of"))
    if warning:
        warnings.append(f"as-of date: {warning}")
    source = cells.get("source", "")
    found = {
        "known": system,
        "system": system.name if system else text,
        "system_raw": text or None,
        "area": area,
        "area_raw": area_raw or None,
        "supplier": cells.get("supplier") or None,
        "url": _url(source),
        "as_of": as_of,
        "description": f"Source: {source}" if source and not _url(source) else None,
    }
    if not text:
        found["problem"] = "no system named"
    return found
