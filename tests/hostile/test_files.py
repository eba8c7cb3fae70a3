"""Whole files: one over the size limit is refused with its size; any failure of a reader is that file's reject."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import etl.build
import etl.extract.survey
from tests.hostile import corpus
from tests.hostile.corpus import assert_good_files_loaded, build_all, file_row

ROOT = Path(__file__).resolve().parents[2]


def _big_jsonl(path: Path, mb: float) -> Path:
    """A valid JSON Lines file of ``mb`` MB (one release, padded with blank lines)."""
    path.write_text(corpus.GOOD_RELEASE.replace("cccccccc", "77777777") + "\n" + " " * int(mb * 1024 * 1024))
    return path


def _cli(tmp_path: Path, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    args = ["--surveys", str(tmp_path / "surveys"), "--contracts", str(tmp_path / "contracts")]
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "build", *args, "--out", str(tmp_path / "out.duckdb"), *extra],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, **(env or {})},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def test_a_file_over_max_file_mb_is_refused_with_its_size(tmp_path):
    _, contracts = corpus.good_inputs(tmp_path)
    big = _big_jsonl(contracts / "big.jsonl", 1.5)
    _cli(tmp_path, "--max-file-mb", "1")
    db = tmp_path / "out.duckdb"
    reason = file_row(db, "big.jsonl")["reason"]
    size = big.stat().st_size
    assert reason == (
        f"big.jsonl: {size / 1024 / 1024:,.1f} MB ({size:,} bytes), over the 1 MB limit for one input file"
        " (raise it with --max-file-mb or CITYTOOLS_MAX_FILE_MB)"
    )
    assert file_row(db, "big.jsonl")["size_bytes"] == size  # still hashed and sized for load_runs
    assert_good_files_loaded(db)


def test_the_limit_comes_from_the_environment_and_a_survey_is_refused_too(tmp_path):
    surveys, contracts = corpus.good_inputs(tmp_path)
    _big_jsonl(contracts / "big.jsonl", 1.2)
    (surveys / "camden_huge.csv").write_text("Borough,System name,Supplier\n" + "Camden,Mosaic,Servelec\n" * 60_000)
    _cli(tmp_path, env={"CITYTOOLS_MAX_FILE_MB": "1"})
    db = tmp_path / "out.duckdb"
    assert "over the 1 MB limit for one input file" in file_row(db, "big.jsonl")["reason"]
    assert "over the 1 MB limit for one input file" in file_row(db, "camden_huge.csv")["reason"]
    assert_good_files_loaded(db)


def test_under_the_default_limit_the_same_file_loads(tmp_path):
    _, contracts = corpus.good_inputs(tmp_path)
    _big_jsonl(contracts / "big.jsonl", 1.5)
    db, _ = build_all(tmp_path)
    assert file_row(db, "big.jsonl")["loaded"] == 1


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (RecursionError("maximum recursion depth exceeded"), "odd.jsonl: nested too deeply to read"),
        (MemoryError(), "odd.jsonl: too large to read in memory"),
        (KeyError("tender"), "odd.jsonl: cannot be read (KeyError: 'tender')"),
        (UnicodeError("bad"), "odd.jsonl: bad"),
    ],
    ids=["recursion", "memory", "key", "unicode"],
)
def test_any_failure_of_a_contract_reader_is_a_reject_of_that_file(tmp_path, monkeypatch, error, reason):
    """Only ValueError and OSError were caught: a RecursionError took the build down."""
    _, contracts = corpus.good_inputs(tmp_path)
    (contracts / "odd.jsonl").write_text(corpus.GOOD_RELEASE + "\n")
    real = etl.build.read_contract_file

    def failing(path):
        if Path(path).name == "odd.jsonl":
            raise error
        return real(path)

    monkeypatch.setattr(etl.build, "read_contract_file", failing)
    db, _ = build_all(tmp_path)
    assert (file_row(db, "odd.jsonl")["status"], file_row(db, "odd.jsonl")["reason"]) == ("rejected", reason)
    assert_good_files_loaded(db)


def test_any_failure_of_the_survey_reader_is_a_reject_of_that_return(tmp_path, monkeypatch):
    surveys, _ = corpus.good_inputs(tmp_path)
    corpus.survey_workbook(surveys / "hackney_return.xlsx", corpus.GOOD_SURVEY_ROWS)
    real = etl.extract.survey.read_survey  # etl.build imports it when there are surveys

    def failing(path, survey_date=None):
        if Path(path).name == "hackney_return.xlsx":
            raise RuntimeError("calamine fell over")
        return real(path, survey_date)

    monkeypatch.setattr(etl.extract.survey, "read_survey", failing)
    db, _ = build_all(tmp_path)
    row = file_row(db, "hackney_return.xlsx")
    assert (row["status"], row["reason"]) == (
        "rejected",
        "hackney_return.xlsx: cannot be read (RuntimeError: calamine fell over)",
    )
    assert row["borough_code"] == "E09000012"  # still listed under its borough
    assert_good_files_loaded(db)


def test_a_broken_zip_and_bad_utf16_are_rejects_with_their_reasons(tmp_path):
    surveys, _ = corpus.good_inputs(tmp_path)
    good = (surveys / "camden_return.xlsx").read_bytes()
    (surveys / "camden_cut.xlsx").write_bytes(good[: len(good) // 2])
    (surveys / "camden_utf16.csv").write_bytes(b"\xff\xfeB\x00o\x00r")  # an odd number of bytes
    db, _ = build_all(tmp_path)
    assert file_row(db, "camden_cut.xlsx")["reason"].startswith("camden_cut.xlsx: not an Excel workbook (.xlsx)")
    assert (
        file_row(db, "camden_utf16.csv")["reason"]
        == "camden_utf16.csv: UTF-16 encoded but not valid UTF-16: save as UTF-8"
    )
    assert_good_files_loaded(db)
