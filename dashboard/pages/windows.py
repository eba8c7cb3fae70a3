"""Joint procurement windows: where several boroughs' contracts for the same thing end together.

The ranked list of windows (``dashboard.logic.windows``: the model, each card's texts and the
exports) for the shared filters and the window parameters in the URL, a few windows a page, each
card a summary with ways in (its contracts' list, the timeline, the download).

In-page options update only what they change: a control writes the URL through a
``dcc.Location`` of the page's own with ``refresh=False`` (the browser's address changes, the
page is not rebuilt), and a second callback redraws only the results below the controls from
that URL (``layout.register_partial``, shared with the timeline and Expiring). A link, a reload and back/forward
give the same list: back/forward moves the page's location too, which redraws the results.
The callbacks are thin; the new URL is ``logic.windows.search_for_options``. The control
components here (``controls_section``, ``labelled``, ``number_input``, ``navigate``) serve the
my-borough page's controls too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import dash
import dash_bootstrap_components as dbc
import duckdb
from dash import dcc, html

from dashboard import layout as ui
from dashboard import links, state
from dashboard.layout import markdown_table, markdown_text, status_badge
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

LOCATION = "windows-url"  # refresh=False: options change the address, not the page
RESULTS = "windows-results"
CONTROL_IDS: dict[str, str] = {name: f"windows-{name}" for name in wl.PARAM_NAMES}
ENDED = "windows-ended"
PAGER = ("windows-previous", "windows-next")


# --------------------------------------------------------------------------- controls (shared with my borough)


def controls_section(
    title: str, location: str, section_id: str, rows: list, refresh: bool | str = "callback-nav"
) -> html.Section:
    """A box of controls that write the URL through their own ``dcc.Location`` (``refresh=False``:
    the address changes and the page is not rebuilt; see ``layout.register_partial``)."""
    return html.Section(
        [html.H2(title, className="visually-hidden"), dcc.Location(id=location, refresh=refresh), *rows],
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


def _radios(name: str, labels: dict[str, str], value: str) -> dbc.Col:
    return ui.radio_choices(wl.LABELS[name], CONTROL_IDS[name], labels, value, xs=12, lg=6)


def controls(p: dict, show_ended: bool = False) -> html.Section:
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
            dbc.Switch(
                id=ENDED,
                label="Show windows that have ended (made only of contracts past their end)",
                value=show_ended,
                className="small mt-2 mb-0",
            ),
        ],
        refresh=False,
    )


def options_to_search(search: str | None, trigger: object, values: Sequence) -> str | None:
    """The new URL of an in-page option: parameters, the ended switch, or a pager button."""
    move = {PAGER[0]: -1, PAGER[1]: 1}.get(trigger, 0)  # type: ignore[call-overload]
    return wl.search_for_options(search, values[: len(wl.PARAM_NAMES)], values[len(wl.PARAM_NAMES)], move)


# --------------------------------------------------------------------------- components


def _boroughs(c: dict, st: dict) -> dcc.Markdown:
    """The window's boroughs, each a link to its page, as one Markdown line (a link component
    each made a page of windows 100 components heavier: see ``markdown_table``)."""
    named = ", ".join(f"[{markdown_text(name)}](<{links.borough_href(code, st)}>)" for code, name in c["boroughs"])
    return dcc.Markdown(f"**{len(c['boroughs'])} boroughs:** {named}", className="mb-1 window-boroughs")


def _contracts(c: dict) -> html.Details:
    """The window's contracts in a details element, closed unless the card says open."""
    table = markdown_table(wl.CONTRACT_COLUMNS, c["contracts"], f"Contracts in the {c['group']} window")
    more = [html.P(c["more"], className="small text-body-secondary mb-0")] if c["more"] else []
    return html.Details(
        [html.Summary(f"List its {c['count']} contracts here"), table, *more],
        open=c["open"],
        className="mt-1 small",
    )


def _links(c: dict) -> html.P:
    """The ways into a window: its contracts' own list, the timeline and the download."""
    listed = c["list_state"]
    first = (
        [dcc.Link(f"Its {c['count']} contracts", href=links.href("contracts", listed), className="window-list"), " · "]
        if listed is not None
        else [f"Its {c['count']} contracts: "]
    )
    return html.P(
        [
            *first,
            dcc.Link("on the timeline", href=links.href("timeline", c["state"]), className="window-timeline"),
            " · ",
            html.A(
                "download (CSV)",
                href=links.export_href("window_contracts", "csv", c["state"]),
                download="",
                className="window-export",
            ),
        ],
        className="mb-0 mt-1",
    )


