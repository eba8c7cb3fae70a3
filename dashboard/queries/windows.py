"""The joint procurement window search in DuckDB, and the rows of the "my borough" comparison.

``window_contracts`` gives one small row per contract (``Contract``) for one grouping: the
plain-Python search (``dashboard.logic.windows.find_windows``) runs over them, and the tests
compare it with the SQL search here, which gives exactly the same windows.

The SQL search (``search``) keeps the contracts in DuckDB. A window always holds whole days of
its group (every contract of the group ending on a date it holds), so the search first folds the
contracts into one row per group and end date (``slots``: a bit per borough, counts and sums) and
numbers those in the algorithm's order (``pos``). Window functions find, for each day, the last
one within ``window_months`` (``j``, RANGE frames on the month-end rule of
``etl.reference.add_months``) and whether that stretch holds ``min_boroughs`` boroughs (the bits
OR-ed over the frame): the candidate stretches. Merging overlapping stretches, capped at twice
``window_months``, is sequential, so a recursive CTE takes one step per window (all groups at
once), jumping over the candidates a window absorbs. One statement returns every window, summed
up; ``drawn`` then counts what the cards on screen say and loads only the contracts they name, and
``contents`` every contract of the windows asked for (the exports) and those with no end date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import duckdb

from dashboard.queries import Filters, where_clause
from etl import reference

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


def _kept(day: str, shifted: str) -> str:
    """``etl.reference.add_months`` in SQL: ``shifted`` is ``day + to_months(n)``; a month end stays one."""
    return f"CASE WHEN {day} = last_day({day}) THEN last_day({shifted}) ELSE CAST({shifted} AS DATE) END"


def _selection(spec: Search, known: bool | None = True) -> tuple[str, list]:
    """The contracts a search is over (with an end date; ``known=False``: without; None: both), and its parameters."""
    column = GROUP_COLUMNS[spec.group_by]  # KeyError for anything not whitelisted
    where, params = where_clause(spec.filters)
    maker, maker_params = manufacturer_condition(spec.manufacturers)
    end = "coalesce(max_end_date, end_date)" if spec.extensions == "max" else "end_date"
    dated = "" if known is None else f"AND {end} IS {'NOT NULL' if known else 'NULL'}"
    sql = f"""
        SELECT contract_id, {column} AS grp, borough_code, {end} AS e, end_date AS base_end, max_end_date AS max_end,
               supplier_name AS supplier, system_name AS system, annual_value
        FROM contracts
        WHERE {where} AND {maker} AND borough_code IS NOT NULL AND {column} IS NOT NULL AND stage = 'contract'
          {dated}"""
    return sql, [*params, *maker_params]


def borough_codes() -> tuple[str, ...]:
    """The authorities in the order of their bits in a search's borough masks (``mask``)."""
    return tuple(b.code for b in reference.boroughs())


# ``slots``: a window always holds every contract of its group that ends on a date it holds (a stretch
# reaches to the last contract ending by its limit, and the contracts of one day that could start a
# window all start the same one), so the search runs over the days of each group, not its contracts:
# numbered in order (``pos``: group, end date), each with its group's number, a bit per borough that
# has a contract ending that day (``bit``), what the summary adds up, and the last end date a window
# starting that day may reach (``lim``) and be merged up to (``cap``). The systems are listed only for a
# manufacturer's windows, the one grouping whose links need them (it is not a filter of the other views):
# listing them costs as much as the rest of the search.
_SYSTEMS = "list(DISTINCT system) FILTER (WHERE system IS NOT NULL)"
# per day: the latest end of its contracts (extensions taken), their first and last contract end dates (by
# contract end dates, the day itself)
_ENDS = (
    "max(greatest(e, coalesce(max_end, e))) AS last_end, e AS base_low, e AS base_high",
    "max(greatest(coalesce(base_end, e), coalesce(max_end, base_end, e))) AS last_end, "
    "min(coalesce(base_end, e)) AS base_low, max(coalesce(base_end, e)) AS base_high",
)
_SLOTS = f"""
    slots AS MATERIALIZED (
        SELECT * EXCLUDE (lim_raw, cap_raw), {_kept("e", "lim_raw")} AS lim, {_kept("e", "cap_raw")} AS cap
        FROM (
            SELECT row_number() OVER (ORDER BY grp, e) AS pos, dense_rank() OVER (ORDER BY grp) AS gno, *,
                   e + to_months(?) AS lim_raw, e + to_months(?) AS cap_raw
            FROM (
                SELECT grp, e, bit_or(CASE WHEN b > 0 THEN CAST(1 AS BIGINT) << (b - 1)
                                      ELSE error('a borough code the window search does not know') END) AS bit,
                       count(*) AS n, sum(coalesce(annual_value, 0.0)) AS value,
                       {{ends}},
                       {{systems}} AS systems
                FROM (SELECT *, list_position(?, borough_code) AS b FROM chosen)
                GROUP BY grp, e
            )
        )
    ),"""

