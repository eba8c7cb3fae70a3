"""One page per London authority (``/borough/<code>``): what it runs, who supplies it, what ends soon.

Reached from the borough names of the matrix and the tile map, which pass their state along:
the shared filters keep applying here (with ``borough`` fixed to this page's), and the "back"
link returns to the exact view the reader came from. A code that is not a London authority's
gets a plain not-found message, never an error page. Words and cells come from
``logic.borough``; this module only lays them out.
"""

from __future__ import annotations

from datetime import date

import dash
import dash_bootstrap_components as dbc
import duckdb
from dash import dcc, html

from dashboard import format, links
from dashboard import layout as ui
from dashboard.logic import borough as logic
from dashboard.logic.borough import VIEW
from dashboard.logic.my_borough import status_words
from dashboard.logic.overview import headline_figures
from dashboard.pages.my_borough import contact_cell, contacts_note
from dashboard.queries import borough as bq
from dashboard.queries import my_borough as contacts_q
from etl import reference

PAGE = {
    "path_template": VIEW.path,
    "name": "Borough",
    "title": logic.page_title,
    "description": "A London borough's systems, suppliers, contracts ending soon and data coverage.",
    "nav": False,  # reached from the matrix and the tile map, not from the navbar
}


PHONE_HIDDEN = "d-none d-md-table-cell"  # a column left out on a phone (the export and a wider screen have it)
FOLD_AFTER = 5  # rows of a short list shown before "Show n more" (the rest fold, in the page, no request)


def table(headings: list[str], rows: list[list], caption: str, numeric=(), table_id=None, nowrap=(), wide=()):
    """A plain HTML table whose cells may be text or links; numeric columns right-aligned.

    Numbers and the ``nowrap`` columns (dates) stay on one line, so a column reads down evenly; the
    ``wide`` columns are left out on a phone, so the table fits its width without scrolling.
    """

    def align(i: int, cell: bool = True) -> str | None:
        one_line = "text-nowrap" if cell and (i in numeric or i in nowrap) else ""  # a heading may wrap
        classes = ["text-end" if i in numeric else "", one_line, PHONE_HIDDEN if i in wide else ""]
        return " ".join(c for c in classes if c) or None

    return html.Div(
        dbc.Table(
            [
                html.Caption(caption),
                html.Thead(
                    html.Tr([html.Th(h, scope="col", className=align(i, cell=False)) for i, h in enumerate(headings)])
                ),
                html.Tbody([html.Tr([html.Td(v, className=align(i)) for i, v in enumerate(r)]) for r in rows]),
            ],
            size="sm",
            striped=True,
            hover=True,
            className="mb-0 small",
            **({"id": table_id} if table_id else {}),
        ),
        className="table-responsive",
    )


# --------------------------------------------------------------------------- sections


def not_found(code: object) -> list:
    """The 404-style page for a code that is not a London authority's."""
    return [
        html.H1("Borough not found", className="h2 mb-1"),
        ui.message(logic.not_found_text(code), color="warning", message_id="borough-not-found"),
        html.P(dcc.Link("See all boroughs and their systems", href=links.href("matrix"))),
    ]


def header_links(b: reference.Borough, st: dict) -> list:
    """Links to the borough's contracts and back to the matrix, and a notice when filters narrow the page."""
    contracts = links.href("contracts", st, borough=[b.code])
    out = [
        html.P(
            [
                dcc.Link(f"All {b.name} contracts", href=contracts, id="contracts-link"),
                " · ",
                dcc.Link("Back to boroughs × service areas", href=links.href("matrix", st), id="matrix-link"),
            ]
        )
    ]
    if logic.is_filtered(st):
        out.append(
            html.Div(
                [
                    "Only contracts that match the current filters are shown. ",
                    dcc.Link(f"Show all of {b.name}'s contracts", href=links.borough_href(b.code)),
                ],
                className="alert alert-info",
                role="status",
                id="filtered-notice",
            )
        )
    return out


def cards(numbers: dict) -> html.Section:
    """The borough's headline numbers, worded as the overview's (``logic.overview.headline_figures``)."""
    items = [ui.stat_card(f.label, f.value, f.note, card_id=f.card_id) for f in headline_figures(numbers, "borough")]
    return html.Section([html.H2("In numbers", className="visually-hidden"), dbc.Row(items, className="g-3 mb-4")])


