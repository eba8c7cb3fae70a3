"""Screenshots of every page at 1440 px and 390 px wide into docs/screenshots/ (<page>-1440.png,
<page>-390.png), of the full sample as `make run` serves it:

    .venv/bin/python tests/browser/screenshots.py [database]

Not a test (pytest does not collect it): run it after a change to the look, and look at them.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from dashboard import views  # noqa: E402
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, SCREENSHOTS, serving  # noqa: E402

WIDTHS = (1440, 390)
CAMDEN = "E09000007"


def pages() -> list[tuple[str, str]]:
    """(name, path) of every view; the borough page shows Camden."""
    out = []
    for v in views.ALL:
        path = v.path if "<" not in v.path else v.path.split("/<", 1)[0] + f"/{CAMDEN}"
        out.append((v.stem, path))
    return out


def main(database: Path) -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with serving(database) as (base, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        for width in WIDTHS:
            page = browser.new_page(viewport={"width": width, "height": 900})
            for name, path in pages():
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                page.locator("#content h1").wait_for(timeout=20_000)
                page.wait_for_timeout(800)  # charts finish drawing
                out = SCREENSHOTS / f"{name}-{width}.png"
                page.screenshot(path=str(out), full_page=True)
                print(out.relative_to(ROOT))
            page.close()
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "data" / "citytools.duckdb")
