"""Contracts ending soon, for suppliers looking for their next opportunity.

One row per contract ending between ``today`` and ``today + months`` (or an explicit
``end_from``/``end_to`` range), with what a bidder needs: who holds it, where it stands today
(``dashboard.status``, reproduced in SQL here so the list can hide ended contracts before its
row limit), when procurement should start, whom to call, and the market notices that match it:
planning, tender or award notices of the same borough for the same service area or system,
published (or starting) after the contract started. ``gap`` flags contracts ending within 18
months with no such notice: nobody has been seen going to market yet.

Contacts are read whatever their source: a public cursor (``dashboard.access``) blanks the
survey contacts and the returns' cover contacts, so the public sees the notices' contacts only.
"""

from __future__ import annotations

import json
from datetime import date

import duckdb

from dashboard.queries import Filters, chosen_scope, where_clause
from etl.reference import add_months

HORIZONS = (3, 6, 12, 18, 24)
GAP_MONTHS = 18
LEAD_MONTHS = 18
MARKET_STAGES = ("planning", "tender", "award")
MARKET_NOTICE_TYPES = tuple(f"UK{n}" for n in range(1, 7))  # pipeline .. contract award notice
NOTICES_SHOWN = 5  # matching notices listed per contract (the count says how many there are)
COLUMNS = (
    "contract_id", "borough_code", "buyer_name", "supplier_name", "supplier_count", "system_name", "service_area",
    "title", "start_date",
    "end_date", "max_end_date", "last_end", "status", "annual_value", "procurement_start", "contact_name",
    "contact_email", "survey_contact", "return_contact", "source_url", "cpv_division", "notices", "notice_count", "gap",
)  # fmt: skip


# --------------------------------------------------------------------------- dashboard.status in SQL


def add_months_sql(day: str, months: str) -> str:
    """SQL for ``etl.reference.add_months``: DuckDB's month arithmetic, but a month end stays a month end."""
    moved = f"CAST({day} + to_months({months}) AS DATE)"
    return f"(CASE WHEN {day} = last_day({day}) THEN last_day({moved}) ELSE {moved} END)"


def effective_end_sql(end: str, max_end: str, today: str) -> str:
    """SQL for ``status.effective_end``: the latest end with extensions once the base end has passed."""
    return (
        f"(CASE WHEN {end} IS NULL THEN {max_end} "
        f"WHEN {end} < {today} AND {max_end} IS NOT NULL AND {max_end} >= {today} THEN {max_end} ELSE {end} END)"
    )


def status_sql(last: str, today: str, horizon: str, lead: str) -> str:
    """SQL for ``status.status`` of a contract whose effective end is ``last``."""
    return (
        f"(CASE WHEN {last} IS NULL THEN 'unknown' WHEN {last} < {today} THEN 'ended' "
        f"WHEN {add_months_sql(last, f'-{lead}')} < {today} THEN 'overdue' "
        f"WHEN {last} <= {add_months_sql(today, horizon)} THEN 'ending' ELSE 'running' END)"
    )


def statuses(cur: duckdb.DuckDBPyConnection, today: date, horizon: int = 24, lead: int = LEAD_MONTHS) -> dict:
    """Every contract's status by id, as the SQL above says: tests hold it to ``dashboard.status``."""
    last = effective_end_sql("end_date", "max_end_date", "p.today")
    rows = cur.execute(
        f"""WITH p AS (SELECT CAST(? AS DATE) AS today, CAST(? AS INTEGER) AS horizon, CAST(? AS INTEGER) AS lead)
            SELECT contract_id, {status_sql(last, "p.today", "p.horizon", "p.lead")} FROM contracts, p""",
        [today, horizon, lead],
    ).fetchall()
    return dict(rows)


# --------------------------------------------------------------------------- the list


def _base(filters: Filters, cpv_division: str | None) -> tuple[str, list]:
    """The CTEs ``p`` (today, horizon, lead), ``c`` (the period's contracts with their status) and
    ``r`` (what their records say: contacts, CPV divisions), and ``listed`` (c and r joined, CPV kept)."""
    where, params = where_clause(filters)
    division = "AND list_contains(r.divisions, ?)" if cpv_division else ""
    last = effective_end_sql("end_date", "max_end_date", "p.today")
    contact = "{'name': cr.contact_name, 'email': cr.contact_email, 'phone': cr.contact_phone}"
    known = "coalesce(cr.contact_name, cr.contact_email, cr.contact_phone) IS NOT NULL"
    sql = f"""
        p AS (SELECT CAST(? AS DATE) AS today, CAST(? AS INTEGER) AS horizon, CAST(? AS INTEGER) AS lead),
        c0 AS (
            SELECT contracts.*, {last} AS last_end FROM contracts, p
            WHERE {where} AND stage = 'contract' AND end_date IS NOT NULL
        ),
        c AS (
            SELECT c0.*, {status_sql("c0.last_end", "p.today", "p.horizon", "p.lead")} AS status,
                   {add_months_sql("c0.last_end", "-p.lead")} AS procurement_start
            FROM c0, p
        ),
        r AS (
            SELECT c.contract_id,
                   -- the contract owner a survey return named (NULL on a public cursor), and a notice's buyer
                   first({contact} ORDER BY cr.record_id)
                       FILTER (WHERE cr.source = 'survey' AND {known}) AS survey_contact,
                   first({contact} ORDER BY cr.record_id)
                       FILTER (WHERE cr.source <> 'survey' AND {known}) AS notice_contact,
                   first(CAST(lf.return_contact AS VARCHAR) ORDER BY cr.record_id)
                       FILTER (WHERE lf.return_contact IS NOT NULL) AS return_contact,
                   list_distinct(flatten(list([substr(x, 1, 2) FOR x IN coalesce(cr.cpv_codes, [])]))) AS divisions,
                   first(substr(cr.cpv_codes[1], 1, 2) ORDER BY cr.record_id)
                       FILTER (WHERE len(cr.cpv_codes) > 0) AS main_division
            FROM (SELECT contract_id, unnest(record_ids) AS record_id FROM c) AS c
            JOIN contract_records cr USING (record_id)  -- an equi-join: list_contains here is a nested loop
            LEFT JOIN load_files lf ON cr.source = 'survey' AND lf.file = cr.source_file
            GROUP BY c.contract_id
        ),
        listed AS (
            SELECT c.*, r.survey_contact, r.notice_contact, r.return_contact, r.main_division
            FROM c JOIN r USING (contract_id)
            WHERE TRUE {division}
        )"""
    return sql, [*params, *([cpv_division] if cpv_division else [])]


