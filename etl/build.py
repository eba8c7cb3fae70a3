"""``python -m etl build``: read every input, canonicalise names, write the database, account.

The build is all-or-nothing: inputs are read into memory, then ``etl.load.write_database``
writes a new file and renames it over the old one. Per input file the report gives
records read = loaded + rejected + skipped, so nothing is lost silently.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from etl.link import build_contracts
from etl.load import write_database
from etl.readers import ReadResult, read_contract_file
from etl.suppliers import apply_suppliers
from etl.survey_reader import SurveyResult, read_survey

SURVEY_SUFFIXES = {".xlsx", ".xlsm"}
SAMPLE_PREFIX = "citytools-sample"  # contract files written by `python -m etl sample`


@dataclass
class FileReport:
    """Accounting for one input file, as printed and written to the report and ``load_files``."""

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


SOURCE_COUNTS = ("files", "files_rejected", "records_read", "loaded", "merged", "rejected", "skipped", "out_of_scope")


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


class BuildError(Exception):
    """The build cannot go on (e.g. an input path does not exist); the old database stays."""


def _walk(folder: Path) -> list[Path]:
    """Every file under a folder, sorted, skipping hidden files and folders and Office lock files."""
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith((".", "~$")) for part in p.parts[len(folder.parts) :])
    )


def input_files(path: Path) -> list[Path]:
    """A contract input: a file, or every file under a folder (recursively)."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise BuildError(f"contract input {path} does not exist")
    return _walk(path)


def survey_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """(workbooks to read, other files to report) in a survey folder, sorted for stable output."""
    if not folder.is_dir():
        raise BuildError(f"survey folder {folder} does not exist")
    paths = _walk(folder)
    workbooks = [p for p in paths if p.suffix.lower() in SURVEY_SUFFIXES]
    return workbooks, [p for p in paths if p not in workbooks]


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _survey_report(result: SurveyResult) -> FileReport:
    return FileReport(
        file=result.path.name,
        path=str(result.path),
        source="survey",
        status=result.status,
        reason=result.error,
        borough_code=result.borough_code,
        borough_from=result.borough_from,
        is_sample=result.is_sample,
        records_read=result.records_read,
        loaded=len(result.records),
        rejected=0 if result.error else len(result.rejects),
        skipped=sum(result.skipped.values()),
        skipped_reasons=dict(result.skipped),
        warnings=sum(len(r["warnings"]) for r in result.records),
        unmapped_columns=result.unmapped_columns,
        notes=result.notes,
    )


def _contract_report(result: ReadResult) -> FileReport:
    return FileReport(
        file=result.path.name,
        path=str(result.path),
        source=result.kind,
        is_sample=result.path.name.startswith(SAMPLE_PREFIX),
        records_read=result.records_read,
        loaded=len(result.records),
        rejected=len(result.rejects),
        skipped=sum(result.skipped.values()),
        skipped_reasons=dict(result.skipped),
        warnings=sum(len(r["warnings"] or []) for r in result.records),
        out_of_scope=sum(r["borough_code"] is None for r in result.records),
        notes=result.notes,
    )


def read_contracts(paths: list[Path]) -> tuple[list[FileReport], list[dict], list[dict]]:
    """Read every contract file; a notice seen in an earlier file is counted as merged there."""
    reports, rejects = [], []
    kept: dict[str, tuple[dict, FileReport]] = {}
    for path in [p for given in paths for p in input_files(Path(given))]:
        try:
            result = read_contract_file(path)
        except (ValueError, OSError) as exc:
            reason = str(exc) if path.name in str(exc) else f"{path.name}: {exc}"
            reports.append(FileReport(path.name, str(path), "contracts", "rejected", reason))
            rejects.append({"source": "contracts", "file": path.name, "location": "(whole file)", "reason": reason})
        else:
            report = _contract_report(result)
            reports.append(report)
            rejects += result.rejects
            for rec in result.records:
                if rec["record_id"] not in kept:
                    kept[rec["record_id"]] = (rec, report)
                    continue
                old, old_report = kept[rec["record_id"]]
                newer = (rec.get("published_date") or dt.date.min) > (old.get("published_date") or dt.date.min)
                loser = old_report if newer else report
                loser.loaded -= 1
                loser.merged += 1
                loser.out_of_scope -= (old if newer else rec)["borough_code"] is None
                if newer:
                    kept[rec["record_id"]] = (rec, report)
        reports[-1].sha256, reports[-1].size_bytes = _digest(path), path.stat().st_size
    return reports, [rec for rec, _ in kept.values()], rejects


