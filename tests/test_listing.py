"""Public system listings: the simple CSV, the UK library catalogue list, and listed systems joining
the survey rows for the same borough, service area and system rather than counting twice."""

from __future__ import annotations

import collections
import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from dashboard.queries import systems as q
from etl.build import build
from etl.extract import read_contract_file
from etl.extract.detect import detect_kind
from etl.extract.listing import (
    CSV_KIND,
    LIBRARY_KIND,
    NOT_LONDON,
    authority,
    catalogue_systems,
    listing_field,
    listing_record,
    read_library_catalogues,
)
from etl.link import LISTING_SCORE, build_contracts, match_score
from etl.normalise.names import known_supplier
from etl.normalise.scope import apply_scope, decide
from etl.records import blank_record, stable_id
from etl.reference import borough_names, known_system, read_table
from etl.schema import RECORD_COLUMNS

FIXTURE = Path(__file__).parent / "fixtures" / "contracts" / "system_listing.csv"
LIBRARIES = Path(__file__).resolve().parents[1].parent / "shared" / "realdata" / "public-listings"
CATALOGUE_LIST = LIBRARIES / "uk-library-catalogues.json"
needs_list = pytest.mark.skipif(
    not CATALOGUE_LIST.is_file(),
    reason=f"the real library catalogue list is not at {CATALOGUE_LIST} (it is never committed to the project)",
)
# the London figures of the list, as its README gives them and counted from the file below
LONDON_TYPES = {"enterprise": 18, "prism3": 5, "spydus": 3, "luci": 3, "arena": 2, "aspen": 2}
TYPE_SYSTEMS = {"enterprise": "SirsiDynix Enterprise", "prism3": "Capita Prism", "spydus": "Spydus",
                "luci": "LUCI", "arena": "Axiell Arena", "aspen": "Aspen Discovery"}  # fmt: skip
D = dt.date


def by_ref(result, ref):
    return next(r for r in result.records if r["source_ref"] == ref)


# --------------------------------------------------------------------------- reference data


def test_every_catalogue_type_is_a_known_library_system_with_a_known_supplier():
    rows = read_table("listing_catalogues.csv")
    assert {r["catalogue_type"]: r["system"] for r in rows} == TYPE_SYSTEMS
    for kind, system in catalogue_systems().items():
        assert known_system(system.name) == known_system(TYPE_SYSTEMS[kind]), kind
        assert system.service_area == "Libraries", kind
        assert known_supplier(system.supplier) == system.supplier, kind
    assert catalogue_systems()["spydus"].name == known_system("Civica Spydus").name == "Spydus"


def test_listing_headers_map_through_the_column_map():
    assert listing_field("ONS code") == "code"
    assert listing_field("GSS Code") == "code"
    assert listing_field("Local authority") == "authority"
    assert listing_field("Service Area") == "service_area"
    assert listing_field("Library management system") == "system"
    assert listing_field("Vendor") == "supplier"
    assert listing_field("Source URL") == "source"
    assert listing_field("As of date") == "as_of"
    assert listing_field("Last checked (dd/mm/yyyy)") == "as_of"
    assert listing_field("Favourite colour") is None


@pytest.mark.parametrize(
    ("code", "name", "expected"),
    [
        ("E09000007", "Camden", ("E09000007", None, None)),
        ("e09000007", "", ("E09000007", None, None)),
        ("E09000020", "Kensington and Chelsea", ("E09000020", None, None)),
        ("E09000020", "RBKC Libraries", ("E09000020", None, None)),  # a name we cannot read: the code decides
        ("", "London Borough of Hackney", ("E09000012", None, None)),
        ("E08000003", "Manchester", (None, NOT_LONDON, None)),
        ("S12000033", "Aberdeen City", (None, NOT_LONDON, None)),
        ("", "Jersey", (None, NOT_LONDON, None)),
        ("", "Reading Borough Council", (None, NOT_LONDON, None)),
        ("E09000019", "Camden", (None, None, "ONS code E09000019 is Islington, but the name says 'Camden'")),
        ("Camden", "", (None, None, "'Camden' is not an ONS code")),
        ("", "", (None, None, "no authority name or ONS code")),
    ],
)
def test_an_authority_is_a_borough_outside_london_or_a_reason(code, name, expected):
    assert authority(code, name) == expected


