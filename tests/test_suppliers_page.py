"""Suppliers page: HHI and CR10 on hand-made numbers, market shares and concentration against
direct DuckDB counts, a supplier's profile, filters, the export and the rendered page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import duckdb
import plotly.graph_objects as go
import pytest
from market_helpers import as_json, assert_export_is_the_table, csv_lines, links, table_headings, table_rows, text
from pagetree import by_id, md_rows, walk

from app import create_app
from dashboard.figures.suppliers import hhi_bar, share_bar
from dashboard.logic import suppliers as logic
from dashboard.pages import suppliers as page
from dashboard.queries import suppliers as q
from dashboard.views import EXPORTS
from etl.schema import CONTRACT_COLUMNS

CAMDEN = "E09000007"
CIVICA = "Civica UK Limited"
INJECTIONS = ["x' OR '1'='1", "Civica UK Limited'; DROP TABLE contracts; --", '" OR 1=1 --']


# --------------------------------------------------------------------------- HHI and CR10 by hand


def hand_made(contracts: list[tuple[str, str, float | None]]) -> duckdb.DuckDBPyConnection:
    """An in-memory database whose ``contracts`` are (service area, supplier, annual value) rows."""
    con = duckdb.connect()
    con.execute(f"CREATE TABLE contracts ({', '.join(f'{c} {t}' for c, t in CONTRACT_COLUMNS.items())})")
    con.executemany(
        "INSERT INTO contracts (contract_id, borough_code, service_area, supplier_name, annual_value) "
        "VALUES (?, 'E09000001', ?, ?, ?)",
        [(f"c{i}", area, supplier, value) for i, (area, supplier, value) in enumerate(contracts)],
    )
    return con


def market(area: str, sizes: dict[str, int], value: float | None = 100.0) -> list[tuple]:
    """``sizes[supplier]`` contracts each, all worth ``value`` a year."""
    return [(area, supplier, value) for supplier, n in sizes.items() for _ in range(n)]


@pytest.mark.parametrize(
    ("sizes", "hhi", "cr10", "top_share"),
    [
        ({"A": 3}, 10_000, 100, 100),  # one supplier
        ({"A": 1, "B": 1, "C": 1, "D": 1}, 2_500, 100, 25),  # four equal
        ({"A": 250, "B": 250, "C": 250, "D": 250}, 2_500, 100, 25),  # the scale does not matter
        ({"A": 5, "B": 3, "C": 2}, 50**2 + 30**2 + 20**2, 100, 50),
        ({f"S{i:02}": 1 for i in range(12)}, 10_000 / 12, 1000 / 12, 100 / 12),  # CR10 leaves two out
        # unequal: CR10 is the ten largest (75 of 78 contracts), the two smallest left out
        (
            {f"S{i:02}": 12 - i for i in range(12)},
            sum((100 * (12 - i) / 78) ** 2 for i in range(12)),
            7500 / 78,
            1200 / 78,
        ),  # fmt: skip
        ({"B": 2, "A": 2, "C": 1}, 40**2 + 40**2 + 20**2, 100, 40),  # a tie at the top: the first name
    ],
)
def test_hhi_and_cr10_on_hand_made_markets(sizes, hhi, cr10, top_share):
    (area,) = q.concentration(hand_made(market("Housing", sizes)))
    assert area["hhi"] == pytest.approx(hhi)
    assert area["cr10"] == pytest.approx(cr10)
    assert area["top_share"] == pytest.approx(top_share)
    assert (area["suppliers"], area["contracts"], area["basis"]) == (len(sizes), sum(sizes.values()), "value")
    assert area["top_supplier"] == min(sizes, key=lambda s: (-sizes[s], s))


def test_concentration_chooses_value_or_counts_and_says_which():
    contracts = [
        # every contract valued: shares of value, 75/25, although B has more contracts
        ("Housing", "A", 300.0),
        *market("Housing", {"B": 3}, 100 / 3),
        # values mostly missing: shares of contracts, 4 equal suppliers
        *market("Parking", {"C": 2, "E": 2, "F": 2}, None),
        ("Parking", "D", 10.0),
        ("Parking", "D", None),
    ]
    con = hand_made(contracts)
    parking, housing = q.concentration(con)  # most contracts first
    assert housing["basis"] == "value"
    assert housing["hhi"] == pytest.approx(75**2 + 25**2)
    assert (housing["top_supplier"], housing["top_share"]) == ("A", pytest.approx(75))
    assert parking["basis"] == "contracts"
    assert parking["hhi"] == pytest.approx(2_500) and parking["top_share"] == pytest.approx(25)
    assert parking["reading"].startswith("Moderately concentrated")
    assert (parking["contracts"], parking["suppliers"], parking["valued"]) == (8, 4, 1)
    # when the coverage asked for is out of reach, Housing is measured on counts: B has 3 of 4
    housing_counts = next(a for a in q.concentration(con, coverage=1.01) if a["service_area"] == "Housing")
    assert housing_counts["basis"] == "contracts" and housing_counts["hhi"] == pytest.approx(25**2 + 75**2)
    assert housing_counts["top_supplier"] == "B"


def test_concentration_leaves_out_unknown_suppliers_and_areas():
    con = hand_made([("Housing", "A", 1.0), ("Housing", None, 1.0), (None, "B", 1.0)])
    (area,) = q.concentration(con)
    assert (area["service_area"], area["contracts"], area["hhi"]) == ("Housing", 1, 10_000)
    assert q.concentration(con, {"supplier": "nobody"}) == []


@pytest.mark.parametrize(
    ("value", "suppliers", "starts"),
    [
        (10_000, 1, "One supplier"),
        (10_000, 2, "Highly concentrated"),
        (2_501, 3, "Highly concentrated"),
        (2_500, 4, "Moderately concentrated"),
        (1_500, 7, "Moderately concentrated"),
        (1_499.9, 9, "Unconcentrated"),
        (None, 0, "No data"),
    ],
)
def test_hhi_reading(value, suppliers, starts):
    assert q.hhi_reading(value, suppliers).startswith(starts)
    if value == 2_500:
        assert "like 4.0 equal-sized suppliers" in q.hhi_reading(value, suppliers)


@pytest.mark.parametrize(("suppliers", "small"), [(2, True), (10, True), (11, False), (40, False)])
def test_a_market_of_ten_or_fewer_says_its_cr10_means_nothing(suppliers, small):
    """CR10 is 100% in any market of ten suppliers or fewer: the reading says so, and the HHI's floor."""
    reading = q.hhi_reading(10_000 / suppliers, suppliers)
    assert ("CR10 is 100% by construction" in reading) is small
    if small:
        assert f"HHI at least {10_000 / suppliers:,.0f}" in reading


