"""Contracts ending soon, for suppliers looking for their next opportunity.

One row per contract whose end that counts today (``dashboard.status.effective_end``: the
extended end of a contract running on an extension past its base end) falls between ``today`` and
``today + months`` (or an explicit ``end_from``/``end_to`` range), with what a bidder needs: who
holds it, where it stands today (``dashboard.status``, reproduced in SQL here so the list can hide
ended contracts before its row limit), when procurement should start, whom to call, and the market
notices that match it:
planning, tender or award notices of the same borough for the same service area or system,
published (or starting) after the contract started. ``gap`` flags contracts ending within 18
months with no such notice: nobody has been seen going to market yet.

The page asks for one statement whatever the list's length: ``listing`` (the whole list in numbers
and one page, notices matched for its rows only). What the gap count needs of the market notices
depends on the build alone (``market``: the latest notice per borough and service area or system), so
it is read once per build and reader and bound as parameters, not matched contract by contract.

Contacts are read whatever their source: a public cursor (``dashboard.access``) blanks the
survey contacts and the returns' cover contacts, so the public sees the notices' contacts only.
"""

from __future__ import annotations

import json
from datetime import date

import duckdb

from dashboard import cache
from dashboard.queries import SCOPE_CONDITIONS, Filters, chosen_scope, where_clause
from etl.reference import add_months

HORIZONS = (3, 6, 12, 18, 24)
GAP_MONTHS = 18
LEAD_MONTHS = 18
MARKET_STAGES = ("planning", "tender", "award")
MARKET_NOTICE_TYPES = tuple(f"UK{n}" for n in range(1, 7))  # pipeline .. contract award notice
NOTICES_SHOWN = 5  # matching notices listed per contract (the count says how many there are)
# The columns of ``contracts`` the whole list reads (its numbers, order and gap rule), and those read for
# a page's rows alone (not ``*``: every column more is one more scanned for every contract of the period).
LISTED_COLUMNS = (
    "contract_id, borough_code, system_name, service_area, start_date, end_date, max_end_date, annual_value"
)
PAGE_COLUMNS = ("buyer_name", "supplier_name", "supplier_count", "title", "source_url", "record_ids")
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


def _period_dates(filters: Filters) -> tuple[date, date]:
    """The list's period: the filters' own end dates (``_period`` has set both)."""
    return date.fromisoformat(str(filters["end_from"])), date.fromisoformat(str(filters["end_to"]))


def _listed(filters: Filters, cpv_division: str | None, today: date, horizon: int, lead: int) -> tuple[str, list]:
    """The CTEs ``p`` (today, horizon, lead, the period) and ``c``: the contracts whose end that counts
    today (``status.effective_end``: the extended end once the base end has passed) falls in the period,
    with their status and procurement start."""
    start, stop = _period_dates(filters)
    rest = {k: v for k, v in filters.items() if k not in ("end_from", "end_to")}
    where, params = where_clause(rest)
    division = ""
    if cpv_division:  # a semi-join on the period's contracts' records, not a list per contract
        division = """WHERE contract_id IN (
            SELECT x.contract_id FROM (SELECT contract_id, unnest(division_records) AS record_id FROM c0) AS x
            JOIN contract_records cr USING (record_id)
            WHERE len(list_filter(coalesce(cr.cpv_codes, []), lambda v: substr(v, 1, 2) = ?)) > 0)"""
    last = effective_end_sql("end_date", "max_end_date", "p.today")
    sql = f"""
        p AS (SELECT CAST(? AS DATE) AS today, CAST(? AS INTEGER) AS horizon, CAST(? AS INTEGER) AS lead,
                     CAST(? AS DATE) AS start, CAST(? AS DATE) AS stop),
        c0 AS (
            SELECT {LISTED_COLUMNS}, {last} AS last_end{", record_ids AS division_records" if division else ""}
            FROM contracts, p
            WHERE {where} AND stage = 'contract' AND end_date IS NOT NULL
              -- the end that counts is the base end or the extended one: both plain comparisons, a scan's
              -- filter, before the exact test (a condition on p is a nested loop join, slow over every row)
              AND end_date <= ? AND (end_date BETWEEN ? AND ? OR (end_date < ? AND max_end_date BETWEEN ? AND ?))
              AND {last} BETWEEN p.start AND p.stop
        ),
        c AS (
            SELECT c0.*, {status_sql("c0.last_end", "p.today", "p.horizon", "p.lead")} AS status,
                   {add_months_sql("c0.last_end", "-p.lead")} AS procurement_start
            FROM c0, p {division}
        )"""
    head = [today, horizon, lead, start, stop]
    return sql, [*head, *params, stop, start, stop, today, start, stop, *([cpv_division] if cpv_division else [])]


