"""The CIO's journey in a real browser: Camden's CIO on My borough sees the contracts that can still
be acted on, whom to call in the boroughs whose contracts end near theirs, and the ended ones only
on request (``live_app``: the full sample in demo mode, where everyone is a member).

What the page must show is computed from the same database through ``dashboard.logic.my_borough``
(the rule), so the test checks the page against the data, not against numbers typed in here.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dashboard import db
from dashboard.logic import my_borough as mb
from etl import reference

pytestmark = pytest.mark.browser
TIMEOUT = 15_000  # ms: generous for a 2-core machine
CAMDEN = "E09000007"
REVS = "Revenues and Benefits"
MAX_ELEMENTS = 6_000  # the page is a summary; it was 25 tables and 25,500 px


def _model(path, **keys) -> dict:
    with db.cursor(path) as cur:
        return mb.model(cur, {"borough": [CAMDEN], **keys})


def _row(page, cid: str):
    return page.locator(f"#my-borough-contract-{cid}")


def test_camden_cio_sees_live_contracts_whom_to_call_and_ended_ones_on_request(page, live_app, page_errors):
    base, path = live_app
    live = _model(path)
    shown = _model(path, ended="show")
    page.goto(f"{base}/my-borough?borough={CAMDEN}")
    table = page.locator("#my-borough-table")
    expect(table).to_be_visible(timeout=TIMEOUT)

    # only what can still be acted on, and how many ended ones are hidden
    expect(table.locator("tr.my-borough-contract")).to_have_count(len(live["rows"]))
    expect(table.locator(".status-badge", has_text="Ended")).to_have_count(0)
    expect(page.locator("#my-borough-hidden")).to_contain_text(f"{live['hidden_mine']} of Camden's contracts")
    assert live["hidden_mine"] > 0 and REVS not in {m["service_area"] for m, _ in live["rows"]}

    # whom to call: each nearest neighbour's contact, as the data has it, with its details a click away
    called = [(m, near[0]) for m, near in live["rows"] if near and near[0]["contract_id"] in live["contacts"]]
    assert called, "the sample should give some neighbour a contact"
    for mine, first in called:
        name = live["contacts"][first["contract_id"]]["name"]
        expect(_row(page, mine["contract_id"])).to_contain_text(f"Contact: {name}")
    mine, near = next((m, n) for m, n in live["rows"] if len(n) > 1)
    row = _row(page, mine["contract_id"])
    row.locator("summary").click()
    names = reference.borough_names()
    expect(row.locator("table tbody tr")).to_have_count(min(len(near), mb.NEAR_SHOWN))
    expect(row.locator("table tbody tr").first).to_contain_text(names[near[0]["borough_code"]])
    size = page.evaluate("document.querySelectorAll('*').length")
    print(f"My borough, Camden: {size} elements, {page.evaluate('document.body.scrollHeight')} px")
    assert size < MAX_ELEMENTS

    # the ended ones, on request: Revenues and Benefits, ended 31 December 2024, says so
    page.locator("#my-borough-hidden").get_by_role("link", name="Show ended contracts").click()
    expect(page).to_have_url(re.compile(r"ended=show"), timeout=TIMEOUT)
    (revs, revs_near) = next((m, n) for m, n in shown["rows"] if m["service_area"] == REVS)
    revs_row = _row(page, revs["contract_id"])
    expect(revs_row).to_contain_text("Ended", timeout=TIMEOUT)
    expect(revs_row).to_contain_text("31 December 2024")
    if revs_near:
        first = revs_near[0]
        expect(revs_row).to_contain_text(names[first["borough_code"]])
        contact = shown["contacts"].get(first["contract_id"])
        expect(revs_row).to_contain_text(f"Contact: {contact['name'] if contact else '–'}")
    expect(table.locator("tr.my-borough-contract")).to_have_count(len(shown["rows"]))
    expect(page.locator("#my-borough-hidden")).to_contain_text("Hide ended contracts")
    assert page_errors == []
