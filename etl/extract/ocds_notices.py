"""Which notice an OCDS release is, under which law, and what later notices changed.

Under the Procurement Act 2023 a Find a Tender release is one notice: its type (UK1..UK17) is
``documents[].noticeType`` in the section the notice belongs to (planning, tender, an award, a
contract) and the document's id is the notice id, which is also the release id. The type sets
the record's stage (``etl/refdata/notice_types.csv``); a release without one (Contracts Finder,
Find a Tender under the 2015 regulations) is staged by its statuses in ``ocds_fields``.

Contract change (UK10) and termination (UK11) notices become the record's ``history``: one
entry per notice, oldest first, with the fields it set and, where an earlier release of the
same ocid is in the file, what they were before.

Also here: the small readers of OCDS objects that ``ocds_fields`` shares (a value's amount,
a period's dates), so both modules read them the same way.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from etl.normalise.names import clean
from etl.normalise.values import MAX_AMOUNT, iso_date
from etl.reference import read_table

NOTICE_CODE = re.compile(r"UK\d{1,2}")
SECTION_ORDER = {"planning": 0, "tender": 1, "awards": 2, "contracts": 3}


def objects(value: object) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def as_dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


# --------------------------------------------------------------------------- reference data


@dataclass(frozen=True)
class NoticeType:
    code: str
    name: str
    stage: str  # "" when a notice of this type is not a procurement (UK17)
    change: str  # "contract change" / "contract termination" for notices that change a let contract


@cache
def notice_types() -> dict[str, NoticeType]:
    rows = read_table("notice_types.csv")
    return {r["notice_type"]: NoticeType(r["notice_type"], r["name"], r["stage"], r["change"]) for r in rows}


@cache
def _legal_bases() -> dict[tuple[str, str], str]:
    return {(r["scheme"].upper(), r["id"].upper()): r["name"] for r in read_table("legal_bases.csv")}


def legal_basis(tender: dict) -> str | None:
    """The law the procurement is run under, by name where the scheme and id are known."""
    basis = tender.get("legalBasis")
    if isinstance(basis, str):
        return clean(basis) or None
    basis = as_dict(basis)
    scheme, ident = (clean(basis.get(k)) for k in ("scheme", "id"))
    if not ident:
        return None
    return _legal_bases().get((scheme.upper(), ident.upper())) or f"{scheme} {ident}".strip()


# --------------------------------------------------------------------------- notices


@dataclass(frozen=True)
class Notice:
    code: str  # UK1..UK17
    id: str  # the notice id, e.g. 083674-2026
    published: str  # datePublished as given
    section: str  # planning | tender | awards | contracts
    index: int | None  # the award's or contract's position in its array


def notices(rel: dict) -> list[Notice]:
    """Every document with a UK notice type, in the section and object it is in."""
    found = []
    holders = [("planning", None, as_dict(rel.get("planning"))), ("tender", None, as_dict(rel.get("tender")))]
    for section in ("awards", "contracts"):
        holders += [(section, i, obj) for i, obj in enumerate(objects(rel.get(section)))]
    for section, index, holder in holders:
        for doc in objects(holder.get("documents")):
            code = str(doc.get("noticeType") or "").strip().upper()
            if NOTICE_CODE.fullmatch(code):
                published = str(doc.get("datePublished") or "")
                found.append(Notice(code, str(doc.get("id") or ""), published, section, index))
    return found


def _instant(text: str) -> dt.datetime:
    """A timestamp to order notices by (naive ones taken as UTC); the earliest time if unreadable."""
    try:
        stamp = dt.datetime.fromisoformat(text)
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def current_notice(rel: dict, release_id: str) -> Notice | None:
    """The notice a release is: the document named by the release id, else the latest published."""
    found = notices(rel)
    named = [n for n in found if release_id and n.id == release_id]
    if named:
        return named[-1]
    return max(found, key=lambda n: (_instant(n.published), SECTION_ORDER[n.section]), default=None)


def notice_stage(notice: Notice | None) -> str | None:
    """The stage a notice type puts a record at; 'skip:<reason>' for notices that are no procurement;
    None when the type is unknown (the record is staged by its statuses)."""
    known = notice_types().get(notice.code) if notice else None
    if known is None:
        return None
    return known.stage or f"skip:{known.name.lower()} ({known.code}): not a procurement"


# --------------------------------------------------------------------------- shared readers


@dataclass(frozen=True)
class Money:
    amount: float | None  # None: no amount, or a placeholder
    gross: bool  # only amountGross (VAT included) was given
    currency: str
    placeholder: float | None = None  # a token amount (at most 1) given in place of a value
    implausible: float | None = None  # an amount over MAX_AMOUNT (£100bn), taken as unknown


PLACEHOLDER_MAX = 1.0


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def money(value: object) -> Money | None:
    """A value object's amount: net, else gross; None when it states neither."""
    value = as_dict(value)
    net, gross = _number(value.get("amount")), _number(value.get("amountGross"))
    amount, is_gross = (net, False) if net is not None and net > 0 else (gross, True)
    if amount is None or amount <= 0:
        return None
    currency = clean(value.get("currency")).upper() or "GBP"
    if amount <= PLACEHOLDER_MAX:
        return Money(None, is_gross, currency, amount)
    if not math.isfinite(amount) or amount > MAX_AMOUNT:
        return Money(None, is_gross, currency, implausible=amount)
    return Money(amount, is_gross, currency)


