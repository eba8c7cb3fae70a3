"""The joint procurement window search in DuckDB, and the rows of the "my borough" comparison.

``window_contracts`` gives one small row per contract (``Contract``) for one grouping: the
plain-Python search (``dashboard.logic.windows.find_windows``) runs over them, and the tests
compare it with the SQL search here, which gives exactly the same windows.

The SQL search (``search``) keeps the contracts in DuckDB and numbers them in the order the
algorithm reads them (group, end date, borough, id: ``pos``). Window functions find, for each
contract, the last one ending within ``window_months`` (``j``, an ASOF join on the month-end
rule of ``etl.reference.add_months``) and whether that stretch holds ``min_boroughs`` boroughs
(a bit per borough, OR-ed over the frame): the candidate stretches. Merging overlapping
stretches, capped at twice ``window_months``, is sequential, so a recursive CTE takes one step
per window (all groups at once), jumping over the candidates a window absorbs. One query ranks
and counts the windows (``ranked``); only the windows asked for leave the database, and then the
contracts of those on screen (``members``, by each window's first and last sort keys).
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


# --------------------------------------------------------------------------- the search in SQL


@dataclass(frozen=True)
class Search:
    """What one window search is over: the grouping, the end dates used and the rule's two numbers."""

    group_by: str
    extensions: str = "base"
    min_boroughs: int = 3
    window_months: int = 6
    filters: Filters | None = None
    manufacturers: Sequence[str] | None = None


MAX_BOROUGHS = 62  # one bit per borough in a BIGINT; London has 33


def _kept(day: str, shifted: str) -> str:
    """``etl.reference.add_months`` in SQL: ``shifted`` is ``day + to_months(n)``; a month end stays one."""
    return f"CASE WHEN {day} = last_day({day}) THEN last_day({shifted}) ELSE CAST({shifted} AS DATE) END"


def _selection(spec: Search, known: bool = True) -> tuple[str, list]:
    """The contracts a search is over (those with an end date; ``known=False``: those without), and its parameters."""
    column = GROUP_COLUMNS[spec.group_by]  # KeyError for anything not whitelisted
    where, params = where_clause(spec.filters)
    maker, maker_params = manufacturer_condition(spec.manufacturers)
    end = "coalesce(max_end_date, end_date)" if spec.extensions == "max" else "end_date"
    sql = f"""
        SELECT contract_id, {column} AS grp, borough_code, {end} AS e, end_date AS base_end, max_end_date AS max_end,
               supplier_name AS supplier, system_name AS system, annual_value
        FROM contracts
        WHERE {where} AND {maker} AND borough_code IS NOT NULL AND {column} IS NOT NULL AND stage = 'contract'
          AND {end} IS {"NOT NULL" if known else "NULL"}"""
    return sql, [*params, *maker_params]


# ``rows``: the contracts numbered in the algorithm's order (``pos``: group, end date, borough, id), each
# with its group's number, a bit for its borough, and the last end date a window starting at it may
# reach (``lim``) and may be merged up to (``cap``).
_ROWS = f"""
    groups AS MATERIALIZED (SELECT grp, row_number() OVER (ORDER BY grp) AS gno FROM (SELECT DISTINCT grp FROM chosen)),
    boroughs AS MATERIALIZED (
        SELECT borough_code, row_number() OVER (ORDER BY borough_code) AS bno
        FROM (SELECT DISTINCT borough_code FROM chosen)
    ),
    rows AS MATERIALIZED (
        SELECT * EXCLUDE (lim_raw, cap_raw), {_kept("e", "lim_raw")} AS lim, {_kept("e", "cap_raw")} AS cap
        FROM (
            SELECT row_number() OVER (ORDER BY g.gno, c.e, b.bno, c.contract_id) AS pos, g.gno, c.contract_id,
                   c.borough_code, c.e, c.annual_value AS value,
                   greatest(coalesce(c.base_end, c.e), coalesce(c.max_end, c.base_end, c.e)) AS last_end,
                   CASE WHEN b.bno <= {MAX_BOROUGHS} THEN CAST(1 AS BIGINT) << (b.bno - 1)
                        ELSE error('too many boroughs for the window search') END AS bit,
                   c.e + to_months(?) AS lim_raw, c.e + to_months(?) AS cap_raw
            FROM chosen c JOIN groups g ON g.grp = c.grp JOIN boroughs b ON b.borough_code = c.borough_code
        )
    ),"""