def _market_sql(scope: str, rows: str = "page") -> str:
    """The CTE ``m``: market notices (planning, tender or award, or a UK1-UK6 type) of the boroughs of
    the contracts of CTE ``rows`` (all of them when ``rows`` is empty), with only what the match needs:
    a notice's details are read for the page's matches alone (``_page_sql``), not for every notice."""
    stages = ", ".join(f"'{s}'" for s in MARKET_STAGES)
    types = ", ".join(f"'{t}'" for t in MARKET_NOTICE_TYPES)
    technology = "AND is_it IS NOT FALSE" if scope == "it" else ""
    boroughs = f"borough_code IN (SELECT borough_code FROM {rows}) AND" if rows else ""
    return f"""
        m AS (
            SELECT record_id, borough_code, service_area, system_name, stage,
                   coalesce(published_date, start_date) AS day
            FROM contract_records
            WHERE {boroughs} (stage IN ({stages}) OR notice_type IN ({types})) {technology}
        )"""


# When notice ``m`` matches contract ``r`` (besides the borough and the service area or system): published
# after the contract started, or the contract has no start, and not one of the contract's own records.
LATER = "(r.start_date IS NULL OR m.day > r.start_date) AND NOT list_contains(r.record_ids, m.record_id)"


@cache.per_build
def market(cur: duckdb.DuckDBPyConnection, scope: str) -> dict:
    """What the gap rule needs of the market notices of a scope, which depends on the build alone: per
    borough and service area, and per borough and system, the latest notice's day (a contract none of
    whose own records is a market notice is matched when that day is after its start, or it has no
    start); and the contracts that have such a record of their own, each with whether it is matched
    (the rule itself, notice by notice). Small (a few hundred keys), so kept per build and reader."""
    matched = " OR ".join(
        f"EXISTS (SELECT 1 FROM m WHERE m.borough_code = r.borough_code AND m.{column} = r.{column} AND {LATER})"
        for column in ("service_area", "system_name")
    )
    keys = " UNION ALL ".join(
        f"SELECT '{column}', borough_code, {column}, max(day), NULL FROM m "
        f"WHERE borough_code IS NOT NULL AND {column} IS NOT NULL GROUP BY ALL"
        for column in ("service_area", "system_name")
    )
    rows = cur.execute(
        f"""
        WITH {_market_sql(scope, rows="")},
        own AS (
            SELECT DISTINCT x.contract_id FROM (SELECT contract_id, unnest(record_ids) AS record_id FROM contracts
                                                WHERE stage = 'contract') x JOIN m USING (record_id)
        )
        {keys}
        UNION ALL
        SELECT 'own', r.contract_id, NULL, NULL, {matched} FROM contracts r WHERE r.contract_id IN (SELECT * FROM own)
        """
    ).fetchall()
    out: dict = {"service_area": [], "system_name": [], "own": []}
    for kind, key, value, day, found in rows:
        out[kind].append((key, value, day) if kind != "own" else (key, found))
    return out


