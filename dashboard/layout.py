"""The app shell and the components every page is built from.

Pages compose these factories instead of repeating markup, so the look, the data notices and
the accessible table alternatives stay the same on every page. Data values always go into
components as text children: Dash escapes them, so a supplier called ``<script>`` is shown,
never run.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence

import dash
import dash_bootstrap_components as dbc
import duckdb
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import db, filters, format, queries, signin, state, status
from dashboard import links as links_
from dashboard.figures import GRAPH_CONFIG
from dashboard.texts import DEMO_NOTICE, NO_DATABASE, PRODUCT, PUBLIC_NOTICE, SAMPLE_NOTICE, TAGLINE

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- shell


def nav_pages() -> list[dict]:
    """The pages that get a navbar link, in registry order."""
    return [page for page in dash.page_registry.values() if page.get("nav", True)]


CONTENT = "content"  # the page below the filter bar: where "Skip to content" lands


def navbar() -> dbc.Navbar:
    """Product name and one link per registered page; links carry the current filters (see filters.nav_links).

    Below the ``xl`` breakpoint the links fold behind a menu button (a clientside callback,
    ``assets/shell.js``, opens and closes it without a server round trip). The button is a plain
    button with the toggler's look rather than dbc.NavbarToggler, which cannot say aria-expanded.
    """
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact", id=filters.nav_id(page)))
        for page in nav_pages()
    ]
    toggle = html.Button(
        html.Span(className="navbar-toggler-icon"),
        id=filters.MENU_TOGGLE,
        n_clicks=0,
        type="button",
        className="navbar-toggler",
        **{"aria-controls": filters.MENU, "aria-expanded": "false", "aria-label": "Menu"},
    )
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(PRODUCT, href="/"),
                html.Span(TAGLINE, className="navbar-text text-light small me-auto navbar-tagline"),
                toggle,
                dbc.Collapse(
                    dbc.Nav([*links, members_link()], navbar=True, className="ms-auto"),
                    id=filters.MENU,
                    is_open=False,
                    navbar=True,
                ),
            ],
            fluid="xl",
        ),
        color="dark",
        dark=True,
        expand="xl",
        className="mb-3",
    )


def members_link() -> dbc.NavItem:
    """Sign-in (or out) is a plain page of the server, not a Dash page: a full page load."""
    return dbc.NavItem(dbc.NavLink("Members", href=signin.SIGN_IN, external_link=True, id="nav-members"))


def shell() -> html.Div:
    """Navbar, filter bar, the current page, footer.

    Static: pages read the database, the shell does not (the filter bar's options arrive by
    callback). The filter bar sits outside the page container, so a page re-rendering on a
    filter change leaves it, and the keyboard focus in it, alone.
    """
    return html.Div(
        [
            # past the menu and the filter bar, straight to the page
            html.A("Skip to content", href=f"#{CONTENT}", className="visually-hidden-focusable", id="skip-content"),
            html.Header(navbar()),
            html.Main(
                dbc.Container(
                    [
                        filters.filter_bar(),
                        # a spinner only when a page takes a while (quick renders do not flicker); the old
                        # page stays visible, dimmed, underneath
                        html.Div(
                            dcc.Loading(
                                dash.page_container,
                                delay_show=400,
                                type="circle",
                                overlay_style={"visibility": "visible", "opacity": 0.5},
                                id="page-loading",
                            ),
                            id=CONTENT,
                            tabIndex="-1",
                        ),
                    ],
                    fluid="lg",
                ),
                id="main",
                tabIndex="-1",
            ),
            html.Footer(
                dbc.Container(
                    [
                        f"{PRODUCT}: contract data from borough surveys and public contract notices. ",
                        dcc.Link("About the data, sources and licences", href="/about", id="footer-about"),
                    ],
                    fluid="lg",
                    className="text-body-secondary small py-3",
                ),
                className="border-top mt-4",
            ),
        ]
    )


# --------------------------------------------------------------------------- page parts


def page(
    title: str,
    body: Callable[[duckdb.DuckDBPyConnection], list],
    lead: str | None = None,
    *,
    st: Mapping[str, object] | None = None,
    href: Callable[[dict], str] | None = None,
) -> list:
    """A page: heading, data notices, then ``body(cursor)``; or a clear message without data.

    Every page goes through here so that a missing or unreadable database, sample data and the
    technology scope are reported the same way everywhere. ``st`` is the state the page counts
    under and ``href(state)`` a link to this page with another state: with both, the page says
    how many contracts that are not technology the scope hides, and links to ``scope=all``.
    A database error must not raise: the page would be a bare 500 (and if callback validation
    is ever switched back on, Dash calls every page's layout on a worker's first request, so
    one failing page would break every URL).
    """
    header = [html.H1(title, className="h2 mb-1")]
    if lead:
        header.append(html.P(lead, className="lead text-body-secondary"))
    path = db.current_path()
    try:
        with db.cursor(path) as cur:
            status = {**queries.data_status(cur), **queries.data_dates(cur)}
            counts = None if st is None or href is None else queries.scope_counts(cur, st)
            content = body(cur)
    except db.DatabaseMissing:
        return [*header, message(NO_DATABASE, color="warning", message_id="no-database")]
    except duckdb.Error:
        log.exception("reading %s failed", path)
        return [
            *header,
            message(
                "The database could not be read: it may be from an older version. "
                "Rebuild it with `make data`, then reload this page.",
                color="danger",
            ),
        ]
    scope = scope_notice(st, counts, href) if counts is not None else None
    return [*header, access_notice(), *data_notices(status, scope), *content]


def access_notice() -> html.Div:
    """Whether this reader sees the members-only survey answers, and how to (see dashboard.access)."""
    who = signin.viewer()
    if who["demo"]:
        link = html.A("Members' sign-in", href=signin.SIGN_IN, className="alert-link", id="sign-in-link")
        return message(
            [html.Strong("Demo mode: "), DEMO_NOTICE, " ", link], color="warning", message_id="access-notice"
        )
    if who["member"]:
        org = f" ({who['organisation']})" if who.get("organisation") else ""
        text = f"Signed in as {who['name']}{org}: the survey answers boroughs give in confidence are shown. "
        return html.P([text, html.A("Sign out", href=signin.SIGN_IN, id="sign-in-link")], **_ACCESS_LINE)
    return html.P(
        [PUBLIC_NOTICE, " ", html.A("Members' sign-in", href=signin.SIGN_IN, id="sign-in-link")], **_ACCESS_LINE
    )


_ACCESS_LINE = {"className": "small text-body-secondary mb-2", "id": "access-notice", "role": "status"}


def view_layout(view: state.View, title: str, content: Callable[..., list], lead: str | None = None) -> Callable:
    """The ``layout(**query)`` Dash calls for a page whose body is ``content(cursor, state, problems=...)``.

    The query is parsed with the view's own keys, so the page accepts those and the shared
    filters, and reports the values it ignored.
    """

    def layout(**query) -> list:
        st, problems = view.check(query)
        return page(title, lambda cur: content(cur, st, problems=problems), lead=lead, st=st, href=view.href)

    return layout


def url_from_control(app: dash.Dash, control_id: str, new_search: Callable[[object, str | None], str | None]) -> None:
    """Wire a page's control to the URL: ``new_search(value, search)`` is the query string to go to.

    None, or a query string that means the same view as the current one, leaves the URL alone:
    so setting the control from the URL does not write the URL again, and a URL with a value the
    view ignored keeps it, so the page's note on it stays (it vanished when the control's first
    value rewrote the URL to its canonical form).
    """

    def to_url(value, search, pathname):
        new = new_search(value, search)
        return None if new is None or filters.same_view(new, search, pathname) else new

    _search_from(app, control_id, "value", to_url)


def _search_from(app: dash.Dash, component_id: str, prop: str, to_url: Callable) -> None:
    """The one wiring of a component's property to the address: ``to_url(value, search, pathname)``
    gives the query string to go to, or None to leave the URL as it is."""

    def write(value, search, pathname):
        new = to_url(value, search, pathname)
        if new is None:
            raise PreventUpdate
        return new

    app.callback(
        Output(filters.URL, "search", allow_duplicate=True),
        Input(component_id, prop),
        State(filters.URL, "search"),
        State(filters.URL, "pathname"),
        prevent_initial_call=True,
    )(write)


def radio_choices(legend: str, control_id: str, options: Mapping[str, str], value: str, **sizes: int) -> dbc.Col:
    """A row of radio buttons under a legend, in a column of the given sizes (``xs``, ``md``, ``lg``).

    dbc's radios are plain labelled inputs in a fieldset (dcc.RadioItems in Dash 4 nests
    interactive elements, which screen readers and axe object to).
    """
    return dbc.Col(
        html.Fieldset(
            [
                html.Legend(legend, className="form-label small mb-1 fs-6"),
                dbc.RadioItems(
                    id=control_id,
                    options=[{"label": text, "value": key} for key, text in options.items()],
                    value=value,
                    inline=True,
                    label_class_name="small",
                ),
            ]
        ),
        **sizes,
    )


def cross_filter(app: dash.Dash, graph_id: str, key: str) -> None:
    """Clicking a bar or tile of ``graph_id`` adds its value to the URL's filter ``key``.

    The value is the point's ``customdata`` (see ``filters.clicked_value``); the filter bar and
    the page then follow the URL, as after any filter change.
    """

    def to_url(click, search, pathname):
        return filters.cross_filtered(click, search, pathname, key)

    _search_from(app, graph_id, "clickData", to_url)


def url_problems(problems: Sequence[str] | None) -> list:
    """What the view ignored in its URL, one warning each, kept until the reader dismisses it."""
    return [
        dbc.Alert(p, color="warning", dismissable=True, fade=False, className="my-2 url-problem")
        for p in problems or []
    ]


def empty_state(what: str, st: Mapping[str, object], href: Callable[[dict], str], message_id: str) -> html.Div:
    """Nothing to show: say why (the filters, the scope, or no data at all) and how to widen it.

    ``what`` is plural ("contracts with a known supplier"); ``href(state)`` links to this view.
    """
    described = state.describe(st)
    kept = {k: v for k, v in st.items() if k not in state.FILTERS}
    if described:
        parts = [f"No {what} match these filters ({'; '.join(described)}). Remove a filter in the bar above, or "]
        link = dcc.Link("clear them all", href=href(kept), className="alert-link empty-widen")
        parts += [link, "."]
    elif st.get("scope") != "all":
        wider = href({**kept, "scope": "all"})
        link = dcc.Link("Show all contracts", href=wider, className="alert-link empty-widen")
        parts = [f"No {what} among the technology contracts. ", link, " to include the rest."]
    else:
        parts = [f"No {what} in this database: build it with more inputs (`make data`, or `python -m etl build`)."]
    return message(parts, message_id=message_id)


def message(text: str | list, color: str = "info", message_id: str | None = None) -> html.Div:
    """A Bootstrap alert that screen readers announce politely (role=status), not as an alarm.

    A plain Div with the alert classes, because dbc.Alert always renders role="alert".
    """
    return html.Div(
        text, className=f"alert alert-{color} my-3", role="status", **({"id": message_id} if message_id else {})
    )


def scope_notice(st: Mapping[str, object], counts: Mapping[str, int], href: Callable[[dict], str]) -> html.Div | None:
    """What the technology scope hides, with a link that shows it (or, under ``scope=all``, hides it again).

    Nothing when the scope hides nothing: a build of survey returns alone has only technology.
    """
    if st.get("scope") == "all":
        text = f"Showing {state.describe_scope(st, counts)}. "
        link = dcc.Link(
            "Show technology contracts only", href=href({**st, "scope": None}), id="scope-link", className="alert-link"
        )
    elif counts["other"]:
        n = counts["other"]
        one = n == 1
        text = (
            f"Technology contracts only: {format.plural(n, 'contract')} that {'matches' if one else 'match'} these "
            f"filters {'is' if one else 'are'} not technology and {'is' if one else 'are'} hidden. "
        )
        link = dcc.Link(
            "Show all contracts", href=href({**st, "scope": "all"}), id="scope-link", className="alert-link"
        )
    else:
        return None
    return message([text, link], message_id="scope-notice")


def data_notices(status: dict, scope: html.Div | None = None) -> list:
    """The sample-data warning (when it applies), what the technology scope hides, and the as-of line."""
    out = []
    if status.get("is_sample"):
        out.append(message(SAMPLE_NOTICE, color="warning", message_id="sample-notice"))
    if scope is not None:
        out.append(scope)
    as_of = status.get("data_as_of") or status.get("built_at")
    parts = [f"Data as of {format.long_date(as_of)}", f" · database built {format.long_date(status.get('built_at'))}"]
    parts += made_when(status)
    out.append(html.P(parts, className="text-body-secondary small", id="data-as-of"))
    return out


def made_when(dates: dict) -> list[str]:
    """When the data itself was made, since a survey return may be years older than the build."""
    out = []
    first, last = dates.get("returns_from"), dates.get("returns_to")
    if last:
        span = (
            format.month(last)
            if format.month(first) == format.month(last)
            else (f"{format.month(first)} to {format.month(last)}")
        )
        out.append(f" · survey returns made {span}")
    if dates.get("latest_notice"):
        out.append(f" · latest notice published {format.long_date(dates['latest_notice'])}")
    return out


def stat_card(label: str, value: str, note: str | None = None, card_id: str | None = None) -> dbc.Col:
    """One headline number with its label; the label comes first for screen readers."""
    body = [html.H3(label, className="h6 text-body-secondary mb-1"), html.P(value, className="display-6 mb-0")]
    if note:
        body.append(html.P(note, className="small text-body-secondary mb-0"))
    card = dbc.Card(dbc.CardBody(body), className="h-100 stat-card", **({"id": card_id} if card_id else {}))
    return dbc.Col(card, xs=6, md=4, xl=3)


def headline_card(line: str, note: str | None, card_id: str) -> dbc.Card:
    """A finding in one line ("3 suppliers hold 52% of contracts"), its basis in small print below."""
    body = [html.P(line, className="h4 mb-1 headline-line")]
    if note:
        body.append(html.P(note, className="small text-body-secondary mb-0"))
    return dbc.Card(dbc.CardBody(body), className="mb-3 headline-card", id=card_id)


def numeric_columns(n: int, rows: Sequence[Sequence[object]]) -> list[bool]:
    """Which of ``n`` columns hold numbers in every row (right-aligned); none when there are no rows."""
    return [bool(rows) and all(isinstance(r[i], int | float) for r in rows) for i in range(n)]


def data_table(columns: Sequence[str], rows: Sequence[Sequence[object]], caption: str) -> dbc.Table:
    """A plain HTML table of numbers: values as text, numbers right-aligned."""
    numeric = numeric_columns(len(columns), rows)

    def cell(value: object, i: int, tag=html.Td):
        text = format.integer(value) if isinstance(value, int) else str(value)
        return tag(text, className="text-end" if numeric[i] else None)

    return dbc.Table(
        [
            html.Caption(caption),
            html.Thead(
                html.Tr(
                    [
                        html.Th(c, scope="col", className="text-end" if numeric[i] else None)
                        for i, c in enumerate(columns)
                    ]
                )
            ),
            html.Tbody([html.Tr([cell(v, i) for i, v in enumerate(r)]) for r in rows]),
        ],
        bordered=False,
        hover=True,
        size="sm",
        striped=True,
        className="mb-0",
    )


def chart_table(columns: Sequence[str], rows: Sequence[Sequence[object]], caption: str) -> html.Div:
    """A chart's numbers for ``chart``: values as text, counts with separators, numbers right-aligned.

    One ``markdown_table`` (one component) rather than ``data_table``'s component per cell: the
    overview's two tables were about 250 of its 280 components, each serialised by the server (half
    the page's time) and tracked by the browser's renderer on every update.
    """
    numeric = numeric_columns(len(columns), rows)
    cells = [[format.integer(v) if isinstance(v, int) else v for v in r] for r in rows]
    return markdown_table(columns, cells, caption, numeric=numeric)


def download_links(view: str, st: dict, what: str = "") -> html.Div:
    """'Download CSV' / 'Download Excel' links to ``/export/<view>`` with the view's state.

    Plain links (not client-side navigation), so the browser downloads the file; the query
    string is the same as the page's, so the file holds the rows the page shows.
    """
    label = f" {what}" if what else ""
    links = [
        html.A(
            f"Download {name}{label}",
            href=links_.export_href(view, fmt, st),
            download="",
            className="btn btn-outline-primary btn-sm me-2",
            id=f"{view}-download-{fmt}",
        )
        for fmt, name in (("csv", "CSV"), ("xlsx", "Excel"))
    ]
    return html.Div(links, className="download-links my-2")


def chart(figure: dict, table: html.Div, graph_id: str, hint: str | None = None) -> dbc.Card:
    """A chart with its numbers as a table in a details element, for screen readers and copying.

    ``hint`` says what clicking the chart does (a cross-filter, see ``cross_filter``).
    """
    title = figure["layout"]["title"]["text"]
    body = [dcc.Graph(id=graph_id, figure=figure, config=GRAPH_CONFIG, className="clickable-chart" if hint else None)]
    if hint:
        body.append(html.P(hint, className="small text-body-secondary mb-1 chart-hint"))
    body.append(
        html.Details(
            [html.Summary(f"Show the table: {title}"), html.Div(table, className="table-responsive")],
            className="mt-2",
        )
    )
    return dbc.Card(dbc.CardBody(body), className="mb-4")


def status_badge(key: str, text: str | None = None, **props) -> dbc.Badge:
    """A contract's status (``dashboard.status``) as a badge in its colour, with its words (or ``text``)."""
    dark = status.BADGES[key] in ("warning", "light")
    return dbc.Badge(text or status.label(key), color=status.BADGES[key], text_color="dark" if dark else None, **props)


