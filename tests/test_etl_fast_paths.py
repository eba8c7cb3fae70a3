"""The ETL's fast paths (issue 14) give exactly what the slow paths they stand in for give.

Each shortcut taken for throughput (a cache, a quick test before a regex pass, a group of one
record, rows written in chunks) is checked here against the
general path on the same input, so a shortcut can never change a build's result.
"""

from __future__ import annotations

import datetime as dt
import gc
import json

import duckdb
import pytest

from etl import build as build_module
from etl import load, schema
from etl.extract.limits import MAX_JSON_DEPTH, TooDeep, check_depth, loads
from etl.link import COMPARED, contract_row
from etl.normalise import names, values
from etl.normalise.scope import _text_rule, text_rule
from etl.records import blank_record
from etl.reference import _key, norm_key


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_depth_check_still_refuses_one_level_too_deep_and_allows_the_limit():
    check_depth(_nested(MAX_JSON_DEPTH))
    with pytest.raises(TooDeep):
        check_depth(_nested(MAX_JSON_DEPTH + 1))
    with pytest.raises(TooDeep):
        check_depth(_nested(MAX_JSON_DEPTH + 1).encode())


def test_depth_check_past_the_quick_count_still_reads_brackets_in_strings_as_text():
    shallow = json.dumps({"a": "[" * 500, "b": [[{"c": "{{{{"}] for _ in range(40)]})
    assert shallow.count("[") + shallow.count("{") > MAX_JSON_DEPTH  # the quick count cannot decide it
    assert loads(shallow)["a"] == "[" * 500
    deep = '{"x": "[[[[", "y": ' + _nested(MAX_JSON_DEPTH) + "}"
    with pytest.raises(TooDeep):
        check_depth(deep)


@pytest.mark.parametrize(
    "text",
    ["31/03/2027", " 2027-03-31 ", "Q2 2027", "FY2026/27", "TBC", "Sep-2027", "31 March 2027", "99/99/2027", "2030"],
)
@pytest.mark.parametrize("end", [False, True])
def test_cached_date_parsing_is_the_uncached(text, end):
    assert values.parse_date(text, end=end) == values._uncached_text_date(text.strip(), end)
    assert values.parse_date(text, end=end) == values.parse_date(text, end=end)  # a hit, the same answer


def test_dates_too_long_to_cache_are_still_parsed():
    long = "31/03/2027" + " " * 10 + "x" * values.CACHED_TEXT
    assert values.parse_date(long) == values._uncached_text_date(long.strip(), False)
    assert values.iso_date("2024-04-01T00:00:00+01:00") == (dt.date(2024, 4, 1), None)
    assert values.iso_date("2024-03-31T23:00:00Z") == values._uncached_iso_text("2024-03-31T23:00:00Z")


@pytest.mark.parametrize("text", ["Caf\u00e9 &amp; Bar Ltd", "O\u2019Neil & Sons", "  A  B  ", "x" * 300, ""])
def test_cached_keys_and_cleaning_are_the_uncached(text):
    assert norm_key(text) == _key(text)
    assert names.clean_text(text) == names._clean(text)
    assert names.clean is names.clean_text


def test_cached_title_rule_is_the_rule_of_the_same_text():
    title = "Supply of laptops and desktop computers"
    assert text_rule(title) is _text_rule(title) is text_rule(f"  {title}  ".replace(" and", "  and"))
    assert text_rule(None) is text_rule("") is None


def _record(record_id, source, **fields):
    rec = blank_record()
    rec.update(record_id=record_id, source=source, source_ref=record_id, stage="contract", **fields)
    return rec


def test_a_contract_of_one_record_takes_every_value_it_has_and_names_it():
    rec = _record("r1", "register", title="Payroll system", end_date=dt.date(2027, 3, 31), total_value=10.0)
    row = contract_row([(rec, None)])
    given = {f: v for f, v in row.items() if f in schema.CONTRACT_FIELDS and v is not None}
    assert given == {"title": "Payroll system", "end_date": dt.date(2027, 3, 31), "total_value": 10.0,
                     "stage": "contract"}  # fmt: skip
    assert row["provenance"] == dict.fromkeys(given, "r1")
    assert row["disagreements"] is None and row["match_score"] is None


def test_disagreements_keep_the_fields_order_of_the_contract():
    a = _record("a", "survey", start_date=dt.date(2020, 1, 1), end_date=dt.date(2025, 1, 1), annual_value=1.0,
                total_value=10.0)  # fmt: skip
    b = _record("b", "register", start_date=dt.date(2022, 1, 1), end_date=dt.date(2029, 1, 1), annual_value=5.0,
                total_value=50.0)  # fmt: skip
    row = contract_row([(a, 0.9), (b, None)])
    assert list(row["disagreements"]) == [f for f in schema.CONTRACT_FIELDS if f in COMPARED]


def _rows(n: int) -> list[dict]:
    """Records whose optional columns are empty in the first rows and filled later."""
    out = []
    for i in range(n):
        later = i >= n // 2
        rec = schema.row("contract_records", record_id=f"r{i:03d}", source="register", warnings=[f"w{i}"] * later,
                         total_value=float(i) if later else None, end_date=dt.date(2027, 1, 1) if later else None,
                         cpv_codes=["72000000"] if later else None, suppliers=[{"name": "A"}] if later else None,
                         is_it=True if later else None, confidence=3 if later else None)  # fmt: skip
        out.append(rec)
    return out


def _table(db) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT * FROM contract_records").fetchall()


def test_rows_written_in_chunks_are_the_rows_written_at_once(tmp_path, monkeypatch):
    rows = _rows(25)
    run = schema.row("load_runs", run_id="t", status="ok")
    whole = load.write_database(tmp_path / "whole.duckdb", {"contract_records": rows}, run, {})
    monkeypatch.setattr(load, "CHUNK_ROWS", 4)  # the empty first half falls in chunks of its own
    chunked = load.write_database(tmp_path / "chunked.duckdb", {"contract_records": rows}, run, {})
    assert _table(chunked) == _table(whole)
    assert [r[0] for r in _table(chunked)] == [r["record_id"] for r in rows]
    assert _table(chunked)[-1][0] == "r024" and len(_table(chunked)) == 25


def test_a_bad_row_in_a_later_chunk_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(load, "CHUNK_ROWS", 4)
    rows = _rows(10)
    rows[9] = {**rows[9], "colour": "red"}
    out = tmp_path / "x.duckdb"
    with pytest.raises(schema.SchemaError, match="row 10"):
        load.write_database(out, {"contract_records": rows}, schema.row("load_runs", run_id="t", status="ok"), {})
    assert not out.exists() and not load.temporaries(out)


def test_the_build_turns_the_garbage_collector_back_on(tmp_path):
    assert gc.isenabled()
    build_module.build(tmp_path / "empty.duckdb")
    assert gc.isenabled()
    with pytest.raises(build_module.BuildError):
        build_module.build(tmp_path / "x.duckdb", surveys=[tmp_path / "missing"])
    assert gc.isenabled()
