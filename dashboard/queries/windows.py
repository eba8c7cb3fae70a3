"""The contracts the window search runs over: one small row per contract, for one grouping."""

from __future__ import annotations

import duckdb

from dashboard.queries import Filters, where_clause
from dashboard.windows import Contract

# grouping key of the URL -> column of ``contracts`` (whitelist: never interpolate input)
GROUP_COLUMNS = {
    "service_area": "service_area",
    "system": "system_name",
    "supplier": "supplier_name",
    "manufacturer": "manufacturer",
}


def window_contracts(
    cur: duckdb.DuckDBPyConnection, group_by: str, extensions: str = "base", filters: Filters | None = None
) -> list[Contract]:
    """Borough contracts that have a value for the grouping, with the end date the search should use."""
    column = GROUP_COLUMNS[group_by]  # KeyError for anything not whitelisted
    where, params = where_clause(filters)
    end = "coalesce(max_end_date, end_date)" if extensions == "max" else "end_date"
    rows = cur.execute(
        f"""
        SELECT contract_id, {column}, borough_code, {end}, end_date, max_end_date, supplier_name, system_name,
               annual_value
        FROM contracts
        WHERE {where} AND borough_code IS NOT NULL AND {column} IS NOT NULL AND stage = 'contract'
        """,
        params,
    ).fetchall()
    return [Contract(*row) for row in rows]
