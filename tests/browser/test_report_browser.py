"""The /reports page in headless Chromium: choose a service area, download the workbook and the printable
report, and check both against the database; the expiring page's calendar link downloads a feed too.

Uses the harness of tests/browser/conftest.py (Debian's Chromium, ``page``, ``page_errors``,
``axe_audit``) and its ``survey_app``: the app on the surveys-only sample, whose figures these
tests check against the database.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from icalendar import Calendar
from openpyxl import load_workbook
from playwright.sync_api import expect

from dashboard import db
from dashboard.logic.report import HEADLINES

pytestmark = pytest.mark.browser

TIMEOUT = 15_000  # ms
RB = "Revenues and Benefits"


def scope_count(path) -> int:
    with db.cursor(path) as cur:
        return cur.execute(
            "SELECT count(*) FROM contracts WHERE service_area = ? AND borough_code IS NOT NULL AND stage = 'contract'",
            [RB],
        ).fetchone()[0]


class FigureParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.figures: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-figure" in a:
            self.figures[a["data-figure"]] = a.get("data-value")


def test_report_from_the_reports_page(page, survey_app, page_errors, tmp_path):
    base, path = survey_app
    expected = scope_count(path)
    page.goto(base + "/reports")
    expect(page.locator("#report-form")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#report-on .nav-link.active")).to_contain_text("Service area")

    # choose the service area: the URL gains it and the preview and download links follow
    page.locator("#report-subject").click()
    page.locator(".dash-dropdown-option", has_text=f"{RB} (").click()
    page.wait_for_function("window.location.search.includes('service_area=Revenues')", timeout=TIMEOUT)
    page.keyboard.press("Escape")
    expect(page.locator("#report-preview h2")).to_have_text(f"Market engagement report: {RB}", timeout=TIMEOUT)
    query = f"?service_area={quote(RB)}"
    assert page.evaluate("window.location.search") == query
    expect(page.locator("#report-download-xlsx")).to_have_attribute("href", f"/report/xlsx{query}")
    expect(page.locator("#report-download-html")).to_have_attribute("href", f"/report/html{query}")
    expect(page.locator("#filter-service_area")).to_contain_text(RB, timeout=TIMEOUT)  # the filter bar agrees

    with page.expect_download() as info:
        page.locator("#report-download-xlsx").click()
    workbook = tmp_path / info.value.suggested_filename
    assert workbook.name.startswith("citytools-report-revenues-and-benefits-") and workbook.suffix == ".xlsx"
    info.value.save_as(workbook)
    summary = {r[0]: r[1] for r in load_workbook(workbook)["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary[HEADLINES["contracts"]] == expected

    with page.expect_download() as info:
        page.locator("#report-download-html").click()
    report = tmp_path / info.value.suggested_filename
    assert report.suffix == ".html"
    info.value.save_as(report)
    parser = FigureParser()
    parser.feed(report.read_text(encoding="utf-8"))
    assert int(parser.figures["contracts"]) == expected

    # the downloaded report opens on its own, offline, and shows its charts
    page.goto(report.as_uri())
    expect(page.locator("svg#chart-share")).to_be_visible()
    expect(page.locator("#figure-contracts")).to_have_text(str(expected))
    assert page_errors == []


def test_expiring_page_calendar_link(page, survey_app, page_errors):
    base, _ = survey_app
    page.goto(base + f"/expiring?months=24&service_area={quote(RB)}")
    expect(page.locator("#expiring-summary")).to_be_visible(timeout=TIMEOUT)
    rows = page.locator("#expiring-table tbody tr").count()
    href = page.locator("#expiring-calendar").get_attribute("href")
    assert href == f"/calendar.ics?service_area={quote(RB)}&months=24"
    assert page.locator("#expiring-webcal").inner_text().startswith("webcal://127.0.0.1:")
    response = page.request.get(base + href)
    assert response.ok and response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert len(Calendar.from_ical(response.body()).walk("VEVENT")) == rows > 0
    assert page_errors == []


@pytest.mark.parametrize("path", [f"/reports?service_area={quote(RB)}", "/expiring?months=24"])
def test_no_serious_accessibility_violations(page, survey_app, axe_audit, path):
    base, _ = survey_app
    page.goto(base + path)
    expect(page.locator("#data-as-of")).to_be_visible(timeout=TIMEOUT)
    serious = axe_audit(page)
    assert serious == [], json.dumps(serious, indent=1)
