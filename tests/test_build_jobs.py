"""``etl build --jobs N``: files read in worker processes give exactly the build one process gives."""

from __future__ import annotations

import argparse
import multiprocessing
import os
from pathlib import Path

import duckdb
import pytest

from etl import build as build_module
from etl.build import build
from etl.commands import build as build_command

FIXTURES = Path(__file__).parent / "fixtures"
CONTRACTS = [FIXTURES / "contracts", FIXTURES / "registers"]
NOT_CONTENT = {"run_id", "started_at", "finished_at"}  # differ between any two builds


def tables(db: Path) -> dict[str, list[tuple]]:
    """Every table's rows in stored order, less what differs between any two builds."""
    with duckdb.connect(str(db), read_only=True) as con:
        names = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        out = {}
        for name in names:
            cur = con.execute(f"SELECT * FROM {name}")
            cols = [d[0] for d in cur.description]
            keep = [i for i, c in enumerate(cols) if c not in NOT_CONTENT]
            rows = [tuple(row[i] for i in keep) for row in cur.fetchall()]
            out[name] = [r for r in rows if name != "meta" or r[0] not in {"built_at", "run_id"}]
    return out


@pytest.fixture(autouse=True)
def pool_for_small_inputs(monkeypatch):
    """The fixtures are small: without this they would be read in-process whatever ``jobs`` says."""
    monkeypatch.setattr(build_module, "POOL_MIN_BYTES", 0)


def built(tmp_path: Path, name: str, jobs: int, **inputs) -> tuple[dict, object]:
    result = build(tmp_path / f"{name}.duckdb", jobs=jobs, **inputs)
    return tables(tmp_path / f"{name}.duckdb"), result


def test_two_jobs_build_exactly_what_one_builds(tmp_path):
    """Contract files (a broken one, a non-contract one, notices shared across files) and their accounting."""
    again = tmp_path / "again"
    again.mkdir()
    (again / "cf_export_again.csv").write_bytes((FIXTURES / "contracts" / "cf_export.csv").read_bytes())
    one, one_result = built(tmp_path, "one", 1, contracts=[*CONTRACTS, again])
    two, two_result = built(tmp_path, "two", 2, contracts=[*CONTRACTS, again])
    assert two == one
    assert [vars(r) for r in two_result.files] == [vars(r) for r in one_result.files]
    assert any(r.status == "rejected" for r in two_result.files)  # the failures went through the pool too
    assert sum(r.merged for r in two_result.files) > 0  # and notices merged across files


def test_survey_workbooks_read_in_workers_build_the_same(tmp_path, sample_inputs):
    one, _ = built(tmp_path, "one", 1, surveys=[sample_inputs.surveys])
    two, _ = built(tmp_path, "two", 3, surveys=[sample_inputs.surveys])
    assert two == one and len(two["contract_records"]) > 0


def _reader_failing_in_workers(path):
    """In a worker process: a file name ending in 'packages.csv' kills it, the others raise their own error."""
    if multiprocessing.parent_process() is not None:
        if path.name.endswith("packages.csv"):
            os._exit(9)  # as the out-of-memory killer would
        raise LookupError(f"worker refused {path.name}")
    return REAL_READER(path)


REAL_READER = build_module.read_contract_file


def test_a_reader_error_in_a_worker_is_the_files_reason_and_a_dead_worker_loses_no_file(tmp_path, monkeypatch):
    """A reader's exception in a worker is reported as in one process; a killed worker's files are read here."""
    monkeypatch.setattr(build_module, "read_contract_file", _reader_failing_in_workers)
    result = build(tmp_path / "db.duckdb", contracts=[FIXTURES / "contracts"], jobs=2)
    reasons = {r.file: r.reason for r in result.files}
    assert len(reasons) == len(list((FIXTURES / "contracts").iterdir()))
    refused = [f for f, why in reasons.items() if why == f"{f}: cannot be read (LookupError: worker refused {f})"]
    read_here = [r.file for r in result.files if r.status != "rejected"]
    assert refused and "ocds_flat_packages.csv" in read_here  # the killed worker's file was read in this process
    assert all(r.balanced for r in result.files)


def test_a_small_input_is_read_in_this_process_whatever_the_jobs(tmp_path, monkeypatch):
    """Below ``POOL_MIN_BYTES`` no worker is started: the reader runs here (it would refuse in a worker)."""
    monkeypatch.setattr(build_module, "POOL_MIN_BYTES", 10 * 2**20)
    monkeypatch.setattr(build_module, "read_contract_file", _reader_failing_in_workers)
    result = build(tmp_path / "db.duckdb", contracts=[FIXTURES / "contracts"], jobs=2)
    assert not [r for r in result.files if "worker refused" in (r.reason or "")]
    assert [r.file for r in result.files if r.file.endswith("packages.csv") and r.status != "rejected"]


def test_jobs_option_takes_a_whole_number_from_one_up():
    parser = argparse.ArgumentParser()
    build_command.add_arguments(parser)
    assert parser.parse_args(["--jobs", "3"]).jobs == 3
    assert 1 <= parser.parse_args([]).jobs == build_command.default_jobs() <= build_command.MAX_JOBS
    for bad in ["0", "-2", "two"]:
        with pytest.raises(SystemExit):
            parser.parse_args(["--jobs", bad])
