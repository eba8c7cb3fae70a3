"""``python -m etl template OUT.xlsx``: the survey workbook to send to boroughs."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "write the survey workbook to send to boroughs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", type=Path, help="the .xlsx file to write")


def run(args: argparse.Namespace) -> int:
    from etl.template import write_template

    print(f"wrote the survey template to {write_template(args.out)}")
    return 0