def test_listed_rows_are_technology_whatever_their_words():
    rec = {**blank_record(), "source": "listing", "title": "Library catalogue", "cpv_codes": ["79000000"]}
    assert decide(rec) == (True, "public listing")
    records = read_contract_file(FIXTURE).records
    for r in records:
        r["is_it"] = r["it_reason"] = None
    apply_scope(records)
    assert {(r["is_it"], r["it_reason"]) for r in records} == {(True, "public listing")}


# --------------------------------------------------------------------------- the simple CSV


def test_a_listing_csv_is_detected_by_content_and_every_row_accounted_for():
    assert detect_kind(FIXTURE) == CSV_KIND
    result = read_contract_file(FIXTURE)
    assert result.kind == CSV_KIND
    assert (result.records_read, len(result.records), result.rejected) == (10, 5, 2)
    assert dict(result.skipped) == {NOT_LONDON: 2, "blank row": 1}
    assert result.balanced
    assert {r["location"]: r["reason"] for r in result.rejects} == {
        "line 6": "no system named",
        "line 7": "ONS code E09000019 is Islington, but the name says 'Camden'",
    }
    for rec in result.records:
        assert set(rec) == set(RECORD_COLUMNS)


def test_other_header_spellings_are_a_listing_and_contract_terms_are_not(tmp_path):
    other = tmp_path / "libraries-checked.csv"
    other.write_text("Local authority,GSS code,Service,Product,Vendor,Source URL,Last checked\n"
                     "Sutton,E09000029,Library,LUCI,Solus,https://libraries.sutton.gov.uk/,2025-06-30\n",
                     encoding="utf-8")  # fmt: skip
    assert detect_kind(other) == CSV_KIND
    (rec,) = read_contract_file(other).records
    assert (rec["borough_code"], rec["service_area"], rec["system_name"], rec["supplier_raw"]) == (
        "E09000029",
        "Libraries",
        "LUCI",
        "Solus",
    )
    assert (rec["source_url"], rec["published_date"]) == ("https://libraries.sutton.gov.uk/", D(2025, 6, 30))
    register = tmp_path / "register.csv"
    register.write_text(
        "Organisation,Contract title,System,Supplier,Value\nCamden,LMS,Spydus,Civica,10\n", encoding="utf-8"
    )
    assert detect_kind(register) == "register_csv"


def test_a_listing_csv_row_becomes_a_listed_system():
    result = read_contract_file(FIXTURE)
    camden = by_ref(result, "system_listing.csv!2")
    assert {k: camden[k] for k in ("source", "borough_code", "buyer_name", "system_name", "system_raw", "manufacturer",
                                   "supplier_raw", "service_area", "stage", "title", "is_it", "it_reason",
                                   "source_url", "published_date", "warnings")} == {
        "source": "listing", "borough_code": "E09000007", "buyer_name": "Camden", "system_name": "Spydus",
        "system_raw": "Civica Spydus", "manufacturer": "Civica", "supplier_raw": "Civica", "service_area": "Libraries",
        "stage": "contract", "title": "Spydus", "is_it": True, "it_reason": "public listing",
        "source_url": "https://camden.spydus.co.uk/", "published_date": D(2025, 3, 1), "warnings": [],
    }  # fmt: skip
    assert camden["record_id"] == stable_id("listing", "E09000007", "libraries", "spydus")
    hackney = by_ref(result, "system_listing.csv!3")
    assert (hackney["borough_code"], hackney["system_name"], hackney["service_area"]) == (
        "E09000012",
        "Academy Revenues and Benefits",
        "Revenues and Benefits",
    )
    assert (hackney["source_url"], hackney["description"]) == (None, "Source: Hackney's council tax pages")


