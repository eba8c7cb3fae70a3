"""OCDS release packages, record packages and JSON Lines of releases -> contract records.

Releases are grouped by ocid and compiled with ocdsmerge into the procurement's latest state,
so a tender release followed by an award release gives one record with both. Packages are
read with ijson, release by release, so a large package is never parsed as one document.

One record per compiled ocid. Its stage is ``contract`` when an award or contract is in force
(the "main" award: the active one with the largest value, and the contract that implements
it), ``tender`` for an open tender, ``planning`` for planning only; cancelled or unsuccessful
procurements are skipped. Other awards of a multi-award ocid are not separate records; the
record's warnings say how many there were.

Counting, per file: release packages and JSON Lines count releases read; record packages count
records. A release that was compiled into a later one is skipped ("earlier release of an ocid,
compiled"), so each read release is loaded, rejected or skipped exactly once.
"""

from __future__ import annotations

import json
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import ijson
from ocdsmerge import CompiledRelease

from etl.extract.result import ReadResult
from etl.normalise.cpv import classify, normalise_cpv
from etl.normalise.names import clean, company_number
from etl.normalise.values import annual_value, iso_date
from etl.records import new_record
from etl.reference import borough_code

# ocid prefix -> source name (prefixes are registered per publisher with the OCP)
SOURCES = {"ocds-b5fd17": "contracts_finder", "ocds-h6vhtk": "find_a_tender"}
CF_NOTICE = "https://www.contractsfinder.service.gov.uk/Notice/{}"
CF_PACKAGE_URI = re.compile(r"contractsfinder\.service\.gov\.uk/Published/Notice/releases/([0-9a-f-]{36})\.json", re.I)
FTS_NOTICE = "https://www.find-tender.service.gov.uk/Notice/{}"

# Merge rules of the OCDS 1.1 release schema that differ from ocdsmerge's defaults (objects in
# arrays merge by id, arrays of strings are replaced whole). Given here so compiling never
# needs to download the schema.
MERGE_RULES = {
    ("id",): "omitWhenMerged",
    ("date",): "omitWhenMerged",
    ("tag",): "omitWhenMerged",
    ("parties", "additionalIdentifiers"): "wholeListMerge",
    ("buyer", "additionalIdentifiers"): "wholeListMerge",
    ("tender", "procuringEntity", "additionalIdentifiers"): "wholeListMerge",
    ("tender", "items", "additionalClassifications"): "wholeListMerge",
    ("awards", "items", "additionalClassifications"): "wholeListMerge",
    ("contracts", "items", "additionalClassifications"): "wholeListMerge",
}
LIVE_AWARD = {"active", "pending", None}
LIVE_CONTRACT = {"active", "terminated", "pending", None}
DEAD_TENDER = {"cancelled", "unsuccessful", "withdrawn"}
COMPILED_AWAY = "earlier release of an ocid, compiled"


@dataclass
class Group:
    """The releases of one ocid in a file, in file order, and where the first was found."""

    ocid: str
    location: str
    releases: list[dict] = field(default_factory=list)
    compiled: dict | None = None  # a record package's own compiledRelease
    units: int = 0  # what the file's count of reads holds for this group (releases or 1 record)


def read_ocds(path: str | Path, kind: str | None = None) -> ReadResult:
    """Read a release package, record package or JSON Lines file (kind detected if not given)."""
    from etl.extract.detect import detect_kind

    path = Path(path)
    kind = kind or detect_kind(path)
    readers = {"ocds_release_package": _read_package, "ocds_record_package": _read_records, "ocds_jsonl": _read_jsonl}
    if kind not in readers:
        raise ValueError(f"{path.name}: not an OCDS release package, record package or JSON Lines file")
    result = ReadResult(path, kind)
    readers[kind](path, result)
    return result


# --------------------------------------------------------------------------- reading


