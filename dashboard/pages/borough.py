"""One page per London authority (``/borough/<code>``): what it runs, who supplies it, what ends soon.

Reached from the borough names of the matrix and the tile map, which pass their query string
along: the shared filters keep applying here (with ``borough`` fixed to this page's), and the
"back" link returns to the exact view the reader came from. A code that is not a London
authority's gets a plain not-found message, never an error page.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import unquote

import dash
import dash_bootstrap_components as dbc
import duckdb
from dash import dcc, html

from dashboard import layout as ui
from dashboard import queries, state
from dashboard.exports import register_export
from dashboard.queries import borough as bq
from dashboard.tilemap import link_to
from etl import reference

MAX_SHOWN_CODE = 60  # an unknown code is echoed back, but not an arbitrarily long one


def resolve(code: object) -> reference.Borough | None:
    """The authority for an ONS code (any case) or a name in the path ('camden', 'tower-hamlets')."""
    if not isinstance(code, str) or not code.strip():
        return None
    text = unquote(code).strip()
    by_code = {b.code: b for b in reference.boroughs()}
    if text.upper() in by_code:
        return by_code[text.upper()]
    return by_code.get(reference.borough_code(text.replace("-", " ").replace("_", " ")) or "")


def _title(code: str | None = None, **_) -> str:
    b = resolve(code)
    return f"{b.name if b else 'Borough not found'} · {ui.PRODUCT}"


dash.register_page(
    __name__,
    path_template="/borough/<code>",
    name="Borough",
    title=_title,
    description="A London borough's systems, suppliers, contracts ending soon and data coverage.",
    nav=False,  # reached from the matrix and the tile map, not from the navbar
)

SYSTEM_HEADINGS = [
    "Service area", "System", "Supplier", "Contract end", "Latest end", "Annual cost (£)", "Confidence (1-5)",
    "Satisfaction (1-5)",
]  # fmt: skip


def _or_dash(value: object) -> str:
    return "–" if value is None else str(value)


def plural(n: int, word: str) -> str:
    return f"{ui.fmt_int(n)} {word}{'' if n == 1 else 's'}"


def short_date(value: date | None) -> str:
    """'30 Sep 2029': table columns of dates stay on one line."""
    return "–" if value is None else f"{value.day} {value:%b %Y}"


def table(headings: list[str], rows: list[list], caption: str, numeric=(), table_id=None, nowrap=()):
    """A plain HTML table whose cells may be text or links; numeric columns right-aligned.

    Numbers and the ``nowrap`` columns (dates) stay on one line, so a column reads down evenly.
    """

    def align(i: int) -> str | None:
        return "text-end text-nowrap" if i in numeric else "text-nowrap" if i in nowrap else None

    return html.Div(
        dbc.Table(
            [
                html.Caption(caption),
                html.Thead(html.Tr([html.Th(h, scope="col", className=align(i)) for i, h in enumerate(headings)])),
                html.Tbody([html.Tr([html.Td(v, className=align(i)) for i, v in enumerate(r)]) for r in rows]),
            ],
            size="sm",
            striped=True,
            hover=True,
            className="mb-0",
            **({"id": table_id} if table_id else {}),
        ),
        className="table-responsive",
    )


def _export_code(filters: dict) -> str | None:
    raw = filters.get("borough")
    values = raw if isinstance(raw, list | tuple) else [raw]
    found = {b.code for b in map(resolve, values) if b}
    return found.pop() if len(found) == 1 else None


@register_export("borough")
def systems_table(cur: duckdb.DuckDBPyConnection, filters: dict) -> tuple[list[str], list[list]]:
    """The borough's systems by service area, as shown on its page (``borough`` names the one borough)."""
    code = _export_code(filters)
    if code is None:
        return list(SYSTEM_HEADINGS), []
    rows, _total = bq.systems(cur, code, filters)
    return list(SYSTEM_HEADINGS), [[r[c] for c in bq.SYSTEM_COLUMNS] for r in rows]


# --------------------------------------------------------------------------- sections


def not_found(code: object) -> list:
    """The 404-style page for a code that is not a London authority's."""
    shown = unquote(str(code or ""))[:MAX_SHOWN_CODE]
    text = (
        f"No London borough has the code “{shown}”. "
        "Codes run from E09000001 (City of London) to E09000033 (Westminster)."
        if shown
        else "No borough was given."
    )
    return [
        html.H1("Borough not found", className="h2 mb-1"),
        ui.message(text, color="warning", message_id="borough-not-found"),
        html.P(dcc.Link("See all boroughs and their systems", href="/matrix")),
    ]


