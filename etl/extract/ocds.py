"""OCDS release packages, record packages and JSON Lines of releases -> contract records.

Releases are grouped by ocid and compiled with ocdsmerge into the procurement's latest state,
so a tender release followed by an award release gives one record with both, and a contract
change notice (UK10) leaves the contract as changed. Packages are read with ijson, release by
release, so a large package is never parsed as one document. ``ocds_fields`` maps a compiled
release to its record; ``ocds_notices`` reads notice types, the law and the change history.

ocdsmerge merges the objects of an array by their ``id``. Publishers do not always keep ids
unique: older Contracts Finder releases give every supplier of an award ``"id": 0``, which
would merge a framework of fifteen suppliers into one. So an award's suppliers are merged as
a whole list (the latest release that names them names them all), and objects that share an
id within one array of a release are given distinct ids before merging, with a note saying so.

One record per compiled ocid; its record_id and source_ref come from the ocid under its
registered prefix, so the same notice republished as ``ocds-b5fd17raw-<uuid>`` is the same
record as ``ocds-b5fd17-<uuid>`` and the build keeps it once (counted as merged).

A JSON Lines file is parsed once, its ocids counted off the bytes first (each count then checked
against the parsed line).

Counting, per file: release packages and JSON Lines count releases read; record packages count
records. A release that was compiled into a later one is skipped ("earlier release of an ocid,
compiled"), so each read release is loaded, rejected or skipped exactly once.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import ijson

from etl.extract.limits import TooDeep, events, loads
from etl.extract.ocds_fields import SOURCES, main_award, release_record, source_of
from etl.extract.ocds_notices import change_history
from etl.extract.result import ReadResult

__all__ = ["SOURCES", "compile_releases", "main_award", "read_ocds", "release_record"]

# Merge rules of the OCDS 1.1 release schema that differ from ocdsmerge's defaults (objects in
# arrays merge by id, arrays of strings are replaced whole). Given here so compiling never
# needs to download the schema. An award's suppliers are one list (see above).
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
    ("awards", "suppliers"): "wholeListMerge",
}
WHOLE_LISTS = {path for path, rule in MERGE_RULES.items() if rule == "wholeListMerge"}
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
            self._reject(location, "release is not a JSON object", release)
        elif not isinstance(ocid, str) or not ocid.strip():
            self._reject(location, "release has no ocid", release)
        elif ocid in self.done:
            self._reject(location, "release of an ocid already compiled (file changed while read?)", release)
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

    def _reject(self, location: str, reason: str, release: object) -> None:
        self.result.reject("ocds", location, reason, release)

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
    if isinstance(exc, TooDeep):
        return ValueError(f"{path.name}: {exc}")
    return ValueError(f"{path.name}: not valid JSON ({' '.join(str(exc).split())})")


def _package_meta(path: Path, stop: str) -> dict:
    """Top-level scalars of a package (uri, publishedDate...) read before its big array."""
    meta: dict = {}
    with _open(path) as f:
        try:
            for prefix, event, value in events(f):
                if prefix == stop:
                    break
                if event in {"string", "number"} and "." not in prefix and prefix:
                    meta[prefix] = value
        except (ijson.JSONError, UnicodeDecodeError, TooDeep) as exc:
            raise _json_error(path, exc) from exc
    return meta


def _ocid_counts(path: Path, prefixes: set[str], multiple_values: bool = False) -> Counter | None:
    """Releases per ocid, from a pass that builds nothing but the ocids; None if it cannot tell.

    The pass checks the nesting of the whole file: a package nested too deeply is refused here
    (a JSON Lines file gives None, and its deep line is rejected when read)."""
    counts: Counter = Counter()
    with _open(path) as f:
        try:
            for prefix, event, value in events(f, multiple_values=multiple_values):
                if event == "string" and prefix in prefixes:
                    counts[value] += 1
        except TooDeep as exc:
            if multiple_values:
                return None
            raise _json_error(path, exc) from exc
        except (ijson.JSONError, UnicodeDecodeError):
            return None
    return counts


class _Unsure(Exception):
    """A line ``_line_ocids`` cannot count exactly as the ijson pass would."""


def _jsonl_ocid_counts(path: Path) -> Counter | None:
    """Releases per ocid in a JSON Lines file: each line parsed by ``json`` (C speed), else, where
    any line is not one plain JSON object, what ``_ocid_counts``'s ijson pass says (4x slower)."""
    counts: Counter = Counter()
    try:
        with _open(path) as f:
            for line in f:
                counts.update(_line_ocids(line))
    except (_Unsure, ValueError):
        return _ocid_counts(path, {"ocid", "releases.item.ocid"}, multiple_values=True)
    return counts


