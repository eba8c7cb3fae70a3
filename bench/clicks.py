"""Every in-page option of every page clicked in headless Chromium: time to a settled page, DOM size.

``PAGES`` is the one table of clicks, each page's in-page controls in click order (radios,
selects, number boxes, "show ended" toggles, pagers, grid sort and scrolling, colour-by, the
calendar's choice, "Clear filters", a cross-filter click on a chart). A new control is one
``Click`` line. ``tests/browser/test_in_page_options.py`` clicks the table and asserts behaviour
(the URL changed or the expected rows appeared, the page settled, no errors); ``run`` here clicks
it three times against a served app and gives the median of each click as bench figures.

Settled: the click changed the URL (or showed what the click names), no callback or script is in
flight, no component is loading, every results region says it shows the current URL
(``data-search``), and nothing changed in the DOM for ``QUIET_MS``. The time is from the click's
first input event to the last DOM change or response (the quiet wait is not counted). An
instrument script (``INSTRUMENT``) wraps ``fetch`` and watches the DOM; with the Resource Timing
entries it splits each click into network time (callbacks and lazily loaded scripts in flight),
server time (time to the first byte of each callback) and the rest, the browser's rendering.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from playwright.sync_api import Page

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
               "--disable-component-update", "--no-first-run"]  # fmt: skip
VIEWPORT = {"width": 1400, "height": 1000}
TIMEOUT = 60_000  # ms to settle before a click counts as failed (a frozen tab: matrix colour-by took 20 s)
QUIET_MS = 250  # no DOM change, response or script load for this long: settled
RUNS = 3
BUDGET_MS = {"London": 1000.0, "UK": 2000.0}
BOROUGH = "E09000007"  # Camden: in the sample and in every bench scale (the sample repeated)

# Installed before any page script: counts fetches and script loads in flight, and times the last
# DOM change; the first input event after arming is the click's start.
INSTRUMENT = """
(() => {
  const s = window.__clicks = {inflight: 0, last: 0, start: 0, armed: 0, mutations: 0};
  const touch = () => { s.last = performance.now(); };
  const done = () => { s.inflight--; touch(); };
  performance.setResourceTimingBufferSize(10000);
  const fetch = window.fetch;
  window.fetch = function (...args) {
    s.inflight++; touch();
    return fetch.apply(this, args).then(r => {
      const json = r.json.bind(r);
      r.json = () => { s.inflight++; return json().finally(done); };
      return r;
    }).finally(done);
  };
  const where = n => {
    const e = n.nodeType === 1 ? n : n.parentElement;
    const owner = e && e.closest('[id]');
    return owner ? '#' + owner.id : (e ? e.tagName.toLowerCase() : '?');
  };
  const seen = records => {
    touch();
    s.tail = where(records[records.length - 1].target);
    for (const r of records) {
      if (r.type !== 'attributes' && r.target.closest && r.target.closest('#content')) s.mutations++;
      for (const n of r.addedNodes || []) {
        if (n.tagName === 'SCRIPT' && n.src) {
          s.inflight++; n.addEventListener('load', done); n.addEventListener('error', done);
        }
      }
    }
  };
  const watch = () => new MutationObserver(seen).observe(document.documentElement,
    {subtree: true, childList: true, attributes: true, characterData: true});
  document.documentElement ? watch() : document.addEventListener('DOMContentLoaded', watch);
  for (const kind of ['pointerdown', 'keydown', 'input', 'wheel']) {
    window.addEventListener(kind, () => { if (s.armed && s.start === null) s.start = performance.now(); }, true);
  }
})();
"""
ARM = "() => { const s = window.__clicks; s.armed = performance.now(); s.start = null; s.mutations = 0;" \
      " performance.clearResourceTimings(); }"  # fmt: skip
RESTART = "() => { if (window.__clicks) window.__clicks.start = null; }"  # a two-step control: time from its last step
SETTLED = """
([before, expect, quiet]) => {
  const s = window.__clicks;
  if (!s) return false;
  if (expect ? !document.querySelector(expect) : location.pathname + location.search === before) return false;
  if (s.inflight > 0 || document.querySelector('[data-dash-is-loading="true"]')) return false;
  for (const box of document.querySelectorAll('#content [data-search]')) {
    if (box.dataset.search !== location.search) return false;
  }
  return performance.now() - s.last >= quiet;
}
"""
MEASURED = """
() => {
  const s = window.__clicks, start = s.armed ? (s.start ?? s.armed) : 0;
  const entries = performance.getEntriesByType('resource').filter(e => e.startTime >= start - 1);
  let network = 0, end = -1;
  for (const [a, b] of entries.map(e => [e.startTime, e.responseEnd]).sort((x, y) => x[0] - y[0])) {
    if (b > end) { network += b - Math.max(a, end); end = b; }
  }
  const calls = entries.filter(e => e.name.includes('_dash-update-component'));
  return {
    ms: Math.round(Math.max(0, s.last - start)), network_ms: Math.round(network),
    server_ms: Math.round(calls.reduce((t, e) => t + Math.max(0, e.responseStart - e.requestStart), 0)),
    callbacks: calls.length, bytes: entries.reduce((t, e) => t + (e.transferSize || 0), 0),
    redrawn: s.mutations, last_change: s.tail, nodes: document.getElementsByTagName('*').length,
    height: document.documentElement.scrollHeight, url: location.pathname + location.search,
  };
}
"""
CHART_POINT = """
([graph, first]) => {
  let best = null, area = 0;
  const filters = el => {  // a bar without customdata ("Unknown", "All others") filters nothing
    try {
      const t = el.closest('.trace').__data__[0].trace;
      return !t.customdata || t.customdata[el.__data__.i] != null;
    }
    catch (e) { return true; }
  };
  for (const el of document.querySelectorAll(graph + ' .point')) {
    if (first && best) break;
    if (!filters(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width * r.height > area) { area = r.width * r.height; best = el; }
  }
  if (!best) return null;
  window.scrollBy({top: best.getBoundingClientRect().top - window.innerHeight / 2, behavior: 'instant'});
  const r = best.getBoundingClientRect();
  return [r.x + r.width / 2, r.y + r.height / 2];
}
"""

Action = Callable[[Page], None]


@dataclass(frozen=True)
class Click:
    """One in-page option: what it is, how to click it, and (if the URL stays) the selector it shows."""

    name: str
    act: Action
    expect: str | None = None  # None: the URL must change
    when: str | None = None  # data-dependent control: clicked only if this selector is on the page


@dataclass(frozen=True)
class PageClicks:
    path: str  # with the query the clicks start from
    ready: str  # a selector that is there once the page has loaded
    clicks: list[Click] = field(default_factory=list)

    @property
    def stem(self) -> str:
        return self.path.split("?")[0]


# --------------------------------------------------------------------------- actions


def click(selector: str) -> Action:
    return lambda page: page.locator(selector).first.click()


def link(container: str, text: str) -> Action:
    """The link (or button) of ``container`` whose text is ``text``."""
    return lambda page: page.locator(container).get_by_text(text, exact=True).first.click()


def radio(group: str, label: str) -> Action:
    return lambda page: page.locator(group).get_by_text(label, exact=True).click()


def pick(dropdown: str, label: str | None = None) -> Action:
    """Open a dcc.Dropdown and choose ``label`` (or its first option); timed from the choice."""

    def act(page: Page) -> None:
        page.locator(dropdown).click()
        options = page.locator(".dash-dropdown-option")
        option = options.filter(has_text=label).first if label else options.first
        option.wait_for(state="visible", timeout=TIMEOUT)
        page.evaluate(RESTART)
        option.click()

    return act


def type_in(control: str, value: str) -> Action:
    """Type a number into a box that writes on Enter; timed from the Enter."""

    def act(page: Page) -> None:
        page.locator(control).fill(value)
        page.evaluate(RESTART)
        page.locator(control).press("Enter")

    return act


def chart(graph: str, first: bool = False) -> Action:
    """Click the largest bar or tile of ``graph`` (``first``: its first one): a cross-filter."""

    def act(page: Page) -> None:
        page.locator(f"{graph} .point").first.wait_for(state="attached", timeout=TIMEOUT)
        point = page.evaluate(CHART_POINT, [graph, first])
        if point is None:
            raise AssertionError(f"{graph} has no bar or tile to click")
        page.mouse.move(*point)
        page.mouse.click(*point)

    return act


def grid_scroll(rows: int) -> Action:
    """Scroll the contracts grid down ``rows`` rows with the mouse wheel (the next block is fetched)."""

    def act(page: Page) -> None:
        viewport = page.locator(".contracts-grid .ag-body-viewport")
        viewport.scroll_into_view_if_needed()
        box = viewport.bounding_box()
        height = page.locator(".contracts-grid .ag-row").first.bounding_box()["height"]
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.wheel(0, rows * height)

    return act


CLEAR = Click("clear filters", click("#filter-clear"))
GRID_HEADER = ".contracts-grid .ag-header-cell[col-id='{}'] .ag-header-cell-label"

# --------------------------------------------------------------------------- the table

PAGES: list[PageClicks] = [
    PageClicks("/", "#overview-borough-chart .main-svg", [
        Click("cross-filter: a borough's bar", chart("#overview-borough-chart")),
        CLEAR,
        Click("cross-filter: a service area's bar", chart("#overview-service-area-chart")),
        CLEAR,
        Click("show all contracts (scope)", click("#scope-link")),
        Click("technology only (scope)", click("#scope-link")),
    ]),
    PageClicks("/contracts", ".contracts-grid .ag-row", [
        Click("sort by annual value", click(GRID_HEADER.format("annual_value"))),
        Click("sort by annual value, again", click(GRID_HEADER.format("annual_value"))),
        Click("scroll to the next block of rows", grid_scroll(110),
              ".contracts-grid .ag-row[row-index='110']:not(.ag-row-loading)"),
        Click("stage: contract", pick("#contracts-stage", "Contract (signed or running)")),
        Click("filter bar: a borough", pick("#filter-borough")),
        CLEAR,
    ]),
    PageClicks("/expiring", "#expiring-results", [
        Click("18 months", link("#expiring-results nav", "18 months")),
        Click("24 months", link("#expiring-results nav", "24 months")),
        Click("next page", click("#expiring-next")),
        Click("previous page", click("#expiring-previous")),
        Click("calendar: procurement start dates", link("#expiring-results nav", "Procurement start dates")),
        Click("calendar: both", link("#expiring-results nav", "Both")),
        Click("show ended contracts", click("#expiring-ended-toggle"), when="#expiring-ended:not(.d-none)"),
        Click("CPV division", pick("#expiring-cpv")),
        Click("filter bar: a borough", pick("#filter-borough")),
        CLEAR,
        Click("3 months", link("#expiring-results nav", "3 months")),
    ]),
    PageClicks("/matrix", "#matrix-table .ag-row", [
        *(Click(f"colour by {label}", link("#measure-selector", label)) for label in (
            "Systems", "Suppliers", "Annual value", "Ending within 24 months", "Average satisfaction (1-5)",
            "Average confidence (1-5)", "Contracts")),
        Click("cross-filter: a borough's tile", chart("#matrix-tile-map")),
        CLEAR,
    ]),
    PageClicks("/my-borough", "#my-borough-picker", [
        Click("pick a borough", pick("#my-borough-picker", "Camden")),
        Click("ending within 12 months", type_in("#my-borough-months", "12")),
        Click("show ended contracts", link("#content", "Show ended contracts")),
        Click("hide ended contracts", link("#content", "Hide ended contracts")),
        Click("another borough", pick("#my-borough-picker", "Hackney")),
    ]),
    PageClicks(f"/borough/{BOROUGH}", "#borough-coverage", [
        Click("show all contracts (scope)", click("#scope-link"), when="#scope-link"),
        Click("technology only (scope)", click("#scope-link"), when="#scope-link"),
        Click("filter bar: a service area", pick("#filter-service_area")),
        CLEAR,
    ]),
    PageClicks("/suppliers", "#suppliers-share-chart .main-svg", [
        Click("rank by boroughs served", link("#suppliers-rank-by", "Boroughs served")),
        Click("rank by annual value", link("#suppliers-rank-by", "Annual value")),
        Click("rank by contracts", link("#suppliers-rank-by", "Contracts")),
        Click("show all suppliers", click("#suppliers-show-all")),
        Click("next page of suppliers", click("#suppliers-pager a.pager-next")),
        Click("the ten largest again", click("#suppliers-largest")),
        Click("cross-filter: a supplier's bar", chart("#suppliers-share-chart", first=True)),
        Click("back to all suppliers", click("#suppliers-back")),
        Click("cross-filter: a service area's bar", chart("#suppliers-hhi-chart")),
        CLEAR,
    ]),
    PageClicks("/systems", "#systems-summary", [
        Click("show ended systems", click("#content a.ended-toggle")),
        Click("next page", click("#content a.pager-next")),
        Click("last page", click("#content a.pager-last")),
        Click("hide ended systems", click("#content a.ended-toggle")),
        Click("a system's boroughs", click("#content table a[href*='system=']")),
        Click("back to all systems", click("#systems-back")),
    ]),
    PageClicks("/windows?group_by=system", "#windows-results", [
        Click("next page", click("#windows-next")),
        Click("previous page", click("#windows-previous")),
        Click("group by supplier", pick("#windows-group_by", "Supplier")),
        Click("minimum boroughs 4", type_in("#windows-min_boroughs", "4")),
        Click("window 9 months", type_in("#windows-window_months", "9")),
        Click("lead time 12 months", type_in("#windows-lead_months", "12")),
        Click("latest end dates", radio("#windows-extensions", "Latest end dates, with extensions")),
        Click("order by value", radio("#windows-rank", "Highest annual value")),
        Click("show ended windows", click("#windows-ended")),
    ]),
    PageClicks("/timeline?service_area=Revenues%20and%20Benefits", "#timeline-graph .main-svg", [
        Click("one row per contract", radio("#timeline-rows", "One row per contract")),
        Click("group by system", radio("#timeline-group-by", "System")),
        Click("one row per borough", radio("#timeline-rows", "One row per borough")),
        Click("show ended contracts", click("#timeline-ended a.ended-toggle"), when="#timeline-ended a.ended-toggle"),
    ]),
    PageClicks("/reports", "#report-form", [
        Click("report on a system", link("#report-on", "System")),
        Click("report on a supplier", link("#report-on", "Supplier")),
        Click("a supplier", pick("#report-subject")),
        Click("report on a service area", link("#report-on", "Service area")),
    ]),
    PageClicks("/about", "#about-coverage", []),
]  # fmt: skip


# --------------------------------------------------------------------------- measuring


def _settle(page: Page, before: str, expect: str | None, what: str) -> dict:
    try:
        page.wait_for_function(SETTLED, arg=[before, expect, QUIET_MS], timeout=TIMEOUT, polling=50)
    except Exception as exc:  # Playwright's TimeoutError: say which click and where the page is
        raise AssertionError(f"{what}: not settled in {TIMEOUT} ms at {page.url} ({type(exc).__name__})") from exc
    return page.evaluate(MEASURED)


def open_settled(page: Page, url: str, ready: str) -> dict:
    """Open ``url`` (instrumented) and wait until it has settled with ``ready`` drawn; its record,
    timed from navigation to the last change (not to the end of a quiet wait, as Playwright's
    ``networkidle`` would: that adds half a second to every page, whatever the app)."""
    page.add_init_script(INSTRUMENT)
    page.goto(url)
    page.locator(ready).first.wait_for(state="attached", timeout=TIMEOUT)
    return _settle(page, "", ready, f"{url} load")


def load(page: Page, base: str, entry: PageClicks) -> dict:
    """Open the page (instrumented) and wait until it has settled; its record, timed from navigation."""
    return open_settled(page, base + entry.path, entry.ready)


def press(page: Page, option: Click, what: str = "") -> dict:
    """Click one option and wait until the page has settled; its record (``before``: the URL it left)."""
    before = page.evaluate("location.pathname + location.search")
    page.evaluate(ARM)
    option.act(page)
    return {**_settle(page, before, option.expect, f"{what} {option.name}"), "before": before}


def measure(page: Page, base: str, entry: PageClicks, on_click: Callable[[str, dict], None] | None = None) -> dict:
    """Load ``entry`` and click each of its options in order; {"load": record, name: record, ...}."""
    record = {"load": load(page, base, entry)}
    for option in entry.clicks:
        if option.when and not page.locator(option.when).count():
            record[option.name] = {"skipped": f"{option.when} is not on the page", "url": page.url}
        else:
            record[option.name] = press(page, option, entry.stem)
        if on_click is not None:
            on_click(option.name, record[option.name])
    return record


# --------------------------------------------------------------------------- bench figures


def _runs(base_url: str, runs: int) -> tuple[dict[tuple[str, str], list[dict]], dict[str, str]]:
    """Every page's clicks ``runs`` times, each run and page in a fresh context: records by (page, click)."""
    from playwright.sync_api import sync_playwright

    seen: dict[tuple[str, str], list[dict]] = {}
    failed: dict[str, str] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        for _ in range(runs):
            for entry in PAGES:
                context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)  # the probes are evaluated
                try:
                    for name, rec in measure(context.new_page(), base_url, entry).items():
                        seen.setdefault((entry.stem, name), []).append(rec)
                except Exception as exc:  # noqa: BLE001 - a click that fails is a note in the table
                    failed[entry.stem] = str(exc)[:200]
                finally:
                    context.close()
        browser.close()
    return seen, failed


