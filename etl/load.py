"""Write a build's rows into a new DuckDB file, atomically.

The database is written to a temporary file beside the target and renamed over it only when
complete, so a failed build leaves the previous database untouched. The tables and their
columns are ``etl.schema``; every row is checked against it before anything is written.

Builds of one database take turns: the writer holds ``<db>.lock`` (``fcntl.flock``, released by
the OS when a build dies, even by SIGKILL) from reading the earlier builds' ``load_runs`` to the
rename, so two builds at once both keep their row. The holder of the lock is the only writer,
so any ``<db>.tmp-PID`` left by a killed build is removed then.
"""

from __future__ import annotations

import contextlib
import fcntl
import operator
import os
import sys
from pathlib import Path

import duckdb
import numpy as np

from etl import schema
from etl.extract.limits import clean_text_value, to_json


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
    tables = {**tables, "load_runs": [run], "meta": [{"key": k, "value": v} for k, v in sorted(meta.items())]}
    for table, rows in tables.items():
        _check(table, rows)  # every row, before anything is written
    tables = clustered(tables)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f"{out.name}.tmp-{os.getpid()}")
    with build_lock(out):
        remove_stale_temporaries(out)
        try:
            _write(tmp, tables, previous=out)
            os.replace(tmp, out)
        except BaseException:
            tmp.unlink(missing_ok=True)
            Path(f"{tmp}.wal").unlink(missing_ok=True)
            raise
    return out


def _null_last(values: object) -> tuple:
    """A sort key of one value or a tuple of them (``itemgetter``'s key): each NULL after every value."""
    return tuple((v is None, "" if v is None else v) for v in (values if isinstance(values, tuple) else (values,)))


def _ordered(rows: list[dict], key) -> list[dict]:
    """``rows`` stably ordered by ``key(row)``: bucketed by key, then the few distinct keys sorted
    (a few hundred boroughs, stages and service areas against a million rows)."""
    buckets: dict = {}
    for row in rows:
        k = key(row)
        bucket = buckets.get(k)
        if bucket is None:
            buckets[k] = [row]
        else:
            bucket.append(row)
    return [row for k in sorted(buckets, key=_null_last) for row in buckets[k]]