def _notices_sql(scope: str) -> str:
    """The CTE ``notices``: the market notices matching each contract of ``page``, newest first."""
    stages = ", ".join(f"'{s}'" for s in MARKET_STAGES)
    types = ", ".join(f"'{t}'" for t in MARKET_NOTICE_TYPES)
    technology = "AND n.is_it IS NOT FALSE" if scope == "it" else ""
    notice = (
        "{'record_id': n.record_id, 'stage': n.stage, 'notice_type': n.notice_type, 'title': n.title, "
        "'url': n.source_url, 'date': coalesce(n.published_date, n.start_date), "
        "'contact_name': n.contact_name, 'contact_email': n.contact_email}"
    )
    return f"""
        notices AS (
            SELECT pg.contract_id, count(*) AS notice_count,
                   list({notice} ORDER BY coalesce(n.published_date, n.start_date) DESC NULLS LAST, n.record_id)
                       AS notices
            FROM page pg JOIN contract_records n
              ON n.borough_code = pg.borough_code
             AND (n.service_area = pg.service_area OR n.system_name = pg.system_name)
             AND (n.stage IN ({stages}) OR n.notice_type IN ({types}))
             AND (pg.start_date IS NULL OR coalesce(n.published_date, n.start_date) > pg.start_date)
             AND NOT list_contains(pg.record_ids, n.record_id)
             {technology}
            GROUP BY pg.contract_id
        )"""


def _dict(values: tuple) -> dict:
    row = dict(zip(COLUMNS, values, strict=True))
    try:
        contact = json.loads(row["return_contact"]) if row["return_contact"] else None
    except ValueError:
        contact = None
    row["return_contact"] = contact if isinstance(contact, dict) else None
    row["notices"] = (row["notices"] or [])[:NOTICES_SHOWN]
    row["notice_count"] = row["notice_count"] or 0
    return row


def _period(filters: Filters | None, today: date, months: int) -> dict:
    """The filters with the list's period: their own end dates, else the next ``months`` months."""
    filters = dict(filters or {})
    filters.setdefault("end_from", today.isoformat())
    filters.setdefault("end_to", add_months(today, months).isoformat())
    return filters


def expiring(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters | None = None,
    months: int = 12,
    today: date | None = None,
    lead_months: int = LEAD_MONTHS,
    cpv_division: str | None = None,
    limit: int = 5000,
    show_ended: bool = False,
) -> list[dict]:
    """Contracts ending soon, soonest first; the filters' own end dates replace ``months`` when given.

    Ended contracts (``dashboard.status``) are left out unless ``show_ended``; ``months`` is also
    the horizon of the status ("ending" within it)."""
    today = today or date.today()
    filters = _period(filters, today, months)
    base, params = _base(filters, cpv_division)
    gap_until = add_months(today, GAP_MONTHS)
    rows = cur.execute(
        f"""
        WITH {base},
        page AS (
            SELECT * FROM listed WHERE ? OR status <> 'ended'
            ORDER BY end_date, borough_code, contract_id LIMIT ?
        ),
        {_notices_sql(chosen_scope(filters))}
        SELECT pg.contract_id, pg.borough_code, pg.buyer_name, pg.supplier_name, pg.supplier_count, pg.system_name,
               pg.service_area, pg.title, pg.start_date, pg.end_date, pg.max_end_date, pg.last_end, pg.status,
               pg.annual_value, pg.procurement_start, pg.notice_contact.name, pg.notice_contact.email,
               pg.survey_contact, pg.return_contact, pg.source_url,
               pg.main_division, n.notices, n.notice_count,
               pg.last_end <= CAST(? AS DATE) AND n.contract_id IS NULL AS gap
        FROM page pg LEFT JOIN notices n USING (contract_id)
        ORDER BY pg.end_date, pg.borough_code, pg.contract_id
        """,
        [today, months, lead_months, *params, show_ended, limit, gap_until],
    ).fetchall()
    return [_dict(row) for row in rows]


def ended_count(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters | None = None,
    months: int = 12,
    today: date | None = None,
    lead_months: int = LEAD_MONTHS,
    cpv_division: str | None = None,
) -> int:
    """How many contracts of the same list have ended: what the page says it hides."""
    today = today or date.today()
    filters = _period(filters, today, months)
    base, params = _base(filters, cpv_division)
    sql = f"WITH {base} SELECT count(*) FROM listed WHERE status = 'ended'"
    return cur.execute(sql, [today, months, lead_months, *params]).fetchone()[0]