@pytest.mark.parametrize(
    ("value", "band"), [(None, "low"), (1_499.9, "low"), (1_500, "moderate"), (2_500, "moderate"), (2_501, "high")]
)
def test_hhi_band_is_the_band_of_the_reading(value, band):
    """The chart's colour and the reading's words come from the same thresholds."""
    assert q.hhi_band(value) == band
    if value is not None:
        assert q.hhi_reading(value, 2).startswith(q.HHI_BANDS[band])


def test_fold_others_sums_the_rest():
    rows = [
        {"supplier": s, "contracts": n, "boroughs": 1, "annual_value": None}
        for s, n in zip("abcde", [5, 4, 3, 2, 1], strict=True)
    ]
    folded = q.fold_others(rows, 2)
    assert [r["supplier"] for r in folded] == ["a", "b", q.OTHERS]
    assert (folded[-1]["contracts"], folded[-1]["others"], folded[-1]["annual_value"]) == (6, 3, 0)
    assert q.fold_others(rows, 5) == rows


# --------------------------------------------------------------------------- market shares


@pytest.mark.parametrize("rank_by", ["contracts", "boroughs", "value", "nonsense"])
@pytest.mark.parametrize("top", [3, 15, 1000])
def test_market_shares_sum_to_100(sample_cur, rank_by, top):
    result = q.market_shares(sample_cur, {"rank_by": rank_by}, top=top)
    rows = result["rows"]
    for key in ("contracts_share", "boroughs_share", "annual_value_share"):
        assert sum(r[key] for r in rows) == pytest.approx(100)
        assert sum(r[key] for r in q.fold_others(rows, 2)) == pytest.approx(100)
    assert result["rank_by"] == (rank_by if rank_by in q.RANK_BY else "contracts")
    measure = q.RANK_BY[result["rank_by"]]
    named = [r for r in rows if r["rank"]]
    assert [r[measure] for r in named] == sorted((r[measure] for r in named), reverse=True)
    suppliers = q.market_totals(sample_cur)["suppliers"]
    assert len(named) == min(top, suppliers)
    if top < suppliers:
        assert rows[-1]["supplier"] == q.OTHERS and rows[-1]["others"] == suppliers - top