# ``marks``: per day, the last one of its stretch (``j``; ``j2``: the last one ending by its cap: integer RANGE
# frames over ``day``, the group's number and the date as one number, its groups 10^8 days apart, measured
# cheaper than frames over dates partitioned by group) and
# whether the stretch holds enough boroughs (``cand``); then what a window starting that day would be:
# the last candidate it may absorb (``cstar``: before the cap, ``cap_last``, and before the run of
# overlapping stretches ends, ``isl_last``), the next candidate (``next_cand``) and whether a window
# refused by the cap here could restart just after (``ok``: the stretch from the next day to the last
# candidate's ``j`` holds enough boroughs). Dates are looked up with RANGE frames whose offsets are each
# row's own (``lim - e``, in days); a candidate ``c`` stays within the cap of ``f`` when ``j`` of ``c`` is at most
# ``j2`` of ``f``. Frames over the whole ordering (not per group: measured cheaper, one sort each) reach
# into the previous group only for days before a group's first candidate, which never start a window.
_MARKS = """
    reach AS (
        SELECT gno, pos, bit,
               max(pos) OVER (ORDER BY day RANGE BETWEEN CURRENT ROW AND lim - e FOLLOWING) AS j,
               max(pos) OVER (ORDER BY day RANGE BETWEEN CURRENT ROW AND cap - e FOLLOWING) AS j2
        FROM (SELECT *, gno * 100000000 + (e - DATE '1970-01-01') AS day FROM slots)
    ),
    marked AS (
        SELECT *, bit_count(bit_or(bit) OVER (ORDER BY pos ROWS BETWEEN CURRENT ROW AND j - pos FOLLOWING)) >= ?
                  AS cand
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
                   ORDER BY pos
                   ROWS BETWEEN 1 FOLLOWING AND greatest(coalesce(jl, 0) - pos, 0) FOLLOWING)) >= ?,
                   false) AS ok
        FROM runs
    ),
    marks AS MATERIALIZED (
        SELECT gno, pos, j, cand, next_cand, island, cap_last, ok,
               max(CASE WHEN cand THEN pos END) OVER (PARTITION BY island) AS isl_last
        FROM islands
    ),"""

