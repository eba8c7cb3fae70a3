"""Boroughs x service areas: which system each borough runs for each service, coloured by a measure.

The signature view of City Tools. The matrix is a grid of text rather than a heatmap picture so
that system names stay readable, selectable and reachable by screen readers (AG Grid's ARIA grid
roles and keyboard navigation); the header and the borough column stick while it scrolls. Above it,
the London tile map shows the same measure per borough. The URL holds the whole state: the
shared filters and ``measure``; the measure selector is plain links, so no callback is needed.
What is shown comes from ``dashboard.logic.matrix``; this module only lays it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import duckdb
from dash import dcc, html

from dashboard import layout as ui
from dashboard import links
from dashboard.figures import matrix as fm
from dashboard.logic import matrix as lm
from dashboard.logic.matrix import VIEW
from dashboard.queries import matrix as mq
from dashboard.texts import PRODUCT

TITLE = "Boroughs × service areas"

PAGE = {
    "path": VIEW.path,
    "name": "Boroughs × services",
    "title": f"{TITLE} · {PRODUCT}",
    "description": "Which system each London borough runs for each service area, and who supplies it.",
    "order": 2,
}

# The matrix is one AG Grid (row and column virtualisation: only the visible cells are drawn). As
# ~1,000 html.Td it was ~1,900 components, and Dash's renderer took 2.4 s to redraw them on every
# colour-by click. A cell's text is LINE_PX a line (assets/style.css, "matrix" section).
LINE_PX = 17
CELL_PAD_PX = 10
HEADER_PX = 110  # two header rows, the service areas' names wrapped on up to three lines
GRID_CLASS = "matrix-grid"

READING_NOTES = (
    "Each square is one authority, in its rough place on the map of London, all the same size so that "
    "small central boroughs count as much as large outer ones. The colour and the number on it show the "
    "measure chosen above, for the contracts that match the filters; grey means no data (no matching "
    "contracts, or none with a value for this measure).",
    "The table below lists the system each borough runs for each service area. "
    "Boroughs without data are kept as empty rows.",
)


# --------------------------------------------------------------------------- tile map


def tile_table(values: Mapping[str, float | int | None], measure: mq.Measure, hrefs: Mapping[str, str]) -> dbc.Table:
    """The tile map's numbers as a table; each borough name links to its page, with the filters kept."""
    body = [
        html.Tr(
            [
                html.Th(dcc.Link(r["name"], href=r["href"]), scope="row"),
                html.Td(r["shown"], className="text-end"),
            ]
        )
        for r in lm.tile_rows(values, measure, hrefs)
    ]
    return dbc.Table(
        [
            html.Caption(measure.title),
            html.Thead(
                html.Tr([html.Th("Borough", scope="col"), html.Th(measure.label, scope="col", className="text-end")])
            ),
            html.Tbody(body),
        ],
        size="sm",
        striped=True,
        hover=True,
        className="mb-0",
    )


def tile_chart(
    values: Mapping[str, float | int | None], measure: mq.Measure, hrefs: Mapping[str, str], graph_id: str
) -> dbc.Card:
    """The tile map with its table alternative (``hrefs``: each borough's page, ``logic.matrix.borough_hrefs``)."""
    hint = "Click a borough's square to filter the views by it."
    return ui.chart(fm.tile_figure(values, measure), tile_table(values, measure, hrefs), graph_id, hint=hint)


# --------------------------------------------------------------------------- matrix


def measure_selector(st: dict, current: str) -> html.Nav:
    """One link per measure, each the current URL with only ``measure`` changed; the current one is not a link."""
    items = []
    for key, m in mq.MEASURES.items():
        if key == current:
            item = html.Span(m.label, className="nav-link active", **{"aria-current": "true"})
        else:
            item = dcc.Link(m.label, href=links.href(VIEW.stem, st, measure=key), className="nav-link")
        items.append(html.Li(item, className="nav-item"))
    return html.Nav(
        [html.H2("Colour by", className="h6 mb-1", id="measure-heading"), html.Ul(items, className="nav nav-pills")],
        id="measure-selector",
        className="mb-3",
        **{"aria-labelledby": "measure-heading"},
    )


def legend(lo: float, hi: float, measure: mq.Measure) -> html.Div:
    """Five swatches of the scale with their values, so the colours can be read without the map."""
    swatches = [
        html.Span(fm.fmt_value(v, measure), className="px-2 py-1 small", style=fm.cell_style(v, lo, hi))
        for v in lm.legend_steps(lo, hi)
    ]
    return html.Div(
        [html.Span(f"Cell colour: {measure.label}, ", className="small me-1"), *swatches,
         html.Span("; blank: no contracts", className="small ms-1")],
        className="d-flex flex-wrap align-items-center gap-1 mb-2",
        id="matrix-legend",
    )  # fmt: skip