@cache.warm_with
def _market_of_each_scope(cur: duckdb.DuckDBPyConnection) -> None:
    """``market`` read when the build is opened (``cache.warm``): at a million contracts it takes ~200 ms."""
    for scope in SCOPE_CONDITIONS:
        market(cur, scope)


def _latest_sql(scope_market: dict) -> tuple[str, list]:
    """The CTEs ``k_service_area``, ``k_system_name`` (``market``'s latest notice days per key) and
    ``own`` (the contracts with a market notice of their own, and whether each is matched), from
    ``market``'s lists bound as parameters."""
    sql, params = [], []
    for column in ("service_area", "system_name"):
        sql.append(
            f"k_{column} AS (SELECT unnest(CAST(? AS VARCHAR[])) AS borough_code, "
            f"unnest(CAST(? AS VARCHAR[])) AS {column}, unnest(CAST(? AS DATE[])) AS last_day)"
        )
        params += [list(x) for x in zip(*scope_market[column], strict=True)] or [[], [], []]
    sql.append("own AS (SELECT unnest(CAST(? AS VARCHAR[])) AS contract_id, unnest(CAST(? AS BOOLEAN[])) AS matched)")
    params += [list(x) for x in zip(*scope_market["own"], strict=True)] or [[], []]
    return ",\n".join(sql), params


def _hits_sql(name: str, rows: str) -> str:
    """The CTE ``name``: each contract of CTE ``rows`` with each notice of ``m`` matching it (its borough,
    its service area or system, published after it started, not one of its own records). Two equi-joins,
    not one join on an OR."""
    joins = [
        f"SELECT r.contract_id, m.* FROM {rows} r JOIN m ON m.borough_code = r.borough_code "
        f"AND m.{column} = r.{column} WHERE {LATER}"
        for column in ("service_area", "system_name")
    ]
    return f"{name} AS ({' UNION '.join(joins)})"


def _gaps_sql(name: str, rows: str) -> str:
    """The CTE ``name``: how many contracts of CTE ``rows`` no market notice matches (as ``_hits_sql``
    says), from ``_latest_sql``'s CTEs: a contract with a market notice of its own as ``own`` says, any
    other when neither key's latest notice is after its start (nor it has no start). No notice is read."""
    latest = " AND ".join(
        f"NOT coalesce(k_{column}.borough_code IS NOT NULL "
        f"AND (r.start_date IS NULL OR k_{column}.last_day > r.start_date), false)"
        for column in ("service_area", "system_name")
    )
    keys = " ".join(
        f"LEFT JOIN k_{column} ON k_{column}.borough_code = r.borough_code AND k_{column}.{column} = r.{column}"
        for column in ("service_area", "system_name")
    )
    return f"""
        {name} AS (
            SELECT count(*) FILTER (WHERE CASE WHEN own.contract_id IS NULL THEN {latest} ELSE NOT own.matched END)
                   AS n
            FROM {rows} r {keys} LEFT JOIN own USING (contract_id)
        )"""


# Which notices of a contract come first: an open tender, then what is planned, then awards; newest first.
RELEVANCE = "CASE h.stage WHEN 'tender' THEN 0 WHEN 'planning' THEN 1 WHEN 'award' THEN 2 ELSE 3 END"


