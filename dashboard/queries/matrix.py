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
    _values, cells = matrix(cur, filters, measure, today, systems_shown=0)
    return {key: {"contracts": c["contracts"], "value": c["value"]} for key, c in cells.items()}


def cell_systems(cur: duckdb.DuckDBPyConnection, filters: Filters | None = None) -> dict[tuple[str, str | None], list]:
    """(ONS code, service area or None) -> every system in that cell, each with its suppliers (see ``matrix``)."""
    _values, cells = matrix(cur, filters, DEFAULT_MEASURE)
    return {key: c["systems"] for key, c in cells.items()}


# What ``f`` reads: the groups and every column a measure aggregates, never ``SELECT *``.
_COLUMNS = ("borough_code", "service_area", "system_name", "supplier_name", "annual_value", END_COLUMN,
            "satisfaction", "confidence")  # fmt: skip
_LEVELS = {1: "borough", 0: "cell", -1: "system"}  # GROUPING(service_area) of a grouping set; -1: a system


def _matrix_sql(expr: str, where: str) -> str:
    """The tile map's values and the cells (grouping sets), then each cell's systems ranked so that
    only the ones shown leave DuckDB, with how many there are in all: one statement
    (one scan with a third grouping set costs twice as much: its supplier lists are per borough).
    The supplier lists are made for the systems shown alone (``top``, joined back to ``f``): made
    for every system of every cell they were half the statement at a million contracts.
    ``list_distinct`` drops NULLs and costs less than ``list(DISTINCT ... ORDER BY ...)`` (which
    DuckDB plans as a second aggregate joined back)."""
    return f"""
        WITH f AS (SELECT {", ".join(_COLUMNS)} FROM contracts WHERE {where} AND borough_code IS NOT NULL),
        g AS (
            SELECT borough_code AS code, service_area AS area, GROUPING(service_area) AS level, count(*) AS n,
                   {expr} AS value
            FROM f GROUP BY GROUPING SETS ((borough_code), (borough_code, service_area))
        ),
        s AS (
            SELECT borough_code AS code, service_area AS area, system_name AS system, count(*) AS n
            FROM f GROUP BY ALL
        ),
        top AS (
            SELECT *, count(*) OVER w AS entries FROM s
            WINDOW w AS (PARTITION BY code, area)
            QUALIFY row_number() OVER (w ORDER BY system IS NULL, n DESC, system) <= ?
        ),
        ranked AS (
            SELECT top.*, list_sort(list_distinct(list(f.supplier_name))) AS suppliers
            FROM top JOIN f ON f.borough_code = top.code AND f.service_area IS NOT DISTINCT FROM top.area
                AND f.system_name IS NOT DISTINCT FROM top.system
            GROUP BY ALL
        )
        SELECT code, area, NULL AS system, level, n, value, NULL AS suppliers, NULL AS n_suppliers, NULL AS entries
        FROM g
        UNION ALL
        SELECT code, area, system, -1, n, NULL, list_slice(suppliers, 1, ?), len(suppliers), entries
        FROM ranked
        ORDER BY code, area, level DESC, system IS NULL, n DESC, system
        """


def matrix(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters | None,
    measure: str,
    today: date | None = None,
    systems_shown: int | None = None,
    suppliers_shown: int | None = None,
) -> tuple[dict[str, float | int | None], dict[tuple[str, str | None], dict]]:
    """(the tile map's value per borough, every non-empty cell), from one query.

    A cell is ``contracts``, the measure's ``value``, ``systems`` (the first ``systems_shown``
    by most contracts, each ``{"system", "contracts", "suppliers", "more_suppliers"}`` with at most
    ``suppliers_shown`` supplier names; contracts without a system name come last as one entry
    whose ``system`` is None) and ``more_systems`` (how many entries are left out). None: all.
    """
    expr, expr_params = _measure_sql(measure, today)
    where, params = where_clause(filters)
    big = 1 << 31
    rows = cur.execute(
        _matrix_sql(expr, where),
        [*params, *expr_params, big if systems_shown is None else systems_shown,
         big if suppliers_shown is None else suppliers_shown],
    ).fetchall()  # fmt: skip
    values: dict[str, float | int | None] = {}
    cells: dict[tuple[str, str | None], dict] = {}
    for code, area, system, level, n, value, suppliers, n_suppliers, entries in rows:
        kind = _LEVELS[level]
        if kind == "borough":
            values[code] = _number(value)
        elif kind == "cell":
            cells[(code, area)] = {"contracts": n, "value": _number(value), "systems": [], "more_systems": 0}
        else:
            cell = cells[(code, area)]
            shown = suppliers or []
            cell["systems"].append({"system": system, "contracts": n, "suppliers": shown,
                                    "more_suppliers": (n_suppliers or 0) - len(shown)})  # fmt: skip
            cell["more_systems"] = entries - len(cell["systems"])
    return values, cells


def requested(filters: Mapping[str, object] | None, key: str) -> list[str]:
    """The non-empty values of a repeatable filter key (for choosing which rows/columns to draw)."""
    raw = (filters or {}).get(key)
    items = raw if isinstance(raw, list | tuple) else [raw]
    return [s for s in (str(v).strip() for v in items if v is not None) if s]
