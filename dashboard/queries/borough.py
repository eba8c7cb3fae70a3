"""SQL of the page per borough (``/borough/<code>``).

The contract queries take the view's filters with ``borough`` forced to the page's borough, so
the page agrees with every other view under the same query string. Survey coverage is about
the inputs, not the filtered contracts, so it takes the code alone. Lists are capped (``LIMIT``)
because a borough can have thousands of open-data notices, and each list comes with its total
from the same statement (``count(*) OVER ()``), so the page says what it leaves out.
"""

from __future__ import annotations

from datetime import date

import duckdb

from dashboard.queries import END_COLUMN, Filters, where_clause
from etl import reference

# Short lists, each with "See them all": every component costs the browser (Dash's renderer took 8-11 s
# to swap a 2,000-component borough page at 50k contracts), and the Contracts view lists them all.
ROW_LIMIT = 25  # the borough's contracts listed on its page
EXPORT_LIMIT = 100_000  # ... and in its export: all of them
SUPPLIER_LIMIT = 10  # its suppliers, largest annual value first
ENDING_LIMIT = 15  # its contracts ending soon, soonest first
NOT_NOTICES = "('survey', 'listing')"  # sources whose records are not published notices (etl.build.NOT_NOTICES)

SYSTEM_COLUMNS = (
    "service_area", "system_name", "supplier_name", "end_date", "max_end_date", "annual_value", "confidence",
    "satisfaction",
)  # fmt: skip


def for_borough(filters: Filters | None, code: str) -> dict:
    """The view's filters restricted to one borough (the page's code wins over a ``borough`` key)."""
    return {**(filters or {}), "borough": code}


def _area_order() -> list[str]:
    return [sa.name for sa in reference.service_areas()]


def systems(
    cur: duckdb.DuckDBPyConnection, code: str, filters: Filters | None = None, limit: int | None = None
) -> tuple[list[dict], int]:
    """The borough's contracts by service area (taxonomy order), up to ``limit`` (ROW_LIMIT), and how many
    there are."""
    where, params = where_clause(for_borough(filters, code))
    rows = cur.execute(
        f"""
        SELECT {", ".join(SYSTEM_COLUMNS)}, supplier_count, contract_id, count(*) OVER () FROM contracts WHERE {where}
        ORDER BY list_position(?::VARCHAR[], service_area) NULLS LAST, service_area NULLS LAST,
                 system_name NULLS LAST, supplier_name NULLS LAST, {END_COLUMN} NULLS LAST, contract_id
        LIMIT ?
        """,
        [*params, _area_order(), limit or ROW_LIMIT],
    ).fetchall()
    keys = (*SYSTEM_COLUMNS, "supplier_count", "contract_id")
    return [dict(zip(keys, r[:-1], strict=True)) for r in rows], (rows[0][-1] if rows else 0)


def suppliers(cur: duckdb.DuckDBPyConnection, code: str, filters: Filters | None = None) -> tuple[list[dict], int]:
    """The borough's suppliers (up to SUPPLIER_LIMIT): contracts, systems and known annual value; largest
    value first; and how many suppliers there are (contracts naming none count as one)."""
    where, params = where_clause(for_borough(filters, code))
    rows = cur.execute(
        f"""
        SELECT supplier_name, count(*), count(DISTINCT system_name), sum(annual_value), count(annual_value),
               count(*) OVER ()
        FROM contracts WHERE {where}
        GROUP BY supplier_name
        ORDER BY sum(annual_value) DESC NULLS LAST, count(*) DESC, supplier_name NULLS LAST
        LIMIT ?
        """,
        [*params, SUPPLIER_LIMIT],
    ).fetchall()
    keys = ("supplier_name", "contracts", "systems", "annual_value", "valued")
    return [dict(zip(keys, r[:-1], strict=True)) for r in rows], (rows[0][-1] if rows else 0)


def ending(
    cur: duckdb.DuckDBPyConnection, code: str, filters: Filters | None = None, today: date | None = None
) -> list[dict]:
    """Contracts ending from ``today`` up to 24 months on, soonest first (up to ENDING_LIMIT), each
    marked if within 12; the page's headline numbers count them all."""
    today = today or date.today()
    where, params = where_clause(for_borough(filters, code))
    rows = cur.execute(
        f"""
        SELECT {END_COLUMN}, {END_COLUMN} <= CAST(CAST(? AS DATE) + INTERVAL 12 MONTH AS DATE),
               service_area, system_name, supplier_name, max_end_date, annual_value, supplier_count
        FROM contracts
        WHERE {where} AND {END_COLUMN} BETWEEN CAST(? AS DATE) AND CAST(CAST(? AS DATE) + INTERVAL 24 MONTH AS DATE)
        ORDER BY {END_COLUMN}, service_area NULLS LAST, system_name NULLS LAST, contract_id
        LIMIT ?
        """,
        [today, *params, today, today, ENDING_LIMIT],
    ).fetchall()
    keys = (
        "end_date", "within_12m", "service_area", "system_name", "supplier_name", "max_end_date", "annual_value",
        "supplier_count",
    )  # fmt: skip
    return [dict(zip(keys, r, strict=True)) for r in rows]


def coverage(cur: duckdb.DuckDBPyConnection, code: str) -> dict:
    """What the inputs hold for the borough: its survey files (with their gaps, or why one was
    rejected, and when each return was made), records per source, its latest notice, build time."""
    files = cur.execute(
        """
        SELECT file, status, records_read, loaded, rejected, skipped, coalesce(gaps, []), reason, return_date,
               return_date_from
        FROM load_files WHERE source = 'survey' AND borough_code = ? ORDER BY file
        """,
        [code],
    ).fetchall()
    by_source, latest_notice = {}, None
    for source, n, latest in cur.execute(
        f"""
        SELECT source, count(*), max(published_date) FILTER (WHERE source NOT IN {NOT_NOTICES})
        FROM contract_records WHERE borough_code = ? GROUP BY source ORDER BY source
        """,
        [code],
    ).fetchall():
        by_source[source] = n
        latest_notice = max(filter(None, (latest_notice, latest)), default=None)
    (built_at,) = cur.execute("SELECT max(value) FROM meta WHERE key = 'built_at'").fetchone()
    file_keys = (
        "file", "status", "records_read", "loaded", "rejected", "skipped", "gaps", "reason", "return_date",
        "return_date_from",
    )  # fmt: skip
    return {
        "survey_files": [dict(zip(file_keys, f, strict=True)) for f in files],
        "survey_rows": by_source.get("survey", 0),
        "open_data": {s: n for s, n in by_source.items() if s != "survey"},
        "latest_notice": latest_notice,
        "built_at": built_at,
    }
