"""What dcc loads late, loaded early or not at all (``assets/dcc_loading.js``), and pages still draw.

dcc.Graph fetches plotly.js itself when a chart mounts and plotly is not there yet; the asset
starts the load earlier and leaves a promise in ``window.Plotly`` until it has run, so dcc.Graph
waits for it rather than loading the file a second time. These tests hold both halves: the file is
added to the page once (also when its response is held back so that the charts mount first), the
charts draw, and the page runs under the app's Content-Security-Policy without errors. dcc.Markdown's
highlight.js is never fetched (the app's Markdown has no code blocks) and Markdown tables still draw.
Dash's @babel/polyfill is not linked (``dashboard.serving.POLYFILL_SCRIPT``): every lazily loaded
dcc chunk and AG Grid still loads, through the ``regeneratorRuntime`` that Dash's loader reads.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TIMEOUT = 30_000  # ms: a 2-core machine shared with other work
PLOTLY = "plotly/package_data/plotly.min.js"
SCRIPTS = f"() => [...document.querySelectorAll('script[src]')].filter(s => s.src.includes('{PLOTLY}')).length"
DRAWN = "#overview-borough-chart .main-svg"


def _drawn(page) -> None:
    expect(page.locator(DRAWN).first).to_be_attached(timeout=TIMEOUT)
    expect(page.locator("#overview-service-area-chart .main-svg").first).to_be_attached(timeout=TIMEOUT)


def test_plotly_is_added_once_and_the_charts_draw(strict, live_app):
    page, errors = strict
    base, _ = live_app
    page.goto(base + "/?borough=E09000007")
    _drawn(page)
    assert page.evaluate(SCRIPTS) == 1
    assert page.evaluate("() => typeof window.Plotly.react") == "function"
    assert page.evaluate("() => window.__cspViolations") == []
    assert errors == []


def test_a_chart_that_mounts_before_plotly_has_loaded_waits_for_it(strict, live_app):
    """plotly.js held back for 3 s: the charts mount first, take the promise, and draw once it runs."""
    page, errors = strict
    base, _ = live_app
    held: list[float] = []

    def slow(route):
        held.append(time.monotonic())
        time.sleep(3)
        route.continue_()

    page.route(f"**/{PLOTLY}", slow)
    page.goto(base + "/?borough=E09000007")
    expect(page.locator("#overview-borough-chart").first).to_be_attached(timeout=TIMEOUT)
    assert page.evaluate("() => window.Plotly instanceof Promise"), "the chart mounted after plotly had run"
    _drawn(page)
    assert page.evaluate(SCRIPTS) == 1
    assert len(held) >= 1
    assert errors == []


def test_a_page_reached_in_the_app_draws_its_charts(strict, live_app):
    """Moving to another page with charts after the first load uses the plotly already there."""
    page, errors = strict
    base, _ = live_app
    page.goto(base + "/contracts")
    expect(page.locator("#content h1").first).to_be_attached(timeout=TIMEOUT)
    page.wait_for_function("() => window.Plotly && typeof window.Plotly.react === 'function'", timeout=TIMEOUT)
    page.locator("#nav-overview").click()
    _drawn(page)
    assert page.evaluate(SCRIPTS) == 1
    assert errors == []


def test_markdown_tables_draw_without_fetching_highlight_js(strict, live_app):
    page, errors = strict
    base, _ = live_app
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    page.goto(base + "/suppliers")
    expect(page.locator("#content .markdown-table table").first).to_be_attached(timeout=TIMEOUT)
    page.wait_for_load_state("networkidle")
    assert any("async-markdown" in url for url in fetched)
    assert not [url for url in fetched if "highlight" in url]
    assert errors == []


def test_without_the_babel_polyfill_every_lazy_component_still_loads(strict, live_app):
    """Dash's loader for lazy components (charts, dropdowns, Markdown, AG Grid) calls the global
    ``regeneratorRuntime``, which the polyfill used to set: it is there, and each kind draws."""
    page, errors = strict
    base, _ = live_app
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    page.goto(base + "/?borough=E09000007")
    _drawn(page)
    assert page.evaluate("() => typeof regeneratorRuntime.wrap") == "function"
    page.locator("#filter-borough").click()
    expect(page.locator(".dash-dropdown-option").first).to_be_attached(timeout=TIMEOUT)
    page.goto(base + "/contracts")
    expect(page.locator("#content .ag-row").first).to_be_attached(timeout=TIMEOUT)
    page.goto(base + "/suppliers")
    expect(page.locator("#content .markdown-table table").first).to_be_attached(timeout=TIMEOUT)
    assert not [url for url in fetched if "polyfill" in url]
    assert errors == []
