"""Joint procurement windows: where several boroughs' contracts for the same thing end together.

The ranked list of windows (``dashboard.windows``) for the shared filters and the window
parameters in the URL. Everything shown is computed once by ``model`` from the URL state, and
the exports (``windows``: one row per window; ``window_contracts``: one row per contract in
them) read the same model, so a download holds exactly what the page lists.

The parameter controls write the URL through a ``dcc.Location`` this page owns
(``refresh="callback-nav"``): Dash pages then re-render the page from the new query, so a link,
a reload and back/forward all give the same list. The callback is thin; ``search_for_controls``
is a plain function.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import dash
import dash_bootstrap_components as dbc
import duckdb
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import exports, state
from dashboard import layout as ui
from dashboard import windows as wa
from dashboard.exports import register_export
from dashboard.queries import windows as wq
from etl import reference

wa.declare_url_keys()

dash.register_page(
    __name__,
    path="/windows",
    name="Windows",
    title=f"Joint procurement windows · {ui.PRODUCT}",
    description="Boroughs whose contracts for the same service, system or supplier end at about the same time.",
    order=40,
)

MAX_WINDOWS = 50  # windows listed at most (and exported): beyond that, the list is no longer a shortlist
OPEN_DETAILS = 3  # the first windows show their contracts without a click
MAX_CONTRACT_ROWS = 40  # per window on screen (more than the 33 authorities); the export has them all
MAX_UNKNOWN_NAMED = 20  # contracts with no end date named per window; the rest counted
LOCATION = "windows-url"
PARAM_NAMES: tuple[str, ...] = tuple(wa.PARAM_DEFAULTS)
CONTROL_IDS: dict[str, str] = {name: f"windows-{name}" for name in PARAM_NAMES}
EXTENSION_LABELS = {"base": "Contract end dates", "max": "Latest end dates, with extensions"}
RANK_LABELS = {"boroughs": "Most boroughs", "value": "Highest annual value", "soonest": "Soonest procurement start"}

WINDOW_HEADINGS = [
    "Rank", "Grouped by", "Group", "Contracts end from", "Contracts end to", "Start procurement by",
    "Boroughs", "Borough names", "Contracts", "Incumbent suppliers", "Systems", "Total annual value (£)",
    "Contracts with no end date (may also be in scope)", "Contracts only in the window with extensions",
]  # fmt: skip
CONTRACT_HEADINGS = [
    "Rank", "Group", "Window from", "Window to", "Contract id", "Borough code", "Borough", "Supplier", "System",
    "End date", "Latest end date", "Annual value (£)", "Only with extensions",
]  # fmt: skip


# --------------------------------------------------------------------------- model


def carried(st: dict) -> dict:
    """The part of the state every link from this page keeps: shared filters and the manufacturer key."""
    out = state.filters_of(st)
    if st.get("manufacturer"):
        out["manufacturer"] = st["manufacturer"]
    return out


def model(cur: duckdb.DuckDBPyConnection, st: dict, today: date | None = None) -> dict:
    """The windows the page lists for a URL state, ranked and capped, with what the page says about them."""
    today = today or date.today()
    p = wa.window_params(st)
    makers = st.get("manufacturer")
    contracts = wq.window_contracts(cur, p["group_by"], p["extensions"], st, makers)
    found, unknown = wa.find_windows(contracts, p["min_boroughs"], p["window_months"], p["lead_months"])
    effect: dict[str, set[str]] = {}
    if p["extensions"] == "max":
        base, _ = wa.find_windows(
            wq.window_contracts(cur, p["group_by"], "base", st, makers),
            p["min_boroughs"],
            p["window_months"],
            p["lead_months"],
        )
        effect = wa.extension_effect(base, found)
    live, past = wa.current(found, today)
    ranked = wa.rank_windows(live, p["rank"])
    return {
        "params": p,
        "windows": ranked[:MAX_WINDOWS],
        "total": len(ranked),
        "past": past,
        "effect": effect,
        "unknown": sum(len(v) for v in unknown.values()),
        "today": today,
    }


def window_state(st: dict, p: dict, w: wa.Window) -> dict:
    """The state of one window's own views: the filters, its group and its contracts' end dates.

    ``end_from``/``end_to`` are the contracts' own end dates (without extensions), since that
    is what the shared filter selects on; the window parameters go along, so the timeline
    finds the same window.
    """
    low, high = wa.base_end_range(w)
    out = {**carried(st), **wa.non_default(p), "end_from": low.isoformat(), "end_to": high.isoformat()}
    out[p["group_by"]] = [w.group]
    return out


def timeline_href(st: dict) -> str:
    return "/timeline" + state.to_search(st)


def borough_href(code: str, st: dict) -> str:
    """A borough's page with the shared filters (its own code is in the path)."""
    return f"/borough/{code}" + state.to_search({k: v for k, v in state.filters_of(st).items() if k != "borough"})


