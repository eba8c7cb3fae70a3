"""Contracts: every contract matching the filters, in a grid that pages and sorts in DuckDB.

The grid uses AG Grid's infinite row model: it asks for blocks of 100 rows as the reader
scrolls, and ``rows_response`` answers each from one LIMIT/OFFSET query, so the view stays fast
on a million contracts. The page renders from the URL (filters and ``sort``); the grid's id
carries that query string, so a new URL gives a new grid (Dash keys components by id) that
fetches afresh, and a sort made in the grid is written back to the URL, so links, back/forward
and the exports follow it.
"""

from __future__ import annotations

import dash
import dash_ag_grid as dag
import duckdb
from dash import ALL, MATCH, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import db, links, state
from dashboard import layout as ui
from dashboard.filters import URL
from dashboard.logic import contracts as logic
from dashboard.logic.contracts import BLOCK, VIEW
from dashboard.queries import contracts as q
from dashboard.texts import PRODUCT

PAGE = {
    "path": VIEW.path,
    "name": "Contracts",
    "title": f"Contracts · {PRODUCT}",
    "description": "Every London borough technology contract City Tools holds, with its sources.",
    "order": 10,
}

GRID = "contracts-grid"
STAGE_ID = "contracts-stage"
WIDTHS = {"title": 260, "records": 280, "disagreements": 260, "buyer": 200, "supplier": 200, "system": 170}
WIDTHS |= {"stage": 110, "status": 170}
NUMERIC = {"annual_value", "total_value", "match_score"}
HIDDEN = {"contract_id"}


# --------------------------------------------------------------------------- grid


def column_defs(sort: list[tuple[str, bool]]) -> list[dict]:
    """AG Grid columns; the URL's sort is shown as the grid's initial sort."""
    order = {column: (i, desc) for i, (column, desc) in enumerate(sort)}
    defs = []
    for c in q.COLUMNS:
        d = {"field": c.id, "headerName": c.heading, "sortable": c.sortable, "width": WIDTHS.get(c.id, 130)}
        if c.id in order:
            i, desc = order[c.id]
            d.update(sort="desc" if desc else "asc", sortIndex=i)
        if c.id in NUMERIC:
            d["type"] = "rightAligned"
        if c.id in ("records", "disagreements", "title"):
            d["tooltipField"] = c.id
        if c.id == "source_url":
            d.update(cellRenderer="NoticeLink", width=100)
        if c.id in HIDDEN:
            d["hide"] = True
        defs.append(d)
    return defs


def rows_response(query: str, request: dict | None) -> dict:
    """The grid's rows for a request, from the database of the app serving it (empty without one)."""
    try:
        with db.cursor(db.current_path()) as cur:
            return logic.rows_block(cur, query, request)
    except (db.DatabaseMissing, duckdb.Error):
        return {"rowData": [], "rowCount": 0}


def grid(st: dict, n: int) -> dag.AgGrid:
    return dag.AgGrid(
        id={"type": GRID, "query": VIEW.query(st)},
        rowModelType="infinite",
        columnDefs=column_defs(logic.url_sort(st)),
        defaultColDef={"resizable": True, "sortingOrder": ["asc", "desc"]},
        getRowId="params.data.contract_id",
        dashGridOptions={
            "cacheBlockSize": BLOCK,
            "maxBlocksInCache": 20,
            "infiniteInitialRowCount": min(n, BLOCK),
            "rowBuffer": 10,
            "tooltipShowDelay": 300,
            "enableCellTextSelection": True,
            "ensureDomOrder": True,
        },
        style={"height": "560px", "width": "100%"},
        className="contracts-grid",
    )


# --------------------------------------------------------------------------- controls and detail


def stage_control(st: dict) -> html.Div:
    """The stage filter (URL key ``stage``, repeatable): contracts, tenders, planning notices..."""
    return html.Div(
        [
            html.Label("Stage", htmlFor=STAGE_ID, className="form-label small mb-1"),
            dcc.Dropdown(
                id=STAGE_ID,
                options=logic.stage_options(),
                value=st.get("stage") or [],
                multi=True,
                placeholder="Any stage",
            ),
        ],
        className="mb-2",
        style={"maxWidth": "36rem"},
    )


