"""``python -m etl build``: extract every input, normalise suppliers, link records, load.

The build is all-or-nothing: inputs are read into memory, then ``etl.load.write_database``
writes a new file and renames it over the old one. Per input file the report gives
records read = loaded + merged + rejected + skipped (``etl.accounting``), so nothing is lost
silently, and ``load_files`` holds the same figures.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import functools
import gc
import hashlib
import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from etl import schema
from etl.accounting import BuildResult, FileReport, add_warning, file_report, rejected_file
from etl.extract import read_contract_file
from etl.extract.limits import max_file_mb, too_big
from etl.extract.ocds import combine_compiled, is_ocds_record
from etl.link import build_contracts, contract_supplier_rows, one_record_per_notice
from etl.load import write_database
from etl.normalise.scope import apply_scope
from etl.normalise.suppliers import SupplierMatch, apply_suppliers

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

SURVEY_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".csv"}
NOT_NOTICES = {"survey", "listing"}  # sources whose records are not published notices


class BuildError(Exception):
    """The build cannot go on (e.g. an input path does not exist); the old database stays."""


@dataclass
class Inputs:
    """Everything read from the input files, before any file's records meet another's."""

    reports: list[FileReport] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    report_of: dict[str, FileReport] = field(default_factory=dict)  # contract record id -> its file's report


# --------------------------------------------------------------------------- finding input files


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


def _stamp(report: FileReport, path: Path) -> FileReport:
    """The file's hash and size, so load_runs says exactly which bytes were built from."""
    with contextlib.suppress(OSError):  # gone or unreadable since: its report says why it was not loaded
        report.sha256, report.size_bytes = _digest(path), path.stat().st_size
    return report


def _failure(path: Path, exc: BaseException) -> str:
    """Why a reader failed on a file, naming the file: its message, or the kind of failure."""
    if isinstance(exc, RecursionError):
        return f"{path.name}: nested too deeply to read"
    if isinstance(exc, MemoryError):
        return f"{path.name}: too large to read in memory"
    if isinstance(exc, (_Refused, ValueError, OSError)):  # the readers' own messages
        return str(exc) if path.name in str(exc) else f"{path.name}: {exc}"
    text = " ".join(str(exc).split())[:300]
    return f"{path.name}: cannot be read ({type(exc).__name__}{': ' + text if text else ''})"


class _Refused(Exception):
    """A file refused before it is read (its message is the reason)."""


def _refused(path: Path, limit_mb: float) -> str | None:
    """Why a file is refused before it is read: over the size limit, or gone/unreadable."""
    try:
        return too_big(path, limit_mb)
    except OSError as exc:
        return f"{path.name}: cannot be read ({exc.strerror})"


# --------------------------------------------------------------------------- extract


def read_surveys(
    folders: list[Path], survey_date: dt.date | None = None, limit_mb: float | None = None, jobs: int = 1
) -> Inputs:
    """Read every survey workbook (``survey_date``: the date of a return that gives none); any other
    file in a survey folder, one over the size limit, or one the reader fails on, is a rejected file."""
    from etl.extract.survey import read_survey  # its workbook libraries: only when there are surveys

    inputs, limit = Inputs(), max_file_mb(limit_mb)
    for folder in folders:
        workbooks, others = survey_files(Path(folder))
        read = functools.partial(_read_one, functools.partial(read_survey, survey_date=survey_date), "survey", limit)
        for report, records, rejects in _read_all(workbooks, read, jobs):
            inputs.reports.append(report)
            inputs.records += records
            inputs.rejects += rejects
        for path in others:
            reason = (
                f"{path.name}: not an .xlsx workbook (nor .xlsm, .xls, .ods or .csv), so not read as a survey return"
            )
            report, reject = rejected_file(path, "survey", reason)
            inputs.reports.append(_stamp(report, path))
            inputs.rejects.append(reject)
    return inputs


def read_contracts(paths: list[Path], limit_mb: float | None = None, jobs: int = 1) -> Inputs:
    """Read every contract file; a notice seen in an earlier file is counted as merged there. A file
    over the size limit, or one a reader fails on in any way, is a rejected file with the reason."""
    inputs = Inputs()
    kept: dict[str, tuple[dict, FileReport]] = {}
    files = [p for given in paths for p in input_files(Path(given))]
    read = functools.partial(_read_one, read_contract_file, "contracts", max_file_mb(limit_mb))
    for report, records, rejects in _read_all(files, read, jobs):
        inputs.rejects += rejects
        for rec in records:
            _keep_once(kept, rec, report)
        inputs.reports.append(report)
    inputs.records = [rec for rec, _ in kept.values()]
    inputs.report_of = {rid: report for rid, (_, report) in kept.items()}
    return inputs


