"""Contracts ending soon, for suppliers looking for their next opportunity.

One row per contract ending between ``today`` and ``today + months`` (or an explicit
``end_from``/``end_to`` range), with what a bidder needs: who holds it, the latest end with
extensions, when procurement should start, the buyer contact from the open data and a link to
the notice. ``gap`` flags contracts ending within 18 months where no tender or pipeline notice
has been seen for the same borough and service area: nobody has gone to market yet.
"""

from __future__ import annotations

from datetime import date

import duckdb

from dashboard.queries import Filters, where_clause
from etl.reference import add_months

HORIZONS = (3, 6, 12, 18, 24)
GAP_MONTHS = 18
LEAD_MONTHS = 18
COLUMNS = (
    "contract_id", "borough_code", "buyer_name", "supplier_name", "supplier_count", "system_name", "service_area",
    "title",
    "end_date", "max_end_date", "annual_value", "procurement_start", "contact_name", "contact_email",
    "source_url", "cpv_division", "gap",
)  # fmt: skip


def expiring(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters | None = None,
    months: int = 12,
    today: date | None = None,
    lead_months: int = LEAD_MONTHS,
    cpv_division: str | None = None,
    limit: int = 5000,
) -> list[dict]:
    """Contracts ending soon, soonest first; the filters' own end dates replace ``months`` when given."""
    today = today or date.today()
    filters = dict(filters or {})
    filters.setdefault("end_from", today.isoformat())
    filters.setdefault("end_to", add_months(today, months).isoformat())
    where, params = where_clause(filters)
    division = "AND list_contains(r.divisions, ?)" if cpv_division else ""
    rows = cur.execute(
        f"""
        WITH c AS (SELECT * FROM contracts WHERE {where} AND stage = 'contract' AND end_date IS NOT NULL),
        r AS (
            SELECT c.contract_id,
                   -- the buyer contact of the open notices only: survey contacts are members-only
                   first(cr.contact_name ORDER BY cr.contact_name NULLS LAST)
                       FILTER (WHERE cr.source <> 'survey') AS contact_name,
                   first(cr.contact_email ORDER BY cr.contact_email NULLS LAST)
                       FILTER (WHERE cr.source <> 'survey') AS contact_email,
                   list_distinct(flatten(list([substr(x, 1, 2) FOR x IN coalesce(cr.cpv_codes, [])]))) AS divisions,
                   first(substr(cr.cpv_codes[1], 1, 2) ORDER BY cr.record_id)
                       FILTER (WHERE len(cr.cpv_codes) > 0) AS main_division
            FROM (SELECT contract_id, unnest(record_ids) AS record_id FROM c) AS c
            JOIN contract_records cr USING (record_id)  -- an equi-join: list_contains here is a nested loop
            GROUP BY c.contract_id
        ),
        market AS (
            SELECT DISTINCT borough_code, service_area FROM contract_records
            WHERE stage IN ('tender', 'planning') AND borough_code IS NOT NULL AND service_area IS NOT NULL
        )
        SELECT c.contract_id, c.borough_code, c.buyer_name, c.supplier_name, c.supplier_count, c.system_name,
               c.service_area,
               c.title, c.end_date, c.max_end_date, c.annual_value,
               CAST(c.end_date - to_months(?) AS DATE) AS procurement_start,
               r.contact_name, r.contact_email, c.source_url, r.main_division AS cpv_division,
               c.end_date <= CAST(CAST(? AS DATE) + to_months(?) AS DATE)
                   AND m.borough_code IS NULL AS gap
        FROM c JOIN r USING (contract_id)
        LEFT JOIN market m ON m.borough_code = c.borough_code AND m.service_area = c.service_area
        WHERE TRUE {division}
        ORDER BY c.end_date, c.borough_code, c.contract_id
        LIMIT ?
        """,
        [*params, lead_months, today, GAP_MONTHS, *([cpv_division] if cpv_division else []), limit],
    ).fetchall()
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]