# --------------------------------------------------------------------------- exports


@register_export("windows")
def windows_table(cur: duckdb.DuckDBPyConnection, st: dict):
    """One row per window listed, in the page's order."""
    m = model(cur, st)
    names = reference.borough_names()
    group_label = wa.GROUP_LABELS[m["params"]["group_by"]]
    rows = []
    for rank, w in enumerate(m["windows"], start=1):
        extended = wa.moved_by_extensions(w, m["effect"])
        rows.append(
            [
                rank,
                group_label,
                w.group,
                w.start,
                w.end,
                w.procurement_start,
                len(w.boroughs),
                "; ".join(names.get(code, code) for code in w.boroughs),
                len(w.contracts),
                "; ".join(w.suppliers),
                "; ".join(w.systems),
                w.annual_value,
                len(w.unknown_end),
                "; ".join(f"{names.get(c.borough_code, c.borough_code)} ({c.contract_id})" for c in extended),
            ]
        )
    return WINDOW_HEADINGS, rows


@register_export("window_contracts")
def window_contracts_table(cur: duckdb.DuckDBPyConnection, st: dict):
    """One row per contract of the windows listed, window by window in the page's order."""
    m = model(cur, st)
    names = reference.borough_names()
    rows = []
    for rank, w in enumerate(m["windows"], start=1):
        extended = {c.contract_id for c in wa.moved_by_extensions(w, m["effect"])}
        for c in w.contracts:
            rows.append(
                [
                    rank,
                    w.group,
                    w.start,
                    w.end,
                    c.contract_id,
                    c.borough_code,
                    names.get(c.borough_code, c.borough_code),
                    c.supplier,
                    c.system,
                    c.base_end,
                    c.max_end,
                    c.annual_value,
                    c.contract_id in extended,
                ]
            )
    return CONTRACT_HEADINGS, rows


# --------------------------------------------------------------------------- controls


def search_for_controls(search: str | None, values: Sequence) -> str | None:
    """The URL after a parameter control changed (values in ``PARAM_NAMES`` order), or None if unchanged.

    Each value is checked like a URL's; a default or an invalid value removes its key, so the
    URL stays short and one view has one URL.
    """
    changes: dict[str, object] = {}
    for name, value in zip(PARAM_NAMES, values, strict=True):
        checked = wa.window_params({name: value})[name]
        changes[name] = None if checked == wa.PARAM_DEFAULTS[name] else checked
    new = state.updated(search, **changes)
    return None if new == state.to_search(state.parse_query(search)) else new


def _number(name: str, value: int) -> dbc.Col:
    low, high = wa.LIMITS[name]
    return dbc.Col(
        [
            html.Label(wa.LABELS[name], htmlFor=CONTROL_IDS[name], className="form-label small mb-1"),
            dcc.Input(
                id=CONTROL_IDS[name],
                type="number",
                min=low,
                max=high,
                step=1,
                value=value,
                debounce=True,
                className="form-control form-control-sm",
            ),
        ],
        xs=6,
        md=3,
    )