# ``marks``: per contract, the last one of its stretch (``j``; ``j2``: the last one ending by its cap) and
# whether the stretch holds enough boroughs (``cand``); then what a window starting at the contract would
# be: the last candidate it may absorb (``cstar``: before the cap, ``cap_last``, and before the run of
# overlapping stretches ends, ``isl_last``), the next candidate (``next_cand``) and whether a window
# refused by the cap here could restart just after (``ok``: the stretch from the next contract to the
# last candidate's ``j`` holds enough boroughs). Dates are looked up with RANGE frames whose offsets are
# each row's own (``lim - e``); a candidate ``c`` stays within the cap of ``f`` when ``j`` of ``c`` is
# at most ``j2`` of ``f``. Frames over the whole ordering (not per group) reach into the previous group
# only for contracts before a group's first candidate, which never start a window.
_MARKS = """
    reach AS (
        SELECT gno, pos, bit,
               max(pos) OVER (PARTITION BY gno ORDER BY e
                              RANGE BETWEEN CURRENT ROW AND to_days(CAST(lim - e AS INTEGER)) FOLLOWING) AS j,
               max(pos) OVER (PARTITION BY gno ORDER BY e
                              RANGE BETWEEN CURRENT ROW AND to_days(CAST(cap - e AS INTEGER)) FOLLOWING) AS j2
        FROM rows
    ),
    marked AS (
        SELECT *, bit_count(bit_or(bit) OVER (ORDER BY pos ROWS BETWEEN CURRENT ROW AND j - pos FOLLOWING)) >= ? AS cand
        FROM reach
    ),
    runs AS (
        SELECT *, max(CASE WHEN cand THEN j END) OVER before AS prev_j,
               max(CASE WHEN cand THEN j END) OVER upto AS jl,
               min(CASE WHEN cand THEN pos END) OVER after AS next_cand,
               max(CASE WHEN cand THEN pos END) OVER (
                   ORDER BY j RANGE BETWEEN UNBOUNDED PRECEDING AND j2 - j FOLLOWING) AS cap_last
        FROM marked
        WINDOW before AS (ORDER BY pos ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
               upto AS (ORDER BY pos ROWS UNBOUNDED PRECEDING),
               after AS (ORDER BY pos ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
    ),
    islands AS (
        SELECT *, max(CASE WHEN cand AND pos > coalesce(prev_j, 0) THEN pos END) OVER (
                      ORDER BY pos ROWS UNBOUNDED PRECEDING) AS island,
               coalesce(bit_count(bit_or(bit) OVER (
                   ORDER BY pos ROWS BETWEEN 1 FOLLOWING AND greatest(coalesce(jl, 0) - pos, 0) FOLLOWING)) >= ?,
                   false) AS ok
        FROM runs
    ),
    marks AS MATERIALIZED (
        SELECT gno, pos, j, cand, next_cand, island, cap_last, ok,
               max(CASE WHEN cand THEN pos END) OVER (PARTITION BY island) AS isl_last
        FROM islands
    ),"""

# ``chain``: one row per window (group, first and last contract). Each contract that may start a window
# (``nodes``) knows its window's last contract and where the next window starts (the next candidate
# after a gap; just after this window when the cap refused the next candidate and enough boroughs
# follow; else the first candidate after it), so the recursive CTE only follows that pointer within
# the group: one step per window, every group at once.
_WINDOWS = """
    nodes AS MATERIALIZED (
        SELECT a.gno, a.pos AS f, c.j AS stop,
               CASE WHEN c.next_cand IS NULL THEN NULL WHEN c.next_cand > c.j THEN c.next_cand
                    WHEN s.ok THEN c.j + 1 ELSE s.next_cand END AS nxt
        FROM marks a
        JOIN marks c ON c.pos = least(a.cap_last, a.isl_last)
        JOIN marks s ON s.pos = c.j
        WHERE a.island IS NOT NULL
    ),
    chain(gno, f, stop, nxt) AS (
        SELECT n.gno, n.f, n.stop, n.nxt
        FROM nodes n JOIN (SELECT gno, min(pos) AS f FROM marks WHERE cand GROUP BY gno) s ON n.f = s.f
        UNION ALL
        SELECT n.gno, n.f, n.stop, n.nxt FROM chain ch JOIN nodes n ON n.f = ch.nxt AND n.gno = ch.gno
    ),"""