def clustered(tables: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The rows of each table in the order ``schema`` gives it (``Table.cluster``): a stable order, so
    rows that tie keep the order they were made in and a build stays reproducible."""
    out = dict(tables)
    for name, rows in tables.items():
        table = schema.TABLES.get(name)
        if table is not None and table.cluster:
            out[name] = _ordered(rows, operator.itemgetter(*table.cluster))
    return out


@contextlib.contextmanager
def build_lock(out: Path):
    """Hold ``<db>.lock`` while writing ``out``; a second build waits for the first, and says so.

    The holder removes the lock file before it lets go, so none is left beside the database; a
    waiter that then gets the lock of a removed file takes the new one instead."""
    path, said = out.with_name(f"{out.name}.lock"), False
    while True:
        lock = open(path, "a+")  # noqa: SIM115 - held until the build has written
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not said:
                print(f"another build is writing {out}; waiting for it to finish", file=sys.stderr, flush=True)
                said = True
            fcntl.flock(lock, fcntl.LOCK_EX)
        if _same_file(lock, path):
            break
        lock.close()
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        lock.close()  # closing releases the lock


def _same_file(lock, path: Path) -> bool:
    """Whether the locked file is still the one at ``path`` (its holder removes it when done)."""
    try:
        here, there = os.fstat(lock.fileno()), os.stat(path)
    except FileNotFoundError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def temporaries(out: Path) -> list[Path]:
    """The temporary files a build of ``out`` writes (``<db>.tmp-PID`` and its ``.wal``)."""
    return sorted(out.parent.glob(f"{out.name}.tmp-*"))


def remove_stale_temporaries(out: Path) -> list[Path]:
    """Remove what killed builds left beside ``out``; only the lock holder calls this, so none is live."""
    removed = []
    for path in temporaries(out):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed


CHUNK_ROWS = 10_000  # rows made into columns at a time: a whole table at once doubled the build's peak memory
NUMERIC = {"DOUBLE", "INTEGER", "BIGINT"}


def _write(path: Path, tables: dict[str, list[dict]], previous: Path) -> None:
    """The whole database at ``path``: schema, rows, and the earlier builds' runs before this one."""
    con = duckdb.connect(str(path))
    try:
        con.execute(schema.ddl())
        for table, rows in tables.items():
            if table == "load_runs":
                _copy_previous_runs(con, previous)
            for start in range(0, len(rows), CHUNK_ROWS):
                _insert(con, table, _columns(table, rows[start : start + CHUNK_ROWS]))
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _cell(value: object, column_type: str) -> object:
    """JSON columns are serialised here, once, strings included, so every value is valid JSON
    (text that is not JSON is a JSON string; NaN, infinities and lone surrogates are made safe)."""
    if column_type == "JSON" and value is not None:
        return to_json(value)
    return value


def _check(table: str, rows: list[dict]) -> None:
    """Raise SchemaError unless every row has exactly the table's columns."""
    columns = schema.columns(table)
    for i, values in enumerate(rows, 1):
        if values.keys() != columns.keys():
            schema.check_row(table, values, _row_name(values, i))


def _columns(table: str, rows: list[dict]) -> dict[str, np.ndarray]:
    """Rows (checked by ``_check``) as one NumPy array per column of the table, which DuckDB scans
    directly: no pandas to import (a quarter of an empty build's start-up) nor frame to build."""
    kinds = schema.columns(table)
    tuples = map(operator.itemgetter(*kinds), rows)  # a tuple per row (every table has 2 columns or more)
    out = {}
    for (column, kind), values in zip(kinds.items(), zip(*tuples, strict=True), strict=True):  # transposed in C
        values = [_cell(v, kind) for v in values] if kind == "JSON" else list(values)
        out[column] = _numbers(values) if kind in NUMERIC else _objects(values)
    return out


def _numbers(values: list) -> np.ndarray:
    """A numeric column as numbers (NaN, which DuckDB reads as NULL, for None), else as objects."""
    if any(type(v) not in (int, float) and v is not None for v in values):
        return _objects(values)
    floats = any(v is None or type(v) is float for v in values)
    try:
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64 if floats else np.int64)
    except OverflowError:
        return _objects(values)


def _objects(values: list) -> np.ndarray:
    """Values as a NumPy array of Python objects (a list value stays one cell)."""
    return np.fromiter(values, dtype=object, count=len(values))  # np.array would make lists a dimension


def _row_name(values: dict, number: int) -> str:
    """'row 3 (file='x.csv')': the row's number and whichever identifying value it has."""
    key = next((k for k in ("record_id", "contract_id", "file", "key", "run_id", "raw") if values.get(k)), None)
    return f"row {number} ({key}={values[key]!r})" if key else f"row {number}"


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, np.ndarray]) -> None:
    if not len(next(iter(columns.values()))):
        return
    try:
        _insert_columns(con, table, columns)
    except duckdb.InvalidInputException as exc:
        if "surrogate" not in str(exc):
            raise
        _insert_columns(con, table, _utf8(columns))  # JSON's "\\ud800" read as text: U+FFFD instead


def _insert_columns(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, np.ndarray]) -> None:
    con.register("incoming", columns)
    try:
        cols = ", ".join(columns)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM incoming")
    finally:
        con.unregister("incoming")


def _utf8(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The columns with every text (and text in lists) encodable as UTF-8; only run when one is not."""

    def fix(value: object) -> object:
        if isinstance(value, str):
            return clean_text_value(value)
        if isinstance(value, list):
            return [fix(v) for v in value]
        return value

    return {c: _objects([fix(v) for v in a]) if a.dtype == object else a for c, a in columns.items()}


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
