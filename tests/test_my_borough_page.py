"""My borough: the neighbours rule on hand-built cases, on the sample's planted window, and the page."""

from __future__ import annotations

from datetime import date

import pytest
from pagetree import by_id, texts, walk

from app import create_app
from dashboard import db
from dashboard.logic import my_borough as mb
from dashboard.logic.my_borough import neighbours
from dashboard.views import EXPORTS
from etl import reference
from etl.sample import SAMPLE_WINDOWS

D = date
NAMES = reference.borough_names()
REVS = next(w for w in SAMPLE_WINDOWS if w["value"] == "Revenues and Benefits")
AREA = "Revenues and Benefits"


@pytest.fixture(autouse=True)
def _close_connections():
    yield
    db.close_all()


def c(cid, code, end, area=AREA, system="Northgate iWorld", **kw):
    return {"contract_id": cid, "borough_code": code, "service_area": area, "system": system, "end": end, **kw}


MINE = c("mine", "E09000007", D(2027, 3, 31))


def neighbour_rows(section: dict) -> list[tuple[str, list[str]]]:
    """(the system of the borough's contract, the texts of one neighbour's row) for each row of a section."""
    out = []
    for block in walk(section):
        if "my-borough-contract" not in str(block["props"].get("className", "")):
            continue
        system = next(n for n in walk(block) if n["type"] == "Strong")["props"]["children"]
        out += [
            (system, texts(tr))
            for tr in walk(block)
            if tr["type"] == "Tr" and not any(n["type"] == "Th" for n in walk(tr))
        ]
    return out


# --------------------------------------------------------------------------- the rule


def test_within_m_calendar_months_either_side_is_in():
    others = [
        c("before", "E09000001", D(2026, 9, 30)),  # exactly 6 months before (month ends stay month ends)
        c("after", "E09000002", D(2027, 9, 30)),  # exactly 6 months after
        c("late", "E09000003", D(2027, 10, 1)),  # one day beyond
        c("early", "E09000005", D(2026, 9, 29)),  # one day before the edge
    ]
    near = neighbours([MINE], others, 6)["mine"]
    assert [o["contract_id"] for o in near] == ["before", "after"]  # 182 days, then 183: closest first
    assert [o["distance"] for o in near] == sorted(o["distance"] for o in near)


def test_closest_first_and_same_system_first_on_ties():
    others = [
        c("far", "E09000001", D(2027, 8, 31)),
        c("near", "E09000002", D(2027, 4, 30)),
        c("tie-other-system", "E09000003", D(2027, 2, 28), system="Academy"),
        c("tie-same-system", "E09000005", D(2027, 2, 28)),
    ]
    near = neighbours([MINE], others, 6)["mine"]
    assert [o["contract_id"] for o in near] == ["near", "tie-same-system", "tie-other-system", "far"]
    assert [o["days"] for o in near] == [30, -31, -31, 153]
    assert near[1]["match"] == "service area and system" and near[2]["match"] == "service area"


def test_same_system_in_another_service_area_counts_other_areas_do_not():
    others = [
        c("system-only", "E09000001", D(2027, 3, 31), area="Income and Payments"),
        c("unrelated", "E09000002", D(2027, 3, 31), area="Parking", system="Taranto"),
    ]
    near = neighbours([MINE], others, 6)["mine"]
    assert [(o["contract_id"], o["match"]) for o in near] == [("system-only", "system")]


def test_own_borough_unknown_dates_and_missing_fields_are_left_out():
    others = [
        c("own", "E09000007", D(2027, 3, 31)),  # the same borough is not a neighbour
        c("undated", "E09000001", None),
        c("no-area-no-system", "E09000002", D(2027, 3, 31), area=None, system=None),
    ]
    assert neighbours([MINE], others, 6) == {"mine": []}
    undated_mine = c("tbc", "E09000007", None)
    assert neighbours([undated_mine], [c("x", "E09000001", D(2027, 3, 31))], 6) == {"tbc": []}
    no_system = c("bare", "E09000007", D(2027, 3, 31), system=None)
    other = c("o", "E09000001", D(2027, 3, 31), system=None)
    assert [o["match"] for o in neighbours([no_system], [other], 6)["bare"]] == ["service area"]


def test_extra_fields_pass_through():
    other = c("o", "E09000001", D(2027, 4, 30), supplier="Northgate", confidence=4, satisfaction=2)
    (near,) = neighbours([MINE], [other], 3)["mine"]
    assert (near["supplier"], near["confidence"], near["satisfaction"], near["days"]) == ("Northgate", 4, 2, 30)


# --------------------------------------------------------------------------- on the sample


@pytest.fixture
def sample_cur(sample_build):
    with db.cursor(sample_build[0]) as cursor:
        yield cursor


@pytest.mark.parametrize("code", REVS["boroughs"])
def test_planted_window_boroughs_are_each_others_nearest(sample_cur, code):
    m = mb.model(sample_cur, {"borough": [code]})
    (items,) = [items for area, items in m["sections"] if area == AREA]
    (mine, near) = next((mine, near) for mine, near in items if REVS["end_from"] <= mine["end"] <= REVS["end_to"])
    others = sorted(set(REVS["boroughs"]) - {code})
    nearest = [o["borough_code"] for o in near if o["service_area"] == AREA][: len(others)]
    assert sorted(nearest) == others
    assert all(o["borough_code"] != code for o in near)