def _filtered(filters: dict) -> bool:
    """Whether the query narrows the borough's contracts (any shared filter other than borough)."""
    rest = {k: v for k, v in filters.items() if k != "borough"}
    return queries.where_clause(rest) != queries.where_clause({})


def header_links(b: reference.Borough, filters: dict) -> list:
    links = html.P(
        [
            dcc.Link(
                f"All {b.name} contracts", href=link_to("/contracts", filters, borough=b.code), id="contracts-link"
            ),
            " · ",
            dcc.Link("Back to boroughs × service areas", href=link_to("/matrix", filters), id="matrix-link"),
        ]
    )
    out = [links]
    if _filtered(filters):
        out.append(
            html.Div(
                [
                    "Only contracts that match the current filters are shown. ",
                    dcc.Link(f"Show all of {b.name}'s contracts", href=f"/borough/{b.code}"),
                ],
                className="alert alert-info",
                role="status",
                id="filtered-notice",
            )
        )
    return out


def cards(numbers: dict) -> html.Section:
    valued = numbers["valued"]
    items = [
        ui.stat_card("Contracts", ui.fmt_int(numbers["contracts"]), card_id="borough-contracts"),
        ui.stat_card("Systems", ui.fmt_int(numbers["systems"]), card_id="borough-systems"),
        ui.stat_card("Suppliers", ui.fmt_int(numbers["suppliers"]), card_id="borough-suppliers"),
        ui.stat_card(
            "Annual value",
            ui.fmt_money(numbers["annual_value"]),
            f"over the {ui.fmt_int(valued)} contracts with a known value",
            card_id="borough-annual-value",
        ),
        ui.stat_card("Ending within 12 months", ui.fmt_int(numbers["ending_12m"]), card_id="borough-ending-12m"),
        ui.stat_card("Ending within 24 months", ui.fmt_int(numbers["ending_24m"]), card_id="borough-ending-24m"),
    ]
    return html.Section([html.H2("In numbers", className="visually-hidden"), dbc.Row(items, className="g-3 mb-4")])


def systems_section(rows: list[dict], total: int, b: reference.Borough, filters: dict) -> html.Section:
    shown = [
        [
            r["service_area"] or queries.UNKNOWN_SERVICE_AREA,
            r["system_name"] or "not named",
            r["supplier_name"] or "not recorded",
            short_date(r["end_date"]),
            short_date(r["max_end_date"]),
            ui.fmt_money(r["annual_value"]),
            _or_dash(r["confidence"]),
            _or_dash(r["satisfaction"]),
        ]
        for r in rows
    ]
    parts = [
        html.H2("Systems by service area", className="h4"),
        table(
            SYSTEM_HEADINGS, shown, f"{b.name}'s contracts by service area", {5, 6, 7}, "borough-systems-table", {3, 4}
        ),
    ]
    if total > len(rows):
        parts.append(
            html.P(
                [
                    f"Showing the first {len(rows):,} of {total:,} contracts. ",
                    dcc.Link("See them all", href=link_to("/contracts", filters, borough=b.code)),
                ],
                className="small",
            )
        )
    parts.append(
        html.P(
            [
                "Download this table: ",
                html.A("CSV", href=link_to("/export/borough.csv", filters, borough=b.code)),
                " · ",
                html.A("Excel", href=link_to("/export/borough.xlsx", filters, borough=b.code)),
            ],
            className="small mt-2",
        )
    )
    return html.Section(parts, className="mb-4")


def suppliers_section(rows: list[dict], b: reference.Borough, filters: dict) -> html.Section:
    shown = [
        [
            dcc.Link(
                r["supplier_name"], href=link_to("/contracts", filters, borough=b.code, supplier=r["supplier_name"])
            )
            if r["supplier_name"]
            else "not recorded",
            ui.fmt_int(r["contracts"]),
            ui.fmt_int(r["systems"]),
            ui.fmt_money(r["annual_value"]),
        ]
        for r in rows
    ]
    return html.Section(
        [
            html.H2("Suppliers", className="h4"),
            table(
                ["Supplier", "Contracts", "Systems", "Annual value"],
                shown,
                f"{b.name}'s suppliers, largest annual value first",
                {1, 2, 3},
                "borough-suppliers-table",
            ),
        ],
        className="mb-4",
    )


