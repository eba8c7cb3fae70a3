"""The London tile map: the 33 authorities as equal squares in their rough geographic places.

A choropleth of real boundaries lets big outer boroughs dominate and hides the City; equal
squares give every authority the same weight, which is what a per-borough comparison needs.
The grid is data (``GRID``): ONS code, a three-letter label and a (row, column) place, row 0 at
the north. ``tile_figure`` draws it as plotly shapes (they scale with the axes, so the squares
stay square at any width) with one text/hover point per tile; ``tile_chart`` adds the table
alternative, whose borough names link to the borough pages with the current query kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import figures_matrix as fm
from dashboard import layout as ui
from dashboard.figures import FONT
from dashboard.queries.matrix import MEASURES, measure_key
from etl import reference

# (ONS code, label, row, column): 7 rows x 8 columns, City of London in the middle.
GRID: tuple[tuple[str, str, int, int], ...] = (
    ("E09000010", "ENF", 0, 4),  # Enfield
    ("E09000015", "HRW", 1, 2),  # Harrow
    ("E09000003", "BNT", 1, 3),  # Barnet
    ("E09000014", "HGY", 1, 4),  # Haringey
    ("E09000031", "WFT", 1, 5),  # Waltham Forest
    ("E09000017", "HIL", 2, 0),  # Hillingdon
    ("E09000009", "EAL", 2, 1),  # Ealing
    ("E09000005", "BRE", 2, 2),  # Brent
    ("E09000007", "CMD", 2, 3),  # Camden
    ("E09000019", "ISL", 2, 4),  # Islington
    ("E09000012", "HCK", 2, 5),  # Hackney
    ("E09000026", "RDB", 2, 6),  # Redbridge
    ("E09000016", "HAV", 2, 7),  # Havering
    ("E09000018", "HNS", 3, 0),  # Hounslow
    ("E09000013", "HMF", 3, 1),  # Hammersmith and Fulham
    ("E09000020", "KNS", 3, 2),  # Kensington and Chelsea
    ("E09000033", "WST", 3, 3),  # Westminster
    ("E09000001", "CTY", 3, 4),  # City of London
    ("E09000030", "TOW", 3, 5),  # Tower Hamlets
    ("E09000025", "NWM", 3, 6),  # Newham
    ("E09000002", "BDG", 3, 7),  # Barking and Dagenham
    ("E09000027", "RCH", 4, 1),  # Richmond upon Thames
    ("E09000032", "WND", 4, 2),  # Wandsworth
    ("E09000022", "LBH", 4, 3),  # Lambeth
    ("E09000028", "SWK", 4, 4),  # Southwark
    ("E09000023", "LEW", 4, 5),  # Lewisham
    ("E09000011", "GRE", 4, 6),  # Greenwich
    ("E09000004", "BEX", 4, 7),  # Bexley
    ("E09000021", "KTN", 5, 2),  # Kingston upon Thames
    ("E09000024", "MRT", 5, 3),  # Merton
    ("E09000006", "BRO", 5, 4),  # Bromley
    ("E09000029", "STN", 6, 3),  # Sutton
    ("E09000008", "CRO", 6, 4),  # Croydon
)
ROWS = 1 + max(r for *_, r, _c in GRID)
COLUMNS = 1 + max(c for *_, c in GRID)
TILE = 0.92  # side of a square, in grid units: the rest is the gap between tiles


def link_to(path: str, query: Mapping[str, object] | None = None, **changes: object) -> str:
    """``path`` with the query string of ``query`` updated by ``changes`` (None or "" removes a key).

    Repeated keys stay repeated and key order is kept, so a link reproduces the view it came
    from with only the changed parameter different.
    """
    pairs = []
    for key, raw in {**(query or {}), **changes}.items():
        for value in raw if isinstance(raw, list | tuple) else [raw]:
            if value is not None and str(value) != "":
                pairs.append((key, str(value)))
    return path + (f"?{urlencode(pairs)}" if pairs else "")


def borough_href(code: str, query: Mapping[str, object] | None = None) -> str:
    """The borough page, carrying the current view's query (so its links lead back to the same view)."""
    return link_to(f"/borough/{code}", query)


