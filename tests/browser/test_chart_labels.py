"""Bar charts size their label margin themselves (``figures.label_margin``), not by plotly's automargin.

Automargin draws a chart twice to measure its labels; the estimate from the characters must
still hold every label whole, in the browser's real font, and not waste the chart's width. Here
every bar chart of the pages that draw them is checked in Chromium: no row label starts left of
the chart, and the margin is at most a little wider than the widest label.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TIMEOUT = 30_000  # ms: a 2-core machine shared with other work
PAGES = ["/", "/suppliers", "/systems", "/systems?system=Mosaic", "/suppliers?service_area=Libraries"]
# Per chart: the leftmost point of its row labels, the widest label and where the bars start (px).
MEASURE = """() => [...document.querySelectorAll('.js-plotly-plot')].filter(gd => gd.layout &&
    gd.layout.yaxis && gd.layout.yaxis.automargin === false).map(gd => {
  const svg = gd.querySelector('.main-svg').getBoundingClientRect();
  const labels = [...gd.querySelectorAll('.yaxislayer-above .ytick text')].map(t => t.getBoundingClientRect());
  return {id: gd.parentElement.id || gd.id, n: labels.length, left: Math.min(...labels.map(r => r.left)) - svg.left,
          widest: Math.max(...labels.map(r => r.width)), margin: gd._fullLayout._size.l};
})"""


@pytest.mark.parametrize("path", PAGES)
def test_row_labels_fit_their_margin(page, live_app, path):
    base, _ = live_app
    page.goto(base + path)
    expect(page.locator("#content .js-plotly-plot .main-svg").first).to_be_attached(timeout=TIMEOUT)
    page.wait_for_load_state("networkidle")
    charts = [c for c in page.evaluate(MEASURE) if c["n"]]
    assert charts, f"{path}: no bar chart sized by label_margin"
    for c in charts:
        assert c["left"] >= 0, f"{path} {c['id']}: a label starts {-c['left']:.0f} px left of the chart"
        assert c["margin"] <= 1.45 * c["widest"] + 30, (
            f"{path} {c['id']}: margin {c['margin']} px for {c['widest']:.0f}"
        )