def _read_one(reader: Callable, source: str, limit: float, path: Path) -> tuple[FileReport, list[dict], list[dict]]:
    """One file's (stamped report, records, rejects): everything about a file that needs no other
    file, so a worker process can do it. A refused or failed file is a rejected file with the reason."""
    try:
        if reason := _refused(path, limit):
            raise _Refused(reason)
        result = reader(path)
    except Exception as exc:  # noqa: BLE001 - no single file may take the build down
        report, reject = rejected_file(path, source, _failure(path, exc))
        return _stamp(report, path), [], [reject]
    return _stamp(file_report(result), path), result.records, result.rejects


# Below this many bytes of input, files are read in this process whatever ``jobs`` says: starting
# workers and sending their records back cost more than the second core gives. Measured on 2 cores:
# 50k CF CSV (13 files, 5.9 MB) 2.5 s in-process vs 3.3 s with 2 workers; 1M CF CSV (250 files, 117
# MB) 56 -> 43 s; 1M survey workbooks (231 files, 9.7 MB) 29 -> 25 s; 50k OCDS (2 files, 46 MB) 8.7 -> 8.0 s.
POOL_MIN_BYTES = 8 * 2**20


def _read_all(paths: list[Path], read: Callable, jobs: int) -> Iterator[tuple]:
    """``read`` of each path, in the paths' order: in this process with one job (or a small input,
    ``POOL_MIN_BYTES``), else in ``jobs`` worker processes, at most two files per worker ahead of the
    caller so results are not all held."""
    if jobs <= 1 or len(paths) <= 1 or _total_bytes(paths) < POOL_MIN_BYTES:
        yield from map(read, paths)
        return
    from concurrent.futures import ProcessPoolExecutor  # multiprocessing's imports: only with a pool

    with ProcessPoolExecutor(min(jobs, len(paths))) as pool:
        todo = iter(paths)
        ahead = collections.deque((p, _submit(pool, read, p)) for p in itertools.islice(todo, 2 * jobs))
        while ahead:
            path, future = ahead.popleft()
            if (following := next(todo, None)) is not None:
                ahead.append((following, _submit(pool, read, following)))
            try:
                yield future.result()
            except Exception:  # noqa: BLE001 - a worker died (killed, out of memory) or its result did not pickle
                yield read(path)  # so this file (and, the pool broken, the rest) is read here, as with one job


def _total_bytes(paths: list[Path]) -> int:
    """The files' total size (one that cannot be read counts 0: its reader rejects it with the reason)."""
    total = 0
    for path in paths:
        with contextlib.suppress(OSError):
            total += path.stat().st_size
    return total


def _submit(pool: ProcessPoolExecutor, read: Callable, path: Path) -> Future:
    """The pool's future for a file; once a worker has died the pool takes no more, so the failure."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    try:
        return pool.submit(read, path)
    except BrokenProcessPool as exc:
        future: Future = Future()
        future.set_exception(exc)
        return future


def _keep_once(kept: dict[str, tuple[dict, FileReport]], rec: dict, report: FileReport) -> None:
    """Keep one record per record_id, the latest published; the other file counts it as merged.

    Two files with the same OCDS ocid (two API pages) hold two compiled states of one notice:
    they are combined, the later published winning, so a change notice in a later page keeps
    the suppliers of the award in an earlier one.
    """
    if rec["record_id"] not in kept:
        kept[rec["record_id"]] = (rec, report)
        return
    old, old_report = kept[rec["record_id"]]
    newer = (rec.get("published_date") or dt.date.min) > (old.get("published_date") or dt.date.min)
    loser, dropped = (old_report, old) if newer else (report, rec)
    _count_merged(loser, dropped)
    winner, winner_report = (rec, report) if newer else (old, old_report)
    if is_ocds_record(rec) and is_ocds_record(old):
        conflict = same_day_conflict(winner, dropped)
        winner = combine_compiled(dropped, winner)
        if conflict:
            add_warning(winner_report, winner, conflict)
    kept[rec["record_id"]] = (winner, winner_report)


NOT_CONTENT = {"source_file", "source_url", "warnings", "history"}  # where a state was read, not what it says


def same_day_conflict(kept: dict, dropped: dict) -> str | None:
    """Two files' compiled states of one ocid, published the same day, that say different things: which
    is taken is only the files' order, so it is said, with the fields that differ. None if they agree."""
    if kept.get("published_date") != dropped.get("published_date"):
        return None
    fields = [k.replace("_", " ") for k in kept if k not in NOT_CONTENT and kept[k] != dropped.get(k)]
    if not fields:
        return None
    day = kept["published_date"].isoformat() if kept.get("published_date") else "no date"
    shown = ", ".join(fields[:5]) + (f" and {len(fields) - 5} more" if len(fields) > 5 else "")
    return (
        f"{dropped['source_file']} holds this ocid too, published the same day ({day}), but its {shown}"
        f" differ; {kept['source_file']}'s were kept (the first file read), the other filling only its blanks"
    )


