"""Write a build's records into a new DuckDB file, atomically.

The database is written to a temporary file beside the target and renamed over it only when
complete, so a failed build leaves the previous database untouched. Table shapes are the data
contract of DESIGN.md; readers produce ``contract_records`` rows (see ``etl.records``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pandas as pd

from etl.records import RECORD_COLUMNS

CONTRACT_COLUMNS: dict[str, str] = {
    "contract_id": "VARCHAR",
    "record_ids": "VARCHAR[]",
    "sources": "VARCHAR[]",
    "source_url": "VARCHAR",
    "borough_code": "VARCHAR",
    "buyer_name": "VARCHAR",
    "supplier_name": "VARCHAR",
    "system_name": "VARCHAR",
    "manufacturer": "VARCHAR",
    "service_area": "VARCHAR",
    "stage": "VARCHAR",
    "title": "VARCHAR",
    "start_date": "DATE",
    "end_date": "DATE",
    "max_end_date": "DATE",
    "annual_value": "DOUBLE",
    "total_value": "DOUBLE",
    "hosting": "VARCHAR",
    "confidence": "TINYINT",
    "satisfaction": "TINYINT",
    "value_for_money": "TINYINT",
    "is_it": "BOOLEAN",
    "match_score": "DOUBLE",  # NULL when the contract has one record
    "provenance": "JSON",  # field -> record_id it was taken from
    "disagreements": "JSON",  # field -> {record_id: value} where the records differ
}

DDL = f"""
CREATE TABLE contract_records ({", ".join(f"{c} {t}" for c, t in RECORD_COLUMNS.items())}, PRIMARY KEY (record_id));
CREATE TABLE contracts ({", ".join(f"{c} {t}" for c, t in CONTRACT_COLUMNS.items())}, PRIMARY KEY (contract_id));
CREATE TABLE rejects (
    source VARCHAR, file VARCHAR, location VARCHAR, reason VARCHAR, raw JSON
);
CREATE TABLE load_files (
    run_id VARCHAR, file VARCHAR, path VARCHAR, source VARCHAR, sha256 VARCHAR, size_bytes BIGINT,
    is_sample BOOLEAN, status VARCHAR, reason VARCHAR, borough_code VARCHAR,
    records_read INTEGER, loaded INTEGER, rejected INTEGER, skipped INTEGER,
    skipped_reasons JSON, warnings INTEGER, unmapped_columns VARCHAR[], notes VARCHAR[]
);
CREATE TABLE load_runs (
    run_id VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP, status VARCHAR,
    inputs JSON, counts JSON, command VARCHAR
);
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE supplier_matches (raw VARCHAR, canonical VARCHAR, method VARCHAR, score DOUBLE);
CREATE VIEW record_warnings AS
    SELECT record_id, source, source_ref, unnest(warnings) AS warning FROM contract_records;
"""


def _frame(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    """Rows as a frame with the table's columns; JSON columns serialised here, once."""
    json_columns = {c for c, t in columns.items() if t == "JSON"}

    def cell(row: dict, c: str):
        value = row.get(c)
        if c in json_columns and value is not None and not isinstance(value, str):
            return json.dumps(value, default=str, ensure_ascii=False)
        return value

    return pd.DataFrame([{c: cell(r, c) for c in columns} for r in rows], columns=list(columns))


def write_database(out: str | Path, tables: dict[str, list[dict]], run: dict, meta: dict[str, str]) -> Path:
    """Create the database at ``out`` from scratch; replace the old file only on success.

    ``tables`` maps table names of the DDL to their rows (dicts; missing keys are NULL).
    Earlier rows of ``load_runs`` are carried over from the previous database, so the table
    keeps the history of builds.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f"{out.name}.tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.execute(DDL)
            for table, rows in tables.items():
                _insert(con, table, _frame(rows, _columns(con, table)))
            _copy_previous_runs(con, out)
            _insert(con, "load_runs", _frame([run], _columns(con, "load_runs")))
            _insert(con, "meta", pd.DataFrame(sorted(meta.items()), columns=["key", "value"]))
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
        raise
    return out


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    sql = "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index"
    return dict(con.execute(sql, [table]).fetchall())


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    con.register("incoming", frame)
    try:
        cols = ", ".join(frame.columns)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM incoming")
    finally:
        con.unregister("incoming")


def _copy_previous_runs(con: duckdb.DuckDBPyConnection, previous: Path) -> None:
    if not previous.exists():
        return
    try:
        con.execute("ATTACH ? AS previous (READ_ONLY)", [str(previous)])
    except duckdb.Error:
        return  # an unreadable old file is replaced, not merged
    try:
        con.execute("INSERT INTO load_runs SELECT * FROM previous.load_runs")
    except duckdb.Error:
        pass  # an older layout: start the history afresh
    finally:
        con.execute("DETACH previous")
