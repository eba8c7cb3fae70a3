"""Each remaining view in Chromium: set a filter, see it change, reload the shared URL, download its export."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from dashboard import db

pytestmark = pytest.mark.browser

TIMEOUT = 15_000
BRENT, BRENT_NAME = "E09000005", "Brent"
# view path, export name, an element that shows data
VIEWS = [
    ("/matrix", "matrix", "#matrix-table .ag-row[row-id='E09000005']"),
    ("/systems", "systems", "h1"),
    ("/suppliers", "suppliers", "h1"),
]


def export_rows(text: str) -> tuple[list[str], list[list[str]]]:
    table = list(csv.reader(io.StringIO(text, newline="")))  # the header is the first line
    return table[0], table[1:]


def brent_suppliers(path) -> set[str]:
    with db.cursor(path) as cur:
        rows = cur.execute("SELECT DISTINCT supplier_name FROM contracts WHERE borough_code = ?", [BRENT]).fetchall()
    return {s for (s,) in rows if s}


@pytest.mark.parametrize(("path", "view", "marker"), VIEWS, ids=[v[1] for v in VIEWS])
def test_filter_reload_and_export(page, live_app, page_errors, screenshot, tmp_path, path, view, marker):
    base, db_path = live_app
    page.goto(base + path)
    expect(page.locator(marker).first).to_be_visible(timeout=TIMEOUT)
    link = page.locator(f"#{view}-download-csv")
    expect(link).to_have_attribute("href", f"/export/{view}.csv", timeout=TIMEOUT)
    before = page.locator("#_pages_content").inner_text()

    page.locator("#filter-borough").click()
    page.locator(".dash-dropdown-option", has_text=f"{BRENT_NAME} (").click()
    page.keyboard.press("Escape")
    page.wait_for_function(f"window.location.search.includes('borough={BRENT}')", timeout=TIMEOUT)
    expect(link).to_have_attribute("href", f"/export/{view}.csv?borough={BRENT}", timeout=TIMEOUT)
    after = page.locator("#_pages_content").inner_text()
    assert after != before  # the view re-rendered for Brent

    page.reload()
    expect(page.locator("#filter-borough")).to_contain_text(BRENT_NAME, timeout=TIMEOUT)
    expect(link).to_have_attribute("href", f"/export/{view}.csv?borough={BRENT}", timeout=TIMEOUT)

    with page.expect_download() as info:
        link.click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    assert info.value.suggested_filename.startswith(f"citytools-{view}-brent-")  # the filter, in the file's name
    header, rows = export_rows(text)
    assert rows, view
    if "Borough" in header:
        assert {r[header.index("Borough")] for r in rows} == {BRENT_NAME}
    if view == "suppliers":
        names = {r[header.index("Supplier")] for r in rows if not r[header.index("Supplier")].startswith("All others")}
        assert names <= brent_suppliers(db_path)
    screenshot(view)
    assert page_errors == []


def test_borough_page_and_its_export(page, live_app, page_errors, tmp_path):
    base, db_path = live_app
    page.goto(base + f"/borough/{BRENT}")
    expect(page.locator("h1")).to_contain_text(BRENT_NAME, timeout=TIMEOUT)
    with db.cursor(db_path) as cur:
        (n,) = cur.execute("SELECT count(*) FROM contracts WHERE borough_code = ?", [BRENT]).fetchone()
    link = page.locator("a[href^='/export/borough.csv']").first
    with page.expect_download() as info:
        link.click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    header, rows = export_rows(saved.read_text(encoding="utf-8-sig"))
    assert len(rows) == n
    assert page_errors == []


def test_phone_width_keeps_the_navigation_usable(page, live_app):
    base, _ = live_app
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + "/")
    page.locator("#nav-toggle").click()  # the menu is collapsed on a phone until opened
    links = page.locator("header .nav-link")
    expect(links.first).to_be_visible(timeout=TIMEOUT)
    boxes = [links.nth(i).bounding_box() for i in range(links.count())]
    assert all(b and b["x"] >= 0 and b["x"] + b["width"] <= 390 for b in boxes)  # nothing off screen
    assert all(b["height"] >= 40 for b in boxes)  # the opened menu: one link a row, each a fair touch target
