"""SQL of the systems view: which systems the boroughs run, and who runs a given one.

All conditions come from ``where_clause`` (bound values, through ``view_where``); the only identifiers put into SQL
are the score columns of ``SCORES``, a whitelist. Results are aggregates or, for the chosen
systems, one row per contract: a system is run by at most a few dozen authorities, and the
list is capped all the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import duckdb

from dashboard.queries import END_COLUMN, Filters, _values, where_clause

RANKING_LIMIT = 25  # systems listed per page when none is chosen
DETAIL_LIMIT = 25  # contracts listed per page for the chosen systems
# Survey scores shown for a system: key -> (column of ``contracts``, label). A whitelist.
SCORES: dict[str, tuple[str, str]] = {
    "confidence": ("confidence", "Confidence"),  # in supporting the system (survey question)
    "satisfaction": ("satisfaction", "Satisfaction"),
}
SCALE = (1, 2, 3, 4, 5)


# ``dashboard.status``'s "ended" in SQL: the end and the latest end with extensions have both passed
# (greatest() skips a NULL; no end date at all is "unknown", never ended). Bound: today.
ENDED_SQL = "coalesce(greatest(end_date, max_end_date) < ?, false)"
LIVE_ON = "live_on"  # filter key (never in a URL): hide the contracts ended before this date


def view_where(filters: Filters | None = None) -> tuple[str, list]:
    """``where_clause``, less the contracts ended before ``filters['live_on']`` when it is set.

    The market views (systems, suppliers, timeline) show what can still be acted on by default;
    their logic sets ``live_on`` unless the URL says ``ended=show``.
    """
    where, params = where_clause(filters)
    today = (filters or {}).get(LIVE_ON)
    if not isinstance(today, date):
        return where, params
    return f"{where} AND NOT {ENDED_SQL}", [*params, today]


def chosen_systems(filters: Filters | None) -> list[str]:
    """The systems named in the URL (``system``, repeatable), in the order given, without repeats."""
    return list(dict.fromkeys(_values((filters or {}).get("system"))))


def without(filters: Filters | None, *keys: str) -> dict:
    """The filters less some keys: the population a selection is compared with."""
    return {k: v for k, v in (filters or {}).items() if k not in keys}


RANKING_KEYS = ("system", "boroughs", "contracts", "suppliers", "earliest_end", "latest_end", "confidence",
                "confidence_n", "satisfaction", "satisfaction_n")  # fmt: skip


def ranking(
    cur: duckdb.DuckDBPyConnection, filters: Filters | None = None, limit: int = RANKING_LIMIT, offset: int = 0
) -> dict:
    """Systems by how many boroughs use them, then by contracts: ``limit`` from rank ``offset + 1``
    (a page of the list); ``total`` counts all systems.

    Averages are over the contracts that carry a score (survey answers); ``*_n`` says how many.
    In the same statement, for the ranking page's head: ``in_data``, the authorities with any
    contract under the filters (``boroughs_in_data`` when no system is chosen), and, with
    ``live_on``, ``ended``, the ended contracts of a system left out.
    """
    where, params = where_clause(filters)
    today = (filters or {}).get(LIVE_ON)
    live, live_params = (f"NOT {ENDED_SQL}", [today]) if isinstance(today, date) else ("TRUE", [])
    pairs = ", ".join(f"'{k}': {k}" for k in RANKING_KEYS)
    (page, total, in_data, ended) = cur.execute(
        f"""
        WITH f AS (SELECT system_name, borough_code, supplier_name, {END_COLUMN} AS ends, confidence,
                          satisfaction, {live} AS live FROM contracts WHERE {where}),
        g AS (SELECT system_name AS system, count(DISTINCT borough_code) AS boroughs, count(*) AS contracts,
                     count(DISTINCT supplier_name) AS suppliers, min(ends) AS earliest_end, max(ends) AS latest_end,
                     avg(confidence) AS confidence, count(confidence) AS confidence_n,
                     avg(satisfaction) AS satisfaction, count(satisfaction) AS satisfaction_n
              FROM f WHERE live AND system_name IS NOT NULL GROUP BY system_name),
        p AS (SELECT * FROM g ORDER BY boroughs DESC, contracts DESC, system LIMIT ? OFFSET ?)
        SELECT (SELECT list({{{pairs}}} ORDER BY boroughs DESC, contracts DESC, system) FROM p),
               (SELECT count(*) FROM g), (SELECT count(DISTINCT borough_code) FROM f WHERE live),
               (SELECT count(*) FROM f WHERE NOT live AND system_name IS NOT NULL)
        """,
        [*live_params, *params, limit, offset],
    ).fetchone()
    return {"rows": page or [], "total": total, "in_data": in_data, "ended": ended}


# The chosen systems' numbers in one statement (``detail``): their contracts read once (``c``, ended or
# not, with ``live``; ``p``, the live ones), and the authorities with any live contract under the
# other filters (``b``). Five statements were about 5 x 2 ms of planning alone.

DETAIL_PARTS = ("contracts", "systems", "in_data", "ended", "scores")
DETAIL_KEYS = ("system", "borough_code", "supplier", "title", "start_date", "end_date", "max_end_date",
               "annual_value", "confidence", "satisfaction", "contract_id")  # fmt: skip
_SCORES_SQL = " UNION ALL ".join(
    f"SELECT system_name AS system, '{key}' AS measure, {column} AS score, count(*) AS n FROM p GROUP BY ALL"
    for key, (column, _label) in SCORES.items()
)
_DETAIL_SQL = {
    "contracts": f"""(SELECT {{'rows': list(x ORDER BY x.end_date NULLS LAST, x.system, x.borough_code, x.contract_id),
                            'total': (SELECT count(*) FROM p)}} FROM (
            SELECT system_name AS system, borough_code, supplier_name AS supplier, title, start_date,
                   {END_COLUMN} AS end_date, max_end_date, annual_value, confidence, satisfaction, contract_id
            FROM p ORDER BY {END_COLUMN} NULLS LAST, system_name, borough_code, contract_id
            LIMIT $limit OFFSET $offset) AS x)""",
    "systems": f"""(SELECT list(g ORDER BY g.boroughs DESC, g.contracts DESC, g.system) FROM (
            SELECT system_name AS system, count(DISTINCT borough_code) AS boroughs, count(*) AS contracts,
                   count(DISTINCT supplier_name) AS suppliers, min({END_COLUMN}) AS earliest_end,
                   max({END_COLUMN}) AS latest_end, avg(confidence) AS confidence, count(confidence) AS confidence_n,
                   avg(satisfaction) AS satisfaction, count(satisfaction) AS satisfaction_n
            FROM p GROUP BY system_name) AS g)""",
    "in_data": "(SELECT count(DISTINCT borough_code) FROM b)",
    "ended": "(SELECT count(*) FROM c WHERE NOT live)",
    "scores": f"(SELECT list(s ORDER BY s.system, s.measure, s.score NULLS LAST) FROM ({_SCORES_SQL}) AS s)",
}


def detail(
    cur: duckdb.DuckDBPyConnection,
    filters: Filters,
    parts: Sequence[str] = DETAIL_PARTS,
    *,
    limit: int = DETAIL_LIMIT,
    offset: int = 0,
) -> dict:
    """The chosen systems' (``filters['system']``) ``parts``, in one statement: ``rows``, a page of their
    contracts soonest end first (one row per contract, so a borough running a system under two
    contracts shows both), and ``total``, how many (``contracts``); ``systems``, a ``ranking`` row per
    system; ``in_data``, ``boroughs_in_data``; ``ended``, with ``live_on``, their ended contracts left
    out; ``scores``, ``score_counts``.
    """
    today = (filters or {}).get(LIVE_ON)
    live, live_params = (f"NOT {ENDED_SQL}", [today]) if isinstance(today, date) else ("TRUE", [])
    where, params = where_clause(filters)
    ctes = [
        f"""c AS (SELECT system_name, borough_code, supplier_name, title, start_date, {END_COLUMN}, max_end_date,
                             annual_value, confidence, satisfaction, contract_id, {live} AS live
                      FROM contracts WHERE {where} AND system_name IS NOT NULL),
                p AS (SELECT * FROM c WHERE live)"""
    ]
    args = [*live_params, *params]
    if "in_data" in parts:
        b_where, b_params = view_where(without(filters, "system"))
        ctes.append(f"b AS (SELECT borough_code FROM contracts WHERE {b_where})")
        args += b_params
    columns = ", ".join(f"{_DETAIL_SQL[part]} AS {part}" for part in parts)
    columns = columns.replace("$limit", f"{int(limit):d}").replace("$offset", f"{int(offset):d}")
    row = dict(zip(parts, cur.execute(f"WITH {', '.join(ctes)} SELECT {columns}", args).fetchone(), strict=True))
    out = {k: v for k, v in row.items() if k != "contracts"}
    for part in {"systems", "scores"} & out.keys():
        out[part] = out[part] or []  # a list of no rows is NULL
    if "contracts" in row:
        out |= {"rows": row["contracts"]["rows"] or [], "total": row["contracts"]["total"]}
    return out


def system_contracts(
    cur: duckdb.DuckDBPyConnection, filters: Filters, limit: int = DETAIL_LIMIT, offset: int = 0
) -> dict:
    """The contracts of the chosen systems, a page of them, and their ``total``: ``detail``'s ``contracts``."""
    if not chosen_systems(filters):
        return {"rows": [], "total": 0}
    return detail(cur, filters, ("contracts",), limit=limit, offset=offset)


