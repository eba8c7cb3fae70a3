"""Joint procurement windows: where several boroughs' contracts for the same thing end together.

The ranked list of windows (``dashboard.logic.windows``: the model, each card's texts and the
exports) for the shared filters and the window parameters in the URL.

The parameter controls write the URL through a ``dcc.Location`` the page owns
(``refresh="callback-nav"``): Dash pages then re-render the page from the new query, so a link,
a reload and back/forward all give the same list. The callback is thin; the new URL is
``logic.windows.search_for_controls``. The control components here (``controls_section``,
``labelled``, ``number_input``, ``navigate``) serve the my-borough page's controls too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import dash
import dash_bootstrap_components as dbc
import duckdb
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import layout as ui
from dashboard import links, state
from dashboard.logic import windows as wl
from dashboard.logic.windows import VIEW
from dashboard.texts import PRODUCT

PAGE = {
    "path": VIEW.path,
    "name": "Windows",
    "title": f"Joint procurement windows · {PRODUCT}",
    "description": "Boroughs whose contracts for the same service, system or supplier end at about the same time.",
    "order": 40,
}

LOCATION = "windows-url"
CONTROL_IDS: dict[str, str] = {name: f"windows-{name}" for name in wl.PARAM_NAMES}


# --------------------------------------------------------------------------- controls (shared with my borough)


def controls_section(title: str, location: str, section_id: str, rows: list) -> html.Section:
    """A box of controls that write the URL through their own ``dcc.Location``."""
    return html.Section(
        [html.H2(title, className="visually-hidden"), dcc.Location(id=location, refresh="callback-nav"), *rows],
        className="border rounded p-3 mb-3",
        id=section_id,
        **{"aria-label": title},
    )


def labelled(label: str, control_id: str, control: object, **sizes: int) -> dbc.Col:
    """A control under its label, in a column of the given sizes (``xs``, ``md``, ``lg``)."""
    return dbc.Col([html.Label(label, htmlFor=control_id, className="form-label small mb-1"), control], **sizes)


def number_input(name: str, control_id: str, value: int) -> dcc.Input:
    """A box for window parameter ``name``, bounded by its limits; it writes on Enter or leaving it."""
    low, high = wl.LIMITS[name]
    return dcc.Input(
        id=control_id,
        type="number",
        min=low,
        max=high,
        step=1,
        value=value,
        debounce=True,
        className="form-control form-control-sm",
    )


def navigate(new: str | None) -> str:
    """A controls callback's output: the new search, or no update when the URL already says it."""
    if new is None:
        raise PreventUpdate
    return new


def _radios(name: str, labels: dict[str, str], value: str) -> dbc.Col:
    return dbc.Col(
        html.Fieldset(
            [
                html.Legend(wl.LABELS[name], className="form-label small mb-1 fs-6"),
                # dbc's radios are plain labelled inputs in a fieldset (dcc.RadioItems in Dash 4 nests
                # interactive elements, which screen readers and axe object to)
                dbc.RadioItems(
                    id=CONTROL_IDS[name],
                    options=[{"label": text, "value": key} for key, text in labels.items()],
                    value=value,
                    inline=True,
                    label_class_name="small",
                ),
            ]
        ),
        xs=12,
        lg=6,
    )


def controls(p: dict) -> html.Section:
    """The window parameters, showing the URL's values; changing one writes the URL."""
    group_by = dcc.Dropdown(
        id=CONTROL_IDS["group_by"],
        options=[{"label": text, "value": key} for key, text in wl.GROUP_LABELS.items()],
        value=p["group_by"],
        clearable=False,
        searchable=False,
    )
    numbers = [
        labelled(wl.LABELS[name], CONTROL_IDS[name], number_input(name, CONTROL_IDS[name], p[name]), xs=6, md=3)
        for name in wl.LIMITS
    ]
    radios = [_radios("extensions", wl.EXTENSION_LABELS, p["extensions"]), _radios("rank", wl.RANK_LABELS, p["rank"])]
    return controls_section(
        "Window parameters",
        LOCATION,
        "windows-controls",
        [
            dbc.Row(
                [labelled(wl.LABELS["group_by"], CONTROL_IDS["group_by"], group_by, xs=6, md=3), *numbers],
                className="g-2",
            ),
            dbc.Row(radios, className="g-2 mt-1"),
        ],
    )


def controls_to_url(*values_and_search):
    return navigate(wl.search_for_controls(values_and_search[-1], values_and_search[:-1]))


# --------------------------------------------------------------------------- components


