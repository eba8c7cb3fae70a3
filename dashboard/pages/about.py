"""About: where the data comes from and under what licence, how it is built, how complete and how
fresh it is per borough and source, and what the views' words mean.

Thin: sentences and rows come from ``dashboard.logic.about``, numbers from
``dashboard.queries.about``.
"""

from __future__ import annotations

import dash
import duckdb
from dash import html

from dashboard import format as fmt
from dashboard import layout as ui
from dashboard.logic import about as logic
from dashboard.logic.about import VIEW
from dashboard.queries import about as q
from dashboard.texts import OGL_URL, PRODUCT

PAGE = {
    "path": VIEW.path,
    "name": "About",
    "title": f"About the data · {PRODUCT}",
    "description": "Sources, licences, how City Tools' data is built, its coverage and freshness, and a glossary.",
    "order": 100,
}


def _sources() -> html.Section:
    items = []
    for name, text, licence, url in logic.SOURCES:
        parts = [html.Strong(name), ": ", text]
        if licence:
            parts += [" Licence: ", html.A(licence, href=url) if url else licence, "."]
        items.append(html.Li(parts))
    attribution = html.P([logic.ATTRIBUTION, " (", html.A("licence", href=OGL_URL), ")."], id="about-ogl")
    return html.Section(
        [html.H2("Sources and licences", className="h4"), html.Ul(items, id="about-sources"), attribution]
    )


def folded(summary: str, table, fold: bool, **props) -> html.Details:
    """A table behind a summary line that says what it holds: closed when it is long, so the page
    stays short on a phone, one tap from every row (``logic.fold``)."""
    return html.Details(
        [html.Summary(summary), html.Div(table, className="table-responsive mt-2")],
        open=not fold,
        className="mb-4 about-folded",
        **props,
    )


def _build(cur: duckdb.DuckDBPyConnection) -> html.Section:
    build = q.latest_build(cur)
    when = f"This database was built {fmt.long_date(build['finished_at'])}." if build else "No build is recorded."
    rows = logic.files_rows(q.files_by_source(cur))
    files = ui.data_table(logic.FILES_HEADINGS, rows, "Input files of this build")
    return html.Section(
        [
            html.H2("How the data is built", className="h4"),
            html.Ol([html.Li(step) for step in logic.BUILD_STEPS]),
            html.P(when, id="about-built"),
            folded(logic.files_summary(rows), files, fold=True, id="about-files"),
        ]
    )


def _coverage(cur: duckdb.DuckDBPyConnection, st: dict) -> html.Section:
    """Per borough and source: the survey return, records and the latest notice (the borough filter picks rows)."""
    returns = q.survey_returns(cur)
    rows = logic.coverage_rows(q.freshness(cur), returns, st)
    table = ui.data_table(logic.coverage_headings(), rows, "Coverage and freshness by borough and source")
    return html.Section(
        [
            html.H2("Coverage and freshness", className="h4"),
            html.P(logic.coverage_summary(returns), id="about-coverage-summary"),
            ui.download_links("coverage", st, "of the coverage table"),
            folded(logic.coverage_fold_summary(rows), table, logic.fold(rows), id="about-coverage"),
        ]
    )


def _glossary() -> html.Section:
    entries = []
    for term, meaning in logic.glossary():
        entries += [html.Dt(term), html.Dd(meaning)]
    return html.Section([html.H2("Glossary", className="h4"), html.Dl(entries, id="about-glossary")])


def content(cur: duckdb.DuckDBPyConnection, st: dict, problems: list[str] | None = None) -> list:
    """Everything below the heading: it describes the whole build (the borough filter picks coverage rows)."""
    return [*ui.url_problems(problems), _sources(), _build(cur), _coverage(cur, st), _glossary()]


layout = ui.view_layout(VIEW, "About the data", content, lead="Where City Tools' data comes from, and how fresh it is.")


def register(app: dash.Dash) -> None:
    """No callbacks: the page is server-rendered text and tables."""
    del app