def _radios(name: str, labels: dict[str, str], value: str) -> dbc.Col:
    return dbc.Col(
        html.Fieldset(
            [
                html.Legend(wa.LABELS[name], className="form-label small mb-1 fs-6"),
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
    group_by = dbc.Col(
        [
            html.Label(wa.LABELS["group_by"], htmlFor=CONTROL_IDS["group_by"], className="form-label small mb-1"),
            dcc.Dropdown(
                id=CONTROL_IDS["group_by"],
                options=[{"label": text, "value": key} for key, text in wa.GROUP_LABELS.items()],
                value=p["group_by"],
                clearable=False,
                searchable=False,
            ),
        ],
        xs=6,
        md=3,
    )
    return html.Section(
        [
            html.H2("Window parameters", className="visually-hidden"),
            dcc.Location(id=LOCATION, refresh="callback-nav"),
            dbc.Row(
                [
                    group_by,
                    _number("min_boroughs", p["min_boroughs"]),
                    _number("window_months", p["window_months"]),
                    _number("lead_months", p["lead_months"]),
                ],
                className="g-2",
            ),
            dbc.Row(
                [_radios("extensions", EXTENSION_LABELS, p["extensions"]), _radios("rank", RANK_LABELS, p["rank"])],
                className="g-2 mt-1",
            ),
        ],
        className="border rounded p-3 mb-3",
        id="windows-controls",
        **{"aria-label": "Window parameters"},
    )


@dash.callback(
    Output(LOCATION, "search"),
    *(Input(CONTROL_IDS[name], "value") for name in PARAM_NAMES),
    State(LOCATION, "search"),
    prevent_initial_call=True,
)
def controls_to_url(*values_and_search):
    new = search_for_controls(values_and_search[-1], values_and_search[:-1])
    if new is None:
        raise PreventUpdate
    return new


# --------------------------------------------------------------------------- components


def _list(items: list[str]) -> str:
    return ", ".join(items) if items else "not recorded"


def contracts_table(w: wa.Window, extended: set[str], names: dict[str, str]) -> dbc.Table:
    """The window's contracts, the first ``MAX_CONTRACT_ROWS`` of them (dense data has hundreds)."""
    rows = [
        [
            names.get(c.borough_code, c.borough_code),
            c.supplier or "not recorded",
            c.system or "not recorded",
            ui.fmt_date(c.base_end),
            ui.fmt_date(c.max_end),
            ui.fmt_money(c.annual_value),
            "Only with extensions" if c.contract_id in extended else "",
        ]
        for c in w.contracts[:MAX_CONTRACT_ROWS]
    ]
    return ui.data_table(
        ["Borough", "Supplier", "System", "End date", "Latest end", "Annual value", "Note"],
        rows,
        f"Contracts in the {w.group} window",
    )


def window_card(rank: int, w: wa.Window, m: dict, st: dict) -> html.Article:
    """One window: what, when, who, for how much, and links to its timeline and its contracts' export."""
    p = m["params"]
    names = reference.borough_names()
    extended = wa.moved_by_extensions(w, m["effect"])
    ids = {c.contract_id for c in extended}
    own = window_state(st, p, w)
    boroughs: list = []
    for i, code in enumerate(w.boroughs):
        boroughs += [", "] if i else []
        boroughs.append(dcc.Link(names.get(code, code), href=borough_href(code, st)))
    valued = sum(1 for c in w.contracts if c.annual_value is not None)
    body = [
        html.H3(
            [f"{rank}. ", w.group, html.Small(f" · {wa.GROUP_LABELS[p['group_by']]}", className="text-body-secondary")],
            className="h5",
        ),
        html.P(
            [
                html.Strong(f"Contracts end {ui.fmt_date(w.start)} to {ui.fmt_date(w.end)}"),
                f" · start procurement by {ui.fmt_date(w.procurement_start)} ({p['lead_months']} months' lead)",
            ],
            className="mb-1",
        ),
        html.P([html.Strong(f"{len(w.boroughs)} boroughs: "), *boroughs], className="mb-1 window-boroughs"),
        html.P(
            [
                html.Strong("Incumbent suppliers: "),
                _list(w.suppliers),
                html.Br(),
                html.Strong("Systems: "),
                _list(w.systems),
            ],
            className="mb-1",
        ),
        html.P(
            [
                html.Strong("Total annual value: "),
                ui.fmt_money(w.annual_value) if valued else "not recorded",
                f" (over the {valued} of {len(w.contracts)} contracts with a known value)" if valued else "",
            ],
            className="mb-1",
        ),
    ]
    if extended:
        body.append(
            html.P(
                f"{len(extended)} of these contracts "
                + ("lines up only if its" if len(extended) == 1 else "line up only if their")
                + " extension options are taken: "
                + "; ".join(
                    f"{names.get(c.borough_code, c.borough_code)} ({c.system or c.supplier})" for c in extended
                ),
                className="mb-1 text-warning-emphasis window-extensions",
            )
        )
    body.append(
        html.Details(
            [
                html.Summary(f"The {len(w.contracts)} contracts"),
                html.Div(contracts_table(w, ids, names), className="table-responsive"),
                *(
                    [
                        html.P(
                            f"Showing the first {MAX_CONTRACT_ROWS} of {len(w.contracts):,} contracts "
                            "(by end date); download this window's contracts for all of them.",
                            className="small text-body-secondary mb-0",
                        )
                    ]
                    if len(w.contracts) > MAX_CONTRACT_ROWS
                    else []
                ),
            ],
            open=rank <= OPEN_DETAILS,
            className="my-2",
        )
    )
    if w.unknown_end:
        body.append(
            html.P(
                [
                    html.Strong("May also be in scope (no end date recorded): "),
                    "; ".join(
                        f"{names.get(c.borough_code, c.borough_code)} ({c.system or c.supplier or 'not recorded'})"
                        for c in w.unknown_end[:MAX_UNKNOWN_NAMED]
                    ),
                    f"; and {len(w.unknown_end) - MAX_UNKNOWN_NAMED:,} more"
                    if len(w.unknown_end) > MAX_UNKNOWN_NAMED
                    else "",
                ],
                className="small mb-1 window-unknown",
            )
        )
    body.append(
        html.P(
            [
                dcc.Link("Show on the timeline", href=timeline_href(own), className="me-3 window-timeline"),
                html.A(
                    "Download these contracts (CSV)",
                    href=exports.export_href("window_contracts", "csv", own),
                    download="",
                    className="window-export",
                ),
            ],
            className="mb-0 mt-2",
        )
    )
    return html.Article(dbc.CardBody(body), className="card mb-3 window-card", id=f"window-{rank}")


def summary(m: dict) -> html.P:
    p = m["params"]
    n = m["total"]
    ends = "latest end dates with extensions" if p["extensions"] == "max" else "contract end dates"
    return html.P(
        [
            html.Strong(f"{n:,} window{'' if n == 1 else 's'}", id="windows-count"),
            f": at least {p['min_boroughs']} boroughs whose contracts for the same "
            f"{wa.GROUP_LABELS[p['group_by']].lower()} end within {p['window_months']} months of each other "
            f"(by {ends}), ordered by {RANK_LABELS[p['rank']].lower()}.",
        ],
        className="mb-1",
    )


def content(cur: duckdb.DuckDBPyConnection, st: dict, problems: Sequence[str] = (), today: date | None = None) -> list:
    """Everything below the heading, for a validated URL state (a plain dict works too)."""
    m = model(cur, st, today)
    p = m["params"]
    described = state.describe(st)
    notes = []
    if m["total"] > len(m["windows"]):
        notes.append(
            f"Listing the first {len(m['windows'])} of {m['total']:,} windows; "
            "raise the minimum number of boroughs or narrow the filters to see others."
        )
    if m["past"]:
        one = m["past"] == 1
        notes.append(
            f"{m['past']:,} window{'' if one else 's'} that ended before today {'is' if one else 'are'} not listed."
        )
    out: list = [ui.message(text, color="warning") for text in problems]
    out += [
        controls(p),
        summary(m),
        *([html.P("Filtered: " + "; ".join(described), className="mb-1 small")] if described else []),
        *(html.P(text, className="small text-body-secondary mb-1 windows-note") for text in notes),
        html.P(
            dcc.Link(
                "Show these windows on the timeline",
                href=timeline_href({**carried(st), **wa.non_default(p)}),
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
    out.append(
        html.Section([window_card(rank, w, m, st) for rank, w in enumerate(m["windows"], start=1)], id="windows-list")
    )
    return out


def layout(**query) -> list:
    """Dash calls this with the URL's query; invalid parameters are reported and fall back to defaults."""
    st, problems = state.check_params(query)
    return ui.page(
        "Joint procurement windows",
        lambda cur: content(cur, st, problems),
        lead="Boroughs whose contracts for the same thing end at about the same time: chances to buy together.",
    )