def test_a_catalogue_type_an_unknown_system_and_an_unknown_area_in_a_listing_csv():
    result = read_contract_file(FIXTURE)
    lambeth = by_ref(result, "system_listing.csv!8")  # "prism3", no area, no supplier, an unreadable date
    assert (lambeth["system_name"], lambeth["service_area"], lambeth["supplier_raw"]) == (
        "Capita Prism",
        "Libraries",
        "Capita Business Services Limited",
    )
    assert lambeth["published_date"] is None
    assert lambeth["warnings"] == ["as-of date: 'sometime' is not a valid date (unrecognised format)"]
    barnet = by_ref(result, "system_listing.csv!9")  # a system not in systems.csv keeps its spelling
    assert (barnet["system_name"], barnet["manufacturer"], barnet["service_area"], barnet["published_date"]) == (
        "MiPermit",
        None,
        "Parking",
        D(2025, 1, 1),
    )
    westminster = by_ref(result, "system_listing.csv!11")
    assert (westminster["service_area"], westminster["service_area_raw"]) == (None, "Museums")
    assert westminster["warnings"] == ["service area: 'Museums' is not in the service-area list"]


# --------------------------------------------------------------------------- the library catalogue list


def write_list(path: Path, services: list, pretty: bool = True) -> Path:
    path.write_text(json.dumps({"LibraryServices": services}, indent=2 if pretty else None), encoding="utf-8")
    return path


SMALL_LIST = [
    {"Name": "Camden", "Code": "E09000007", "Type": "spydus", "Url": "https://camden.spydus.co.uk/"},
    {"Name": "Aberdeen City", "Code": "S12000033", "Type": "spydus", "Url": "https://aberdeencity.spydus.co.uk/"},
    {"Name": "Guernsey", "Code": "", "Type": "arena", "Url": "https://www.catalogue.library.gg/"},
    {"Name": "Barnet", "Code": "E09000003", "Type": "koha", "Url": "https://example.org/barnet"},
    {"Name": "Brent", "Code": "E09000005", "Url": "https://example.org/brent"},
    "Sutton",
    {"Name": "Merton", "Code": "E09000024", "Type": "LUCI", "Url": "javascript:alert(1)"},
]


def test_the_library_list_is_detected_pretty_or_on_one_line(tmp_path):
    for pretty in (True, False):
        path = write_list(tmp_path / f"list-{pretty}.json", SMALL_LIST, pretty)
        assert detect_kind(path) == LIBRARY_KIND
        assert read_contract_file(path).kind == LIBRARY_KIND
    (tmp_path / "other.json").write_text('{"Libraries": []}', encoding="utf-8")
    assert detect_kind(tmp_path / "other.json") is None


def test_every_library_service_is_loaded_rejected_or_skipped(tmp_path):
    result = read_library_catalogues(write_list(tmp_path / "libraries.json", SMALL_LIST))
    assert (result.records_read, len(result.records), result.rejected) == (7, 2, 3)
    assert dict(result.skipped) == {NOT_LONDON: 2}
    assert result.balanced
    assert {r["location"]: r["reason"] for r in result.rejects} == {
        "LibraryServices[3] (Barnet)": "catalogue type 'koha' is not in listing_catalogues.csv"
        " (add a line: koha,<system>,<supplier>)",
        "LibraryServices[4] (Brent)": "no catalogue type",
        "LibraryServices[5]": "a library service must be a JSON object",
    }
    camden, merton = result.records
    assert (camden["system_name"], camden["supplier_raw"], camden["service_area"], camden["source_url"]) == (
        "Spydus",
        "Civica UK Limited",
        "Libraries",
        "https://camden.spydus.co.uk/",
    )
    assert (camden["source_ref"], camden["system_raw"], camden["published_date"]) == (
        "libraries.json#E09000007",
        "spydus",
        None,
    )
    assert (merton["system_name"], merton["supplier_raw"], merton["source_url"]) == ("LUCI", "Solus UK Limited", None)


def test_one_fact_in_two_listings_loads_once(tmp_path):
    """The CSV fixture and a list both say Camden runs Spydus: one record, merged in the list's file
    (the CSV row has a date, the list none, so the CSV's is the one kept)."""
    listed = write_list(tmp_path / "libraries.json", SMALL_LIST[:1])
    db = tmp_path / "two.duckdb"
    result = build(db, contracts=[listed, FIXTURE])
    figures = {f.file: (f.records_read, f.loaded, f.merged) for f in result.files}
    assert figures == {"libraries.json": (1, 0, 1), "system_listing.csv": (10, 5, 0)}
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT source_ref, published_date FROM contract_records WHERE borough_code = 'E09000007'")
        assert rows.fetchall() == [("system_listing.csv!2", D(2025, 3, 1))]


