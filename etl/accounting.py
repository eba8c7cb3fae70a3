"""Per-file accounting: what the build prints, writes to ``--report`` and to ``load_files``.

For every input file: records read = loaded + merged + rejected + skipped. The printed table
shows exactly ``load_files`` columns (``PRINTED``), so the database holds every figure the
terminal shows and the table can be printed again from the database alone.

A survey return that loads without a supplier, system, service area or end date column is
"loaded with gaps", and says which: a return that loads but answers none of the questions the
app asks of it must not look like a good one. Warnings are grouped per file by kind, so that
a person sees what is wrong with a file without reading the database.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from etl.extract.result import WHOLE_FILE, ReadResult, reject_row
from etl.reference import find_borough_in_text

LOADED, WITH_GAPS, REJECTED = "loaded", "loaded with gaps", "rejected"
# the survey fields (etl/refdata/survey_fields.csv) a return needs for the app's questions, as a gap names them
WANTED_FIELDS = {"supplier": "supplier", "system_name": "system", "service_area": "service area",
                 "contract_end": "end date"}  # fmt: skip


@dataclass
class FileReport:
    """Accounting for one input file: with the build's run_id, exactly a ``load_files`` row."""

    file: str
    path: str
    source: str
    status: str = LOADED  # loaded | loaded with gaps | rejected
    reason: str | None = None
    gaps: list[str] = field(default_factory=list)  # a survey return's wanted columns not found: "no supplier column"
    borough_code: str | None = None
    borough_from: str | None = None
    return_date: dt.date | None = None  # a survey return's date: when the borough made it
    return_date_from: str | None = None  # "template cell", "workbook properties" or "--survey-date"
    return_contact: dict | None = None  # whom to ask about a survey return (its cover)
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
    headers: list[dict] = field(default_factory=list)  # a survey return's header cells and how each was mapped
    warning_kinds: list[dict] = field(default_factory=list)  # [{kind, count, warnings: [{at, text}]}], most first

    @property
    def balanced(self) -> bool:
        return self.records_read == self.loaded + self.merged + self.rejected + self.skipped


def file_report(result: ReadResult) -> FileReport:
    """The accounting of a file as its extractor read it (merges across files come later)."""
    gaps = survey_gaps(result)
    report = FileReport(
        file=result.path.name,
        path=str(result.path),
        source=result.kind,
        status=WITH_GAPS if gaps else result.status,
        reason=result.error,
        gaps=gaps,
        borough_code=result.borough_code,
        borough_from=result.borough_from,
        return_date=result.return_date,
        return_date_from=result.return_date_from,
        return_contact=result.return_contact,
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
        headers=result.headers,
        warning_kinds=warning_kinds(result),
    )
    return _borough_of_rejected(report)


def rejected_file(path: Path, source: str, reason: str) -> tuple[FileReport, dict]:
    """A file no extractor could read: its report and its whole-file reject."""
    report = _borough_of_rejected(FileReport(path.name, str(path), source, REJECTED, reason))
    return report, reject_row(source, path.name, WHOLE_FILE, reason)


def _borough_of_rejected(report: FileReport) -> FileReport:
    """A rejected survey return names its borough when its file name does, so the app can list it there."""
    if report.source == "survey" and report.status == REJECTED and not report.borough_code:
        code = find_borough_in_text(Path(report.file).stem)
        if code:
            report.borough_code, report.borough_from = code, "file name"
    return report


def survey_gaps(result: ReadResult) -> list[str]:
    """What a loaded survey return lacks among the wanted fields: ["no supplier column", ...]."""
    if result.kind != "survey" or result.error:
        return []
    return [f"no {label} column" for name, label in WANTED_FIELDS.items() if name not in result.mapped_fields]


def status_text(row: dict) -> str:
    """The status as a person reads it: "loaded", "rejected", "loaded with gaps: no supplier column"."""
    gaps = row.get("gaps") or []
    return f"{row['status']}: {', '.join(gaps)}" if gaps else row["status"]


# --------------------------------------------------------------------------- warnings by kind

QUOTED = re.compile(r"""(?<!\w)'[^']*'(?!\w)|(?<!\w)"[^"]*"(?!\w)""")  # a value quoted as repr() quotes it
NUMBERED = re.compile(r"[\w./-]*\d[\w./-]*")  # a number, date, code or id: 3, 0.1, 30/02/2027, E09000001
KIND_LENGTH = 60