@dataclass
class Collector:
    """Groups releases by ocid and loads each ocid as soon as all its releases are in.

    ``expected`` (releases per ocid, from a quick first pass) lets a group go as soon as it is
    complete, so memory holds only unfinished ocids; without it every group waits for the end.
    """

    result: ReadResult
    expected: Counter | None
    package_uri: str | None = None
    pending: dict[str, Group] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)

    def add(self, release: object, location: str) -> None:
        self.result.records_read += 1
        ocid = release.get("ocid") if isinstance(release, dict) else None
        if not isinstance(release, dict):
            self.result.reject("ocds", location, "release is not a JSON object", release)
        elif not isinstance(ocid, str) or not ocid.strip():
            self.result.reject("ocds", location, "release has no ocid", release)
        elif ocid in self.done:
            self.result.reject(
                "ocds", location, "release of an ocid already compiled (file changed while read?)", release
            )
        else:
            group = self.pending.setdefault(ocid, Group(ocid, location))
            group.releases.append(release)
            group.units += 1
            if self.expected is not None and group.units >= self.expected[ocid]:
                self._load(self.pending.pop(ocid))

    def finish(self) -> None:
        for group in self.pending.values():
            self._load(group)
        self.pending = {}

    def _load(self, group: Group) -> None:
        self.done.add(group.ocid)
        single = self.expected is not None and len(self.expected) == 1
        if self.expected is None:
            single = len(self.pending) == 1 and len(self.done) == 1
        _load_group(group, self.result, self.package_uri if single else None)


def _open(path: Path):
    try:
        return open(path, "rb")
    except OSError as exc:
        raise ValueError(f"{path.name}: cannot be read ({exc.strerror})") from exc


def _json_error(path: Path, exc: Exception) -> ValueError:
    return ValueError(f"{path.name}: not valid JSON ({' '.join(str(exc).split())})")


def _package_meta(path: Path, stop: str) -> dict:
    """Top-level scalars of a package (uri, publishedDate...) read before its big array."""
    meta: dict = {}
    with _open(path) as f:
        try:
            for prefix, event, value in ijson.parse(f):
                if prefix == stop:
                    break
                if event in {"string", "number"} and "." not in prefix and prefix:
                    meta[prefix] = value
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            raise _json_error(path, exc) from exc
    return meta


def _ocid_counts(path: Path, prefixes: set[str], multiple_values: bool = False) -> Counter | None:
    """Releases per ocid, from a pass that builds nothing but the ocids; None if it cannot tell."""
    counts: Counter = Counter()
    with _open(path) as f:
        try:
            for prefix, event, value in ijson.parse(f, multiple_values=multiple_values):
                if event == "string" and prefix in prefixes:
                    counts[value] += 1
        except (ijson.JSONError, UnicodeDecodeError):
            return None
    return counts


def _stream(path: Path, prefix: str):
    """The items of a package's array, parsed one at a time."""
    with _open(path) as f:
        try:
            yield from ijson.items(f, f"{prefix}.item", use_float=True)
        except ijson.JSONError as exc:
            raise _json_error(path, exc) from exc
        except UnicodeDecodeError as exc:
            raise ValueError(f"{path.name}: not UTF-8 text ({exc.reason})") from exc


def _read_package(path: Path, result: ReadResult) -> None:
    meta = _package_meta(path, "releases")
    collector = Collector(result, _ocid_counts(path, {"releases.item.ocid"}), meta.get("uri"))
    for n, release in enumerate(_stream(path, "releases"), 1):
        collector.add(release, f"release {n}")
    collector.finish()


def _read_records(path: Path, result: ReadResult) -> None:
    """One group per record: its compiledRelease if given, else its embedded releases."""
    seen: set[str] = set()
    for n, record in enumerate(_stream(path, "records"), 1):
        result.records_read += 1
        location = f"record {n}"
        ocid = record.get("ocid") if isinstance(record, dict) else None
        if not isinstance(ocid, str) or not ocid.strip():
            result.reject("ocds", location, "record has no ocid", record)
            continue
        if ocid in seen:
            result.skipped["another record for the same ocid in the file"] += 1
            continue
        seen.add(ocid)
        embedded = [r for r in record.get("releases") or [] if isinstance(r, dict) and "url" not in r]
        compiled = record.get("compiledRelease")
        if not embedded and not isinstance(compiled, dict):
            result.reject("ocds", ocid, "record has only linked releases and no compiledRelease", record)
            continue
        group = Group(ocid, location, embedded, compiled if isinstance(compiled, dict) else None, units=1)
        _load_group(group, result, None)


