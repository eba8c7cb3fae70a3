"""``python -m etl``: one module per command, and the default paths `make run` relies on."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from etl.cli import parser
from etl.commands import COMMANDS

ROOT = Path(__file__).resolve().parents[1]


def etl(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300, check=True)  # fmt: skip


def test_every_command_is_a_module_with_its_own_arguments():
    for name in COMMANDS:
        command = importlib.import_module(f"etl.commands.{name}")
        assert command.HELP and callable(command.add_arguments) and callable(command.run), name
    assert parser().parse_args(["template", "t.xlsx"]).run is importlib.import_module("etl.commands.template").run


def test_sample_and_build_with_no_paths_use_data_inputs(tmp_path):
    """`python -m etl sample` writes data/inputs/surveys and data/inputs/contracts, which a bare build reads."""
    done = etl("sample", cwd=tmp_path)
    inputs = tmp_path / "data" / "inputs"
    assert sorted(p.name for p in inputs.iterdir()) == ["contracts", "surveys"]
    assert len(list((inputs / "surveys").glob("*.xlsx"))) == 22
    assert len(list((inputs / "contracts").iterdir())) == 6
    assert f"to {Path('data/inputs/surveys')}" in done.stdout
    built = etl("build", cwd=tmp_path)
    assert "cf_csv: 1 files" in built.stdout and "survey: 22 files" in built.stdout
    with duckdb.connect(str(tmp_path / "data" / "citytools.duckdb"), read_only=True) as con:
        sources = {s for (s,) in con.execute("SELECT DISTINCT source FROM load_files").fetchall()}
    assert {"survey", "cf_csv", "register_csv", "ocds_release_package"} == sources
