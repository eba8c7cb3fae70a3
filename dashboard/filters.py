"""The filter bar: shared filters in the app shell, kept in step with the URL.

The bar lives outside the page container, so it keeps focus and its open menus while a page
re-renders. The URL is the source of truth: changing a filter writes the query string
(``dcc.Location`` with ``refresh="callback-nav"``, so Dash pages re-render the page from it
without a reload); opening a link or going back/forward sets the filters from the URL. One
callback does both directions (Dash allows a circular dependency inside a single callback),
and it also refreshes the option lists, which narrow under the other filters.

The callbacks are thin: ``sync`` and ``nav_links`` are plain functions, tested directly.
"""

from __future__ import annotations

import html as html_text
from collections.abc import Sequence
from dataclasses import dataclass

import dash
import dash_bootstrap_components as dbc
import duckdb
from dash import ClientsideFunction, Input, Output, State, dcc, html

from dashboard import db, state, views
from dashboard.queries import filters as option_queries

URL = "url"  # the dcc.Location of the shell that filters and views write to
CLEAR = "filter-clear"
BAR = "filter-bar"
FILTER_TOGGLE = "filter-toggle"  # "Filters (n set)": shows and hides the bar on a narrow screen
FILTER_BODY = "filter-body"  # the controls the toggle folds
MENU = "nav-menu"  # the navbar's collapsing links (dashboard.layout.navbar)
MENU_TOGGLE = "nav-toggle"  # the button that opens them on a narrow screen
SOURCE_ALL = "all"  # the radio value for 'both sources' (no filter)


@dataclass(frozen=True)
class Control:
    key: str  # state key
    id: str
    prop: str  # the property that holds the value
    empty: object  # the value meaning 'not filtered'


LISTS: tuple[str, ...] = state.LIST_FILTERS
CONTROLS: tuple[Control, ...] = (
    *(Control(key, f"filter-{key}", "value", []) for key in LISTS),
    Control("end_from", "filter-end_from", "value", ""),
    Control("end_to", "filter-end_to", "value", ""),
    Control("q", "filter-q", "value", ""),
    Control("scope", "filter-scope", "value", state.DEFAULT_SCOPE),
    Control("source", "filter-source", "value", SOURCE_ALL),
)
SCOPE_OPTIONS = [{"label": "Technology", "value": "it"}, {"label": "All", "value": "all"}]
PLACEHOLDERS = {
    "borough": "All boroughs",
    "supplier": "All suppliers",
    "system": "All systems",
    "service_area": "All service areas",
}
TEXT_DEBOUNCE = 0.6  # seconds of no typing before the free text is applied


# --------------------------------------------------------------------------- components


def _dropdown(key: str) -> dbc.Col:
    control_id = f"filter-{key}"
    return dbc.Col(
        [
            html.Label(
                state.FILTERS[key].label,
                htmlFor=control_id,
                className="form-label small mb-1",
                id=f"{control_id}-label",
            ),
            dcc.Dropdown(
                id=control_id,
                options=[],
                value=[],
                multi=True,
                searchable=True,
                placeholder=PLACEHOLDERS[key],
                maxHeight=320,
                className="filter-dropdown",
            ),
        ],
        xs=12,
        sm=6,
        lg=3,
    )


def _date_input(key: str, label: str) -> list:
    """A native date field: the browser's own picker is keyboard and screen-reader friendly."""
    control_id = f"filter-{key}"
    return [
        html.Label(label, htmlFor=control_id, className="form-label small mb-1"),
        dbc.Input(id=control_id, type="date", value="", size="sm", min="1990-01-01", max="2099-12-31"),
    ]


def filter_bar() -> html.Section:
    """The bar of shared filters, empty: the sync callback fills values and options from the URL.

    On a narrow screen the controls fold behind a "Filters (n set)" button (folded at first, so a
    phone shows the page, not two screens of controls); wider screens always show them.
    """
    toggle = html.Button(
        toggle_label(0),
        id=FILTER_TOGGLE,
        n_clicks=0,
        type="button",
        className="btn btn-outline-dark btn-sm filter-toggle",
        **{"aria-controls": FILTER_BODY, "aria-expanded": "false"},
    )
    return html.Section(
        [
            html.H2("Filters", className="visually-hidden"),
            dcc.Location(id=URL, refresh="callback-nav"),
            toggle,
            html.Div(
                [
                    dbc.Row([_dropdown(key) for key in LISTS], className="g-2"),
                    _more_controls(),
                ],
                id=FILTER_BODY,
                className="filter-body",
            ),
        ],
        className="filter-bar border rounded p-3 mb-3 bg-light",
        id=BAR,
        **{"aria-label": "Filters"},
    )