_NOT_A_LINE = object()  # what _line_object gives for a blank line, or one it rejected


def _read_jsonl(path: Path, result: ReadResult) -> None:
    """Releases one per line; a line may also hold a whole release package.

    A line that is not JSON (cut off, or not UTF-8) is rejected with its line number and the
    file goes on: one bad line in a download must not cost the rest.
    """
    collector = Collector(result, _ocid_counts(path, {"ocid", "releases.item.ocid"}, multiple_values=True))
    with _open(path) as f:
        for n, line in enumerate(f, 1):
            obj = _line_object(line, n, result)
            if obj is _NOT_A_LINE:
                continue
            if isinstance(obj, dict) and isinstance(obj.get("releases"), list):
                for i, release in enumerate(obj["releases"], 1):
                    collector.add(release, f"line {n} release {i}")
            else:
                collector.add(obj, f"line {n}")
    collector.finish()


def _line_object(line: bytes, n: int, result: ReadResult) -> object:
    """The JSON value on line ``n``; a blank line, or one rejected here, gives ``_NOT_A_LINE``."""
    try:
        text = line.decode("utf-8-sig" if n == 1 else "utf-8").strip()
    except UnicodeDecodeError as exc:
        result.records_read += 1
        text = line.decode("utf-8", errors="replace").strip()
        result.reject("ocds", f"line {n}", f"not UTF-8 text ({exc.reason} at byte {exc.start + 1})", text)
        return _NOT_A_LINE
    if not text:
        return _NOT_A_LINE
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        result.records_read += 1
        result.reject("ocds", f"line {n}", f"not valid JSON ({exc.msg} at column {exc.colno})", text)
        return _NOT_A_LINE


# --------------------------------------------------------------------------- compiling


def compile_releases(releases: list[dict]) -> tuple[dict, list[str]]:
    """The releases merged in date order (file order for equal or missing dates), with warnings."""
    notes = []
    if any(not isinstance(r.get("date"), str) for r in releases) and len(releases) > 1:
        notes.append("a release has no date; releases without one are merged first")
    ordered = sorted(enumerate(releases), key=lambda p: (str(p[1].get("date") or ""), p[0]))
    merged = CompiledRelease(merge_rules=MERGE_RULES)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _, release in ordered:
            merged.append(release)
        compiled = merged.asdict()
    notes += sorted({str(w.message) for w in caught})
    return compiled, notes


def _load_group(group: Group, result: ReadResult, package_uri: str | None) -> None:
    """Compile one ocid's releases and load, skip or reject the outcome."""
    if group.units > 1:
        result.skipped[COMPILED_AWAY] += group.units - 1
    if group.compiled is not None:
        compiled, notes = group.compiled, []
    else:
        try:
            compiled, notes = compile_releases(group.releases)
        except Exception as exc:  # ocdsmerge raises its own types for inconsistent releases
            result.reject(_source(group.ocid), group.ocid, f"releases cannot be compiled ({exc})", group.releases)
            return
    record, skip = release_record(compiled, result.path.name, _latest(group.releases), package_uri)
    if skip:
        result.skipped[skip] += 1
    elif record is None:
        result.reject(_source(group.ocid), group.ocid, "no tender, award or contract to read", compiled)
    else:
        record["warnings"] = notes + record["warnings"]
        result.records.append(record)


def _latest(releases: list[dict]) -> dict:
    """The latest release (its id and tags are not kept by compiling), or {}."""
    if not releases:
        return {}
    return max(enumerate(releases), key=lambda p: (str(p[1].get("date") or ""), p[0]))[1]


# --------------------------------------------------------------------------- mapping


def _source(ocid: str) -> str:
    return next((name for prefix, name in SOURCES.items() if ocid.startswith(prefix)), "ocds")


