"""Real-browser fixtures: the app on the built sample, served on a free port, and Debian's Chromium.

Playwright cannot download its own browsers here, so pytest-playwright's launch arguments are
overridden to start /usr/bin/chromium (``make test`` installs it when missing). Without it the
browser tests skip with the reason, rather than fail on a machine that cannot run them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from dashboard import db, signin

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "headless": True, "args": LAUNCH_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # bypass_csp: these tests drive pages with Playwright's string predicates and injected scripts
    # (axe), which the app's Content-Security-Policy blocks; tests/browser/test_csp.py checks the
    # policy itself in a context of its own that keeps it.
    viewport = {"width": 1400, "height": 1000}
    return {**browser_context_args, "viewport": viewport, "accept_downloads": True, "bypass_csp": True}


@contextmanager
def serving(path: Path, demo: bool = True, configure=None) -> Iterator[tuple[str, Path]]:
    """(base URL, database) of the app on ``path``, served in a daemon thread while the block runs.

    ``demo``: as ``make run`` serves the sample (everyone a member, the sample being all there
    is); ``configure(app)`` may set more up (sign-in) before it serves."""
    app = create_app(path)
    app.server.config[signin.DEMO_KEY] = demo
    if configure is not None:
        configure(app)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="citytools-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", path
    finally:
        server.shutdown()
        thread.join(timeout=5)
        db.close_all()


@pytest.fixture(scope="session")
def live_app(full_sample_build) -> Iterator[tuple[str, Path]]:
    """(base URL, database) of the app serving the full sample (what `make run` serves)."""
    with serving(full_sample_build[0]) as served:
        yield served


@pytest.fixture(scope="session")
def survey_app(sample_build) -> Iterator[tuple[str, Path]]:
    """(base URL, database) of the app serving the surveys-only sample."""
    with serving(sample_build[0]) as served:
        yield served


@pytest.fixture
def page_errors(page) -> list[str]:
    """JavaScript errors and console errors of the page; a test asserts the list is empty."""
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    return errors


@pytest.fixture
def screenshot(page):
    """screenshot("contracts") saves docs/screenshots/contracts.png of the whole page."""

    def take(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        out = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(out), full_page=True)
        return out

    return take


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core's script (``npm install axe-core@4.14``, done by ``make test``)."""
    if not AXE.exists():
        pytest.skip(f"{AXE} is missing: run `npm install --no-save axe-core@4.14`")
    return AXE


# axe findings inside components the app cannot change: dcc.Dropdown (Dash 4.4) keeps a hidden
# focus target of its own.
KNOWN_VIOLATIONS = {("aria-hidden-focus", "dash-dropdown-focus-target")}


@pytest.fixture
def axe_audit(axe_script):
    """audit(page): the serious and critical axe violations of the page as it is, known ones left out."""

    def audit(page) -> list[dict]:
        page.add_script_tag(path=str(axe_script))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        serious = []
        for v in result["violations"]:
            nodes = [
                n["target"]
                for n in v["nodes"]
                if not any(v["id"] == rule and part in str(n["target"]) for rule, part in KNOWN_VIOLATIONS)
            ]
            if v["impact"] in ("serious", "critical") and nodes:
                serious.append({"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": nodes[:5]})
        return serious

    return audit


# Collects what the Content-Security-Policy blocks, from the first script on.
CSP_LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
    const where = `${e.sourceFile}:${e.lineNumber}`;
    window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${where})`);
});
"""


@pytest.fixture
def strict(browser):
    """(page, errors): a page in a context that keeps the policy, with JS and console errors collected."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, bypass_csp=False)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.add_init_script(CSP_LISTEN)
    yield page, errors
    context.close()