def warning_kind(text: str) -> str:
    """What a warning is about, without its values: the text before its first ':' or ';', with
    quoted values and numbers masked ("confidence", "N suppliers named", "tender value N GBP is...")."""
    masked = NUMBERED.sub("N", QUOTED.sub("'…'", " ".join(str(text).split())))
    head = re.split(r"[:;]", masked, maxsplit=1)[0].strip() or masked
    if len(head) <= KIND_LENGTH:
        return head
    cut = head[: KIND_LENGTH - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"  # at a word's end where there is one


def warning_kinds(result: ReadResult) -> list[dict]:
    """The file's warnings grouped by kind, most frequent first, each with where it was and its text."""
    groups: dict[str, list[dict]] = {}
    for rec in result.records:
        at = str(rec.get("source_ref") or "").removeprefix(f"{result.path.name}#")
        for text in rec["warnings"] or []:
            groups.setdefault(warning_kind(text), []).append({"at": at, "text": text})
    ranked = sorted(groups.items(), key=lambda kv: -len(kv[1]))  # stable: ties keep the order first seen
    return [{"kind": kind, "count": len(found), "warnings": found} for kind, found in ranked]


def add_warning(report: FileReport, rec: dict, text: str) -> None:
    """A warning found after the file was read (a conflict with another file): on the record and in
    its file's counts and kinds, as if its extractor had said it."""
    rec["warnings"] = [*(rec["warnings"] or []), text]
    report.warnings += 1
    at = str(rec.get("source_ref") or "").removeprefix(f"{report.file}#")
    kind = warning_kind(text)
    for entry in report.warning_kinds:
        if entry["kind"] == kind:
            entry["count"] += 1
            entry["warnings"].append({"at": at, "text": text})
            break
    else:
        report.warning_kinds.append({"kind": kind, "count": 1, "warnings": [{"at": at, "text": text}]})
    report.warning_kinds.sort(key=lambda entry: -entry["count"])


SOURCE_COUNTS = (
    "files", "files_rejected", "files_with_gaps", "records_read", "loaded", "merged", "rejected", "skipped",
    "out_of_scope",
)  # fmt: skip
# the printed table: (header, load_files column); the status column says REJECTED for a rejected file
# and which wanted columns a survey return lacks ("loaded with gaps: no supplier column")
PRINTED = (
    ("file", "file"), ("source", "source"), ("borough", "borough_code"), ("read", "records_read"),
    ("loaded", "loaded"), ("merged", "merged"), ("rejected", "rejected"), ("skipped", "skipped"),
    ("not borough", "out_of_scope"), ("warnings", "warnings"), ("status", "status"),
)  # fmt: skip
TEXT_COLUMNS = {"file", "source", "borough_code", "status"}  # left-aligned and not totalled


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
            row["files_rejected"] += f.status == REJECTED
            row["files_with_gaps"] += f.status == WITH_GAPS
            for key in SOURCE_COUNTS[3:]:
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
            "files": [{**vars(f), "status_text": status_text(vars(f)), "balanced": f.balanced} for f in self.files],
        }


def format_files(rows: list[dict]) -> list[str]:
    """The per-file table, with a total line, from ``load_files``-shaped rows."""
    header = [h for h, _ in PRINTED]
    text = [column in TEXT_COLUMNS for _, column in PRINTED]
    cells = [[_printed(r, column) for _, column in PRINTED] for r in rows]
    total = ["" if text[i] else sum(c[i] for c in cells) for i in range(len(header))]
    total[0] = "TOTAL"
    widths = [max(len(str(x[i])) for x in [header, *cells, total]) for i in range(len(header))]

    def line(values) -> str:
        pairs = zip(values, widths, text, strict=True)
        return "  ".join(str(c).ljust(w) if left else str(c).rjust(w) for c, w, left in pairs).rstrip()

    return [line(header), line(["-" * w for w in widths]), *map(line, cells), line(total)]


def _printed(row: dict, column: str) -> object:
    if column == "status":
        return "REJECTED" if row["status"] == REJECTED else status_text(row)
    if column == "borough_code":
        return row[column] or "-"
    return row[column]


