"""My borough: for one borough's CIO, which other boroughs could procure with them, service by service.

The comparison and every sentence are ``dashboard.logic.my_borough``; this module lays them
out. The picker and the months box write the URL like the windows page's controls, with the
same components.
"""

from __future__ import annotations

from collections.abc import Sequence

import dash
import dash_bootstrap_components as dbc
import duckdb
from dash import Input, Output, State, dcc, html

from dashboard import access, links, signin
from dashboard import layout as ui
from dashboard.layout import markdown_text
from dashboard.logic import my_borough as mb
from dashboard.logic.my_borough import VIEW
from dashboard.pages.windows import controls_section, labelled, number_input
from dashboard.texts import PRODUCT
from etl import reference

PAGE = {
    "path": VIEW.path,
    "name": "My borough",
    "title": f"My borough · {PRODUCT}",
    "description": "Which other London boroughs' contracts end near yours, service by service.",
    "order": 50,
}

LOCATION = "my-borough-url"
PICKER = "my-borough-picker"
MONTHS = "my-borough-months"


# --------------------------------------------------------------------------- controls


def controls(code: str | None, months: int) -> html.Section:
    picker = dcc.Dropdown(
        id=PICKER,
        options=[{"label": b.name, "value": b.code} for b in sorted(reference.boroughs(), key=lambda b: b.name)],
        value=code,
        clearable=False,
        placeholder="Pick a borough",
    )
    row = dbc.Row(
        [
            labelled("Your borough", PICKER, picker, xs=12, md=6, lg=4),
            labelled("Ending within (months)", MONTHS, number_input("window_months", MONTHS, months), xs=6, md=3, lg=2),
        ],
        className="g-2",
    )
    return controls_section("Your borough", LOCATION, "my-borough-controls", [row])


def controls_to_url(code, months, search):
    return ui.navigate(mb.search_for_controls(search, code, months))


# --------------------------------------------------------------------------- components


def status_badge(key: str) -> dbc.Badge:
    """A contract's status as a badge whose words say it, colour aside (an overdue one says what is)."""
    return ui.status_badge(key, mb.status_words(key), className="status-badge")


def contact_cell(contact: dict | None) -> list:
    """Whom to call: a name, a mailto link and a phone where known (survey contacts reach members only)."""
    name, email, phone = mb.contact_text(contact)
    out: list = []
    if email:
        out.append(html.A(name or email, href=f"mailto:{email}"))
    elif name:
        out.append(name)
    if phone:
        out += [" · ", phone]
    return out or ["–"]


# What may not stand in a Markdown link's <destination>: a site path or a checked mailto never has it.
_NOT_IN_HREF = frozenset("<>\\\n\r")


def markdown_link(text: str, href: str) -> str:
    """``text`` as a Markdown link to ``href`` (escaped: a name stays text), or the text alone when the
    address could leave its ``<destination>``."""
    return markdown_text(text) if _NOT_IN_HREF & set(href) else f"[{markdown_text(text)}](<{href}>)"


def contact_markdown(contact: dict | None) -> str:
    """``contact_cell`` as Markdown: the name linked to a mailto where the email is safe, and the phone."""
    name, email, phone = mb.contact_text(contact)
    who = markdown_link(name or email, f"mailto:{email}") if email else markdown_text(name) if name else ""
    return " · ".join(part for part in (who, markdown_text(phone) if phone else "") if part) or "–"


def neighbour_markdown(near: list[dict], contacts: dict, st: dict) -> str:
    """Other boroughs' contracts as one Markdown table: borough names link to their pages, the status
    in words, whom to call (a component per cell, link and badge made ~70 per contract)."""
    lines = [
        "| " + " | ".join(markdown_text(h) for h in mb.NEIGHBOUR_HEADINGS) + " |",
        "|" + "|".join("---" for _h in mb.NEIGHBOUR_HEADINGS) + "|",
    ]
    for o in near[: mb.NEAR_SHOWN]:
        name, *cells = mb.neighbour_cells(o)
        row = [markdown_link(name, links.borough_href(o["borough_code"], st))]
        row += [*map(markdown_text, cells[:4]), markdown_text(mb.status_words(o["status"]))]
        row += [*map(markdown_text, cells[4:]), contact_markdown(contacts.get(o["contract_id"]))]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def neighbour_table(near: list[dict], contacts: dict, st: dict, table_id: str) -> html.Div:
    """Other boroughs' contracts, closest end date first, as one Markdown component (``neighbour_markdown``);
    a plain click on a link moves in the app as a ``dcc.Link`` does (assets/shell.js)."""
    return html.Div(
        [
            html.P("Other boroughs' contracts ending near this one, closest first", className="small mb-1"),
            dcc.Markdown(neighbour_markdown(near, contacts, st)),
        ],
        className="table-responsive markdown-table markdown-links",
        id=table_id,
    )