def _download(b: reference.Borough, st: dict) -> html.P:
    scoped = {**st, "borough": [b.code]}
    return html.P(
        [
            "Download this table: ",
            html.A("CSV", href=links.export_href("borough", "csv", scoped)),
            " · ",
            html.A("Excel", href=links.export_href("borough", "xlsx", scoped)),
        ],
        className="small mt-2",
    )


def folded(headings: list[str], rows: list[list], caption: str, table_id: str, **columns) -> list:
    """A short list's first ``FOLD_AFTER`` rows, and the rest folded under "Show n more" (a native
    ``details``: opened in the browser, no request), so the page stays short on a phone."""
    head = [table(headings, rows[:FOLD_AFTER], caption, table_id=table_id, **columns)]
    rest = rows[FOLD_AFTER:]
    if not rest:
        return head
    more = table(headings, rest, f"{caption} (continued)", table_id=f"{table_id}-more", **columns)
    summary = html.Summary(f"Show {len(rest):,} more", className="small")
    return [*head, html.Details([summary, more], id=f"{table_id}-fold", className="mt-1")]


def badge(key: str) -> dbc.Badge:
    """A contract's status with its words (``my_borough.status_badge``), wrapping in a narrow column."""
    return ui.status_badge(key, status_words(key), className="status-badge text-wrap text-start")


def system_rows(cur: duckdb.DuckDBPyConnection, rows: list[dict], today: date | None) -> list[list]:
    """The systems table's cells: text, with the status as a badge and whom to call as a link."""
    found = contacts_q.record_contacts(cur, {r["contract_id"]: r["record_ids"] for r in rows})
    with_status = logic.with_status(rows, today)
    out = []
    for r, cells in zip(with_status, logic.system_cells(with_status), strict=True):
        cells[5] = badge(r["status"])
        out.append([*cells, contact_cell(found.get(r["contract_id"]))])
    return out


def systems_section(cells: list[list], total: int, b: reference.Borough, st: dict) -> html.Section:
    caption = f"{b.name}'s contracts by service area"
    parts = [
        html.H2("Systems by service area", className="h4"),
        *contacts_note(),
        table(logic.SYSTEM_HEADINGS, cells, caption, {6, 7, 8}, "borough-systems-table", wide={0, 2, 4, 7, 8, 9}),
    ]
    cut = logic.shown_text(len(cells), total, "contracts")
    if cut:
        see_all = dcc.Link("See them all", href=links.href("contracts", st, borough=[b.code]))
        parts.append(html.P([cut, see_all], className="small", id="borough-systems-cut"))
    parts.append(_download(b, st))
    return html.Section(parts, className="mb-4")


def _supplier_link(name: str | None, b: reference.Borough, st: dict) -> object:
    if not name:
        return "not recorded"
    return dcc.Link(name, href=links.href("contracts", st, borough=[b.code], supplier=[name]))


def suppliers_section(rows: list[dict], total: int, b: reference.Borough, st: dict) -> html.Section:
    shown = [[_supplier_link(r["supplier_name"], b, st), *logic.supplier_cells(r)] for r in rows]
    caption = f"{b.name}'s suppliers, largest annual value first"
    parts = [
        html.H2("Suppliers", className="h4"),
        *folded(logic.SUPPLIER_HEADINGS, shown, caption, "borough-suppliers-table", numeric={1, 2, 3}),
    ]
    cut = logic.shown_text(len(rows), total, "suppliers")
    if cut:
        see_all = dcc.Link("See them all", href=links.href("suppliers", st, borough=[b.code]))
        parts.append(html.P([cut, see_all], className="small", id="borough-suppliers-cut"))
    return html.Section(parts, className="mb-4")


def ending_rows(rows: list[dict], today: date | None) -> list[list]:
    """The ending-soon table's cells: text, with each contract's status as a badge (its words on it)."""
    out = []
    for r, cells in zip(logic.with_status(rows, today), logic.ending_cells(rows, today), strict=True):
        cells[2] = badge(r["status"])
        out.append(cells)
    return out


