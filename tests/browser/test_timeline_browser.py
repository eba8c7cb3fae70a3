"""The timeline in headless Chromium: the planted window is shaded, and clicking it opens its contracts."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from dashboard import db
from dashboard.figures.timeline import TRACE_WINDOWS
from etl.sample import SAMPLE_WINDOWS

pytestmark = pytest.mark.browser

TIMEOUT = 15_000  # ms: generous for a 2-core CI machine
REVS = next(w for w in SAMPLE_WINDOWS if w["value"] == "Revenues and Benefits")

# Where the planted window's handle is drawn, in viewport pixels, from plotly's own axes.
HANDLE_POSITION = """
([name, boroughs]) => {
    const gd = document.querySelector('#timeline-graph .js-plotly-plot');
    const trace = gd.data.find(t => t.name === name);
    const i = trace.customdata.findIndex(c => JSON.parse(c).borough.join(',') === boroughs);
    if (i < 0) return null;
    const layout = gd._fullLayout, xa = layout.xaxis, ya = layout.yaxis;
    const box = gd.querySelector('.main-svg').getBoundingClientRect();
    return {
        x: box.left + layout._size.l + xa.l2p(xa.d2l(trace.x[i])),
        y: box.top + layout._size.t + ya.l2p(ya.d2l(trace.y[i])),
    };
}
"""


def window_contracts(path) -> int:
    """Contracts of the planted window's boroughs, service and dates: what Contracts should list."""
    marks = ", ".join("?" for _ in REVS["boroughs"])
    with db.cursor(path) as cur:
        (n,) = cur.execute(
            f"""SELECT count(*) FROM contracts WHERE borough_code IN ({marks}) AND service_area = ?
                AND end_date BETWEEN ? AND ?""",
            [*REVS["boroughs"], REVS["value"], REVS["end_from"], REVS["end_to"]],
        ).fetchone()
    return n


def test_timeline_window_is_shaded_and_a_click_filters_contracts(page, live_app, page_errors, screenshot):
    base, path = live_app
    page.goto(base + "/timeline?group_by=service_area&service_area=Revenues%20and%20Benefits")
    graph = page.locator("#timeline-graph")
    expect(graph.locator(".main-svg").first).to_be_visible(timeout=TIMEOUT)
    # the window's shading (a shape) is drawn, and the window is listed under the chart (no labels on it)
    expect(graph.locator(".shapelayer path").first).to_be_attached(timeout=TIMEOUT)
    rows = page.evaluate(
        "() => document.querySelector('#timeline-graph .js-plotly-plot').data"
        ".find(t => t.name === 'Row labels').text.length"
    )
    expect(graph.locator(".textpoint")).to_have_count(rows)  # the rows' names only: no window is labelled on it
    start = f"{REVS['end_from'].day} {REVS['end_from']:%B %Y}"
    expect(page.locator("#timeline-windows tr", has_text=start).first).to_be_visible(timeout=TIMEOUT)
    screenshot("timeline")

    graph.scroll_into_view_if_needed()
    point = page.evaluate(HANDLE_POSITION, [TRACE_WINDOWS, ",".join(sorted(REVS["boroughs"]))])
    assert point is not None, "the planted window has no handle on the chart"
    page.mouse.move(point["x"], point["y"])
    expect(page.locator(".hoverlayer .hovertext").first).to_contain_text("Window", timeout=TIMEOUT)
    page.mouse.click(point["x"], point["y"])

    page.wait_for_url(re.compile(r"/contracts\?"), timeout=TIMEOUT)
    query = parse_qs(urlsplit(page.url).query)
    assert sorted(query["borough"]) == sorted(REVS["boroughs"])
    assert query["service_area"] == [REVS["value"]]
    assert (query["end_from"], query["end_to"]) == ([REVS["end_from"].isoformat()], [REVS["end_to"].isoformat()])
    n = window_contracts(path)
    expect(page.locator("#contracts-count")).to_have_text(
        f"{n:,} contract{'' if n == 1 else 's'} match{'es' if n == 1 else ''}", timeout=TIMEOUT
    )
    assert page_errors == []