def _page_sql(scope: str) -> str:
    """The CTEs of a run of listed contracts (CTE ``page``), each with what its records say (contacts,
    CPV division) and its matching notices: ``r``, ``m``, ``hits`` and ``notices``; then ``shown``, the
    rows themselves, the first ``?`` notices of each and its gap flag (ending by the ``?`` date, no notice)."""
    contact = "{'name': cr.contact_name, 'email': cr.contact_email, 'phone': cr.contact_phone}"
    known = "coalesce(cr.contact_name, cr.contact_email, cr.contact_phone) IS NOT NULL"
    notice = (
        "{'record_id': h.record_id, 'stage': h.stage, 'notice_type': d.notice_type, 'title': d.title, "
        "'url': d.source_url, 'date': h.day, 'contact_name': d.contact_name, 'contact_email': d.contact_email}"
    )
    return f"""
        r AS (
            SELECT x.contract_id,
                   -- the contract owner a survey return named (NULL on a public cursor), and a notice's buyer
                   first({contact} ORDER BY cr.record_id) FILTER (WHERE cr.source = 'survey' AND {known})
                       AS survey_contact,
                   first({contact} ORDER BY cr.record_id) FILTER (WHERE cr.source <> 'survey' AND {known})
                       AS notice_contact,
                   first(CAST(lf.return_contact AS VARCHAR) ORDER BY cr.record_id)
                       FILTER (WHERE lf.return_contact IS NOT NULL) AS return_contact,
                   first(substr(cr.cpv_codes[1], 1, 2) ORDER BY cr.record_id)
                       FILTER (WHERE len(cr.cpv_codes) > 0) AS main_division
            FROM (SELECT contract_id, unnest(record_ids) AS record_id FROM page) AS x
            JOIN contract_records cr USING (record_id)  -- an equi-join: list_contains here is a nested loop
            LEFT JOIN load_files lf ON cr.source = 'survey' AND lf.file = cr.source_file
            GROUP BY x.contract_id
        ),
        {_market_sql(scope)},
        {_hits_sql("hits", "page")},
        ranked AS (
            SELECT h.*, row_number() OVER (PARTITION BY h.contract_id
                                           ORDER BY {RELEVANCE}, h.day DESC NULLS LAST, h.record_id) AS pos,
                   count(*) OVER (PARTITION BY h.contract_id) AS notice_count
            FROM hits h
        ),
        -- a notice's details are read for the ``?`` first notices of each row alone, not for all it matches
        details AS (
            -- list_sort of (position, notice), not an ordered aggregate: cheaper for a few notices a row
            SELECT h.contract_id,
                   list_transform(list_sort(list({{'pos': h.pos, 'n': {notice}}})), lambda x: x.n) AS notices
            FROM (SELECT * FROM ranked WHERE pos <= ?) h JOIN contract_records d USING (record_id)
            GROUP BY h.contract_id
        ),
        notices AS (
            SELECT contract_id, notice_count, details.notices
            FROM ranked LEFT JOIN details USING (contract_id) WHERE pos = 1
        ),
        shown AS (
            SELECT pg.contract_id, pg.borough_code, pg.buyer_name, pg.supplier_name, pg.supplier_count,
                   pg.system_name, pg.service_area, pg.title, pg.start_date, pg.end_date, pg.max_end_date,
                   pg.last_end, pg.status, pg.annual_value, pg.procurement_start, r.notice_contact.name,
                   r.notice_contact.email, r.survey_contact, r.return_contact, pg.source_url, r.main_division,
                   n.notices, n.notice_count, pg.last_end <= CAST(? AS DATE) AND n.contract_id IS NULL AS gap
            FROM page pg LEFT JOIN r USING (contract_id) LEFT JOIN notices n USING (contract_id)
        )"""


def _page_cte(rows: str) -> str:
    """The CTE ``page``: the listed contracts the statement ``rows`` picks, with the columns only a
    shown row needs (``PAGE_COLUMNS``), read for those rows alone."""
    wide = ", ".join(f"x.{column}" for column in PAGE_COLUMNS)
    return f"page AS MATERIALIZED (SELECT l.*, {wide} FROM ({rows}) AS l JOIN contracts x USING (contract_id))"


ORDER = "last_end, borough_code, contract_id"  # the list's order: soonest end first
LISTED = "SELECT * FROM c WHERE ? OR status <> 'ended'"  # the contracts listed (``?``: ended ones too)


def _rows_sql(base: str, scope: str) -> str:
    """The statement of a run of listed contracts (``LIMIT ? OFFSET ?``) with their notices."""
    return f"""
        WITH {base},
        {_page_cte(f"{LISTED} ORDER BY {ORDER} LIMIT ? OFFSET ?")},
        {_page_sql(scope)}
        SELECT * FROM shown ORDER BY {ORDER}
        """


