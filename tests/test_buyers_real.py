"""Buyer -> borough resolution on the real Contracts Finder files in ../shared/realdata.

The expected mapping below was written by reading every distinct buyer name in the two CSV
exports and the 100 OCDS packages. A wrong borough is worse than none, so the test pins the
exact set of names that get a code: a new match must be added here on purpose.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from etl.extract import read_contract_file

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
CSV_DIR = REALDATA / "contracts-finder-csv"
OCDS_DIR = REALDATA / "contracts-finder-ocds"

pytestmark = pytest.mark.skipif(
    not (CSV_DIR.is_dir() and OCDS_DIR.is_dir()),
    reason=f"real Contracts Finder data not found at {REALDATA} (it is never committed to the project)",
)

EXPECTED = {
    "City of London Corporation": "E09000001",
    "London Borough of Barnet Council": "E09000003",
    "London Borough Of Bexley": "E09000004",
    "London Borough Of Bromley": "E09000006",
    "London Borough of Camden": "E09000007",
    "London Borough Of Camden Council": "E09000007",
    "Croydon Council": "E09000008",
    "London Borough of Ealing": "E09000009",
    "Royal Borough of Greenwich": "E09000011",
    "London Borough of Hackney": "E09000012",
    "London Borough of Hammersmith & Fulham": "E09000013",
    "London Borough of Hillingdon": "E09000017",
    "ISLINGTON COUNCIL": "E09000019",
    "Islington": "E09000019",
    "The Royal Borough of Kingston upon Thames": "E09000021",
    "London Borough of Lambeth": "E09000022",
    "London Borough of Merton": "E09000024",
    "London Borough of Redbridge": "E09000026",
    "London Borough of Sutton": "E09000029",
    "Tower Hamlets": "E09000030",
    "London Borough of Waltham Forest": "E09000031",
    "Haringey Council - Traffic Management": "E09000014",  # the council's own department
}

# London bodies in the data that are not borough councils (nor the City of London)
NOT_BOROUGHS = [
    "TRANSPORT FOR LONDON",
    "Lewisham Homes",
    "Barnet Homes Ltd",
    "Homes for Haringey Limited",
    "London Fire Brigade",
    "London Fire Brigade : London Fire Brigade",
    "London Fire Commissioner",
    "Museum of London",
    "City of Westminster College",
    "BFI",
    "Mayors Office for Policing and Crime (MOPAC)",
    "capitalEsourcing",
    "E20 Stadium LLP",
    "BIRKBECK COLLEGE",
    "London Universities Purchasing Consortium",
    "LONDON & QUADRANT HOUSING TRUST LIMITED",
    "Erith School",
    "Forest Hill School, Sydenham School, Bonus Pastor Catholic College, Conisborough College",
    "Waldegrave School, Twickenham Academy, Hampton Academy and St Richard Reynolds Catholic College",
    "Guy's & St Thomas' NHS Foundation Trust",
    "NHS London Procurement Partnership as hosted by Guy's and St Thomas' NHS Foundation Trust",
]


@cache
def results():
    paths = sorted(CSV_DIR.glob("*.csv")) + sorted(OCDS_DIR.glob("*.json"))
    return tuple(read_contract_file(p) for p in paths)


def records():
    return [rec for r in results() for rec in r.records]


def buyer_codes() -> dict[str, set]:
    codes: dict[str, set] = {}
    for rec in records():
        codes.setdefault(rec["buyer_name"], set()).add(rec["borough_code"])
    return codes


def test_every_file_reads_and_balances():
    kinds = Counter(r.kind for r in results())
    assert kinds == {"cf_csv": 2, "ocds_release_package": 100}
    for r in results():
        assert r.balanced, r.path.name
        assert r.rejects == [], r.path.name
    loaded = Counter()
    for r in results():
        loaded[r.kind] += len(r.records)
    assert loaded == {"cf_csv": 1380, "ocds_release_package": 100}


def test_the_exports_overlap_by_379_notices():
    a, b = (r for r in results() if r.kind == "cf_csv")
    ids_a = {rec["source_ref"] for rec in a.records}
    ids_b = {rec["source_ref"] for rec in b.records}
    assert (len(ids_a), len(ids_b)) == (1000, 380)
    assert len(ids_a & ids_b) == 379
    # the same notice gets the same record_id in both files, so the build can drop the repeat
    ids = {rec["source_ref"]: rec["record_id"] for rec in a.records}
    assert all(ids[rec["source_ref"]] == rec["record_id"] for rec in b.records if rec["source_ref"] in ids)


def test_exact_borough_mapping():
    codes = buyer_codes()
    assert all(len(c) == 1 for c in codes.values()), "one spelling, one answer"
    got = {name: c.pop() for name, c in codes.items()}
    assert {n: c for n, c in got.items() if c} == EXPECTED


def test_non_borough_london_bodies_get_no_code():
    codes = buyer_codes()
    for name in NOT_BOROUGHS:
        assert name in codes, f"{name!r} no longer in the data: update the list"
        assert codes[name] == {None}, name
    for name, c in codes.items():
        if any(word in (name or "").upper() for word in ("NHS", "UNIVERSITY", "COLLEGE", "HOMES", "POLICE")):
            assert c == {None}, name


def test_ocds_names_are_unescaped():
    assert not [rec["buyer_name"] for rec in records() if "&amp;" in (rec["buyer_name"] or "")]
    assert not [rec["supplier_raw"] for rec in records() if "&amp;" in (rec["supplier_raw"] or "")]
