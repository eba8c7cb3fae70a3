"""A compiled OCDS release -> one contract record: its stage, parties, dates and value.

One record per compiled ocid, for its "main" award (the one in force with the largest value)
and the contract that implements it. Where the fields are read from, first found wins:

- stage: the notice type (``ocds_notices``), else the statuses: ``contract`` when an award or
  contract is in force, ``tender`` for an open tender, ``planning`` for planning only;
  cancelled or unsuccessful procurements without a notice type are skipped;
- dates: the contract's period, the award's contractPeriod, the lots' contractPeriod (the
  award's lots, else all), the tender's contractPeriod; ``dates_from`` names the one used.
  A start with a duration and no end gives the end; ``maxExtentDate`` is the latest end, else
  the end plus the renewal text read as extension months;
- value: the contract's, the award's, the tender's, the sum of the lots', the tender's
  maximum; each net, else gross (``value_gross``); a token amount (at most 1) is a placeholder
  and unknown; another currency is kept in ``currency``/``value_amount``, never as pounds;
- suppliers: every supplier of every award in force, main award first, in the order named,
  each once; the first is the record's supplier.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from etl.extract.ocds_notices import (
    Money,
    as_dict,
    current_notice,
    day,
    legal_basis,
    money,
    notice_stage,
    notice_types,
    objects,
)
from etl.normalise.cpv import classify, normalise_cpv
from etl.normalise.names import clean, company_number
from etl.normalise.values import MAX_EXTENSION_MONTHS, annual_value, extended_end, in_range, iso_date, parse_extension
from etl.records import new_record
from etl.reference import add_months, borough_code, norm_key

# ocid prefix -> source name (prefixes are registered per publisher with the OCP)
SOURCES = {"ocds-b5fd17": "contracts_finder", "ocds-h6vhtk": "find_a_tender"}
CF_NOTICE = "https://www.contractsfinder.service.gov.uk/Notice/{}"
CF_PACKAGE_URI = re.compile(r"contractsfinder\.service\.gov\.uk/Published/Notice/releases/([0-9a-f-]{36})\.json", re.I)
FTS_NOTICE = "https://www.find-tender.service.gov.uk/Notice/{}"
# a registered prefix is "ocds-" and six characters; letters after them are a republisher's
REPUBLISHED_PREFIX = re.compile(r"^(ocds-[0-9a-z]{6})[0-9a-z]+-", re.I)
ORG_ID = re.compile(r"[A-Z]{2}-[A-Z0-9]{2,}-\S+")  # an org-id.guide identifier: GB-COH-02150688

LIVE_AWARD = {"active", "pending", None}
LIVE_CONTRACT = {"active", "terminated", "pending", None}
DEAD_TENDER = {"cancelled", "unsuccessful", "withdrawn"}
SUPPLIED = {"contract", "award", "dynamic_market"}  # stages whose record names its suppliers


def ocid_key(ocid: str) -> str:
    """The ocid under its registered prefix: 'ocds-b5fd17raw-<uuid>' is 'ocds-b5fd17-<uuid>'."""
    return REPUBLISHED_PREFIX.sub(lambda m: f"{m[1]}-", ocid.strip(), count=1)


def source_of(ocid: str) -> str:
    return _source(ocid_key(ocid))


def _source(key: str) -> str:
    """The source of an ocid already under its registered prefix (``ocid_key``)."""
    return next((name for prefix, name in SOURCES.items() if key.startswith(prefix)), "ocds")


def release_record(
    rel: dict, file_name: str, latest: dict, package_uri: str | None, history: list[dict] | None = None
) -> tuple[dict | None, str | None]:
    """(record, None) for a compiled release worth loading, (None, reason) to skip, (None, None) if empty.

    ``latest`` is the latest release compiled into ``rel``, for its id and tags; ``history`` the
    contract's change and termination notices (``ocds_notices.change_history``).
    """
    raw_ocid = str(rel.get("ocid"))
    ocid = ocid_key(raw_ocid)
    source = _source(ocid)
    tender = as_dict(rel.get("tender"))
    award, contract = main_award(rel)
    notice = current_notice(rel, str(latest.get("id") or ""))
    stage = notice_stage(notice) or _status_stage(rel, tender, award, contract, _tags(latest))
    if stage is None or stage.startswith("skip:"):
        return None, (stage[5:] if stage else None)
    rec = new_record(source, ocid, file_name, stage=stage, notice_type=notice.code if notice else None,
                     legal_basis=legal_basis(tender),
                     source_url=_notice_url(source, str(latest.get("id") or ""), package_uri))  # fmt: skip
    warnings_ = rec["warnings"]
    if ocid != raw_ocid:
        warnings_.append(f"ocid {raw_ocid!r} read as {ocid!r}: the same notice under a republisher's prefix")
    if notice and notice.code not in notice_types():
        warnings_.append(f"notice type {notice.code} is not known; staged by its statuses")
    parties = {str(p.get("id")): p for p in objects(rel.get("parties")) if p.get("id") is not None}
    _buyer(rec, rel, parties, warnings_)
    _texts(rec, tender, award, contract)
    if stage in SUPPLIED:
        _suppliers(rec, rel, award, parties, warnings_)
    _classification(rec, rel)
    lots = _lots(tender, award)
    extent_given = _periods(rec, rel, (tender, award, contract), lots, warnings_)
    _extension(rec, (contract, award, *lots, tender), extent_given, warnings_)
    _value(rec, (tender, award, contract), lots, warnings_)
    _changes(rec, history or [])
    rec["published_date"], _ = iso_date(rel.get("date"))
    return rec, None


def _tags(latest: dict) -> list[str]:
    tags = latest.get("tag")
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def live_awards(rel: dict) -> list[dict]:
    return [a for a in objects(rel.get("awards")) if a.get("status") in LIVE_AWARD]


def _amount(value: object) -> float:
    found = money(value)
    return found.amount if found and found.amount is not None else 0.0


def main_award(rel: dict) -> tuple[dict, dict]:
    """The award in force with the largest value, and the contract implementing it ({} if none)."""
    contracts = [c for c in objects(rel.get("contracts")) if c.get("status") in LIVE_CONTRACT]
    awards = live_awards(rel)
    if not awards and contracts:  # a contract without a published award
        return {}, contracts[0]
    if not awards:
        return {}, {}
    award = max(awards, key=lambda a: (_amount(a.get("value")), str(a.get("date") or "")))
    contract = next((c for c in contracts if str(c.get("awardID")) == str(award.get("id"))), {})
    return award, contract


def _status_stage(rel: dict, tender: dict, award: dict, contract: dict, tags: list[str]) -> str | None:
    """contract / tender / planning, or 'skip:<reason>', for a release without a notice type."""
    if award or contract:
        return "contract"
    status = tender.get("status")
    if status in DEAD_TENDER:
        return f"skip:tender {status}"
    if status in {"planning", "planned"}:
        return "planning"
    if status == "active":
        return "tender"
    if status == "complete":
        return "skip:tender complete but no award or contract in force"
    # no usable tender status: go by what the release holds and how it was tagged
    if tender and "planning" not in tags:
        return "tender"
    if tender or rel.get("planning") or "planning" in tags:
        return "planning"
    return "skip:only cancelled or unsuccessful awards" if objects(rel.get("awards")) else None


def _notice_url(source: str, release_id: str, package_uri: str | None) -> str | None:
    """A link to the public notice, only where the data says which notice it is.

    CF: the package's own URI names the notice when the package holds one ocid; Find a Tender:
    release ids are notice ids ("012345-2021").
    """
    if source == "contracts_finder" and package_uri and (m := CF_PACKAGE_URI.search(package_uri)):
        return CF_NOTICE.format(m[1].lower())
    if source == "find_a_tender" and re.fullmatch(r"\d{6}-\d{4}", release_id):
        return FTS_NOTICE.format(release_id)
    return None


# --------------------------------------------------------------------------- parties


def _party(ref: object, parties: dict[str, dict]) -> dict:
    """An organisation reference resolved to its party (names fall back to the reference's)."""
    ref = as_dict(ref)
    party = parties.get(str(ref.get("id")), {}) if ref.get("id") is not None else {}
    return {**party, **{k: v for k, v in ref.items() if v not in (None, "")}} if ref else party


def org_id(party: dict) -> str | None:
    """scheme-id of an organisation: its identifier, else an additional one, else its own id when
    that is an org-id (GB-PPON-..., GB-COH-...); local ids ("1", 0, hashes) are no identifier."""
    for ident in [as_dict(party.get("identifier")), *objects(party.get("additionalIdentifiers"))]:
        scheme, number = clean(ident.get("scheme")), clean(ident.get("id"))
        if scheme and number.strip("0- "):  # "0" is a placeholder, not a number
            return number if number.upper().startswith(f"{scheme.upper()}-") else f"{scheme}-{number}"
    own = clean(party.get("id"))
    return own if ORG_ID.fullmatch(own) else None


def _company_number(party: dict) -> str | None:
    """The Companies House number among the party's identifiers (scheme GB-COH)."""
    ids = [as_dict(party.get("identifier")), *objects(party.get("additionalIdentifiers"))]
    numbers = [company_number(i.get("id")) for i in ids if i.get("scheme") == "GB-COH"]
    own = clean(party.get("id"))
    if own.upper().startswith("GB-COH-"):
        numbers.append(company_number(own[7:]))
    return next((n for n in numbers if n), None)


def _buyer(rec: dict, rel: dict, parties: dict[str, dict], warnings_: list[str]) -> None:
    """The buyer's name, identifier and contact; its borough from its name alone (never an address)."""
    buyer = _party(rel.get("buyer"), parties)
    if not buyer.get("name"):
        buyer = next((p for p in parties.values() if "buyer" in (p.get("roles") or [])), buyer)
    rec["buyer_name"] = clean(buyer.get("name")) or None
    rec["buyer_id"] = org_id(buyer)
    rec["borough_code"] = borough_code(rec["buyer_name"])
    if rec["buyer_name"] is None:
        warnings_.append("no buyer name")
    contact = as_dict(buyer.get("contactPoint"))
    rec["contact_name"] = clean(contact.get("name")) or None
    rec["contact_email"] = clean(contact.get("email")) or None


def _supplier_entries(awards: list[dict], parties: dict[str, dict]) -> tuple[list[dict], int]:
    """Each supplier named by the awards, first named first and each once; and how many were named."""
    entries, names, ids, named = [], set(), set(), 0
    for award in awards:
        refs = objects(award.get("suppliers"))
        for party in (_party(ref, parties) for ref in refs):
            name = clean(party.get("name"))
            if not name:
                continue
            named += 1
            entry = {"name": name, "id": org_id(party), "company_number": _company_number(party),
                     "award_id": str(award["id"]) if award.get("id") is not None else None}  # fmt: skip
            if norm_key(name) in names or (entry["id"] and entry["id"] in ids):
                continue  # the same supplier again (a framework names a supplier once per lot it won)
            names.add(norm_key(name))
            ids.add(entry["id"])
            entries.append(entry)
    return entries, named


def _suppliers(rec: dict, rel: dict, award: dict, parties: dict[str, dict], warnings_: list[str]) -> None:
    """Every supplier of every award in force, the main award's first; the first is the record's."""
    awards = [award, *(a for a in live_awards(rel) if a is not award)] if award else live_awards(rel)
    entries, named = _supplier_entries(awards, parties)
    if not entries:  # no award names one: the parties in the supplier role
        roles = [{"suppliers": [p for p in parties.values() if "supplier" in (p.get("roles") or [])]}]
        entries, named = _supplier_entries(roles, parties)
        for entry in entries:
            entry["award_id"] = None
    others = len(live_awards(rel)) - 1
    if others > 0:
        warnings_.append(f"{others} other active award(s) in this ocid: their suppliers are listed, not their values")
    if not entries:
        if rec["stage"] != "dynamic_market":  # a market is established before anyone is admitted
            warnings_.append("award names no supplier")
        return
    rec["suppliers"] = entries
    rec["supplier_raw"], rec["company_number"] = entries[0]["name"], entries[0]["company_number"]
    if len(entries) > 1:
        warnings_.append(f"{len(entries)} suppliers named; supplier is the first, {rec['supplier_raw']!r}")
    if named > len(entries):
        warnings_.append(f"{named} supplier entries name {len(entries)} suppliers; each is kept once")


# --------------------------------------------------------------------------- texts and codes


_PLACEHOLDER = re.compile(r"^see (the )?description of (the )?related tender\.?$", re.I)


def _texts(rec: dict, tender: dict, award: dict, contract: dict) -> None:
    def first(key: str) -> str | None:
        for obj in (tender, award, contract):
            text = clean(obj.get(key))
            if text and not _PLACEHOLDER.match(text):
                return text
        return None

    rec["title"], rec["description"] = first("title"), first("description")


def _classifications(rel: dict) -> list[dict]:
    """Every classification: tender's own, then its items', then awards' and contracts' items'."""
    tender = as_dict(rel.get("tender"))
    found = [as_dict(tender.get("classification"))]
    items = objects(tender.get("items"))
    for key in ("awards", "contracts"):
        for obj in objects(rel.get(key)):
            items += objects(obj.get("items"))
    for item in items:
        found += [as_dict(item.get("classification")), *objects(item.get("additionalClassifications"))]
    return [c for c in found if c]


def _classification(rec: dict, rel: dict) -> None:
    codes = []
    for c in _classifications(rel):
        scheme = str(c.get("scheme") or "CPV").upper()
        code = normalise_cpv(c.get("id")) if scheme.startswith("CPV") else None
        if code and code not in codes:
            codes.append(code)
    rec.update({**_classified(tuple(codes)), "cpv_codes": codes})


@lru_cache(maxsize=8192)
def _classified(codes: tuple[str, ...]) -> dict[str, object]:
    """``classify`` once per distinct list of codes (notices repeat the same few lists: 27 in the
    50k bench's 16,582 records). The caller puts its own list in ``cpv_codes``: no record shares one."""
    return classify(list(codes))


# --------------------------------------------------------------------------- dates


def _lots(tender: dict, award: dict) -> list[dict]:
    """The lots the main award is for (all lots when it names none)."""
    lots = objects(tender.get("lots"))
    related = {str(i) for i in award.get("relatedLots") or [] if i is not None}
    mine = [lot for lot in lots if str(lot.get("id")) in related]
    return mine or lots


def _lots_period(lots: list[dict]) -> dict:
    """The lots' contract periods as one: earliest start, latest end, latest maxExtentDate."""
    periods = [as_dict(lot.get("contractPeriod")) for lot in lots]
    periods = [p for p in periods if p]
    if len(periods) == 1:
        return periods[0]
    combined = {}
    for key, pick in (("startDate", min), ("endDate", max), ("maxExtentDate", max)):
        given = [(d, p[key]) for p in periods if (d := day(p.get(key)))]
        if given:
            combined[key] = pick(given)[1]
    return combined


def _index(rel: dict, key: str, obj: dict) -> int:
    return next((i for i, o in enumerate(objects(rel.get(key))) if o is obj), 0)


def _duration_end(start: dt.date, period: dict) -> tuple[dt.date | None, str | None]:
    """The last day of a period given as a start and a duration (inclusive: 24 months from
    10 January 2027 end on 9 January 2029, as Find a Tender writes its periods)."""
    months, days = period.get("durationInMonths"), period.get("durationInDays")
    if _count(months, MAX_DURATION_MONTHS):
        end, duration = add_months(start, int(months)) - dt.timedelta(days=1), f"{months:g} months"
    elif _count(days, MAX_DURATION_MONTHS * 31):
        end, duration = start + dt.timedelta(days=int(days) - 1), f"{days:g} days"
    else:
        return None, None
    return (end, duration) if in_range(end) else (None, None)


MAX_DURATION_MONTHS = 1200  # a period's duration past 100 years is no contract's: the end stays unknown


def _count(value: object, limit: float) -> bool:
    """Whether a duration figure is a positive number up to ``limit`` (no date arithmetic overflows)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= limit


def _periods(rec: dict, rel: dict, parts: tuple[dict, dict, dict], lots: list[dict], warnings_: list[str]) -> bool:
    """Start, end and latest end from the first period that has dates; True when the latest end
    was given (maxExtentDate) rather than left equal to the end."""
    tender, award, contract = parts
    sources = [
        (f"contracts[{_index(rel, 'contracts', contract)}].period", as_dict(contract.get("period"))),
        (f"awards[{_index(rel, 'awards', award)}].contractPeriod", as_dict(award.get("contractPeriod"))),
        ("tender.lots", _lots_period(lots)),
        ("tender.contractPeriod", as_dict(tender.get("contractPeriod"))),
    ]
    label, period = next(((n, p) for n, p in sources if p.get("startDate") or p.get("endDate")), (None, {}))
    rec["dates_from"] = label
    for name, key in (("start_date", "startDate"), ("end_date", "endDate")):
        rec[name], warning = iso_date(period.get(key))
        if warning:
            warnings_.append(f"{name}: {warning}")
    if rec["start_date"] and not rec["end_date"]:
        rec["end_date"], duration = _duration_end(rec["start_date"], period)
        if duration:
            warnings_.append(f"end date from the start and a duration of {duration}")
    extent = next((p.get("maxExtentDate") for _, p in sources if p.get("maxExtentDate")), None)
    rec["max_end_date"], warning = iso_date(extent)
    if warning:
        warnings_.append(f"max_end_date: {warning}")
    given = rec["max_end_date"] is not None
    if rec["end_date"] and (rec["max_end_date"] is None or rec["max_end_date"] < rec["end_date"]):
        if rec["max_end_date"] is not None:
            warnings_.append("maxExtentDate before the end date; ignored")
            given = False
        rec["max_end_date"] = rec["end_date"]
    if rec["start_date"] and rec["end_date"] and rec["end_date"] < rec["start_date"]:
        warnings_.append("end date before start date")
    return given


def _renewal_months(renewal: dict) -> int | None:
    """Extension months from a renewal's own figures: its period times the renewals allowed."""
    period = as_dict(renewal.get("period"))
    months, days = period.get("durationInMonths"), period.get("durationInDays")
    if isinstance(months, int) and months > 0:
        each = months
    elif isinstance(days, int) and days > 0:
        each = round(days / 30.4375)
    else:
        return None
    times = renewal.get("maximumRenewals")
    return each * (times if isinstance(times, int) and times > 0 else 1)


def _own_term(holder: dict, rec: dict) -> tuple[dt.date | None, dt.date | None]:
    """The term a renewal text is read against: its lot's or contract's own period, else the record's
    (a "3+1+1" written on a 3-year lot stays 24 months after a change notice moved the end)."""
    period = as_dict(holder.get("contractPeriod")) or as_dict(holder.get("period"))
    start, end = day(period.get("startDate")), day(period.get("endDate"))
    if start and not end:
        end = _duration_end(start, period)[0]
    return (start, end) if start and end else (rec["start_date"], rec["end_date"])


def _extension(rec: dict, holders: tuple[dict, ...], extent_given: bool, warnings_: list[str]) -> None:
    """Extension months from the renewal text ("3+1+1", "up to 24 months") or figures; an
    options text only where it reads as months. The end plus them is the latest end, unless
    the notice gave its own maxExtentDate."""
    renewals = [(h, as_dict(h.get("renewal"))) for h in holders if as_dict(h.get("renewal"))]
    text, months, warning = None, None, None
    for holder, renewal in renewals:
        if text := clean(renewal.get("description")):
            months, warning = parse_extension(text, *_own_term(holder, rec))
            break
    if months is None:
        months = next((m for _, r in renewals if (m := _renewal_months(r))), None)
    if text is None and months is None:
        for holder in holders:
            option = clean(as_dict(holder.get("options")).get("description"))
            if option and (found := parse_extension(option, *_own_term(holder, rec))[0]):
                text, months = option, found
                break
    elif warning and months is None:
        warnings_.append(f"renewal: {warning}")
    if months is not None and not 0 <= months <= MAX_EXTENSION_MONTHS:
        warnings_.append(
            f"renewal: {months} months of options is more than {MAX_EXTENSION_MONTHS // 12} years; ignored"
        )
        months = None
    rec["extension_raw"], rec["extension_months"] = text, months
    if months and rec["end_date"] and not extent_given:
        rec["max_end_date"], warning = extended_end(rec["end_date"], months)
        if warning:
            warnings_.append(f"renewal: {warning}")


# --------------------------------------------------------------------------- values


def _lot_sum(lots: list[dict]) -> tuple[Money | None, str]:
    """The lots' values added up (one currency only), and how many lots gave one."""
    values = [m for lot in lots if (m := money(lot.get("value"))) and m.amount is not None]
    if not values or len({m.currency for m in values}) > 1:
        return None, ""
    total = Money(sum(m.amount for m in values), any(m.gross for m in values), values[0].currency)
    return total, f"{len(values)} of {len(lots)} lot values"


def _value(rec: dict, parts: tuple[dict, dict, dict], lots: list[dict], warnings_: list[str]) -> None:
    """Contract value, else award value, else the tender's estimate, else its lots', else its maximum."""
    tender, award, contract = parts
    lot_total, lot_note = _lot_sum(lots)
    for label, value in (
        ("contract", money(contract.get("value"))),
        ("award", money(award.get("value"))),
        ("tender", money(tender.get("value"))),
        ("tender lots", lot_total),
        ("tender maximum", money(tender.get("maxValue"))),
    ):
        if value is None:
            continue
        if value.implausible is not None:
            warnings_.append(f"{label} value {value.implausible:g} {value.currency} is over 100bn; taken as unknown")
            continue
        if value.amount is None:
            warnings_.append(f"{label} value {value.placeholder:g} {value.currency} is a placeholder; taken as unknown")
            continue
        if value.currency != "GBP":
            rec["currency"], rec["value_amount"] = value.currency, value.amount
            warnings_.append(f"{label} value is in {value.currency}; not converted")
            return
        rec["total_value"], rec["value_gross"] = value.amount, value.gross
        if value.gross:
            warnings_.append(f"{label} value is gross (VAT included): no net amount given")
        if label == "tender lots":
            warnings_.append(f"total is the sum of {lot_note}")
        if rec["stage"] in {"contract", "award"} and label.startswith("tender"):
            warnings_.append("no award value; total is the tender's estimated value")
        break
    rec["annual_value"] = annual_value(rec["total_value"], rec["start_date"], rec["end_date"])


def _changes(rec: dict, history: list[dict]) -> None:
    """Keep the contract's change history; a termination (UK11) ends it on the termination date."""
    rec["history"] = history or None
    ended = [h for h in history if h["notice_type"] == "UK11" and h.get("end_date")]
    if ended:
        rec["end_date"] = rec["max_end_date"] = dt.date.fromisoformat(ended[-1]["end_date"])
