"""Every view: state -> URL -> rendered page -> the URLs its outward links carry -> the same state.

For each view of ``views.ALL``, a state that sets the shared filters and every one of the view's
own keys (to a value other than its default) is written with the view's ``search``, rendered
through the app, and every link that takes the state out of the app (exports, reports, the
calendar) must parse back, with the keys of the view that serves it, to exactly that state.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from pagetree import walk

from app import create_app
from dashboard import db, state, views

HACKNEY = "E09000012"
# Hackney, Lambeth and Southwark's Revenues and Benefits contracts all end on 31 March 2027 in the
# full sample: a joint procurement window, so the report view has a window to report on. ``scope``
# is set to its value other than the default, so every outward link must carry it too.
FILTERS = {"borough": [HACKNEY, "E09000022", "E09000028"], "service_area": ["Revenues and Benefits"],
           "end_from": "2026-01-01", "end_to": "2031-12-31", "scope": "all"}  # fmt: skip
# A valid value, not the default, for every view key of every view: a new key must be added here.
OWN_VALUES: dict[str, object] = {
    "sort": "-annual_value",
    "measure": "annual_value",
    "rank_by": "value",
    "min_boroughs": 2,
    "window_months": 12,
    "lead_months": 12,
    "group_by": "system",
    "extensions": "max",
    "rank": "value",
    "manufacturer": ["Civica"],
    "rows": "contract",
    "months": 24,
    "cpv": "72",
    "kind": "both",
    "ended": "show",
    "page": 2,
    "list": "all",
    "stage": ["contract", "tender"],
    "contract": "c-not-in-the-sample",
    "window": "Revenues and Benefits|2027-03-31",
    "report_on": "window",
}
# Paths of links that carry a view's state out of the app -> the view whose keys parse them.
OUTLETS = {"/report/": "report", "/calendar.ics": "expiring"}


@pytest.fixture(autouse=True)
def _close_connections():
    yield
    db.close_all()


@pytest.fixture(scope="module")
def app(full_sample_build):
    return create_app(full_sample_build[0])


def sent_state(view: state.View) -> dict:
    missing = [k.name for k in view.keys if k.name not in OWN_VALUES]
    assert not missing, f"{view.stem}: give {missing} a value in OWN_VALUES"
    return {**FILTERS, **{k.name: OWN_VALUES[k.name] for k in view.keys}}


def outlet_view(href: str) -> state.View | None:
    """The view whose keys a link out of the app is parsed with, or None for an in-app link."""
    path = urlsplit(href).path
    if path.startswith("/export/"):
        return views.EXPORT_VIEWS[path.removeprefix("/export/").rsplit(".", 1)[0]]
    return next((views.get(stem) for prefix, stem in OUTLETS.items() if path.startswith(prefix)), None)


def page_request(view: state.View, st: dict) -> tuple[str, str, dict]:
    """(path, search, the state the page's links should carry). A view with the borough in its
    path gets the other filters in the query, and its links name that borough."""
    if "<code>" not in view.path:
        return view.path, view.search(st), st
    rest = {k: v for k, v in st.items() if k != "borough"}
    return view.path.replace("<code>", HACKNEY), view.search(rest), {**rest, "borough": [HACKNEY]}


def test_every_view_key_has_a_sample_value():
    for view in views.ALL:
        st = sent_state(view)
        assert view.check(st) == (view.parse(view.search(st)), []), view.stem  # valid, so nothing is dropped
        assert set(view.parse(view.search(st))) == set(view.key_set) - {"supplier", "system", "q", "source"}


@pytest.mark.parametrize("view", views.ALL, ids=[v.stem for v in views.ALL])
def test_state_survives_url_page_and_outward_links(app, render_page, view):
    path, search, carried = page_request(view, sent_state(view))
    expected = view.parse(view.search(carried))
    tree = render_page(app, path, search)
    hrefs = {str(n["props"]["href"]) for n in walk(tree) if n["props"].get("href")}
    outward = {href: outlet_view(href) for href in hrefs if outlet_view(href) is not None}
    assert outward, f"{view.stem}: the page has no export, report or calendar link"
    for name in view.exports:
        assert any(urlsplit(h).path.startswith(f"/export/{name}.") for h in outward), f"no link to export {name}"
    for href, target in outward.items():
        wanted = {k: v for k, v in expected.items() if k in target.key_set}
        assert target.parse(urlsplit(href).query) == wanted, (view.stem, href)
