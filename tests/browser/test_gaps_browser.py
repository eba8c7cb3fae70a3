"""Gaps said loudly, in a real browser: a return with no supplier column, as the app shows it."""

from __future__ import annotations

import pytest
from conftest import serving
from playwright.sync_api import expect
from test_gaps import CAMDEN, NO_SUPPLIER, write_no_supplier_return, write_unreadable_return

from etl.build import build

pytestmark = pytest.mark.browser
TIMEOUT = 15_000  # ms: generous for a 2-core machine


@pytest.fixture(scope="module")
def gaps_app(tmp_path_factory):
    """(base URL, database) of the app on a build of Camden's return with no supplier column and
    an unreadable Camden return."""
    root = tmp_path_factory.mktemp("gaps_browser")
    write_no_supplier_return(root / "surveys")
    write_unreadable_return(root / "surveys")
    db = root / "gaps.duckdb"
    build(db, surveys=[root / "surveys"])
    with serving(db) as served:
        yield served


def test_the_borough_page_says_loaded_with_gaps(page, gaps_app, page_errors):
    base, _ = gaps_app
    page.goto(f"{base}/borough/{CAMDEN}")
    notice = page.locator("#survey-notice")
    expect(notice).to_contain_text(f"return.xlsx: {NO_SUPPLIER}", timeout=TIMEOUT)
    expect(notice).to_contain_text("camden_contacts.xlsx: rejected: ")
    coverage = page.locator("#coverage-survey")
    expect(coverage).to_contain_text("Yes, with gaps: 1 file, 3 rows in the database; 1 more file rejected.")
    expect(coverage.locator("li", has_text="return.xlsx")).to_have_text(
        f"return.xlsx: {NO_SUPPLIER}; 3 rows loaded of 3 read (0 rejected, 0 skipped)"
    )
    assert page_errors == []


def test_the_overview_coverage_box_says_it_and_links_to_the_borough(page, gaps_app, page_errors):
    base, _ = gaps_app
    page.goto(f"{base}/")
    box = page.locator("#overview-coverage")
    expect(box.locator("#coverage-summary")).to_have_text(
        "2 survey returns: 0 loaded in full, 1 loaded with gaps, 1 rejected.", timeout=TIMEOUT
    )
    gap = box.locator("li", has_text="return.xlsx")
    expect(gap).to_have_text(f"Camden: return.xlsx: {NO_SUPPLIER}")
    gap.get_by_role("link", name="Camden").click()
    expect(page).to_have_url(f"{base}/borough/{CAMDEN}", timeout=TIMEOUT)
    expect(page.locator("#survey-notice")).to_contain_text(NO_SUPPLIER, timeout=TIMEOUT)
    assert page_errors == []