def ending_section(rows: list[dict], numbers: dict, b: reference.Borough, st: dict, today: date | None) -> html.Section:
    caption = f"{b.name}'s contracts ending in the next 24 months, soonest first"
    parts = [html.H2("Contracts ending soon", className="h4"),
             html.P(logic.ending_summary(numbers), id="borough-ending-summary")]  # fmt: skip
    if not rows:
        parts.append(html.P("None of its contracts end in the next 24 months.", className="text-body-secondary"))
        return html.Section(parts, className="mb-4")
    cells = ending_rows(rows, today)
    parts += folded(logic.ENDING_HEADINGS, cells, caption, "borough-ending-table", numeric={7}, wide={1, 3, 5, 6})
    cut = logic.shown_text(len(rows), numbers["ending_24m"], "contracts ending in the next 24 months")
    if cut:
        see_all = dcc.Link("See them all", href=links.href("expiring", st, borough=[b.code], months=24))
        parts.append(html.P([cut, see_all], className="small", id="borough-ending-cut"))
    return html.Section(parts, className="mb-4")


def _file_item(line: logic.FileLine) -> html.Li:
    return html.Li(line.text, className="text-danger fw-semibold" if line.problem else None)


def coverage_section(cov: dict) -> html.Section:
    sentence, files = logic.survey_coverage(cov)
    survey = [sentence, *([html.Ul([_file_item(line) for line in files], className="mb-0")] if files else [])]
    items = [
        html.Dt("Survey returned"),
        html.Dd(survey, id="coverage-survey"),
        html.Dt("Open-data notices"),
        html.Dd(logic.open_data_coverage(cov), id="coverage-open-data"),
        html.Dt("When the data was made"),
        html.Dd(logic.return_date_text(cov), id="coverage-return-date"),
        html.Dd(logic.latest_notice_text(cov), id="coverage-latest-notice"),
        html.Dt("Database built"),
        html.Dd(format.long_date(cov["built_at"])),
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
    st = dict(filters or {})
    try:
        found = bq.page(cur, b.code, st, today)
    except ValueError as err:  # a malformed date that did not come through ``state``
        return [ui.message(str(err), color="warning", message_id="filter-error")]
    numbers = found["numbers"]
    cov = bq.coverage(cur, b.code)
    return [
        *ui.url_problems(problems),
        *survey_notice(cov, b.name),
        *header_links(b, st),
        cards(numbers),
        systems_section(system_rows(cur, found["systems"], today), numbers["contracts"], b, st),
        suppliers_section(found["suppliers"], found["suppliers_total"], b, st),
        ending_section(found["ending"], numbers, b, st, today),
        coverage_section(cov),
    ]


def survey_notice(cov: dict, name: str) -> list:
    """A warning atop the page when the borough sent no survey return, or one loaded with gaps or was
    rejected: the tables below then lack what that return did not give, and the reader must know why."""
    none_sent = logic.no_return_text(cov, name)
    if none_sent:
        return [ui.message(none_sent, color="warning", message_id="survey-notice")]
    found = logic.coverage_problems(cov)
    if not found:
        return []
    items = html.Ul([html.Li(text) for text in found], className="mb-0")
    heading = "Survey returns that loaded with gaps or were rejected:"
    return [ui.message([heading, items], color="warning", message_id="survey-notice")]


def _path_code(code: str | None) -> str | None:
    """The code in the path itself: Dash merges query parameters over path variables, so
    ``/borough/E09000007?code=E09000001`` would otherwise show the City of London."""
    try:
        pathname = dash.ctx.inputs.get("_pages_location.pathname")
    except dash.exceptions.MissingCallbackContextException:
        return code
    if isinstance(pathname, str) and pathname.rstrip("/").startswith("/borough/"):
        return pathname.rstrip("/").rsplit("/", 1)[-1]
    return code


def layout(code: str | None = None, **query) -> list:
    """Dash calls this with the path's ``code`` and the query parameters."""
    b = logic.resolve(_path_code(code))
    if b is None:
        return not_found(code)
    st, problems = VIEW.check(query)  # the same canonical filters as every other view
    return ui.page(
        b.name,
        lambda cur: content(cur, b, st, problems=problems),
        lead=f"What {b.name} runs, who supplies it, and which contracts end soon.",
        st={**st, "borough": [b.code]},  # the scope notice counts this borough's contracts
        href=lambda s: links.borough_href(b.code, s),
    )


def register(app: dash.Dash) -> None:
    """The page's callbacks, on ``app`` (called by ``create_app``)."""
    del app  # no callbacks: the page is links and server-rendered content
