"""The contracts the window search runs over, and the rows of the "my borough" comparison.

One small row per contract (``Contract``), for one grouping; the algorithm itself is plain
Python (``dashboard.logic.windows``) so it is tested without a database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import duckdb

from dashboard.queries import Filters, where_clause

# grouping key of the URL -> column of ``contracts`` (whitelist: never interpolate input)
GROUP_COLUMNS = {
    "service_area": "service_area",
    "system": "system_name",
    "supplier": "supplier_name",
    "manufacturer": "manufacturer",
}


@dataclass(frozen=True)
class Contract:
    """The few facts a window needs about one contract: one row of ``window_contracts``."""

    contract_id: str
    group: str
    borough_code: str
    end: date | None  # the end date used: base or latest with extensions
    base_end: date | None = None
    max_end: date | None = None
    supplier: str | None = None
    system: str | None = None
    annual_value: float | None = None


def dicts(result: duckdb.DuckDBPyConnection) -> list[dict]:
    """The rows of an executed query as dicts keyed by column name."""
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def manufacturer_condition(manufacturers: Sequence[str] | None) -> tuple[str, list]:
    """The ``manufacturer`` view key: not a shared filter, so ``where_clause`` leaves it to the views."""
    if isinstance(manufacturers, str):
        manufacturers = [manufacturers]
    values = [v.strip() for v in manufacturers or [] if isinstance(v, str) and v.strip()]
    if not values:
        return "TRUE", []
    return f"manufacturer IN ({', '.join('?' for _ in values)})", values


def window_contracts(
    cur: duckdb.DuckDBPyConnection,
    group_by: str,
    extensions: str = "base",
    filters: Filters | None = None,
    manufacturers: Sequence[str] | None = None,
) -> list[Contract]:
    """Borough contracts that have a value for the grouping, with the end date the search should use."""
    column = GROUP_COLUMNS[group_by]  # KeyError for anything not whitelisted
    where, params = where_clause(filters)
    maker, maker_params = manufacturer_condition(manufacturers)
    end = "coalesce(max_end_date, end_date)" if extensions == "max" else "end_date"
    rows = cur.execute(
        f"""
        SELECT contract_id, {column}, borough_code, {end}, end_date, max_end_date, supplier_name, system_name,
               annual_value
        FROM contracts
        WHERE {where} AND {maker} AND borough_code IS NOT NULL AND {column} IS NOT NULL AND stage = 'contract'
        """,
        [*params, *maker_params],
    ).fetchall()
    return [Contract(*row) for row in rows]


# --------------------------------------------------------------------------- my borough

_COMPARED = """contract_id, borough_code, service_area, system_name AS system, supplier_name AS supplier,
               end_date AS "end", max_end_date AS max_end, confidence, satisfaction, annual_value"""


def borough_contracts(cur: duckdb.DuckDBPyConnection, code: str, filters: Filters | None = None) -> list[dict]:
    """One borough's running contracts under the filters (its code replaces any borough filter)."""
    where, params = where_clause({**(filters or {}), "borough": [code]})
    result = cur.execute(
        f"""
        SELECT {_COMPARED} FROM contracts WHERE {where} AND stage = 'contract'
        ORDER BY service_area NULLS LAST, "end" NULLS LAST, system NULLS LAST, contract_id
        """,
        params,
    )
    return dicts(result)


def neighbour_candidates(
    cur: duckdb.DuckDBPyConnection, code: str, months: int, filters: Filters | None = None
) -> list[dict]:
    """Other boroughs' contracts sharing a service area or system with ``code``'s and ending near one.

    A coarse cut in SQL (31 days a month, plus slack) so that only a few rows leave the
    database; ``dashboard.logic.my_borough.neighbours`` applies the exact calendar-month rule.
    The other filters apply to both sides; the borough filter only names "my" borough.
    """
    mine_where, mine_params = where_clause({**(filters or {}), "borough": [code]})
    others = {k: v for k, v in (filters or {}).items() if k != "borough"}
    where, params = where_clause(others)
    result = cur.execute(
        f"""
        WITH mine AS (
            SELECT service_area, system_name, end_date FROM contracts
            WHERE {mine_where} AND stage = 'contract' AND end_date IS NOT NULL
        )
        SELECT {_COMPARED} FROM contracts o
        WHERE {where} AND stage = 'contract' AND end_date IS NOT NULL AND borough_code <> ?
          AND EXISTS (
              SELECT 1 FROM mine m
              WHERE (m.service_area = o.service_area OR m.system_name = o.system_name)
                AND abs(datediff('day', m.end_date, o.end_date)) <= ?
          )
        """,
        [*mine_params, *params, code, 31 * int(months) + 3],
    )
    return dicts(result)