def nearest_cell(mine: dict, near: list[dict], m: dict, st: dict) -> list:
    """The nearest other borough's contract, whom to call there, and the rest behind a disclosure."""
    why_not = mb.no_neighbours(mine, near, m["months"])
    if why_not:
        return [html.Span(why_not, className="small text-body-secondary")]
    first = near[0]
    name = mb.neighbour_cells(first)[0]
    out: list = [
        html.Div([dcc.Link(name, href=links.borough_href(first["borough_code"], st)), mb.nearest_text(first), " ",
                  status_badge(first["status"])]),
        html.Div(["Contact: ", *contact_cell(m["contacts"].get(first["contract_id"]))], className="small"),
    ]  # fmt: skip
    table = neighbour_table(near, m["contacts"], st, f"my-borough-near-{mine['contract_id']}")
    total = m["near_counts"][mine["contract_id"]]
    more = mb.left_out_text(total, m["months"])
    extra = [html.P(more, className="small mb-0")] if more else []
    out.append(
        html.Details(
            [html.Summary(mb.more_text(total)), table, *extra],
            className="my-borough-more",
        )
    )
    return out


ROW_HEADINGS = ["Service area", "Your contract", "Status", "Nearest other borough's contract"]


def contract_row(mine: dict, near: list[dict], m: dict, st: dict) -> html.Tr:
    what, when = mb.contract_heading(mine)
    return html.Tr(
        [
            html.Td(mb.area_name(mine["service_area"])),
            html.Td([html.Strong(what), when]),
            html.Td(status_badge(mine["status"])),
            html.Td(nearest_cell(mine, near, m, st)),
        ],
        className="my-borough-contract",
        id=f"my-borough-contract-{mine['contract_id']}",
    )


def comparison_table(m: dict, st: dict) -> html.Div:
    """One row per contract of the borough (this page of them), in taxonomy order."""
    table = dbc.Table(
        [
            html.Caption("Your contracts, service by service, with the nearest other borough's contract"),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in ROW_HEADINGS])),
            html.Tbody([contract_row(mine, near, m, st) for mine, near in m["rows"]]),
        ],
        size="sm",
        className="mb-0",
        id="my-borough-table",
    )
    return html.Div(table, className="table-responsive")


def pager(m: dict, st: dict) -> list:
    """Previous and next links when the borough's contracts take more than one page."""
    if m["pages"] <= 1:
        return []
    page = m["page"]
    items: list = [f"Page {page} of {m['pages']}. "]
    if page > 1:
        items.append(dcc.Link("Previous", href=VIEW.href({**st, "page": page - 1 if page > 2 else None})))
    if page < m["pages"]:
        items += [" · " if page > 1 else "", dcc.Link("Next", href=VIEW.href({**st, "page": page + 1}))]
    return [html.Nav(items, className="small my-2", id="my-borough-pager", **{"aria-label": "Pages"})]


def notices(m: dict, st: dict) -> list:
    """What the page leaves out and why: no survey return, ended contracts hidden, contacts for members."""
    out: list = []
    no_return = mb.no_return_text(m)
    if no_return:
        out.append(ui.message(no_return, color="warning", message_id="my-borough-no-return"))
    hidden = mb.hidden_text(m)
    if hidden:
        show = dcc.Link("Show ended contracts", href=VIEW.href({**st, "ended": mb.SHOW_ENDED, "page": None}))
        out.append(html.P([hidden, " ", show], className="mb-1", id="my-borough-hidden"))
    elif m["show_ended"]:
        hide = dcc.Link("Hide ended contracts", href=VIEW.href({**st, "ended": None, "page": None}))
        out.append(html.P(["Ended contracts are shown. ", hide], className="mb-1", id="my-borough-hidden"))
    return [*out, *contacts_note("my-borough-contacts-note")]


def contacts_note(note_id: str = "contacts-note") -> list:
    """For the public: that the survey's contacts are for signed-in members, and where to sign in."""
    if access.is_member():
        return []
    sign_in = html.A("Sign in", href=signin.SIGN_IN)
    return [html.P(["Contacts are shown to signed-in members. ", sign_in], className="small", id=note_id)]


def content(cur: duckdb.DuckDBPyConnection, st: dict, problems: Sequence[str] = ()) -> list:
    """Everything below the heading; without a borough, the picker and a prompt."""
    m = mb.model(cur, st)
    out: list = [*ui.url_problems(problems), *(ui.message(text, color="warning") for text in m["notes"])]
    out.append(controls(m["code"], m["months"]))
    if m["code"] is None:
        out.append(
            ui.message("Pick your borough to see whose contracts end near yours.", message_id="my-borough-prompt")
        )
        return out
    out += notices(m, st)
    empty = mb.empty_text(m)
    if empty:
        return [*out, ui.message(empty, message_id="my-borough-empty")]
    count, rest = mb.summary(m)
    out += [
        html.P([html.Strong(count), rest], id="my-borough-summary", className="mb-1"),
        ui.download_links("my_borough", st, "of these comparisons"),
        comparison_table(m, st),
        *pager(m, st),
    ]
    return out


layout = ui.view_layout(
    VIEW,
    "My borough",
    content,
    lead="Service by service: whose contracts end near yours, who supplies them, and how happy they are.",
)


def register(app: dash.Dash) -> None:
    """The page's callbacks, on ``app`` (called by ``create_app``)."""
    app.callback(
        Output(LOCATION, "search"),
        Input(PICKER, "value"),
        Input(MONTHS, "value"),
        State(LOCATION, "search"),
        prevent_initial_call=True,
    )(controls_to_url)