def run(base_url: str, scale: int, label: str, runs: int = RUNS) -> list[dict]:
    """Each click's median settled ms (budget 1 s London, 2 s UK) and each page's DOM nodes, as bench figures."""
    from bench.pages import _figure

    seen, failed = _runs(base_url, runs)
    out = []
    for (stem, name), recs in seen.items():
        recs = [r for r in recs if "skipped" not in r]
        if not recs:
            continue
        ms = [float(r["ms"]) for r in recs]
        if name == "load":
            out.append(_figure("clicks", f"{stem}: DOM nodes", scale, [float(r["nodes"]) for r in recs], "nodes", None))
            out.append(_figure("clicks", f"{stem}: page height", scale, [float(r["height"]) for r in recs], "px", None))
            out.append(_figure("clicks", f"{stem}: loaded and settled", scale, ms, "ms", None))
            continue
        figure = _figure("clicks", f"{stem} {name}: settled", scale, ms, "ms", BUDGET_MS.get(label))
        server = statistics.median(r["server_ms"] for r in recs)
        network = statistics.median(r["network_ms"] for r in recs)
        out.append({**figure, "note": f"server {server:.0f} ms, network {network:.0f} ms, DOM {recs[-1]['nodes']}"})
    for stem, why in failed.items():
        out.append({**_figure("clicks", f"{stem}: clicks", scale, [0.0], "", None), "met": False, "note": why})
    return out


if __name__ == "__main__":  # python -m bench.clicks http://127.0.0.1:8050
    import json
    import sys

    started = time.perf_counter()
    print(json.dumps(run(sys.argv[1], 0, "London", runs=int(sys.argv[2]) if len(sys.argv) > 2 else 1), indent=1))
    print(f"{time.perf_counter() - started:.0f} s", file=sys.stderr)
