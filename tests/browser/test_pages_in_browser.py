"""The app in headless Chromium: filter bar -> URL -> page, reload, back, export, accessibility."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from playwright.sync_api import expect

from dashboard import db

pytestmark = pytest.mark.browser

BRENT, BRENT_NAME = "E09000005", "Brent"
TIMEOUT = 15_000  # ms: generous for a 2-core CI machine


# Violations inside Dash's own components that the app cannot change, by (rule, node):
# dcc.Dropdown (Dash 4.4) takes keyboard focus on a hidden helper input marked aria-hidden.
def search(page) -> str:
    return page.evaluate("window.location.search")


def count_text(n: int) -> str:
    return f"{n:,} contract{'' if n == 1 else 's'} match{'es' if n == 1 else ''}"


def grid_boroughs(page) -> list[str]:
    """The Borough cells of the grid's rendered rows."""
    cells = ".contracts-grid .ag-center-cols-container .ag-row .ag-cell[col-id='borough']"
    return page.locator(cells).all_inner_texts()


def wait_for_rows(page):
    expect(page.locator(".contracts-grid .ag-row[row-index='0'] .ag-cell[col-id='borough']")).not_to_be_empty(
        timeout=TIMEOUT
    )


def brent_ids(path) -> list[str]:
    with db.cursor(path) as c:
        rows = c.execute(
            "SELECT contract_id FROM contracts WHERE borough_code = ? ORDER BY end_date NULLS LAST, contract_id",
            [BRENT],
        ).fetchall()
    return [cid for (cid,) in rows]


def all_count(path) -> int:
    with db.cursor(path) as c:  # the technology count: what the views count unless scope=all
        sql = "SELECT count(*) FROM contracts WHERE borough_code IS NOT NULL AND is_it IS NOT FALSE"
        return c.execute(sql).fetchone()[0]


def test_overview_shows_figures_and_filters(page, live_app, page_errors, screenshot):
    base, path = live_app
    page.goto(base + "/")
    expect(page.locator("#stat-contracts")).to_contain_text(f"{all_count(path):,}", timeout=TIMEOUT)
    expect(page.locator("#overview-borough-chart .main-svg").first).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#filter-borough")).to_contain_text("All boroughs")
    expect(page.locator("#contracts-download-csv")).to_have_attribute("href", "/export/contracts.csv")
    screenshot("overview")
    assert page_errors == []


