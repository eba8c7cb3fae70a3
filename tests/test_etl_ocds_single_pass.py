"""The OCDS reader's session-12 fast paths (issue 14) give exactly what the paths they replace give.

A JSON Lines file is parsed once: its ocids are counted off the bytes and each count is checked
against the parsed line, the file read again after an exact count where one is not borne out.
The database is written from NumPy columns, not pandas frames. Each is compared here with the
general path on hand-made, hostile and generated inputs.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from etl import load, schema
from etl.extract import limits, ocds
from tests.test_etl_ocds_fast_paths import LINES

# --------------------------------------------------------------------------- one parse per line


def _read(path, monkeypatch, quick: bool) -> tuple:
    with monkeypatch.context() as m:
        if not quick:
            m.setattr(ocds, "_quick_ocid_counts", lambda path: None)  # the two-pass reading it replaces
        result = ocds.read_ocds(path, "ocds_jsonl")
    return json.dumps(result.records, default=str), result.rejects, dict(result.skipped), result.records_read


MORE_LINES = {
    "one ocid, three lines": [b'{"ocid":"a","date":"2024-01-01","tender":{"title":"T"}}', b'{"ocid":"b"}',
                              b'{"ocid":"a","date":"2024-02-01","awards":[{"id":"1","suppliers":[{"name":"S"}]}]}'],
    "spaced key": [b'{"ocid" : "a", "tender": {"title": "T"}}', b'{"ocid":"a","date":"2024-01-01"}'],
    "nested ocid": [b'{"ocid":"a","relatedProcesses":[{"ocid":"b"}]}', b'{"ocid":"b","tender":{"title":"x"}}'],
    "unicode ocid": ['{"ocid":"ocds-é","tender":{"title":"T"}}'.encode(), '{"ocid":"ocds-é"}'.encode()],
    "blank lines": [b"", b"   ", b'{"ocid":"a","tender":{"title":"T"}}', b"\t"],
    "file separator": [b'{"ocid":"a","tender":{"title":"T"}}', b"\x1c"],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted({**LINES, **MORE_LINES}))
def test_one_pass_reads_a_file_as_the_two_passes_did(tmp_path, monkeypatch, name):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"\r\n".join({**LINES, **MORE_LINES}[name]) + b"\n")
    assert _read(path, monkeypatch, quick=True) == _read(path, monkeypatch, quick=False)


def test_a_plain_file_parses_each_line_once(tmp_path, monkeypatch):
    lines = [json.dumps({"ocid": f"o{i % 3}", "date": f"2024-01-0{i + 1}", "tender": {"title": "T"}}) for i in range(6)]
    path = tmp_path / "x.jsonl"
    path.write_text("\n".join(lines) + "\n")
    parsed = []
    monkeypatch.setattr(ocds, "loads", lambda text: parsed.append(text) or limits.loads(text))
    monkeypatch.setattr(ocds, "_jsonl_ocid_counts", lambda path: pytest.fail("counted by parsing"))
    result = ocds.read_ocds(path, "ocds_jsonl")
    assert len(parsed) == len(lines) and len(result.records) == 3
    assert result.skipped[ocds.COMPILED_AWAY] == 3


def test_a_line_that_belies_its_quick_count_is_counted_again(tmp_path, monkeypatch):
    path = tmp_path / "x.jsonl"  # the second line's only "ocid" is nested: the quick count is wrong
    path.write_bytes(b'{"ocid":"a","tender":{"title":"T"}}\n{"x":{"ocid":"a"}}\n{"ocid":"a","date":"2024"}\n')
    counted = []
    real = ocds._jsonl_ocid_counts
    monkeypatch.setattr(ocds, "_jsonl_ocid_counts", lambda p: counted.append(p) or real(p))
    result = ocds.read_ocds(path, "ocds_jsonl")
    assert counted == [path]
    assert result.records_read == 3 and len(result.records) == 1 and len(result.rejects) == 1


# --------------------------------------------------------------------------- NumPy columns


RUN = schema.row("load_runs", run_id="r")


def test_columns_keep_every_value_as_a_frame_kept_it(tmp_path):
    sizes = [None, 0, 2**62]
    rows = [schema.row("load_files", run_id="r", path=f"f{i}", size_bytes=s, records_read=i, is_sample=i % 2 == 0,
                       notes=["a", "b"] if i else [], skipped_reasons={"x": i})
            for i, s in enumerate(sizes)]  # fmt: skip
    out = load.write_database(tmp_path / "x.duckdb", {"load_files": rows}, RUN, {})
    with duckdb.connect(str(out), read_only=True) as con:
        got = con.execute(
            "SELECT size_bytes, records_read, is_sample, notes, skipped_reasons FROM load_files"
        ).fetchall()
    assert got == [(None, 0, True, [], '{"x": 0}'), (0, 1, False, ["a", "b"], '{"x": 1}'),
                   (2**62, 2, True, ["a", "b"], '{"x": 2}')]  # fmt: skip
    assert load._numbers([1, None, 2.5]).dtype.kind == "f" and load._numbers([1, 2]).dtype.kind == "i"
    assert load._numbers([2**70]).dtype == object  # too big for int64: objects, as a frame held it
    assert load._numbers([True]).dtype == object
    assert load._objects([["a", "b"], ["c", "d"]]).shape == (2,)


def test_a_date_column_is_written_as_dates(tmp_path):
    rec = schema.row("contract_records", record_id="r1", source="register", end_date=dt.date(2027, 3, 1),
                     total_value=12, annual_value=None)  # fmt: skip
    out = load.write_database(tmp_path / "x.duckdb", {"contract_records": [rec]}, RUN, {})
    with duckdb.connect(str(out), read_only=True) as con:
        got = con.execute("SELECT end_date, total_value, annual_value FROM contract_records").fetchone()
    assert got == (dt.date(2027, 3, 1), 12.0, None)
