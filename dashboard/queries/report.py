"""SQL of the market engagement report: aggregates of the contracts in scope, and its listings.

"In scope" is the filtered contracts (``where_clause``) that are awarded or running
(``stage = 'contract'``); "in the period" is those of them whose end date falls from ``start`` to
``end`` inclusive. Aggregates are computed here, so a report over a million contracts still
moves only a few hundred rows into Python.
"""

from __future__ import annotations

from datetime import date

import duckdb

from dashboard.queries import FILTER_COLUMNS, Filters, where_clause

IN_SCOPE = "stage = 'contract'"
NOTICE_STAGES = ("tender", "planning")
SCORES = ("confidence", "satisfaction", "value_for_money")  # survey columns (whitelist)
CONTRACTS_LIMIT = 100_000  # rows of the workbook's Contracts sheet


def _scope(filters: Filters | None) -> tuple[str, list]:
    where, params = where_clause(filters)
    return f"{where} AND {IN_SCOPE}", params


def _numbers_where(filters: Filters | None) -> tuple[str, list, str, list]:
    """(the contracts and notices under the filters but their end dates, with parameters; the end dates'
    condition, with its): in scope is ``stage = 'contract'`` and that condition, a notice is one of
    ``NOTICE_STAGES`` whatever its end date (``where_clause`` is a conjunction, so the two make its own)."""
    ends = {k: v for k, v in (filters or {}).items() if k in ("end_from", "end_to")}
    where, params = where_clause({k: v for k, v in (filters or {}).items() if k not in ends})
    ended, ended_params = where_clause({**ends, "scope": "all"}, boroughs_only=False)
    stages = ", ".join("?" for _ in NOTICE_STAGES)
    return f"{where} AND stage IN ('contract', {stages})", [*params, *NOTICE_STAGES], ended, ended_params


HEADLINE = ("contracts", "boroughs", "suppliers", "systems", "annual_value", "valued", "unknown_end",
            "ending", "ending_boroughs", "ending_value", "ending_valued")  # fmt: skip


def numbers(
    cur: duckdb.DuckDBPyConnection, filters: Filters | None, start: date, end: date, k: int
) -> tuple[dict, dict, int, list[dict]]:
    """The report's numbers in one pass over the filtered contracts: (the headline numbers of the contracts
    in scope and of those ending in the period; their survey scores: responses, and per score its answers,
    average and 1-5 distribution; how many tender and pipeline notices there are (``notices`` lists the
    first); the ``k`` named suppliers with most contracts ending in the period, most first, ties by name)."""
    where, params, ended, ended_params = _numbers_where(filters)
    any_score = " OR ".join(f"{s} IS NOT NULL" for s in SCORES)
    per_score = ", ".join(
        f"count({s}), avg({s}), " + ", ".join(f"count(*) FILTER (WHERE {s} = {n})" for n in range(1, 6)) for s in SCORES
    )
    row = cur.execute(
        f"""
        WITH c0 AS MATERIALIZED (
            SELECT borough_code, supplier_name, system_name, annual_value, end_date, {", ".join(SCORES)},
                   stage = 'contract' AND {ended} AS in_scope, stage <> 'contract' AS notice
            FROM contracts WHERE {where}
        ),
        c AS (SELECT *, in_scope AND end_date BETWEEN ? AND ? AS in_period FROM c0),
        -- per named supplier: what counts them and ranks them, one grouping for both
        s AS MATERIALIZED (
            SELECT supplier_name, count(*) FILTER (WHERE in_scope) AS n, count(*) FILTER (WHERE in_period) AS ending
            FROM c WHERE supplier_name IS NOT NULL GROUP BY supplier_name
        ),
        -- the survey's scores: the few contracts in scope with one, not a filter on every contract
        scored AS (SELECT count(*) AS responses, {per_score} FROM c0 WHERE in_scope AND ({any_score})),
        a AS (
        SELECT count(*) FILTER (WHERE in_scope), count(DISTINCT borough_code) FILTER (WHERE in_scope),
               (SELECT count(*) FROM s WHERE n > 0),
               count(DISTINCT system_name) FILTER (WHERE in_scope),
               coalesce(sum(annual_value) FILTER (WHERE in_scope), 0), count(annual_value) FILTER (WHERE in_scope),
               count(*) FILTER (WHERE in_scope AND end_date IS NULL),
               count(*) FILTER (WHERE in_period), count(DISTINCT borough_code) FILTER (WHERE in_period),
               coalesce(sum(annual_value) FILTER (WHERE in_period), 0), count(annual_value) FILTER (WHERE in_period),
               count(*) FILTER (WHERE notice) AS notices,
               (SELECT list({{'supplier': supplier_name, 'ending': ending}} ORDER BY ending DESC, supplier_name) FROM (
                   SELECT supplier_name, ending FROM s WHERE ending > 0 ORDER BY ending DESC, supplier_name LIMIT ?))
                   AS top
        FROM c
        )
        SELECT a.* EXCLUDE (notices, top), scored.*, a.notices, a.top FROM a, scored
        """,
        [*ended_params, *params, start, end, k],
    ).fetchone()
    head = dict(zip(HEADLINE, row[:11], strict=True))
    survey: dict = {"responses": row[11]}
    for i, s in enumerate(SCORES):
        n, avg, *counts = row[12 + 7 * i : 19 + 7 * i]
        survey[s] = {"n": n, "avg": avg, "counts": counts}
    return head, survey, row[-2], row[-1] or []


