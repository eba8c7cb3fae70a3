"""Timeline: when the filtered contracts run and end, with the joint procurement windows shaded.

A Gantt chart (``dashboard.figures_timeline``) of the contracts matching the shared filters,
one row per borough (or per contract, ``rows=contract``) within each group of the chosen
grouping; the windows are those of the Windows page for the same URL parameters. At most
``MAX_DRAWN`` contracts are drawn, and the page says so when there are more.

Clicking a bar or a window's handle filters the rest of the app: ``click_href`` (a plain
function) turns the point's ``customdata`` into a Contracts URL, and a thin callback navigates
there through a ``dcc.Location`` this page owns.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

import dash
import duckdb
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import figures_timeline as ft
from dashboard import layout as ui
from dashboard import state
from dashboard import windows as wa
from dashboard.exports import register_export
from dashboard.queries import timeline as tq
from dashboard.queries import windows as wq
from etl import reference

wa.declare_url_keys()
state.declare("rows", state.choice(*ft.MODES), label="Timeline rows")

dash.register_page(
    __name__,
    path="/timeline",
    name="Timeline",
    title=f"Contract timeline · {ui.PRODUCT}",
    description="When London borough technology contracts run and end, with joint procurement windows shaded.",
    order=45,
)

GRAPH = "timeline-graph"
LOCATION = "timeline-url"
ROW_LABELS = {"borough": "One row per borough", "contract": "One row per contract"}
TABLE_HEADINGS = [
    "Group", "Borough", "Supplier", "System", "Start date", "End date", "Latest end date", "Annual value (£)",
]  # fmt: skip


def rows_mode(st: dict) -> str:
    value = st.get("rows")
    return value if value in ft.MODES else "borough"


def view_keys(st: dict) -> dict:
    """What this view's own links keep: the filters, the manufacturer key, its non-default parameters."""
    out = state.filters_of(st)
    if st.get("manufacturer"):
        out["manufacturer"] = st["manufacturer"]
    out.update(wa.non_default(wa.window_params(st)))
    if rows_mode(st) != "borough":
        out["rows"] = rows_mode(st)
    return out


def model(cur: duckdb.DuckDBPyConnection, st: dict, today: date | None = None) -> dict:
    """The contracts drawn, the counts behind the cap note, and the windows to shade."""
    today = today or date.today()
    p = wa.window_params(st)
    makers = st.get("manufacturer")
    windows, _ = wa.find_windows(
        wq.window_contracts(cur, p["group_by"], p["extensions"], st, makers),
        p["min_boroughs"],
        p["window_months"],
        p["lead_months"],
    )
    drawn = tq.timeline_rows(cur, p["group_by"], st, makers, limit=ft.MAX_DRAWN, today=today)
    return {"params": p, "mode": rows_mode(st), "windows": windows, "today": today, **drawn}


def table_rows(rows: list[dict]) -> list[list]:
    """The drawn contracts in the chart's row order, raw values (for the export)."""
    names = reference.borough_names()
    _, where = ft.arrange(rows, "contract")
    out = []
    for r in sorted(rows, key=lambda r: where[r["contract_id"]]):
        out.append(
            [
                r["group"] or ft.NOT_KNOWN,
                names.get(r["borough_code"], r["borough_code"]),
                r["supplier"],
                r["system"],
                r["start"],
                r["end"],
                r["max_end"],
                r["annual_value"],
            ]
        )
    return out


@register_export("timeline")
def timeline_table(cur: duckdb.DuckDBPyConnection, st: dict):
    """The contracts the timeline draws (at most ``MAX_DRAWN``), grouped as on the chart."""
    return TABLE_HEADINGS, table_rows(model(cur, st)["rows"])


# --------------------------------------------------------------------------- clicks


def click_href(click_data: dict | None, st: dict) -> str | None:
    """The Contracts URL a click on the timeline leads to, or None for a click on nothing useful.

    The shared filters are kept; the borough(s), the group and the contracts' end dates of the
    clicked bar or window replace theirs. Manufacturer is not a shared filter, so a
    manufacturer window filters by its systems instead. Everything goes through the URL
    validation of ``dashboard.state``, so a crafted ``customdata`` cannot write a bad URL.
    """
    points = (click_data or {}).get("points") or []
    raw = points[0].get("customdata") if points and isinstance(points[0], dict) else None
    try:
        info = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        info = None
    if not isinstance(info, dict) or info.get("kind") not in ("contract", "window"):
        return None
    group_by = wa.window_params(st)["group_by"]
    out = state.filters_of(st)
    out["borough"] = info.get("borough") or []
    if group_by == "manufacturer":
        if info.get("system"):
            out["system"] = info["system"]
    elif info.get("group"):
        out[group_by] = [info["group"]]
    out["end_from"], out["end_to"] = info.get("end_from"), info.get("end_to")
    return "/contracts" + state.to_search(out)