def _line_ocids(line: bytes) -> list[str]:
    """The ocids one line gives the ijson pass (its own, and its releases'), or ``_Unsure``."""
    text = line.decode("utf-8")  # not UTF-8 (a BOM too: json refuses it): ValueError
    if not text.strip(" \t\r\n"):
        return []
    return _ocids_of(text, loads(text))  # not JSON, too deep, two values on a line: ValueError


def _ocids_of(text: str, obj: object) -> list[str]:
    """The ocids of a line's parsed value, or ``_Unsure``: the text must hold ``ocid"`` exactly as
    often as ocids are found, so no key is missed or doubled."""
    if type(obj) is not dict:
        raise _Unsure
    found = [obj["ocid"]] if type(obj.get("ocid")) is str else []
    if type(obj.get("releases")) is list:
        found += [r["ocid"] for r in obj["releases"] if type(r) is dict and type(r.get("ocid")) is str]
    if len(found) != text.count('ocid"') or not all(ocid.isascii() or _encodes(ocid) for ocid in found):
        raise _Unsure
    return found


_OCID_PAIR = re.compile(rb'"ocid"\s*:\s*"([^"\\]*)"')  # "ocid": "text without escapes"


def _quick_ocids(line: bytes) -> list[str] | None:
    """The ocids of a line read off its bytes, without parsing it; None if any ``ocid"`` is not such
    a pair. A guess, until ``_check_counted`` has compared it with the parsed line."""
    found = _OCID_PAIR.findall(line)
    if len(found) != line.count(b'ocid"'):
        return None
    try:
        return [ocid.decode("utf-8") for ocid in found]
    except UnicodeDecodeError:
        return None


def _quick_ocid_counts(path: Path) -> Counter | None:
    """Releases per ocid in a JSON Lines file from ``_quick_ocids``; None if a line cannot be counted so."""
    counts: Counter = Counter()
    with _open(path) as f:
        for line in f:
            found = _quick_ocids(line)
            if found is None:
                return None
            counts.update(found)
    return counts


class _Recount(Exception):
    """A line whose quick count is not what ``_jsonl_ocid_counts`` would have counted."""


def _check_counted(line: bytes, n: int, obj: object) -> None:
    """Raise ``_Recount`` unless ``_jsonl_ocid_counts`` counts this parsed line as ``_quick_ocids``
    did: a line it would not parse (rejected, a BOM, blank only to ``str.strip``) is not."""
    if obj is _NOT_A_LINE:
        if line.strip(b" \t\r\n"):
            raise _Recount
        return
    if n == 1 and line.startswith(codecs.BOM_UTF8):
        raise _Recount
    try:
        found = _ocids_of(line.decode("utf-8"), obj)
    except _Unsure:
        raise _Recount from None
    quick = _quick_ocids(line)
    if quick is None or (found != quick and sorted(found) != sorted(quick)):
        raise _Recount


def _encodes(text: str) -> bool:
    """Whether text has no lone surrogate (ijson reads "\\ud800" as "?", json as the surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _depth_pass(path: Path) -> None:
    """Read the whole file's events once, so JSON nested too deeply is refused before items are built."""
    with _open(path) as f:
        try:
            for _ in events(f):
                pass
        except TooDeep as exc:
            raise _json_error(path, exc) from exc
        except (ijson.JSONError, UnicodeDecodeError):
            return  # _stream says where the JSON breaks


def _stream(path: Path, prefix: str, depth_checked: bool = False):
    """The items of a package's array, parsed one at a time (after a depth pass, unless a pass
    over the whole file has made that check already)."""
    if not depth_checked:
        _depth_pass(path)
    with _open(path) as f:
        try:
            yield from ijson.items(f, f"{prefix}.item", use_float=True)
        except (ijson.JSONError, TooDeep) as exc:
            raise _json_error(path, exc) from exc
        except UnicodeDecodeError as exc:
            raise ValueError(f"{path.name}: not UTF-8 text ({exc.reason})") from exc


