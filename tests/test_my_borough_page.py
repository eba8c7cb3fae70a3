"""My borough: the neighbours rule on hand-built cases, on the sample's planted window, and the page."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from html import unescape

import pytest
from pagetree import by_id, texts, walk

from app import create_app
from dashboard import access, db, status
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


MD_LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\(<([^<>]*)>\)")


def md_cells(tree) -> list[list[tuple[str, list[str]]]]:
    """The body rows of the Markdown tables under ``tree``: each cell's text as a reader sees it, and its links."""
    out = []
    for n in walk(tree):
        if n["type"] == "Markdown":
            lines = [line for line in n["props"]["children"].split("\n") if line.startswith("|")][2:]
            cells = [[c.strip() for c in line.strip("|").split(" | ")] for line in lines]
            out += [[(unescape(MD_LINK.sub(r"\1", c)), [m[2] for m in MD_LINK.finditer(c)]) for c in r] for r in cells]
    return out


def neighbour_rows(tree) -> list[tuple[str, list[str]]]:
    """(the system of the borough's contract, the texts of one listed neighbour) for each neighbour row."""
    out = []
    for row in contract_rows(tree):
        system = next(n for n in walk(row) if n["type"] == "Strong")["props"]["children"]
        out += [(system, [text for text, _links in cells]) for cells in md_cells(row)]
    return out


def page_hrefs(tree) -> list[str]:
    """Every link's address: dcc.Link and html.A components, and links inside Markdown tables."""
    hrefs = [n["props"]["href"] for n in walk(tree) if n["type"] in ("Link", "A") and n["props"].get("href")]
    return hrefs + [href for cells in md_cells(tree) for _text, links in cells for href in links]


def contract_rows(tree) -> list[dict]:
    return [n for n in walk(tree) if "my-borough-contract" in str(n["props"].get("className", ""))]


def today_status(end, max_end) -> str:
    return status.status(end, max_end, date.today())


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
    items = [(mine, near) for mine, near in m["rows"] if mine["service_area"] == AREA]
    (mine, near) = next((mine, near) for mine, near in items if REVS["end_from"] <= mine["end"] <= REVS["end_to"])
    others = sorted(set(REVS["boroughs"]) - {code})
    nearest = [o["borough_code"] for o in near if o["service_area"] == AREA][: len(others)]
    assert sorted(nearest) == others
    assert all(o["borough_code"] != code for o in near)


def test_page_lists_one_row_per_contract_in_taxonomy_order_with_links(sample_build, sample_cur, render_page):
    code = REVS["boroughs"][0]
    tree = render_page(create_app(sample_build[0]), "/my-borough", f"?borough={code}&source=survey")
    rows = contract_rows(tree)
    areas = [texts(r)[0] for r in rows]
    order = [sa.name for sa in reference.service_areas()]
    assert areas == sorted(areas, key=order.index)
    revs = [r for r in rows if texts(r)[0] == AREA]
    links = [href for href in page_hrefs(revs) if href.startswith("/borough/")]
    linked = {href.split("?")[0].removeprefix("/borough/") for href in links}
    assert set(REVS["boroughs"]) - {code} <= linked
    assert all(href.endswith("?source=survey") for href in links)  # filters go along, not the borough
    # every neighbour shares the service area, and the system too exactly when it runs the same one
    shares = [
        (row[6], "service area and system" if row[1] == system else "service area")
        for system, row in neighbour_rows({"type": "Div", "props": {"children": revs}})
    ]
    assert [said for said, _ in shares] == [meant for _, meant in shares]
    assert {said for said, _ in shares} == {"service area and system", "service area"}  # the sample has both
    assert any(t.endswith(" of 5") for _s, row in neighbour_rows(revs) for t in row)  # survey scores
    assert by_id(tree, "my-borough-picker")["props"]["value"] == code
    # the page is a summary: each contract lists at most NEAR_SHOWN neighbours
    m = mb.model(sample_cur, {"borough": [code], "source": "survey"})
    assert len(neighbour_rows(tree)) == sum(min(len(near), mb.NEAR_SHOWN) for _c, near in m["rows"])
    assert len(rows) == len(m["rows"])


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
    alerts = [n for n in walk(tree) if "url-problem" in str(n["props"].get("className"))]
    assert len(alerts) == 1 and alerts[0]["props"]["dismissable"]  # kept until the reader dismisses it
    assert by_id(tree, "my-borough-months")["props"]["value"] == 6


