"""Every page and callback through the real Dash endpoint, beside the floor: the same SQL on DuckDB.

For each view and each of about 30 varied filter sets, the page is rendered the way the browser
asks for it (a POST of Dash's pages-router callback) and the filter bar's callback is run for the
same URL. While a request runs, every statement it sends to DuckDB is recorded (``recording``);
afterwards the same statements are replayed on a plain cursor of the same kind (the public's, with
its members-only views), which is the floor a Dash app over DuckDB cannot beat. The figures: p50
and p95 of the request, p50 of its floor, their ratio, and the response bytes. As the public, the
default reader.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

PAGE_P95_BUDGET = {"London": 50.0, "UK": 150.0}  # ms, any page or callback, server-side
RATIO_BUDGET = 1.5  # callback time / its own DuckDB queries' time
ROUTER = "_pages_content.children"
FILTER_BAR = "filter-borough.value"


# --------------------------------------------------------------------------- recording the SQL


class _Recording:
    """A cursor that notes each statement and how long DuckDB took over it (execute + fetch)."""

    def __init__(self, cur: duckdb.DuckDBPyConnection, log: list):
        self._cur, self._log, self._entry = cur, log, None

    def execute(self, sql: str, params: object = None):
        start = time.perf_counter()
        self._cur.execute(sql, params) if params is not None else self._cur.execute(sql)
        self._entry = [sql, params, time.perf_counter() - start]
        self._log.append(self._entry)
        return self

    def _timed(self, name: str, *args):
        start = time.perf_counter()
        out = getattr(self._cur, name)(*args)
        if self._entry is not None:
            self._entry[2] += time.perf_counter() - start
        return out

    def fetchall(self):
        return self._timed("fetchall")

    def fetchone(self):
        return self._timed("fetchone")

    def fetchmany(self, size: int = 1):
        return self._timed("fetchmany", size)

    def __getattr__(self, name: str):
        return getattr(self._cur, name)


@contextlib.contextmanager
def recording() -> Iterator[list]:
    """While the block runs, every cursor ``dashboard.db`` hands out records into the list yielded."""
    from dashboard import cache, db

    log: list = []
    original = db.cursor

    @contextlib.contextmanager
    def cursor(path):
        with original(path) as cur:
            recorder = _Recording(cur, log)
            cache.bind(recorder, cache.build_of(cur))  # what is cached per build stays cached
            try:
                yield recorder
            finally:
                cache.unbind(recorder)

    db.cursor = cursor
    try:
        yield log
    finally:
        db.cursor = original


def floor_ms(con: duckdb.DuckDBPyConnection, statements: list) -> float:
    """The same statements replayed on a public cursor of the same database: DuckDB's own time."""
    from dashboard.queries import access as public

    cur = con.cursor()
    public.make_public(cur)
    start = time.perf_counter()
    for sql, params, _ in statements:
        (cur.execute(sql, params) if params is not None else cur.execute(sql)).fetchall()
    elapsed = (time.perf_counter() - start) * 1000
    cur.close()
    return elapsed


# --------------------------------------------------------------------------- what is asked for


def filter_sets(con: duckdb.DuckDBPyConnection, n: int = 30) -> list[dict]:
    """About ``n`` varied filter sets from the database's own most common values."""

    def top(column: str, k: int) -> list[str]:
        sql = f"SELECT {column} FROM contracts WHERE {column} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT ?"
        return [r[0] for r in con.execute(sql, [k]).fetchall()]

    sets: list[dict] = [{}]
    sets += [{"borough": [b]} for b in top("borough_code", 6)]
    sets += [{"supplier": [s]} for s in top("supplier_name", 5)]
    sets += [{"system": [s]} for s in top("system_name", 5)]
    sets += [{"service_area": [a]} for a in top("service_area", 5)]
    sets += [{"end_from": "2026-01-01", "end_to": "2027-12-31"}, {"end_from": "2028-01-01"}, {"q": "system"}]
    sets += [{"source": "survey"}, {"scope": "all"}]
    boroughs, areas = top("borough_code", 3), top("service_area", 3)
    sets += [{"borough": [b], "service_area": [a]} for b, a in zip(boroughs, areas, strict=False)]
    sets += [{"borough": boroughs[:3], "end_to": "2028-12-31"}]
    return sets[:n]


def _search(filters: dict) -> str:
    from urllib.parse import urlencode

    pairs = [(k, v) for k, vs in filters.items() for v in (vs if isinstance(vs, list) else [vs])]
    return "?" + urlencode(pairs) if pairs else ""


def _outputs(spec: str) -> object:
    if spec.startswith(".."):
        return [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in spec.strip(".").split("...")]
    i, p = spec.rsplit(".", 1)
    return {"id": i, "property": p}