def _read_package(path: Path, result: ReadResult) -> None:
    meta = _package_meta(path, "releases")
    counts = _ocid_counts(path, {"releases.item.ocid"})  # None: the JSON breaks somewhere; _stream says where
    collector = Collector(result, counts, meta.get("uri"))
    for n, release in enumerate(_stream(path, "releases", depth_checked=counts is not None), 1):
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
    file goes on: one bad line in a download must not cost the rest. Each line is parsed once:
    the ocids are counted off the bytes first, and checked against each parsed line; where a
    line does not bear the count out, the file is read again after counting it exactly.
    """
    quick = _quick_ocid_counts(path)
    if quick is not None:
        attempt = ReadResult(result.path, result.kind)
        with contextlib.suppress(_Recount):
            _collect_jsonl(path, Collector(attempt, quick), checked=True)
            vars(result).update(vars(attempt))
            return
    _collect_jsonl(path, Collector(result, _jsonl_ocid_counts(path)), checked=False)


def _collect_jsonl(path: Path, collector: Collector, checked: bool) -> None:
    """One pass over the lines, loading each ocid once its expected releases are in. Where the
    count is ``checked``, a line that does not bear it out ends the pass (``_Recount``): the caller
    then reads the file again, counted the slow and exact way."""
    result = collector.result
    with _open(path) as f:
        for n, line in enumerate(f, 1):
            obj = _line_object(line, n, result)
            if checked:
                _check_counted(line, n, obj)
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
        return loads(text)
    except ValueError as exc:  # not JSON, nested too deeply, NaN, an integer of 5,000 digits
        result.records_read += 1
        result.reject("ocds", f"line {n}", _line_error(exc), text)
        return _NOT_A_LINE


def _line_error(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg} at column {exc.colno})"
    if isinstance(exc, TooDeep):
        return str(exc)
    return f"not valid JSON ({' '.join(str(exc).split())[:200]})"


# --------------------------------------------------------------------------- compiling


def unique_ids(value: object, notes: list[str], path: tuple[str, ...] = ()) -> object:
    """A copy of a release in which objects sharing an id in one array get distinct ids
    ("0", "0#2", "0#3"...), so ocdsmerge keeps them apart; ``notes`` says where that was done.

    Arrays merged whole (``WHOLE_LISTS``) keep their ids: they are not merged by id.
    """
    if isinstance(value, dict):
        return {k: unique_ids(v, notes, (*path, k)) for k, v in value.items()}
    if not isinstance(value, list):
        return value
    items = [unique_ids(v, notes, path) for v in value]
    if path in WHOLE_LISTS or not all(isinstance(i, dict) for i in items):
        return items
    seen: Counter = Counter()
    for item in items:
        if "id" in item:
            seen[str(item["id"])] += 1
            if seen[str(item["id"])] > 1:
                item["id"] = f"{item['id']}#{seen[str(item['id'])]}"
    shared = {k: n for k, n in seen.items() if n > 1}
    if shared:
        ids = ", ".join(repr(k) for k in sorted(shared)[:3])
        notes.append(f"{'.'.join(path)}: {sum(shared.values())} objects share the id(s) {ids}; kept apart")
    return items


def shares_ids(value: object, path: tuple[str, ...] = ()) -> bool:
    """Whether ``unique_ids`` would change anything in ``value``: without shared ids its copy is
    the value itself, so the copy is skipped (it cost 8% of an OCDS build)."""
    if isinstance(value, dict):
        for key, item in value.items():  # noqa: SIM110 - a loop: any() over a generator took twice as long
            if isinstance(item, (dict, list)) and shares_ids(item, (*path, key)):
                return True
        return False
    if not isinstance(value, list):
        return False
    objects = True
    for item in value:
        if isinstance(item, (dict, list)) and shares_ids(item, path):
            return True
        objects = objects and isinstance(item, dict)
    if not objects or path in WHOLE_LISTS:
        return False
    ids = [str(item["id"]) for item in value if "id" in item]
    return len(set(ids)) < len(ids)


def same_date_conflicts(ordered: list[dict]) -> list[str]:
    """Releases of one ocid dated the same instant that say different things (ids aside): which
    wins is only file order, so it is said ("2 releases dated 2024-01-05T10:00:00Z differ; ...")."""
    by_date: dict[str, list[dict]] = {}
    for release in ordered:
        if isinstance(release.get("date"), str):
            by_date.setdefault(release["date"], []).append(release)
    notes = []
    for date, group in by_date.items():
        if len(group) > 1 and len({_content(r) for r in group}) > 1:
            notes.append(f"{len(group)} releases dated {date} differ; the later in file order was used")
    return notes


def _content(release: dict) -> str:
    return json.dumps({k: v for k, v in release.items() if k != "id"}, sort_keys=True, default=str)


class _NotPlain(Exception):
    """A release holds something ``compile_one`` does not copy exactly as ocdsmerge compiles it."""


def compile_one(release: dict, notes: list[str]) -> dict:
    """What ``CompiledRelease`` makes of ``unique_ids(release)`` alone, built in one pass: most
    ocids have one release, and flattening, merging and unflattening it cost a third of an OCDS
    build. Raises ``_NotPlain`` (the caller then uses ocdsmerge) for an ocid or date that is not
    text, or an array item whose id is not text or an integer, or whose ids still clash."""
    ocid, date = release.get("ocid"), release.get("date")
    if type(ocid) is not str or (date is not None and type(date) is not str):
        raise _NotPlain
    out = {"tag": ["compiled"], "id": f"{ocid}-{date}"}  # what CompiledRelease.flat_append sets
    if date is not None:
        out["date"] = date
    out["ocid"] = ocid
    out.update(_plain_object(release, (), notes) or {})
    return out


def _plain_object(obj: dict, path: tuple[str, ...], notes: list[str]) -> dict | None:
    """An object as ocdsmerge unflattens it: nulls dropped, containers kept where something is
    under them (a null too), empty ones dropped; None when nothing is."""
    out, kept = {}, False
    for key, value in obj.items():
        rule = MERGE_RULES.get((*path, key)) if key in _RULED else None
        if rule == "omitWhenMerged" or (key == "ocid" and not path):  # compile_one has set the ocid
            _leaf(value, notes, (*path, key))  # only for its notes: the value is not merged
        elif rule == "wholeListMerge" or not isinstance(value, (dict, list)) or _mixed(value):
            kept = True  # a value ocdsmerge stores whole
            if value is not None:
                out[key] = _leaf(value, notes, (*path, key))
        elif value:
            at = (*path, key)
            sub = _plain_object(value, at, notes) if type(value) is dict else _plain_array(value, at, notes)
            if sub is not None:
                kept, out[key] = True, sub
    return out if kept else None


_RULED = {path[-1] for path in MERGE_RULES}  # keys worth looking up in MERGE_RULES
_SCALARS = (str, int, float, bool, type(None))


def _leaf(value: object, notes: list[str], path: tuple[str, ...]) -> object:
    """A value stored whole, copied as ``unique_ids`` copies it (a list of scalars at C speed)."""
    if type(value) in _SCALARS:
        return value
    if type(value) is list and all(type(v) in _SCALARS for v in value):
        return value[:]
    return unique_ids(value, notes, path)


def _mixed(value: dict | list) -> bool:
    """An array holding anything but objects: ocdsmerge stores it whole."""
    return type(value) is list and any(not isinstance(v, dict) for v in value)


def _plain_array(items: list[dict], path: tuple[str, ...], notes: list[str]) -> list[dict] | None:
    """An array of objects as ocdsmerge unflattens it, ids made distinct as ``unique_ids`` does;
    an object with an id starts with it."""
    bodies = [_plain_object(item, path, notes) for item in items]
    ids = [item["id"] for item in items if "id" in item]
    if any(type(i) is not str and type(i) is not int for i in ids):
        raise _NotPlain
    texts = ids if all(type(i) is str for i in ids) else [str(i) for i in ids]
    if len(set(texts)) < len(texts):  # shared ids: renamed, and said, as unique_ids does
        ids = [o["id"] for o in unique_ids([{"id": i} for i in ids], notes, path)]
        if len({str(i) for i in ids}) < len(ids):
            raise _NotPlain  # a given id clashes with a made one ("0#2"): ocdsmerge would merge them
    given = iter(ids)
    out = []
    for item, body in zip(items, bodies, strict=True):
        if "id" in item:
            out.append({"id": next(given), **{k: v for k, v in body.items() if k != "id"}})
        elif body is not None:
            out.append(body)
    return out or None


def compile_releases(releases: list[dict]) -> tuple[dict, list[str]]:
    """The releases merged in date order (file order for equal or missing dates), with warnings."""
    if len(releases) == 1:
        with contextlib.suppress(_NotPlain):
            notes: list[str] = []
            return compile_one(releases[0], notes), sorted(set(notes), key=notes.index)
    notes = []
    if any(not isinstance(r.get("date"), str) for r in releases) and len(releases) > 1:
        notes.append("a release has no date; releases without one are merged first")
    ordered = [r for _, r in sorted(enumerate(releases), key=lambda p: (str(p[1].get("date") or ""), p[0]))]
    notes += same_date_conflicts(ordered)
    from ocdsmerge import CompiledRelease  # its imports (requests, jsonref) only when it is needed

    merged = CompiledRelease(merge_rules=MERGE_RULES)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for release in ordered:
            merged.append(unique_ids(release, notes) if shares_ids(release) else release)
        compiled = merged.asdict()
    notes += [str(w.message) for w in caught]
    return compiled, sorted(set(notes), key=notes.index)


def _load_group(group: Group, result: ReadResult, package_uri: str | None) -> None:
    """Compile one ocid's releases and load, skip or reject the outcome."""
    if group.units > 1:
        result.skipped[COMPILED_AWAY] += group.units - 1
    try:
        if group.compiled is not None:
            compiled, notes = group.compiled, []
        else:
            compiled, notes = compile_releases(group.releases)
        history = change_history(compiled, group.releases, compile_releases)
    except Exception as exc:  # ocdsmerge raises its own types for inconsistent releases
        result.reject(source_of(group.ocid), group.ocid, f"releases cannot be compiled ({exc})", group.releases)
        return
    record, skip = release_record(compiled, result.path.name, _latest(group.releases), package_uri, history)
    if skip:
        result.skipped[skip] += 1
    elif record is None:
        result.reject(source_of(group.ocid), group.ocid, "no tender, award or contract to read", compiled)
    else:
        record["warnings"] = notes + record["warnings"]
        result.records.append(record)