def format_report(result: BuildResult, verbose: bool = False) -> str:
    """The per-file accounting as a plain text table for the terminal, then totals, problems and
    warnings by kind (``verbose``: every warning, and every survey header and how it was mapped)."""
    out = [*format_files([vars(f) for f in result.files]), "", "By source:"]
    for source, c in result.by_source().items():
        gaps = f", {c['files_with_gaps']} loaded with gaps" if c["files_with_gaps"] else ""
        out.append(
            f"  {source}: {c['files']} files ({c['files_rejected']} rejected{gaps}), {c['records_read']} read, "
            f"{c['loaded']} loaded, {c['merged']} merged, {c['rejected']} rejected, {c['skipped']} skipped; "
            f"{c['out_of_scope']} loaded but not from a London borough"
        )
    for f in result.files:
        out += _problems(f)
    out += format_warnings([vars(f) for f in result.files], verbose)
    if verbose:
        out += format_headers([vars(f) for f in result.files])
    out.append(f"{result.records} records, {result.contracts} contracts, {result.rejects} rejects -> {result.out}")
    return "\n".join(out)


def format_warnings(rows: list[dict], verbose: bool = False) -> list[str]:
    """Per file, its warnings by kind with a count and an example (``verbose``: all of them)."""
    files = [r for r in rows if r.get("warning_kinds")]
    if not files:
        return []
    out = ["", "Warnings by file and kind" + (":" if verbose else " (one example each; -v prints every one):")]
    for row in files:
        kinds = _json(row["warning_kinds"])
        total = sum(k["count"] for k in kinds)
        out.append(f"  {row['file']}: {total} warning{'s' if total != 1 else ''}")
        widths = (max(len(str(k["count"])) for k in kinds), max(len(k["kind"]) for k in kinds))
        for kind in kinds:
            out += _kind_lines(kind, widths, verbose)
    return out


def _kind_lines(kind: dict, widths: tuple[int, int], verbose: bool) -> list[str]:
    """One kind of warning: its count, then an example (``verbose``: every one, with where it was)."""
    count = str(kind["count"]).rjust(widths[0])
    if verbose:
        every = [f"    {'':{widths[0]}}    {_where(w)}{w['text']}" for w in kind["warnings"]]
        return [f"    {count}  {kind['kind']}", *every]
    first = kind["warnings"][0]
    if first["text"] == kind["kind"]:  # nothing masked: the kind is the text, say where it was first
        example = f"first at {first['at']}" if first.get("at") else ""
    else:
        example = f"e.g. {_where(first)}{first['text']}"
    return [f"    {count}  {kind['kind']:{widths[1]}}  {example}".rstrip()]


def format_headers(rows: list[dict]) -> list[str]:
    """Per survey return, every header cell read and what it was mapped to, with how."""
    out = []
    for row in (r for r in rows if r.get("headers")):
        out += ["", f"{row['file']}: headers"]
        for h in _json(row["headers"]):
            out.append(f"  {h['sheet']}!{h['column']} {h['header']!r} -> {h['field'] or '-'} ({h['how']})")
    return out


def _where(warning: dict) -> str:
    return f"{warning['at']}: " if warning.get("at") else ""


def _json(value: object) -> list:
    """A JSON column as Python: the build's reports hold lists, ``load_files`` rows JSON text."""
    return json.loads(value) if isinstance(value, str) else list(value or [])


def _problems(f: FileReport) -> list[str]:
    """What a person should look at in one file: why it was rejected, what it lacks, columns not mapped, notes."""
    lines = [f"REJECTED {f.reason}"] if f.reason else []
    if f.gaps:
        lines.append(f"{f.file}: {status_text(vars(f))}")
    unread = [h for h in f.headers if h.get("how") in ("ambiguous", "not mapped")]
    matched = [h for h in f.headers if str(h.get("how", "")).startswith("matched")]
    if unread:
        cells = ", ".join(f"{h['sheet']}!{h['column']} '{h['header']}' ({h['how']})" for h in unread)
        lines.append(f"{f.file}: columns not read: {cells}")
    elif f.unmapped_columns and not f.headers:
        lines.append(f"{f.file}: columns not mapped to any field: {', '.join(f.unmapped_columns)}")
    if matched:
        cells = ", ".join(f"'{h['header']}' -> {h['field']} ({h['how']})" for h in matched)
        lines.append(f"{f.file}: columns read by meaning, not in the column map: {cells}")
    lines += [f"{f.file}: {n}" for n in f.notes]
    if not f.balanced:
        lines.append(f"{f.file}: ACCOUNTING DOES NOT BALANCE")
    return lines


def write_report(result: BuildResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.as_dict(), indent=2, default=str), encoding="utf-8")