# Markdown's ASCII punctuation, each written as a numeric character reference so that a value is
# always its own text. Not a backslash: dcc.Markdown's parser honours only some backslash escapes
# (not "\:"), so "2025: should" showed as "2025\: should", and an unescaped "http:" could become a link;
# a reference is decoded after parsing, into the character alone.
_MARKDOWN_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")


def markdown_text(value: object) -> str:
    """A value as literal Markdown text: one line, every punctuation mark a character reference (no
    link, tag, emphasis or pipe can come from it)."""
    text = " ".join(str(value).split())
    return _MARKDOWN_PUNCTUATION.sub(lambda m: f"&#{ord(m.group(0))};", text) or " "


def markdown_table(
    columns: Sequence[str], rows: Sequence[Sequence[object]], caption: str, numeric: Sequence[bool] = (), **props
) -> html.Div:
    """A long table as one ``dcc.Markdown`` component rather than a component per cell.

    The browser's Dash renderer spends time per component on every update, and more the more
    components the page already has: a page of ten windows' contract tables (900 components)
    took 4-7 s to redraw, most of it in the renderer. Values are escaped (``markdown_text``) and
    HTML is never allowed, so a name stays text; numbers (or the ``numeric`` columns) are right-aligned.
    """
    numeric = numeric or numeric_columns(len(columns), rows)
    lines = [
        "| " + " | ".join(markdown_text(c) for c in columns) + " |",
        "|" + "|".join("---:" if n else "---" for n in numeric) + "|",
        *("| " + " | ".join(markdown_text(v) for v in r) + " |" for r in rows),
    ]
    return html.Div(
        [html.P(caption, className="small text-body-secondary mb-1"), dcc.Markdown("\n".join(lines))],
        className="table-responsive markdown-table",
        **props,
    )