def test_page_lists_service_by_service_with_links(sample_build, render_page):
    code = REVS["boroughs"][0]
    tree = render_page(create_app(sample_build[0]), "/my-borough", f"?borough={code}&source=survey")
    sections = [n for n in walk(tree) if "my-borough-area" in str(n["props"].get("className", ""))]
    headings = [next(h for h in walk(s) if h["type"] == "H2")["props"]["children"] for s in sections]
    order = [sa.name for sa in reference.service_areas()]
    assert headings == sorted(headings, key=order.index)
    revs = sections[headings.index(AREA)]
    links = [n["props"]["href"] for n in walk(revs) if n["type"] == "Link"]
    linked = {href.split("?")[0].removeprefix("/borough/") for href in links}
    assert set(REVS["boroughs"]) - {code} <= linked
    assert all(href.endswith("?source=survey") for href in links)  # filters go along, not the borough
    shown = texts(revs)
    # in a service area's section every neighbour shares the service area, and the system too
    # exactly when it runs the same system as the contract it is listed under
    shares = [
        (row[5], "service area and system" if row[1] == system else "service area")
        for system, row in neighbour_rows(revs)
    ]
    assert [said for said, _ in shares] == [meant for _, meant in shares]
    assert {said for said, _ in shares} == {"service area and system", "service area"}  # the sample has both
    assert any(t.endswith(" of 5") for t in shown)  # confidence and satisfaction from the survey
    assert by_id(tree, "my-borough-picker")["props"]["value"] == code


def test_without_a_borough_the_page_asks_for_one(sample_build, render_page):
    tree = render_page(create_app(sample_build[0]), "/my-borough", "")
    assert "Pick your borough" in texts(by_id(tree, "my-borough-prompt"))[0]
    assert by_id(tree, "my-borough-picker")["props"]["value"] is None


def test_several_boroughs_use_the_first_and_say_so(sample_build, render_page):
    tree = render_page(create_app(sample_build[0]), "/my-borough", "?borough=E09000009&borough=E09000003")
    assert any("showing Barnet" in t for t in texts(tree))
    assert by_id(tree, "my-borough-picker")["props"]["value"] == "E09000003"


def test_bad_months_fall_back(sample_build, render_page):
    tree = render_page(create_app(sample_build[0]), "/my-borough", "?borough=E09000003&window_months=lots")
    assert any("Window length" in t and "ignored" in t for t in texts(tree))
    assert by_id(tree, "my-borough-months")["props"]["value"] == 6


def test_controls_write_the_url():
    assert mb.search_for_controls("", "E09000003", 6) == "?borough=E09000003"
    assert mb.search_for_controls("?borough=E09000003", "E09000003", 6) is None
    new = mb.search_for_controls("?borough=E09000003&supplier=Civica", "E09000009", 12)
    assert mb.VIEW.parse(new) == {"borough": ["E09000009"], "supplier": ["Civica"], "window_months": 12}
    assert mb.search_for_controls("?borough=E09000003", "evil", None) == ""


def test_export_is_the_pairs_shown(sample_cur, sample_build, render_page):
    assert EXPORTS["my_borough"] is mb.my_borough_table
    code = REVS["boroughs"][0]
    headings, rows = EXPORTS["my_borough"](sample_cur, {"borough": [code]})
    assert headings == mb.EXPORT_HEADINGS
    tree = render_page(create_app(sample_build[0]), "/my-borough", f"?borough={code}")
    shown = [
        n
        for n in walk(tree)
        if n["type"] == "Tr" and n["props"].get("children") and next(iter(walk(n["props"]["children"])))["type"] == "Td"
    ]
    assert len(rows) == len(shown) > 0
    assert {r[4] for r in rows if r[0] == AREA} >= set(REVS["boroughs"]) - {code}
    assert EXPORTS["my_borough"](sample_cur, {}) == (headings, [])


def test_bucketed_neighbours_equal_every_pair_compared():
    """The bucketed search finds exactly what comparing every pair finds (the rule is ``_match``)."""
    import random
    from datetime import date as day
    from datetime import timedelta

    from dashboard.logic import my_borough as mb

    rng = random.Random(7)
    areas, systems, codes = ["A", "B", None], ["s1", "s2", "s3", None], ["E09000001", "E09000002", "E09000003"]

    def row(i: int, code: str) -> dict:
        end = None if rng.random() < 0.1 else day(2026, 1, 1) + timedelta(days=rng.randint(0, 900))
        return {"contract_id": f"c{i}", "borough_code": code, "service_area": rng.choice(areas),
                "system": rng.choice(systems), "end": end}  # fmt: skip

    mine = [row(i, codes[0]) for i in range(60)]
    others = [row(100 + i, rng.choice(codes)) for i in range(400)]
    for months in (1, 6, 18):
        brute = {
            m["contract_id"]: sorted(
                (o["contract_id"], mb._match(m, o, months))
                for o in others
                if m["end"] is not None and mb._match(m, o, months)
            )
            for m in mine
        }
        found = mb.neighbours(mine, others, months)
        assert {k: sorted((o["contract_id"], o["match"]) for o in v) for k, v in found.items()} == brute
        assert sum(len(v) for v in brute.values()) > 50  # the case is not empty
