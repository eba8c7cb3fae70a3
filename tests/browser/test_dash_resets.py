"""Dash's per-component reset dispatches, cut to those that change the store (``assets/dash_resets.js``).

Dash 4.4.1 dispatches RESET_COMPONENT_STATE for every component a callback draws anew, and each
dispatch runs every component's store selector: drawing a page of n components cost n x (all
components) runs. The asset lets through only the resets that remove a layout hash. These tests
hold both halves in Chromium: a borough page drawn again by its "show all" link attempts hundreds of
resets but the store notifies its subscribers only a few times; a reset that does remove a hash
still removes it; and the page still works (its in-page options are also clicked, with their
results checked, in ``test_in_page_options.py``).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TIMEOUT = 30_000  # ms: a 2-core machine shared with other work
PAGE = "/borough/E09000007?end_from=1990-01-01"  # a filter that keeps every contract: the page offers "Show all"
SHOW_ALL = "#filtered-notice a"

COUNT = """() => {
  const store = window.dash_stores[0];
  window.__resets = 0; window.__notified = 0;
  const inner = store.dispatch;  /* the asset's wrapper: every attempt passes here first */
  store.dispatch = function (action) {
    if (action && action.type === "RESET_COMPONENT_STATE") { window.__resets += 1; }
    return inner.apply(this, arguments);
  };
  store.subscribe(() => { window.__notified += 1; });
}"""


def _open(page, base: str) -> None:
    page.goto(base + PAGE)
    expect(page.locator("#borough-coverage")).to_be_attached(timeout=TIMEOUT)
    expect(page.locator(SHOW_ALL)).to_be_visible(timeout=TIMEOUT)
    page.wait_for_load_state("networkidle")


def test_a_page_drawn_again_notifies_the_store_a_few_times_not_once_per_component(strict, live_app):
    page, errors = strict
    base, _ = live_app
    _open(page, base)
    page.evaluate(COUNT)
    page.locator(SHOW_ALL).click()
    expect(page.locator("#filtered-notice")).to_have_count(0, timeout=TIMEOUT)
    expect(page.locator("#borough-coverage")).to_be_attached(timeout=TIMEOUT)
    page.wait_for_load_state("networkidle")
    resets, notified = page.evaluate("() => [window.__resets, window.__notified]")
    assert resets > 200, f"the page drew only {resets} components anew: the test no longer tests the cost"
    assert notified < resets / 4, f"{notified} store notifications for {resets} reset attempts"
    assert errors == []


def test_a_reset_that_removes_a_hash_still_removes_it(strict, live_app):
    page, errors = strict
    base, _ = live_app
    _open(page, base)
    found = page.evaluate("""() => {
      const store = window.dash_stores[0];
      const hashes = store.getState().layoutHashes;
      const key = Object.keys(hashes)[0];
      if (key === undefined) { return null; }
      store.dispatch({type: "RESET_COMPONENT_STATE", payload: {itempath: key.split(",")}});
      return [key, key in store.getState().layoutHashes];
    }""")
    assert found is not None, "no layout hash on the page to reset"
    key, still_there = found
    assert not still_there, f"the reset of {key} was dropped"
    assert errors == []
