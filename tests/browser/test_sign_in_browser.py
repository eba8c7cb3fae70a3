"""Sign-in in a real browser: the public view says what it withholds, the menu's Members link
leads to the form, and a member who signs in comes back to the page with the answers shown."""

from __future__ import annotations

import re

import pytest
from conftest import serving
from members import PASSWORD, USERNAME, enable_sign_in

pytestmark = pytest.mark.browser

CAMDEN = "E09000007"


@pytest.fixture(scope="module")
def signin_app(full_sample_build, tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser_accounts")
    with serving(full_sample_build[0], demo=False, configure=lambda app: enable_sign_in(app, folder)) as served:
        yield served


def test_public_then_member(page, signin_app):
    base, _ = signin_app
    page.goto(f"{base}/borough/{CAMDEN}")
    notice = page.locator("#access-notice")
    notice.wait_for()
    assert "Public view" in notice.inner_text()
    public = known_costs(page)  # only values from open notices: survey costs are members-only
    page.locator("#nav-members").click()
    page.wait_for_url(re.compile(r"/sign-in"))
    page.fill("#username", USERNAME)
    page.fill("#password", "not the password")
    page.click("#sign-in")
    assert "do not match" in page.locator("#sign-in-error").inner_text()
    page.fill("#username", USERNAME)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(re.compile(rf"/borough/{CAMDEN}"))  # back where the reader came from
    page.locator("#access-notice").wait_for()
    assert "Signed in as Alice Member" in page.locator("#access-notice").inner_text()
    assert known_costs(page) > public


def known_costs(page) -> int:
    headings = page.locator("#borough-systems-table thead th").all_inner_texts()
    column = next(i for i, h in enumerate(headings, start=1) if "cost" in h.lower())
    cells = page.locator(f"#borough-systems-table tbody tr td:nth-child({column})").all_inner_texts()
    assert cells
    return sum(bool(re.search(r"\d", c)) for c in cells)