def by_borough(cur: duckdb.DuckDBPyConnection, filters: Filters | None, start: date, end: date) -> list[dict]:
    """Per borough: contracts, those ending in the period, value, suppliers and the next end date."""
    where, params = _scope(filters)
    rows = cur.execute(
        f"""
        SELECT borough_code, count(*), count(*) FILTER (WHERE end_date BETWEEN ? AND ?),
               coalesce(sum(annual_value), 0), count(annual_value), count(DISTINCT supplier_name),
               string_agg(DISTINCT supplier_name, '; ' ORDER BY supplier_name),
               min(end_date) FILTER (WHERE end_date >= ?)
        FROM contracts WHERE {where} AND borough_code IS NOT NULL
        GROUP BY borough_code ORDER BY borough_code
        """,
        [start, end, start, *params],
    ).fetchall()
    keys = ("borough_code", "contracts", "ending", "annual_value", "valued", "suppliers", "supplier_names", "next_end")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def by_supplier(cur: duckdb.DuckDBPyConnection, filters: Filters | None, start: date, end: date) -> list[dict]:
    """Per supplier, most contracts first: counts, boroughs, value, and shares of the contracts with a supplier.

    Contracts without a supplier name cannot be attributed: they are one row with ``supplier``
    NULL, and left out of every share's denominator.
    """
    where, params = _scope(filters)
    rows = cur.execute(
        f"""
        WITH s AS (
            SELECT supplier_name, count(*) AS contracts, count(DISTINCT borough_code) AS boroughs,
                   count(*) FILTER (WHERE end_date BETWEEN ? AND ?) AS ending,
                   coalesce(sum(annual_value), 0) AS annual_value, count(annual_value) AS valued
            FROM contracts WHERE {where} GROUP BY supplier_name
        ),
        t AS (
            SELECT sum(contracts) AS n, sum(ending) AS e, sum(annual_value) AS v
            FROM s WHERE supplier_name IS NOT NULL
        )
        SELECT supplier_name, contracts, boroughs, ending, annual_value, valued,
               CASE WHEN supplier_name IS NOT NULL AND t.n > 0 THEN 100.0 * contracts / t.n END,
               CASE WHEN supplier_name IS NOT NULL AND t.e > 0 THEN 100.0 * ending / t.e END,
               CASE WHEN supplier_name IS NOT NULL AND t.v > 0 THEN 100.0 * annual_value / t.v END
        FROM s, t
        ORDER BY supplier_name IS NULL, contracts DESC, ending DESC, supplier_name
        """,
        [start, end, *params],
    ).fetchall()
    keys = ("supplier", "contracts", "boroughs", "ending", "annual_value", "valued",
            "share", "ending_share", "value_share")  # fmt: skip
    return [dict(zip(keys, r, strict=True)) for r in rows]


def by_quarter(cur: duckdb.DuckDBPyConnection, filters: Filters | None, start: date, end: date) -> dict[date, dict]:
    """First day of a quarter -> contracts ending in it (and their boroughs), within the period."""
    where, params = _scope(filters)
    rows = cur.execute(
        f"""
        SELECT CAST(date_trunc('quarter', end_date) AS DATE) AS q, count(*), count(DISTINCT borough_code)
        FROM contracts WHERE {where} AND end_date BETWEEN ? AND ?
        GROUP BY q ORDER BY q
        """,
        [*params, start, end],
    ).fetchall()
    return {q: {"contracts": n, "boroughs": b} for q, n, b in rows}


