"""Hostile JSON: each file is rejected (whole, or the line) with its reason, and the good files still load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.hostile import corpus
from tests.hostile.corpus import assert_good_files_loaded, build_all, file_row, query, rejects_of

ROOT = Path(__file__).resolve().parents[2]


def test_a_cut_off_last_line_is_a_reject_stored_as_a_json_string(tmp_path):
    _, contracts = corpus.good_inputs(tmp_path)
    corpus.cut_jsonl(contracts / "cut.jsonl")
    db, _ = build_all(tmp_path)
    (reject,) = rejects_of(db, "cut.jsonl")
    assert reject["location"] == "line 2"
    assert reject["reason"].startswith("not valid JSON (")
    assert reject["valid"] and isinstance(json.loads(reject["raw"]), str)  # the text, as a JSON string
    assert file_row(db, "cut.jsonl")["loaded"] == 1
    assert_good_files_loaded(db)


def test_a_release_that_is_a_string_is_a_reject_and_the_build_writes(tmp_path):
    _, contracts = corpus.good_inputs(tmp_path)
    corpus.string_release_package(contracts / "strings.json")
    db, _ = build_all(tmp_path)
    (reject,) = rejects_of(db, "strings.json")
    assert (reject["location"], reject["reason"], json.loads(reject["raw"])) == (
        "release 1",
        "release is not a JSON object",
        "x",
    )
    assert_good_files_loaded(db)


def test_nan_and_a_lone_surrogate_neither_stop_the_build(tmp_path):
    """json.loads reads NaN (not JSON) and "\\ud800" (not UTF-8): the first is a reject of its line, the
    second loads as U+FFFD, and the database accepts both."""
    _, contracts = corpus.good_inputs(tmp_path)
    surrogate = corpus.GOOD_RELEASE.replace("cccccccc", "99999999").replace("Case management", "Case \\ud800 system")
    (contracts / "odd.jsonl").write_text('{"ocid": "ocds-b5fd17-x", "v": NaN}\n' + surrogate + "\n", encoding="utf-8")
    db, _ = build_all(tmp_path)
    (reject,) = rejects_of(db, "odd.jsonl")
    assert (reject["location"], reject["reason"]) == ("line 1", "not valid JSON (NaN is not a JSON value)")
    (title,) = query(db, "SELECT title FROM contract_records WHERE source_file = 'odd.jsonl'")
    assert title["title"] == "Case \ufffd system"
    assert_good_files_loaded(db)


def test_a_package_nested_1500_deep_is_rejected_whole(tmp_path):
    _, contracts = corpus.good_inputs(tmp_path)
    corpus.deep_package(contracts / "deep.json")
    db, _ = build_all(tmp_path)
    (reject,) = rejects_of(db, "deep.json")
    assert reject["reason"] == "deep.json: nested deeper than 64 levels"
    assert file_row(db, "deep.json")["status"] == "rejected"
    assert_good_files_loaded(db)


def test_nesting_before_the_releases_is_refused_while_the_kind_is_detected(tmp_path):
    _, contracts = corpus.good_inputs(tmp_path)
    (contracts / "deep-first.json").write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + ', "releases": []}')
    db, _ = build_all(tmp_path)
    assert file_row(db, "deep-first.json")["reason"] == "deep-first.json: nested deeper than 64 levels"
    assert_good_files_loaded(db)


def test_a_deep_line_two_rejects_that_line_only_and_costs_little_memory(tmp_path):
    """236 KB of brackets on line 2 took 6 GB in 13 s: now that line is rejected, the lines around
    it load, and the whole build (run as `python -m etl build`) stays well under 1 GB."""
    _, contracts = corpus.good_inputs(tmp_path)
    corpus.deep_jsonl_line_two(contracts / "deep2.jsonl")
    db = tmp_path / "out.duckdb"
    peak_kb = _build_peak_kb(["--surveys", str(tmp_path / "surveys"), "--contracts", str(contracts), "--out", str(db)])
    (reject,) = rejects_of(db, "deep2.jsonl")
    assert (reject["location"], reject["reason"]) == ("line 2", "nested deeper than 64 levels")
    assert file_row(db, "deep2.jsonl")["loaded"] == 2
    assert peak_kb < 1024 * 1024, f"the build peaked at {peak_kb // 1024} MB"
    assert_good_files_loaded(db)


def _build_peak_kb(args: list[str]) -> int:
    """Run `python -m etl build ARGS` in a child that reports its own peak resident memory (KB)."""
    code = (
        "import resource, runpy, sys\n"
        f"sys.argv = ['etl', 'build', *{args!r}]\n"
        "try:\n    runpy.run_module('etl', run_name='__main__')\nexcept SystemExit as exc:\n    assert not exc.code\n"
        "print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return int(proc.stdout.rsplit("PEAK", 1)[1])
