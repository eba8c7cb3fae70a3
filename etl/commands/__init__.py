"""One module per ``python -m etl`` command, each with ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int`` (the exit status); ``etl.cli`` only assembles them into one parser.

Default paths are relative to the working directory, as the Makefile uses them.
"""

from pathlib import Path

COMMANDS = ("build", "sample", "template", "fetch")

DEFAULT_DB = Path("data/citytools.duckdb")
DEFAULT_INPUTS = Path("data/inputs")
DEFAULT_SURVEYS = DEFAULT_INPUTS / "surveys"
DEFAULT_CONTRACTS = DEFAULT_INPUTS / "contracts"