# ``chain``: one row per window (group, first and last day). Each day that may start a window (``nodes``)
# knows its window's last day and where the next window starts (the next candidate after a gap; just
# after this window when the cap refused the next candidate and enough boroughs follow; else the first
# candidate after it), so the recursive CTE only follows that pointer within the group: one step per
# window, every group at once (a few hundred rows: well under a millisecond of the search).
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
    )"""

# One row per window: what listing, ranking, shading and loading it need (``FOUND_COLUMNS``).
FOUND_COLUMNS = (
    "grp", "start", "end", "mask", "contracts", "value", "last_end", "base_low", "base_high", "systems",
)  # fmt: skip
_FOUND = """
    SELECT any_value(s.grp), min(s.e), max(s.e), bit_or(s.bit), sum(s.n), sum(s.value), max(s.last_end),
           min(s.base_low), max(s.base_high),
           list_sort(list_distinct(flatten(list(s.systems) FILTER (s.systems IS NOT NULL))))
    FROM chain w JOIN slots s ON s.gno = w.gno AND s.pos BETWEEN w.f AND w.stop
    GROUP BY w.gno, w.f
    ORDER BY any_value(s.grp), min(s.e)"""


def search_sql(spec: Search) -> tuple[str, list]:
    """The statement of a search and its parameters: what it returns depends on nothing else (and the build)."""
    if spec.min_boroughs < 1 or spec.window_months < 0:
        raise ValueError("min_boroughs must be at least 1 and window_months not negative")
    selection, params = _selection(spec)
    systems = _SYSTEMS if spec.group_by == "manufacturer" else "CAST(NULL AS VARCHAR[])"
    slots = _SLOTS.format(systems=systems, ends=_ENDS[spec.extensions == "max"])
    sql = f"WITH RECURSIVE chosen AS NOT MATERIALIZED ({selection}),{slots}{_MARKS}{_WINDOWS}{_FOUND}"
    months, k = spec.window_months, spec.min_boroughs
    return sql, [*params, months, 2 * months, list(borough_codes()), k, k]


def search(cur: duckdb.DuckDBPyConnection, spec: Search) -> list[tuple]:
    """Every window of a search (rows of ``FOUND_COLUMNS``), by group then first end date, in one statement.

    ``mask`` has bit ``i`` for ``borough_codes()[i]``; ``base_low``/``base_high`` are its contracts' first and
    last contract end dates (without extensions); ``last_end`` the latest end of any, extensions taken.
    """
    return searched(cur, *search_sql(spec))


def searched(cur: duckdb.DuckDBPyConnection, sql: str, params: Sequence) -> list[tuple]:
    """The rows of a search's statement and parameters (``search_sql``): for a caller keyed on them."""
    return cur.execute(sql, list(params)).fetchall()


def contents(
    cur: duckdb.DuckDBPyConnection, spec: Search, windows: Sequence[tuple[str, date, date]], groups: Sequence[str]
) -> tuple[list[tuple[int, Contract]], list[Contract]]:
    """(index in ``windows``, contract) for the contracts of ``windows`` ((group, first, last end date) of the
    search's), in order, and the contracts of ``groups`` with no end date, by group: one statement, which
    reads only the contracts of ``groups`` (every window's group must be one of them).

    A window holds every contract of its group ending from its first end date to its last.
    """
    selection, params = _selection(spec, known=None)
    rows = cur.execute(
        f"""
        WITH w AS (
            SELECT unnest(CAST(? AS BIGINT[])) AS i, unnest(CAST(? AS VARCHAR[])) AS grp,
                   unnest(CAST(? AS DATE[])) AS e1, unnest(CAST(? AS DATE[])) AS e2
        ),
        c AS (SELECT * FROM ({selection}) WHERE list_contains(?, grp))
        SELECT w.i, c.* FROM c JOIN w ON c.grp = w.grp AND c.e BETWEEN w.e1 AND w.e2
        UNION ALL
        SELECT NULL, c.* FROM c WHERE c.e IS NULL
        ORDER BY 1 NULLS LAST, grp, e, borough_code, contract_id
        """,
        [list(range(len(windows))), *(list(column) for column in zip(*windows, strict=True)), *params, list(groups)]
        if windows
        else [[], [], [], [], *params, list(groups)],
    ).fetchall()
    found = [(row[0], Contract(*row[1:])) for row in rows if row[0] is not None]
    return found, [Contract(*row[1:]) for row in rows if row[0] is None]