def test_market_shares_match_a_direct_count(sample_cur):
    result = q.market_shares(sample_cur, {}, top=1000)
    direct = dict(
        sample_cur.execute(
            "SELECT supplier_name, count(*) FROM contracts "
            "WHERE borough_code IS NOT NULL AND supplier_name IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    assert {r["supplier"]: r["contracts"] for r in result["rows"]} == direct
    totals = q.market_totals(sample_cur)
    (all_contracts, no_supplier) = sample_cur.execute(
        "SELECT count(*), count(*) - count(supplier_name) FROM contracts WHERE borough_code IS NOT NULL"
    ).fetchone()
    assert totals["contracts"] == result["totals"]["contracts"] == all_contracts - no_supplier
    assert totals["no_supplier"] == no_supplier
    (pairs,) = sample_cur.execute(
        "SELECT count(DISTINCT (supplier_name, borough_code)) FROM contracts "
        "WHERE borough_code IS NOT NULL AND supplier_name IS NOT NULL"
    ).fetchone()
    assert result["totals"]["boroughs"] == pairs


def test_market_shares_tiny(cur):
    result = q.market_shares(cur, {})
    assert [r["supplier"] for r in result["rows"]] == ["Capita", "Civica", "Northgate", "O'Brien & Sons Ltd"]
    assert {r["contracts_share"] for r in result["rows"]} == {25}
    civica = result["rows"][1]
    assert civica["annual_value_share"] == pytest.approx(100 * 100_000 / 400_000)  # TfL's £1m is not a borough's


# --------------------------------------------------------------------------- concentration


DIRECT_HHI = """
WITH s AS (
    SELECT service_area, supplier_name, count(*) AS n, count(annual_value) AS v, sum(annual_value) AS val
    FROM contracts
    WHERE borough_code IS NOT NULL AND supplier_name IS NOT NULL AND service_area IS NOT NULL {extra}
    GROUP BY ALL
), t AS (SELECT service_area, sum(n) AS n, sum(v) AS v, sum(val) AS val FROM s GROUP BY ALL)
SELECT service_area, t.n, t.v, count(*),
       sum((100.0 * s.n / t.n) ^ 2), sum((100.0 * coalesce(s.val, 0) / t.val) ^ 2), max(100.0 * s.n / t.n)
FROM s JOIN t USING (service_area) GROUP BY service_area, t.n, t.v
"""


@pytest.mark.parametrize(
    ("filters", "extra", "params"), [({}, "", []), ({"borough": CAMDEN}, "AND borough_code = ?", [CAMDEN])]
)
def test_concentration_matches_direct_duckdb(sample_cur, filters, extra, params):
    areas = {a["service_area"]: a for a in q.concentration(sample_cur, filters)}
    direct = sample_cur.execute(DIRECT_HHI.format(extra=extra), params).fetchall()
    assert set(areas) == {r[0] for r in direct}
    for area, n, valued, suppliers, hhi_counts, hhi_value, _top in direct:
        got = areas[area]
        assert (got["contracts"], got["valued"], got["suppliers"]) == (n, valued, suppliers)
        if valued / n >= q.VALUE_COVERAGE:
            assert got["basis"] == "value" and got["hhi"] == pytest.approx(hhi_value)
        else:
            assert got["basis"] == "contracts" and got["hhi"] == pytest.approx(hhi_counts)
    # measured on counts, the same areas agree with the count-based HHI and top share
    counted = {a["service_area"]: a for a in q.concentration(sample_cur, filters, coverage=2)}
    for area, _n, _v, _s, hhi_counts, _hv, top_count_share in direct:
        assert counted[area]["hhi"] == pytest.approx(hhi_counts)
        assert counted[area]["top_share"] == pytest.approx(top_count_share)


def test_concentration_on_tiny_leaves_out_unknown_areas(cur):
    areas = q.concentration(cur)
    # O'Brien's contract has no service area; TfL's has no borough
    assert {a["service_area"] for a in areas} == {
        "Income and Payments",
        "Revenues and Benefits",
        "Education and Schools",
    }
    assert {a["hhi"] for a in areas} == {10_000}


# --------------------------------------------------------------------------- profile


def test_profile_counts_equal_direct_queries(sample_cur):
    filters = {"supplier": CIVICA}
    profile = q.profile(sample_cur, filters, limit=1000)
    (summary,) = profile["summary"]
    direct = sample_cur.execute(
        """
        SELECT count(*), count(DISTINCT borough_code), count(DISTINCT system_name), count(DISTINCT service_area),
               sum(annual_value), count(annual_value), min(end_date), max(end_date)
        FROM contracts WHERE supplier_name = ? AND borough_code IS NOT NULL
        """,
        [CIVICA],
    ).fetchone()
    keys = ("contracts", "boroughs", "systems", "service_areas", "annual_value", "valued", "earliest_end", "latest_end")
    assert tuple(summary[k] for k in keys) == direct
    boroughs = profile["boroughs"]
    assert len(boroughs) == summary["boroughs"]
    assert sum(r["contracts"] for r in boroughs) == summary["contracts"]
    assert sum(r["annual_value"] for r in boroughs) == pytest.approx(summary["annual_value"])
    systems = profile["systems"]
    assert len([r for r in systems if r["system"]]) == summary["systems"]
    assert sum(r["contracts"] for r in systems) == summary["contracts"]
    areas = profile["areas"]
    assert len(areas) == summary["service_areas"] and sum(r["contracts"] for r in areas) == summary["contracts"]
    contracts = profile["contracts"]
    assert contracts["total"] == len(contracts["rows"]) == summary["contracts"]
    assert {r["supplier"] for r in contracts["rows"]} == {CIVICA}


def test_profile_respects_filters(sample_cur):
    filters = {"supplier": CIVICA, "borough": CAMDEN}
    profile = q.profile(sample_cur, filters)
    (summary,) = profile["summary"]
    (direct,) = sample_cur.execute(
        "SELECT count(*) FROM contracts WHERE supplier_name = ? AND borough_code = ?", [CIVICA, CAMDEN]
    ).fetchone()
    assert summary["contracts"] == direct and summary["boroughs"] == 1
    assert {r["borough_code"] for r in profile["contracts"]["rows"]} == {CAMDEN}


def test_camden_filter_restricts_the_market(sample_cur):
    result = q.market_shares(sample_cur, {"borough": CAMDEN}, top=1000)
    (direct,) = sample_cur.execute(
        "SELECT count(*) FROM contracts WHERE borough_code = ? AND supplier_name IS NOT NULL", [CAMDEN]
    ).fetchone()
    assert result["totals"]["contracts"] == direct
    assert {r["boroughs"] for r in result["rows"]} == {1}
    assert sum(r["contracts_share"] for r in result["rows"]) == pytest.approx(100)


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_attempts_are_literal_values(cur, value):
    assert q.profile(cur, {"supplier": value}, ("summary",)) == {"summary": []}
    assert q.market_shares(cur, {"service_area": value})["rows"] == []
    assert q.market_totals(cur)["contracts"] == 4  # nothing dropped


def test_a_quote_in_a_real_name_finds_the_supplier(cur):
    (summary,) = q.profile(cur, {"supplier": "O'Brien & Sons Ltd"})["summary"]
    assert (summary["contracts"], summary["boroughs"], summary["systems"]) == (1, 1, 0)


# --------------------------------------------------------------------------- figures, content, export, page


def test_figures_are_valid_plotly(sample_cur):
    folded = q.fold_others(q.market_shares(sample_cur, {}, top=q.CHART_TOP)["rows"], q.CHART_TOP)
    shares = share_bar(folded, "contracts", "contracts", others=q.OTHERS)
    go.Figure(shares)
    assert shares["layout"]["title"]["text"] == "Share of contracts: the 15 largest suppliers and all others"
    assert shares["data"][0]["y"][-1] == q.OTHERS and len(shares["data"][0]["y"]) == 16
    areas = q.concentration(sample_cur)
    bars = hhi_bar(areas, logic.HHI_THRESHOLDS)
    go.Figure(bars)
    assert bars["data"][0]["x"] == sorted(bars["data"][0]["x"], reverse=True)
    go.Figure(share_bar([], "contracts", "contracts", others=q.OTHERS))
    go.Figure(hhi_bar([], logic.HHI_THRESHOLDS))


@pytest.mark.parametrize(
    ("filters", "table_id"),
    [
        ({}, "suppliers-table"),
        ({"rank_by": "value", "borough": CAMDEN}, "suppliers-table"),
        ({"supplier": CIVICA}, "suppliers-contracts-table"),
        ({"supplier": [CIVICA, "Esri UK Limited"]}, "suppliers-contracts-table"),
    ],
)
def test_export_returns_the_rows_shown(sample_cur, filters, table_id):
    assert EXPORTS["suppliers"] is logic.export_table
    tree = as_json(page.content(sample_cur, filters))
    headings, rows = EXPORTS["suppliers"](sample_cur, filters)
    assert_export_is_the_table(tree, table_id, headings, rows)
    if "supplier" not in filters:
        assert sum(r[1] for r in rows) == q.market_totals(sample_cur, logic.query_filters(filters))["contracts"]


def test_content_reports_a_bad_date_instead_of_failing(cur):
    tree = as_json(page.content(cur, {"end_to": "31/12/2027"}))
    assert "end_to" in text(by_id(tree, "suppliers-bad-filter"))


def test_rendered_market_page(sample_db, render_page):
    tree = render_page(create_app(sample_db), "/suppliers", "?rank_by=boroughs")
    titles = [n["props"]["figure"]["layout"]["title"]["text"] for n in walk(tree) if n["type"] == "Graph"]
    assert "Share of boroughs served: the 15 largest suppliers and all others" in titles
    rows = md_rows(by_id(tree, "suppliers-hhi-table"))  # one Markdown table of text, not a component a cell
    assert len(rows) == 30 and all(r[-1].strip() for r in rows)
    supplier_links = [h for h in links(by_id(tree, "suppliers-table")) if h.startswith("/suppliers?")]
    assert parse_qs(urlsplit(supplier_links[0]).query) == {"rank_by": ["boroughs"], "supplier": [CIVICA]}
    rank_links = links(by_id(tree, "suppliers-rank-by"))
    assert [parse_qs(urlsplit(h).query)["rank_by"] for h in rank_links] == [["contracts"], ["boroughs"], ["value"]]


@pytest.mark.parametrize(
    ("search", "table_id"),
    [("?rank_by=value&borough=E09000007", "suppliers-table"), (f"?supplier={CIVICA}", "suppliers-contracts-table")],
)
def test_export_route_returns_the_whole_list_the_screen_shows_the_first_of(sample_db, render_page, search, table_id):
    app = create_app(sample_db)
    tree = render_page(app, "/suppliers", search)
    export_link = by_id(tree, "suppliers-download-csv")["props"]["href"]
    lines = csv_lines(app, export_link)
    assert lines[0] == table_headings(tree, table_id)
    shown = [r[0] for r in table_rows(tree, table_id) if not r[0].startswith(q.OTHERS)]
    assert [line[0] for line in lines[1 : len(shown) + 1]] == shown
    assert len(lines) - 1 >= len(shown)


def test_rendered_profile_links_to_the_contracts_list(sample_db, render_page):
    tree = render_page(create_app(sample_db), "/suppliers", f"?supplier={CIVICA.replace(' ', '+')}&borough={CAMDEN}")
    contracts_links = [h for h in links(tree) if h.startswith("/contracts?")]
    assert contracts_links and all(
        parse_qs(urlsplit(h).query) == {"supplier": [CIVICA], "borough": [CAMDEN]} for h in contracts_links
    )
    assert {h for h in links(tree) if h.startswith("/borough/")} == {f"/borough/{CAMDEN}"}
    assert text(by_id(tree, "supplier-0")) == CIVICA


def test_rendered_profile_of_a_quoted_name_and_an_injection(tiny_db, render_page):
    app = create_app(tiny_db)
    hidden = render_page(app, "/suppliers", "?supplier=O%27Brien+%26+Sons+Ltd")  # its one contract has ended
    assert text(by_id(hidden, "suppliers-ended")).startswith("1 ended contract is left out")
    assert not [h for h in links(hidden) if h.startswith("/contracts?")]
    tree = render_page(app, "/suppliers", "?supplier=O%27Brien+%26+Sons+Ltd&ended=show")
    (link,) = [h for h in links(tree) if h.startswith("/contracts?")]
    assert parse_qs(urlsplit(link).query) == {"supplier": ["O'Brien & Sons Ltd"]}
    assert table_rows(tree, "suppliers-contracts-table")[0][0] == "Barnet"
    tree = render_page(app, "/suppliers", "?supplier=x%27+OR+%271%27%3D%271")
    assert "x' OR '1'='1" in text(by_id(tree, "suppliers-not-found"))


# --------------------------------------------------------------------------- headline, value for money, cross-filter


@pytest.mark.parametrize(
    ("sizes", "holders", "share"),
    [
        ({"A": 6, "B": 2, "C": 2}, 1, 60),  # one supplier holds more than half alone
        ({"A": 3, "B": 3, "C": 2, "D": 2}, 2, 60),  # the two largest are needed
        ({f"S{i:02}": 1 for i in range(12)}, 6, 50),  # equal sizes: exactly half
    ],
)
def test_market_holders_on_hand_made_markets(sizes, holders, share):
    h = q.market_holders(hand_made(market("Housing", sizes)))
    assert (h["holders"], h["share"], h["suppliers"]) == (holders, pytest.approx(share), len(sizes))
    line, note = logic.holders_headline(h)
    assert (
        line
        == f"{holders} supplier{'s' if holders > 1 else ''} hold{'s' if holders == 1 else ''} {share}% of contracts"
    )
    assert ("too few for concentration to mean much" in note) is (len(sizes) <= q.CR_SIZE)


def test_market_holders_of_nothing_is_no_headline():
    h = q.market_holders(hand_made(market("Housing", {"A": 2})), {"supplier": "nobody"})
    assert h["suppliers"] == 0 and logic.holders_headline(h) is None


def test_market_holders_match_a_direct_count(sample_cur):
    """The fewest suppliers holding half: checked against a sort in Python of a direct count."""
    counts = sorted(
        (n for (n,) in sample_cur.execute(
            "SELECT count(*) FROM contracts WHERE borough_code IS NOT NULL AND is_it IS NOT FALSE "
            "AND supplier_name IS NOT NULL GROUP BY supplier_name"
        ).fetchall()),
        reverse=True,
    )  # fmt: skip
    total, held, n = sum(counts), 0, 0
    while 2 * held < total:
        held += counts[n]
        n += 1
    h = q.market_holders(sample_cur, {})
    assert (h["holders"], h["contracts"], h["suppliers"]) == (n, total, len(counts))
    assert h["share"] == pytest.approx(100 * held / total)


def test_value_for_money_per_area_against_vendors():
    con = hand_made(market("Housing", {"A": 2, "B": 1}) + market("Libraries", {"C": 2}))
    con.execute("UPDATE contracts SET value_for_money = 2 WHERE supplier_name = 'A'")
    con.execute("UPDATE contracts SET value_for_money = 5 WHERE supplier_name = 'C'")
    rows = {r["service_area"]: r for r in q.value_for_money(con)}
    assert (rows["Housing"]["vendors"], rows["Housing"]["scores"], rows["Housing"]["score"]) == (2, 2, 2.0)
    assert (rows["Libraries"]["vendors"], rows["Libraries"]["score"]) == (1, 5.0)
    assert "too few" in logic.vfm_summary(list(rows.values()))
    assert [r[0] for r in logic.vfm_table(list(rows.values())).rows] == ["Housing", "Libraries"]


@pytest.mark.parametrize(
    ("xs", "ys", "words"),
    [([1, 2, 3, 4], [1, 2, 3, 4], "more vendors tend to score higher"),
     ([1, 2, 3, 4], [4, 3, 2, 1], "tend to score lower"),
     ([1, 2, 3, 4], [3, 3, 3, 3], "do not vary")],
)  # fmt: skip
def test_vfm_summary_reads_the_correlation(xs, ys, words):
    pairs = enumerate(zip(xs, ys, strict=True))
    rows = [{"service_area": f"a{i}", "vendors": x, "score": y, "scores": 1} for i, (x, y) in pairs]
    assert words in logic.vfm_summary(rows)
    r = logic.correlation(xs, ys)
    assert r is None if words == "do not vary" else abs(r) == pytest.approx(1)


def test_value_for_money_is_for_members_only(sample_db, render_page):
    app = create_app(sample_db)
    public = render_page(app, "/suppliers", member=False)
    assert "signed-in members" in text(by_id(public, "suppliers-vfm-members"))
    assert not any(n["props"].get("id") == "suppliers-vfm-chart" for n in walk(public))
    member = render_page(app, "/suppliers")
    figure = by_id(member, "suppliers-vfm-chart")["props"]["figure"]
    assert figure["data"][0]["x"] and len(figure["data"][0]["x"]) == len(figure["data"][0]["y"])
    assert "Across" in text(by_id(member, "suppliers-vfm-summary"))


def test_headline_card_on_the_rendered_page(sample_db, render_page):
    tree = render_page(create_app(sample_db), "/suppliers")
    assert " of contracts" in text(by_id(tree, "suppliers-headline"))


def test_share_and_hhi_bars_carry_what_a_click_filters_by(sample_cur):
    from dashboard import filters

    folded = q.fold_others(q.market_shares(sample_cur, {}, top=q.CHART_TOP)["rows"], q.CHART_TOP)
    bar = share_bar(folded, "contracts", "contracts", others=q.OTHERS)
    first = {"points": [{"customdata": bar["data"][0]["customdata"][0]}]}
    assert filters.clicked_value(first) == folded[0]["supplier"]
    others = {"points": [{"customdata": bar["data"][0]["customdata"][-1]}]}
    assert filters.clicked_value(others) is None  # "All others" is no one supplier
    hhi = hhi_bar(q.concentration(sample_cur), logic.HHI_THRESHOLDS)
    area = hhi["data"][0]["customdata"][0]
    new = filters.cross_filtered({"points": [{"customdata": area}]}, "?rank_by=value", "/suppliers", "service_area")
    assert parse_qs(new.lstrip("?")) == {"service_area": [hhi["data"][0]["y"][0]], "rank_by": ["value"]}


# --------------------------------------------------------------------------- short: the top ten, every one paged, live


def test_market_lists_the_ten_largest_and_pages_every_supplier(sample_cur):
    tree = as_json(page.content(sample_cur, {}))
    rows = table_rows(tree, "suppliers-table")
    live = logic.query_filters({})
    total = q.market_totals(sample_cur, live)["suppliers"]
    assert len(rows) == q.TABLE_TOP + 1 and rows[-1][0] == f"{q.OTHERS} ({total - q.TABLE_TOP:,} suppliers)"
    (show_all,) = links(by_id(tree, "suppliers-show-all"))
    assert parse_qs(urlsplit(show_all).query) == {"list": ["all"]}
    seen, n = [], 1
    while True:
        st = {"list": "all", **({"page": n} if n > 1 else {})}
        paged = as_json(page.content(sample_cur, st))
        shown = [r[0] for r in table_rows(paged, "suppliers-table")]
        seen += shown
        if n == -(-total // q.PAGE_SIZE):
            break
        pager = by_id(paged, "suppliers-pager")
        assert parse_qs(urlsplit(links(pager)[-2]).query)["page"] == [str(n + 1)]  # Next, then Last
        n += 1
    assert len(seen) == len(set(seen)) == total
    assert not any(name.startswith(q.OTHERS) for name in seen)
    direct = sample_cur.execute(
        "SELECT supplier_name FROM contracts WHERE borough_code IS NOT NULL AND is_it IS NOT FALSE AND supplier_name "
        "IS NOT NULL AND NOT coalesce(greatest(end_date, max_end_date) < current_date, false) GROUP BY 1 "
        "ORDER BY count(*) DESC, 1"
    ).fetchall()
    assert seen == [r[0] for r in direct]  # ranked by contracts, ties by name


def test_market_counts_live_contracts_and_says_how_many_ended_are_hidden(sample_cur):
    (ended,) = sample_cur.execute(
        "SELECT count(*) FROM contracts WHERE borough_code IS NOT NULL AND is_it IS NOT FALSE AND supplier_name "
        "IS NOT NULL AND greatest(end_date, max_end_date) < current_date"
    ).fetchone()
    assert ended > 0
    live, every = q.market_totals(sample_cur, logic.query_filters({})), q.market_totals(sample_cur, {})
    assert every["contracts"] - live["contracts"] == ended
    tree = as_json(page.content(sample_cur, {}))
    assert text(by_id(tree, "suppliers-ended")).startswith(f"{ended} ended contracts are left out")
    shown = as_json(page.content(sample_cur, {"ended": "show"}))
    assert f"hold {every['contracts']} contracts" in text(by_id(shown, "suppliers-summary"))
    assert "Hide them" in text(by_id(shown, "suppliers-ended"))


def test_concentration_table_is_behind_the_chart_and_breakdowns_fold(sample_cur):
    tree = as_json(page.content(sample_cur, {}))
    details = [n for n in walk(tree) if n["type"] == "Details" and any(
        c["props"].get("id") == "suppliers-hhi-table" for c in walk(n))]  # fmt: skip
    assert len(details) == 1  # the full table is the HHI chart's table alternative, folded
    profile = as_json(page.content(sample_cur, {"supplier": CIVICA, "ended": "show"}))
    folds = [n for n in walk(profile) if "folded-table" in (n["props"].get("className") or "")]
    assert folds, "a breakdown of more than eight rows shows eight and folds the rest"
    for fold in folds:
        first, rest = [n for n in walk(fold) if n["type"] == "Markdown"]  # one component each, links and all
        (details,) = [n for n in walk(fold) if n["type"] == "Details"]
        assert [n for n in walk(details) if n["type"] == "Markdown"] == [rest]
        assert first["props"]["children"].count("\n|") == 8 + 1 and rest["props"]["children"].count("\n|") > 2
        assert all(m["props"].get("dangerously_allow_html") is not True for m in (first, rest))
    boroughs = next(f for f in folds if "Boroughs" in text(f))
    assert len(links(boroughs)) == len(md_rows(boroughs)) > 8  # every borough leads to its page, the folded too