def test_controls_write_the_url():
    assert mb.search_for_controls("", "E09000003", 6) == "?borough=E09000003"
    assert mb.search_for_controls("?borough=E09000003", "E09000003", 6) is None
    new = mb.search_for_controls("?borough=E09000003&supplier=Civica", "E09000009", 12)
    assert mb.VIEW.parse(new) == {"borough": ["E09000009"], "supplier": ["Civica"], "window_months": 12}
    assert mb.search_for_controls("?borough=E09000003", "evil", None) == ""


def test_export_is_what_the_page_lists_not_every_pair(sample_cur, sample_build, render_page, monkeypatch):
    """Each contract listed with its closest NEAR_SHOWN neighbours (in the page's order), and how many in all."""
    monkeypatch.setattr(mb, "NEAR_SHOWN", 2)  # the sample's Revenues and Benefits contracts have more than 2
    monkeypatch.setattr(mb, "PAGE_SIZE", 1000)  # one page: the file holds every page
    assert EXPORTS["my_borough"] is mb.my_borough_table
    code = REVS["boroughs"][0]
    headings, rows = EXPORTS["my_borough"](sample_cur, {"borough": [code]})
    assert headings == mb.EXPORT_HEADINGS
    m = mb.model(sample_cur, {"borough": [code]})
    assert m["pages"] == 1
    counts = m["near_counts"]
    assert any(counts[mine["contract_id"]] > 2 for mine, _near in m["rows"])
    assert all(len(near) == min(counts[mine["contract_id"]], 2) for mine, near in m["rows"])
    assert len(rows) == sum(max(1, len(near)) for _c, near in m["rows"]) > 0
    col = {h: i for i, h in enumerate(headings)}
    expected = [
        (counts[mine["contract_id"]], rank, o["borough_code"], o["end"])
        for mine, near in m["rows"]
        for rank, o in enumerate(near, start=1)
    ]
    got = [
        (r[col["Other boroughs' contracts near it"]], r[col["Closeness (1 = closest)"]], r[col["Other borough code"]],
         r[col["Their end date"]])
        for r in rows if r[col["Other borough code"]]
    ]  # fmt: skip
    assert got == expected
    tree = render_page(create_app(sample_build[0]), "/my-borough", f"?borough={code}")
    assert len(contract_rows(tree)) == len(m["rows"])
    assert len(neighbour_rows(tree)) == len(got)  # the rows the page lists are the rows the file holds
    assert {r[col["Other borough code"]] for r in rows if r[0] == AREA} <= set(REVS["boroughs"]) - {code}
    assert EXPORTS["my_borough"](sample_cur, {}) == (headings, [])


def test_the_export_says_what_it_holds(sample_build):
    """The filters line (About sheet, JSON, header) says the file is the closest neighbours, not every pair."""
    from openpyxl import load_workbook

    code = REVS["boroughs"][0]
    client = create_app(sample_build[0]).server.test_client()
    data = client.get(f"/export/my_borough.json?borough={code}").get_json()
    assert data["filters_text"].endswith(mb.EXPORT_HOLDS) and f"closest {mb.NEAR_SHOWN}" in data["filters_text"]
    book = load_workbook(io.BytesIO(client.get(f"/export/my_borough.xlsx?borough={code}").data))
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True) if r and r[0]}
    assert mb.EXPORT_HOLDS in about["Filters"]
    csv = client.get(f"/export/my_borough.csv?borough={code}")
    assert f"closest {mb.NEAR_SHOWN}" in csv.headers["X-CityTools-Filters"]
    assert "closest" not in client.get("/export/matrix.json").get_json()["filters_text"]