@pytest.mark.parametrize(
    "path",
    [
        "/timeline?group_by=service_area&service_area=Revenues%20and%20Benefits",
        "/windows?group_by=system&system=Mosaic",
        f"/my-borough?borough={REVS['boroughs'][0]}",
    ],
)
def test_no_serious_accessibility_violations(page, live_app, axe_audit, page_errors, path):
    base, _ = live_app
    page.goto(base + path)
    expect(page.locator("#data-as-of")).to_be_visible(timeout=TIMEOUT)
    if path.startswith("/timeline"):
        expect(page.locator("#timeline-graph .main-svg").first).to_be_visible(timeout=TIMEOUT)
    serious = axe_audit(page)
    assert serious == [], serious
    assert page_errors == []


def test_window_controls_and_borough_picker_write_the_url(page, live_app, page_errors):
    base, _ = live_app
    page.goto(base + "/windows?group_by=system")
    count = page.locator("#windows-count")
    expect(count).to_be_visible(timeout=TIMEOUT)
    before = count.inner_text()
    page.locator("#windows-min_boroughs").fill("4")
    page.locator("#windows-min_boroughs").press("Enter")
    page.wait_for_function("window.location.search.includes('min_boroughs=4')", timeout=TIMEOUT)
    expect(page.locator("#windows-min_boroughs")).to_have_value("4", timeout=TIMEOUT)
    expect(count).not_to_have_text(before, timeout=TIMEOUT)
    assert "group_by=system" in page.evaluate("window.location.search")
    page.go_back()
    page.wait_for_function("!window.location.search.includes('min_boroughs')", timeout=TIMEOUT)
    expect(count).to_have_text(before, timeout=TIMEOUT)

    page.goto(base + "/my-borough")
    expect(page.locator("#my-borough-prompt")).to_be_visible(timeout=TIMEOUT)
    page.locator("#my-borough-picker").click()
    page.locator(".dash-dropdown-option", has_text="Barnet").first.click()
    page.wait_for_function("window.location.search.includes('borough=E09000003')", timeout=TIMEOUT)
    expect(page.locator("#my-borough-summary")).to_contain_text("Barnet", timeout=TIMEOUT)
    assert page_errors == []


PHONE_LAYOUT = """
() => {
    const gd = document.querySelector('#timeline-graph .js-plotly-plot');
    if (!gd || !gd.layout.meta || !gd.layout.meta.phone) return null;
    return {
        labels: gd.data.find(t => t.name === 'Row labels').text, legendY: gd.layout.legend.y,
        left: gd._fullLayout._size.l,
        plot: gd._fullLayout._size.w, width: document.documentElement.scrollWidth,
        capNote: (gd.layout.annotations || []).filter(a => a.name === 'cap-note').map(a => a.visible),
    };
}
"""


def test_on_a_phone_the_bars_get_the_width_and_labels_stay_apart(page, live_app, page_errors):
    base, _ = live_app
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(base + "/timeline")
    page.wait_for_function(f"({PHONE_LAYOUT})() !== null", timeout=TIMEOUT)
    phone = page.evaluate(PHONE_LAYOUT)
    plain = [re.sub("<[^>]+>", "", t) for t in phone["labels"]]
    assert all(len(t) <= 18 + len("…") + len(" (9)") for t in plain)  # shortened, a lane keeps its number
    assert any(t.endswith("…") for t in plain) and any(re.search(r" \(\d\)$", t) for t in plain)
    groups, current = {}, None  # no two rows of one group read the same
    for raw, text in zip(phone["labels"], plain, strict=True):
        current = text if raw.startswith("<b>") else current
        groups.setdefault(current, []).append(text)
    assert all(len(rows) == len(set(rows)) for rows in groups.values())
    assert phone["plot"] > phone["left"] and phone["width"] <= 390  # the bars, not the labels, get the width
    assert phone["legendY"] == 0 and phone["capNote"] in ([], [False])  # the note is said above the chart
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(base + "/timeline")
    expect(page.locator("#timeline-graph .main-svg").first).to_be_visible(timeout=TIMEOUT)
    page.wait_for_timeout(500)
    assert page.evaluate(PHONE_LAYOUT) is None  # a wide screen keeps the figure as drawn
    assert not page_errors