def _dict(values: tuple) -> dict:
    row = dict(zip(COLUMNS, values, strict=True))
    try:
        contact = json.loads(row["return_contact"]) if row["return_contact"] else None
    except ValueError:
        contact = None
    row["return_contact"] = contact if isinstance(contact, dict) else None
    row["notices"] = row["notices"] or []
    row["notice_count"] = row["notice_count"] or 0
    row["on_extension"] = row["last_end"] != row["end_date"]
    return row


def _period(filters: Filters | None, today: date, months: int) -> dict:
    """The filters with the list's period: their own end dates, else the next ``months`` months."""
    filters = dict(filters or {})
    filters.setdefault("end_from", today.isoformat())
    filters.setdefault("end_to", add_months(today, months).isoformat())
    return filters


def _prepared(
    filters: Filters | None, months: int, today: date | None, lead_months: int, cpv_division: str | None
) -> tuple[str, list, str, date]:
    """What the rows and the summary share: the list's CTE and its parameters (the filters' own end
    dates, else the next ``months`` months), its scope and the gap horizon."""
    today = today or date.today()
    filters = _period(filters, today, months)
    base, params = _listed(filters, cpv_division, today, months, lead_months)
    return base, params, chosen_scope(filters), add_months(today, GAP_MONTHS)


def expiring(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters | None = None,
    months: int = 12,
    today: date | None = None,
    lead_months: int = LEAD_MONTHS,
    cpv_division: str | None = None,
    limit: int = 5000,
    show_ended: bool = False,
    offset: int = 0,
    notices: int = NOTICES_SHOWN,
) -> list[dict]:
    """Contracts ending soon, soonest first; the filters' own end dates replace ``months`` when given.

    A contract counts by the end that counts today (``dashboard.status``): one past its base end but
    on an extension is listed by its extended end (``on_extension``). Ended contracts are left out
    unless ``show_ended``; ``months`` is also the horizon of the status ("ending" within it). One
    statement for the rows ``offset`` to ``offset + limit`` and their first ``notices`` notices."""
    base, params, scope, gap_until = _prepared(filters, months, today, lead_months, cpv_division)
    sql = _rows_sql(base, scope)
    args = [*params, show_ended, limit, offset, notices, gap_until]
    return [_dict(row) for row in cur.execute(sql, args).fetchall()]


def _listing_sql(base: str, scope: str, latest: str) -> str:
    """One statement for the whole list in numbers and one page of it: ``SUMMARY``'s columns on every
    row, then ``COLUMNS`` (NULL when the page is empty). The page's offset is page ``?`` of ``?`` rows,
    the last when it is past the end. The gap count is of the contracts due within the gap horizon
    ``?``, by ``market``'s latest notices (``latest``); the summary's months are a histogram of the
    listed contracts' end months."""
    pages = "greatest(1, CAST(ceil(k.n / CAST(? AS DOUBLE)) AS BIGINT))"
    offset = f"(SELECT (least(CAST(? AS BIGINT), {pages}) - 1) * CAST(? AS BIGINT) FROM k)"
    return f"""
        WITH {base},
        listed AS MATERIALIZED ({LISTED}),
        k AS (SELECT count(*) AS n FROM listed),
        {_page_cte(f"SELECT * FROM listed ORDER BY {ORDER} LIMIT ? OFFSET {offset}")},
        {_page_sql(scope)},
        {latest},
        due AS (SELECT * FROM listed WHERE last_end <= CAST(? AS DATE)),
        {_gaps_sql("gaps", "due")},
        totals AS (
            SELECT count(*) AS n_listed, count(DISTINCT borough_code) AS n_boroughs, (SELECT n FROM gaps) AS n_gaps,
                   coalesce(sum(annual_value), 0) AS n_value, count(annual_value) AS n_valued,
                   (SELECT count(*) FROM c WHERE status = 'ended') AS n_ended,
                   histogram(strftime(last_end, '%Y-%m')) AS n_months
            FROM listed
        )
        SELECT * FROM totals LEFT JOIN shown ON TRUE ORDER BY {ORDER}
        """