def score_counts(cur: duckdb.DuckDBPyConnection, filters: Filters) -> list[dict]:
    """How many contracts of each chosen system gave each score (NULL score = not answered): ``detail``'s ``scores``."""
    if not chosen_systems(filters):
        return []
    return detail(cur, filters, ("scores",))["scores"]


def summarise_scores(counts: list[dict], systems: list[str]) -> list[dict]:
    """Mean, number of answers and distribution per (system, score) from ``score_counts`` rows.

    Pure, so the arithmetic is tested on its own. Systems with no contracts are left out.
    """
    out: dict[tuple[str, str], dict] = {}
    for r in counts:
        entry = out.setdefault(
            (r["system"], r["measure"]),
            {"system": r["system"], "measure": r["measure"], "label": SCORES[r["measure"]][1], "missing": 0,
             "distribution": dict.fromkeys(SCALE, 0)},
        )  # fmt: skip
        if r["score"] is None:
            entry["missing"] += r["n"]
        else:
            entry["distribution"][int(r["score"])] = entry["distribution"].get(int(r["score"]), 0) + r["n"]
    for entry in out.values():
        dist: Mapping[int, int] = entry["distribution"]
        n = sum(dist.values())
        entry["n"] = n
        entry["mean"] = sum(score * k for score, k in dist.items()) / n if n else None
    order = {name: i for i, name in enumerate(systems)}
    measures = list(SCORES)
    return sorted(out.values(), key=lambda e: (order.get(e["system"], len(order)), e["system"],
                                               measures.index(e["measure"])))  # fmt: skip


def boroughs_in_data(cur: duckdb.DuckDBPyConnection, filters: Filters | None = None) -> int:
    """How many authorities have any contract under the filters, whatever the system: ``detail``'s ``in_data``.

    The denominator of "11 of the 22 boroughs in the data use it": the surveys do not cover
    every borough, so a share of all 33 would understate use.
    """
    return detail(cur, filters or {}, ("in_data",))["in_data"]
