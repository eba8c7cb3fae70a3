"""Links that are plain ``<a>`` (inside a dcc.Markdown table, an html.A) move in the app like dcc.Link.

``assets/shell.js`` takes a plain click on a link to a page of this site and pushes it on the
history for Dash's router, so a page drawn as one Markdown table (the light way: see
``dashboard.layout.markdown_table``) loses nothing against per-cell dcc.Links. Downloads and the
sign-in pages still go to the server. A value set on ``window`` survives only if the document
was not reloaded.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TIMEOUT = 20_000  # ms: a 2-core machine shared with other work
MARK = "() => { window.__notReloaded = 'still here'; }"
MARKED = "() => window.__notReloaded || null"
# a borough's name in a window card: a link inside a dcc.Markdown (dashboard/pages/windows.py)
MARKDOWN_BOROUGH = "#windows-results .window-boroughs a[href^='/borough/']"


def _markdown_link(page):
    """The first borough link of the Windows page, a plain anchor drawn by dcc.Markdown."""
    link = page.locator(MARKDOWN_BOROUGH).first
    expect(link).to_be_attached(timeout=TIMEOUT)
    return link


def test_a_plain_link_to_a_page_moves_in_the_app(page, live_app):
    base, _ = live_app
    page.goto(base + "/windows")
    link = _markdown_link(page)
    href = link.get_attribute("href")
    page.evaluate(MARK)
    link.click()
    page.wait_for_url(re.compile(re.escape(href) + "$"), timeout=TIMEOUT)
    expect(page.locator("#borough-coverage")).to_be_attached(timeout=TIMEOUT)
    assert page.evaluate(MARKED) == "still here"
    page.go_back()
    expect(page.locator("#windows-results")).to_be_attached(timeout=TIMEOUT)
    assert page.evaluate(MARKED) == "still here"


def test_downloads_and_sign_in_are_left_to_the_server(page, live_app):
    base, _ = live_app
    page.goto(base + "/windows")
    expect(page.locator("#windows-results")).to_be_attached(timeout=TIMEOUT)
    verdicts = page.evaluate(
        """() => ['/export/contracts.csv', '/report/html?service_area=x', '/calendar.ics', '/sign-in',
                  '/sign-out', '/assets/style.css', '/_dash-layout', 'https://example.org/borough/x',
                  location.pathname + location.search + '#content',
                  '/borough/E09000007?scope=all', '/reports', '/sign-in-help'].map(h => {
              const a = document.createElement('a'); a.href = h; return window.citytoolsInApp(a); })"""
    )
    assert verdicts == [False, False, False, False, False, False, False, False, False, True, True, True]
