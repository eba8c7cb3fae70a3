"""``etl build --parquet DIR``: every table also as Parquet, the same rows as the database."""

import subprocess
import sys
from pathlib import Path

import duckdb

from etl import schema

ROOT = Path(__file__).resolve().parent.parent


def test_build_writes_every_table_as_parquet(tmp_path, sample_inputs):
    db, out = tmp_path / "t.duckdb", tmp_path / "parquet"
    cmd = [sys.executable, "-m", "etl", "build", "--surveys", str(sample_inputs.surveys), "--contracts",
           str(sample_inputs.contracts), "--out", str(db), "--parquet", str(out)]  # fmt: skip
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert sorted(p.stem for p in out.glob("*.parquet")) == sorted(schema.TABLES)
    with duckdb.connect(str(db), read_only=True) as con:
        for table in schema.TABLES:
            (n,) = con.execute(f"SELECT count(*) FROM {table}").fetchone()
            (m,) = con.execute("SELECT count(*) FROM read_parquet(?)", [str(out / f"{table}.parquet")]).fetchone()
            assert n == m, table
        (contracts,) = con.execute("SELECT count(*) FROM contracts").fetchone()
    assert contracts > 500
