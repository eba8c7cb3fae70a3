"""The contracts the timeline draws: a capped, prioritised set, and how many there are in all.

The page never pulls every matching contract into Python: a timeline of thousands of bars is
neither readable nor fast, so the database orders by what matters to a reader (contracts that
end soonest from today first, then those that ended most recently) and returns the first
``limit``; the counts let the page say what it left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb

from dashboard.queries import Filters, where_clause
from dashboard.queries.systems import ENDED_SQL, LIVE_ON
from dashboard.queries.windows import GROUP_COLUMNS, dicts, manufacturer_condition


def timeline_rows(
    cur: duckdb.DuckDBPyConnection,
    group_by: str,
    filters: Filters | None = None,
    manufacturers: Sequence[str] | None = None,
    *,
    limit: int,
    today: date | None = None,
) -> dict:
    """``rows`` (dicts, drawing priority), ``total`` dated contracts matching, ``undated`` ones (not
    drawable) and ``ended`` ones left out (with ``filters['live_on']`` set: see ``queries.systems.view_where``)."""
    column = GROUP_COLUMNS[group_by]  # KeyError for anything not whitelisted
    today = today or date.today()
    live_on = (filters or {}).get(LIVE_ON)
    hide = isinstance(live_on, date)
    where, params = where_clause(filters)
    maker, maker_params = manufacturer_condition(manufacturers)
    condition = f"{where} AND {maker} AND stage = 'contract'"
    ended = f"({ENDED_SQL} AND ?)"  # bound: the day, and whether ended contracts are hidden
    flags = [live_on if hide else today, hide]
    result = cur.execute(
        f"""
        SELECT contract_id, borough_code, {column} AS "group", supplier_name AS supplier, system_name AS system,
               start_date AS start, end_date AS "end", max_end_date AS max_end, annual_value
        FROM contracts
        WHERE {condition} AND end_date IS NOT NULL AND NOT {ended}
        ORDER BY end_date < ?, CASE WHEN end_date >= ? THEN end_date END, end_date DESC, borough_code, contract_id
        LIMIT ?
        """,
        [*params, *maker_params, *flags, today, today, int(limit)],
    )
    rows = dicts(result)
    total, undated, hidden = cur.execute(
        f"""
        SELECT count(*) FILTER (WHERE end_date IS NOT NULL AND NOT {ended}),
               count(*) FILTER (WHERE end_date IS NULL), count(*) FILTER (WHERE {ended})
        FROM contracts WHERE {condition}
        """,
        [*flags, *flags, *params, *maker_params],
    ).fetchone()
    return {"rows": rows, "total": total, "undated": undated, "ended": hidden}