def _objects(value: object) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def release_record(rel: dict, file_name: str, latest: dict, package_uri: str | None) -> tuple[dict | None, str | None]:
    """(record, None) for a compiled release worth loading, (None, reason) to skip, (None, None) if empty.

    ``latest`` is the latest release compiled into ``rel``, for its id and tags.
    """
    ocid = str(rel.get("ocid"))
    source = _source(ocid)
    tags = [t for t in latest.get("tag") or [] if isinstance(t, str)] if isinstance(latest.get("tag"), list) else []
    tender = _dict(rel.get("tender"))
    award, contract = main_award(rel)
    stage = _stage(rel, tender, award, contract, tags)
    if stage is None or stage.startswith("skip:"):
        return None, (stage[5:] if stage else None)
    rec = new_record(source, ocid, file_name, stage=stage,
                     source_url=_notice_url(source, str(latest.get("id") or ""), package_uri))  # fmt: skip
    warnings_ = rec["warnings"]
    parties = {str(p.get("id")): p for p in _objects(rel.get("parties")) if p.get("id") is not None}
    _buyer(rec, rel, parties, warnings_)
    _texts(rec, tender, award, contract)
    if stage == "contract":
        _supplier(rec, award, parties, warnings_)
        others = len(_live_awards(rel)) - 1
        if others > 0:
            warnings_.append(f"{others} other active award(s) in this ocid not represented")
    _classification(rec, rel)
    _periods(rec, tender, award, contract, warnings_)
    _value(rec, tender, award, contract, warnings_)
    rec["published_date"], _ = iso_date(rel.get("date"))
    return rec, None


def _live_awards(rel: dict) -> list[dict]:
    return [a for a in _objects(rel.get("awards")) if a.get("status") in LIVE_AWARD]


def main_award(rel: dict) -> tuple[dict, dict]:
    """The award in force with the largest value, and the contract implementing it ({} if none)."""
    contracts = [c for c in _objects(rel.get("contracts")) if c.get("status") in LIVE_CONTRACT]
    awards = _live_awards(rel)
    if not awards and contracts:  # a contract without a published award
        return {}, contracts[0]
    if not awards:
        return {}, {}
    award = max(awards, key=lambda a: (_amount(a.get("value")) or 0, str(a.get("date") or "")))
    contract = next((c for c in contracts if str(c.get("awardID")) == str(award.get("id"))), {})
    return award, contract


def _stage(rel: dict, tender: dict, award: dict, contract: dict, tags: list[str]) -> str | None:
    """contract / tender / planning, or 'skip:<reason>' for procurements that are not one."""
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
    return "skip:only cancelled or unsuccessful awards" if _objects(rel.get("awards")) else None


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


def _party(ref: object, parties: dict[str, dict]) -> dict:
    """An organisation reference resolved to its party (names fall back to the reference's)."""
    ref = _dict(ref)
    party = parties.get(str(ref.get("id")), {}) if ref.get("id") is not None else {}
    return {**party, **{k: v for k, v in ref.items() if v not in (None, "")}} if ref else party


def _buyer(rec: dict, rel: dict, parties: dict[str, dict], warnings_: list[str]) -> None:
    buyer = _party(rel.get("buyer"), parties)
    if not buyer.get("name"):
        buyer = next((p for p in parties.values() if "buyer" in (p.get("roles") or [])), buyer)
    rec["buyer_name"] = clean(buyer.get("name")) or None
    rec["borough_code"] = borough_code(rec["buyer_name"])
    if rec["buyer_name"] is None:
        warnings_.append("no buyer name")
    contact = _dict(buyer.get("contactPoint"))
    rec["contact_name"] = clean(contact.get("name")) or None
    rec["contact_email"] = clean(contact.get("email")) or None


_PLACEHOLDER = re.compile(r"^see (the )?description of (the )?related tender\.?$", re.I)


def _texts(rec: dict, tender: dict, award: dict, contract: dict) -> None:
    def first(key: str) -> str | None:
        for obj in (tender, award, contract):
            text = clean(obj.get(key))
            if text and not _PLACEHOLDER.match(text):
                return text
        return None

    rec["title"], rec["description"] = first("title"), first("description")


