"""Boroughs x service areas: which system each borough runs for each service, coloured by a measure.

The signature view of City Tools. The matrix is an HTML table rather than a heatmap picture so
that system names stay readable, selectable and reachable by screen readers (row and column
headers carry ``scope``); the header and the borough column stick while it scrolls. Above it,
the London tile map shows the same measure per borough. The URL holds the whole state: the
shared filters and ``measure``; the measure selector is plain links, so no callback is needed.
What is shown comes from ``dashboard.logic.matrix``; this module only lays it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import dash
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

# Sticky parts of the scrolling table (inline: this page owns no stylesheet).
# Each header cell sticks on its own (a sticky <thead> lets body cells show through in Chromium);
# the group row has a fixed height so the service-area row knows where to stick.
GROUP_ROW_HEIGHT = "2rem"
_STICKY = {"position": "sticky", "backgroundColor": "white"}
GROUP_HEAD_STYLE = {**_STICKY, "top": 0, "zIndex": 2, "height": GROUP_ROW_HEIGHT, "whiteSpace": "nowrap"}
AREA_HEAD_STYLE = {**_STICKY, "top": GROUP_ROW_HEIGHT, "zIndex": 2, "minWidth": "9rem"}
ROW_HEAD_STYLE = {**_STICKY, "left": 0, "zIndex": 1, "minWidth": "11rem"}
CORNER_STYLE = {**_STICKY, "top": 0, "left": 0, "zIndex": 3, "minWidth": "11rem"}
GROUP_LABEL_STYLE = {"position": "sticky", "left": "12rem"}  # the group's name stays in view while scrolling

READING_NOTES = (
    "Each square is one authority, in its rough place on the map of London, all the same size so that "
    "small central boroughs count as much as large outer ones. The colour and the number on it show the "
    "measure chosen above, for the contracts that match the filters; grey means no data (no matching "
    "contracts, or none with a value for this measure).",
    "The table below lists the system each borough runs for each service area. "
    "Boroughs without data are kept as empty rows.",
)


# --------------------------------------------------------------------------- tile map


def tile_table(values: Mapping[str, float | int | None], measure: mq.Measure, st: Mapping[str, object]) -> dbc.Table:
    """The tile map's numbers as a table; each borough name links to its page, with the filters kept."""
    body = [
        html.Tr(
            [
                html.Th(dcc.Link(r["name"], href=links.borough_href(r["code"], st)), scope="row"),
                html.Td(r["shown"], className="text-end"),
            ]
        )
        for r in lm.tile_rows(values, measure)
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
    values: Mapping[str, float | int | None], measure: mq.Measure, st: Mapping[str, object], graph_id: str
) -> dbc.Card:
    """The tile map with its table alternative."""
    hint = "Click a borough's square to filter the views by it."
    return ui.chart(fm.tile_figure(values, measure), tile_table(values, measure, st), graph_id, hint=hint)


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


BODY_STYLE = {"whiteSpace": "pre-line"}  # a cell's systems are lines of one text (inherited by every cell)


def _cell(cell: dict | None, measure: mq.Measure, lo: float, hi: float) -> html.Td:
    """A cell: its first systems, one a line (suppliers in its title), then the measure's value on
    the last line (the caption names it).

    One element a cell: the full matrix is about a thousand cells, and a layout of many thousands
    of components is slow to build, send and draw.
    """
    if not cell:
        return html.Td()
    text = f"{lm.cell_lines(cell)}\n{fm.fmt_value(cell['value'], measure)}"
    return html.Td(text, title=lm.cell_hover(cell), style=fm.cell_style(cell["value"], lo, hi))


def _matrix_head(cols: list[lm.Column], groups: list[tuple[str, int]]) -> html.Thead:
    """Two header rows: the service-area groups (Frontline, Corporate), then the service areas."""
    group_cells = [
        html.Th(html.Span(g, style=GROUP_LABEL_STYLE), scope="colgroup", colSpan=n, style=GROUP_HEAD_STYLE)
        for g, n in groups
    ]
    return html.Thead(
        [
            html.Tr([html.Th("Borough", scope="col", rowSpan=2, style=CORNER_STYLE), *group_cells]),
            html.Tr([html.Th(c.label, scope="col", style=AREA_HEAD_STYLE) for c in cols]),
        ]
    )


def _matrix_body(m: dict, st: dict) -> html.Tbody:
    """One row per borough: its name (a link to its page, filters kept), then a cell per service area."""
    lo, hi = m["domain"]
    return html.Tbody(
        [
            html.Tr(
                [
                    html.Th(dcc.Link(b.name, href=links.borough_href(b.code, st)), scope="row", style=ROW_HEAD_STYLE),
                    *(_cell(m["cells"].get((b.code, c.area)), m["measure"], lo, hi) for c in m["columns"]),
                ],
                id=f"matrix-row-{b.code}",
            )
            for b in m["rows"]
        ],
        style=BODY_STYLE,
    )


def matrix_table_component(m: dict, st: dict) -> html.Div:
    """The matrix as an accessible, scrollable HTML table with grouped column headers."""
    groups = lm.column_groups(m["columns"])
    caption = (
        f"Systems each borough runs, by service area; the number on each cell's last line: {m['measure'].label}. "
        "Hover a cell for its suppliers; the download lists every system; a borough's name opens its page."
    )
    table = html.Table(
        [
            html.Caption(caption, id="matrix-caption"),
            html.Colgroup([html.Col(), *(html.Col(span=n) for _g, n in groups)]),
            _matrix_head(m["columns"], groups),
            _matrix_body(m, st),
        ],
        className="table table-sm align-top mb-0 small",
        style={"borderCollapse": "separate", "borderSpacing": 0},
        id="matrix-table",
    )
    return html.Div(
        table,
        role="region",
        tabIndex=0,  # so keyboard users can scroll it
        className="border rounded",
        style={"maxHeight": "75vh", "overflow": "auto"},
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
    values = m["values"]
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
        dbc.Row([dbc.Col(tile_chart(values, measure, filters, "matrix-tile-map"), lg=7), dbc.Col(reading, lg=5)]),
        html.Section(
            [
                html.H2("Systems by borough and service area", className="h4"),
                legend(*m["domain"], measure),
                matrix_table_component(m, filters),
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
