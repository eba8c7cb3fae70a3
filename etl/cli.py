"""Command line: ``python -m etl build|sample|template|fetch`` (see DESIGN.md, "Command line").

Each command is a module of ``etl.commands``; this module only assembles their parsers.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from etl.commands import COMMANDS


def parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of ``only`` (each command module's imports cost start-up time:
    ``fetch``'s alone a sixth of an empty build)."""
    p = argparse.ArgumentParser(prog="python -m etl", description="City Tools ETL: inputs -> DuckDB")
    sub = p.add_subparsers(dest="command", required=True)
    for name in [only] if only in COMMANDS else COMMANDS:
        command = importlib.import_module(f"etl.commands.{name}")
        sp = sub.add_parser(name, help=command.HELP, description=command.__doc__)
        command.add_arguments(sp)
        sp.set_defaults(run=command.run)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser(argv[0] if argv else None).parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