# ``summary``: what ranking, listing and loading need per window: its first and last contracts' sort
# keys, and ``ended`` when every contract in it has ended by ``dashboard.status`` (its end and its
# latest end with extensions both past).
_SUMMARY = f"""
    summary AS (
        SELECT * EXCLUDE (shifted), {_kept("start", "shifted")} AS procurement_start, last_end < ? AS ended FROM (
            SELECT w.gno, w.f, w.stop, any_value(g.grp) AS grp, min(r.e) AS start, max(r.e) AS "end",
                   bit_count(bit_or(r.bit)) AS boroughs, count(*) AS contracts, sum(coalesce(r.value, 0.0)) AS value,
                   min(r.e) + to_months(?) AS shifted, max(r.last_end) AS last_end,
                   arg_min(r.borough_code, r.pos) AS first_borough, arg_min(r.contract_id, r.pos) AS first_id,
                   arg_max(r.borough_code, r.pos) AS last_borough, arg_max(r.contract_id, r.pos) AS last_id
            FROM chain w JOIN groups g ON g.gno = w.gno JOIN rows r ON r.gno = w.gno AND r.pos BETWEEN w.f AND w.stop
            GROUP BY w.gno, w.f, w.stop
        )
    )"""


def _search(spec: Search, lead_months: int, today: date) -> tuple[str, list]:
    """The WITH clause of a search (``rows``, ``groups``, ``summary`` and the steps between), and its parameters."""
    if spec.min_boroughs < 1 or spec.window_months < 0:
        raise ValueError("min_boroughs must be at least 1 and window_months not negative")
    selection, params = _selection(spec)
    sql = f"WITH RECURSIVE chosen AS NOT MATERIALIZED ({selection}),{_ROWS}{_MARKS}{_WINDOWS}{_SUMMARY}"
    months, k = spec.window_months, spec.min_boroughs
    return sql, [*params, months, 2 * months, k, k, today, -lead_months]


# ordering of the windows by each rank (whitelist: the key of the URL picks one of these)
RANK_ORDER = {
    "boroughs": "boroughs DESC, value DESC, procurement_start",
    "value": "value DESC, boroughs DESC, procurement_start",
    "soonest": "procurement_start, boroughs DESC, value DESC",
}
SUMMARY_COLUMNS = (
    "grp", "start", "end", "procurement_start", "boroughs", "contracts", "value", "ended",
    "first_borough", "first_id", "last_borough", "last_id",
)  # fmt: skip
_COLUMNS = ", ".join(f'"{c}"' for c in SUMMARY_COLUMNS)


def ranked(
    cur: duckdb.DuckDBPyConnection, spec: Search, lead_months: int, today: date, rank: str, show_ended: bool, limit: int
) -> tuple[int, int, list[dict]]:
    """(windows, of which ended, the first ``limit`` listed in the order ``rank`` says), in one query.

    Listed: those that have not ended, or all when ``show_ended``. The listed ones sort first, so
    the counts ride on the rows even when none is listed.
    """
    order = RANK_ORDER[rank]  # KeyError for anything not whitelisted
    sql, params = _search(spec, lead_months, today)
    rows = cur.execute(
        f"""{sql}
        SELECT {_COLUMNS}, count(*) OVER () AS n, count(*) FILTER (WHERE ended) OVER () AS n_ended,
               ? OR NOT ended AS listed
        FROM summary ORDER BY listed DESC, {order}, grp, start LIMIT ?""",
        [*params, bool(show_ended), limit],
    ).fetchall()
    total, ended = (rows[0][-3], rows[0][-2]) if rows else (0, 0)
    width = len(SUMMARY_COLUMNS)
    return total, ended, [dict(zip(SUMMARY_COLUMNS, r[:width], strict=True)) for r in rows if r[-1]]