def ending_section(rows: list[dict], numbers: dict, b: reference.Borough) -> html.Section:
    within = {True: "Within 12 months", False: "In 12 to 24 months"}
    shown = [
        [
            short_date(r["end_date"]),
            within[bool(r["within_12m"])],
            r["service_area"] or queries.UNKNOWN_SERVICE_AREA,
            r["system_name"] or "not named",
            r["supplier_name"] or "not recorded",
            short_date(r["max_end_date"]),
            ui.fmt_money(r["annual_value"]),
        ]
        for r in rows
    ]
    summary = (
        f"Ending within 12 months: {ui.fmt_int(numbers['ending_12m'])}; "
        f"within 24 months (including those): {ui.fmt_int(numbers['ending_24m'])}."
    )
    body = (
        table(
            ["Contract end", "When", "Service area", "System", "Supplier", "Latest end", "Annual cost"],
            shown,
            f"{b.name}'s contracts ending in the next 24 months, soonest first",
            {6},
            "borough-ending-table",
            {0, 5},
        )
        if rows
        else html.P("None of its contracts end in the next 24 months.", className="text-body-secondary")
    )
    return html.Section(
        [html.H2("Contracts ending soon", className="h4"), html.P(summary, id="borough-ending-summary"), body],
        className="mb-4",
    )


def coverage_section(cov: dict, b: reference.Borough) -> html.Section:
    files = cov["survey_files"]
    returned = bool(files) or cov["survey_rows"] > 0
    if files:
        survey = [
            f"Yes: {plural(len(files), 'file')}, {plural(cov['survey_rows'], 'row')} in the database.",
            html.Ul(
                [
                    html.Li(
                        f"{f['file']}: {ui.fmt_int(f['loaded'])} rows loaded of {ui.fmt_int(f['records_read'])} read"
                        f" ({ui.fmt_int(f['rejected'])} rejected, {ui.fmt_int(f['skipped'])} skipped)"
                    )
                    for f in files
                ],
                className="mb-0",
            ),
        ]
    elif returned:
        survey = [f"Yes: {plural(cov['survey_rows'], 'row')} in the database."]
    else:
        survey = ["No: this build has no survey return from this borough."]
    open_data = cov["open_data"]
    notices = (
        ", ".join(f"{ui.fmt_int(n)} from {source.replace('_', ' ')}" for source, n in open_data.items())
        if open_data
        else "none"
    )
    items = [
        html.Dt("Survey returned"),
        html.Dd(survey, id="coverage-survey"),
        html.Dt("Open-data notices"),
        html.Dd(notices, id="coverage-open-data"),
        html.Dt("Database built"),
        html.Dd(ui.fmt_date(cov["built_at"])),
    ]
    return html.Section(
        [html.H2("Data coverage", className="h4"), html.Dl(items, className="mb-0")],
        className="mb-4",
        id="borough-coverage",
    )


def content(
    cur: duckdb.DuckDBPyConnection,
    b: reference.Borough,
    filters: dict | None = None,
    today: date | None = None,
    problems: list[str] | None = None,
) -> list:
    """Everything below the heading: the borough's contracts under the query's filters, and its coverage."""
    filters = dict(filters or {})
    scoped = bq.for_borough(filters, b.code)
    try:
        numbers = queries.headline(cur, scoped, today=today)
    except ValueError as err:  # a malformed date that did not come through ``state``
        return [ui.message(str(err), color="warning", message_id="filter-error")]
    rows, total = bq.systems(cur, b.code, filters)
    return [
        *(ui.message(p, color="warning") for p in problems or []),
        *header_links(b, filters),
        cards(numbers),
        systems_section(rows, total, b, filters),
        suppliers_section(bq.suppliers(cur, b.code, filters), b, filters),
        ending_section(bq.ending(cur, b.code, filters, today), numbers, b),
        coverage_section(bq.coverage(cur, b.code), b),
    ]


def layout(code: str | None = None, **query) -> list:
    """Dash calls this with the path's ``code`` and the query parameters."""
    b = resolve(code)
    if b is None:
        return not_found(code)
    st, problems = state.check_params(query)  # the same canonical filters as every other view
    return ui.page(
        b.name,
        lambda cur: content(cur, b, st, problems=problems),
        lead=f"What {b.name} runs, who supplies it, and which contracts end soon.",
    )
