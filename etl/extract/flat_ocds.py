"""Flattened OCDS (the flatten-tool layout, as CSV) -> releases -> the OCDS reader's records.

Contracts Finder's daily CSV and many tools publish OCDS as one spreadsheet row per release or
per package, a column per JSON path. Two column styles are read:

- one release per row: ``ocid``, ``id``, ``date``, ``tag``, ``tender/title``,
  ``awards/0/suppliers/1/name``... (``flattentool flatten --root-list-path releases``);
- one package per row: ``uri``, ``publishedDate``, ``releases/0/ocid``,
  ``releases/0/tender/title``... (a release package flattened whole).

flattentool (the Open Contracting Partnership's own tool) turns each row back into JSON. A CSV
has no types and no schema is downloaded, so numbers, true/false and lists of strings are typed
here by field name (``FIELD_TYPES``), as the OCDS schema types them; every other cell stays
text. Array items keep their positions: flattentool is told not to merge objects by ``id``,
which would merge suppliers that share ``"id": 0`` into one. The releases then go through
``etl.extract.ocds`` exactly as released JSON does (grouped and compiled per ocid, the row's
package ``uri`` naming the notice as a package's does), so a notice loads once whether it came
as JSON or as CSV.

Refused, with the command that converts them: headers given as titles ("Open Contracting ID")
and the sheets of a multi-sheet layout (a ``main`` sheet with ``awards``, ``tender_items``...
beside it), whose releases are split over several files.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections import OrderedDict
from functools import cache
from pathlib import Path

from etl.extract.csvfile import csv_rows, decode_csv
from etl.extract.ocds import Collector
from etl.extract.result import ReadResult

KIND = "ocds_flat_csv"
CONVERT = (
    "flattentool unflatten -f csv --root-list-path releases --id-name id --root-id ocid "
    "[--convert-titles --schema release-schema.json] -o releases.json FOLDER_OF_SHEETS"
)
PACKAGE_OCID = re.compile(r"^releases/\d+/ocid$")
INDEX = re.compile(r"/\d+(/|$)")
TITLE_OCID = "open contracting id"  # the OCDS schema's title of ``ocid``, as flatten-tool --use-titles writes it

# OCDS fields that are not strings, by name wherever they occur (release schema 1.1 and the
# extensions UK publishers use); an integer or number is kept as text when it does not parse.
FIELD_TYPES = {
    **dict.fromkeys(("amount", "amountGross", "amountNet", "quantity", "x_awardValue"), "number"),
    **dict.fromkeys(
        (
            "durationInMonths", "durationInDays", "maximumRenewals", "numberOfTenderers",
            "maximumCandidates", "minimumCandidates", "maximumLotsBidPerSupplier", "maximumLotsAwardedPerSupplier",
        ),
        "integer",
    ),
    **dict.fromkeys(
        (
            "aboveThreshold", "competitive", "hasElectronicOrdering", "hasElectronicPayment", "hasOptions",
            "hasRecurrence", "hasRenewal", "isSuitableForSme", "isSuitableForVco", "noNegotiationNecessary",
            "requiresStaffNamesAndQualifications", "successiveReduction", "supplyChain", "sme", "vco", "vcse",
            "hasElectronicAuction", "hasDynamicPurchasingSystem", "hasFrameworkAgreement", "isSME",
        ),
        "boolean",
    ),
    **dict.fromkeys(
        (
            "tag", "roles", "relatedLots", "submissionMethod", "additionalProcurementCategories", "appliesTo",
            "coveredBy", "languages", "specialRegime", "relationship",
        ),
        "strings",
    ),
}  # fmt: skip
TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no"}
NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")


def flat_layout(header: list[str]) -> str | None:
    """How a CSV header flattens OCDS: "releases" (a release per row), "packages" (a package per
    row), "titles" (headers as titles), "sheet" (one array's sheet of a multi-sheet layout), or
    None when it is not flattened OCDS. Used by ``etl.extract.detect`` before any other CSV kind."""
    cells = [c.strip() for c in header if c and c.strip()]
    if any(PACKAGE_OCID.match(c) for c in cells):
        return "packages"
    if any(c.casefold().endswith(TITLE_OCID) for c in cells):
        return "titles"
    if "ocid" not in cells or not any("/" in c for c in cells):
        return None
    own = [c for c in cells if c not in {"ocid", "id"} and not c.endswith("/id")]
    return "sheet" if own and all(INDEX.search(c) for c in own) else "releases"


def read_flat_ocds(path: str | Path) -> ReadResult:
    """Read one flattened OCDS CSV; every release is counted as read, loaded, rejected or skipped."""
    path = Path(path)
    result = ReadResult(path, KIND)
    header, body = _rows(path, result)
    layout = flat_layout(header)
    _refuse(path, layout)
    kept = []
    for n, (line, row) in enumerate(body, 2):
        if not any(cell.strip() for cell in row):
            result.records_read += 1
            result.skipped["blank row"] += 1
        else:
            kept.append((f"row {n} (line {line})", row))
            if len(row) > len(header):
                result.notes.append(f"row {n} has {len(row) - len(header)} more fields than the header; not read")
    units = _unflatten(header, [row for _, row in kept], layout, result)
    _collect(result, [(location, unit) for (location, _), unit in zip(kept, units, strict=True)], layout)
    result.notes = list(dict.fromkeys(result.notes))
    return result


def _rows(path: Path, result: ReadResult) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header cells and (first line, cells) of each row; an empty file is refused."""
    reader = csv.reader(io.StringIO(decode_csv(path, result, "flattened OCDS CSV"), newline=""))
    rows = list(csv_rows(reader, path, result, "ocds"))
    if not rows:
        raise ValueError(f"{path.name}: empty file")
    return [c.strip() for c in rows[0][1]], rows[1:]


def _refuse(path: Path, layout: str | None) -> None:
    """Raise ValueError naming the file for a layout that cannot be read one file at a time."""
    if layout == "titles":
        raise ValueError(
            f"{path.name}: flattened OCDS with column titles (such as 'Open Contracting ID') instead of "
            f"paths such as 'ocid'; convert it to JSON with `{CONVERT}` (titles need the schema) and load that"
        )
    if layout == "sheet" or (layout == "releases" and _has_sheets_beside(path)):
        raise ValueError(
            f"{path.name}: one sheet of flattened OCDS split over several files (a main sheet and a sheet per "
            f"array); convert the folder of sheets to JSON with `{CONVERT}` and load that"
        )
    if layout not in {"releases", "packages"}:
        raise ValueError(f"{path.name}: not flattened OCDS (no 'ocid' or 'releases/0/ocid' column)")


def _has_sheets_beside(path: Path) -> bool:
    """Whether another CSV in the same folder is a sheet of one array, keyed by ocid: then this
    file is the main sheet of a multi-sheet layout and holds only part of each release."""
    for other in sorted(path.parent.glob("*.csv")):
        if other == path:
            continue
        try:
            with open(other, encoding="utf-8-sig", errors="replace", newline="") as f:
                header = next(csv.reader(f), [])
        except (OSError, csv.Error):
            continue
        if flat_layout(header) == "sheet":
            return True
    return False


@cache
def _sheet_class() -> type:
    """flattentool's spreadsheet reader, subclassed on first use: importing flattentool costs about
    half a second, which every build paid though few read a flattened CSV."""
    from flattentool.input import SpreadsheetInput

    class _Sheet(SpreadsheetInput):
        """One decoded CSV as flattentool's only sheet (flattentool reads files from a folder itself)."""

        def __init__(self, header: list[str], rows: list[list[str]], **options) -> None:
            super().__init__(**options)
            self.header, self.rows = header, rows

        def read_sheets(self) -> None:
            self.sub_sheet_names = ["main"]
            self.sheet_names_map = OrderedDict(main="main")
            self.configure_sheets()

        def get_sheet_headings(self, sheet_name: str) -> list[str]:
            return self.header

        def get_sheet_lines(self, sheet_name: str):
            """Each row's non-empty cells only: flattentool skips empty ones anyway, and a wide sparse
            export (two thousand columns, most empty) would otherwise cost it a Cell per column."""
            for row in self.rows:
                yield OrderedDict((name, cell) for name, cell in zip(self.header, row, strict=False) if cell != "")

    return _Sheet


def _unflatten(header: list[str], rows: list[list[str]], layout: str, result: ReadResult) -> list[dict]:
    """One JSON object per row (a release, or a package), in row order, typed by ``FIELD_TYPES``.

    No root id and no id name: rows are never merged with each other, nor array items by id.
    flattentool's warnings (a column that is both a list and an object...) become file notes.
    """
    options = {"root_is_list": True} if layout == "packages" else {"root_list_path": "releases"}
    sheet = _sheet_class()(header, rows, root_id=None, id_name=None, **options)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sheet.read_sheets()
        objects = [typed(obj, result) for obj in sheet.unflatten()]
    result.notes += list(dict.fromkeys(f"flattentool: {w.message}" for w in caught))
    if len(objects) != len(rows):  # flattentool keeps one object per non-blank row; say so if not
        raise ValueError(f"{result.path.name}: {len(rows)} rows gave {len(objects)} objects when unflattened")
    return objects


def typed(value: object, result: ReadResult | None = None, key: str = "") -> object:
    """A copy of unflattened JSON with the cells of ``FIELD_TYPES`` fields typed."""
    if isinstance(value, dict):
        return {k: typed(v, result, k) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v, result, key) for v in value]
    kind = FIELD_TYPES.get(key)
    if not isinstance(value, str) or kind is None:
        return value
    text = value.strip()
    if kind == "strings":
        return [part.strip() for part in text.split(";") if part.strip()]
    if kind == "boolean" and text.casefold() in TRUE | FALSE:
        return text.casefold() in TRUE
    if kind in {"number", "integer"} and NUMBER.match(text):
        number = float(text)
        if number.is_integer() and (kind == "integer" or not re.search(r"[.eE]", text)):
            return int(number)
        return number
    if result is not None:
        result.notes.append(f"{key} {text!r} is not a{'n' if kind == 'integer' else ''} {kind}; kept as text")
    return value


