"""``etl build --parquet DIR``: every table of the built database also as Parquet files.

The database stays the one file the app reads; the Parquet copies are for where the data
outgrows one machine (DuckDB over object storage, Spark, BigQuery read them as they are). Written
from the finished database, into a temporary folder renamed into place, so a reader never sees
half a set.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from etl import schema


def write_parquet(db: Path, out: Path) -> list[Path]:
    """One ``<table>.parquet`` per table of the data contract, in ``out`` (replaced whole)."""
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with duckdb.connect(str(db), read_only=True) as con:
        for table in schema.TABLES:
            target = tmp / f"{table}.parquet"
            con.execute(f"COPY {table} TO '{target.as_posix()}' (FORMAT parquet, COMPRESSION zstd)")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return sorted(out.glob("*.parquet"))