def test_more_neighbours_than_listed_are_counted_with_a_way_to_see_closer_ones():
    total = mb.NEAR_SHOWN + 3
    assert mb.left_out(total) == 3 and "and 3 more ending within 6 months" in mb.left_out_text(total, 6)
    assert mb.left_out_text(mb.NEAR_SHOWN, 6) is None
    assert mb.more_text(total) == f"The closest {mb.NEAR_SHOWN}" and mb.more_text(2) == "All 2 near it"
    assert mb.more_text(1) == "Details"


def _random_contracts(rng, n: int, prefix: str, boroughs: list[str]) -> list[dict]:
    areas, systems = ["A", "B", None], ["s1", "s2", "s3", None]
    out = []
    for i in range(n):
        end = None if rng.random() < 0.1 else D(2026, 1, 1) + timedelta(days=rng.randrange(0, 900))
        latest = end + timedelta(days=rng.choice([0, 200, 400])) if end and rng.random() < 0.3 else None
        out.append(c(f"{prefix}{i}", rng.choice(boroughs), end, area=rng.choice(areas), system=rng.choice(systems),
                     max_end=latest))  # fmt: skip
    return out


@pytest.mark.parametrize("seed", range(12))
def test_nearest_is_the_head_of_every_neighbour_with_the_counts(seed):
    """The bounded search (buckets, running counts, walking out from each end date) gives the closest
    neighbours of the plain rule (``neighbours``), in its order, and counts the rest exactly."""
    import random

    rng = random.Random(seed)
    today, months, limit = D(2026, 12, 1), rng.choice([1, 3, 6, 12]), rng.choice([1, 2, 5])
    mine = _random_contracts(rng, 15, "m", ["E09000007"])
    others = mb.with_status(_random_contracts(rng, 120, "o", ["E09000001", "E09000002", "E09000003"]), today, 18)
    for show_ended in (False, True):
        kept = {id(o): show_ended or o["status"] != "ended" for o in others}
        by_id = {o["contract_id"]: kept[id(o)] for o in others}
        every = neighbours(mine, others, months)
        got = mb.nearest(mine, others, months, kept, limit)
        for m in mine:
            wanted = [o for o in every[m["contract_id"]] if by_id[o["contract_id"]]]
            top, n_kept, n_hidden = got[m["contract_id"]]
            assert [o["contract_id"] for o in top] == [o["contract_id"] for o in wanted[:limit]], m
            assert [o["match"] for o in top] == [o["match"] for o in wanted[:limit]]
            assert (n_kept, n_hidden) == (len(wanted), len(every[m["contract_id"]]) - len(wanted))


# --------------------------------------------------------------------------- time-aware


def test_compared_hides_ended_on_both_sides_and_counts_them():
    today = D(2026, 12, 1)
    mine = mb.with_status([c("live", "E09000007", D(2027, 3, 31)), c("gone", "E09000007", D(2024, 12, 31))], today, 18)
    others = [
        c("o-live", "E09000001", D(2027, 4, 30)),
        c("o-ended-near-gone", "E09000002", D(2024, 10, 31)),
        # its base end has passed, but an extension runs to 2027: running on it, not ended
        c("o-extended", "E09000003", D(2026, 11, 30), max_end=D(2027, 11, 30)),
    ]
    live = [m for m in mine if m["status"] != "ended"]
    assert [m["contract_id"] for m in live] == ["live"]
    shut = mb.compared(live, others, 6, False, today, 18)
    assert [(m["contract_id"], [o["contract_id"] for o in near]) for m, near in shut["rows"]] == [
        ("live", ["o-live", "o-extended"])
    ]
    assert shut["hidden_near"] == 0
    shown = mb.compared(mine, others, 6, True, today, 18)
    assert {m["contract_id"]: [o["contract_id"] for o in near] for m, near in shown["rows"]} == {
        "live": ["o-live", "o-extended"],
        "gone": ["o-ended-near-gone"],
    }
    assert {m["contract_id"]: m["status"] for m, _near in shown["rows"]} == {"live": "overdue", "gone": "ended"}
    assert shown["hidden_near"] == 0


