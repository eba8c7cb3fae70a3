"""Timeline: when the filtered contracts run and end, with the joint procurement windows shaded.

A Gantt chart (``dashboard.figures.timeline``) of what ``dashboard.logic.timeline`` reads and
arranges for the URL state; the page says when it draws fewer contracts than match.

Clicking a bar or a window's handle filters the rest of the app: ``click_href`` turns the
point's ``customdata`` into a Contracts URL (``logic.timeline.click_state``, then the contracts
view's keys), and a thin callback navigates there through a ``dcc.Location`` this page owns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import dash
import duckdb
from dash import Input, Output, State, dcc, html

from dashboard import layout as ui
from dashboard import links, state
from dashboard.figures import timeline as ft
from dashboard.logic import timeline as tl
from dashboard.logic import windows as wl
from dashboard.logic.timeline import VIEW
from dashboard.pages.windows import navigate
from dashboard.texts import PRODUCT

PAGE = {
    "path": VIEW.path,
    "name": "Timeline",
    "title": f"Contract timeline · {PRODUCT}",
    "description": "When London borough technology contracts run and end, with joint procurement windows shaded.",
    "order": 45,
}

GRAPH = "timeline-graph"
LOCATION = "timeline-url"


# --------------------------------------------------------------------------- clicks


def click_href(click_data: dict | None, st: dict) -> str | None:
    """The Contracts URL a click on the timeline leads to, or None for a click on nothing useful."""
    target = tl.click_state(click_data, st)
    return None if target is None else links.href("contracts", target)


def click_to_contracts(click_data, search):
    return navigate(click_href(click_data, VIEW.parse(search)))


# --------------------------------------------------------------------------- page


def _choices(label: str, current: str, options: Mapping[str, str], states: Mapping[str, dict], nav_id: str) -> html.Nav:
    """A row of links, one per choice; the current one is marked for screen readers too."""
    items: list = [html.Span(f"{label}: ", className="me-1")]
    for key, text in options.items():
        if key == current:
            items.append(html.Strong(text, className="me-2", **{"aria-current": "true"}))
        else:
            items.append(dcc.Link(text, href=links.href("timeline", states[key]), className="me-2"))
    return html.Nav(items, className="small mb-1", id=nav_id, **{"aria-label": label})


def controls(st: dict, p: dict, mode: str) -> html.Div:
    states = tl.choice_states(st)
    windows = links.href("windows", tl.link_state(st))
    return html.Div(
        [
            dcc.Location(id=LOCATION, refresh="callback-nav"),
            _choices("Rows", mode, tl.ROW_LABELS, states["rows"], "timeline-rows"),
            _choices(wl.LABELS["group_by"], p["group_by"], wl.GROUP_LABELS, states["group_by"], "timeline-group-by"),
            html.P(
                [f"Windows: {wl.rule(p)}. ", dcc.Link("Change them on the Windows page", href=windows)],
                className="small mb-1",
            ),
        ],
        id="timeline-controls",
    )


def chart(m: dict) -> object:
    figure = ft.timeline_figure(tl.page_chart(m), today=m["today"])
    table = ui.data_table(tl.TABLE_HEADINGS, tl.screen_rows(m["rows"]), "Contracts drawn on the timeline")
    return ui.chart(figure, table, GRAPH)


def content(cur: duckdb.DuckDBPyConnection, st: dict, problems: Sequence[str] = (), today: date | None = None) -> list:
    """Everything below the heading, for a validated URL state (a plain dict works too)."""
    m = tl.model(cur, st, today)
    described = state.describe(st)
    note = tl.cap_note(len(m["rows"]), m["total"], m["undated"])
    out: list = [ui.message(text, color="warning") for text in problems]
    out += [
        controls(st, m["params"], m["mode"]),
        *([html.P("Filtered: " + "; ".join(described), className="mb-1 small")] if described else []),
        html.P(tl.summary(m), className="mb-1", id="timeline-summary"),
    ]
    if note:
        out.append(ui.message(note, color="info", message_id="timeline-note"))
    out += [ui.download_links("timeline", st, "of the contracts drawn"), chart(m)]
    return out


layout = ui.view_layout(
    VIEW,
    "Contract timeline",
    content,
    lead="When contracts run and end; shaded: boroughs whose contracts end together.",
)


def register(app: dash.Dash) -> None:
    """The page's callbacks, on ``app`` (called by ``create_app``)."""
    app.callback(
        Output(LOCATION, "href"),
        Input(GRAPH, "clickData"),
        State(LOCATION, "search"),
        prevent_initial_call=True,
    )(click_to_contracts)
