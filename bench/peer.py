"""The usual Dash pattern, over the same database, timed the same way: the bench's yardstick.

Every contract loaded into pandas when the app starts, a callback on the URL that filters the
frame by the five URL filters (borough, supplier, system, service area, end dates) and draws
three Plotly Express figures and a table of the first 100 rows, as tutorials build it. City
Tools' pages are compared with its callback over the same filter sets.
"""

from __future__ import annotations

import resource
import time
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