def test_contracts_filter_url_reload_back_and_export(page, live_app, page_errors, screenshot, tmp_path):
    base, path = live_app
    total, brent = all_count(path), brent_ids(path)

    page.goto(base + "/contracts")
    expect(page.locator("#contracts-count")).to_have_text(count_text(total), timeout=TIMEOUT)
    wait_for_rows(page)
    assert len(set(grid_boroughs(page))) > 1

    # pick a borough in the filter bar: the URL gains it, the count and the rows follow
    page.locator("#filter-borough").click()
    page.locator(".dash-dropdown-option", has_text=f"{BRENT_NAME} (").click()
    page.wait_for_function(f"window.location.search.includes('borough={BRENT}')", timeout=TIMEOUT)
    expect(page.locator("#contracts-count")).to_have_text(count_text(len(brent)), timeout=TIMEOUT)
    page.keyboard.press("Escape")
    wait_for_rows(page)
    expect(page.locator(".contracts-grid .ag-row[row-index='0'] .ag-cell[col-id='borough']")).to_have_text(BRENT_NAME)
    assert set(grid_boroughs(page)) == {BRENT_NAME}
    assert search(page) == f"?borough={BRENT}"
    expect(page.locator("#contracts-download-csv")).to_have_attribute(
        "href", f"/export/contracts.csv?borough={BRENT}", timeout=TIMEOUT
    )
    screenshot("contracts")

    # reload the URL: the same view, with the filter showing the borough
    page.reload()
    expect(page.locator("#contracts-count")).to_have_text(count_text(len(brent)), timeout=TIMEOUT)
    expect(page.locator("#filter-borough")).to_contain_text(BRENT_NAME, timeout=TIMEOUT)
    wait_for_rows(page)
    assert set(grid_boroughs(page)) == {BRENT_NAME}

    # the export link of this view downloads exactly Brent's rows
    with page.expect_download() as info:
        page.locator("#contracts-download-csv").click()
    download = info.value
    assert re.fullmatch(r"citytools-contracts-brent-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert text.startswith('"Borough",')  # the header is the first line; the filters are in the file name
    body = text
    table = list(csv.reader(io.StringIO(body, newline="")))
    header, rows = table[0], table[1:]
    assert [r[header.index("Contract id")] for r in rows] == brent
    assert {r[header.index("Borough")] for r in rows} == {BRENT_NAME}

    # back: the previous view, unfiltered, and the filter bar empties
    page.go_back()
    page.wait_for_function("window.location.search === ''", timeout=TIMEOUT)
    expect(page.locator("#contracts-count")).to_have_text(count_text(total), timeout=TIMEOUT)
    expect(page.locator("#filter-borough")).to_contain_text("All boroughs", timeout=TIMEOUT)
    wait_for_rows(page)
    assert len(set(grid_boroughs(page))) > 1

    # forward again: filtered
    page.go_forward()
    expect(page.locator("#contracts-count")).to_have_text(count_text(len(brent)), timeout=TIMEOUT)
    expect(page.locator("#filter-borough")).to_contain_text(BRENT_NAME, timeout=TIMEOUT)
    assert page_errors == []


def test_sorting_in_the_grid_writes_the_url(page, live_app, page_errors):
    base, path = live_app
    page.goto(base + f"/contracts?borough={BRENT}")
    wait_for_rows(page)
    page.locator(".contracts-grid .ag-header-cell[col-id='annual_value']").click()
    page.wait_for_function("window.location.search.includes('sort=annual_value')", timeout=TIMEOUT)
    page.locator(".contracts-grid .ag-header-cell[col-id='annual_value']").click()
    page.wait_for_function("window.location.search.includes('sort=-annual_value')", timeout=TIMEOUT)
    wait_for_rows(page)
    with db.cursor(path) as c:
        (top,) = c.execute("SELECT max(annual_value) FROM contracts WHERE borough_code = ?", [BRENT]).fetchone()
    expect(page.locator(".contracts-grid .ag-row[row-index='0'] .ag-cell[col-id='annual_value']")).to_have_text(
        f"£{top:,.0f}", timeout=TIMEOUT
    )
    expect(page.locator("#contracts-download-csv")).to_have_attribute(
        "href", f"/export/contracts.csv?borough={BRENT}&sort=-annual_value", timeout=TIMEOUT
    )
    assert page_errors == []


def test_filters_carry_across_views_and_text_filter_keeps_focus(page, live_app, page_errors):
    base, _ = live_app
    page.goto(base + f"/contracts?borough={BRENT}")
    wait_for_rows(page)
    page.locator("#filter-q").fill("mosaic")
    page.wait_for_function("window.location.search.includes('q=mosaic')", timeout=TIMEOUT)
    expect(page.locator("#contracts-count")).to_have_text("1 contract matches", timeout=TIMEOUT)
    assert page.evaluate("document.activeElement.id") == "filter-q"
    page.locator("#filter-end_from").fill("2099-01-01")
    page.wait_for_function("window.location.search.includes('end_from=2099-01-01')", timeout=TIMEOUT)
    expect(page.locator("#contracts-count")).to_have_text("0 contracts match", timeout=TIMEOUT)
    page.locator("#filter-end_from").fill("")
    page.wait_for_function("!window.location.search.includes('end_from')", timeout=TIMEOUT)
    expect(page.locator("#contracts-count")).to_have_text("1 contract matches", timeout=TIMEOUT)
    page.locator("#nav-overview").click()
    page.wait_for_function("window.location.pathname === '/'", timeout=TIMEOUT)
    assert search(page) == f"?borough={BRENT}&q=mosaic"
    expect(page.locator("#stat-contracts")).to_contain_text("1", timeout=TIMEOUT)
    assert page_errors == []


@pytest.mark.parametrize("path", ["/", f"/contracts?borough={BRENT}"])
def test_no_serious_accessibility_violations(page, live_app, axe_audit, path):
    base, _ = live_app
    page.goto(base + path)
    expect(page.locator("#data-as-of")).to_be_visible(timeout=TIMEOUT)
    if "contracts" in path:
        wait_for_rows(page)
    serious = axe_audit(page)
    assert serious == [], json.dumps(serious, indent=1)