def column_defs(cols: list[lm.Column]) -> list[dict]:
    """The borough column, pinned left (a link to its page), then the service areas under their groups."""
    defs: list[dict] = [
        {"field": "borough", "headerName": "Borough", "pinned": "left", "width": 200, "cellRenderer": "MatrixBorough",
         "cellClass": "matrix-borough"}
    ]  # fmt: skip
    i = 0
    for group, n in lm.column_groups(cols):
        children = [
            {"field": lm.field(j), "headerName": cols[j].label, "cellRenderer": "MatrixCell",
             "tooltipField": f"{lm.field(j)}__title", "cellClass": "matrix-cell"}
            for j in range(i, i + n)
        ]  # fmt: skip
        defs.append({"headerName": group, "children": children, "marryChildren": True})
        i += n
    return defs


def matrix_grid(m: dict, hrefs: Mapping[str, str]) -> html.Div:
    """The matrix as one grid: AG Grid's own keyboard navigation, ARIA roles and a fixed height, so
    only the rows and columns in view are drawn; the caption names it for screen readers."""
    rows = lm.grid_rows(m, hrefs)
    row_px = CELL_PAD_PX + LINE_PX * lm.most_lines(rows, m["columns"])
    caption = (
        f"Systems each borough runs, by service area; the number on each cell's last line: {m['measure'].label}. "
        "Hover a cell for its suppliers; the download lists every system; a borough's name opens its page."
    )
    grid = dag.AgGrid(
        id="matrix-table",
        rowData=rows,
        columnDefs=column_defs(m["columns"]),
        defaultColDef={"sortable": False, "resizable": True, "suppressMovable": True, "width": 165,
                       "wrapHeaderText": True, "autoHeaderHeight": True},
        getRowId="params.data.code",
        dashGridOptions={"rowHeight": row_px, "rowBuffer": 4, "enableBrowserTooltips": True,
                         "enableCellTextSelection": True, "ensureDomOrder": True},
        style={"height": f"min(75vh, {HEADER_PX + row_px * len(rows) + 20}px)", "width": "100%"},
        className=GRID_CLASS,
    )  # fmt: skip
    return html.Div(
        [html.P(caption, id="matrix-caption", className="small mb-1"), grid],
        role="region",
        **{"aria-labelledby": "matrix-caption"},
    )


# --------------------------------------------------------------------------- page


def content(
    cur: duckdb.DuckDBPyConnection, filters: dict, today: date | None = None, problems: list[str] | None = None
) -> list:
    """Everything below the heading for the URL's filters and measure.

    ``problems`` are the parts of the URL that ``state`` ignored, shown so nobody wonders why.
    """
    filters = dict(filters or {})
    measure = lm.measure(filters)
    try:
        m = lm.model(cur, filters, today)
    except ValueError as err:  # a malformed date that did not come through ``state``
        return [ui.message(str(err), color="warning", message_id="filter-error")]
    values, hrefs = m["values"], lm.borough_hrefs(filters)
    notices = ui.url_problems(problems)
    if not m["cells"]:
        notices.append(ui.empty_state("contracts", filters, VIEW.href, "matrix-empty"))
    reading = html.Div(
        [html.H2("Reading this page", className="h5"), *(html.P(p) for p in READING_NOTES)],
        className="small text-body-secondary",
    )
    return [
        measure_selector(filters, measure.key),
        *notices,
        dbc.Row([dbc.Col(tile_chart(values, measure, hrefs, "matrix-tile-map"), lg=7), dbc.Col(reading, lg=5)]),
        html.Section(
            [
                html.H2("Systems by borough and service area", className="h4"),
                legend(*m["domain"], measure),
                matrix_grid(m, hrefs),
                ui.download_links("matrix", filters, "of the matrix"),
            ],
            className="mb-4",
        ),
    ]


def layout(**query) -> list:
    """Dash calls this with the URL's query parameters (a repeated key arrives as a list).

    They go through the view's state, as every view's do, so the page, its links and its export
    read the same canonical filters.
    """
    st, problems = VIEW.check(query)
    return ui.page(
        TITLE,
        lambda cur: content(cur, st, problems=problems),
        lead="Which system each borough runs for each service, and who supplies it.",
        st=st,
        href=VIEW.href,
    )


def register(app: dash.Dash) -> None:
    """The page's callbacks, on ``app`` (called by ``create_app``): a click on a tile filters by its borough."""
    ui.cross_filter(app, "matrix-tile-map", "borough")