def _more_controls() -> dbc.Row:
    """The second row of the bar: end dates, source, scope, free text and the clear button."""
    return dbc.Row(
        [
            dbc.Col(_date_input("end_from", "Contract end from"), xs=6, md=3, lg=2),
            dbc.Col(_date_input("end_to", "Contract end to"), xs=6, md=3, lg=2),
            dbc.Col(_radio("filter-source", "Source", source_options({}), SOURCE_ALL), xs=12, md=6, lg=3),
            dbc.Col(_radio("filter-scope", "Contracts", SCOPE_OPTIONS, state.DEFAULT_SCOPE), xs=12, md=4, lg=2),
            dbc.Col(
                [
                    html.Label("Text contains", htmlFor="filter-q", className="form-label small mb-1"),
                    dcc.Input(
                        id="filter-q",
                        type="search",
                        value="",
                        debounce=TEXT_DEBOUNCE,
                        placeholder="Title, buyer, supplier or system",
                        className="form-control form-control-sm",
                        maxLength=state.MAX_TEXT,
                    ),
                ],
                xs=12,
                md=8,
                lg=3,
            ),
            dbc.Col(
                dbc.Button("Clear filters", id=CLEAR, color="dark", outline=True, size="sm"),
                xs=12,
                md=4,
                lg=2,
                className="d-flex align-items-end",
            ),
        ],
        className="g-2 mt-1",
    )


def _radio(control_id: str, legend: str, options: list[dict], value: str) -> html.Fieldset:
    """A few choices in a row under a legend: the source, and the scope (technology contracts, the
    default, or all of them; kept in the URL like any filter)."""
    return html.Fieldset(
        [
            html.Legend(legend, className="form-label mb-1", style={"fontSize": "0.875rem"}),
            dbc.RadioItems(id=control_id, options=options, value=value, inline=True, label_class_name="small"),
        ]
    )


def source_options(counts: dict[str, int]) -> list[dict]:
    """Radio options for the source filter, with counts once known."""

    def label(text: str, key: str) -> str:
        return f"{text} ({counts[key]:,})" if key in counts else text

    return [
        {"label": label("Both", "all"), "value": SOURCE_ALL},
        *({"label": label(text, key), "value": key} for key, text in state.SOURCES.items()),
    ]


# --------------------------------------------------------------------------- logic


def control_values(st: dict) -> list:
    """The value of every control for a state, in CONTROLS order."""
    return [st.get(c.key, c.empty) for c in CONTROLS]


def state_of_controls(values: Sequence) -> dict:
    """The filters the controls show (empty ones left out), as a state to validate."""
    out = {}
    for control, value in zip(CONTROLS, values, strict=True):
        if value in (None, "", []) or value == control.empty:
            continue
        out[control.key] = value
    return out


def options_for(st: dict) -> tuple[dict[str, list[dict]], list[dict]]:
    """Option lists for the dropdowns and the source radio under ``st``; empty without a database."""
    try:
        with db.cursor(db.current_path()) as cur:
            lists = option_queries.filter_options(cur, st)
            counts = option_queries.source_counts(cur, st)
    except (db.DatabaseMissing, duckdb.Error):
        return {key: [] for key in LISTS}, source_options({})
    return lists, source_options(counts)


def sync(
    trigger: object,
    search: str | None,
    values: Sequence,
    with_options: bool = True,
    pathname: str | None = None,
    has_lists: bool = False,
) -> list:
    """One round of the filter bar, as ``[search, *control values, *option lists, source options]``.

    ``trigger`` is the id of what changed: the URL (or nothing, on first load) sets the
    controls from it; a control or the clear button writes a new URL. Only what changes is
    returned; the rest is ``dash.no_update``, so a control being typed in is never overwritten.
    ``has_lists``: the bar already holds option lists (Dash's first call names the URL as its
    trigger too, so only this tells a first load from a view's own option).
    """
    no = dash.no_update
    keys = _keys_at(pathname)
    if trigger == CLEAR:
        new_search = state.with_filters(search, {}, keys)
        st = state.parse_query(new_search)
        out_search = new_search if new_search != (search or "") else no
        out_values = [c.empty for c in CONTROLS]
    elif trigger in {c.id for c in CONTROLS}:
        new_search = state.with_filters(search, state.from_params(state_of_controls(values)), keys)
        st = state.parse_query(new_search)
        # a control that only echoes the URL (a dropdown settling its value) must not rewrite it: the
        # page's notes on values the URL held but the view ignored would vanish with them
        out_search = no if same_view(new_search, search, pathname) else new_search
        out_values = [no] * len(CONTROLS)
    else:  # the URL changed (link, back/forward, a view's own control) or first load
        st = state.parse_query(search)
        out_search = no
        wanted = control_values(st)
        out_values = [w if w != v else no for w, v in zip(wanted, values, strict=True)]
    if not with_options:
        return [out_search, *out_values]
    if has_lists and trigger != CLEAR and out_search is no and all(v is no for v in out_values):
        # the filters are what the bar already shows (a view's own option moved its page, its sort):
        # the lists it holds are theirs, and sending them again redraws every dropdown for nothing
        return [out_search, *out_values, *(no for _ in LISTS), no]
    lists, sources = options_for(st)
    return [out_search, *out_values, *(lists[key] for key in LISTS), sources]


