"""Builds killed at several moments, and builds run at once, through `python -m etl build`.

A killed build must leave the previous database intact and nothing the next build cannot clean
(its ``<db>.tmp-PID``); two builds at once take turns on ``<db>.lock`` and both keep their
``load_runs`` row. The kills come after fixed delays and, once, at the moment the temporary file
appears, so the write phase itself is interrupted whatever the speed of the machine.
"""

from __future__ import annotations

import select
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from etl.load import build_lock, temporaries

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """The embedded sample inputs (22 returns, 6 contract files): a build of a few seconds."""
    folder = tmp_path_factory.mktemp("sample")
    subprocess.run(
        [sys.executable, "-m", "etl", "sample", "--out", str(folder)], cwd=ROOT, check=True, capture_output=True
    )
    return folder


def _start(sample: Path, db: Path) -> subprocess.Popen:
    args = ["--surveys", str(sample / "surveys"), "--contracts", str(sample / "contracts"), "--out", str(db)]
    return subprocess.Popen(
        [sys.executable, "-m", "etl", "build", *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def _build(sample: Path, db: Path) -> None:
    proc = _start(sample, db)
    _, err = proc.communicate()
    assert proc.returncode == 0, err.decode()[-2000:]


def _state(db: Path) -> tuple[int, int, set[str]]:
    """(records, load_runs rows, run ids): reading it proves the file is a whole database."""
    with duckdb.connect(str(db), read_only=True) as con:
        records = con.execute("SELECT count(*) FROM contract_records").fetchone()[0]
        runs = {r[0] for r in con.execute("SELECT run_id FROM load_runs").fetchall()}
    return records, len(runs), runs


def _kill_when_writing(sample: Path, db: Path) -> bool:
    """Start a build and SIGKILL it as soon as its temporary file exists; whether the kill landed
    while it was writing (its temporary file is still there after the kill, so it never renamed)."""
    proc = _start(sample, db)
    while proc.poll() is None:
        if temporaries(db):
            proc.kill()
            proc.wait()
            return bool(temporaries(db))
        time.sleep(0.002)
    return False


def _after_kill(db: Path, before: bytes, records: int, runs: int) -> int:
    """The database after a kill: the previous one byte for byte, or, when the build had already put its
    new file in place (the rename is atomic, a kill can land after it), a whole new one with one run more.
    Gives the number of runs now."""
    if db.read_bytes() == before:
        return runs
    assert _state(db)[:2] == (records, runs + 1)
    return runs + 1


def test_killed_builds_leave_the_previous_database_and_nothing_the_next_build_cannot_clean(sample, tmp_path):
    db = tmp_path / "city.duckdb"
    _build(sample, db)
    records, runs, _ = _state(db)
    for delay in (0.1, 0.5, 1.0, 1.5, 2.5):
        before = db.read_bytes()
        proc = _start(sample, db)
        time.sleep(delay)
        proc.kill()
        proc.wait()
        runs = _after_kill(db, before, records, runs)
    for _ in range(5):  # a kill that lands just after the rename is not a kill while writing: try again
        before = db.read_bytes()
        caught = _kill_when_writing(sample, db)
        runs = _after_kill(db, before, records, runs)
        if caught:
            break
    assert caught, "no build was caught while writing its temporary file"
    assert temporaries(db), "a build killed while writing leaves its temporary file"
    assert _state(db)[:2] == (records, runs)  # the previous database, intact
    _build(sample, db)
    assert temporaries(db) == []
    assert not db.with_name(f"{db.name}.lock").exists()
    assert _state(db)[:2] == (records, runs + 1)


def test_two_builds_at_once_both_succeed_and_both_runs_are_kept(sample, tmp_path):
    db = tmp_path / "city.duckdb"
    _build(sample, db)
    records, runs, first = _state(db)
    procs = [_start(sample, db), _start(sample, db)]
    errors = [p.communicate()[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    now_records, now_runs, ids = _state(db)
    assert (now_records, now_runs) == (records, runs + 2)
    assert first < ids
    assert temporaries(db) == [] and not db.with_name(f"{db.name}.lock").exists()


def test_a_build_waits_for_the_lock_and_says_so(sample, tmp_path):
    db = tmp_path / "city.duckdb"
    _build(sample, db)
    _, runs, _ = _state(db)
    with build_lock(db):
        proc = _start(sample, db)
        said = b""
        while b"waiting" not in said and proc.poll() is None:
            ready, _, _ = select.select([proc.stderr], [], [], 120)
            assert ready, "the second build neither waited nor said so"
            said += proc.stderr.readline()
        assert f"another build is writing {db}; waiting for it to finish".encode() in said
        assert proc.poll() is None  # it waits while the lock is held
    _, err = proc.communicate()
    assert proc.returncode == 0, err.decode()[-2000:]
    assert _state(db)[1] == runs + 1
