"""Every in-page option of /windows and /timeline clicked in Chromium: the URL changes, the page settles
without errors, and what it took is recorded.

For each click: the time from the click to a settled page (the results redrawn for the new URL,
no Dash callback in flight, the chart drawn) and the page's DOM node count and height. They are
printed and written to ``data/browser-timings.json``; nothing asserts on time (a shared 2-core
machine is noisy), only that each click changed the URL and the page settled with no error.

The app serves the full sample (``live_app``). ``CITYTOOLS_TIMINGS_DB`` names another database
to measure instead (e.g. the 50,000-contract bench build), served the same way.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, serving
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

TIMEOUT = 30_000  # ms: generous for a 2-core CI machine
OUT = ROOT / "data" / "browser-timings.json"

# Settled: the results region shows the URL in the address bar, and no callback is running.
SETTLED = """
([results, before, chart]) => {
    const box = document.querySelector(results);
    if (!box || location.search === before || box.dataset.search !== location.search) return false;
    if (document.querySelector('[data-dash-is-loading="true"]')) return false;
    return !chart || !!document.querySelector(chart + ' .main-svg');
}
"""
SIZE = "() => ({nodes: document.getElementsByTagName('*').length, height: document.documentElement.scrollHeight})"


def _type(control: str, value: str) -> Callable[[Page], None]:
    def act(page: Page) -> None:
        page.locator(control).fill(value)
        page.locator(control).press("Enter")

    return act


def _radio(group: str, label: str) -> Callable[[Page], None]:
    return lambda page: page.locator(group).get_by_text(label, exact=True).click()


def _pick(dropdown: str, label: str) -> Callable[[Page], None]:
    def act(page: Page) -> None:
        page.locator(dropdown).click()
        page.locator(".dash-dropdown-option", has_text=label).first.click()

    return act


def _click(selector: str) -> Callable[[Page], None]:
    return lambda page: page.locator(selector).click()


# (page, its results region, a chart that must be drawn or None, [(option, action)]), in click order
PAGES = [
    (
        "/windows?group_by=system",
        "#windows-results",
        None,
        [
            ("next page", _click("#windows-next")),
            ("previous page", _click("#windows-previous")),
            ("group by supplier", _pick("#windows-group_by", "Supplier")),
            ("minimum boroughs 4", _type("#windows-min_boroughs", "4")),
            ("window 9 months", _type("#windows-window_months", "9")),
            ("lead time 12 months", _type("#windows-lead_months", "12")),
            ("latest end dates", _radio("#windows-extensions", "Latest end dates, with extensions")),
            ("order by value", _radio("#windows-rank", "Highest annual value")),
            ("show ended windows", _click("#windows-ended")),
        ],
    ),
    (
        "/timeline?service_area=Revenues%20and%20Benefits",
        "#timeline-results",
        "#timeline-graph",
        [
            ("one row per contract", _radio("#timeline-rows", "One row per contract")),
            ("group by system", _radio("#timeline-group-by", "System")),
            ("one row per borough", _radio("#timeline-rows", "One row per borough")),
        ],
    ),
]


@pytest.fixture(scope="module")
def measured_app(request):
    """The app to measure: ``CITYTOOLS_TIMINGS_DB`` if set, else the full sample."""
    other = os.environ.get("CITYTOOLS_TIMINGS_DB")
    if not other:
        yield request.getfixturevalue("live_app")
        return
    if not Path(other).exists():
        pytest.skip(f"CITYTOOLS_TIMINGS_DB={other} does not exist")
    with serving(Path(other)) as served:
        yield served


def _settle(page: Page, results: str, before: str | None, chart: str | None) -> None:
    page.wait_for_function(SETTLED, arg=[results, before, chart], timeout=TIMEOUT, polling="raf")


@pytest.mark.parametrize("path, results, chart, options", PAGES, ids=[p[0].split("?")[0] for p in PAGES])
def test_every_option_changes_the_url_and_settles(page, measured_app, page_errors, path, results, chart, options):
    base, database = measured_app
    start = time.perf_counter()
    page.goto(base + path)
    expect(page.locator(results)).to_be_visible(timeout=TIMEOUT)
    if chart:
        expect(page.locator(f"{chart} .main-svg").first).to_be_visible(timeout=TIMEOUT)
    record = {"load": {"ms": round((time.perf_counter() - start) * 1000), **page.evaluate(SIZE), "url": path}}
    for name, act in options:
        before = page.evaluate("location.search")
        start = time.perf_counter()
        act(page)
        _settle(page, results, before, chart)
        ms = round((time.perf_counter() - start) * 1000)
        after = page.evaluate("location.search")
        assert after != before, name  # the click changed the URL
        record[name] = {"ms": ms, **page.evaluate(SIZE), "url": after}
        print(f"{path.split('?')[0]:10} {name:24} {ms:6} ms {record[name]['nodes']:6} nodes  {after}")
    assert page_errors == []
    _write(path.split("?")[0], record, database)


def test_back_and_forward_redraw_the_results(page, live_app, page_errors):
    """An option writes the address without rebuilding the page; back and forward still show each URL."""
    base, _ = live_app
    page.goto(base + "/windows?group_by=system")
    count = page.locator("#windows-count")
    expect(count).to_be_visible(timeout=TIMEOUT)
    first = count.inner_text()
    page.evaluate("document.querySelector('h1').dataset.mark = 'kept'")  # gone if the page is rebuilt
    _type("#windows-min_boroughs", "5")(page)
    _settle(page, "#windows-results", "?group_by=system", None)
    fifth = count.inner_text()
    assert fifth != first
    assert page.evaluate("document.querySelector('h1').dataset.mark") == "kept"  # only the results redrawn
    # the shell heard of it: the filter bar keeps the option when a filter changes
    page.go_back()
    page.wait_for_function("location.search === '?group_by=system'", timeout=TIMEOUT)
    expect(count).to_have_text(first, timeout=TIMEOUT)
    expect(page.locator("#windows-min_boroughs")).to_have_value("3", timeout=TIMEOUT)
    page.go_forward()
    page.wait_for_function("location.search.includes('min_boroughs=5')", timeout=TIMEOUT)
    expect(count).to_have_text(fifth, timeout=TIMEOUT)
    assert page_errors == []


def _write(stem: str, record: dict, database: Path) -> None:
    """Merge one page's timings into ``data/browser-timings.json`` (other pages' entries kept)."""
    OUT.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = json.loads(OUT.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data.setdefault("pages", {})[stem] = record
    data["database"] = str(database)
    data["date"] = time.strftime("%Y-%m-%d")
    data["note"] = "ms: click to settled page, one run, noisy; nodes: DOM elements after the click"
    OUT.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
