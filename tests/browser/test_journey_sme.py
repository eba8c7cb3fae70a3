"""The SME's journey in headless Chromium: housing contracts ending within 24 months, each with where it
stands today, the market notices that match it (planning, tender or award) as links, and the list
downloaded as CSV (read by pandas with no options), Excel and a calendar, each checked against the
database under the same state.

Uses ``live_app`` (tests/browser/conftest.py): the full sample in demo mode, where everyone is a member.
"""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest
from icalendar import Calendar
from openpyxl import load_workbook
from playwright.sync_api import expect

from dashboard import db
from dashboard.logic import expiring as view

pytestmark = pytest.mark.browser

TIMEOUT = 15_000  # ms
QUERY = "?service_area=Housing&months=24"


def expected_rows(path) -> list[dict]:
    with db.cursor(path) as cur:
        rows, _cut = view.view_rows(cur, view.VIEW.parse(QUERY), date.today())
    return rows


def csv_table(text: str) -> pd.DataFrame:
    """The CSV as pandas reads it; ``#`` notice lines before the header (an older export) are skipped."""
    lines = text.lstrip("\ufeff").splitlines()
    while lines and lines[0].lstrip('"').startswith("#"):
        lines.pop(0)
    return pd.read_csv(io.StringIO("\n".join(lines)))


def test_housing_expiries_with_their_market_notices_and_downloads(page, live_app, page_errors, tmp_path):
    base, path = live_app
    rows = expected_rows(path)
    matched = [r for r in rows if r["notices"]]
    assert rows and matched, "the sample has housing expiries, and one with a matching notice"
    page.goto(base + "/expiring" + QUERY)
    expect(page.locator("#expiring-table")).to_be_visible(timeout=TIMEOUT)

    # every contract listed (the sample's housing list fits one page), none ended, each with its status in words
    assert len(rows) <= view.PAGE_SIZE
    listed = page.locator("#expiring-table tbody tr")
    assert [listed.nth(i).get_attribute("data-contract") for i in range(listed.count())] == [
        r["contract_id"] for r in rows
    ]
    assert "ended" not in {listed.nth(i).get_attribute("data-status") for i in range(listed.count())}
    first = rows[0]
    expect(page.locator(f'tr[data-contract="{first["contract_id"]}"]')).to_contain_text(
        view.status.label(first["status"])
    )

    # the matching notices are links to them (named, when a notice has no address); a contract without
    # one says what was searched
    for r in matched:
        first_notice = page.locator(f'tr[data-contract="{r["contract_id"]}"] .market-notice').first
        expect(first_notice).to_contain_text(view.notice_label(r["notices"][0]))
        if r["notices"][0]["url"]:
            assert first_notice.locator("a").get_attribute("href") == r["notices"][0]["url"]
    assert any(r["notices"][0]["url"] for r in matched), "the sample has a matching notice with a link"
    gap = next(r for r in rows if r["gap"])
    expect(page.locator(f'tr[data-contract="{gap["contract_id"]}"]')).to_contain_text(
        "No planning, tender or award notice from"
    )

    # CSV: a table pandas reads, the same contracts, with the notice links
    with page.expect_download() as info:
        page.locator("#expiring-download-csv").click()
    table = csv_table(info.value.path().read_text(encoding="utf-8"))
    assert list(table["End date"]) == [r["end_date"].isoformat() for r in rows]
    links = " ".join(str(x) for x in table["Market notice links"].dropna())
    assert all(r["notices"][0]["url"] in links for r in matched if r["notices"][0]["url"])

    # Excel: the same rows on the sheet whose header has the export's columns
    with page.expect_download() as info:
        page.locator("#expiring-download-xlsx").click()
    saved = tmp_path / info.value.suggested_filename
    assert saved.suffix == ".xlsx"
    info.value.save_as(saved)
    workbook = load_workbook(saved, read_only=True)
    sheets = [list(ws.iter_rows(values_only=True)) for ws in workbook.worksheets]
    data = next(s for s in sheets if any(row and "End date" in row for row in s))
    header = next(i for i, row in enumerate(data) if row and "End date" in row)
    body = [row for row in data[header + 1 :] if any(v is not None for v in row)]
    assert len(body) == len(rows)

    # the calendar: one event per contract, each linking back to the contract in the app
    href = page.locator("#expiring-calendar").get_attribute("href")
    response = page.request.get(base + href)
    assert response.ok and response.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(response.body()).walk("VEVENT")
    assert len(events) == len(rows)
    assert {str(e["URL"]) for e in events} == {base + view.contract_href(r) for r in rows}

    # following a contract's link shows it and its notice lifecycle in the Contracts view
    page.locator(f'tr[data-contract="{first["contract_id"]}"] td a').first.click()
    expect(page.locator("#contracts-lifecycle")).to_be_visible(timeout=TIMEOUT)
    assert page_errors == []
