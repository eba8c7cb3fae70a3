"""Readers for open contract data: Contracts Finder CSV exports and OCDS JSON.

Every reader takes one file and returns a ``ReadResult``: the records it could map (dicts
with every ``etl.records.RECORD_COLUMNS`` key), the rows it rejected with a reason, and counts
of what it skipped on purpose, so that for each file

    records_read == len(records) + len(rejects) + sum(skipped.values())

A file that cannot be read at all raises ``ValueError`` naming the file and the reason.
``read_contract_file`` detects the kind by content and calls the right reader.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from etl.names import clean_text
from etl.parsing import parse_date

LONDON = ZoneInfo("Europe/London")
_NEEDS_FIXING = re.compile(r"[^\t\n\r\x20-\x7e]|&")  # non-ASCII, control characters, HTML entities
RAW_LIMIT = 4000  # characters of a rejected line kept in the rejects table


@dataclass
class ReadResult:
    path: Path
    kind: str
    records: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    records_read: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return self.records_read == len(self.records) + len(self.rejects) + sum(self.skipped.values())

    def reject(self, source: str, location: str, reason: str, raw: object) -> None:
        """Record a unit that could not be loaded; ``raw`` must be JSON-serialisable."""
        if isinstance(raw, str) and len(raw) > RAW_LIMIT:
            raw = raw[:RAW_LIMIT] + "..."
        self.rejects.append(
            {"source": source, "file": self.path.name, "location": location, "reason": reason, "raw": raw}
        )


def read_contract_file(path: str | Path) -> ReadResult:
    """Read an open-data contract file of any kind this package knows, detected by content."""
    from etl.readers.cf_csv import read_cf_csv
    from etl.readers.detect import detect_kind
    from etl.readers.ocds import read_ocds
    from etl.readers.register import read_register

    path = Path(path)
    kind = detect_kind(path)
    if kind == "cf_csv":
        return read_cf_csv(path)
    if kind and kind.startswith("ocds_"):
        return read_ocds(path, kind)
    if kind == "register_csv":
        return read_register(path)
    if kind is None:
        raise ValueError(f"{path.name}: not a Contracts Finder CSV export, OCDS package or contract register")
    raise ValueError(f"{path.name}: no reader in etl.readers for {kind}")


def decode_csv(path: Path, result: ReadResult, kind: str) -> str:
    """A CSV file's text: UTF-8 (Excel's "CSV UTF-8" adds a BOM), else Windows-1252 (plain "CSV").

    A Windows-1252 read is noted on the result; a binary file or an unreadable one is refused
    with a message naming the file.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{path.name}: cannot be read ({exc.strerror})") from exc
    if b"\x00" in data[:4096]:
        raise ValueError(f"{path.name}: binary file, not a {kind}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.notes.append("file is not UTF-8; read as Windows-1252")
        return data.decode("cp1252", errors="replace")


def csv_rows(reader, path: Path):
    """(first line number, cells) of each non-empty row; a row the csv module cannot parse
    stops the file with a message naming the file and the line."""
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ValueError(f"{path.name}: CSV cannot be parsed at line {line} ({exc})") from exc
        if row:  # an empty physical line is not a row
            yield line, row


# --------------------------------------------------------------------------- shared value helpers


def clean(value: object) -> str:
    """``etl.names.clean_text``, but plain printable ASCII skips ftfy (most text; ftfy is slow)."""
    if isinstance(value, str) and not _NEEDS_FIXING.search(value):
        return " ".join(value.split())
    return clean_text(value)


def iso_date(value: object) -> tuple[dt.date | None, str | None]:
    """The UK calendar date of an ISO date or timestamp.

    A timestamp with an offset is moved to London time first: publishers write 1 April as
    "2020-03-31T23:00:00Z" during British Summer Time.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    text = str(value).strip()
    try:
        stamp = dt.datetime.fromisoformat(text)
    except ValueError:
        return parse_date(text)
    if not 1980 <= stamp.year <= 2100:
        return None, f"date {text!r} is out of range"
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(LONDON)
    return stamp.date(), None


def annual_value(total: float | None, start: dt.date | None, end: dt.date | None) -> float | None:
    """Total divided by the term in years, only for terms of at least a year.

    The term is counted in whole months (1 Apr 2020 - 31 Mar 2023 is 36), so a leap day does
    not shave a year's value. Shorter terms are left unknown: scaling a 3-month value up to a
    year would invent spend.
    """
    if total is None or start is None or end is None:
        return None
    months = round(((end - start).days + 1) / 365.25 * 12)
    if months < 12:
        return None
    return round(total * 12 / months, 2)


def company_number(value: object) -> str | None:
    """A Companies House number in its 8-character form ("2688108" -> "02688108"), else None."""
    text = re.sub(r"\s+", "", str(value or "")).upper()
    if re.fullmatch(r"\d{1,8}", text) and int(text):
        return text.zfill(8)
    if re.fullmatch(r"[A-Z]{2}\d{6}", text):
        return text
    return None
