"""The Content-Security-Policy in Chromium: every page renders under it, with no violation.

The app is served with its serving hooks (``dashboard.serving``), so each page gets the policy a
real deployment sends. The other browser tests bypass the policy (their Playwright predicates
and injected axe script would break it, see conftest.py); these run in a context of their own
that keeps it. Violations are caught both as ``securitypolicyviolation`` events (a listener
added before any page script runs) and as console errors; charts and grids must still draw,
since a blocked style or script could otherwise fail quietly.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard import views

pytestmark = pytest.mark.browser

TIMEOUT = 20_000  # ms: generous for a 2-core CI machine
BOROUGH = "E09000007"  # Camden, in the sample
PATHS = [view.path.replace("<code>", BOROUGH) for view in views.ALL]
COUNT = """() => ({
    charts: document.querySelectorAll(".js-plotly-plot").length,
    drawn: document.querySelectorAll(".js-plotly-plot .main-svg").length,
    grids: document.querySelectorAll(".ag-root-wrapper").length,
    gridBodies: document.querySelectorAll(".ag-root-wrapper .ag-body").length,
    styledGrids: [...document.querySelectorAll(".ag-root-wrapper")].filter(
        (g) => getComputedStyle(g).display !== "inline"
    ).length,
})"""


def test_every_page_renders_under_the_policy(strict, live_app):
    page, errors = strict
    base, _ = live_app
    problems: dict[str, object] = {}
    totals = {"charts": 0, "grids": 0}
    for path in PATHS:
        errors.clear()
        response = page.goto(base + path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self' 'sha256-" in csp and "unsafe-eval" not in csp
        expect(page.locator("#_pages_content h1").first).to_be_visible(timeout=TIMEOUT)
        page.wait_for_load_state("networkidle")
        if page.locator(".js-plotly-plot").count():
            expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible(timeout=TIMEOUT)
        seen = page.evaluate(COUNT)
        totals["charts"] += seen["charts"]
        totals["grids"] += seen["grids"]
        if seen["drawn"] < seen["charts"] or not seen["gridBodies"] == seen["styledGrids"] == seen["grids"]:
            problems[path] = seen  # a chart without its svg, or a grid without its body or styles
        violations = page.evaluate("window.__cspViolations")
        if violations or errors:
            problems[path] = violations + errors
    assert problems == {}
    assert totals["charts"] > 0 and totals["grids"] > 0, totals  # the checks above were not vacuous


def test_the_not_found_page_renders_under_the_policy(strict, live_app):
    page, errors = strict
    base, _ = live_app
    response = page.goto(base + "/wp-admin")
    assert response.status == 404
    expect(page.locator("#error-page h1")).to_have_text("Page not found")
    page.locator("#error-home").click()
    expect(page.locator("#_pages_content h1").first).to_be_visible(timeout=TIMEOUT)
    assert page.evaluate("window.__cspViolations") == []
    assert [e for e in errors if "404" not in e] == []
