"""SQL of the About page: what the build read, and how fresh each borough's data is per source.

Read from ``load_files`` (one row per input file of the build) and ``contract_records`` (one row
per accepted record), so the page states coverage from the data itself, never from a list kept
by hand. Each depends only on the build, so each is read once per build and reader
(``cache.per_build``).
"""

from __future__ import annotations

import duckdb

from dashboard import cache


@cache.per_build
def files_by_source(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    """Per kind of input file: files, of them loaded and rejected, and records read, loaded, rejected, skipped."""
    rows = cur.execute(
        """
        SELECT source, count(*), count(*) FILTER (WHERE status <> 'rejected'),
               count(*) FILTER (WHERE status = 'rejected'),
               coalesce(sum(records_read), 0), coalesce(sum(loaded), 0), coalesce(sum(rejected), 0),
               coalesce(sum(skipped), 0)
        FROM load_files GROUP BY source ORDER BY source
        """
    ).fetchall()
    keys = ("source", "files", "files_loaded", "files_rejected", "read", "loaded", "rejected", "skipped")
    return [dict(zip(keys, r, strict=True)) for r in rows]


@cache.per_build
def freshness(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    """Per borough and record source: records, the latest survey return date, the latest notice published.

    Boroughs only (records whose buyer is not a London authority have no borough to list under).
    """
    rows = cur.execute(
        """
        SELECT borough_code, source, count(*), max(return_date), max(published_date)
        FROM contract_records WHERE borough_code IS NOT NULL
        GROUP BY borough_code, source ORDER BY borough_code, source
        """
    ).fetchall()
    keys = ("borough_code", "source", "records", "latest_return", "latest_notice")
    return [dict(zip(keys, r, strict=True)) for r in rows]


@cache.per_build
def survey_returns(cur: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """ONS code -> its latest survey return file: status and return date (rejected ones too)."""
    rows = cur.execute(
        """
        SELECT borough_code, arg_max(file, coalesce(return_date, DATE '1900-01-01')), arg_max(status,
               coalesce(return_date, DATE '1900-01-01')), max(return_date)
        FROM load_files WHERE source = 'survey' AND borough_code IS NOT NULL GROUP BY borough_code
        """
    ).fetchall()
    return {code: {"file": f, "status": s, "return_date": d} for code, f, s, d in rows}


@cache.per_build
def latest_build(cur: duckdb.DuckDBPyConnection) -> dict | None:
    """When the current database was built and by what command."""
    row = cur.execute(
        "SELECT finished_at, command FROM load_runs ORDER BY finished_at DESC NULLS LAST LIMIT 1"
    ).fetchone()
    return {"finished_at": row[0], "command": row[1]} if row else None