SUMMARY = ("contracts", "boroughs", "gaps", "annual_value", "valued", "ended", "months")


def listing(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters | None = None,
    months: int = 12,
    today: date | None = None,
    lead_months: int = LEAD_MONTHS,
    cpv_division: str | None = None,
    show_ended: bool = False,
    page: int = 1,
    page_size: int = 25,
    notices: int = NOTICES_SHOWN,
) -> tuple[dict, list[dict]]:
    """(the whole list in numbers, one page of its rows) in one statement: what the
    page shows, the list filtered and scanned once. ``totals``: ``SUMMARY`` (``months``: {'2027-03':
    contracts listed ending that month}); the rows as ``expiring`` gives them, page ``page`` (the last
    one when past the end) of ``page_size`` rows; ``page_size=0`` asks for the numbers alone."""
    base, params, scope, gap_until = _prepared(filters, months, today, lead_months, cpv_division)
    size = max(page_size, 1)
    latest, known = _latest_sql(market(cur, scope))
    args = [*params, show_ended, page_size, page, size, size, notices, gap_until, *known, gap_until]
    found = cur.execute(_listing_sql(base, scope, latest), args).fetchall()
    totals = dict(zip(SUMMARY, found[0][: len(SUMMARY)], strict=True))
    totals["months"] = dict(totals["months"] or {})
    rows = [_dict(row[len(SUMMARY) :]) for row in found if row[len(SUMMARY)] is not None]
    return totals, rows


def summary(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters | None = None,
    months: int = 12,
    today: date | None = None,
    lead_months: int = LEAD_MONTHS,
    cpv_division: str | None = None,
    show_ended: bool = False,
) -> dict:
    """The whole list in numbers (``listing``'s totals, without a page of rows)."""
    return listing(cur, filters, months, today, lead_months, cpv_division, show_ended, page_size=0)[0]


def ended_count(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters | None = None,
    months: int = 12,
    today: date | None = None,
    lead_months: int = LEAD_MONTHS,
    cpv_division: str | None = None,
) -> int:
    """How many contracts of the same list have ended: what the page says it hides."""
    return summary(cur, filters, months, today, lead_months, cpv_division)["ended"]


def gap_count(cur: duckdb.DuckDBPyConnection, filters: Filters | None, start: date, end: date, today: date) -> int:
    """How many contracts the expiring list for the period flags as a gap (the rule above: not ended,
    due within ``GAP_MONTHS``, no market notice of its borough and service area or system since it started),
    counted in one statement over the contracts due alone, by ``market``'s latest notices (``expiring.summary``
    also lists and matches every contract of the period, which the report's preview never shows). Tests hold
    it to ``summary``'s count."""
    low, high = max(start, today), min(end, add_months(today, GAP_MONTHS))
    where, params = where_clause({k: v for k, v in (filters or {}).items() if k not in ("end_from", "end_to")})
    last = effective_end_sql("end_date", "max_end_date", "?")
    latest, known = _latest_sql(market(cur, chosen_scope(filters)))
    return cur.execute(
        f"""
        WITH {latest},
        due AS (
            SELECT contract_id, borough_code, service_area, system_name, start_date FROM contracts
            WHERE {where} AND stage = 'contract' AND end_date IS NOT NULL AND end_date <= ?
              AND (end_date BETWEEN ? AND ? OR max_end_date BETWEEN ? AND ?) AND {last} BETWEEN ? AND ?
        ),
        {_gaps_sql("gaps", "due")}
        SELECT n FROM gaps
        """,
        [*known, *params, high, low, high, low, high, today, today, low, high],
    ).fetchone()[0]