def _boroughs(c: dict, st: dict) -> list:
    out: list = []
    for i, (code, name) in enumerate(c["boroughs"]):
        out += [", "] if i else []
        out.append(dcc.Link(name, href=links.borough_href(code, st)))
    return out


def _contracts(c: dict) -> html.Details:
    """The window's contracts in a details element, open for the first few windows."""
    table = ui.data_table(
        ["Borough", "Supplier", "System", "End date", "Latest end", "Annual value", "Note"],
        c["contracts"],
        f"Contracts in the {c['group']} window",
    )
    more = [html.P(c["more"], className="small text-body-secondary mb-0")] if c["more"] else []
    return html.Details(
        [html.Summary(f"The {c['count']} contracts"), html.Div(table, className="table-responsive"), *more],
        open=c["open"],
        className="my-2",
    )


def _links(c: dict) -> html.P:
    return html.P(
        [
            dcc.Link("Show on the timeline", href=links.href("timeline", c["state"]), className="me-3 window-timeline"),
            html.A(
                "Download these contracts (CSV)",
                href=links.export_href("window_contracts", "csv", c["state"]),
                download="",
                className="window-export",
            ),
        ],
        className="mb-0 mt-2",
    )


def window_card(c: dict, st: dict) -> html.Article:
    """One window (``logic.windows.card``): what, when, who, for how much, and links to its views."""
    heading = [f"{c['rank']}. ", c["group"], html.Small(f" · {c['group_label']}", className="text-body-secondary")]
    who = [html.Strong("Incumbent suppliers: "), c["suppliers"], html.Br(), html.Strong("Systems: "), c["systems"]]
    body = [
        html.H3(heading, className="h5"),
        html.P([html.Strong(c["ends"]), c["procurement"]], className="mb-1"),
        html.P([html.Strong(f"{len(c['boroughs'])} boroughs: "), *_boroughs(c, st)], className="mb-1 window-boroughs"),
        html.P(who, className="mb-1"),
        html.P([html.Strong("Total annual value: "), c["value"], c["value_note"]], className="mb-1"),
    ]
    if c["extensions"]:
        body.append(html.P(c["extensions"], className="mb-1 text-warning-emphasis window-extensions"))
    body.append(_contracts(c))
    if c["unknown"]:
        unknown = [html.Strong("May also be in scope (no end date recorded): "), c["unknown"]]
        body.append(html.P(unknown, className="small mb-1 window-unknown"))
    body.append(_links(c))
    return html.Article(dbc.CardBody(body), className="card mb-3 window-card", id=f"window-{c['rank']}")


def summary(m: dict) -> html.P:
    count, rule = wl.summary(m)
    return html.P([html.Strong(count, id="windows-count"), rule], className="mb-1")


def content(cur: duckdb.DuckDBPyConnection, st: dict, problems: Sequence[str] = (), today: date | None = None) -> list:
    """Everything below the heading, for a validated URL state (a plain dict works too)."""
    m = wl.model(cur, st, today)
    described = state.describe(st)
    out: list = [ui.message(text, color="warning") for text in problems]
    out += [
        controls(m["params"]),
        summary(m),
        *([html.P("Filtered: " + "; ".join(described), className="mb-1 small")] if described else []),
        *(html.P(text, className="small text-body-secondary mb-1 windows-note") for text in wl.notes(m)),
        html.P(
            dcc.Link(
                "Show these windows on the timeline",
                href=links.href("timeline", wl.link_state(st)),
                id="windows-timeline-link",
            ),
            className="mb-1",
        ),
        ui.download_links("windows", st, "of these windows"),
        ui.download_links("window_contracts", st, "of their contracts"),
    ]
    if not m["windows"]:
        out.append(
            ui.message(
                "No window matches: try fewer boroughs, a longer window, latest end dates, or fewer filters.",
                message_id="windows-none",
            )
        )
    cards = [window_card(wl.card(rank, w, m, st), st) for rank, w in enumerate(m["windows"], start=1)]
    out.append(html.Section(cards, id="windows-list"))
    return out


layout = ui.view_layout(
    VIEW,
    "Joint procurement windows",
    content,
    lead="Boroughs whose contracts for the same thing end at about the same time: chances to buy together.",
)


def register(app: dash.Dash) -> None:
    """The page's callbacks, on ``app`` (called by ``create_app``)."""
    app.callback(
        Output(LOCATION, "search"),
        *(Input(CONTROL_IDS[name], "value") for name in wl.PARAM_NAMES),
        State(LOCATION, "search"),
        prevent_initial_call=True,
    )(controls_to_url)
