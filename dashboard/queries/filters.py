"""Options of the filter bar: the values each filter can take, with counts, under the other filters.

Each list is computed with every *other* filter applied, so the lists narrow as filters are
set (pick a borough, and the suppliers are that borough's) while a filter's own choices stay
visible (pick one borough, and the others are still there to add). Values already selected
always stay in their list, with their count, even at zero, so a selection never vanishes.
"""

from __future__ import annotations

import duckdb

from dashboard.queries import FILTER_COLUMNS, SOURCE_CONDITIONS, Filters, _values, where_clause
from etl import reference

# Longest list shown per filter (most contracts first): a dropdown of more is not usable, and
# the search box finds the rest once other filters narrow the list.
OPTION_LIMIT = 1000


def _without(filters: Filters | None, key: str) -> dict:
    return {k: v for k, v in (filters or {}).items() if k != key}


def facet_counts(
    cur: duckdb.DuckDBPyConnection, filters: Filters | None, key: str, limit: int = OPTION_LIMIT
) -> dict[str, int]:
    """Value -> contracts for one list filter (``borough``, ``supplier``...), under the other filters."""
    column = FILTER_COLUMNS[key]  # KeyError for anything not whitelisted
    where, params = where_clause(_without(filters, key))
    rows = cur.execute(
        f"""
        SELECT {column}, count(*) AS n FROM contracts
        WHERE {where} AND {column} IS NOT NULL
        GROUP BY {column} ORDER BY n DESC, {column} LIMIT ?
        """,
        [*params, limit],
    ).fetchall()
    counts = dict(rows)
    missing = [v for v in _values((filters or {}).get(key)) if v not in counts]
    if missing:  # selected values that have no contracts under the other filters, or fell past the limit
        marks = ", ".join("?" for _ in missing)
        found = dict(
            cur.execute(
                f"SELECT {column}, count(*) FROM contracts WHERE {where} AND {column} IN ({marks}) GROUP BY {column}",
                [*params, *missing],
            ).fetchall()
        )
        counts.update({v: found.get(v, 0) for v in missing})
    return counts


def source_counts(cur: duckdb.DuckDBPyConnection, filters: Filters | None) -> dict[str, int]:
    """Contracts with survey records, with open-data records, and all, under the other filters."""
    where, params = where_clause(_without(filters, "source"))
    keys = list(SOURCE_CONDITIONS)
    row = cur.execute(
        f"SELECT {', '.join(f'count(*) FILTER (WHERE {SOURCE_CONDITIONS[k]})' for k in keys)}, count(*) "
        f"FROM contracts WHERE {where}",
        params,
    ).fetchone()
    return {**dict(zip(keys, row[:-1], strict=True)), "all": row[-1]}


def _option(label: str, value: str, n: int) -> dict:
    return {"label": f"{label} ({n:,})", "value": value}


def filter_options(cur: duckdb.DuckDBPyConnection, filters: Filters | None = None) -> dict[str, list[dict]]:
    """Dropdown options ``{"label": "Brent (42)", "value": "E09000005"}`` for each list filter.

    Boroughs are labelled with their names (values stay ONS codes); every list is in
    alphabetical order of its labels, which is what a person scanning a list expects.
    """
    names = reference.borough_names()
    out: dict[str, list[dict]] = {}
    for key in FILTER_COLUMNS:
        counts = facet_counts(cur, filters, key)
        if key == "borough":
            options = [_option(names.get(code, code), code, n) for code, n in counts.items()]
        else:
            options = [_option(value, value, n) for value, n in counts.items()]
        out[key] = sorted(options, key=lambda o: o["label"].casefold())
    return out