def same_view(new: str | None, search: str | None, pathname: str | None) -> bool:
    """Whether two query strings mean the same view at ``pathname`` (its keys, canonical values)."""
    keys = _keys_at(pathname)
    return state.parse_query(new, keys) == state.parse_query(search, keys)


def filters_set(search: str | None) -> int:
    """How many shared filters the URL sets (each key once, however many values), the scope included."""
    return len(state.filters_of(state.parse_query(search)))


def toggle_label(n: int) -> str:
    """The narrow screen's filter button: ``Filters (2 set)``, or just ``Filters``."""
    return f"Filters ({n} set)" if n else "Filters"


def clicked_value(click: object) -> str | None:
    """The filter value a chart's clicked point carries: its ``customdata`` (or the first item of it).

    Charts put the value to filter by there (an ONS code, a service area, a supplier), escaped like
    every text of a figure (``figures.esc``), so it is unescaped here; a point without one (the
    "All others" bar, "Not known") filters nothing. A forged callback may send anything, so
    anything that is not that shape is None.
    """
    if not isinstance(click, dict) or not isinstance(click.get("points"), list) or not click["points"]:
        return None
    point = click["points"][0]
    value = point.get("customdata") if isinstance(point, dict) else None
    if isinstance(value, list):
        value = value[0] if value else None
    return html_text.unescape(value) if isinstance(value, str) and value.strip() else None


def cross_filtered(click: object, search: str | None, pathname: str | None, key: str) -> str | None:
    """The query string after a click on a chart: ``key`` gains the clicked value (None: no change).

    The view's other keys stay; a page number, which means nothing under new filters, goes.
    """
    value = clicked_value(click)
    if value is None or key not in state.LIST_FILTERS:
        return None
    keys = _keys_at(pathname)
    current = state.parse_query(search, keys)
    chosen = list(current.get(key) or [])
    if value in chosen:
        return None
    new = state.with_filters(search, {**state.filters_of(current), key: [*chosen, value]}, keys)
    return None if same_view(new, search, pathname) else new


def _keys_at(pathname: str | None) -> state.KeySet:
    """The URL keys of the view at ``pathname``: a filter change keeps that view's own keys."""
    view = views.at(pathname) if pathname is not None else None
    return view.key_set if view else state.FILTERS


def nav_links(pathname: str | None, search: str | None, pages: Sequence[dict]) -> list:
    """Each navbar link's href (its path with the current filters) and whether it is the current page."""
    carried = state.to_search(state.filters_of(state.parse_query(search)))
    hrefs = [page["relative_path"] + carried for page in pages]
    active = [(pathname or "/") == page["relative_path"] for page in pages]
    return [*hrefs, *active]


# --------------------------------------------------------------------------- callbacks


def register_callbacks(app: dash.Dash, nav_pages: Sequence[dict]) -> None:
    """Wire the bar to the URL. Called by create_app (this module is imported once, apps are many)."""
    outputs = [Output(URL, "search")]
    outputs += [Output(c.id, c.prop) for c in CONTROLS]
    outputs += [Output(f"filter-{key}", "options") for key in LISTS]
    outputs.append(Output("filter-source", "options"))
    inputs = [Input(URL, "search"), *(Input(c.id, c.prop) for c in CONTROLS), Input(CLEAR, "n_clicks")]

    @app.callback(*outputs, *inputs, State(URL, "pathname"), State(f"filter-{LISTS[0]}", "options"))
    def filter_bar_sync(search, *values_clicks_path_lists):
        *values, _clicks, pathname, lists = values_clicks_path_lists
        return sync(dash.ctx.triggered_id, search, values, pathname=pathname, has_lists=bool(lists))

    register_shell_callbacks(app)
    if not nav_pages:
        return

    @app.callback(
        *(Output(nav_id(page), "href") for page in nav_pages),
        *(Output(nav_id(page), "active") for page in nav_pages),
        Input(URL, "pathname"),
        Input(URL, "search"),
    )
    def navbar_links(pathname, search):
        return nav_links(pathname, search, nav_pages)


def register_shell_callbacks(app: dash.Dash) -> None:
    """The menu and the folded filter bar open and close in the browser (``assets/shell.js``); the
    bar's button says how many filters the URL sets (``filters_set``)."""
    app.clientside_callback(
        ClientsideFunction(namespace="citytools", function_name="toggleMenu"),
        Output(MENU, "is_open"),
        Output(MENU_TOGGLE, "aria-expanded"),
        Input(MENU_TOGGLE, "n_clicks"),
        Input(URL, "pathname"),
        State(MENU, "is_open"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction(namespace="citytools", function_name="toggleFilters"),
        Output(FILTER_BODY, "className"),
        Output(FILTER_TOGGLE, "aria-expanded"),
        Input(FILTER_TOGGLE, "n_clicks"),
        State(FILTER_BODY, "className"),
        prevent_initial_call=True,
    )

    @app.callback(Output(FILTER_TOGGLE, "children"), Input(URL, "search"))
    def filter_toggle_label(search):
        return toggle_label(filters_set(search))


def nav_id(page: dict) -> str:
    return f"nav-{page['module'].rsplit('.', 1)[-1]}"
