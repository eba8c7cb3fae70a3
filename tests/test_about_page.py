"""About: sources and licences, how the data is built, coverage and freshness per borough and source
(checked against direct counts of the build), the glossary's status words from dashboard.status."""

from __future__ import annotations

import csv
import io

import pytest
from pagetree import by_id, texts, walk

from app import create_app
from dashboard import db, status
from dashboard.logic import about as logic
from dashboard.queries import about as q
from etl import reference


@pytest.fixture(autouse=True)
def _close_connections():
    yield
    db.close_all()


def test_freshness_matches_direct_counts(full_sample_build):
    path = full_sample_build[0]
    with db.cursor(path) as cur:
        fresh = {(r["borough_code"], r["source"]): r for r in q.freshness(cur)}
        direct = cur.execute(
            "SELECT borough_code, source, count(*), max(published_date) FROM contract_records "
            "WHERE borough_code IS NOT NULL GROUP BY ALL"
        ).fetchall()
        returns = q.survey_returns(cur)
        loaded = cur.execute(
            "SELECT count(DISTINCT borough_code) FROM load_files WHERE source = 'survey' AND status <> 'rejected'"
        ).fetchone()[0]
    assert {k: (r["records"], r["latest_notice"]) for k, r in fresh.items()} == {
        (code, source): (n, latest) for code, source, n, latest in direct
    }
    assert logic.coverage_summary(returns).startswith(f"{loaded} of {len(reference.boroughs())} London authorities")


def test_coverage_has_every_borough_and_says_when_one_sent_no_return():
    fresh = [{"borough_code": "E09000007", "source": "contracts_finder", "records": 2, "latest_notice": None}]
    returns = {"E09000007": {"file": "c.xlsx", "status": "loaded", "return_date": None},
               "E09000005": {"file": "b.xlsx", "status": "rejected", "return_date": None}}  # fmt: skip
    rows = {r[0]: r for r in logic.coverage_rows(fresh, returns)}
    assert len(rows) == len(reference.boroughs())
    assert rows["Camden"][1].startswith("Returned") and rows["Camden"][2].startswith("2 records")
    assert rows["Brent"][1] == "Return rejected (b.xlsx)"
    assert rows["Westminster"][1] == logic.NO_RETURN
    assert list(logic.coverage_rows(fresh, returns, {"borough": ["E09000007"]})) == [rows["Camden"]]


def test_glossary_uses_the_status_words_and_says_cr10_needs_more_than_ten():
    terms = dict(logic.glossary())
    for key in status.STATUSES:
        assert f"Status: {status.label(key)}" in terms
    assert status.OVERDUE_TEXT in terms[f"Status: {status.label('overdue')}"]
    assert "100% by construction" in terms["CR10"]
    assert {"Stage", "Window", "Extension", "HHI"} <= set(terms)


def test_rendered_about_page_and_its_export(full_sample_build, render_page):
    app = create_app(full_sample_build[0])
    tree = render_page(app, "/about", member=False)  # public: nothing here is members-only
    words = " ".join(texts(tree))
    assert "Open Government Licence v3.0" in words and "Libraries Hacked" in words and "MIT licence" in words
    assert "This database was built" in texts(by_id(tree, "about-built"))[0]
    table_rows = [n for n in walk(by_id(tree, "about-coverage")) if n["type"] == "Tr"]
    assert len(table_rows) == 1 + len(reference.boroughs())
    response = app.server.test_client().get("/export/coverage.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == logic.coverage_headings() and len(rows) == 1 + len(reference.boroughs())


def test_the_footer_links_to_about(tiny_db):
    tree = create_app(tiny_db).server.test_client().get("/_dash-layout").get_json()
    assert by_id(tree, "footer-about")["props"]["href"] == "/about"


def test_long_tables_start_folded_and_a_filtered_few_start_open(full_sample_build, render_page):
    """The 33 authorities' coverage and the input files sit behind a summary (the page was 6,976 px
    on a phone); every row is still in the page, one tap away; a borough filter's few rows show open."""
    app = create_app(full_sample_build[0])
    tree = render_page(app, "/about", member=False)
    for block_id in ("about-coverage", "about-files"):
        block = by_id(tree, block_id)
        assert block["type"] == "Details" and not block["props"].get("open")
        summary = next(n for n in walk(block) if n["type"] == "Summary")
        assert summary["props"]["children"]
    coverage = by_id(tree, "about-coverage")
    assert len([n for n in walk(coverage) if n["type"] == "Tr"]) == 1 + len(reference.boroughs())
    assert f"{len(reference.boroughs())} authorities" in texts(coverage)[0]
    one = render_page(app, "/about", "?borough=E09000007", member=False)
    assert by_id(one, "about-coverage")["props"]["open"] is True
    assert len([n for n in walk(by_id(one, "about-coverage")) if n["type"] == "Tr"]) == 2