# ------------------------------------------------------------------- partial updates (Windows, timeline, Expiring)


def redrawn(
    view: state.View, render: Callable, search: str | None, pathname: str | None, shown: str | None, values: Sequence
) -> tuple[list, str, list]:
    """(results, their search, option values) for ``search``, each ``no_update`` where unchanged.

    ``shown`` is the search the results on screen were drawn for: the same view again (a
    location mounting, an option the URL already says) costs nothing. Another path means the
    app is leaving the page: the pages router draws that.
    """
    canonical = view.search(view.parse(search))
    if pathname != view.path or canonical == shown:
        raise PreventUpdate
    try:
        with db.cursor(db.current_path()) as cur:
            children, wanted = render(cur, search)
    except (db.DatabaseMissing, duckdb.Error):
        children, wanted = [message("The data could not be read: reload the page.", color="danger")], values
    kept = [w if w != v else dash.no_update for w, v in zip(wanted, values, strict=True)]
    return children, canonical, kept


def shell_location(search: str | None, shell_search: str | None, shell_href: str | None) -> tuple:
    """The shell location's new ``search`` and ``href``: the address the browser already shows.

    Both, or neither: a ``dcc.Location`` given a new search beside its old href pushes the old
    address back (and, with ``refresh="callback-nav"``, rebuilds the page). Equal to the address,
    they move nothing; they tell the filter bar and the menu links the options in force.
    """
    if search == shell_search or not isinstance(shell_href, str):
        return dash.no_update, dash.no_update
    base = shell_href.split("#", 1)[0].split("?", 1)[0]
    return search or "", base + (search or "")


