"""A phone (390 x 844) and a keyboard in headless Chromium: no page wider than the screen, the menu
collapsed and the filter bar folded until asked for, a visible focus ring, few tab stops before the
content, and charts that filter the views when clicked (the URL gains the filter)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dashboard import views

pytestmark = pytest.mark.browser

TIMEOUT = 15_000
PHONE = {"width": 390, "height": 844}
CAMDEN = "E09000007"
# every page, the borough page with a borough
PATHS = [v.path if "<" not in v.path else v.path.split("/<", 1)[0] + f"/{CAMDEN}" for v in views.ALL]
MAX_TABS_TO_CONTENT = 6  # skip link, brand, menu button, filter button, then the page


def settle(page):
    page.wait_for_load_state("networkidle")
    expect(page.locator("#content h1")).to_be_visible(timeout=TIMEOUT)


def focus_ring(page) -> dict:
    return page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), colour: s.outlineColor}; }"
    )


@pytest.fixture
def phone(browser, live_app):
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    yield page, live_app[0]
    context.close()


@pytest.mark.parametrize("path", PATHS)
def test_no_page_is_wider_than_a_phone(phone, path):
    page, base = phone
    page.goto(base + path)
    settle(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(page.locator("#nav-menu")).to_be_hidden()
    expect(page.locator("#filter-body")).to_be_hidden()


def test_menu_and_filters_open_on_demand_and_say_how_many_are_set(phone):
    page, base = phone
    page.goto(base + f"/?borough={CAMDEN}&scope=all")
    settle(page)
    expect(page.locator("#filter-toggle")).to_have_text("Filters (2 set)", timeout=TIMEOUT)
    page.click("#nav-toggle")
    expect(page.locator("#nav-menu")).to_be_visible()
    expect(page.locator("#nav-toggle")).to_have_attribute("aria-expanded", "true")
    page.click("#nav-suppliers")
    expect(page.locator("#content h1")).to_have_text("Suppliers", timeout=TIMEOUT)
    expect(page.locator("#nav-menu")).to_be_hidden()  # moving to a page closes the menu
    page.click("#filter-toggle")
    expect(page.locator("#filter-body")).to_be_visible()
    expect(page.locator("#filter-toggle")).to_have_attribute("aria-expanded", "true")


def test_few_tab_stops_to_the_content_and_a_ring_on_every_one(phone):
    page, base = phone
    page.goto(base + "/suppliers")
    settle(page)
    for tabs in range(1, MAX_TABS_TO_CONTENT + 1):
        page.keyboard.press("Tab")
        ring = focus_ring(page)
        assert ring["style"] != "none" and ring["width"] >= 2, (tabs, ring)
        if page.evaluate("!!document.activeElement.closest('#content')"):
            break
    else:
        pytest.fail(f"more than {MAX_TABS_TO_CONTENT} tab stops before the page's content")
    # the ring on the dark menu bar is the light one (contrast >= 3:1 on #212529)
    page.focus("#nav-toggle")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert focus_ring(page)["colour"] == "rgb(255, 211, 61)"


def test_skip_link_lands_past_the_filters(phone):
    page, base = phone
    page.goto(base + "/matrix")
    settle(page)
    page.keyboard.press("Tab")
    expect(page.locator("#skip-content")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('#content')")


def test_a_bad_url_value_stays_until_dismissed(page, live_app):
    base, _ = live_app
    page.goto(base + "/matrix?borough=XYZ")
    warning = page.locator(".url-problem")
    expect(warning).to_contain_text("XYZ", timeout=TIMEOUT)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)  # the filter bar has settled: the note is still there
    expect(warning).to_be_visible()
    warning.locator("button").click()
    expect(warning).to_have_count(0)


@pytest.mark.parametrize(
    ("path", "graph", "key"),
    [("/", "#overview-borough-chart", "borough"), ("/", "#overview-service-area-chart", "service_area"),
     ("/matrix", "#matrix-tile-map", "borough"), ("/suppliers", "#suppliers-share-chart", "supplier")],
)  # fmt: skip
def test_clicking_a_chart_filters_the_views(page, live_app, path, graph, key):
    """The largest bar or tile is clicked; on the share chart the first (the largest supplier: the
    "All others" bar may be longer, and filters nothing)."""
    base, _ = live_app
    page.goto(base + path)
    expect(page.locator(f"{graph} .point").first).to_be_attached(timeout=TIMEOUT)
    page.wait_for_load_state("networkidle")
    # the middle of the largest bar or tile marker (a bar of zero contracts has no area to click)
    x, y = page.evaluate(
        """([graph, first]) => { let best = null, area = 0;
        for (const el of document.querySelectorAll(graph + ' .point')) {
          if (first && best) break;
          const r = el.getBoundingClientRect();
          if (r.width * r.height > area) { area = r.width * r.height; best = el; } }
        window.scrollBy({top: best.getBoundingClientRect().top - window.innerHeight / 2, behavior: 'instant'});
        const r = best.getBoundingClientRect();
        return [r.x + r.width / 2, r.y + r.height / 2]; }""",
        [graph, key == "supplier"],
    )
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.wait_for_function(f"() => new URLSearchParams(location.search).has('{key}')", timeout=TIMEOUT)
    if key == "supplier":  # the page follows the URL: the supplier's profile
        expect(page.locator("#suppliers-back")).to_be_visible(timeout=TIMEOUT)
    else:  # the filter bar follows the URL
        expect(
            page.locator(f"#filter-{key} .dash-dropdown-value-item, #filter-{key} .Select-value").first
        ).to_be_attached(timeout=TIMEOUT)
