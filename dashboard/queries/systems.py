"""SQL of the systems view: which systems the boroughs run, and who runs a given one.

All conditions come from ``where_clause`` (bound values, through ``view_where``); the only identifiers put into SQL
are the score columns of ``SCORES``, a whitelist. Results are aggregates or, for the chosen
systems, one row per contract: a system is run by at most a few dozen authorities, and the
list is capped all the same.
"""

from __future__ import annotations

from collections.abc import Mapping
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


def ended_count(cur: duckdb.DuckDBPyConnection, filters: Filters | None, today: date, column: str = "TRUE") -> int:
    """How many contracts under the filters (all of them, ended or not) ended before ``today``.

    ``column``: a fixed condition of the caller (``system_name IS NOT NULL``), never input.
    """
    where, params = where_clause(filters)
    sql = f"SELECT count(*) FROM contracts WHERE {where} AND {column} AND {ENDED_SQL}"
    (n,) = cur.execute(sql, [*params, today]).fetchone()
    return n


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
    ``live_on``, ``ended``, the ended contracts of a system left out (``ended_count``).
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


def system_contracts(
    cur: duckdb.DuckDBPyConnection, filters: Filters, limit: int = DETAIL_LIMIT, offset: int = 0
) -> dict:
    """The contracts of the chosen systems (``filters['system']``), soonest end first, a page of them.

    One row per contract, so a borough running a system under two contracts shows both.
    ``total`` is the number of matching contracts before the cap.
    """
    if not chosen_systems(filters):
        return {"rows": [], "total": 0}
    where, params = view_where(filters)
    rows = cur.execute(
        f"""
        SELECT system_name, borough_code, supplier_name, title, start_date, {END_COLUMN}, max_end_date,
               annual_value, confidence, satisfaction, contract_id, count(*) OVER ()
        FROM contracts WHERE {where} AND system_name IS NOT NULL
        ORDER BY {END_COLUMN} NULLS LAST, system_name, borough_code, contract_id
        LIMIT ? OFFSET ?
        """,
        [*params, limit, offset],
    ).fetchall()
    keys = (
        "system",
        "borough_code",
        "supplier",
        "title",
        "start_date",
        "end_date",
        "max_end_date",
        "annual_value",
        "confidence",
        "satisfaction",
        "contract_id",
    )
    return {"rows": [dict(zip(keys, r[:-1], strict=True)) for r in rows], "total": rows[0][-1] if rows else 0}


def score_counts(cur: duckdb.DuckDBPyConnection, filters: Filters) -> list[dict]:
    """How many contracts of each chosen system gave each score (NULL score = not answered)."""
    if not chosen_systems(filters):
        return []
    where, params = view_where(filters)
    parts = [
        f"SELECT system_name, '{key}' AS measure, {column} AS score, count(*) AS n "
        f"FROM contracts WHERE {where} AND system_name IS NOT NULL GROUP BY system_name, {column}"
        for key, (column, _label) in SCORES.items()
    ]
    rows = cur.execute(
        " UNION ALL ".join(parts) + " ORDER BY system_name, measure, score NULLS LAST",
        params * len(parts),
    ).fetchall()
    return [{"system": s, "measure": m, "score": score, "n": n} for s, m, score, n in rows]


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
    """How many authorities have any contract under the filters, whatever the system.

    The denominator of "11 of the 22 boroughs in the data use it": the surveys do not cover
    every borough, so a share of all 33 would understate use.
    """
    where, params = view_where(without(filters, "system"))
    (n,) = cur.execute(f"SELECT count(DISTINCT borough_code) FROM contracts WHERE {where}", params).fetchone()
    return n