def register_partial(
    app: dash.Dash,
    view: state.View,
    ids: tuple[str, str],
    controls: Sequence[tuple[str, str]],
    to_search: Callable[[str | None, object, Sequence], str | None],
    render: Callable[[duckdb.DuckDBPyConnection, str | None], tuple[list, list]],
    buttons: Sequence[str] = (),
) -> None:
    """Options that write the URL (``ids[0]``, a ``dcc.Location`` with ``refresh=False``) and redraw
    only the results (``ids[1]``, whose ``data-search`` says which URL they show).

    The shell's location (``filters.URL``) is told the new search too, after the address has
    changed, so the filter bar and the menu links carry the options and nothing navigates.
    """
    location, target = ids

    def options_to_url(*args):
        values, search = args[: len(controls)], args[-1]  # between them: the buttons' clicks
        return navigate(to_search(search, dash.ctx.triggered_id, values))

    def url_to_results(search, pathname, shown, shell_search, shell_href, *values):
        children, canonical, kept = redrawn(view, render, search, pathname, shown, values)
        return canonical, children, *shell_location(search, shell_search, shell_href), *kept

    wire_partial(app, ids, [(target, "children")], controls, buttons, (options_to_url, url_to_results))


def wire_partial(
    app: dash.Dash,
    ids: tuple[str, str],
    parts: Sequence[tuple[str, str]],
    controls: Sequence[tuple[str, str]],
    buttons: Sequence[str],
    handlers: tuple[Callable, Callable],
) -> None:
    """The two callbacks of options that write the URL and redraw only ``parts`` of the results
    (``register_partial``'s, and Expiring's, which redraws several parts). ``handlers[0]`` takes the
    controls' values, the buttons' clicks and the location's search, and returns the new search;
    ``handlers[1]`` takes the search, pathname, shown ``data-search``, the shell location's search
    and href and the controls' values, and returns the new ``data-search``, each part, the shell's
    search and href, and each control's value."""
    location, target = ids
    options_to_url, url_to_results = handlers
    app.callback(
        Output(location, "search"),
        *(Input(i, prop) for i, prop in controls),
        *(Input(b, "n_clicks") for b in buttons),
        State(location, "search"),
        prevent_initial_call=True,
    )(options_to_url)
    app.callback(
        Output(target, "data-search"),
        *(Output(i, prop) for i, prop in parts),
        Output(filters.URL, "search", allow_duplicate=True),
        Output(filters.URL, "href", allow_duplicate=True),
        *(Output(i, prop, allow_duplicate=True) for i, prop in controls),
        Input(location, "search"),
        State(location, "pathname"),
        State(target, "data-search"),
        State(filters.URL, "search"),
        State(filters.URL, "href"),
        *(State(i, prop) for i, prop in controls),
        prevent_initial_call=True,
    )(url_to_results)


def navigate(new: str | None) -> str:
    """A controls callback's output: the new search, or no update when the URL already says it."""
    if new is None:
        raise PreventUpdate
    return new