def contracts(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters | None,
    start: date,
    end: date,
    lead_months: int,
    limit: int = CONTRACTS_LIMIT,
) -> list[dict]:
    """The contracts in scope, soonest end first (unknown ends last), with when to start procuring."""
    where, params = _scope(filters)
    rows = cur.execute(
        f"""
        SELECT contract_id, borough_code, buyer_name, supplier_name, system_name, service_area, title,
               start_date, end_date, max_end_date, annual_value, total_value,
               CAST(end_date - to_months(?) AS DATE) AS procurement_start,
               coalesce(end_date BETWEEN ? AND ?, false) AS in_period,
               array_to_string(list_sort(sources), ', ') AS sources, source_url,
               confidence, satisfaction, value_for_money
        FROM contracts WHERE {where}
        ORDER BY end_date NULLS LAST, borough_code, contract_id
        LIMIT ?
        """,
        [lead_months, start, end, *params, limit],
    )
    keys = [d[0] for d in rows.description]
    return [dict(zip(keys, r, strict=True)) for r in rows.fetchall()]


def _notices_where(filters: Filters | None) -> tuple[str, list]:
    """Tender and pipeline notices under the filters, whatever their end dates (a notice's are its planned
    contract's)."""
    where, params = where_clause({k: v for k, v in (filters or {}).items() if k not in ("end_from", "end_to")})
    return f"{where} AND stage IN ({', '.join('?' for _ in NOTICE_STAGES)})", [*params, *NOTICE_STAGES]


def notices(cur: duckdb.DuckDBPyConnection, filters: Filters | None, limit: int = 500) -> list[dict]:
    """Tender and pipeline notices under the filters, up to ``limit`` (``numbers`` counts them all)."""
    where, params = _notices_where(filters)
    rows = cur.execute(
        f"""
        SELECT borough_code, buyer_name, stage, title, service_area, end_date, source_url
        FROM contracts WHERE {where}
        ORDER BY borough_code, stage, title LIMIT ?
        """,
        [*params, limit],
    ).fetchall()
    keys = ("borough_code", "buyer_name", "stage", "title", "service_area", "end_date", "source_url")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def survey_by_system(cur: duckdb.DuckDBPyConnection, filters: Filters | None) -> list[dict]:
    """Per system: boroughs' survey scores (1-5) averaged, with how many answered each."""
    where, params = _scope(filters)
    rows = cur.execute(
        f"""
        SELECT system_name, string_agg(DISTINCT supplier_name, '; ' ORDER BY supplier_name),
               count(DISTINCT borough_code), count(*),
               count(confidence), avg(confidence), count(satisfaction), avg(satisfaction),
               count(value_for_money), avg(value_for_money)
        FROM contracts
        WHERE {where} AND (confidence IS NOT NULL OR satisfaction IS NOT NULL OR value_for_money IS NOT NULL)
        GROUP BY system_name ORDER BY count(*) DESC, system_name NULLS LAST
        """,
        params,
    ).fetchall()
    keys = ("system", "suppliers", "boroughs", "responses", "confidence_n", "confidence", "satisfaction_n",
            "satisfaction", "value_for_money_n", "value_for_money")  # fmt: skip
    return [dict(zip(keys, r, strict=True)) for r in rows]


def record_sources(cur: duckdb.DuckDBPyConnection, filters: Filters | None) -> list[dict]:
    """Contracts in scope per source of their records (a merged contract counts under each of its sources)."""
    where, params = _scope(filters)
    rows = cur.execute(
        f"""
        SELECT s, count(*) FROM (SELECT unnest(list_distinct(sources)) AS s FROM contracts WHERE {where})
        GROUP BY s ORDER BY count(*) DESC, s
        """,
        params,
    ).fetchall()
    return [{"source": s, "contracts": n} for s, n in rows]


def load_summary(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    """The build's input files per kind of file: how many, records read and loaded, and whether sample."""
    rows = cur.execute(
        """
        SELECT source, count(*), coalesce(sum(records_read), 0), coalesce(sum(loaded), 0),
               coalesce(sum(rejected), 0), coalesce(sum(skipped), 0), coalesce(bool_or(is_sample), false)
        FROM load_files GROUP BY source ORDER BY source
        """
    ).fetchall()
    keys = ("source", "files", "records_read", "loaded", "rejected", "skipped", "is_sample")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def subject_options(cur: duckdb.DuckDBPyConnection, key: str, filters: Filters | None = None) -> list[tuple[str, int]]:
    """(value, contracts in scope) for a report subject (``service_area``, ``system``, ``supplier``), most first."""
    column = FILTER_COLUMNS[key]  # KeyError for anything not whitelisted
    where, params = _scope({k: v for k, v in (filters or {}).items() if k != key})
    return cur.execute(
        f"""
        SELECT {column}, count(*) AS n FROM contracts WHERE {where} AND {column} IS NOT NULL
        GROUP BY {column} ORDER BY n DESC, {column} LIMIT 1000
        """,
        params,
    ).fetchall()
