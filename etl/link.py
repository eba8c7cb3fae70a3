"""Merge records into contracts: one real-world contract, one row, with its provenance.

Two kinds of merge happen here:

- the same notice published in two formats (a Contracts Finder CSV row and its OCDS release)
  shares buyer, title, dates and value: such records become one record (``one_record_per_notice``);
- a survey row and the open notice for the same contract (same borough, same canonical
  supplier, overlapping dates, similar title/system) become one contract with a match score;
- a public listing's row (``source = listing``: which system a borough runs, no terms) joins the
  survey row for the same borough, service area and system, so the system is counted once.

Where merged records disagree (say, on the end date) the contract keeps the preferred value,
and ``disagreements`` lists every record's value, so the difference is shown, not resolved.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from rapidfuzz import fuzz

from etl.reference import norm_key
from etl.schema import CONTRACT_FIELDS  # the fields a contract takes from its records

# the borough knows what it runs and what it pays; the notice is the public record of the award
# (and a system a borough lists is technology, whatever the notice's CPV codes say)
SURVEY_FIRST = {"system_name", "manufacturer", "service_area", "hosting", "confidence", "satisfaction",
                "value_for_money", "annual_value", "end_date", "max_end_date", "buyer_name",
                "is_it", "it_reason"}  # fmt: skip
COMPARED = ("start_date", "end_date", "total_value", "annual_value")
LISTING = "listing"  # a public system listing: the weakest evidence, so every other record's values come first
LISTING_SCORE = 1.0  # a listing joins a survey row on exact borough, service area and system
MATCH_THRESHOLD = 0.70
DATE_TOLERANCE_DAYS = 92  # end dates within a quarter count as the same contract term


def _fingerprint(rec: dict) -> tuple | None:
    """What identifies one notice across formats; None when too little is known to be sure."""
    title = norm_key(rec.get("title"))
    if not title or not rec.get("buyer_name") or not (rec.get("start_date") or rec.get("end_date")):
        return None
    dates = (rec.get("start_date"), rec.get("end_date"))
    return (norm_key(rec["buyer_name"]), title, *dates, rec.get("supplier_key"), rec.get("total_value"))


def _format(rec: dict) -> str:
    """OCDS or tabular: only a notice in the other format can be the same notice re-published.

    Two CSV rows with different notice ids and the same content are two notices (say, two
    purchases of the same goods), not one.
    """
    return "ocds" if str(rec.get("source_ref") or "").startswith("ocds-") else "table"


def _date_score(survey: dict, notice: dict) -> float:
    """1 when the end dates agree within a quarter, less as they drift; 0 when terms do not overlap."""
    s_start, s_end = survey.get("start_date"), survey.get("end_date")
    n_start, n_end = notice.get("start_date"), notice.get("end_date")
    same_start = bool(s_start and n_start) and abs((s_start - n_start).days) <= DATE_TOLERANCE_DAYS
    if s_end and n_end:
        gap = abs((s_end - n_end).days)
        if gap <= DATE_TOLERANCE_DAYS:
            return 1.0
        if s_start and n_start and (s_start > n_end or n_start > s_end):
            return 0.0
        # ends disagree (an extension taken, a typo): the same start still says "same contract"
        return max(0.8 if same_start else 0.0, 1 - gap / 730)
    if s_start and n_start:
        return 1.0 if same_start else 0.3
    return 0.3  # nothing to compare: neither evidence for nor against


def _text_score(survey: dict, notice: dict) -> float:
    """How well the notice's words name the survey's system, maker or service (0-1)."""
    notice_text = norm_key(f"{notice.get('title') or ''} {(notice.get('description') or '')[:300]}")
    # the product's own name is strong evidence; its maker's name alone (Idox makes many) less so
    weighted = [(survey.get("system_name"), 1.0), (survey.get("system_raw"), 1.0), (survey.get("manufacturer"), 0.7)]
    best = max(
        (w * fuzz.partial_ratio(norm_key(n), notice_text) for n, w in weighted if n and len(norm_key(n)) >= 3),
        default=0,
    )
    same_area = bool(survey.get("service_area")) and survey.get("service_area") == notice.get("service_area")
    return min(1.0, best / 100 + (0.2 if same_area else 0.0))


def match_score(survey: dict, notice: dict) -> float:
    """0-1 likelihood that a survey row and a notice are the same contract (supplier must agree)."""
    if not survey.get("supplier_key") or survey.get("supplier_key") != notice.get("supplier_key"):
        return 0.0
    if survey.get("borough_code") != notice.get("borough_code"):
        return 0.0
    return round(0.4 + 0.3 * _date_score(survey, notice) + 0.3 * _text_score(survey, notice), 3)


def one_record_per_notice(records: list[dict]) -> tuple[list[dict], list[dict]]:
    """The same notice published as a Contracts Finder CSV row and as OCDS is one record.

    The OCDS record is kept (it names every supplier and the publisher's identifiers), with what
    only the CSV row said filled in; the CSV row is returned as dropped, for its file to count as
    merged. Two CSV rows with the same content stay two notices (see ``_format``).
    Returns (records kept, in their order; records dropped).
    """
    kept: list[dict] = []
    at: dict[tuple, int] = {}  # fingerprint -> index in kept
    dropped = []
    for rec in records:
        key = _fingerprint(rec) if rec["source"] not in ("survey", LISTING) else None
        i = at.get(key) if key else None
        if i is None or _format(kept[i]) == _format(rec):
            if key and i is None:
                at[key] = len(kept)
            kept.append(rec)
            continue
        keep, drop = (rec, kept[i]) if _format(rec) == "ocds" else (kept[i], rec)
        kept[i] = _filled(keep, drop)
        dropped.append(drop)
    return kept, dropped


IDENTITY = ("record_id", "source", "source_ref", "source_file", "warnings")


def _filled(keep: dict, other: dict) -> dict:
    """``keep`` with the fields only ``other`` (the same notice in another format) has."""
    out = {k: (v if v is not None or k in IDENTITY else other.get(k)) for k, v in keep.items()}
    note = f"the same notice as {other['source_ref']} in {other['source_file']} (counted as merged there)"
    out["warnings"] = [*(keep.get("warnings") or []), note]
    return out


def link_records(records: list[dict]) -> list[list[tuple[dict, float | None]]]:
    """Group records into contracts: lists of (record, score of its link to the group, or None).

    Notices are one record each by now (``one_record_per_notice``); a survey row joins the notice
    for the same contract, and a listed system the survey row for the same system (``join_listings``).
    """
    groups: list[list[tuple[dict, float | None]]] = []
    notices, surveys = [], []
    listings = [rec for rec in records if rec["source"] == LISTING]
    for rec in records:
        if rec["source"] == "survey":
            surveys.append(rec)
            continue
        if rec["source"] == LISTING:
            continue
        group = [(rec, None)]
        groups.append(group)
        notices.append(group)

    # survey rows to notice groups: best pairs first, each side used once
    candidates = defaultdict(list)
    for group in notices:
        lead = group[0][0]
        if lead.get("borough_code") and lead.get("stage") == "contract":
            candidates[(lead["borough_code"], lead.get("supplier_key"))].append(group)
    pairs = []
    for s in surveys:
        if not s.get("supplier_key"):
            continue  # no supplier, no match (match_score): not worth scoring against every such notice
        for group in candidates.get((s["borough_code"], s.get("supplier_key")), []):
            score = match_score(s, group[0][0])
            if score >= MATCH_THRESHOLD:
                pairs.append((score, s["record_id"], group[0][0]["record_id"], s, group))
    linked_surveys, linked_groups = set(), set()
    for score, s_id, g_id, s, group in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if s_id in linked_surveys or g_id in linked_groups:
            continue
        linked_surveys.add(s_id)
        linked_groups.add(g_id)
        group.insert(0, (s, score))
    groups += [[(s, None)] for s in surveys if s["record_id"] not in linked_surveys]
    return groups + join_listings(groups, listings)


def _system_key(rec: dict) -> tuple | None:
    """(borough, service area, system): what a listing and a survey row must share to be one contract."""
    if not (rec.get("borough_code") and rec.get("service_area") and rec.get("system_name")):
        return None
    return rec["borough_code"], rec["service_area"], norm_key(rec["system_name"])


def join_listings(groups: list[list[tuple[dict, float | None]]], listings: list[dict]) -> list:
    """Add each listed system to the group of the survey row for the same borough, service area and
    system (the first such group; each takes one listing); return the groups of those left alone.

    A listing's id is its fact (borough, area, system), so one file or two never list one twice.
    """
    waiting: dict[tuple, list] = defaultdict(list)
    for group in groups:
        key = next((_system_key(r) for r, _ in group if r["source"] == "survey"), None)
        if key:
            waiting[key].append(group)
    alone = []
    for rec in listings:
        key = _system_key(rec)
        if key and waiting.get(key):
            waiting[key].pop(0).append((rec, LISTING_SCORE))
        else:
            alone.append([(rec, None)])
    return alone


DATE_SAME_DAYS = 31  # "31 March" and "1 April" are one end date written two ways, not a disagreement


def _differs(field: str, a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) > 0.1 * max(abs(a), abs(b))  # values within 10% are the same figure
    if isinstance(a, dt.date) and isinstance(b, dt.date):
        return abs((a - b).days) > DATE_SAME_DAYS
    return a != b


def _preferred(recs: list[dict], surveys: list[dict], notices: list[dict], listings: list[dict]) -> tuple[dict, dict]:
    """(the contract's fields, field -> record_id it came from): the first record in the field's
    order of preference that has a value. A group of one (most contracts) takes its record's."""
    if len(recs) == 1:
        rec, rid = recs[0], recs[0]["record_id"]
        row = {field: rec.get(field) for field in CONTRACT_FIELDS}
        return row, {field: rid for field, value in row.items() if value is not None}
    survey_first, notice_first = surveys + notices + listings, notices + surveys + listings
    row, provenance = {}, {}
    for field in CONTRACT_FIELDS:
        order = survey_first if field in SURVEY_FIRST else notice_first
        chosen = next((r for r in order if r.get(field) is not None), None)
        row[field] = chosen.get(field) if chosen else None
        if chosen:
            provenance[field] = chosen["record_id"]
    return row, provenance


_COMPARED_IN_ORDER = tuple(f for f in CONTRACT_FIELDS if f in COMPARED)  # the JSON's keys keep the fields' order


def _disagreements(recs: list[dict]) -> dict:
    """field -> {record_id: value} for the compared fields on which a group's records differ."""
    disagreements = {}
    for field in _COMPARED_IN_ORDER if len(recs) > 1 else ():
        values = {r["record_id"]: r.get(field) for r in recs if r.get(field) is not None}
        distinct = list(values.values())
        if any(_differs(field, distinct[0], v) for v in distinct[1:]):
            disagreements[field] = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()}
    return disagreements


def contract_row(group: list[tuple[dict, float | None]]) -> dict:
    """The contract for a group of records: preferred values, provenance and disagreements."""
    recs = [r for r, _ in group]
    surveys = [r for r in recs if r["source"] == "survey"]
    listings = [r for r in recs if r["source"] == LISTING]
    notices = [r for r in recs if r["source"] not in ("survey", LISTING)]
    row, provenance = _preferred(recs, surveys, notices, listings)
    disagreements = _disagreements(recs)
    scores = [s for _, s in group if s is not None]
    named = next((r for r in recs if r["record_id"] == provenance.get("supplier_name")), None)
    survey_ids = {r["record_id"] for r in surveys}
    row.update(
        supplier_count=len((named or {}).get("suppliers") or []),
        contract_id=f"c{recs[0]['record_id']}",
        record_ids=[r["record_id"] for r in recs],
        sources=sorted({r["source"] for r in recs}),
        provenance=provenance,
        survey_fields=sorted(f for f, rid in provenance.items() if rid in survey_ids) or None,
        disagreements=disagreements or None,
        match_score=min(scores) if scores else None,  # the weakest link (a group has one, or a listing's too)
    )
    return row


NOT_CONTRACTS = {"dynamic_market"}  # a way to buy (UK13-UK16), never a contract: kept as a record only


def build_contracts(records: list[dict]) -> list[dict]:
    """The contracts of the records: every record but dynamic market notices, merged as above."""
    return [contract_row(group) for group in link_records([r for r in records if r.get("stage") not in NOT_CONTRACTS])]


def contract_supplier_rows(contracts: list[dict], records: list[dict]) -> list[dict]:
    """One ``contract_suppliers`` row per contract and supplier, from the record the contract took
    its supplier from, so a framework of fifteen keeps fifteen; the first is the contract's."""
    by_id = {r["record_id"]: r for r in records}
    rows = []
    for c in contracts:
        rec = by_id.get((c.get("provenance") or {}).get("supplier_name"))
        for i, s in enumerate((rec or {}).get("suppliers") or [], start=1):
            rows.append(
                {
                    "contract_id": c["contract_id"],
                    "position": i,
                    "supplier_name": s.get("canonical"),
                    "supplier_raw": s.get("name"),
                    "supplier_id": s.get("id"),
                    "company_number": s.get("company_number"),
                    "record_id": rec["record_id"],
                }
            )
    return rows
