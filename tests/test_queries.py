"""Queries and figures against the tiny database of conftest.py."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard import db, queries
from dashboard.figures import PALETTE
from dashboard.figures import overview as figures
from etl import reference


def test_headline_default_view_counts_borough_contracts_only(cur):
    assert queries.headline(cur, today=date.today()) == {
        "boroughs": 3,
        "contracts": 4,  # the TfL contract has no borough
        "systems": 3,
        "suppliers": 4,
        "annual_value": 400_000,
        "valued": 3,
        "ending_12m": 1,
        "ending_24m": 2,
    }


@pytest.mark.parametrize(
    ("filters", "contracts"),
    [
        ({"borough": "E09000003"}, 2),
        ({"borough": ["E09000001", "E09000002"]}, 2),
        ({"supplier": "O'Brien & Sons Ltd"}, 1),  # a quote in a value is data
        ({"supplier": ["Civica", "Capita"]}, 2),
        ({"system": "Capita One"}, 1),
        ({"service_area": "Revenues and Benefits"}, 1),
        ({"q": "northGATE"}, 1),
        ({"q": "o'brien"}, 1),
        ({"end_from": date.today().isoformat()}, 3),
        ({"end_to": date.today().isoformat()}, 1),
        ({"borough": [], "supplier": "", "q": "  "}, 4),  # empty values do not filter
        ({"window_months": "6"}, 4),  # keys of other views are ignored
    ],
)
def test_headline_filters(cur, filters, contracts):
    assert queries.headline(cur, filters)["contracts"] == contracts


@pytest.mark.parametrize(
    "filters",
    [
        {"supplier": "x' OR '1'='1"},
        {"borough": "E09000001') OR (1=1"},
        {"q": "'; DROP TABLE contracts; --"},
        {"service_area": "%"},
        {"q": "%"},  # not a LIKE wildcard either
    ],
)
def test_injection_attempts_are_literal_values(cur, filters):
    assert queries.headline(cur, filters)["contracts"] == 0
    assert queries.headline(cur)["contracts"] == 4


def test_where_clause_binds_every_value():
    sql, params = queries.where_clause({"supplier": ["a'b", "c"], "q": "X", "end_to": "2026-01-31", "evil": "1"})
    assert "a'b" not in sql and "evil" not in sql
    assert params == ["a'b", "c", date(2026, 1, 31), *["x"] * len(queries.TEXT_COLUMNS)]
    assert queries.where_clause({"scope": "all"}, boroughs_only=False) == ("TRUE", [])  # nothing filters
    assert queries.where_clause({}, boroughs_only=False) == ("is_it IS NOT FALSE", [])  # technology by default


def test_where_clause_rejects_a_malformed_date():
    with pytest.raises(ValueError, match="end_from"):
        queries.where_clause({"end_from": "1 March"})


def test_counts_by_borough_lists_every_authority_split_by_source(cur):
    rows = queries.counts_by_borough(cur)
    assert [r["code"] for r in rows] == [b.code for b in reference.boroughs()]
    assert len(rows) == 33
    by_code = {r["code"]: r for r in rows}
    assert by_code["E09000001"] == {
        "code": "E09000001",
        "name": "City of London",
        "survey": 1,
        "both": 0,
        "open_data": 0,
        "total": 1,
    }
    assert (by_code["E09000002"]["both"], by_code["E09000002"]["total"]) == (1, 1)
    assert (by_code["E09000003"]["open_data"], by_code["E09000003"]["total"]) == (2, 2)
    assert sum(r["total"] for r in rows) == 4
    assert by_code["E09000033"]["total"] == 0


def test_counts_by_borough_keeps_to_the_boroughs_filtered(cur):
    rows = queries.counts_by_borough(cur, {"borough": ["E09000003", "E09000033"]})
    assert [(r["code"], r["total"]) for r in rows] == [("E09000003", 2), ("E09000033", 0)]


def test_counts_by_service_area(cur):
    assert queries.counts_by_service_area(cur) == [
        {"service_area": "Education and Schools", "contracts": 1},
        {"service_area": "Income and Payments", "contracts": 1},
        {"service_area": "Revenues and Benefits", "contracts": 1},
        {"service_area": queries.UNKNOWN_SERVICE_AREA, "contracts": 1},
    ]
    assert queries.counts_by_service_area(cur, {"supplier": "nobody"}) == []


def test_data_status(cur, tiny_db_not_sample):
    assert queries.data_status(cur) == {
        "is_sample": True,
        "built_at": "2026-03-05T10:15:00",
        "data_as_of": "2026-03-01",
    }
    with db.cursor(tiny_db_not_sample) as other:
        assert queries.data_status(other)["is_sample"] is False


def test_connection_reopens_when_the_file_is_rebuilt(tmp_path, tiny_db_builder):
    build_tiny_db = tiny_db_builder
    path = build_tiny_db(tmp_path / "rebuilt.duckdb", sample=True)
    with db.cursor(path) as cur:
        assert queries.data_status(cur)["is_sample"] is True
        build_tiny_db(path, sample=False)  # atomic rename while a cursor is in use
        assert queries.data_status(cur)["is_sample"] is True  # the open cursor keeps its build
    with db.cursor(path) as cur:
        assert queries.data_status(cur)["is_sample"] is False


def test_missing_database_raises_database_missing(tmp_path):
    with pytest.raises(db.DatabaseMissing), db.cursor(tmp_path / "none.duckdb"):
        pass


# --------------------------------------------------------------------------- figures


def test_borough_bar(cur):
    rows = queries.counts_by_borough(cur)
    fig = figures.borough_bar(rows, queries.SOURCE_GROUPS)
    assert fig["layout"]["title"]["text"] == "Contracts by borough, by source of the record"
    assert fig["layout"]["barmode"] == "stack"
    assert [t["name"] for t in fig["data"]] == list(queries.SOURCE_GROUPS.values())
    survey = fig["data"][0]
    assert survey["orientation"] == "h"
    assert survey["y"] == [b.name for b in reference.boroughs()]
    assert survey["x"][0] == 1 and sum(survey["x"]) == 1
    assert {t["marker"]["color"] for t in fig["data"]} <= set(PALETTE)
    assert "annotations" not in fig["layout"]


def test_service_area_bar(cur):
    fig = figures.service_area_bar(queries.counts_by_service_area(cur))
    assert fig["layout"]["title"]["text"] == "Contracts by service area"
    (trace,) = fig["data"]
    assert trace["y"][:2] == ["Education and Schools", "Income and Payments"]
    assert trace["x"] == [1, 1, 1, 1]


def test_figures_say_when_nothing_matches():
    assert figures.service_area_bar([])["layout"]["annotations"][0]["text"] == "No contracts match"
    empty = [{"code": "E09000001", "name": "City of London", "survey": 0, "both": 0, "open_data": 0, "total": 0}]
    assert "annotations" in figures.borough_bar(empty, queries.SOURCE_GROUPS)["layout"]
