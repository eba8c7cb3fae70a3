"""``python -m etl build``: the database from survey returns and contract data, with its accounting."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from etl.commands import DEFAULT_CONTRACTS, DEFAULT_DB, DEFAULT_SURVEYS

HELP = "build the database from survey returns and contract data"
MAX_JOBS = 8


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--surveys",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="folder of survey returns (.xlsx, .xlsm, .xls, .ods, .csv); repeatable",
    )
    parser.add_argument(
        "--contracts",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help="contract data file or folder (OCDS JSON, Contracts Finder CSV, registers); repeatable",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_DB, help=f"database to write (default {DEFAULT_DB})")
    parser.add_argument(
        "--survey-date",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="the date of a survey return that gives none (no date cell, no workbook properties)",
    )
    parser.add_argument(
        "--max-file-mb",
        type=_positive,
        metavar="MB",
        help="refuse (reject unread) an input file bigger than this (default $CITYTOOLS_MAX_FILE_MB, else 512)",
    )
    parser.add_argument(
        "--jobs",
        type=_jobs,
        default=default_jobs(),
        metavar="N",
        help=f"read up to N input files at once, each in its own process; 1: one after another"
        f" (default {default_jobs()}: this machine's cores, at most {MAX_JOBS})",
    )
    parser.add_argument("--report", type=Path, help="also write the per-file accounting as JSON here")
    parser.add_argument(
        "--parquet", type=Path, metavar="DIR", help="also write every table as DIR/<table>.parquet (for other engines)"
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="print every warning (not one per kind), and each survey header and what it was mapped to",
    )


def default_jobs() -> int:
    """One reading process per core this process may use, capped: more only hold more files in memory."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, MAX_JOBS))


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of jobs, 1 or more")
    return value


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date as YYYY-MM-DD") from None


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of MB")
    return value


def run(args: argparse.Namespace) -> int:
    """Build, print the accounting; with no inputs named, the default input folders."""
    from etl.accounting import format_report, write_report  # the build's imports are heavy: only when building
    from etl.build import BuildError, build

    surveys, contracts = args.surveys, args.contracts
    if not surveys and not contracts:
        surveys = [DEFAULT_SURVEYS]
        contracts = [DEFAULT_CONTRACTS] if DEFAULT_CONTRACTS.is_dir() else []
    try:
        result = build(
            Path(args.out),
            surveys,
            contracts,
            command=" ".join(sys.argv),
            survey_date=args.survey_date,
            max_file_mb=args.max_file_mb,
            jobs=args.jobs,
        )
    except BuildError as exc:
        print(f"build failed, database left as it was: {exc}", file=sys.stderr)
        return 2
    print(format_report(result, verbose=args.verbose))
    if args.report:
        write_report(result, Path(args.report))
    if args.parquet:
        from etl.parquet import write_parquet

        written = write_parquet(Path(args.out), args.parquet)
        print(f"wrote {len(written)} Parquet files to {args.parquet}")
    return 0