def test_an_ended_neighbour_of_a_live_contract_is_hidden_and_counted():
    today = D(2026, 12, 1)
    mine = mb.with_status([c("live", "E09000007", D(2026, 12, 31))], today, 18)
    others = [c("o-ended", "E09000001", D(2026, 10, 31)), c("o", "E09000002", D(2027, 1, 31))]
    shut = mb.compared(mine, others, 6, False, today, 18)
    assert [o["contract_id"] for o in shut["rows"][0][1]] == ["o"] and shut["hidden_near"] == 1


def _camden_statuses(cur) -> list[str]:
    rows = cur.execute(
        "SELECT end_date, max_end_date FROM contracts WHERE borough_code = 'E09000007' AND stage = 'contract'"
    ).fetchall()
    return [today_status(end, latest) for end, latest in rows]


def test_camden_by_default_lists_only_what_can_be_acted_on(full_sample_cur):
    statuses = _camden_statuses(full_sample_cur)
    ended = statuses.count("ended")
    assert ended > 0  # the sample's Revenues and Benefits contract ended on 31 December 2024
    m = mb.model(full_sample_cur, {"borough": ["E09000007"]})
    assert m["count"] == len(statuses) - ended and m["hidden_mine"] == ended
    assert all(mine["status"] != "ended" for mine, _near in m["rows"])
    assert all(o["status"] != "ended" for _mine, near in m["rows"] for o in near)
    assert AREA not in {mine["service_area"] for mine, _near in m["rows"]}
    assert f"{ended} of Camden's contracts" in mb.hidden_text(m)
    shown = mb.model(full_sample_cur, {"borough": ["E09000007"], "ended": "show"})
    assert shown["count"] == len(statuses) and mb.hidden_text(shown) is None
    (revs,) = [(mine, near) for mine, near in shown["rows"] if mine["service_area"] == AREA]
    assert revs[0]["status"] == "ended" and revs[0]["end"] == D(2024, 12, 31)
    assert all(o["status"] == today_status(o["end"], o["max_end"]) for o in revs[1])


def test_the_export_follows_the_ended_default(full_sample_cur):
    col = mb.EXPORT_HEADINGS.index("Your status")
    theirs = mb.EXPORT_HEADINGS.index("Their status")
    _h, rows = mb.my_borough_table(full_sample_cur, {"borough": ["E09000007"]})
    assert rows and "Ended" not in {r[col] for r in rows} | {r[theirs] for r in rows}
    _h, all_rows = mb.my_borough_table(full_sample_cur, {"borough": ["E09000007"], "ended": "show"})
    assert "Ended" in {r[col] for r in all_rows} and len(all_rows) > len(rows)
    assert {(r[0], r[1]) for r in rows if r[col] == "Ended"} == set()


def test_page_says_what_is_hidden_and_shows_it_on_request(full_sample_build, render_page):
    app = create_app(full_sample_build[0])
    tree = render_page(app, "/my-borough", "?borough=E09000007")
    hidden = by_id(tree, "my-borough-hidden")
    assert "already ended" in " ".join(texts(hidden))
    (show,) = [n for n in walk(hidden) if n["type"] == "Link"]
    assert mb.VIEW.parse(show["props"]["href"].split("?", 1)[1])["ended"] == "show"
    badges = [" ".join(texts(n)) for n in walk(tree) if n["type"] == "Badge"]
    assert badges and "Ended" not in badges
    assert AREA not in [texts(r)[0] for r in contract_rows(tree)]
    shown = render_page(app, "/my-borough", "?borough=E09000007&ended=show")
    assert AREA in [texts(r)[0] for r in contract_rows(shown)]
    assert "Ended" in [" ".join(texts(n)) for n in walk(shown) if n["type"] == "Badge"]
    assert "Hide ended contracts" in texts(by_id(shown, "my-borough-hidden"))


def test_overdue_says_procurement_should_already_have_started():
    assert mb.status_words("overdue").endswith(status.OVERDUE_TEXT)
    assert mb.status_words("running") == status.label("running")


# --------------------------------------------------------------------------- size


