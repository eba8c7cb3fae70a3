"""``/export/<view>.json``, the API (docs/api.md): every view's rows exactly as its CSV has them, with
the parsed filters, the data's dates and the licence; numbers as numbers, dates ISO, NaN and
infinity null; members-only answers blank for an anonymous request."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date, datetime

import pytest
from members import member_client

from app import create_app
from dashboard import exports
from dashboard.views import EXPORT_VIEWS, EXPORTS

FIELDS = ["view", "url", "filters", "filters_text", "scope", "problems", "data_as_of", "built_at", "licence",
          "sample", "exported_at", "licence_url", "sample_warning", "columns", "rows"]  # fmt: skip
SEARCHES = ["", "?borough=E09000007&scope=all", "?borough=E09000005&end_from=2026-01-01"]


@pytest.fixture(scope="module")
def client(full_sample_build):
    return member_client(create_app(full_sample_build[0]))


def as_csv_text(value: object) -> str:
    """What the CSV writes for a JSON value (its text neutralised as a spreadsheet needs)."""
    if isinstance(value, str) and not _iso_date(value):
        return exports.neutralise(value, delimited=True)
    if isinstance(value, str):
        return value
    return str(exports.csv_cell(value))


def _iso_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


@pytest.mark.parametrize("name", sorted(EXPORTS))
@pytest.mark.parametrize("search", SEARCHES)
def test_json_has_exactly_the_csvs_rows(client, name, search):
    response = client.get(f"/export/{name}.json{search}")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert list(body) == FIELDS
    table = list(csv.reader(io.StringIO(client.get(f"/export/{name}.csv{search}").get_data(as_text=True))))
    assert body["columns"] == table[0]
    assert len(body["rows"]) == len(table) - 1
    for row, line in zip(body["rows"], table[1:], strict=True):
        assert list(row) == body["columns"]
        assert [as_csv_text(v) for v in row.values()] == line
    view = EXPORT_VIEWS[name]
    assert body["view"] == name and body["filters"] == json.loads(json.dumps(view.parse(search)))
    assert body["url"].startswith("http://localhost/")
    assert isinstance(body["sample"], bool) and body["sample"] is True
    assert body["licence"] in (None, exports.OGL) and (body["licence_url"] is None) == (body["licence"] is None)


def test_numbers_are_numbers_and_dates_iso(client):
    body = client.get("/export/contracts.json?scope=all").get_json()
    values = [r["Annual value (£)"] for r in body["rows"]]
    assert any(isinstance(v, int | float) for v in values) and all(
        v is None or isinstance(v, int | float) for v in values
    )
    ends = [r["End"] for r in body["rows"] if r["End"] is not None]
    assert ends and all(_iso_date(e) for e in ends)
    assert all(isinstance(r["Sources disagree"], bool) for r in body["rows"])
    assert body["data_as_of"] and date.fromisoformat(body["data_as_of"][:10])
    assert datetime.fromisoformat(body["exported_at"])


def test_not_finite_numbers_are_null_and_the_stream_is_one_document():
    head = {"view": "x"}
    rows = [[math.inf, -math.inf, math.nan, 2.0, 2.5, True, date(2026, 1, 2), "=1+2", None]]
    columns = list("abcdefghi")
    text = "".join(exports.json_chunks(head, columns, iter(rows)))
    body = json.loads(text)
    assert body["rows"] == [
        dict(zip(columns, [None, None, None, 2, 2.5, True, "2026-01-02", "=1+2", None], strict=True))
    ]
    assert json.loads("".join(exports.json_chunks(head, columns, iter([]))))["rows"] == []


def test_ignored_values_are_listed(client):
    body = client.get("/export/contracts.json?borough=E09000099").get_json()
    assert any(p.startswith("Borough:") for p in body["problems"])
    assert body["filters"] == {}


def test_anonymous_requests_get_members_only_fields_blank(sample_build):
    app = create_app(sample_build[0])
    search = "?borough=E09000007"
    member = member_client(app).get(f"/export/borough.json{search}").get_json()
    public = app.server.test_client().get(f"/export/borough.json{search}").get_json()
    private = ["Annual cost (£)", "Confidence (1-5)", "Satisfaction (1-5)"]
    assert len(member["rows"]) == len(public["rows"]) > 0
    assert any(r[c] is not None for r in member["rows"] for c in private)
    assert all(r[c] is None for r in public["rows"] for c in private)
    assert [r["System"] for r in member["rows"]] == [r["System"] for r in public["rows"]]


def test_json_is_not_a_download_and_says_what_it_is(client):
    response = client.get("/export/expiring.json?months=18&borough=E09000007")
    assert response.headers["Content-Disposition"].startswith('inline; filename="citytools-expiring-18-months-camden-')
    assert response.headers["X-CityTools-View"] == "expiring"
    assert 'rel="alternate"' in response.headers["Link"] and 'rel="describedby"' not in response.headers["Link"]


def test_the_api_document_names_every_export_and_filter():
    from pathlib import Path

    from dashboard import state

    text = (Path(__file__).resolve().parents[1] / "docs" / "api.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in text for name in EXPORTS)
    assert all(f"`{key}`" in text for key in state.FILTERS)
