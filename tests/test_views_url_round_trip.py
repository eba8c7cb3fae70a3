"""Every view: state -> URL -> rendered page -> the URL its own export link carries -> the same state."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from app import create_app
from dashboard import state

FILTERS = {"borough": ["E09000005", "E09000007"], "service_area": ["Revenues and Benefits"], "end_from": "2026-01-01",
           "end_to": "2031-12-31"}  # fmt: skip
# view path, export it links to, its own URL keys with a non-default value
VIEWS = [
    ("/", "contracts", {}),
    ("/contracts", "contracts", {"sort": "-annual_value"}),
    ("/matrix", "matrix", {"measure": "annual_value"}),
    ("/systems", "systems", {"system": ["Academy Revenues and Benefits"]}),
    ("/suppliers", "suppliers", {"rank_by": "value"}),
    ("/windows", "windows", {"group_by": "system", "min_boroughs": 2, "window_months": 12, "extensions": "max"}),
    ("/timeline", "timeline", {"rows": "contract", "group_by": "supplier"}),
    ("/expiring", "expiring", {"months": 24}),
]


def walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.get("props", {}).values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


@pytest.mark.parametrize(("path", "view", "own"), VIEWS, ids=[v[0] for v in VIEWS])
def test_state_survives_url_page_and_export_link(full_sample_build, render_page, path, view, own):
    db, _ = full_sample_build
    sent = {**FILTERS, **own}
    search = state.to_search(sent)
    assert state.parse_query(search) == state.parse_query(state.to_query(sent))  # state -> URL -> state
    tree = render_page(create_app(db), path, search)
    links = [
        n["props"]["href"]
        for n in walk(tree)
        if str(n.get("props", {}).get("href", "")).startswith(f"/export/{view}.csv")
    ]
    assert links, f"{path} has no export link for {view}"
    got = state.parse_query(urlsplit(links[0]).query)
    expected = state.parse_query(search)
    for key, value in expected.items():
        if key in got or key in FILTERS:
            assert got.get(key) == value, (path, key)
    assert {k: got[k] for k in FILTERS} == {k: expected[k] for k in FILTERS}
