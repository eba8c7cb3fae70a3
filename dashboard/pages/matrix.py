"""Boroughs x service areas: which system each borough runs for each service, coloured by a measure.

The signature view of City Tools. The matrix is an HTML table rather than a heatmap picture so
that system names stay readable, selectable and reachable by screen readers (row and column
headers carry ``scope``); the header and the borough column stick while it scrolls. Above it,
the London tile map shows the same measure per borough. The URL holds the whole state: the
shared filters and ``measure``; the measure selector is plain links, so no callback is needed.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import dash
import dash_bootstrap_components as dbc
import duckdb
from dash import dcc, html

from dashboard import figures_matrix as fm
from dashboard import layout as ui
from dashboard import state
from dashboard.exports import register_export
from dashboard.queries import UNKNOWN_SERVICE_AREA
from dashboard.queries import matrix as mq
from dashboard.tilemap import borough_href, link_to, tile_chart
from etl import reference

PATH = "/matrix"
TITLE = "Boroughs × service areas"

dash.register_page(
    __name__,
    path=PATH,
    name="Boroughs × services",
    title=f"{TITLE} · {ui.PRODUCT}",
    description="Which system each London borough runs for each service area, and who supplies it.",
    order=2,
)

# The shared URL state keeps only declared keys: without this the filter bar would drop ``measure``.
state.declare("measure", state.choice(*mq.MEASURES), label="Colour by")

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


class Column(NamedTuple):  # not a dataclass: Dash runs page modules before they are in sys.modules
    area: str | None  # None: contracts without a service area
    label: str
    group: str


def columns(filters: dict, cells: dict) -> list[Column]:
    """Service areas in taxonomy order (Frontline, then Corporate), only the filtered ones if any.

    A "Not known" column is added when some contracts have no service area, so no contract is
    silently left out of the matrix.
    """
    wanted = set(mq.requested(filters, "service_area"))
    out = [Column(sa.name, sa.name, sa.group) for sa in reference.service_areas() if not wanted or sa.name in wanted]
    if any(area is None for _code, area in cells):
        out.append(Column(None, UNKNOWN_SERVICE_AREA, "Other"))
    return out


def rows(filters: dict) -> list[reference.Borough]:
    """All 33 authorities by name (boroughs without data stay, as empty rows), or the filtered ones."""
    wanted = set(mq.requested(filters, "borough"))
    return [b for b in sorted(reference.boroughs(), key=lambda b: b.name) if not wanted or b.code in wanted]


def model(cur: duckdb.DuckDBPyConnection, filters: dict, today: date | None = None) -> dict:
    """Everything the matrix shows: rows, columns, cells and the colour domain. Feeds screen and export."""
    measure = mq.measure_key(filters.get("measure"))
    cells = mq.matrix(cur, filters, measure, today)
    cols = columns(filters, cells)
    lo, hi = fm.domain([c["value"] for c in cells.values()], measure)
    return {"measure": measure, "rows": rows(filters), "columns": cols, "cells": cells, "domain": (lo, hi)}


def entry_label(entry: dict) -> str:
    """A system of a cell by name; contracts without one as a count, so they are not lost."""
    if entry["system"] is not None:
        return entry["system"]
    n = entry["contracts"]
    return f"{n} contract{'s' if n != 1 else ''} without a system name"


def cell_text(cell: dict | None) -> str:
    """A cell as plain text (for the export): 'System (Supplier); ...'."""
    if not cell:
        return ""
    return "; ".join(
        entry_label(s) + (f" ({', '.join(s['suppliers'])})" if s["suppliers"] else "") for s in cell["systems"]
    )


@register_export("matrix")
def matrix_table(cur: duckdb.DuckDBPyConnection, filters: dict) -> tuple[list[str], list[list]]:
    """The matrix as rows of text: one per borough shown, one column per service area shown."""
    m = model(cur, filters)
    headings = ["Borough", "ONS code", *(c.label for c in m["columns"])]
    return headings, [
        [b.name, b.code, *(cell_text(m["cells"].get((b.code, c.area))) for c in m["columns"])] for b in m["rows"]
    ]


# --------------------------------------------------------------------------- components


def measure_selector(query: dict, measure: str) -> html.Nav:
    """One link per measure, each the current URL with only ``measure`` changed; the current one is not a link."""
    items = []
    for key, m in mq.MEASURES.items():
        if key == measure:
            item = html.Span(m.label, className="nav-link active", **{"aria-current": "true"})
        else:
            item = dcc.Link(m.label, href=link_to(PATH, query, measure=key), className="nav-link")
        items.append(html.Li(item, className="nav-item"))
    return html.Nav(
        [html.H2("Colour by", className="h6 mb-1", id="measure-heading"), html.Ul(items, className="nav nav-pills")],
        id="measure-selector",
        className="mb-3",
        **{"aria-labelledby": "measure-heading"},
    )


def legend(lo: float, hi: float, measure: str) -> html.Div:
    """Five swatches of the scale with their values, so the colours can be read without the map."""
    label = mq.MEASURES[measure].label
    steps = [lo + (hi - lo) * i / 4 for i in range(5)]
    swatches = [
        html.Span(
            fm.fmt_value(v, measure),
            className="px-2 py-1 small",
            style={"backgroundColor": fm.colour(v, lo, hi), "color": fm.text_colour(fm.colour(v, lo, hi))},
        )
        for v in steps
    ]
    return html.Div(
        [html.Span(f"Cell colour: {label}, ", className="small me-1"), *swatches,
         html.Span("; blank: no contracts", className="small ms-1")],
        className="d-flex flex-wrap align-items-center gap-1 mb-2",
        id="matrix-legend",
    )  # fmt: skip


def _cell(cell: dict | None, measure: str, lo: float, hi: float) -> html.Td:
    """A cell: one line per system (supplier in its title), then the measure's value (the caption names it).

    Kept to a few plain elements: the full matrix is about a thousand cells.
    """
    if not cell:
        return html.Td()
    lines = [
        html.Div(entry_label(s), title=f"Supplier: {', '.join(s['suppliers']) or 'not recorded'}")
        for s in cell["systems"]
    ]
    lines.append(html.Div(fm.fmt_value(cell["value"], measure), className="opacity-75"))
    return html.Td(lines, style=fm.cell_style(cell["value"], lo, hi))


def matrix_table_component(m: dict, query: dict) -> html.Div:
    """The matrix as an accessible, scrollable HTML table with grouped column headers."""
    cols: list[Column] = m["columns"]
    lo, hi = m["domain"]
    label = mq.MEASURES[m["measure"]].label
    groups: list[tuple[str, int]] = []
    for c in cols:
        if groups and groups[-1][0] == c.group:
            groups[-1] = (c.group, groups[-1][1] + 1)
        else:
            groups.append((c.group, 1))
    head = html.Thead(
        [
            html.Tr(
                [
                    html.Th("Borough", scope="col", rowSpan=2, style=CORNER_STYLE),
                    *(
                        html.Th(
                            html.Span(g, style=GROUP_LABEL_STYLE), scope="colgroup", colSpan=n, style=GROUP_HEAD_STYLE
                        )
                        for g, n in groups
                    ),
                ]
            ),
            html.Tr([html.Th(c.label, scope="col", style=AREA_HEAD_STYLE) for c in cols]),
        ],
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Th(dcc.Link(b.name, href=borough_href(b.code, query)), scope="row", style=ROW_HEAD_STYLE),
                    *(_cell(m["cells"].get((b.code, c.area)), m["measure"], lo, hi) for c in cols),
                ],
                id=f"matrix-row-{b.code}",
            )
            for b in m["rows"]
        ]
    )
    table = html.Table(
        [
            html.Caption(
                f"Systems each borough runs, by service area; the number in each cell: {label}. "
                "Hover a system for its supplier; a borough's name opens its page.",
                id="matrix-caption",
            ),
            html.Colgroup([html.Col(), *(html.Col(span=n) for _g, n in groups)]),
            head,
            body,
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


def content(
    cur: duckdb.DuckDBPyConnection, filters: dict, today: date | None = None, problems: list[str] | None = None
) -> list:
    """Everything below the heading for the URL's filters and measure.

    ``problems`` are the parts of the URL that ``state`` ignored, shown so nobody wonders why.
    """
    filters = dict(filters or {})
    measure = mq.measure_key(filters.get("measure"))
    try:
        values = mq.borough_values(cur, filters, measure, today)
    except ValueError as err:  # a malformed date that did not come through ``state``
        return [ui.message(str(err), color="warning", message_id="filter-error")]
    m = model(cur, filters, today)
    notices = [ui.message(p, color="warning") for p in problems or []]
    if not m["cells"]:
        notices.append(ui.message("No contracts match these filters.", message_id="matrix-empty"))
    return [
        measure_selector(filters, measure),
        *notices,
        dbc.Row(
            [
                dbc.Col(tile_chart(values, measure, filters, graph_id="matrix-tile-map"), lg=7),
                dbc.Col(
                    html.Div(
                        [
                            html.H2("Reading this page", className="h5"),
                            html.P(
                                "Each square is one authority, in its rough place on the map of London, "
                                "all the same size so that small central boroughs count as much as large "
                                "outer ones. The colour and the number on it show the measure chosen above, "
                                "for the contracts that match the filters; grey means no data (no matching "
                                "contracts, or none with a value for this measure)."
                            ),
                            html.P(
                                "The table below lists the system each borough runs for each service area. "
                                "Boroughs without data are kept as empty rows."
                            ),
                        ],
                        className="small text-body-secondary",
                    ),
                    lg=5,
                ),
            ]
        ),
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

    They go through ``state`` as every view's do, so the page, its links and its export read
    the same canonical filters.
    """
    st, problems = state.check_params(query)
    return ui.page(
        TITLE,
        lambda cur: content(cur, st, problems=problems),
        lead="Which system each borough runs for each service, and who supplies it.",
    )
