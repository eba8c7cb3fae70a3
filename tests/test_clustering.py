"""Rows written by borough (``etl.load.clustered``, ``schema.Table.cluster``), so DuckDB's per-block
minimum and maximum let a borough filter skip the blocks of other boroughs and of other buyers."""

from __future__ import annotations

import duckdb

from etl import schema
from etl.load import clustered


def _key(row: tuple) -> tuple:
    return tuple((v is None, v if v is not None else "") for v in row)


def test_contracts_and_records_are_stored_by_borough_then_stage_then_service_area(full_sample_build):
    db, _ = full_sample_build
    with duckdb.connect(str(db), read_only=True) as con:
        for table in ("contracts", "contract_records"):
            rows = con.execute(f"SELECT {', '.join(schema.CLUSTER)} FROM {table} ORDER BY rowid").fetchall()
            assert len(rows) > 100
            assert rows == sorted(rows, key=_key), table
            assert rows[-1][0] is None and rows[0][0] is not None  # other buyers' rows come last


def _contract(cid: str, borough: str | None, stage: str | None, area: str | None) -> dict:
    row = dict.fromkeys(schema.columns("contracts"))
    return {**row, "contract_id": cid, "borough_code": borough, "stage": stage, "service_area": area}


def test_clustered_sorts_nulls_last_and_keeps_ties_in_the_order_they_were_made():
    contracts = [
        _contract("a", None, "contract", "Waste"),
        _contract("b", "E09000002", "tender", None),
        _contract("c", "E09000001", "contract", "Waste"),
        _contract("d", "E09000002", "tender", None),  # ties with b: stays after it
        _contract("e", "E09000002", "contract", "Adult social care"),
    ]
    suppliers = [{"contract_id": "e", "position": 0}, {"contract_id": "a", "position": 0}]
    out = clustered({"contracts": contracts, "contract_suppliers": suppliers, "rejects": [{"x": 2}, {"x": 1}]})
    assert [r["contract_id"] for r in out["contracts"]] == ["c", "e", "b", "d", "a"]
    assert out["contract_suppliers"] == suppliers  # reached by contract_id alone: as made
    assert out["rejects"] == [{"x": 2}, {"x": 1}]  # a table without an order is written as made
    assert [r["contract_id"] for r in contracts] == ["a", "b", "c", "d", "e"]  # the caller's list is not sorted
