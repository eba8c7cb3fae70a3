"""The usual Dash pattern, over the same database, timed the same way: the bench's yardstick.

Every contract loaded into pandas when the app starts, a callback on the URL that filters the
frame by the five URL filters (borough, supplier, system, service area, end dates) and draws
three Plotly Express figures and a table of the first 100 rows, as tutorials build it. City
Tools' pages are compared with its callback over the same filter sets.

In the browser a third app is timed beside the two: the smallest Dash app that draws one chart
from the URL (no data, plotly.js's basic bundle, as City Tools serves it). What it takes to settle
is what every Dash page pays before drawing anything of its own (React, the renderer, plotly.js),
so it shows how near the filtered-URL budget (half the usual pattern's time) a Dash app can get.
"""

from __future__ import annotations

import contextlib
import resource
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import duckdb

COLUMNS = "contract_id, borough_code, supplier_name, system_name, service_area, title, end_date, annual_value"


def create_peer(db: Path):
    """(the Dash app, seconds it took to start): pandas in memory, plotly express."""
    import dash
    import pandas as pd
    import plotly.express as px
    from dash import Input, Output, dash_table, dcc, html

    start = time.perf_counter()
    with duckdb.connect(str(db), read_only=True) as con:
        frame = con.execute(f"SELECT {COLUMNS} FROM contracts").df()
    frame["end_date"] = pd.to_datetime(frame["end_date"])
    app = dash.Dash(__name__)
    app.layout = html.Div([dcc.Location(id="url"), html.Div(id="peer-out")])

    @app.callback(Output("peer-out", "children"), Input("url", "search"))
    def draw(search):
        q = parse_qs((search or "").lstrip("?"))
        view = frame
        for key, column in (("borough", "borough_code"), ("supplier", "supplier_name"), ("system", "system_name"),
                            ("service_area", "service_area")):  # fmt: skip
            if q.get(key):
                view = view[view[column].isin(q[key])]
        if q.get("end_from"):
            view = view[view["end_date"] >= pd.Timestamp(q["end_from"][0])]
        if q.get("end_to"):
            view = view[view["end_date"] <= pd.Timestamp(q["end_to"][0])]
        by_area = view.groupby("service_area", dropna=False).size().reset_index(name="contracts")
        by_supplier = view.groupby("supplier_name").size().nlargest(15).reset_index(name="contracts")
        figures = [
            px.bar(by_area, x="contracts", y="service_area", orientation="h"),
            px.bar(by_supplier, x="contracts", y="supplier_name", orientation="h"),
            px.histogram(view, x="end_date"),
        ]
        table = view.sort_values("end_date").head(100).astype(str).to_dict("records")
        return [*(dcc.Graph(figure=f) for f in figures), dash_table.DataTable(data=table)]

    return app, time.perf_counter() - start


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(db: Path, scale: int, sets: list[dict], search) -> tuple[list[dict], dict]:
    """The peer's callback over ``sets`` (``search(filters)`` makes the query string): figures, and
    its p50 in ms for the ratio."""
    from bench.pages import _figure, callback_body, p95

    before = rss_mb()
    app, started = create_peer(db)
    client = app.server.test_client()
    dep = client.get("/_dash-dependencies").get_json()[0]
    bodies = [callback_body(dep, {"url.search": search(f)}, "url.search") for f in sets]
    client.post("/_dash-update-component", json=bodies[0])
    times = []
    for body in bodies:
        start = time.perf_counter()
        response = client.post("/_dash-update-component", json=body)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
    figures = [
        _figure("peer", "usual pattern: start (load into pandas)", scale, [started * 1000], "ms", None),
        _figure("peer", "usual pattern: callback p50", scale, times, "ms", None),
        {**_figure("peer", "usual pattern: callback p95", scale, [p95(times)], "ms", None), "runs": len(times)},
        _figure("peer", "usual pattern: RSS growth", scale, [rss_mb() - before], "MB", None),
    ]
    return figures, {"p50": sorted(times)[len(times) // 2]}


# --------------------------------------------------------------------------- in the browser

BROWSER_RUNS = 3  # fresh tabs per app, after one warm-up
# settled: the network idle and, for City Tools' overview, its charts drawn; for the peer, its three figures
OURS_READY = "#overview-borough-chart .main-svg"
PEER_READY = "#peer-out .js-plotly-plot .main-svg"
SMALLEST_READY = "#smallest-out .js-plotly-plot .main-svg"


def create_smallest():
    """The smallest Dash app that draws a chart from the URL: the floor under any Dash page."""
    import dash
    from dash import Input, Output, dcc, html

    from dashboard import serving

    app = dash.Dash(__name__)
    app.layout = html.Div([dcc.Location(id="url"), html.Div(id="smallest-out")])

    @app.callback(Output("smallest-out", "children"), Input("url", "search"))
    def draw(search):
        bars = {"type": "bar", "orientation": "h", "x": [3, 2, 1], "y": ["a", "b", "c"], "name": search or ""}
        return dcc.Graph(figure={"data": [bars]})

    # the same plotly.js file City Tools serves where dcc.Graph asks for it
    app.server.add_url_rule("/" + serving.PLOTLY_URL, "plotly_basic", serving.plotly_basic)
    return app


@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """A Dash app (the peer, the smallest) served by werkzeug in a thread on a free loopback port;
    its base URL."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    from bench.serve import free_port

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args) -> None:  # the bench prints figures, not an access log
            pass

    server = make_server("127.0.0.1", free_port(), app.server, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def settled_ms(browser, url: str, ready: str) -> float:
    """A fresh tab's time from navigation to a settled page (``ready`` drawn, nothing in flight, the
    DOM quiet), to its last change: the same measure as every click of ``bench.clicks``."""
    from bench import clicks

    context = browser.new_context()
    page = context.new_page()
    elapsed = clicks.open_settled(page, url, ready)["ms"]
    context.close()
    return float(elapsed)


def browser_run(db: Path, scale: int, search: str) -> list[dict]:
    """The same filtered URL (``search``) in City Tools (``make serve``, one worker) and in the peer, in
    headless Chromium, ``BROWSER_RUNS`` fresh tabs each after one warm-up: medians and their ratio."""
    from playwright.sync_api import sync_playwright

    from bench.pages import _figure
    from bench.serve import gunicorn

    with (
        gunicorn(db, 1) as (ours, _),
        serving(create_peer(db)[0]) as theirs,
        serving(create_smallest()) as smallest,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        times: dict[str, list[float]] = {"ours": [], "peer": [], "smallest": []}
        for _ in range(BROWSER_RUNS + 1):  # the first of each is a warm-up (caches, connections)
            times["ours"].append(settled_ms(browser, f"{ours}/{search}", OURS_READY))
            times["peer"].append(settled_ms(browser, f"{theirs}/{search}", PEER_READY))
            times["smallest"].append(settled_ms(browser, f"{smallest}/{search}", SMALLEST_READY))
        browser.close()
    ours_ms, peer_ms, smallest_ms = times["ours"][1:], times["peer"][1:], times["smallest"][1:]
    ratio = statistics.median(ours_ms) / statistics.median(peer_ms)
    floor = statistics.median(smallest_ms) / statistics.median(peer_ms)
    return [
        _figure("peer", f"filtered URL settled in Chromium, City Tools ({search})", scale, ours_ms, "ms", None),
        _figure("peer", f"filtered URL settled in Chromium, usual pattern ({search})", scale, peer_ms, "ms", None),
        _figure(
            "peer", "filtered URL settled in Chromium, smallest Dash app (one chart)", scale, smallest_ms, "ms", None
        ),
        {
            **_figure("peer", "filtered URL settled: City Tools / usual pattern", scale, [ratio], "x", 0.5),
            "runs": BROWSER_RUNS,
        },
        {
            **_figure("peer", "filtered URL settled: smallest Dash app / usual pattern", scale, [floor], "x", None),
            "runs": BROWSER_RUNS,
        },
    ]
