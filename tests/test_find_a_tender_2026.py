"""Every release of the real Find a Tender files in ../shared/realdata/find-a-tender-2026, read.

The expected values were read by hand from the files (the JSON path is named beside each), not
computed by the code under test: notice type, stage, start, end, latest end, value (and whether
only a gross amount was given), supplier(s), buyer and the law.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import pytest

from etl.extract.ocds import read_ocds

FTS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "realdata" / "find-a-tender-2026"

pytestmark = pytest.mark.skipif(
    not FTS_DIR.is_dir(), reason=f"real Find a Tender files not found at {FTS_DIR} (they are never committed)"
)

D = dt.date
COLUMNS = ("notice_type", "stage", "start_date", "end_date", "max_end_date", "total_value", "value_gross", "suppliers")

# ocid -> expected record, each value read from the release named in the comment
EXPECTED = {
    # 2026-09-03-p001.json releases[0] (083674-2026): contracts[0].documents[0].noticeType "UK10";
    # contracts[0].period startDate/endDate "2026-08-21T00:00:00+01:00"/"2026-08-21T23:59:59+01:00",
    # maxExtentDate "2026-12-31T23:59:59Z"; contracts[0].value amount 35000 (amountGross 42000);
    # no awards, no supplier party
    "ocds-h6vhtk-065444": ("UK10", "contract", D(2026, 8, 21), D(2026, 8, 21), D(2026, 12, 31), 35000, False, None),
    # p001 releases[1] (083664-2026): planning.documents[0].noticeType "UK1"; tender.lots[0].contractPeriod
    # "2027-01-10T00:00:00Z" / "2029-01-09T23:59:59Z" / maxExtentDate "2030-01-09T23:59:59Z";
    # tender.value amount 2500000 (amountGross 3000000)
    "ocds-h6vhtk-06f1b4": ("UK1", "planning", D(2027, 1, 10), D(2029, 1, 9), D(2030, 1, 9), 2500000, False, None),
    # p001 releases[2] (083655-2026): planning.documents[0].noticeType "UK2"; tender.lots[0].contractPeriod
    # "2027-01-02T00:00:00+00:00" / "2029-01-01T23:59:59+00:00" / "2030-01-01T23:59:59+00:00";
    # tender.value amount 360000
    "ocds-h6vhtk-06f1ad": ("UK2", "planning", D(2027, 1, 2), D(2029, 1, 1), D(2030, 1, 1), 360000, False, None),
    # p001 releases[3] (083608-2026): contracts[0].documents[0].noticeType "UK7"; contracts[0].period
    # "2026-09-04T00:00:00Z" / "2026-09-20T23:59:59Z" (20 September, not 21), no maxExtentDate;
    # contracts[0].value amount 0.01 (a placeholder: unknown); awards[0].suppliers[0] "star cab daventry
    # limited", id "GB-FTS-185095", its party has no identifier
    "ocds-h6vhtk-06f19e": ("UK7", "contract", D(2026, 9, 4), D(2026, 9, 20), D(2026, 9, 20), None, None,
                           [("star cab daventry limited", "GB-FTS-185095", None)]),
    # p001 releases[4] (083662-2026): tender.documents[0].noticeType "UK4"; tender.lots[0].contractPeriod
    # "2026-11-02T00:00:00+00:00" / "2027-03-31T23:59:59+01:00"; tender.value amount 15000.0
    "ocds-h6vhtk-06f1b2": ("UK4", "tender", D(2026, 11, 2), D(2027, 3, 31), D(2027, 3, 31), 15000, False, None),
    # 2026-09-03-p002.json releases[0] (083257-2026): no noticeType (2015 regulations: tender.legalBasis
    # CELEX 32014L0024); awards[0].status "active"; no period anywhere (contracts[0] has only value and
    # dateSigned); contracts[0].value amount 109801.97; awards[0].suppliers[0] "KYOCERA DOCUMENT SOLUTIONS
    # (U.K.) LIMITED", party identifier scheme GB-COH id "02150688"
    "ocds-h6vhtk-06f0ca": ("None", "contract", None, None, None, 109801.97, False,
                           [("KYOCERA DOCUMENT SOLUTIONS (U.K.) LIMITED", "GB-COH-02150688", "02150688")]),
    # p002 releases[1] (083256-2026): tender.documents[0].noticeType "UK12"; tender.status "withdrawn";
    # awards[0].status "cancelled"; no period, no value
    "ocds-h6vhtk-05f9f4": ("UK12", "cancelled", None, None, None, None, None, None),
    # p002 releases[2] (083253-2026): awards[0].documents[0].noticeType "UK5"; awards[0].status "pending";
    # awards[0].contractPeriod "2026-09-15T00:00:00+01:00" / "2027-09-30T23:59:59+01:00";
    # awards[0].value amount 47795.0 (amountGross 57354.0); awards[0].suppliers[0] "RELIANCE HIGH TECH LTD",
    # party identifier GB-COH "02025063"
    "ocds-h6vhtk-06f0c7": ("UK5", "award", D(2026, 9, 15), D(2027, 9, 30), D(2027, 9, 30), 47795, False,
                           [("RELIANCE HIGH TECH LTD", "GB-COH-02025063", "02025063")]),
    # 2021-002109-pcr2015.json releases[0] (002109-2021): no noticeType; tender.status "active";
    # tender.lots[0].contractPeriod has only endDate "2026-11-30T23:59:59Z"; tender.value amount 5000000.0
    "ocds-h6vhtk-028f93": ("None", "tender", None, D(2026, 11, 30), D(2026, 11, 30), 5000000, False, None),
}  # fmt: skip

# ocid -> (tender.legalBasis read as a law, buyer name, buyer identifier, where the dates came from)
PARTIES = {
    # tender.legalBasis {"id": "2023/54", "scheme": "UKPGA"}; parties[0].identifier GB-PPON "PPCX-7855-VXBT"
    "ocds-h6vhtk-065444": ("Procurement Act 2023", "The Water Services Regulation Authority",
                           "GB-PPON-PPCX-7855-VXBT", "contracts[0].period"),
    "ocds-h6vhtk-06f1b4": ("Procurement Act 2023", "Government Property Agency", "GB-PPON-PGHR-3329-MDGL",
                           "tender.lots"),
    "ocds-h6vhtk-06f1ad": ("Procurement Act 2023", "Leeds City Council", "GB-PPON-PJYG-6658-PPMY", "tender.lots"),
    "ocds-h6vhtk-06f19e": ("Procurement Act 2023", "West Northamptonshire Council", "GB-PPON-PGDV-8944-CMBP",
                           "contracts[0].period"),
    "ocds-h6vhtk-06f1b2": ("Procurement Act 2023", "Arts Council England", "GB-PPON-PBGY-4385-GQGP", "tender.lots"),
    # tender.legalBasis CELEX 32014L0024 (the directive the 2015 regulations implement); the buyer's
    # identifier has no id ("noIdentifierRationale"), so its party id GB-FTS-141340 is the one it has
    "ocds-h6vhtk-06f0ca": ("Public Contracts Regulations 2015", "The Police and Crime Commissioner for Surrey",
                           "GB-FTS-141340", None),
    # no buyer object: the party in the buyer role
    "ocds-h6vhtk-05f9f4": ("Procurement Act 2023", "Solihull Metropolitan Borough Council",
                           "GB-PPON-PGWC-7578-LYDG", None),
    # a buyer at 102 Petty France, London SW1H: not a borough
    "ocds-h6vhtk-06f0c7": ("Procurement Act 2023", "Gov Facility Services Ltd", "GB-PPON-PMLQ-6732-ZLVW",
                           "awards[0].contractPeriod"),
    # Broadcasting House, London W1A: not a borough
    "ocds-h6vhtk-028f93": ("Public Contracts Regulations 2015", "The British Broadcasting Corporation (BBC)",
                           "GB-FTS-3323", "tender.lots"),
}  # fmt: skip


@cache
def results():
    return {p.name: read_ocds(p) for p in sorted(FTS_DIR.glob("*.json"))}


def records() -> dict[str, dict]:
    return {rec["source_ref"]: rec for r in results().values() for rec in r.records}


def test_every_release_is_read_and_loaded():
    counts = {name: (r.records_read, len(r.records), r.rejected, dict(r.skipped)) for name, r in results().items()}
    assert counts == {
        "2021-002109-pcr2015.json": (1, 1, 0, {}),
        "2026-09-03-p001.json": (5, 5, 0, {}),
        "2026-09-03-p002.json": (3, 3, 0, {}),  # the procurement termination (UK12) is loaded, as cancelled
    }
    assert sorted(records()) == sorted(EXPECTED)


@pytest.mark.parametrize("ocid", sorted(EXPECTED))
def test_notice_dates_value_and_suppliers(ocid):
    rec = records()[ocid]
    suppliers = [(s["name"], s["id"], s["company_number"]) for s in rec["suppliers"]] if rec["suppliers"] else None
    got = (str(rec["notice_type"]), *(rec[c] for c in COLUMNS[1:-1]), suppliers)
    assert got == EXPECTED[ocid]
    assert rec["supplier_raw"] == (suppliers[0][0] if suppliers else None)


@pytest.mark.parametrize("ocid", sorted(PARTIES))
def test_law_buyer_and_where_the_dates_came_from(ocid):
    rec = records()[ocid]
    assert (rec["legal_basis"], rec["buyer_name"], rec["buyer_id"], rec["dates_from"]) == PARTIES[ocid]
    assert rec["borough_code"] is None  # none of these buyers is a London borough, London address or not


def test_the_placeholder_value_is_unknown_with_a_warning():
    rec = records()["ocds-h6vhtk-06f19e"]
    assert rec["total_value"] is None and rec["annual_value"] is None
    assert "contract value 0.01 GBP is a placeholder; taken as unknown" in rec["warnings"]


def test_the_contract_change_is_the_contract_history():
    # p001 releases[0]: contracts[0].amendments[0] {"date": "2026-08-21T00:00:00+01:00", "id": "083674-2026"}
    rec = records()["ocds-h6vhtk-065444"]
    assert rec["history"] == [
        {
            "date": "2026-08-21",
            "notice_type": "UK10",
            "what": "contract change",
            "notice_id": "083674-2026",
            "contract_id": "1",
            "end_date": "2026-08-21",
            "max_end_date": "2026-12-31",
            "total_value": 35000.0,
        }
    ]


def test_release_ids_link_to_the_notice():
    assert records()["ocds-h6vhtk-06f0c7"]["source_url"] == "https://www.find-tender.service.gov.uk/Notice/083253-2026"


def test_the_2021_release_with_delivery_addresses_as_an_object_loads():
    """items[].deliveryAddresses is {"1": {"region": "UK"}}, not a list: read, and no borough from London."""
    rec = records()["ocds-h6vhtk-028f93"]
    assert rec["title"] == "Occupational Health Services"
    assert rec["cpv_codes"] == ["85100000"]  # tender.classification
    assert rec["warnings"] == []
