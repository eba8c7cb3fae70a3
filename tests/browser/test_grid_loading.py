"""AG Grid's bundle loaded when a grid first mounts (``assets/ag_grid_lazy.js``), and grids still work.

A page that draws no grid does not link dash-ag-grid's 1.3 MB bundle (``dashboard.serving.deferred_grid``):
its stand-in ``window.dash_ag_grid`` loads it when a grid mounts. These tests hold that: no request
for it on a page without a grid; a grid reached in the app draws, sorts (its own setProps reaching
the server) and answers ``getApi``, with the bundle fetched once; the stand-in stays what the renderer
resolves, so a grid is never mounted twice; a grid page opened directly is as before; a bundle that
fails to load leaves a message, not a broken page. All under the app's Content-Security-Policy.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TIMEOUT = 30_000  # ms: a 2-core machine shared with other work
BUNDLE = "dash_ag_grid/dash_ag_grid"
ROWS = ".contracts-grid .ag-center-cols-container .ag-row"
DRAWN = "#overview-borough-chart .main-svg"


def _bundle_requests(fetched: list[str]) -> list[str]:
    return [url for url in fetched if BUNDLE in url]


def _opened(page, url: str, ready: str) -> list[str]:
    """Open ``url`` and wait for ``ready``; the list of every URL the page requests, kept up to date."""
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    page.goto(url)
    expect(page.locator(ready).first).to_be_attached(timeout=TIMEOUT)
    return fetched


def test_a_page_without_a_grid_does_not_fetch_ag_grid(strict, live_app):
    page, errors = strict
    base, _ = live_app
    fetched = _opened(page, base + "/?borough=E09000007", DRAWN)
    page.wait_for_load_state("networkidle")
    assert _bundle_requests(fetched) == []
    assert page.evaluate("() => window.dash_ag_grid.AgGrid.dashRenderType") is True
    assert page.evaluate("() => window.__cspViolations") == []
    assert errors == []


def test_a_grid_reached_in_the_app_loads_once_draws_and_sorts(strict, live_app):
    page, errors = strict
    base, _ = live_app
    fetched = _opened(page, base + "/", DRAWN)
    stand_in = page.evaluate_handle("() => window.dash_ag_grid.AgGrid")
    page.locator("#nav-contracts").click()
    expect(page.locator(ROWS).first).to_be_attached(timeout=TIMEOUT)
    assert len(_bundle_requests(fetched)) == 1
    # the renderer still resolves the stand-in: the bundle's own assignment did not replace it
    assert page.evaluate("(c) => window.dash_ag_grid.AgGrid === c", stand_in)
    # once loaded, the bundle's getApi answers for a mounted grid
    rows = page.evaluate(
        """async () => {
            const el = document.querySelector('.contracts-grid');  // the grid's id, as Dash writes a dict id
            const api = await window.dash_ag_grid.getApiAsync(el.id);
            return api.getDisplayedRowCount();
        }"""
    )
    assert rows > 0
    # the grid's own setProps (a sort) reaches the server and comes back in the URL and the rows
    header = page.locator(".contracts-grid .ag-header-cell[col-id='annual_value']")
    header.click()
    page.wait_for_function("() => window.location.search.includes('sort=annual_value')", timeout=TIMEOUT)
    expect(page.locator(ROWS).first).to_be_attached(timeout=TIMEOUT)
    page.locator("#nav-matrix").click()
    expect(page.locator("#content .ag-row").first).to_be_attached(timeout=TIMEOUT)
    assert len(_bundle_requests(fetched)) == 1
    assert page.evaluate("() => window.__cspViolations") == []
    assert errors == []


def test_a_grid_page_opened_directly_links_the_bundle(strict, live_app):
    page, errors = strict
    base, _ = live_app
    fetched = _opened(page, base + "/contracts", ROWS)
    assert page.evaluate("() => document.getElementById('citytools-deferred')") is None
    assert len(_bundle_requests(fetched)) == 1
    assert errors == []


def test_a_bundle_that_fails_to_load_leaves_a_message(strict, live_app):
    page, errors = strict
    base, _ = live_app
    page.route(f"**/{BUNDLE}*", lambda route: route.fulfill(status=503, body="unavailable"))
    _opened(page, base + "/", DRAWN)
    page.locator("#nav-contracts").click()
    alert = page.locator(".contracts-grid[role='alert']")
    expect(alert).to_contain_text("AG Grid's script failed to load", timeout=TIMEOUT)
    expect(page.locator("#contracts-count")).not_to_be_empty(timeout=TIMEOUT)  # the rest of the page is there
    assert [e for e in errors if "503" not in e and "Failed to load resource" not in e] == []