# ``drawn``: what the cards on screen need, counted and summed in DuckDB so that only what they draw
# leaves it. ``m``: every contract of the windows (``w``: index, group, first and last end date);
# ``moved``: those in a window only because their extensions are taken (with a later latest end,
# their contract end date in none of the group's windows by contract end dates, ``b``); ``facts``:
# per window its counts and the first names of its suppliers and systems; then per window its first
# contracts by end date and the moved ones, and per group its first contracts with no end date.
_DRAWN = """
    WITH w AS (
        SELECT unnest(CAST(? AS BIGINT[])) AS i, unnest(CAST(? AS VARCHAR[])) AS grp,
               unnest(CAST(? AS DATE[])) AS e1, unnest(CAST(? AS DATE[])) AS e2
    ),
    b AS (
        SELECT unnest(CAST(? AS VARCHAR[])) AS grp, unnest(CAST(? AS DATE[])) AS e1, unnest(CAST(? AS DATE[])) AS e2
    ),
    c AS MATERIALIZED (SELECT * FROM ({selection}) WHERE list_contains(?, grp)),
    m AS MATERIALIZED (
        SELECT w.i, c.*, row_number() OVER (PARTITION BY w.i ORDER BY c.e, c.borough_code, c.contract_id) AS r,
               {moved} AS moved
        FROM c JOIN w ON c.grp = w.grp AND c.e BETWEEN w.e1 AND w.e2
    ),
    facts AS MATERIALIZED (
        SELECT i, n, valued, len(suppliers) AS n_suppliers, suppliers[1:?] AS suppliers,
               len(systems) AS n_systems, systems[1:?] AS systems
        FROM (
            SELECT i, count(*) AS n, count(annual_value) AS valued,
                   coalesce(list_sort(list(DISTINCT supplier) FILTER (supplier <> '')), []) AS suppliers,
                   coalesce(list_sort(list(DISTINCT system) FILTER (system <> '')), []) AS systems
            FROM m GROUP BY i
        )
    ),
    u AS (
        SELECT c.*, row_number() OVER (PARTITION BY grp ORDER BY borough_code, contract_id) AS r,
               count(*) OVER (PARTITION BY grp) AS n
        FROM c WHERE c.e IS NULL
    )
    SELECT m.i, m.moved, f.n, f.valued, f.n_suppliers, f.suppliers, f.n_systems, f.systems, m.* EXCLUDE (i, r, moved)
    FROM m JOIN facts f USING (i) WHERE m.r <= ? OR m.moved
    UNION ALL
    SELECT NULL, NULL, u.n, NULL, NULL, NULL, NULL, NULL, u.* EXCLUDE (r, n) FROM u WHERE u.r <= ?
    ORDER BY 1 NULLS LAST, grp, e, borough_code, contract_id"""
_MOVED = """c.max_end > c.base_end
    AND NOT EXISTS (SELECT 1 FROM b WHERE b.grp = c.grp AND c.base_end BETWEEN b.e1 AND b.e2)"""


@dataclass(frozen=True)
class Drawn:
    """What a search's ``drawn`` says: per window (index) its facts, its first contracts (``rows``) and
    those only in it with extensions (``moved``); per group its first contracts with no end date."""

    facts: dict[int, tuple[int, int, int, tuple[str, ...], int, tuple[str, ...]]]
    rows: dict[int, list[Contract]]
    moved: dict[int, list[Contract]]
    unknown: dict[str, tuple[int, list[Contract]]]


def drawn(
    cur: duckdb.DuckDBPyConnection,
    spec: Search,
    windows: Sequence[tuple[str, date, date]],
    base: Sequence[tuple[str, date, date]] | None,
    most: tuple[int, int, int],
) -> Drawn:
    """What the cards of ``windows`` ((group, first, last end date) of the search's) draw, in one statement:
    ``facts`` (contracts, with a value, suppliers and their first ``most[0]``, systems and theirs), the first
    ``most[1]`` contracts by end date, the moved ones (``base``: the windows by contract end dates of the
    same groups, None when no extensions are used), and the first ``most[2]`` contracts with no end date."""
    selection, params = _selection(spec, known=None)
    spans = [list(column) for column in zip(*windows, strict=True)] if windows else [[], [], []]
    bases = [list(column) for column in zip(*(base or []), strict=True)] if base else [[], [], []]
    groups = sorted({w[0] for w in windows})
    named, shown, unknown = most
    rows = cur.execute(
        _DRAWN.format(selection=selection, moved="FALSE" if base is None else _MOVED),
        [list(range(len(windows))), *spans, *bases, *params, groups, named, named, shown, unknown],
    ).fetchall()
    out = Drawn({}, defaultdict(list), defaultdict(list), {})
    for i, moved, n, valued, n_suppliers, suppliers, n_systems, systems, *contract in rows:
        c = Contract(*contract)
        if i is None:
            out.unknown.setdefault(c.group, (n, []))[1].append(c)
            continue
        out.facts[i] = (n, valued, n_suppliers, tuple(suppliers), n_systems, tuple(systems))
        if moved:
            out.moved[i].append(c)
        if len(out.rows[i]) < shown:
            out.rows[i].append(c)
    return out