def day(value: object) -> dt.date | None:
    return iso_date(value)[0]


# --------------------------------------------------------------------------- history


def _release_order(releases: list[dict]) -> list[dict]:
    """Releases in the order they are compiled: by date, file order for equal dates."""
    return [r for _, r in sorted(enumerate(releases), key=lambda p: (str(p[1].get("date") or ""), p[0]))]


def change_history(
    compiled: dict, releases: list[dict], compile_fn: Callable[[list[dict]], tuple[dict, list]]
) -> list[dict]:
    """The change and termination notices of a contract, oldest first, with the fields each set.

    ``compile_fn`` compiles releases (``ocds.compile_releases``), to know what a field was
    before a notice changed it. Without releases (a record package's compiledRelease only), the
    compiled release's notice documents say which notices there were.
    """
    ordered = _release_order(releases)
    history = []
    for i, release in enumerate(ordered):
        notice = current_notice(release, str(release.get("id") or ""))
        kind = notice_types().get(notice.code) if notice else None
        if kind and kind.change:
            before = compile_fn(ordered[:i])[0] if i else {}
            history.append(_change_entry(release, notice, kind, before))
    if not ordered:
        for notice in sorted(notices(compiled), key=lambda n: _instant(n.published)):
            kind = notice_types().get(notice.code)
            if kind and kind.change:
                history.append(_change_entry(compiled, notice, kind, {}))
    return history


def _contract_of(rel: dict, notice: Notice) -> dict:
    """The contract a change notice is about: the one holding its document, else the first."""
    contracts = objects(rel.get("contracts"))
    if notice.section == "contracts" and notice.index is not None and notice.index < len(contracts):
        return contracts[notice.index]
    return contracts[0] if contracts else {}


def contract_state(contract: dict, terminated: bool = False) -> dict:
    """End date, latest end and value a contract object states (ISO dates, for JSON)."""
    period = as_dict(contract.get("period"))
    end = day(period.get("endDate"))
    if terminated:
        end = day(contract.get("finalStatusDate")) or end
    state = {"end_date": end, "max_end_date": end if terminated else day(period.get("maxExtentDate"))}
    value = money(contract.get("value"))
    if value and value.amount is not None:
        key = "total_value" if value.currency == "GBP" else "value_amount"
        state[key] = value.amount
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in state.items() if v is not None}


def _change_entry(release: dict, notice: Notice, kind: NoticeType, before: dict) -> dict:
    contract = _contract_of(release, notice)
    terminated = notice.code == "UK11"
    amendment = next((a for a in objects(contract.get("amendments")) if str(a.get("id")) == notice.id), {})
    when = day(amendment.get("date")) or (day(contract.get("finalStatusDate")) if terminated else None)
    when = when or day(notice.published) or day(release.get("date"))
    entry = {
        "date": when.isoformat() if when else None,
        "notice_type": notice.code,
        "what": kind.change,
        "notice_id": notice.id or None,
        "contract_id": str(contract["id"]) if contract.get("id") is not None else None,
    }
    state = contract_state(contract, terminated)
    if terminated and "end_date" not in state and when:
        state["end_date"] = state["max_end_date"] = when.isoformat()  # ended on the notice's date
    entry.update(state)
    old = next((c for c in objects(before.get("contracts")) if str(c.get("id")) == str(contract.get("id"))), None)
    was = {k: v for k, v in contract_state(old).items() if k in state and state[k] != v} if old else {}
    if was:
        entry["was"] = was
    text = clean(amendment.get("description") or amendment.get("rationale"))
    if text:
        entry["description"] = text
    return entry
