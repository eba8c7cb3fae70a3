"""Command line: ``python -m etl build|sample|template`` (see DESIGN.md, "Command line")."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_DB = Path("data/citytools.duckdb")
DEFAULT_INPUTS = Path("data/inputs")
DEFAULT_SURVEYS = DEFAULT_INPUTS / "surveys"
DEFAULT_CONTRACTS = DEFAULT_INPUTS / "contracts"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m etl", description="City Tools ETL: inputs -> DuckDB")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="build the database from survey returns and contract data")
    b.add_argument(
        "--surveys",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="folder of survey returns (.xlsx); repeatable",
    )
    b.add_argument(
        "--contracts",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help="contract data file or folder (OCDS JSON, Contracts Finder CSV, registers); repeatable",
    )
    b.add_argument("--out", type=Path, default=DEFAULT_DB, help=f"database to write (default {DEFAULT_DB})")
    b.add_argument("--report", type=Path, help="also write the per-file accounting as JSON here")

    s = sub.add_parser("sample", help="write the embedded sample inputs")
    s.add_argument(
        "--out", type=Path, default=DEFAULT_SURVEYS, help=f"folder for sample returns (default {DEFAULT_SURVEYS})"
    )
    s.add_argument("--seed", type=int, default=2019)

    t = sub.add_parser("template", help="write the survey workbook to send to boroughs")
    t.add_argument("out", type=Path, help="the .xlsx file to write")

    from etl import fetch

    f = sub.add_parser("fetch", help="download Contracts Finder / Find a Tender OCDS pages for a date range")
    fetch.add_arguments(f)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "build":
        from etl.build import main_build

        if not args.surveys and not args.contracts:
            args.surveys = [DEFAULT_SURVEYS]
            args.contracts = [DEFAULT_CONTRACTS] if DEFAULT_CONTRACTS.is_dir() else []
        return main_build(args)
    if args.command == "sample":
        from etl.sample import write_sample
        from etl.sample_contracts import write_sample_contracts

        surveys = write_sample(args.out / "surveys", seed=args.seed)
        contracts = write_sample_contracts(args.out / "contracts", seed=args.seed)
        print(f"wrote {len(surveys)} sample survey returns to {args.out / 'surveys'}")
        print(f"wrote {len(contracts)} sample contract data files to {args.out / 'contracts'}")
        return 0
    if args.command == "template":
        from etl.template import write_template

        print(f"wrote the survey template to {write_template(args.out)}")
        return 0
    if args.command == "fetch":
        from etl import fetch

        return fetch.main(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
