"""SQL of the page per borough (``/borough/<code>``).

The contract queries take the view's filters with ``borough`` forced to the page's borough, so
the page agrees with every other view under the same query string. Survey coverage is about
the inputs, not the filtered contracts, so it takes the code alone. Lists are capped (``LIMIT``)
because a borough can have thousands of open-data notices, and each list comes with its total, so
the page says what it leaves out. The page reads its numbers and its three lists in one statement
(``page``) over the borough's contracts, taken once; coverage depends on the build only, so it is
read once per build (``dashboard.cache``).
"""

from __future__ import annotations

from datetime import date

import duckdb

from dashboard import cache
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
SYSTEM_ROW = (*SYSTEM_COLUMNS, "supplier_count", "contract_id", "record_ids")  # record ids: whom to call
# the systems table's order: taxonomy order of the service areas (a bound list), then names and dates
SYSTEM_ORDER = f"""list_position(?::VARCHAR[], service_area) NULLS LAST, service_area NULLS LAST,
    system_name NULLS LAST, supplier_name NULLS LAST, {END_COLUMN} NULLS LAST, contract_id"""
SUPPLIER_ROW = ("supplier_name", "contracts", "systems", "annual_value", "valued")
ENDING_ROW = (
    "end_date", "within_12m", "service_area", "system_name", "supplier_name", "max_end_date", "annual_value",
    "supplier_count",
)  # fmt: skip
HEADLINE = ("boroughs", "contracts", "systems", "suppliers", "annual_value", "valued", "ending_12m", "ending_24m")


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
        SELECT {", ".join(SYSTEM_ROW)}, count(*) OVER () FROM contracts WHERE {where}
        ORDER BY {SYSTEM_ORDER}
        LIMIT ?
        """,
        [*params, _area_order(), limit or ROW_LIMIT],
    ).fetchall()
    return [dict(zip(SYSTEM_ROW, r[:-1], strict=True)) for r in rows], (rows[0][-1] if rows else 0)


def _struct(keys: tuple[str, ...]) -> str:
    """A row as a DuckDB struct (a dict in Python) of the columns ``keys`` (constants, never input)."""
    return "{" + ", ".join(f"'{k}': {k}" for k in keys) + "}"


def _first(rows: str, order: str, keys: tuple[str, ...]) -> str:
    """A subquery: the first ``?`` rows of ``rows`` (a FROM clause) by ``order``, as one list of structs."""
    return f"""(SELECT list({_struct(keys)} ORDER BY rn) FROM (
        SELECT *, row_number() OVER (ORDER BY {order}) AS rn FROM {rows} QUALIFY rn <= ?))"""


def page(cur: duckdb.DuckDBPyConnection, code: str, filters: Filters | None = None, today: date | None = None) -> dict:
    """All the page reads of the borough's contracts under the filters, in one statement over them:
    ``numbers`` (``queries.headline``'s, for this borough), ``systems`` (the first ROW_LIMIT by service
    area in taxonomy order) of ``contracts``; ``suppliers`` (the first SUPPLIER_LIMIT, largest known annual
    value first) of ``supplier_count`` (contracts naming none count as one); and ``ending``: those ending
    from ``today`` up to 24 months on, soonest first (the first ENDING_LIMIT), each marked if within 12."""
    today = today or date.today()
    where, params = where_clause(for_borough(filters, code))
    in_12, in_24 = (f"CAST(CAST(? AS DATE) + INTERVAL {n} MONTH AS DATE)" for n in (12, 24))
    supplier_order = "annual_value DESC NULLS LAST, contracts DESC, supplier_name NULLS LAST"
    ending_order = f"{END_COLUMN}, service_area NULLS LAST, system_name NULLS LAST, contract_id"
    ending_rows = f"""(SELECT *, {END_COLUMN} <= {in_12} AS within_12m FROM b
        WHERE {END_COLUMN} BETWEEN CAST(? AS DATE) AND {in_24})"""
    row = cur.execute(
        f"""
        WITH b AS MATERIALIZED (SELECT borough_code, {", ".join(SYSTEM_ROW)} FROM contracts WHERE {where}),
        s AS (
            SELECT supplier_name, count(*) AS contracts, count(DISTINCT system_name) AS systems,
                   sum(annual_value) AS annual_value, count(annual_value) AS valued
            FROM b GROUP BY supplier_name
        )
        SELECT count(DISTINCT borough_code), count(*), count(DISTINCT system_name), count(DISTINCT supplier_name),
               sum(annual_value), count(annual_value),
               count(*) FILTER (WHERE {END_COLUMN} BETWEEN ? AND {in_12}),
               count(*) FILTER (WHERE {END_COLUMN} BETWEEN ? AND {in_24}),
               {_first("b", SYSTEM_ORDER, SYSTEM_ROW)},
               (SELECT count(*) FROM s), {_first("s", supplier_order, SUPPLIER_ROW)},
               {_first(ending_rows, ending_order, ENDING_ROW)}
        FROM b
        """,
        [*params, today, today, today, today, _area_order(), ROW_LIMIT, SUPPLIER_LIMIT, today, today, today,
         ENDING_LIMIT],
    ).fetchone()  # fmt: skip
    numbers = dict(zip(HEADLINE, row[:8], strict=True))
    systems, suppliers_total, suppliers, ending = row[8:]
    return {"numbers": numbers, "systems": systems or [], "suppliers": suppliers or [],
            "suppliers_total": suppliers_total, "ending": ending or []}  # fmt: skip


@cache.per_build
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