def _collect(result: ReadResult, units: list[tuple[str, dict]], layout: str) -> None:
    """Hand the releases to the OCDS reader, one group per ocid, each with the package URI that
    names its notice (the row's ``uri`` when that row's package holds this ocid alone)."""
    groups: dict[object, list[tuple[str, object, str | None]]] = {}
    for location, unit in units:
        if layout == "releases":
            releases, uri = [unit], None
        else:
            releases = unit.get("releases")
            if not isinstance(releases, list) or not releases:
                result.records_read += 1
                result.reject("ocds", location, "row holds no release", unit)
                continue
            ocids = {r.get("ocid") for r in releases if isinstance(r, dict)}
            uri = unit.get("uri") if len(ocids) == 1 and isinstance(unit.get("uri"), str) else None
        for i, release in enumerate(releases, 1):
            where = f"{location} release {i}" if len(releases) > 1 else location
            ocid = release.get("ocid") if isinstance(release, dict) else None
            groups.setdefault(ocid if isinstance(ocid, str) else None, []).append((where, release, uri))
    for ocid, members in groups.items():
        latest = max(range(len(members)), key=lambda i: (str(_date(members[i][1])), i))
        collector = Collector(result, None, members[latest][2] if ocid is not None else None)
        for where, release, _ in members:
            collector.add(release, where)
        collector.finish()


def _date(release: object) -> object:
    return release.get("date") or "" if isinstance(release, dict) else ""