@dash.callback(
    Output(LOCATION, "href"),
    Input(GRAPH, "clickData"),
    State(LOCATION, "search"),
    prevent_initial_call=True,
)
def click_to_contracts(click_data, search):
    href = click_href(click_data, state.parse_query(search))
    if href is None:
        raise PreventUpdate
    return href


# --------------------------------------------------------------------------- page


def _choices(label: str, current: str, options: dict[str, str], hrefs: dict[str, str], nav_id: str) -> html.Nav:
    """A row of links, one per choice; the current one is marked for screen readers too."""
    items: list = [html.Span(f"{label}: ", className="me-1")]
    for key, text in options.items():
        if key == current:
            items.append(html.Strong(text, className="me-2", **{"aria-current": "true"}))
        else:
            items.append(dcc.Link(text, href=hrefs[key], className="me-2"))
    return html.Nav(items, className="small mb-1", id=nav_id, **{"aria-label": label})


def controls(st: dict, p: dict, mode: str) -> html.Div:
    keep = view_keys(st)

    def href(**changes: object) -> str:
        merged = {**keep, **changes}
        return "/timeline" + state.to_search({k: v for k, v in merged.items() if v is not None})

    rows = {key: href(rows=None if key == "borough" else key) for key in ft.MODES}
    groups = {key: href(group_by=None if key == wa.PARAM_DEFAULTS["group_by"] else key) for key in wa.GROUP_LABELS}
    return html.Div(
        [
            dcc.Location(id=LOCATION, refresh="callback-nav"),
            _choices("Rows", mode, ROW_LABELS, rows, "timeline-rows"),
            _choices(wa.LABELS["group_by"], p["group_by"], wa.GROUP_LABELS, groups, "timeline-group-by"),
            html.P(
                [
                    f"Windows: at least {p['min_boroughs']} boroughs within {p['window_months']} months"
                    + (", using latest end dates with extensions" if p["extensions"] == "max" else "")
                    + ". ",
                    dcc.Link("Change them on the Windows page", href="/windows" + state.to_search(keep)),
                ],
                className="small mb-1",
            ),
        ],
        id="timeline-controls",
    )


def chart(m: dict) -> object:
    p = m["params"]
    figure = ft.timeline_figure(
        m["rows"],
        m["windows"],
        group_by=p["group_by"],
        mode=m["mode"],
        today=m["today"],
        total=m["total"],
        undated=m["undated"],
    )
    table_values = [
        [
            group,
            borough,
            supplier or "not recorded",
            system or "not recorded",
            ui.fmt_date(start),
            ui.fmt_date(end),
            ui.fmt_date(max_end),
            ui.fmt_money(value),
        ]
        for group, borough, supplier, system, start, end, max_end, value in table_rows(m["rows"])
    ]
    table = ui.data_table(TABLE_HEADINGS, table_values, "Contracts drawn on the timeline")
    return ui.chart(figure, table, GRAPH)


def content(cur: duckdb.DuckDBPyConnection, st: dict, problems: Sequence[str] = (), today: date | None = None) -> list:
    """Everything below the heading, for a validated URL state (a plain dict works too)."""
    m = model(cur, st, today)
    p = m["params"]
    described = state.describe(st)
    note = ft.cap_note(len(m["rows"]), m["total"], m["undated"])
    out: list = [ui.message(text, color="warning") for text in problems]
    out += [
        controls(st, p, m["mode"]),
        *([html.P("Filtered: " + "; ".join(described), className="mb-1 small")] if described else []),
        html.P(
            f"{m['total']:,} dated contract{'' if m['total'] == 1 else 's'}; "
            f"{len(m['windows']):,} window{'' if len(m['windows']) == 1 else 's'} shaded. "
            "Click a bar to see that contract in Contracts, or a window's diamond to see its contracts.",
            className="mb-1",
            id="timeline-summary",
        ),
    ]
    if note:
        out.append(ui.message(note, color="info", message_id="timeline-note"))
    out += [ui.download_links("timeline", st, "of the contracts drawn"), chart(m)]
    return out


def layout(**query) -> list:
    """Dash calls this with the URL's query; invalid parameters are reported and fall back to defaults."""
    st, problems = state.check_params(query)
    return ui.page(
        "Contract timeline",
        lambda cur: content(cur, st, problems),
        lead="When contracts run and end; shaded: boroughs whose contracts end together.",
    )