def tile_figure(values: Mapping[str, float | int | None], measure: str) -> dict:
    """The tile map coloured by ``values`` (ONS code -> value; absent or None is grey, "no data")."""
    m = MEASURES[measure_key(measure)]
    names = reference.borough_names()
    lo, hi = fm.domain(values.values(), m.key)
    shapes, xs, ys, texts, hovers, text_colours = [], [], [], [], [], []
    for code, label, row, col in GRID:
        value = values.get(code)
        fill = fm.colour(value, lo, hi)
        half = TILE / 2
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "y",
                "x0": col - half,
                "x1": col + half,
                "y0": row - half,
                "y1": row + half,
                "fillcolor": fill,
                "line": {"width": 0},
                "layer": "below",
            }
        )
        shown = fm.fmt_value(value, m.key)
        xs.append(col)
        ys.append(row)
        texts.append(f"{label}<br>{shown}")
        hovers.append(f"{names[code]}<br>{m.label}: {shown if value is not None else 'no data'}")
        text_colours.append(fm.text_colour(fill))
    has_data = any(v is not None for v in values.values())
    tick = {"money": {"tickprefix": "£", "tickformat": "~s"}, "score": {"tickformat": ".1f"}}.get(m.kind, {})
    data = [
        {
            "type": "scatter",
            "mode": "markers+text",
            "x": xs,
            "y": ys,
            "text": texts,
            "textfont": {"color": text_colours, "size": 11},
            "hovertext": hovers,
            "hoverinfo": "text",
            # invisible squares the size of a tile, so hovering anywhere on a tile shows it
            "marker": {"symbol": "square", "size": 30, "opacity": 0},
            "showlegend": False,
            "name": m.label,
        }
    ]
    if has_data:
        data.append(
            {  # carries the colour bar only: two invisible points at an empty corner of the grid
                "type": "scatter",
                "mode": "markers",
                "x": [0, 0],
                "y": [0, 0],
                "hoverinfo": "skip",
                "showlegend": False,
                "marker": {
                    "color": [lo, hi],
                    "cmin": lo,
                    "cmax": hi,
                    "colorscale": fm.colorscale(),
                    "showscale": True,
                    "opacity": 0,
                    "colorbar": {"title": {"text": m.label, "side": "right"}, "thickness": 12, "len": 0.8, **tick},
                },
            }
        )
    figure = {
        "data": data,
        "layout": {
            "title": {"text": m.title, "x": 0, "xanchor": "left", "pad": {"t": 4}},
            "font": FONT,
            "height": 460,
            "margin": {"l": 10, "r": 10, "t": 60, "b": 10},
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "shapes": shapes,
            "xaxis": {"visible": False, "range": [-0.6, COLUMNS - 0.4], "fixedrange": True},
            "yaxis": {
                "visible": False,
                "range": [ROWS - 0.4, -0.6],  # reversed: row 0 (north) at the top
                "scaleanchor": "x",
                "scaleratio": 1,
                "fixedrange": True,
            },
            "hovermode": "closest",
            "hoverlabel": {"font": FONT},
            "annotations": [
                {
                    "text": "Grey: no data",
                    "showarrow": False,
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0,
                    "y": 0,
                    "xanchor": "left",
                    "yanchor": "bottom",
                    "font": {"size": 11, "color": "#555"},
                }
            ],
        },
    }
    if not has_data:
        figure["layout"]["annotations"].append(
            {"text": "No contracts match", "showarrow": False, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5}
        )
    return figure


def tile_rows(values: Mapping[str, float | int | None], measure: str) -> list[dict]:
    """The table alternative's rows: every authority by name, its value formatted (a dash for none)."""
    m = MEASURES[measure_key(measure)]
    return [
        {"code": b.code, "name": b.name, "value": values.get(b.code), "shown": fm.fmt_value(values.get(b.code), m.key)}
        for b in sorted(reference.boroughs(), key=lambda b: b.name)
    ]


def tile_table(values: Mapping[str, float | int | None], measure: str, query: Mapping[str, object] | None) -> dbc.Table:
    """The tile map's numbers as a table; each borough name links to its page."""
    m = MEASURES[measure_key(measure)]
    return dbc.Table(
        [
            html.Caption(m.title),
            html.Thead(html.Tr([html.Th("Borough", scope="col"), html.Th(m.label, scope="col", className="text-end")])),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Th(dcc.Link(r["name"], href=borough_href(r["code"], query)), scope="row"),
                            html.Td(r["shown"], className="text-end"),
                        ]
                    )
                    for r in tile_rows(values, m.key)
                ]
            ),
        ],
        size="sm",
        striped=True,
        hover=True,
        className="mb-0",
    )


def tile_chart(
    values: Mapping[str, float | int | None],
    measure: str,
    query: Mapping[str, object] | None = None,
    graph_id: str = "tile-map",
) -> dbc.Card:
    """The tile map with its table alternative, ready to place on any page."""
    return ui.chart(tile_figure(values, measure), tile_table(values, measure, query), graph_id)
