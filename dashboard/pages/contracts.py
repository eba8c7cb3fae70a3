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
from dash import ALL, MATCH, Input, Output, State, html
from dash.exceptions import PreventUpdate

from dashboard import db, state
from dashboard import layout as ui
from dashboard.exports import register_export
from dashboard.filters import URL
from dashboard.queries import contracts as q

dash.register_page(
    __name__,
    path="/contracts",
    name="Contracts",
    title=f"Contracts · {ui.PRODUCT}",
    description="Every London borough technology contract City Tools holds, with its sources.",
    order=10,
)

GRID = "contracts-grid"
BLOCK = 100  # rows per request
WIDTHS = {"title": 260, "records": 280, "disagreements": 260, "buyer": 200, "supplier": 200, "system": 170}
NUMERIC = {"annual_value", "total_value", "match_score"}
HIDDEN = {"contract_id"}


# --------------------------------------------------------------------------- sort


def url_sort(st: dict) -> list[tuple[str, bool]]:
    """The sort a state asks for, whitelisted (unknown columns ignored, default when none left)."""
    return q.parse_sort(st.get("sort"))


def normalised(st: dict) -> dict:
    """The state with its sort in canonical form, and left out when it is the default order."""
    spec = q.sort_spec(url_sort(st))
    out = {k: v for k, v in st.items() if k != "sort"}
    return {**out, "sort": spec} if spec else out


def sort_of_request(request: dict | None) -> list[tuple[str, bool]]:
    """The grid's sortModel as ``[(column, descending)]``, whitelisted like a URL's."""
    model = (request or {}).get("sortModel") or []
    spec = ",".join(("-" if m.get("sort") == "desc" else "") + str(m.get("colId", "")) for m in model)
    return q.parse_sort(spec)


def search_for_sort(search: str | None, request: dict | None) -> str | None:
    """The URL after a sort made in the grid, or None when the URL already says that sort."""
    if not request:
        return None
    current = normalised(state.parse_query(search)).get("sort", "")
    wanted = q.sort_spec(sort_of_request(request))
    if wanted == current:
        return None
    return state.updated(search, sort=wanted or None)


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


def _money(value: float | None) -> str:
    return "" if value is None else f"£{value:,.0f}"


def grid_row(row: dict) -> dict:
    """A contract as the grid shows it: text ready to read (sorting happened in DuckDB)."""
    out = dict(row)
    for key in ("start_date", "end_date", "max_end_date"):
        out[key] = row[key].isoformat() if row[key] else ""
    out["annual_value"] = _money(row["annual_value"])
    out["total_value"] = _money(row["total_value"])
    out["match_score"] = "" if row["match_score"] is None else f"{row['match_score']:.2f}"
    out["disagreement"] = "Yes" if row["disagreement"] else ""
    return out


def rows_response(query: str, request: dict | None) -> dict:
    """The answer to one of the grid's getRowsRequest: a block of rows and the row count.

    ``query`` is the grid's own query string (its id), the filters it was rendered for; the
    sort comes from the request, which is what the grid's headers show.
    """
    request = request or {}
    start = max(0, int(request.get("startRow") or 0))
    end = max(start, int(request.get("endRow") or start + BLOCK))
    limit = min(end - start, q.MAX_PAGE)
    st = state.parse_query(query)
    try:
        with db.cursor(db.current_path()) as cur:
            rows = q.contracts_page(cur, st, sort_of_request(request), offset=start, limit=limit)
            total = start + len(rows) if len(rows) < limit else q.count(cur, st)
    except (db.DatabaseMissing, duckdb.Error):
        return {"rowData": [], "rowCount": 0}
    return {"rowData": [grid_row(r) for r in rows], "rowCount": total}


def grid(st: dict, n: int) -> dag.AgGrid:
    return dag.AgGrid(
        id={"type": GRID, "query": state.to_query(st)},
        rowModelType="infinite",
        columnDefs=column_defs(url_sort(st)),
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


# --------------------------------------------------------------------------- export and page


@register_export("contracts")
def contracts_table(cur: duckdb.DuckDBPyConnection, st: dict):
    """Every row the view shows, in its order, with raw values (numbers, dates) for spreadsheets."""
    columns = [c.heading for c in q.COLUMNS]
    ids = [c.id for c in q.COLUMNS]
    rows = q.contracts_rows(cur, st, url_sort(st))
    return columns, ([row[i] for i in ids] for row in rows)


def count_line(n: int) -> str:
    return f"{n:,} contract{'' if n == 1 else 's'} match{'es' if n == 1 else ''}"


def content(cur: duckdb.DuckDBPyConnection, st: dict, problems: list[str]) -> list:
    n = q.count(cur, st)
    described = state.describe(st)
    out = [ui.message(p, color="warning") for p in problems]
    out += [
        html.P(
            [html.Strong(count_line(n), id="contracts-count")]
            + ([html.Span(" · " + "; ".join(described), className="text-body-secondary")] if described else []),
            className="mb-1",
        ),
        html.P(
            "Sort by clicking a column heading (shift-click adds a second column). "
            "The Notice column links to the public notice where there is one; Records says which "
            "survey rows and notices a contract was merged from.",
            className="small text-body-secondary mb-1",
        ),
        ui.download_links("contracts", st),
        grid(st, n),
    ]
    return out


def layout(**query) -> list:
    """Dash calls this on every visit with the URL's query; the page renders from it alone."""
    st, problems = state.check_params(query)
    st = normalised(st)
    return ui.page("Contracts", lambda cur: content(cur, st, problems), lead="Every contract that matches the filters.")


@dash.callback(
    Output({"type": GRID, "query": MATCH}, "getRowsResponse"),
    Input({"type": GRID, "query": MATCH}, "getRowsRequest"),
    State({"type": GRID, "query": MATCH}, "id"),
    prevent_initial_call=True,
)
def load_rows(request, grid_id):
    if not request:
        raise PreventUpdate
    return rows_response(grid_id["query"], request)


@dash.callback(
    Output(URL, "search", allow_duplicate=True),
    Input({"type": GRID, "query": ALL}, "getRowsRequest"),
    State(URL, "search"),
    prevent_initial_call=True,
)
def sort_to_url(requests, search):
    new = search_for_sort(search, next((r for r in requests or [] if r), None))
    if new is None:
        raise PreventUpdate
    return new
