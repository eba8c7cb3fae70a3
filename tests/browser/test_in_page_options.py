"""Every in-page option of every page clicked in Chromium: each click does what it says, the page
settles without errors, and what it took is recorded.

The clicks are ``bench.clicks.PAGES`` (one table, shared with ``make bench``): radios, selects,
number boxes, "show ended" toggles, pagers, the grid's sort and scrolling, colour-by, the
calendar's choice, "Clear filters" and cross-filter clicks on charts. For each click the time from
the click to a settled page (see ``bench.clicks``: no callback or script in flight, the results
redrawn for the new URL, the DOM quiet), the part spent waiting on the server and the network, and
the page's DOM node count and height are printed and written to ``data/browser-timings.json``.
Nothing asserts on time (a shared 2-core machine is noisy): only that each click changed the URL
(or showed the rows it names), redrew the page, and raised no error.

The app serves the full sample (``live_app``). ``CITYTOOLS_TIMINGS_DB`` names another database
to measure instead (e.g. the 50,000-contract bench build), served the same way.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from conftest import ROOT, serving
from playwright.sync_api import expect

from bench import clicks

pytestmark = pytest.mark.browser

TIMEOUT = clicks.TIMEOUT
OUT = ROOT / "data" / "browser-timings.json"


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


def _print(stem: str, name: str, r: dict) -> None:
    if "skipped" in r:
        print(f"{stem:18} {name:36} skipped: {r['skipped']}")
        return
    print(f"{stem:18} {name:36} {r['ms']:6} ms (server {r['server_ms']:5}, network {r['network_ms']:5})"
          f" {r['nodes']:6} nodes {r['height']:7} px  {r['url']}")  # fmt: skip


def test_the_table_covers_every_page():
    """Each page of the app has an entry (a new page gets its clicks, or at least its load, measured)."""
    from dashboard.views import ALL

    assert {p.stem for p in clicks.PAGES} == {v.path.replace("<code>", clicks.BOROUGH) for v in ALL}


@pytest.mark.parametrize("entry", clicks.PAGES, ids=[p.stem for p in clicks.PAGES])
def test_every_option_does_what_it_says_and_settles(page, measured_app, page_errors, entry):
    base, database = measured_app

    def check(name: str, r: dict) -> None:
        option = next(c for c in entry.clicks if c.name == name)
        _print(entry.stem, name, r)
        if "skipped" in r:  # only a control that depends on the data (ended contracts to show) may be absent
            assert option.when, name
            return
        if option.expect is None:
            assert r["url"] != r["before"], f"{name}: the URL did not change"
        assert r["redrawn"] > 0, f"{name}: nothing on the page changed"
        assert page_errors == [], name

    record = clicks.measure(page, base, entry, on_click=check)
    _print(entry.stem, "load", record["load"])
    assert record["load"]["nodes"] > 0
    assert page_errors == []
    _write(entry.stem, record, database)


def test_back_and_forward_redraw_the_results(page, live_app, page_errors):
    """An option writes the address without rebuilding the page; back and forward still show each URL."""
    base, _ = live_app
    page.goto(base + "/windows?group_by=system")
    count = page.locator("#windows-count")
    expect(count).to_be_visible(timeout=TIMEOUT)
    first = count.inner_text()
    page.evaluate("document.querySelector('h1').dataset.mark = 'kept'")  # gone if the page is rebuilt
    clicks.type_in("#windows-min_boroughs", "5")(page)
    page.wait_for_function(
        "() => document.querySelector('#windows-results').dataset.search === location.search"
        " && location.search.includes('min_boroughs=5')",
        timeout=TIMEOUT,
    )
    expect(count).not_to_have_text(first, timeout=TIMEOUT)
    fifth = count.inner_text()
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
    data["note"] = (
        "ms: click to settled page, one run, noisy; server_ms: callbacks' time to first byte; network_ms: "
        "time with a request in flight; nodes and height: the page after the click"
    )
    OUT.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