# --------------------------------------------------------------------------- linking


def survey(record_id, system, area, borough="E09000007", **values):
    r = blank_record()
    r.update(record_id=record_id, source="survey", source_ref=record_id, stage="contract", borough_code=borough,
             system_name=system, service_area=area, supplier_name="Civica UK Limited", supplier_key="civica uk",
             title=f"{system} (survey)", end_date=D(2028, 3, 31), confidence=4)  # fmt: skip
    r.update(values)
    return r


def listed(borough, system, area="Libraries", supplier="Civica UK Limited"):
    rec = listing_record(
        borough,
        "",
        {"known": known_system(system), "system": system, "system_raw": system, "area": area,
         "url": f"https://example.org/{borough}"},
        f"list.json#{borough}",
        "list.json",
    )  # fmt: skip
    rec.update(supplier_name=supplier, supplier_key=supplier.lower())
    return rec


def test_a_listed_system_joins_the_survey_row_for_the_same_borough_area_and_system():
    s, lst = survey("s1", "Spydus", "Libraries"), listed("E09000007", "Spydus", supplier="Civica")
    (contract,) = build_contracts([lst, s])
    assert contract["record_ids"] == ["s1", lst["record_id"]]
    assert contract["sources"] == ["listing", "survey"]
    assert contract["contract_id"] == "cs1"  # the survey row's contract keeps its id
    # the borough's return says everything it says; the listing adds its link
    assert (contract["title"], contract["supplier_name"], contract["end_date"]) == (
        "Spydus (survey)",
        "Civica UK Limited",
        D(2028, 3, 31),
    )
    assert contract["source_url"] == "https://example.org/E09000007"
    assert contract["provenance"]["source_url"] == lst["record_id"]
    assert contract["provenance"]["supplier_name"] == "s1"
    assert (contract["match_score"], contract["disagreements"]) == (1.0, None)


def test_a_listed_system_stays_apart_from_another_system_borough_or_area():
    other_system = [survey("s1", "SirsiDynix Symphony", "Libraries"), listed("E09000007", "Spydus")]
    other_borough = [survey("s1", "Spydus", "Libraries", borough="E09000019"), listed("E09000007", "Spydus")]
    other_area = [survey("s1", "Spydus", "Leisure and Culture"), listed("E09000007", "Spydus")]
    for records in (other_system, other_borough, other_area):
        contracts = build_contracts(records)
        assert sorted(c["sources"] for c in contracts) == [["listing"], ["survey"]]


def test_a_listed_system_joins_a_survey_row_already_linked_to_its_notice_and_one_survey_row_only():
    notice = survey("n1", None, "Libraries", source="contracts_finder", source_ref="ocds-b5fd17-9",
                    title="Library management system", start_date=D(2023, 4, 1),
                    source_url="https://example.org/notice")  # fmt: skip
    first = survey("s1", "Spydus", "Libraries", start_date=D(2023, 4, 1))
    second = survey("s2", "Spydus", "Libraries", start_date=D(2023, 4, 1), end_date=None)
    lst = listed("E09000007", "Spydus")
    contracts = {tuple(c["record_ids"]): c for c in build_contracts([notice, first, second, lst])}
    assert set(contracts) == {("s1", "n1", lst["record_id"]), ("s2",)}
    joined = contracts[("s1", "n1", lst["record_id"])]
    assert joined["sources"] == ["contracts_finder", "listing", "survey"]
    assert joined["source_url"] == "https://example.org/notice"  # a notice's link before a listing's
    # the survey-notice link's score, not the listing's
    assert joined["match_score"] == match_score(first, notice) < LISTING_SCORE


def test_a_listing_never_joins_a_notice_alone():
    notice = survey("n1", None, "Libraries", source="contracts_finder", source_ref="ocds-b5fd17-9",
                    title="Spydus library management system")  # fmt: skip
    contracts = build_contracts([notice, listed("E09000007", "Spydus")])
    assert sorted(c["sources"] for c in contracts) == [["contracts_finder"], ["listing"]]


# --------------------------------------------------------------------------- the real list


