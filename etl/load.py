"""Write a build's rows into a new DuckDB file, atomically.

The database is written to a temporary file beside the target and renamed over it only when
complete, so a failed build leaves the previous database untouched. The tables and their
columns are ``etl.schema``; every row is checked against it before anything is written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pandas as pd

from etl import schema


def write_database(out: str | Path, tables: dict[str, list[dict]], run: dict, meta: dict[str, str]) -> Path:
    """Create the database at ``out`` from scratch; replace the old file only on success.

    ``tables`` maps tables of ``etl.schema`` to their rows; a row must have exactly its
    table's columns (``schema.row`` makes one), else SchemaError names the table, row and key.
    ``run`` is this build's ``load_runs`` row, held to the same rule. Earlier rows of
    ``load_runs`` are carried over from the previous database, so the table keeps the history
    of builds.
    """
    if {"load_runs", "meta"} & set(tables):
        raise schema.SchemaError("load_runs and meta are written from `run` and `meta`, not from `tables`")
    frames = {table: _frame(table, rows) for table, rows in tables.items()}
    frames["load_runs"] = _frame("load_runs", [run])
    frames["meta"] = _frame("meta", [{"key": k, "value": v} for k, v in sorted(meta.items())])
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f"{out.name}.tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        _write(tmp, frames, previous=out)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
        raise
    return out


def _write(path: Path, frames: dict[str, pd.DataFrame], previous: Path) -> None:
    """The whole database at ``path``: schema, rows, and the earlier builds' runs before this one."""
    con = duckdb.connect(str(path))
    try:
        con.execute(schema.ddl())
        for table, frame in frames.items():
            if table == "load_runs":
                _copy_previous_runs(con, previous)
            _insert(con, table, frame)
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _cell(value: object, column_type: str) -> object:
    """JSON columns are serialised here, once, strings included, so every value is valid JSON."""
    if column_type == "JSON" and value is not None:
        return json.dumps(value, default=str, ensure_ascii=False)
    return value


def _frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """Rows as a frame with the table's columns, each row checked to have exactly those."""
    columns = schema.columns(table)
    for i, values in enumerate(rows, 1):
        if values.keys() != columns.keys():
            schema.check_row(table, values, _row_name(values, i))
    data = [{c: _cell(r[c], t) for c, t in columns.items()} for r in rows]
    return pd.DataFrame(data, columns=list(columns))


def _row_name(values: dict, number: int) -> str:
    """'row 3 (file='x.csv')': the row's number and whichever identifying value it has."""
    key = next((k for k in ("record_id", "contract_id", "file", "key", "run_id", "raw") if values.get(k)), None)
    return f"row {number} ({key}={values[key]!r})" if key else f"row {number}"


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
