"""The joint procurement window search: in DuckDB (what the app runs) beside the Python algorithm it replaced.

Issue 14's budget is for the search over all service areas (the page's default): 100 ms at
London scale, 1 s at UK scale. The figures: the page's model (search, ranking, the page's
contracts) with contract end dates and with extensions (two searches), each grouping, the
plain-Python ``find_windows`` over every borough contract (the old path, kept as the test
oracle and for the report), and the /windows page through the real Dash endpoint over the
bench's filter sets. As the public, the default reader.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import duckdb

from bench import pages

SEARCH_BUDGET = {"London": 100.0, "UK": 1000.0}  # ms, the windows search over all service areas
REPEATS = 7  # each timing is a median of these (the Python search: fewer when it is slow)


def _times(fn, repeats: int) -> list[float]:
    fn()  # warm-up: the first query plans and pages in the file
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _public_cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    from dashboard.queries import access as public

    cur = con.cursor()
    public.make_public(cur)
    return cur


def search_figures(con: duckdb.DuckDBPyConnection, scale: int, label: str) -> list[dict]:
    """The search's own figures: the page model per grouping and end dates, and the Python search."""
    from dashboard.logic import windows as wl
    from dashboard.queries import windows as wq

    cur = _public_cursor(con)
    budget = SEARCH_BUDGET.get(label)
    out = [
        pages._figure("windows", "windows search (all service areas), SQL", scale,
                      _times(lambda: wl.model(cur, {}), REPEATS), "ms", budget),
        pages._figure("windows", "windows search (all service areas, with extensions), SQL", scale,
                      _times(lambda: wl.model(cur, {"extensions": "max"}), REPEATS), "ms", None),
    ]  # fmt: skip
    for group_by in ("system", "supplier", "manufacturer"):
        times = _times(lambda g=group_by: wl.model(cur, {"group_by": g}), REPEATS)
        out.append(pages._figure("windows", f"windows search by {group_by}, SQL", scale, times, "ms", None))

    def python() -> None:
        wl.find_windows(wq.window_contracts(cur, "service_area"))

    first = _times(python, 1)
    repeats = 1 if first[0] > 2000 else 3
    # the search as it was, for comparison: the budget is the SQL search's, not this one's
    out.append(pages._figure("windows", "windows search (all service areas), Python (before)", scale,
                             first + _times(python, repeats - 1) if repeats > 1 else first, "ms", None))  # fmt: skip
    cur.close()
    return out


def page_figures(db: Path, con: duckdb.DuckDBPyConnection, scale: int, label: str) -> list[dict]:
    """/windows through the pages router over the bench's filter sets (p50, p95, floor, bytes)."""
    from app import create_app

    app = create_app(db)
    client = app.server.test_client()
    deps = client.get("/_dash-dependencies").get_json()
    router = next(d for d in deps if pages.ROUTER in d["output"])
    bodies = [
        pages.callback_body(
            router,
            {"_pages_location.pathname": "/windows", "_pages_location.search": pages._search(f)},
            "_pages_location.pathname",
        )
        for f in pages.filter_sets(con)
    ]
    return pages.measure_endpoint(client, con, "windows page /windows", bodies, scale, label)


def run(db: Path, scale: int, label: str) -> list[dict]:
    """The window search's figures at one scale (``label``: London or UK, for the budgets)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return search_figures(con, scale, label) + page_figures(db, con, scale, label)
    finally:
        con.close()


if __name__ == "__main__":  # python -m bench.windows DB SCALE LABEL: a quick look
    import sys

    scale, label = (int(sys.argv[2]), sys.argv[3]) if len(sys.argv) > 3 else (0, "London")
    for f in run(Path(sys.argv[1]), scale, label):
        print(json.dumps(f))
