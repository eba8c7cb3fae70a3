"""SQL of the overview: its headline numbers, contracts per borough and per service area, and how few
suppliers hold half the contracts, in one statement.

The four were four statements that each read the filtered contracts (at a million contracts the
headline's three ``count(DISTINCT ...)`` alone cost more than the rest). Here the filtered contracts
are read once (``f``) and each part is a small aggregate of them: the boroughs covered are the
boroughs with contracts, the suppliers are the suppliers the holders are counted over. A contract
has open data when any of its sources is not the survey (``list_distinct`` over every contract's
sources cost more than the rest of the statement).
"""

from __future__ import annotations

from datetime import date

import duckdb

from dashboard import cache
from dashboard.queries import END_COLUMN, SOURCE_GROUPS, UNKNOWN_SERVICE_AREA, Filters, _values, where_clause
from dashboard.queries import suppliers as sq
from etl import reference

_ENDING = (  # contracts ending from today up to the same day {} months later
    f"count(*) FILTER (WHERE {END_COLUMN} BETWEEN CAST(? AS DATE) "
    "AND CAST(CAST(? AS DATE) + INTERVAL {} MONTH AS DATE))"
)
_SQL = f"""
    WITH f AS (
        SELECT borough_code, service_area, system_name, supplier_name, annual_value, {END_COLUMN},
               coalesce(list_contains(sources, 'survey'), false) AS has_survey,
               coalesce(list_bool_or(list_transform(sources, lambda s: s <> 'survey')), false) AS has_open
        FROM contracts WHERE {{where}}
    ),
    s AS (SELECT supplier_name, count(*) AS contracts FROM f WHERE supplier_name IS NOT NULL GROUP BY supplier_name)
    SELECT
        (SELECT {{'contracts': count(*), 'systems': count(DISTINCT system_name), 'annual_value': sum(annual_value),
                 'valued': count(annual_value), 'ending_12m': {_ENDING.format(12)},
                 'ending_24m': {_ENDING.format(24)}}} FROM f) AS totals,
        (SELECT list(b) FROM (
            SELECT borough_code AS code, count(*) FILTER (WHERE has_survey AND NOT has_open) AS survey,
                   count(*) FILTER (WHERE has_survey AND has_open) AS both,
                   count(*) FILTER (WHERE NOT has_survey) AS open_data
            FROM f WHERE borough_code IS NOT NULL GROUP BY borough_code) AS b) AS boroughs,
        (SELECT list(a ORDER BY a.n DESC, a.service_area NULLS LAST) FROM (
            SELECT service_area, count(*) AS n FROM f GROUP BY service_area) AS a) AS areas,
        {sq.HOLDERS_SQL} AS holders
"""


def overview(cur: duckdb.DuckDBPyConnection, filters: Filters | None = None, today: date | None = None) -> dict:
    """The overview's numbers under the filters: ``numbers`` (``queries.headline``), ``boroughs``
    (``queries.counts_by_borough``), ``areas`` (``queries.counts_by_service_area``) and ``holders``
    (``queries.suppliers.market_holders``). Kept per build, reader, filters and day (``cache.per_build``):
    the overview is the page most opened, most often with no filter at all."""
    return _overview(cur, dict(filters or {}), today or date.today())


@cache.per_build
def _overview(cur: duckdb.DuckDBPyConnection, filters: Filters, today: date) -> dict:
    where, params = where_clause(filters)
    totals, boroughs, areas, holders = cur.execute(
        _SQL.replace("{where}", where), [*params, today, today, today, today]
    ).fetchone()
    boroughs = boroughs or []
    holders = sq.holders_of(holders)
    numbers = {"boroughs": len(boroughs), "contracts": totals["contracts"], "systems": totals["systems"],
               "suppliers": holders["suppliers"]}  # fmt: skip
    numbers.update({k: totals[k] for k in ("annual_value", "valued", "ending_12m", "ending_24m")})
    return {
        "numbers": numbers,
        "boroughs": _every_borough(boroughs, filters),
        "areas": [
            {"service_area": a["service_area"] or UNKNOWN_SERVICE_AREA, "contracts": a["n"]} for a in areas or []
        ],
        "holders": holders,
    }


def _every_borough(rows: list[dict], filters: Filters | None) -> list[dict]:
    """Every authority of ``etl.reference`` (only the filtered ones, when the filter names boroughs),
    with zeros where it has no contracts, so an absent borough is visible rather than missing."""
    found = {r["code"]: {k: r[k] for k in SOURCE_GROUPS} for r in rows}
    wanted = set(_values((filters or {}).get("borough")))
    out = []
    for b in reference.boroughs():
        if wanted and b.code not in wanted:
            continue
        counts = found.get(b.code, dict.fromkeys(SOURCE_GROUPS, 0))
        out.append({"code": b.code, "name": b.name, **counts, "total": sum(counts.values())})
    return out