@needs_list
def test_the_real_list_holds_the_london_figures_read_from_it():
    services = json.loads(CATALOGUE_LIST.read_text(encoding="utf-8"))["LibraryServices"]
    london = [s for s in services if s.get("Code") in borough_names()]
    assert (len(services), len(london), len({s["Code"] for s in london})) == (209, 33, 33)
    assert dict(collections.Counter(s["Type"] for s in london)) == LONDON_TYPES


@needs_list
def test_the_real_list_loads_every_london_service_and_skips_the_rest():
    result = read_contract_file(CATALOGUE_LIST)
    assert result.kind == LIBRARY_KIND
    assert (result.records_read, len(result.records), result.rejected) == (209, 33, 0)
    assert dict(result.skipped) == {NOT_LONDON: 176}
    assert {r["borough_code"] for r in result.records} == set(borough_names())
    systems = collections.Counter(r["system_name"] for r in result.records)
    assert systems == {TYPE_SYSTEMS[kind]: n for kind, n in LONDON_TYPES.items()}
    assert all(r["source_url"].startswith(("https://", "http://")) for r in result.records)


@pytest.fixture(scope="module")
def listed_build(tmp_path_factory, sample_inputs):
    """The sample (surveys and open data) with the real library list: (database, build result)."""
    db = tmp_path_factory.mktemp("listing") / "listed.duckdb"
    return db, build(db, surveys=[sample_inputs.surveys], contracts=[sample_inputs.contracts, CATALOGUE_LIST])


def library_ranking(db: Path, **filters) -> dict[str, tuple[int, int]]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = q.ranking(con.cursor(), {"service_area": "Libraries", **filters})["rows"]
    return {r["system"]: (r["boroughs"], r["contracts"]) for r in rows}


@needs_list
def test_the_systems_view_counts_each_catalogue_type_once_per_borough(listed_build):
    """The issue's must-show. Public records (``source=open_data``: any record not a survey) give the
    list's figures exactly, one contract per borough: Camden's survey row for Spydus joined its listing."""
    db, _ = listed_build
    public = library_ranking(db, source="open_data")
    assert public == {TYPE_SYSTEMS[kind]: (n, n) for kind, n in LONDON_TYPES.items()}
    # every library system in view: the sample's (synthetic) survey rows add their own boroughs, and the
    # one that names the listed system (Camden, Spydus) is one contract, not two
    assert library_ranking(db) == {**public, "Spydus": (13, 13), "SirsiDynix Symphony": (9, 9)}
    assert library_ranking(db, source="survey") == {"Spydus": (11, 11), "SirsiDynix Symphony": (9, 9)}
    with duckdb.connect(str(db), read_only=True) as con:
        cur = con.cursor()
        assert q.boroughs_in_data(cur, {"service_area": "Libraries"}) == 33
        spydus = q.system_contracts(cur, {"system": "Spydus", "source": "open_data"})["rows"]
        assert sorted(r["borough_code"] for r in spydus) == ["E09000007", "E09000027", "E09000028"]


@needs_list
def test_a_joined_contract_shows_both_records_and_the_listing_as_its_source(listed_build):
    db, result = listed_build
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT borough_code, system_name, sources, len(record_ids), source_url, is_it, it_reason FROM contracts"
            " WHERE list_contains(sources, 'listing') AND list_contains(sources, 'survey')"
        ).fetchall()
        assert rows == [("E09000007", "Spydus", ["listing", "survey"], 2, "https://camden.spydus.co.uk/", True,
                         "survey row")]  # fmt: skip
        listed_only = con.execute(
            "SELECT count(*), count(DISTINCT borough_code), bool_and(is_it), min(it_reason), max(it_reason)"
            " FROM contracts WHERE sources = ['listing']"
        ).fetchone()
        assert listed_only == (32, 32, True, "public listing", "public listing")
        (counts,) = con.execute("SELECT counts FROM load_runs").fetchone()
    assert json.loads(counts)["linked_survey_to_listing"] == 1
    report = next(f for f in result.files if f.file == CATALOGUE_LIST.name)
    assert (report.source, report.records_read, report.loaded, report.skipped, report.out_of_scope) == (
        LIBRARY_KIND,
        209,
        33,
        176,
        0,
    )
    assert report.skipped_reasons == {NOT_LONDON: 176} and report.balanced