def test_long_lists_are_paged(sample_cur, monkeypatch, sample_build, render_page):
    monkeypatch.setattr(mb, "PAGE_SIZE", 5)
    code = REVS["boroughs"][0]
    whole = mb.model(sample_cur, {"borough": [code]})
    assert whole["pages"] == -(-whole["count"] // 5) > 1 and len(whole["rows"]) == 5
    second = mb.model(sample_cur, {"borough": [code], "page": 2})
    assert second["page"] == 2 and not {m["contract_id"] for m, _ in second["rows"]} & {
        m["contract_id"] for m, _ in whole["rows"]
    }
    beyond = mb.model(sample_cur, {"borough": [code], "page": 999})
    assert beyond["page"] == beyond["pages"]
    _h, exported = mb.my_borough_table(sample_cur, {"borough": [code], "page": 2})
    every = mb._comparison(sample_cur, code, {"borough": [code]}, date.today(), paged=False)["rows"]
    # all pages, not the one asked for
    assert len(exported) == sum(max(1, min(len(near), mb.NEAR_SHOWN)) for _m, near in every)
    tree = render_page(create_app(sample_build[0]), "/my-borough", f"?borough={code}")
    assert "Next" in texts(by_id(tree, "my-borough-pager"))


# --------------------------------------------------------------------------- who to call, honest states


def test_contacts_come_from_the_survey_row_then_the_cover_then_a_notice(full_sample_cur):
    from dashboard.queries import my_borough as q

    ids = [r[0] for r in full_sample_cur.execute("SELECT contract_id FROM contracts").fetchall()]
    found = q.contacts(full_sample_cur, ids)
    assert {v["source"] for v in found.values()} == set(q.CONTACT_FROM.values())
    (cid, name) = full_sample_cur.execute(
        """SELECT c.contract_id, cr.contact_name FROM contracts c, unnest(c.record_ids) AS u(rid)
           JOIN contract_records cr ON cr.record_id = u.rid
           WHERE cr.source = 'survey' AND cr.contact_name IS NOT NULL ORDER BY 1 LIMIT 1"""
    ).fetchone()
    assert found[cid]["name"] == name and found[cid]["source"] == "survey return"
    assert all(v["name"] or v["email"] or v["phone"] for v in found.values())


def test_the_public_gets_no_survey_contact(full_sample_build):
    from dashboard.queries import my_borough as q

    with access.members(False), db.cursor(full_sample_build[0]) as cur:
        ids = [r[0] for r in cur.execute("SELECT contract_id FROM contracts").fetchall()]
        found = q.contacts(cur, ids)
    assert found and {v["source"] for v in found.values()} == {"open notice"}


def test_neighbours_show_whom_to_call_to_members_and_say_so_to_the_public(full_sample_build, render_page):
    app = create_app(full_sample_build[0])
    member = render_page(app, "/my-borough", "?borough=E09000007")
    assert not [n for n in walk(member) if n["props"].get("id") == "my-borough-contacts-note"]
    neighbours = neighbour_rows(member)
    assert any(row[-1] not in ("–", "") for _s, row in neighbours)  # somebody to call
    mails = [href for href in page_hrefs(member) if "mailto:" in href]
    assert mails and all(m.startswith("mailto:") and "@" in m for m in mails)
    in_tables = [href for cells in md_cells(member) for _text, links in cells for href in links if "mailto:" in href]
    assert in_tables  # the folded tables link whom to call too
    public = render_page(app, "/my-borough", "?borough=E09000007", member=False)
    note = by_id(public, "my-borough-contacts-note")
    assert "signed-in members" in " ".join(texts(note))
    assert [n["props"]["href"] for n in walk(note) if n["type"] == "A"] == ["/sign-in"]


def test_a_neighbour_table_is_one_markdown_table_whose_values_stay_text():
    """Names, suppliers and contacts are escaped (no link, tag or pipe of theirs), an unsafe email is no link."""
    from dashboard.pages import my_borough as page

    o = c("o1", "E09000012", D(2027, 4, 30), system="[x](<javascript:alert(1)>) | <b>", supplier="A|B *Ltd*",
          status="overdue", match="service area", days=30, distance=30, confidence=4, satisfaction=None)  # fmt: skip
    contacts = {"o1": {"name": "Ann <i>Lee</i>", "email": "ann@hackney.gov.uk", "phone": "020 | 7"}}
    bad = {"o1": {"name": "Bo", "email": "bo@x.org>(javascript:1)", "phone": None}}
    table = page.neighbour_table([o], contacts, {"source": ["survey"]}, "near-1")
    assert sum(1 for n in walk(table) if n["type"] == "Markdown") == 1 and len(list(walk(table))) == 3
    [row] = md_cells(table)
    assert [text for text, _links in row] == [
        NAMES["E09000012"], "[x](<javascript:alert(1)>) | <b>", "A|B *Ltd*", "30 April 2027", "30 days later",
        mb.status_words("overdue"), "service area", "4 of 5", mb.NOT_RECORDED, "Ann <i>Lee</i> · 020 | 7",
    ]  # fmt: skip
    assert [links for _text, links in row] == [
        ["/borough/E09000012?source=survey"], [], [], [], [], [], [], [], [], ["mailto:ann@hackney.gov.uk"],
    ]  # fmt: skip
    [bad_row] = md_cells(page.neighbour_table([o], bad, {}, "near-1"))
    assert bad_row[-1] == ("Bo", [])
    assert md_cells(page.neighbour_table([o], {}, {}, "near-1"))[0][-1] == ("–", [])


def test_a_borough_without_a_return_says_so(full_sample_build, render_page):
    tree = render_page(create_app(full_sample_build[0]), "/my-borough", "?borough=E09000004")
    assert texts(by_id(tree, "my-borough-no-return")) == [
        "Bexley has sent no survey return: only open notices are shown."
    ]
    assert "my-borough-no-return" not in str(
        render_page(create_app(full_sample_build[0]), "/my-borough", "?borough=E09000007")
    )


def test_an_empty_result_says_why_and_how_to_widen(sample_build, render_page):
    tree = render_page(create_app(sample_build[0]), "/my-borough", "?borough=E09000007&q=nothing-matches-this")
    text = " ".join(texts(by_id(tree, "my-borough-empty")))
    assert "No contract of Camden matches these filters" in text and "Clear the filters" in text


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


def test_survey_returns_are_read_once_per_build_and_reader(full_sample_build):
    """The page asks on every click; every borough's answer is kept per build and per reader (member or
    not), read when the build is opened, so no borough's first click pays a statement for it."""
    from dashboard import cache
    from dashboard.queries import my_borough as q

    cache.clear()
    for member in (True, False, True):
        with access.members(member), db.cursor(full_sample_build[0]) as cur:
            every = q.returns_by_borough.uncached(cur)
            assert set(every) == set(reference.borough_names()) and any(every.values())
            statements = []
            recorder = _Recorder(cur, statements)
            cache.bind(recorder, cache.build_of(cur))
            try:
                assert q.survey_returns(recorder, ["E09000007", "E09000001"]) == {
                    c: every[c] for c in ("E09000001", "E09000007")
                }
            finally:
                cache.unbind(recorder)
            assert statements == []  # the warm-up read them when the cursor was handed out
    kept = [k for k in cache._results if k[1].endswith("my_borough.returns_by_borough")]
    assert len(kept) == 2 and {k[0][-1] for k in kept} == {True, False}


def test_survey_returns_of_a_code_outside_the_list_are_still_counted(full_sample_build):
    from dashboard.queries import my_borough as q

    with db.cursor(full_sample_build[0]) as cur:
        assert q.survey_returns(cur, ["E09999999"]) == {"E09999999": 0}
        assert q.survey_returns(cur, []) == {}


class _Recorder:
    """A cursor that notes each statement it is sent."""

    def __init__(self, cur, log):
        self._cur, self._log = cur, log

    def execute(self, sql, params=None):
        self._log.append(sql)
        return self._cur.execute(sql, params)

    def __getattr__(self, name):
        return getattr(self._cur, name)