def _count_merged(report: FileReport, rec: dict) -> None:
    """A record of this file is the same notice as one kept from elsewhere: merged, not loaded."""
    report.loaded -= 1
    report.merged += 1
    report.out_of_scope -= rec["borough_code"] is None


# --------------------------------------------------------------------------- the build


def build(
    out: Path,
    surveys: list[Path] | None = None,
    contracts: list[Path] | None = None,
    command: str = "",
    today: dt.date | None = None,
    survey_date: dt.date | None = None,
    max_file_mb: float | None = None,
    jobs: int = 1,
) -> BuildResult:
    """Read the inputs and write the database at ``out``; raises BuildError before writing.

    ``survey_date`` (``--survey-date``) dates the survey returns that carry no date of their own;
    ``max_file_mb`` (``--max-file-mb``, else ``$CITYTOOLS_MAX_FILE_MB``, else 512) is the largest file read;
    ``jobs`` (``--jobs``) is how many worker processes read files at once (1: all in this process)."""
    with _collector_paused():
        return _build(out, surveys, contracts, command, today, survey_date, max_file_mb, jobs)


@contextlib.contextmanager
def _collector_paused():
    """No cyclic garbage collection during a build: it makes hundreds of thousands of long-lived
    dicts and next to no cycles, and the collector re-scanning them cost 7% of a 50k build."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(
    out: Path,
    surveys: list[Path] | None,
    contracts: list[Path] | None,
    command: str,
    today: dt.date | None,
    survey_date: dt.date | None,
    max_file_mb: float | None,
    jobs: int,
) -> BuildResult:
    """``build`` itself (see there)."""
    started = _now()
    run_id = uuid.uuid4().hex[:12]
    inputs = read_surveys(surveys or [], survey_date, max_file_mb, jobs)
    found = read_contracts(contracts or [], max_file_mb, jobs)
    inputs.reports += found.reports
    inputs.records += found.records
    inputs.rejects += found.rejects
    apply_scope(inputs.records)  # normalise: technology or not, and why
    matches = apply_suppliers(inputs.records)  # normalise: one canonical supplier across all files
    inputs.records, dropped = one_record_per_notice(inputs.records)  # link: one notice, one record
    for rec in dropped:
        _count_merged(found.report_of[rec["record_id"]], rec)
    contract_rows = build_contracts(inputs.records)  # link
    finished = _now()
    run = _run_row(run_id, started, finished, inputs, contract_rows, command)
    meta = {
        "built_at": finished.isoformat(timespec="seconds"),
        "data_as_of": (today or dt.date.today()).isoformat(),
        "is_sample": str(any(r.is_sample for r in inputs.reports)).lower(),
        "run_id": run_id,
    }
    write_database(out, _tables(run_id, inputs, contract_rows, matches), run, meta)  # load
    return BuildResult(out, run_id, inputs.reports, len(inputs.records), len(contract_rows), len(inputs.rejects))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _tables(run_id: str, inputs: Inputs, contract_rows: list[dict], matches: list[SupplierMatch]) -> dict:
    """The rows of every table; each must have exactly its table's columns (etl.schema)."""
    return {
        "contract_records": inputs.records,
        "contracts": contract_rows,
        "contract_suppliers": contract_supplier_rows(contract_rows, inputs.records),
        "rejects": inputs.rejects,
        "load_files": [schema.row("load_files", run_id=run_id, **vars(r)) for r in inputs.reports],
        "supplier_matches": [vars(m) for m in matches],
    }


def _run_row(
    run_id: str, started: dt.datetime, finished: dt.datetime, inputs: Inputs, contract_rows: list[dict], command: str
) -> dict:
    """This build's ``load_runs`` row: when, from which bytes, and the totals it printed."""
    reports = inputs.reports
    totals = {
        "files": len(reports),
        "files_rejected": sum(r.status == "rejected" for r in reports),
        "records_read": sum(r.records_read for r in reports),
        "loaded": len(inputs.records),
        "merged": sum(r.merged for r in reports),
        "rejected": sum(r.rejected for r in reports),
        "out_of_scope": sum(r.out_of_scope for r in reports),
        "skipped": sum(r.skipped for r in reports),
        "warnings": sum(r.warnings for r in reports),
        "contracts": len(contract_rows),
        "linked_survey_to_notice": sum(
            1 for c in contract_rows if "survey" in c["sources"] and set(c["sources"]) - NOT_NOTICES
        ),
        "linked_survey_to_listing": sum(1 for c in contract_rows if {"survey", "listing"} <= set(c["sources"])),
    }
    return schema.row(
        "load_runs",
        run_id=run_id,
        started_at=started,
        finished_at=finished,
        status="ok",
        inputs=[{"file": r.path, "sha256": r.sha256, "size_bytes": r.size_bytes} for r in reports],
        counts=totals,
        command=command,
    )