def _step(step: dict) -> html.Li:
    url = links.safe_url(step.get("url"))
    link = [" ", html.A("Notice", href=url, target="_blank", rel="noopener noreferrer")] if url else []
    return html.Li([logic.lifecycle_step(step), *link])


def detail(row: dict | None, st: dict) -> html.Section:
    """One contract (``contract=`` in the URL): what it is, where it stands, its notice lifecycle."""
    everything = VIEW.href({k: v for k, v in st.items() if k != "contract"})
    back = dcc.Link("Show every contract", href=everything)
    if row is None:
        return html.Section(
            [ui.message(["No contract with that id matches these filters. ", back], color="warning")],
            id="contracts-detail",
        )
    what = row.get("system") or row.get("title") or row["contract_id"]
    who = row.get("borough") or row.get("buyer") or ""
    facts = f"{logic.status_of(row)}; ends {row.get('end_date') or 'not recorded'}; stage {row.get('stage')}"
    return html.Section(
        [
            html.H2(f"{what} ({who})" if who else what, className="h5"),
            html.P(facts, className="mb-1"),
            html.H3("Notice lifecycle", className="h6"),
            html.Ol([_step(s) for s in row.get("lifecycle") or []], id="contracts-lifecycle"),
            back,
        ],
        className="border rounded p-3 mb-3",
        id="contracts-detail",
    )


# --------------------------------------------------------------------------- page


def content(cur: duckdb.DuckDBPyConnection, st: dict, problems: list[str]) -> list:
    n = q.count(cur, st)
    described = state.describe(st)
    out = ui.url_problems(problems)
    if st.get("contract"):
        out.append(detail(logic.contract_detail(cur, st), st))
    out += [
        stage_control(st),
        html.P(
            [html.Strong(logic.count_line(n), id="contracts-count")]
            + ([html.Span(" · " + "; ".join(described), className="text-body-secondary")] if described else []),
            className="mb-1",
        ),
        html.P(
            "Sort by clicking a column heading (shift-click adds a second column). "
            "The Notice column links to the public notice where there is one; Records gives the notice "
            "lifecycle: the pipeline, tender, award and contract notices and survey rows a contract was "
            "merged from, with their dates, and its changes.",
            className="small text-body-secondary mb-1",
        ),
        ui.download_links("contracts", st),
        grid(st, n),
    ]
    return out


def layout(**query) -> list:
    """Dash calls this on every visit with the URL's query; the page renders from it alone."""
    st, problems = VIEW.check(query)
    st = logic.normalised(st)
    return ui.page(
        "Contracts",
        lambda cur: content(cur, st, problems),
        lead="Every contract that matches the filters.",
        st=st,
        href=VIEW.href,
    )


def _stages(value: object) -> list[str] | None:
    """The dropdown's value as stages (a forged callback may send anything; the URL parser checks)."""
    items = value if isinstance(value, list) else [value] if isinstance(value, str) else []
    return [str(v) for v in items[:10] if isinstance(v, str)] or None


def load_rows(request, grid_id):
    if not request or not isinstance(grid_id, dict):  # a forged grid id is no request
        raise PreventUpdate
    return rows_response(grid_id["query"], request)


def sort_to_url(requests, search):
    new = logic.search_for_sort(search, next((r for r in requests or [] if r), None))
    if new is None:
        raise PreventUpdate
    return new


def register(app: dash.Dash) -> None:
    """The page's callbacks, on ``app`` (called by ``create_app``)."""
    ui.url_from_control(app, STAGE_ID, lambda value, search: VIEW.updated(search, stage=_stages(value)))
    app.callback(
        Output({"type": GRID, "query": MATCH}, "getRowsResponse"),
        Input({"type": GRID, "query": MATCH}, "getRowsRequest"),
        State({"type": GRID, "query": MATCH}, "id"),
        prevent_initial_call=True,
    )(load_rows)
    app.callback(
        Output(URL, "search", allow_duplicate=True),
        Input({"type": GRID, "query": ALL}, "getRowsRequest"),
        State(URL, "search"),
        prevent_initial_call=True,
    )(sort_to_url)