def callback_body(dep: dict, values: dict, changed: str) -> dict:
    """A ``/_dash-update-component`` body for ``dep``, inputs and states from ``values`` (id.prop)."""

    def prop(x: dict) -> dict:
        return {**x, "value": values.get(f"{x['id']}.{x['property']}")}

    return {
        "output": dep["output"],
        "outputs": _outputs(dep["output"]),
        "inputs": [prop(x) for x in dep["inputs"]],
        "state": [prop(x) for x in dep["state"]],
        "changedPropIds": [changed],
    }


# --------------------------------------------------------------------------- measuring


def _figure(group: str, name: str, scale: int, values: list[float], unit: str, budget: float | None) -> dict:
    value = statistics.median(values) if values else 0.0
    spread = (max(values) - min(values)) / value if value else 0.0
    return {
        "group": group, "figure": name, "scale": scale, "value": round(value, 2), "unit": unit, "budget": budget,
        "met": None if budget is None else value <= budget, "runs": len(values), "spread": round(spread, 3),
    }  # fmt: skip


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else 0.0


def _time_request(client, con, body: dict) -> tuple[float, float, int]:
    """(request ms, floor ms, response bytes) of one callback POST."""
    with recording() as log:
        start = time.perf_counter()
        response = client.post("/_dash-update-component", json=body)
        elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{body['output'][:60]}: {response.status_code} {response.get_data(as_text=True)[:300]}")
    return elapsed, floor_ms(con, log), len(response.get_data())


def measure_endpoint(client, con, name: str, bodies: list[dict], scale: int, label: str) -> list[dict]:
    """p50/p95, floor, ratio and bytes of one endpoint over the bodies (each run once, after a warm-up)."""
    _time_request(client, con, bodies[0])
    runs = [_time_request(client, con, b) for b in bodies]
    times, floors, sizes = [r[0] for r in runs], [r[1] for r in runs], [r[2] for r in runs]
    budget = PAGE_P95_BUDGET.get(label)
    return [
        _figure("pages", f"{name}: p50", scale, times, "ms", None),
        {**_figure("pages", f"{name}: p95", scale, [p95(times)], "ms", budget), "runs": len(times)},
        _figure("pages", f"{name}: DuckDB floor p50", scale, floors, "ms", None),
        ratio_figure(name, scale, statistics.median(times), statistics.median(floors), len(times)),
        _figure("pages", f"{name}: response bytes p50", scale, [float(s) for s in sizes], "bytes", None),
    ]


FLOOR_MIN_MS = 1.0  # a floor below this is statements the per-build cache answered: no ratio to speak of


def ratio_figure(name: str, scale: int, p50: float, floor_p50: float, runs: int) -> dict:
    """The request's p50 over its statements' p50 (medians, not a median of per-request ratios: a
    request whose statements the per-build cache answered has a floor near 0, and its ratio means
    nothing). Without a floor worth the name, the figure says so and has no budget to meet."""
    if floor_p50 < FLOOR_MIN_MS:
        out = _figure("pages", f"{name}: ratio to floor", scale, [0.0], "x", None)
        return {**out, "runs": runs, "note": f"its statements mostly come from the per-build cache (floor p50 "
                f"{floor_p50:.2f} ms): no floor to compare with"}  # fmt: skip
    return {**_figure("pages", f"{name}: ratio to floor", scale, [p50 / floor_p50], "x", RATIO_BUDGET), "runs": runs}


def run(db: Path, scale: int, label: str) -> list[dict]:
    """Every page (pages router) and the filter bar callback over the filter sets, on ``db``."""
    from app import create_app
    from dashboard.views import ALL

    app = create_app(db)
    client = app.server.test_client()
    deps = client.get("/_dash-dependencies").get_json()
    router = next(d for d in deps if ROUTER in d["output"])
    bar = next(d for d in deps if FILTER_BAR in d["output"])
    con = duckdb.connect(str(db), read_only=True)
    sets = filter_sets(con)
    sql = "SELECT borough_code FROM contracts WHERE borough_code IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    (code,) = con.execute(sql).fetchone()
    out = []
    for view in ALL:
        path = view.path.replace("<code>", code)
        pages = [{"_pages_location.pathname": path, "_pages_location.search": _search(f)} for f in sets]
        out += measure_endpoint(client, con, f"page {view.path}", [callback_body(router, v, "_pages_location.pathname")
                                                                   for v in pages], scale, label)  # fmt: skip
    bars = [{"url.search": _search(f), "url.pathname": "/contracts"} for f in sets]
    out += measure_endpoint(client, con, "callback filter bar", [callback_body(bar, v, "url.search") for v in bars],
                            scale, label)  # fmt: skip
    con.close()
    return out


if __name__ == "__main__":  # python -m bench.pages DB: a quick look
    import sys

    for f in run(Path(sys.argv[1]), 0, "London"):
        print(json.dumps(f))
