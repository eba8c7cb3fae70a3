"""The data contract in ``etl.schema``: the database is made from it, and rows are held to it."""

from __future__ import annotations

import json

import duckdb
import pytest

from etl import schema
from etl.load import write_database

RUN = schema.row("load_runs", run_id="t", status="ok")


def columns_in(db, name: str) -> dict[str, str]:
    with duckdb.connect(str(db), read_only=True) as con:
        sql = "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?"
        return dict(con.execute(f"{sql} ORDER BY ordinal_position", [name]).fetchall())


def test_the_built_database_has_exactly_the_schema(full_sample_build):
    db, _ = full_sample_build
    for name, table in schema.TABLES.items():
        assert columns_in(db, name) == table.columns, name
    for name, view in schema.VIEWS.items():
        assert columns_in(db, name) == view.columns, name


def test_contract_fields_have_the_record_types():
    for name in schema.CONTRACT_FIELDS:
        assert schema.CONTRACT_COLUMNS[name] == schema.RECORD_COLUMNS[name], name


def test_row_fills_the_rest_and_refuses_unknown_keys():
    row = schema.row("rejects", source="survey", file="a.xlsx")
    assert row == {"source": "survey", "file": "a.xlsx", "location": None, "reason": None, "raw": None}
    with pytest.raises(schema.SchemaError, match="rejects: no column 'line'"):
        schema.row("rejects", line=3)
    with pytest.raises(schema.SchemaError, match="no table 'reject'"):
        schema.blank("reject")


def test_the_writer_refuses_a_row_missing_a_column(tmp_path):
    row = schema.row("load_files", run_id="t", file="x.csv")
    del row["merged"]
    with pytest.raises(schema.SchemaError, match=r"load_files row 1 \(file='x.csv'\): missing key 'merged'"):
        write_database(tmp_path / "x.duckdb", {"load_files": [row]}, RUN, {})
    assert not (tmp_path / "x.duckdb").exists()


def test_the_writer_refuses_a_row_with_an_unknown_column(tmp_path):
    record = {**schema.blank("contract_records"), "record_id": "r1", "colour": "red"}
    with pytest.raises(schema.SchemaError, match=r"contract_records row 1 \(record_id='r1'\): unknown key 'colour'"):
        write_database(tmp_path / "x.duckdb", {"contract_records": [record]}, RUN, {})
    with pytest.raises(schema.SchemaError, match="load_runs row 1 \\(run_id='t'\\): unknown key 'colour'"):
        write_database(tmp_path / "x.duckdb", {}, {**RUN, "colour": "red"}, {})
    with pytest.raises(schema.SchemaError, match="load_runs row 1 \\(run_id='t'\\): missing key 'status'"):
        write_database(tmp_path / "x.duckdb", {}, {k: v for k, v in RUN.items() if k != "status"}, {})


def test_every_raw_value_is_stored_as_json(tmp_path):
    """Text that is not JSON (a broken line) is a JSON string, not a cast error."""
    raws = ['{"ocid": "cut', "x", 42, None, {"Title": "a"}, ["a", 1]]
    rows = [schema.row("rejects", file="f", location=f"line {i}", raw=raw) for i, raw in enumerate(raws)]
    db = write_database(tmp_path / "x.duckdb", {"rejects": rows}, RUN, {})
    with duckdb.connect(str(db), read_only=True) as con:
        stored = [raw for (raw,) in con.execute("SELECT raw FROM rejects ORDER BY location").fetchall()]
    assert [None if s is None else json.loads(s) for s in stored] == raws