def _latest(releases: list[dict]) -> dict:
    """The latest release (its id and tags are not kept by compiling), or {}."""
    if not releases:
        return {}
    return max(enumerate(releases), key=lambda p: (str(p[1].get("date") or ""), p[0]))[1]


# --------------------------------------------------------------------------- across files


def is_ocds_record(rec: dict) -> bool:
    return str(rec.get("source_ref") or "").startswith("ocds-")


def combine_compiled(older: dict, newer: dict) -> dict:
    """One ocid's record from two files (an API page with the UK7, a later page with the UK10).

    Each file compiles its own releases, so the later one may lack what only the earlier had:
    a change notice carries no awards, hence no suppliers. The newer state wins field by field
    where it says something, the older fills the rest, and both histories are kept, oldest first.
    """
    out = {k: (v if v is not None else older.get(k)) for k, v in newer.items()}
    out["suppliers"] = newer.get("suppliers") or older.get("suppliers")
    if not newer.get("supplier_raw"):
        out["supplier_raw"], out["company_number"] = older.get("supplier_raw"), older.get("company_number")
    seen, history = set(), []
    for entry in [*(older.get("history") or []), *(newer.get("history") or [])]:
        key = (entry.get("notice_id"), entry.get("date"), entry.get("notice_type"))
        if key not in seen:
            seen.add(key)
            history.append(entry)
    out["history"] = sorted(history, key=lambda e: str(e.get("date") or "")) or None
    out["warnings"] = list(dict.fromkeys([*(older.get("warnings") or []), *(newer.get("warnings") or [])]))
    return out
