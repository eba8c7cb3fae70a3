"""What kind of contract file a path is, judged by its content, never its name.

Users drop whatever they downloaded into a folder: a ``.json`` may be JSON Lines, a ``.txt``
may be a CSV export. Only the first bytes are read (JSON top-level keys are scanned with ijson
up to the first array, so a large package is not parsed).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import ijson

from etl.extract.cf_csv import is_cf_header
from etl.extract.csvfile import utf16_codec
from etl.extract.flat_ocds import KIND as FLAT_OCDS
from etl.extract.flat_ocds import flat_layout
from etl.extract.limits import TooDeep, events, loads
from etl.extract.listing import CSV_KIND as LISTING_CSV
from etl.extract.listing import LIBRARY_KEY, LIBRARY_KIND, is_listing_header, listing_field
from etl.normalise.names import clean
from etl.reference import norm_key

HEAD_BYTES = 64 * 1024
FIRST_LINE_LIMIT = 1024 * 1024  # a longer first line is scanned with ijson instead of parsed
KINDS = ("ocds_release_package", "ocds_record_package", "ocds_jsonl", "cf_csv", "register_csv", FLAT_OCDS,
         LISTING_CSV, LIBRARY_KIND)  # fmt: skip

# words in a contract register's headers (Local Government Transparency Code registers):
# something describing the contract, a supplier, and a value or date
REGISTER_WHAT = ("title", "description", "contract name", "subject", "service", "contract details")
REGISTER_WHO = ("supplier", "contractor", "vendor", "provider", "awarded to")
REGISTER_WHEN_OR_HOW_MUCH = ("value", "amount", "cost", "start", "end", "expiry", "expires", "term")


BINARY_SIGNATURES = (b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")  # zips (xlsx, ods), PDFs, OLE (xls)


def binary_reason(path: str | Path) -> str | None:
    """Why a file of no known kind is binary: NUL bytes in a file that is no known container (a
    spreadsheet, a zip, a PDF), so its rejection says so; None otherwise."""
    try:
        with open(path, "rb") as f:
            head = f.read(HEAD_BYTES)
    except OSError:
        return None
    if head.startswith(BINARY_SIGNATURES) or utf16_codec(head) or b"\x00" not in head:
        return None
    return f"{Path(path).name}: contains NUL bytes (binary file?), the first at byte {head.find(bytes(1)) + 1:,}"


def detect_kind(path: str | Path) -> str | None:
    """One of KINDS, or None when the file is none of them (or cannot be read)."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(HEAD_BYTES)
    except OSError:
        return None
    text = _text(head)
    if text is None:
        return None
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return _json_kind(path)
    if stripped.startswith("["):
        return None  # a bare array of releases is not a package
    return _csv_kind(stripped)


def _text(head: bytes) -> str | None:
    """The head as text (UTF-16 decoded), or None for binary files (spreadsheets, zips, PDFs, NULs)."""
    if head.startswith(BINARY_SIGNATURES):
        return None
    if codec := utf16_codec(head):
        return head[: len(head) - len(head) % 2].decode(codec, errors="ignore")
    if b"\x00" in head:
        return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return head.decode(encoding)
        except UnicodeDecodeError as exc:
            if encoding == "utf-8-sig" and exc.start >= len(head) - 4:
                return head[: exc.start].decode("utf-8-sig")  # a character cut at the read limit
    return None


def _json_kind(path: Path) -> str | None:
    """A first line that is a whole JSON object decides between JSON Lines and a minified
    package; otherwise (pretty-printed or very long) the top-level keys are scanned."""
    obj, more_lines = _first_line_object(path)
    if not isinstance(obj, dict):
        return _package_kind(path)
    if "ocid" in obj or (isinstance(obj.get("releases"), list) and more_lines):
        return "ocds_jsonl"
    if isinstance(obj.get("releases"), list):
        return "ocds_release_package"
    if isinstance(obj.get("records"), list):
        return "ocds_record_package"
    if isinstance(obj.get(LIBRARY_KEY), list):
        return LIBRARY_KIND
    return None


def _first_line_object(path: Path) -> tuple[object, bool]:
    """(the first non-blank line parsed as JSON or None, whether another non-blank line follows)."""
    try:
        with open(path, "rb") as f:
            line = b""
            while not line.strip():
                line = f.readline(FIRST_LINE_LIMIT)
                if not line:
                    return None, False
            if len(line) >= FIRST_LINE_LIMIT and not line.endswith(b"\n"):
                return None, False  # too long to parse here: scan it instead
            obj = loads(line.decode("utf-8-sig"), constants=True)  # a NaN is rejected with its line
            more = any(rest.strip() for rest in iter(lambda: f.readline(FIRST_LINE_LIMIT), b""))
            return obj, more
    except (ValueError, OSError):  # not JSON, or nested too deeply: the scan below says which
        return None, False


def _package_kind(path: Path) -> str | None:
    """Scan a JSON object's top-level keys for "releases", "records" (OCDS) or a library catalogue list;
    JSON nested too deeply before them is refused (ValueError naming the file), not scanned."""
    kinds = {"releases": "ocds_release_package", "records": "ocds_record_package", LIBRARY_KEY: LIBRARY_KIND}
    try:
        with open(path, "rb") as f:
            for prefix, event, value in events(f):
                if prefix == "" and event == "map_key" and value in kinds:
                    return kinds[value]
    except TooDeep as exc:
        raise ValueError(f"{Path(path).name}: {exc}") from exc
    except (ijson.JSONError, UnicodeDecodeError, OSError):
        return None
    return None


def _csv_kind(text: str) -> str | None:
    try:
        header = next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error:
        return None
    if flat_layout(header):  # first: "releases/0/tender/title" must not pass for a register's "title"
        return FLAT_OCDS
    keys = {norm_key(clean(cell)) for cell in header if cell.strip()}
    if is_cf_header(keys):
        return "cf_csv"
    # a listing names a system and an authority, and no contract terms (a register has values or dates)
    if is_listing_header({listing_field(cell) for cell in header}) and not _has(keys, REGISTER_WHEN_OR_HOW_MUCH):
        return LISTING_CSV
    if _has(keys, REGISTER_WHAT) and _has(keys, REGISTER_WHO) and _has(keys, REGISTER_WHEN_OR_HOW_MUCH):
        return "register_csv"
    return None


def _has(keys: set[str], words: tuple[str, ...]) -> bool:
    return any(f" {w} " in f" {k} " for k in keys for w in words)
