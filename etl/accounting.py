"""Per-file accounting: what the build prints, writes to ``--report`` and to ``load_files``.

For every input file: records read = loaded + merged + rejected + skipped. The printed table
shows exactly ``load_files`` columns (``PRINTED``), so the database holds every figure the
terminal shows and the table can be printed again from the database alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from etl.extract.result import WHOLE_FILE, ReadResult, reject_row


@dataclass
class FileReport:
    """Accounting for one input file: with the build's run_id, exactly a ``load_files`` row."""

    file: str
    path: str
    source: str
    status: str = "loaded"
    reason: str | None = None
    borough_code: str | None = None
    borough_from: str | None = None
    is_sample: bool = False
    records_read: int = 0
    loaded: int = 0
    merged: int = 0  # the same notice already loaded from another file
    rejected: int = 0
    skipped: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    warnings: int = 0
    unmapped_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sha256: str | None = None
    size_bytes: int | None = None

    out_of_scope: int = 0  # loaded, but the buyer is not a London borough council

    @property
    def balanced(self) -> bool:
        return self.records_read == self.loaded + self.merged + self.rejected + self.skipped


def file_report(result: ReadResult) -> FileReport:
    """The accounting of a file as its extractor read it (merges across files come later)."""
    return FileReport(
        file=result.path.name,
        path=str(result.path),
        source=result.kind,
        status=result.status,
        reason=result.error,
        borough_code=result.borough_code,
        borough_from=result.borough_from,
        is_sample=result.is_sample,
        records_read=result.records_read,
        loaded=len(result.records),
        rejected=result.rejected,
        skipped=sum(result.skipped.values()),
        skipped_reasons=dict(result.skipped),
        warnings=sum(len(r["warnings"] or []) for r in result.records),
        unmapped_columns=result.unmapped_columns,
        notes=result.notes,
        out_of_scope=sum(r["borough_code"] is None for r in result.records),
    )


def rejected_file(path: Path, source: str, reason: str) -> tuple[FileReport, dict]:
    """A file no extractor could read: its report and its whole-file reject."""
    report = FileReport(path.name, str(path), source, "rejected", reason)
    return report, reject_row(source, path.name, WHOLE_FILE, reason)


SOURCE_COUNTS = ("files", "files_rejected", "records_read", "loaded", "merged", "rejected", "skipped", "out_of_scope")
# the printed table: (header, load_files column); the source column says REJECTED for a rejected file
PRINTED = (
    ("file", "file"), ("source", "source"), ("borough", "borough_code"), ("read", "records_read"),
    ("loaded", "loaded"), ("merged", "merged"), ("rejected", "rejected"), ("skipped", "skipped"),
    ("not borough", "out_of_scope"), ("warnings", "warnings"),
)  # fmt: skip
TEXT_COLUMNS = 3  # file, source, borough: left-aligned and not totalled


@dataclass
class BuildResult:
    out: Path
    run_id: str
    files: list[FileReport]
    records: int
    contracts: int
    rejects: int

    def by_source(self) -> dict[str, dict[str, int]]:
        """Totals per kind of input: files, read, loaded, merged, rejected, skipped, not a borough."""
        out: dict[str, dict[str, int]] = {}
        for f in self.files:
            row = out.setdefault(f.source, dict.fromkeys(SOURCE_COUNTS, 0))
            row["files"] += 1
            row["files_rejected"] += f.status == "rejected"
            for key in SOURCE_COUNTS[2:]:
                row[key] += getattr(f, key)
        return out

    def as_dict(self) -> dict:
        return {
            "out": str(self.out),
            "run_id": self.run_id,
            "records": self.records,
            "contracts": self.contracts,
            "rejects": self.rejects,
            "by_source": self.by_source(),
            "files": [{**vars(f), "balanced": f.balanced} for f in self.files],
        }


def format_files(rows: list[dict]) -> list[str]:
    """The per-file table, with a total line, from ``load_files``-shaped rows."""
    header = [h for h, _ in PRINTED]
    cells = [[_printed(r, column) for _, column in PRINTED] for r in rows]
    total = ["TOTAL", "", "", *(sum(c[i] for c in cells) for i in range(TEXT_COLUMNS, len(header)))]
    widths = [max(len(str(x[i])) for x in [header, *cells, total]) for i in range(len(header))]

    def line(values) -> str:
        pairs = enumerate(zip(values, widths, strict=True))
        return "  ".join(str(c).ljust(w) if i < TEXT_COLUMNS else str(c).rjust(w) for i, (c, w) in pairs)

    return [line(header), line(["-" * w for w in widths]), *map(line, cells), line(total)]


def _printed(row: dict, column: str) -> object:
    if column == "source" and row["status"] != "loaded":
        return "REJECTED"
    if column == "borough_code":
        return row[column] or "-"
    return row[column]


def format_report(result: BuildResult) -> str:
    """The per-file accounting as a plain text table for the terminal, then totals and problems."""
    out = [*format_files([vars(f) for f in result.files]), "", "By source:"]
    for source, c in result.by_source().items():
        out.append(
            f"  {source}: {c['files']} files ({c['files_rejected']} rejected), {c['records_read']} read, "
            f"{c['loaded']} loaded, {c['merged']} merged, {c['rejected']} rejected, {c['skipped']} skipped; "
            f"{c['out_of_scope']} loaded but not from a London borough"
        )
    for f in result.files:
        out += _problems(f)
    out.append(f"{result.records} records, {result.contracts} contracts, {result.rejects} rejects -> {result.out}")
    return "\n".join(out)


def _problems(f: FileReport) -> list[str]:
    """What a person should look at in one file: why it was rejected, columns not mapped, notes."""
    lines = [f"REJECTED {f.reason}"] if f.reason else []
    if f.unmapped_columns:
        lines.append(f"{f.file}: columns not mapped to any field: {', '.join(f.unmapped_columns)}")
    lines += [f"{f.file}: {n}" for n in f.notes]
    if not f.balanced:
        lines.append(f"{f.file}: ACCOUNTING DOES NOT BALANCE")
    return lines


def write_report(result: BuildResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.as_dict(), indent=2, default=str), encoding="utf-8")
