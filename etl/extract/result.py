"""What reading one input file gives: its records, its rejects, and counts of what it skipped.

Every extractor (survey workbook, Contracts Finder CSV, OCDS, register) fills one ``ReadResult``
per file, so that for each file

    records_read == len(records) + rejected + sum(skipped.values())

where ``rejected`` counts rejects of single records (a whole-file reject reads no records).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from etl import schema

SAMPLE_KEYWORD = "citytools-sample"  # `python -m etl sample` marks its files: workbook keyword, file name prefix
RAW_LIMIT = 4000  # characters of a rejected line kept in the rejects table
WHOLE_FILE = "(whole file)"  # the location of a reject that is the whole file


def reject_row(source: str, file: str, location: str, reason: str, raw: object = None) -> dict:
    """A ``rejects`` row; ``raw`` must be JSON-serialisable (text is stored as a JSON string)."""
    if isinstance(raw, str) and len(raw) > RAW_LIMIT:
        raw = raw[:RAW_LIMIT] + "..."
    return schema.row("rejects", source=source, file=file, location=location, reason=reason, raw=raw)


@dataclass
class ReadResult:
    path: Path
    kind: str  # survey, or a contract file kind of etl.extract.detect
    records: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    records_read: int = 0
    notes: list[str] = field(default_factory=list)
    is_sample: bool = False
    error: str | None = None  # set when the whole file was rejected
    # survey returns: the borough of the whole file, where it was found, and headers not understood
    borough_code: str | None = None
    borough_from: str | None = None
    unmapped_columns: list[str] = field(default_factory=list)
    # survey returns: when the return was made, and how that is known ("template cell",
    # "workbook properties", "--survey-date")
    return_date: dt.date | None = None
    return_date_from: str | None = None
    return_contact: dict | None = None  # whom to ask about the return (its cover): name, email, phone
    # survey returns: every header cell read and what became of it, one dict per header:
    # {"sheet", "column" (letter), "header" (as written), "field" (or None), "how": "map" (the
    # column map), "matched 0.87" (by meaning, with its score), "ambiguous", "not mapped"}
    headers: list[dict] = field(default_factory=list)
    # the fields of the survey contract that some header was mapped to (gaps: the wanted ones missing)
    mapped_fields: set[str] = field(default_factory=set)

    @property
    def status(self) -> str:
        return "rejected" if self.error else "loaded"

    @property
    def rejected(self) -> int:
        """Rejected records; a whole-file reject is the file's status, not a record."""
        return sum(r["location"] != WHOLE_FILE for r in self.rejects)

    @property
    def balanced(self) -> bool:
        return self.records_read == len(self.records) + self.rejected + sum(self.skipped.values())

    def reject(self, source: str, location: str, reason: str, raw: object) -> None:
        """Record a unit that could not be loaded; ``raw`` must be JSON-serialisable."""
        self.rejects.append(reject_row(source, self.path.name, location, reason, raw))

    def reject_file(self, source: str, reason: str) -> None:
        """The whole file cannot be read: say why, and load nothing from it."""
        self.error = reason
        self.rejects.append(reject_row(source, self.path.name, WHOLE_FILE, reason))
