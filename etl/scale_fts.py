"""Find a Tender OCDS JSON Lines for the scaled sample (``etl.scale``): one release per line.

Each procurement is a story of notices as the Procurement Act 2023 publishes them (UK1 pipeline
to UK11 termination, dynamic markets UK13-UK16, UK17 payments compliance), shaped like the real
Find a Tender releases in ``../shared/realdata/find-a-tender-2026``: the notice type in
``documents[].noticeType`` of the section it belongs to, the release id the notice id, the
contract period of a tender only in its lots. A share of procurements is under the 2015
regulations: a tender release then an award release, with no notice types.

Releases of ``CHUNK`` procurements are written in date order, as the API pages them, so one
procurement's releases can fall in two files (the build combines them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from pathlib import Path

from etl import sample_contracts as sc
from etl import scale

FTS_PREFIX = "ocds-h6vhtk-"
ACT = {"id": "2023/54", "scheme": "UKPGA", "uri": "https://www.legislation.gov.uk/ukpga/2023/54/contents"}
PCR = {"id": "32014L0024", "scheme": "CELEX"}
# (notices of one procurement, weight); "2015" marks the old regulations' tender-then-award story
STORIES = (
    (("UK1",), 6), (("UK2", "UK4"), 4), (("UK3",), 3), (("UK4",), 10), (("UK4", "UK6", "UK7"), 22),
    (("UK4", "UK6", "UK7", "UK10"), 6), (("UK4", "UK7", "UK11"), 2), (("UK5", "UK7"), 5), (("UK4", "UK12"), 3),
    (("UK13", "UK14"), 2), (("UK14", "UK15"), 1), (("UK16",), 1), (("UK6", "UK7", "UK8"), 3), (("UK7", "UK9"), 2),
    (("UK17",), 2), (("UK6",), 3), (("UK5",), 1), (("UK2",), 2),
    (("2015-tender", "2015-award"), 15), (("2015-award",), 5),
)  # fmt: skip
# the section a notice's document is in; the rest are contract notices
SECTION = {"UK1": "planning", "UK2": "planning", "UK3": "planning", "UK17": "planning", "UK4": "tender",
           "UK12": "tender", "UK13": "tender", "UK14": "tender", "UK15": "tender", "UK16": "tender",
           "UK5": "awards", "UK6": "awards"}  # fmt: skip
NAMES = {"UK1": "Pipeline notice", "UK2": "Preliminary market engagement notice",
         "UK3": "Planned procurement notice", "UK4": "Tender notice", "UK5": "Transparency notice",
         "UK6": "Contract award notice", "UK7": "Contract details notice", "UK8": "Contract payments notice",
         "UK9": "Contract performance notice", "UK10": "Contract change notice",
         "UK11": "Contract termination notice", "UK12": "Procurement termination notice",
         "UK13": "Dynamic market intention notice", "UK14": "Dynamic market establishment notice",
         "UK15": "Dynamic market modification notice", "UK16": "Dynamic market cessation notice",
         "UK17": "Payments compliance notice"}  # fmt: skip


def _stamp(day: dt.date | dt.datetime, end_of_day: bool = False) -> str:
    """As Find a Tender writes times: BST offset in summer, Z in winter; period ends at 23:59:59."""
    when = day if isinstance(day, dt.datetime) else dt.datetime(day.year, day.month, day.day)
    if end_of_day:
        when = when.replace(hour=23, minute=59, second=59)
    zone = "+01:00" if 4 <= when.month <= 10 else "Z"
    return f"{when:%Y-%m-%dT%H:%M:%S}{zone}"


def _party_id(company: sc.Company) -> str:
    if company.number:
        return f"GB-COH-{company.number}"
    return "GB-FTS-" + str(int(hashlib.sha1(company.name.encode()).hexdigest()[:8], 16) % 900_000 + 100_000)


def _parties(d: scale.Deal, buyer_id: str, with_suppliers: bool) -> list[dict]:
    parties = [{"name": d.buyer, "id": buyer_id, "roles": ["buyer"],
                "address": {"locality": "London" if d.code else "Birmingham", "country": "GB"},
                "contactPoint": {"email": "procurement@example.org"}}]  # fmt: skip
    for company in d.suppliers if with_suppliers else []:
        party = {"name": company.name, "id": _party_id(company), "roles": ["supplier"],
                 "details": {"scale": "sme" if company.sme else "large", "vcse": company.vcse}}  # fmt: skip
        if company.number:
            party["identifier"] = {"scheme": "GB-COH", "id": company.number}
        parties.append(party)
    return parties


def _value(amount: float) -> dict:
    return {"amountGross": round(amount * 1.2, 2), "amount": amount, "currency": "GBP"}


def _period(d: scale.Deal, end: dt.date | None = None) -> dict:
    period = {"startDate": _stamp(d.start), "endDate": _stamp(end or d.end, end_of_day=True)}
    if d.max_end:
        period["maxExtentDate"] = _stamp(max(d.max_end, end or d.end), end_of_day=True)
    return period


def _tender(d: scale.Deal, ref: str, status: str, law: dict) -> dict:
    return {
        "id": ref, "legalBasis": law, "title": d.title, "description": f"{d.title}.\nSee the tender documents.",
        "items": [{"id": str(i), "additionalClassifications": [{"scheme": "CPV", "id": c}], "relatedLot": "1"}
                  for i, c in enumerate(d.cpv, 1)],
        "value": _value(d.value), "mainProcurementCategory": "goods" if d.cpv[0].startswith("3") else "services",
        "lots": [{"id": "1", "contractPeriod": _period(d), "hasRenewal": bool(d.max_end), "status": status}],
        "status": status,
    }  # fmt: skip


def _document(code: str, notice_id: str, published: str) -> dict:
    return {"id": notice_id, "documentType": "contractNotice" if code >= "UK5" else "plannedProcurementNotice",
            "noticeType": code, "description": f"{NAMES[code]} on Find a Tender",
            "url": f"https://www.find-tender.service.gov.uk/Notice/{notice_id}", "datePublished": published,
            "format": "text/html"}  # fmt: skip


TENDER_STATUS = {"planning": "planned", "tender": "active", "awards": "complete", "contracts": "complete"}


def release(d: scale.Deal, ocid: str, code: str, notice_id: str, when: dt.datetime) -> dict:
    """One notice of a procurement as Find a Tender releases it."""
    old_law = code.startswith("2015")
    section = "tender" if code == "2015-tender" else SECTION.get(code, "awards" if old_law else "contracts")
    published = _stamp(when)
    status = "cancelled" if code == "UK12" else TENDER_STATUS[section]
    rel = {"ocid": ocid, "id": notice_id, "date": published, "tag": [_tag(code, section)], "initiationType": "tender",
           "parties": _parties(d, f"GB-PPON-{ocid[-6:].upper()}", section in {"awards", "contracts"}),
           "buyer": {"id": f"GB-PPON-{ocid[-6:].upper()}", "name": d.buyer},
           "tender": _tender(d, f"PROC-{ocid[-6:]}", status, PCR if old_law else ACT), "language": "en"}  # fmt: skip
    doc = [] if old_law else [_document(code, notice_id, published)]
    if section == "planning":
        rel["planning"] = {"documents": doc}
        return rel
    if section == "tender":
        rel["tender"]["documents"] = doc
        return rel
    suppliers = [{"id": _party_id(c), "name": c.name} for c in d.suppliers]
    status = "pending" if code in {"UK5", "UK6"} else "active"
    award = {"id": "1", "status": status, "suppliers": suppliers, "value": _value(d.value),
             "contractPeriod": _period(d), "relatedLots": ["1"], "date": _stamp(when)}  # fmt: skip
    rel["awards"] = [award]
    if section == "awards":
        award["documents"] = doc
        return rel
    rel["contracts"] = [_contract(d, code, notice_id, when, doc)]
    return rel


def _tag(code: str, section: str) -> str:
    if code == "UK10":
        return "contractAmendment"
    return {"planning": "planning", "tender": "tender", "awards": "award", "contracts": "contract"}[section]


def _contract(d: scale.Deal, code: str, notice_id: str, when: dt.datetime, doc: list[dict]) -> dict:
    contract = {"id": "1", "awardID": "1", "title": d.title, "status": "active", "period": _period(d),
                "value": _value(d.value), "dateSigned": _stamp(d.start), "documents": doc}  # fmt: skip
    if code == "UK10":  # extended by a year, value up a tenth
        contract["period"] = _period(d, scale.add_months(d.end, 12))
        contract["value"] = _value(round(d.value * 1.1, 2))
        contract["amendments"] = [{"id": notice_id, "date": _stamp(when.date())}]
    elif code == "UK11":
        contract["status"] = "terminated"
        contract["finalStatusDate"] = _stamp(when.date())
    return contract


def _story(rng: random.Random, room: int) -> tuple[str, ...]:
    fits = [(s, w) for s, w in STORIES if len(s) <= room]
    return rng.choices([s for s, _ in fits], [w for _, w in fits])[0]


def procurement(rng: random.Random, market: list[scale.Supplier], number: int, room: int) -> list[dict]:
    """The releases of one procurement (at most ``room``), oldest first."""
    d = scale.deal(rng, market)
    if rng.random() < 0.01:
        d.value = 0.01  # a placeholder amount, as real notices give
    ocid = f"{FTS_PREFIX}{number:06x}"
    when, out = d.published, []
    for i, code in enumerate(_story(rng, room)):
        if i:
            when += dt.timedelta(days=rng.randint(20, 120), minutes=rng.randint(0, 600))
        notice_id = f"{(number * 7 + i) % 999_999:06d}-{when.year}"
        out.append(release(d, ocid, code, notice_id, when))
    return out


def write_fts(folder: Path, releases: int, seed: int, market: list[scale.Supplier]) -> list[Path]:
    """About ``releases`` Find a Tender releases in JSON Lines files under ``folder``."""
    rng = random.Random(f"{seed}:fts")
    out = scale.Rolling(folder, scale.PREFIX + "find-a-tender-{n:04d}.jsonl", scale.OCDS_FILE_RELEASES)
    counter = iter(range(1, 10**9))

    def make(room: int) -> tuple[list[dict], int]:
        rels = procurement(rng, market, next(counter), room)
        return rels, len(rels)

    for chunk in scale.chunks(releases, make):
        for rel in sorted((r for rels in chunk for r in rels), key=lambda r: r["date"]):
            out.write(scale._jsonl(rel))
    out.close()
    return out.files
