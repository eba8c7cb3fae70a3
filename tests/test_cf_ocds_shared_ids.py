"""Every supplier of the real 2020 Contracts Finder award releases whose suppliers all have "id": 0.

In ../shared/realdata/contracts-finder-ocds-2020-shared-ids every supplier of an award has
``"id": 0``; merging arrays by id would keep one supplier per award, and not the first named.
Here every file's award must keep every supplier, in the order named, the first as the
record's supplier, with no ocdsmerge collapse warning left. A framework names a supplier once
per lot it won: such a supplier is one supplier of the contract, kept once, and the record's
warning says how many entries named how many suppliers.
"""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path

import duckdb
import pytest

from etl.extract.ocds import read_ocds

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
SHARED_IDS = REALDATA / "contracts-finder-ocds-2020-shared-ids"
CF_OCDS = REALDATA / "contracts-finder-ocds"

pytestmark = pytest.mark.skipif(
    not SHARED_IDS.is_dir(), reason=f"real Contracts Finder files not found at {SHARED_IDS} (never committed)"
)


def _file_suppliers(path: Path) -> list[tuple[str, list[str]]]:
    """(award id, supplier names as listed) per award, straight from the file's JSON."""
    (release,) = json.loads(path.read_text())["releases"]
    return [(a["id"], [s["name"] for s in a["suppliers"]]) for a in release["awards"]]


def _distinct(names: list[str]) -> list[str]:
    """Names as the file lists them, a repeat (same name, any case or spacing) dropped."""
    seen, kept = set(), []
    for name in names:
        key = " ".join(html.unescape(name).casefold().split())
        if key not in seen:
            seen.add(key)
            kept.append(" ".join(html.unescape(name).split()))
    return kept


@cache
def read_all() -> dict[str, object]:
    return {p.name: read_ocds(p) for p in sorted(SHARED_IDS.glob("*.json"))}


def test_fifty_files_each_one_record():
    results = read_all()
    assert len(results) == 50
    assert all((r.records_read, len(r.records), r.rejected, sum(r.skipped.values())) == (1, 1, 0, 0)
               for r in results.values())  # fmt: skip


@pytest.mark.parametrize("name", sorted(p.name for p in SHARED_IDS.glob("*.json")))
def test_every_supplier_kept_first_named_first(name):
    (rec,) = read_all()[name].records
    [(award_id, listed)] = _file_suppliers(SHARED_IDS / name)
    distinct = _distinct(listed)
    assert [s["name"] for s in rec["suppliers"]] == distinct
    assert {s["award_id"] for s in rec["suppliers"]} == {award_id}
    assert rec["supplier_raw"] == distinct[0]
    assert not [w for w in rec["warnings"] if "Multiple objects" in w or "share the id" in w]
    if len(listed) > len(distinct):
        assert f"{len(listed)} supplier entries name {len(distinct)} suppliers; each is kept once" in rec["warnings"]


def test_supplier_counts_over_the_fifty_files():
    entries = sum(len(names) for p in SHARED_IDS.glob("*.json") for _, names in _file_suppliers(p))
    kept = sum(len(rec["suppliers"]) for r in read_all().values() for rec in r.records)
    # 749 supplier entries in the 50 awards; 7 frameworks name some suppliers once per lot
    assert (entries, kept) == (749, 582)


def test_croydon_and_islington_frameworks_by_hand():
    # ef4e2c21-...json releases[0].awards[0].suppliers[*].name, in file order
    (croydon,) = read_all()["ef4e2c21-d8b5-47bc-9643-ccdb7588335b.json"].records
    assert (croydon["buyer_name"], croydon["borough_code"]) == ("Croydon Council", "E09000008")
    assert [s["name"] for s in croydon["suppliers"]] == [
        "Asian Resource Centre of Croydon Ltd",
        "Croydon Neighbourhood Care",
        "Croydon Voluntary Action",
        "Croydon BME Forum",
    ]
    # fbb30542-...json releases[0].awards[0].suppliers[*].name
    (islington,) = read_all()["fbb30542-55dc-4a84-b862-d2cc90545c3f.json"].records
    assert (islington["buyer_name"], islington["borough_code"]) == ("Islington Council", "E09000019")
    assert [s["name"] for s in islington["suppliers"]] == [
        "Greyline Builders Ltd",
        "JOS Property Services Ltd",
        "MNM Property Services Ltd",
        "Richwell Construction Ltd",
        "RAAM Construction Ltd",
    ]
    # 00d3e89a-...json: 33 entries, SWALE HEATING LIMITED first (and again at 8 and 19)
    (consortium,) = read_all()["00d3e89a-4d99-469d-8c9d-3cf625ee3525.json"].records
    assert consortium["supplier_raw"] == "SWALE HEATING LIMITED"
    assert [s["name"] for s in consortium["suppliers"][:3]] == [
        "SWALE HEATING LIMITED",
        "K&T Heating Services Ltd",
        "BSW Heating Ltd",
    ]
    assert len(consortium["suppliers"]) == 20


@pytest.fixture(scope="module")
def both_folders_built(tmp_path_factory):
    """The 100 Contracts Finder packages and these 50, built together."""
    from etl.build import build

    db = tmp_path_factory.mktemp("shared-ids") / "both.duckdb"
    result = build(db, contracts=[CF_OCDS, SHARED_IDS])
    return db, result


@pytest.mark.skipif(not CF_OCDS.is_dir(), reason=f"{CF_OCDS} not found")
def test_republished_prefix_is_the_same_notice(both_folders_built):
    """Five notices are in both folders: as ocds-b5fd17raw-<uuid> there, ocds-b5fd17-<uuid> here."""
    db, result = both_folders_built
    merged = sorted(f.file for f in result.files if f.merged)
    assert merged == [
        "ocds-b5fd17raw-3496f93f-4bd1-4f3c-b2ae-3eef1d385525.json",
        "ocds-b5fd17raw-5342c08b-e435-43e4-9bbb-479b61a61122.json",
        "ocds-b5fd17raw-61c38955-77fb-4a29-b3af-8465bd1107de.json",
        "ocds-b5fd17raw-7e84a00d-78a5-4921-a779-9a1deb2153a8.json",
        "ocds-b5fd17raw-f1e0c61f-4f04-4b29-b36c-993d56bdc184.json",
    ]
    assert all(f.balanced for f in result.files)
    with duckdb.connect(str(db), read_only=True) as con:
        refs = con.execute("SELECT count(*), count(DISTINCT source_ref) FROM contract_records").fetchone()
        raw = con.execute("SELECT count(*) FROM contract_records WHERE source_ref LIKE 'ocds-b5fd17raw-%'").fetchone()
    assert refs == (145, 145) and raw == (0,)


@pytest.mark.skipif(not CF_OCDS.is_dir(), reason=f"{CF_OCDS} not found")
def test_contract_suppliers_hold_every_supplier(both_folders_built):
    db, _ = both_folders_built
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT c.supplier_count, count(s.position), min(s.position), max(s.position)"
            " FROM contracts c JOIN contract_records r ON r.record_id = c.record_ids[1]"
            " LEFT JOIN contract_suppliers s USING (contract_id)"
            " WHERE r.source_ref = 'ocds-b5fd17-02a92a12-d88b-42cb-b657-db78d630bef0' GROUP BY ALL"
        ).fetchall()
    assert rows == [(20, 20, 1, 20)]
