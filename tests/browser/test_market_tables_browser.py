"""The systems and suppliers tables in Chromium, under the app's Content-Security-Policy.

Each table is one Markdown component (``dashboard.pages.systems.linked_table``), its links Markdown
links. A plain click must move in the app as a ``dcc.Link`` does (history push, the pages router
draws the page: no reload; ``assets/shell.js``), and the columns marked ``phone=False`` are
left out on a narrow screen (``assets/market_tables.css``). A value set on ``window`` before a move
survives only if the document was not reloaded.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dashboard.logic.systems import RANKING_COLUMNS

pytestmark = pytest.mark.browser

TIMEOUT = 20_000  # ms: a 2-core machine shared with other work
MARK = "() => { window.__marketNotReloaded = 'still here'; }"
MARKED = "() => window.__marketNotReloaded || null"
DISPLAY = "(el) => getComputedStyle(el).display"


def test_a_system_then_a_borough_open_in_the_app_without_a_reload(strict, live_app):
    page, errors = strict
    base, _ = live_app
    page.goto(base + "/systems?ended=show")
    first = page.locator("#systems-table table tbody tr").first.locator("a")
    expect(first).to_have_attribute("href", re.compile(r"^/systems\?system=.+&ended=show$"), timeout=TIMEOUT)
    name = first.inner_text()
    page.evaluate(MARK)
    first.click()
    expect(page.locator("#systems-question")).to_have_text(f"Which boroughs use {name}", timeout=TIMEOUT)
    assert "system=" in page.url and page.evaluate(MARKED) == "still here"
    borough = page.locator("#systems-boroughs-table a[href^='/borough/']").first
    borough_name = borough.inner_text()
    borough.click()
    expect(page.locator("h1")).to_contain_text(borough_name, timeout=TIMEOUT)
    assert "/borough/E09" in page.url and page.evaluate(MARKED) == "still here"
    page.go_back()  # a real history entry: back is the system, still the same document
    expect(page.locator("#systems-question")).to_have_text(f"Which boroughs use {name}", timeout=TIMEOUT)
    assert page.evaluate(MARKED) == "still here"
    assert errors == []


def test_a_supplier_and_back_in_the_app_without_a_reload(strict, live_app):
    page, errors = strict
    base, _ = live_app
    page.goto(base + "/suppliers")
    link = page.locator("#suppliers-table a[href*='supplier=']").first
    expect(link).to_be_visible(timeout=TIMEOUT)
    name = link.inner_text()
    page.evaluate(MARK)
    link.click()
    expect(page.locator("#supplier-0")).to_have_text(name, timeout=TIMEOUT)
    page.locator("#suppliers-back").click()
    expect(page.locator("#suppliers-table")).to_be_visible(timeout=TIMEOUT)
    assert page.evaluate(MARKED) == "still here"
    assert errors == []


def test_columns_marked_for_wide_screens_are_left_out_on_a_phone(strict, live_app):
    page, errors = strict
    base, _ = live_app
    page.goto(base + "/systems")
    heads = page.locator("#systems-table table thead th")
    expect(heads.first).to_be_visible(timeout=TIMEOUT)
    wide = [heads.nth(j).evaluate(DISPLAY) for j in range(len(RANKING_COLUMNS))]
    page.set_viewport_size({"width": 390, "height": 844})
    narrow = [heads.nth(j).evaluate(DISPLAY) for j in range(len(RANKING_COLUMNS))]
    assert "none" not in wide
    assert [d == "none" for d in narrow] == [not c.phone for c in RANKING_COLUMNS]
    cells = page.locator("#systems-table table tbody tr").first.locator("td")
    assert [cells.nth(j).evaluate(DISPLAY) == "none" for j in range(len(RANKING_COLUMNS))] == [
        not c.phone for c in RANKING_COLUMNS
    ]
    assert errors == []
