"""Timeline: when the filtered contracts run and end, with the joint procurement windows shaded.

A Gantt chart (``dashboard.figures.timeline``) of what ``dashboard.logic.timeline`` reads and
arranges for the URL state; the page says when it draws fewer contracts than match, and lists
the shaded windows in a table under the chart.

Its options (rows per borough or contract, the grouping) redraw only the chart and what goes
with it, and write the URL without rebuilding the page (``layout.register_partial``).
Clicking a bar or a window's handle filters the rest of the app: ``click_href`` turns the
point's ``customdata`` into a Contracts URL (``logic.timeline.click_state``, then the contracts
view's keys), and a thin callback navigates there through a ``dcc.Location`` this page owns.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import dash
import dash_bootstrap_components as dbc
import duckdb
from dash import Input, Output, State, dcc, html

from dashboard import layout as ui
from dashboard import links, state
from dashboard.layout import markdown_table
from dashboard.logic import timeline as tl
from dashboard.logic import windows as wl
from dashboard.logic.timeline import VIEW
from dashboard.pages.systems import ended_note
from dashboard.texts import PRODUCT

PAGE = {
    "path": VIEW.path,
    "name": "Timeline",
    "title": f"Contract timeline · {PRODUCT}",
    "description": "When London borough technology contracts run and end, with joint procurement windows shaded.",
    "order": 45,
}

GRAPH = "timeline-graph"
LOCATION = "timeline-url"  # clicks on the chart go to Contracts through it
OPTIONS_LOCATION = "timeline-options-url"  # refresh=False: options change the address, not the page
RESULTS = "timeline-results"
OPTION_IDS = {"rows": "timeline-rows", "group_by": "timeline-group-by"}


# --------------------------------------------------------------------------- clicks


def click_href(click_data: dict | None, st: dict) -> str | None:
    """The Contracts URL a click on the timeline leads to, or None for a click on nothing useful."""
    target = tl.click_state(click_data, st)
    return None if target is None else links.href("contracts", target)


def click_to_contracts(click_data, search):
    return ui.navigate(click_href(click_data, VIEW.parse(search)))


# --------------------------------------------------------------------------- page


def controls(st: dict, p: dict, mode: str) -> html.Div:
    windows = links.href("windows", tl.link_state(st))
    return html.Div(
        [
            dcc.Location(id=LOCATION, refresh="callback-nav"),
            dcc.Location(id=OPTIONS_LOCATION, refresh=False),
            dbc.Row(
                [
                    ui.radio_choices("Rows", OPTION_IDS["rows"], tl.ROW_LABELS, mode, xs=12, md=6),
                    ui.radio_choices(
                        wl.LABELS["group_by"], OPTION_IDS["group_by"], wl.GROUP_LABELS, p["group_by"], xs=12, md=6
                    ),
                ],
                className="g-2",
            ),
            html.P(
                [f"Windows: {wl.rule(p)}. ", dcc.Link("Change them on the Windows page", href=windows)],
                className="small mb-1",
                id="timeline-rule",
            ),
        ],
        id="timeline-controls",
    )


def chart(m: dict) -> list:
    """The chart (within the figure budget), its contracts as a table, and the windows it shades."""
    drawn, figure = tl.fitted(m)
    rows = tl.screen_rows(m["rows"][: len(drawn["bars"])])
    table = markdown_table(tl.TABLE_HEADINGS, rows, "Contracts drawn on the timeline", id="timeline-table")
    out: list = []
    if drawn["note"]:
        out.append(ui.message(drawn["note"], color="info", message_id="timeline-note"))
    out.append(ui.chart(figure, table, GRAPH))
    windows = tl.window_rows(m, drawn)
    if windows:
        caption = "Windows shaded on the timeline, soonest procurement start first (hover a diamond for its boroughs)"
        out.append(markdown_table(tl.WINDOW_HEADINGS, windows[: tl.WINDOWS_LISTED], caption, id="timeline-windows"))
        out += _more_windows(m, len(windows))
    return out


def _more_windows(m: dict, n: int) -> list:
    """When the table lists only the first windows: how many more, and the page that lists them all."""
    if n <= tl.WINDOWS_LISTED:
        return []
    href = links.href("windows", tl.link_state(m["state"]))
    link = dcc.Link(f"all {n:,} on the Windows page", href=href, id="timeline-all-windows")
    return [html.P([f"The first {tl.WINDOWS_LISTED} of {n:,} windows shaded; ", link, "."], className="small")]


def results(m: dict, st: dict, problems: Sequence[str] = ()) -> list:
    """Everything the options change: the summary, the downloads, the chart and its tables."""
    described = state.describe(st)
    out: list = ui.url_problems(problems)
    out += [
        *([html.P("Filtered: " + "; ".join(described), className="mb-1 small")] if described else []),
        html.P(tl.summary(m), className="mb-1", id="timeline-summary"),
        *ended_note(VIEW.stem, st, m["ended"], note_id="timeline-ended"),
        ui.download_links("timeline", st, "of the contracts drawn"),
        *chart(m),
    ]
    return out


def content(cur: duckdb.DuckDBPyConnection, st: dict, problems: Sequence[str] = (), today: date | None = None) -> list:
    """Everything below the heading, for a validated URL state (a plain dict works too)."""
    m = tl.model(cur, st, today)
    return [
        controls(st, m["params"], m["mode"]),
        html.Div(results(m, st, problems), id=RESULTS, **{"data-search": VIEW.search(st)}),
    ]


def redraw(cur: duckdb.DuckDBPyConnection, search: str | None) -> tuple[list, list]:
    """The results and the options' values for the URL an option wrote (or back/forward went to)."""
    st, problems = VIEW.check_query(search)
    m = tl.model(cur, st)
    return results(m, st, problems), [m["mode"], m["params"]["group_by"]]


def options_to_search(search: str | None, _trigger: object, values: Sequence) -> str | None:
    return tl.search_for_options(search, *values)


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
        State(OPTIONS_LOCATION, "search"),  # kept current by the options (the other one is not)
        prevent_initial_call=True,
    )(click_to_contracts)
    options = [(OPTION_IDS["rows"], "value"), (OPTION_IDS["group_by"], "value")]
    ui.register_partial(app, VIEW, (OPTIONS_LOCATION, RESULTS), options, options_to_search, redraw)
