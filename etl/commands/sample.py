"""``python -m etl sample``: write the embedded sample inputs (survey returns and open data)."""

from __future__ import annotations

import argparse
from pathlib import Path

from etl.commands import DEFAULT_INPUTS

HELP = "write the embedded sample inputs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_INPUTS,
        metavar="DIR",
        help=f"folder for the sample; returns go in DIR/surveys, open data in DIR/contracts (default {DEFAULT_INPUTS})",
    )
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument(
        "--scale",
        type=_records,
        metavar="N",
        help="instead of the sample, write about N records in the real formats (etl/scale.py), e.g. 50000 or 1000000",
    )


def _records(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of records")
    return value


def run(args: argparse.Namespace) -> int:
    if args.scale:
        return _run_scaled(args)
    from etl.sample import write_sample
    from etl.sample_contracts import write_sample_contracts

    surveys = write_sample(args.out / "surveys", seed=args.seed)
    contracts = write_sample_contracts(args.out / "contracts", seed=args.seed)
    print(f"wrote {len(surveys)} sample survey returns to {args.out / 'surveys'}")
    print(f"wrote {len(contracts)} sample contract data files to {args.out / 'contracts'}")
    return 0


def _run_scaled(args: argparse.Namespace) -> int:
    from etl.scale import write_scaled

    files = write_scaled(args.out, args.scale, seed=args.seed)
    for kind, paths in files.items():
        print(f"wrote {len(paths)} {kind} files")
    print(f"about {args.scale:,} records under {args.out} (surveys/, contracts/)")
    return 0