def in_order(cur: duckdb.DuckDBPyConnection, spec: Search, lead_months: int, today: date) -> list[dict]:
    """Every window of a search, by group then first end date (the order ``find_windows`` gives)."""
    sql, params = _search(spec, lead_months, today)
    rows = cur.execute(f"{sql} SELECT {_COLUMNS} FROM summary ORDER BY grp, start", params).fetchall()
    return [dict(zip(SUMMARY_COLUMNS, r, strict=True)) for r in rows]


_FROM_FIRST = (
    "(c.e > w.e1 OR (c.e = w.e1 AND (c.borough_code > w.b1 OR (c.borough_code = w.b1 AND c.contract_id >= w.id1))))"
)
_TO_LAST = (
    "(c.e < w.e2 OR (c.e = w.e2 AND (c.borough_code < w.b2 OR (c.borough_code = w.b2 AND c.contract_id <= w.id2))))"
)


def members(cur: duckdb.DuckDBPyConnection, spec: Search, windows: Sequence[dict]) -> list[tuple[int, Contract]]:
    """(index in ``windows``, contract) for the contracts of ``windows`` (rows of ``ranked`` or ``in_order``),
    in order: in its group, a window holds the contracts from its first one's sort key to its last one's."""
    if not windows:
        return []
    keys = ("grp", "start", "first_borough", "first_id", "end", "last_borough", "last_id")
    selection, params = _selection(spec)
    rows = cur.execute(
        f"""
        WITH w AS (
            SELECT unnest(?) AS i, unnest(?) AS grp, unnest(?) AS e1, unnest(?) AS b1, unnest(?) AS id1,
                   unnest(?) AS e2, unnest(?) AS b2, unnest(?) AS id2
        )
        SELECT w.i, c.contract_id, c.grp, c.borough_code, c.e, c.base_end, c.max_end, c.supplier, c.system,
               c.annual_value
        FROM ({selection}) c JOIN w ON c.grp = w.grp
        WHERE {_FROM_FIRST} AND {_TO_LAST}
        ORDER BY w.i, c.e, c.borough_code, c.contract_id
        """,
        [list(range(len(windows))), *([w[k] for w in windows] for k in keys), *params],
    ).fetchall()
    return [(row[0], Contract(*row[1:])) for row in rows]


def in_windows(
    cur: duckdb.DuckDBPyConnection, spec: Search, lead_months: int, today: date, ids: Sequence[str]
) -> set[tuple[str, str]]:
    """(group, contract id) of the contracts among ``ids`` that are in one of the search's windows."""
    sql, params = _search(spec, lead_months, today)
    rows = cur.execute(
        f"""{sql}
        SELECT s.grp, r.contract_id FROM summary s JOIN rows r ON r.gno = s.gno AND r.pos BETWEEN s.f AND s.stop
        WHERE list_contains(?, r.contract_id)""",
        [*params, list(ids)],
    ).fetchall()
    return set(rows)


def unknown_end(
    cur: duckdb.DuckDBPyConnection, spec: Search, groups: Sequence[str] | None = None
) -> tuple[int, list[Contract]]:
    """The contracts with no end date to place: how many in every group, and those of ``groups`` (None: all)."""
    selection, params = _selection(spec, known=False)
    total, rows = cur.execute(
        f"""
        SELECT count(*), list((contract_id, grp, borough_code, e, base_end, max_end, supplier, system, annual_value)
                              ORDER BY grp, borough_code, contract_id) FILTER (WHERE ? OR list_contains(?, grp))
        FROM ({selection})
        """,
        [groups is None, list(groups or []), *params],
    ).fetchone()
    return total, [Contract(*row) for row in rows or []]


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