def window_card(c: dict, st: dict) -> html.Article:
    """One window (``logic.windows.card``): what, when, who, for how much, and links to its views."""
    heading = [
        f"{c['rank']}. ",
        c["group"],
        html.Small(f" · {c['group_label']} ", className="text-body-secondary"),
        status_badge(c["status"], className="ms-1 fs-6 align-middle window-status"),
    ]
    who = [
        html.Strong("Incumbent suppliers: "), c["suppliers"], " · ", html.Strong("Systems: "), c["systems"], " · ",
        html.Strong("Total annual value: "), c["value"] + c["value_note"],
    ]  # fmt: skip
    body = [
        html.H3(heading, className="h5"),
        html.P([html.Strong(c["ends"]), c["procurement"]], className="mb-1"),
        _boroughs(c, st),
        html.P(who, className="mb-1 window-who"),
    ]
    if c["extensions"]:
        body.append(html.P(c["extensions"], className="mb-1 text-warning-emphasis window-extensions"))
    if c["unknown"]:
        unknown = [html.Strong("May also be in scope (no end date recorded): "), c["unknown"]]
        body.append(html.P(unknown, className="small mb-1 window-unknown"))
    body += [_links(c), _contracts(c)]
    return html.Article(body, className="card card-body mb-2 py-2 window-card", id=f"window-{c['rank']}")


def summary(m: dict) -> html.P:
    count, rule = wl.summary(m)
    return html.P([html.Strong(count, id="windows-count"), rule], className="mb-1")


def pager(m: dict) -> html.Nav:
    """Previous / next buttons and which windows are shown; always there (disabled at the ends),
    so the options callback always has its inputs."""
    button = {"color": "outline-primary", "size": "sm", "n_clicks": 0}
    return html.Nav(
        [
            dbc.Button(f"Previous {wl.PAGE_SIZE}", id=PAGER[0], disabled=m["page"] <= 1, className="me-2", **button),
            html.Span(wl.page_text(m), className="small me-2", id="windows-page"),
            dbc.Button(f"Next {wl.PAGE_SIZE}", id=PAGER[1], disabled=m["page"] >= m["pages"], **button),
        ],
        className="my-2" if m["pages"] > 1 else "d-none",
        **{"aria-label": "Pages of windows"},
    )


def results(m: dict, st: dict, problems: Sequence[str] = ()) -> list:
    """Everything the options change: the summary, notes, links, this page's cards and the pager."""
    described = state.describe(st)
    out: list = ui.url_problems(problems)
    out += [
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
        ui.download_links("windows", st, "of these windows (every page)"),
        ui.download_links("window_contracts", st, "of their contracts"),
    ]
    if not m["windows"]:
        out.append(
            ui.message(
                "No window matches: try fewer boroughs, a longer window, latest end dates, or fewer filters.",
                message_id="windows-none",
            )
        )
    first = m["first_rank"]
    cards = [window_card(wl.card(rank, w, m, st), st) for rank, w in enumerate(m["shown"], start=first)]
    out += [html.Section(cards, id="windows-list"), pager(m)]
    return out


def control_values(m: dict) -> list:
    """The options' values for a model, in the order the options callback reads them."""
    return [*(m["params"][name] for name in wl.PARAM_NAMES), m["show_ended"]]


def content(cur: duckdb.DuckDBPyConnection, st: dict, problems: Sequence[str] = (), today: date | None = None) -> list:
    """Everything below the heading, for a validated URL state (a plain dict works too)."""
    m = wl.model(cur, st, today)
    return [
        controls(m["params"], m["show_ended"]),
        html.Div(results(m, st, problems), id=RESULTS, **{"data-search": VIEW.search(st)}),
    ]


def redraw(cur: duckdb.DuckDBPyConnection, search: str | None) -> tuple[list, list]:
    """The results and the options' values for the URL an option wrote (or back/forward went to)."""
    st, problems = VIEW.check_query(search)
    m = wl.model(cur, st)
    return results(m, st, problems), control_values(m)


layout = ui.view_layout(
    VIEW,
    "Joint procurement windows",
    content,
    lead="Boroughs whose contracts for the same thing end at about the same time: chances to buy together.",
)


def register(app: dash.Dash) -> None:
    """The page's callbacks, on ``app`` (called by ``create_app``)."""
    controls_ = [*((CONTROL_IDS[name], "value") for name in wl.PARAM_NAMES), (ENDED, "value")]
    ui.register_partial(app, VIEW, (LOCATION, RESULTS), controls_, options_to_search, redraw, PAGER)
