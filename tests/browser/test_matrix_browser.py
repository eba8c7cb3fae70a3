"""The matrix grid's borough links in Chromium, under the app's Content-Security-Policy.

A borough's name in the pinned column is drawn by a renderer in
``assets/dashAgGridComponentFunctions.js``. It must move to the borough's page the way every other
link of the app does (history push, the pages router draws the page: no reload), by a click and by
Enter on the focused cell, for keyboard users. A value set on ``window`` before the move survives
only if the document was not reloaded.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TIMEOUT = 20_000  # ms: a 2-core machine shared with other work
BRENT, BRENT_NAME = "E09000005", "Brent"
BOROUGH_CELL = f".ag-pinned-left-cols-container .ag-row[row-id='{BRENT}'] .ag-cell[col-id='borough']"
MARK = "() => { window.__h5NotReloaded = 'still here'; }"
MARKED = "() => window.__h5NotReloaded || null"


def open_matrix(page, base: str, query: str = "") -> None:
    page.goto(base + "/matrix" + query)
    expect(page.locator(BOROUGH_CELL)).to_contain_text(BRENT_NAME, timeout=TIMEOUT)
    page.evaluate(MARK)


def arrived(page, query: str = "") -> None:
    """On Brent's page, drawn by the router in the same document (the marker survived)."""
    page.wait_for_url(re.compile(rf"/borough/{BRENT}{re.escape(query)}$"), timeout=TIMEOUT)
    expect(page.locator("h1")).to_contain_text(BRENT_NAME, timeout=TIMEOUT)
    assert page.evaluate(MARKED) == "still here"


def test_a_click_on_a_borough_moves_in_the_app_without_a_reload(strict, live_app):
    page, errors = strict
    base, _ = live_app
    open_matrix(page, base, "?measure=suppliers")
    link = page.locator(f"{BOROUGH_CELL} a")
    query = "?measure=suppliers"  # the matrix's URL state travels with the link
    expect(link).to_have_attribute("href", f"/borough/{BRENT}{query}")  # a real link: a new tab still works
    link.click()
    arrived(page, query)
    page.go_back()  # the history entry is a real one: back is the matrix, still the same document
    page.wait_for_url(re.compile(r"/matrix\?measure=suppliers$"), timeout=TIMEOUT)
    expect(page.locator(BOROUGH_CELL)).to_contain_text(BRENT_NAME, timeout=TIMEOUT)
    assert page.evaluate(MARKED) == "still here"
    assert errors == []


def test_enter_on_a_focused_borough_cell_follows_its_link(strict, live_app):
    page, errors = strict
    base, _ = live_app
    open_matrix(page, base)
    page.locator(BOROUGH_CELL).focus()
    expect(page.locator(BOROUGH_CELL)).to_be_focused()
    page.keyboard.press("Enter")
    arrived(page)
    assert errors == []
