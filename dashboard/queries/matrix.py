"""SQL of the boroughs x service areas view and of the London tile map.

A *measure* is what colours a matrix cell or a tile. Its SQL is an aggregate expression taken
from ``MEASURES`` (a whitelist keyed by the URL's ``measure``), never from input; the date the
"ending within" count starts from is a bound parameter like every filter value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import duckdb

from dashboard.queries import END_COLUMN, Filters, where_clause


@dataclass(frozen=True)
class Measure:
    key: str
    label: str  # what a value is, as a heading: "Annual value"
    title: str  # the tile map's title: what it shows
    sql: str  # aggregate over the filtered contracts of a borough (or of a cell)
    kind: str  # count | money | score: how values are formatted and where the colour scale starts
    dated: bool = False  # the SQL takes (today, today) as its first parameters


_ENDING_24M = (
    f"count(*) FILTER (WHERE {END_COLUMN} BETWEEN CAST(? AS DATE) "
    "AND CAST(CAST(? AS DATE) + INTERVAL 24 MONTH AS DATE))"
)
MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        Measure("contracts", "Contracts", "Contracts by borough", "count(*)", "count"),
        Measure("systems", "Systems", "Distinct systems by borough", "count(DISTINCT system_name)", "count"),
        Measure("suppliers", "Suppliers", "Distinct suppliers by borough", "count(DISTINCT supplier_name)", "count"),
        Measure(
            "annual_value",
            "Annual value",
            "Annual value of contracts by borough (where known)",
            "sum(annual_value)",
            "money",
        ),
        Measure(
            "ending_24m",
            "Ending within 24 months",
            "Contracts ending within 24 months, by borough",
            _ENDING_24M,
            "count",
            dated=True,
        ),
        Measure(
            "avg_satisfaction",
            "Average satisfaction (1-5)",
            "Average user satisfaction (1-5) by borough",
            "avg(satisfaction)",
            "score",
        ),
        Measure(
            "avg_confidence",
            "Average confidence (1-5)",
            "Average confidence in supporting the systems (1-5) by borough",
            "avg(confidence)",
            "score",
        ),
    )
}
DEFAULT_MEASURE = "contracts"


def measure_key(raw: object) -> str:
    """The URL's ``measure`` if it is a known one, else the default (a repeated key: the first known)."""
    values = raw if isinstance(raw, list | tuple) else [raw]
    return next((str(v) for v in values if str(v) in MEASURES), DEFAULT_MEASURE)


def _measure_sql(measure: str, today: date | None) -> tuple[str, list]:
    m = MEASURES[measure_key(measure)]
    today = today or date.today()
    return m.sql, ([today, today] if m.dated else [])


def _number(value: object) -> float | int | None:
    """DuckDB's Decimal/HUGEINT results as plain numbers, so figures and JSON take them."""
    if value is None or isinstance(value, int | float):
        return value
    return float(value)


def borough_values(
    cur: duckdb.DuckDBPyConnection, filters: Filters | None, measure: str, today: date | None = None
) -> dict[str, float | int | None]:
    """ONS code -> the measure over that borough's filtered contracts; boroughs without any are absent."""
    expr, expr_params = _measure_sql(measure, today)
    where, params = where_clause(filters)
    rows = cur.execute(
        f"SELECT borough_code, {expr} FROM contracts WHERE {where} AND borough_code IS NOT NULL GROUP BY borough_code",
        [*expr_params, *params],
    ).fetchall()
    return {code: _number(value) for code, value in rows}


def cell_values(
    cur: duckdb.DuckDBPyConnection, filters: Filters | None, measure: str, today: date | None = None
) -> dict[tuple[str, str | None], dict]:
    """(ONS code, service area or None) -> {"contracts", "value"} for every non-empty cell."""
    expr, expr_params = _measure_sql(measure, today)
    where, params = where_clause(filters)
    rows = cur.execute(
        f"""
        SELECT borough_code, service_area, count(*), {expr}
        FROM contracts WHERE {where} AND borough_code IS NOT NULL
        GROUP BY borough_code, service_area
        """,
        [*expr_params, *params],
    ).fetchall()
    return {(code, area): {"contracts": n, "value": _number(value)} for code, area, n, value in rows}


def cell_systems(cur: duckdb.DuckDBPyConnection, filters: Filters | None = None) -> dict[tuple[str, str | None], list]:
    """(ONS code, service area or None) -> the systems in that cell, each with its suppliers.

    One entry per system name, most contracts first; contracts without a system name come
    last as one entry whose ``system`` is None (the page says how many and whose they are).
    """
    where, params = where_clause(filters)
    rows = cur.execute(
        f"""
        SELECT borough_code, service_area, system_name, count(*) AS n,
               list(DISTINCT supplier_name ORDER BY supplier_name) FILTER (WHERE supplier_name IS NOT NULL)
        FROM contracts WHERE {where} AND borough_code IS NOT NULL
        GROUP BY borough_code, service_area, system_name
        ORDER BY borough_code, service_area, system_name IS NULL, n DESC, system_name
        """,
        params,
    ).fetchall()
    cells: dict[tuple[str, str | None], list] = {}
    for code, area, system, n, suppliers in rows:
        cells.setdefault((code, area), []).append({"system": system, "contracts": n, "suppliers": suppliers or []})
    return cells


def matrix(
    cur: duckdb.DuckDBPyConnection, filters: Filters | None, measure: str, today: date | None = None
) -> dict[tuple[str, str | None], dict]:
    """Every non-empty cell: contracts, the measure's value and the systems (see cell_systems)."""
    values = cell_values(cur, filters, measure, today)
    systems = cell_systems(cur, filters)
    return {key: {**cell, "systems": systems.get(key, [])} for key, cell in values.items()}


def requested(filters: Mapping[str, object] | None, key: str) -> list[str]:
    """The non-empty values of a repeatable filter key (for choosing which rows/columns to draw)."""
    raw = (filters or {}).get(key)
    items = raw if isinstance(raw, list | tuple) else [raw]
    return [s for s in (str(v).strip() for v in items if v is not None) if s]
