"""About on a phone in Chromium: the long tables start folded, and one tap shows every row."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from etl import reference

pytestmark = pytest.mark.browser

TIMEOUT = 20_000  # ms: a 2-core machine shared with other work
PHONE = {"width": 390, "height": 844}
HEIGHT = "() => document.documentElement.scrollHeight"


def test_about_folds_its_long_tables_and_a_tap_opens_them(page, live_app, page_errors):
    base, _ = live_app
    page.set_viewport_size(PHONE)
    page.goto(base + "/about")
    coverage = page.locator("#about-coverage")
    expect(coverage.locator("summary")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#about-glossary")).to_be_attached(timeout=TIMEOUT)
    rows = coverage.locator("tbody tr")
    expect(rows.first).to_be_hidden()
    folded = page.evaluate(HEIGHT)
    coverage.locator("summary").click()
    expect(rows).to_have_count(len(reference.boroughs()))
    expect(rows.last).to_be_visible()
    opened = page.evaluate(HEIGHT)
    print(f"\n/about at {PHONE['width']} px: {folded} px folded, {opened} px with the coverage table open")
    assert opened > folded  # the rows were folded away, not missing
    assert page_errors == []