def _supplier(rec: dict, award: dict, parties: dict[str, dict], warnings_: list[str]) -> None:
    suppliers = [_party(s, parties) for s in _objects(award.get("suppliers"))]
    if not suppliers:
        suppliers = [p for p in parties.values() if "supplier" in (p.get("roles") or [])]
    named = [s for s in suppliers if clean(s.get("name"))]
    if not named:
        warnings_.append("award names no supplier")
        return
    rec["supplier_raw"] = clean(named[0].get("name"))
    rec["company_number"] = _company_number(named[0])
    if len(named) > 1:
        warnings_.append(f"{len(named)} suppliers named; supplier is the first, {rec['supplier_raw']!r}")


def _company_number(party: dict) -> str | None:
    """The Companies House number among the party's identifiers (scheme GB-COH)."""
    ids = [_dict(party.get("identifier")), *_objects(party.get("additionalIdentifiers"))]
    numbers = [company_number(i.get("id")) for i in ids if i.get("scheme") == "GB-COH"]
    return next((n for n in numbers if n), None)


def _classifications(rel: dict) -> list[dict]:
    """Every classification: tender's own, then its items', then awards' and contracts' items'."""
    tender = _dict(rel.get("tender"))
    found = [_dict(tender.get("classification"))]
    items = _objects(tender.get("items"))
    for key in ("awards", "contracts"):
        for obj in _objects(rel.get(key)):
            items += _objects(obj.get("items"))
    for item in items:
        found += [_dict(item.get("classification")), *_objects(item.get("additionalClassifications"))]
    return [c for c in found if c]


def _classification(rec: dict, rel: dict) -> None:
    codes = []
    for c in _classifications(rel):
        scheme = str(c.get("scheme") or "CPV").upper()
        code = normalise_cpv(c.get("id")) if scheme.startswith("CPV") else None
        if code and code not in codes:
            codes.append(code)
    rec.update(classify(codes))


def _periods(rec: dict, tender: dict, award: dict, contract: dict, warnings_: list[str]) -> None:
    """Dates from the contract's period, else the award's contractPeriod, else the tender's."""
    periods = [_dict(contract.get("period")), _dict(award.get("contractPeriod")), _dict(tender.get("contractPeriod"))]
    period = next((p for p in periods if p.get("startDate") or p.get("endDate")), {})
    for name, key in (("start_date", "startDate"), ("end_date", "endDate")):
        rec[name], warning = iso_date(period.get(key))
        if warning:
            warnings_.append(f"{name}: {warning}")
    extent = next((p.get("maxExtentDate") for p in periods if p.get("maxExtentDate")), None)
    rec["max_end_date"], warning = iso_date(extent)
    if warning:
        warnings_.append(f"max_end_date: {warning}")
    if rec["end_date"] and (rec["max_end_date"] is None or rec["max_end_date"] < rec["end_date"]):
        if rec["max_end_date"] is not None:
            warnings_.append("maxExtentDate before the end date; ignored")
        rec["max_end_date"] = rec["end_date"]
    if rec["start_date"] and rec["end_date"] and rec["end_date"] < rec["start_date"]:
        warnings_.append("end date before start date")


def _amount(value: object) -> float | None:
    amount = _dict(value).get("amount")
    return float(amount) if isinstance(amount, (int, float)) and not isinstance(amount, bool) and amount > 0 else None


def _value(rec: dict, tender: dict, award: dict, contract: dict, warnings_: list[str]) -> None:
    """Contract value, else award value, else the tender's estimate; GBP only."""
    for label, value in (
        ("contract", contract.get("value")),
        ("award", award.get("value")),
        ("tender", tender.get("value")),
        ("tender maximum", tender.get("maxValue")),
    ):
        amount = _amount(value)
        if amount is None:
            continue
        currency = _dict(value).get("currency") or "GBP"
        if currency != "GBP":
            warnings_.append(f"{label} value is in {currency}; not converted")
            return
        rec["total_value"] = amount
        if rec["stage"] == "contract" and label.startswith("tender"):
            warnings_.append("no award value; total is the tender's estimated value")
        break
    rec["annual_value"] = annual_value(rec["total_value"], rec["start_date"], rec["end_date"])