def build(
    out: Path,
    surveys: list[Path] | None = None,
    contracts: list[Path] | None = None,
    command: str = "",
    today: dt.date | None = None,
) -> BuildResult:
    """Read the inputs and write the database at ``out``; raises BuildError before writing."""
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    run_id = uuid.uuid4().hex[:12]
    reports: list[FileReport] = []
    records: list[dict] = []
    rejects: list[dict] = []
    for folder in surveys or []:
        workbooks, others = survey_files(Path(folder))
        for path in workbooks:
            result = read_survey(path)
            report = _survey_report(result)
            report.sha256, report.size_bytes = _digest(path), path.stat().st_size
            reports.append(report)
            records += result.records
            rejects += result.rejects
        for path in others:
            reason = f"{path.name}: not an .xlsx workbook, so not read as a survey return"
            reports.append(
                FileReport(
                    path.name,
                    str(path),
                    "survey",
                    "rejected",
                    reason,
                    sha256=_digest(path),
                    size_bytes=path.stat().st_size,
                )
            )
            rejects.append(
                {"source": "survey", "file": path.name, "location": "(whole file)", "reason": reason, "raw": None}
            )
    contract_reports, notices, notice_rejects = read_contracts(contracts or [])
    reports += contract_reports
    records += notices
    rejects += notice_rejects

    supplier_matches = apply_suppliers(records)
    contract_rows = build_contracts(records)
    finished = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    totals = {
        "files": len(reports),
        "files_rejected": sum(r.status == "rejected" for r in reports),
        "records_read": sum(r.records_read for r in reports),
        "loaded": len(records),
        "merged": sum(r.merged for r in reports),
        "rejected": sum(r.rejected for r in reports),
        "out_of_scope": sum(r.out_of_scope for r in reports),
        "skipped": sum(r.skipped for r in reports),
        "warnings": sum(r.warnings for r in reports),
        "contracts": len(contract_rows),
        "linked_survey_to_notice": sum(1 for c in contract_rows if "survey" in c["sources"] and len(c["sources"]) > 1),
    }
    run = {
        "run_id": run_id,
        "started_at": started,
        "finished_at": finished,
        "status": "ok",
        "inputs": [{"file": r.path, "sha256": r.sha256, "size_bytes": r.size_bytes} for r in reports],
        "counts": totals,
        "command": command,
    }
    meta = {
        "built_at": finished.isoformat(timespec="seconds"),
        "data_as_of": (today or dt.date.today()).isoformat(),
        "is_sample": str(any(r.is_sample for r in reports)).lower(),
        "run_id": run_id,
    }
    tables = {
        "contract_records": records,
        "contracts": contract_rows,
        "rejects": rejects,
        "load_files": [{**vars(r), "run_id": run_id} for r in reports],
        "supplier_matches": [vars(m) for m in supplier_matches],
    }
    write_database(out, tables, run, meta)
    return BuildResult(out, run_id, reports, len(records), len(contract_rows), len(rejects))


def format_report(result: BuildResult) -> str:
    """The per-file accounting as a plain text table for the terminal."""
    header = ("file", "source", "borough", "read", "loaded", "merged", "rejected", "skipped", "not borough", "warnings")
    rows = [
        (f.file, f.source if f.status == "loaded" else "REJECTED", f.borough_code or "-", f.records_read, f.loaded,
         f.merged, f.rejected, f.skipped, f.out_of_scope, f.warnings)
        for f in result.files
    ]  # fmt: skip
    total = ("TOTAL", "", "", *(sum(r[i] for r in rows) for i in range(3, len(header))))
    widths = [max(len(str(x[i])) for x in [header, *rows, total]) for i in range(len(header))]

    def line(cells) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(str(c).ljust(w) if i < 3 else str(c).rjust(w) for i, (c, w) in pairs)

    out = [line(header), line(["-" * w for w in widths]), *map(line, rows), line(total), ""]
    out.append("By source:")
    for source, c in result.by_source().items():
        out.append(
            f"  {source}: {c['files']} files ({c['files_rejected']} rejected), {c['records_read']} read, "
            f"{c['loaded']} loaded, {c['merged']} merged, {c['rejected']} rejected, {c['skipped']} skipped; "
            f"{c['out_of_scope']} loaded but not from a London borough"
        )
    problems = [f for f in result.files if f.reason or f.unmapped_columns or f.notes or not f.balanced]
    for f in problems:
        if f.reason:
            out.append(f"REJECTED {f.reason}")
        if f.unmapped_columns:
            out.append(f"{f.file}: columns not mapped to any field: {', '.join(f.unmapped_columns)}")
        for n in f.notes:
            out.append(f"{f.file}: {n}")
        if not f.balanced:
            out.append(f"{f.file}: ACCOUNTING DOES NOT BALANCE")
    out.append(f"{result.records} records, {result.contracts} contracts, {result.rejects} rejects -> {result.out}")
    return "\n".join(out)


def write_report(result: BuildResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.as_dict(), indent=2, default=str), encoding="utf-8")


def main_build(args) -> int:
    try:
        result = build(Path(args.out), args.surveys, args.contracts, command=" ".join(sys.argv))
    except BuildError as exc:
        print(f"build failed, database left as it was: {exc}", file=sys.stderr)
        return 2
    print(format_report(result))
    if args.report:
        write_report(result, Path(args.report))
    return 0
