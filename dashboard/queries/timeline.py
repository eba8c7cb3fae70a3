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
from dashboard.queries.windows import GROUP_COLUMNS, manufacturer_condition


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
    # one statement: the counts, and beside them the first ``limit`` drawable contracts (none: one row of counts)
    order = '"end" < ?, CASE WHEN "end" >= ? THEN "end" END, "end" DESC, borough_code, contract_id'
    result = cur.execute(
        f"""
        WITH counts AS (
            SELECT count(*) FILTER (WHERE end_date IS NOT NULL AND NOT {ended}) AS total,
                   count(*) FILTER (WHERE end_date IS NULL) AS undated, count(*) FILTER (WHERE {ended}) AS hidden
            FROM contracts WHERE {condition}
        ),
        drawn AS (
            SELECT contract_id, borough_code, {column} AS "group", supplier_name AS supplier, system_name AS system,
                   start_date AS start, end_date AS "end", max_end_date AS max_end, annual_value
            FROM contracts
            WHERE {condition} AND end_date IS NOT NULL AND NOT {ended}
            ORDER BY {order}
            LIMIT ?
        )
        SELECT * FROM counts LEFT JOIN drawn ON TRUE ORDER BY {order}
        """,
        [*flags, *flags, *params, *maker_params, *params, *maker_params, *flags, today, today, int(limit), today,
         today],
    )  # fmt: skip
    names = [d[0] for d in result.description][3:]
    rows = result.fetchall()
    total, undated, hidden = rows[0][:3]
    drawn = [dict(zip(names, r[3:], strict=True)) for r in rows if r[3] is not None]
    return {"rows": drawn, "total": total, "undated": undated, "ended": hidden}
