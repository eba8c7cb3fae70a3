"""One canonical supplier per company, across survey returns and open data.

Spellings are grouped in four steps, each recorded as the match's ``method`` so a person can
check it: the alias file (``refdata/supplier_aliases.csv``, confirmed by people, applied on
every build), the reference list of known suppliers, a shared Companies House number, and
fuzzy matching of the normalised names (rapidfuzz) for near-identical spellings. The alias
file can also forbid a fuzzy match ("distinct"), which wins over the score.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from etl.normalise.names import clean_text, known_supplier_keys, supplier_key, tidy_company_name
from etl.reference import REFDATA

ALIASES = REFDATA / "supplier_aliases.csv"
FUZZY_THRESHOLD = 93.0  # on normalised keys; "bytes software service" ~ "bytes software services"


@dataclass(frozen=True)
class SupplierMatch:
    raw: str
    canonical: str
    method: str  # alias | reference | company_number | fuzzy | exact
    score: float | None = None


@dataclass(frozen=True)
class AliasFile:
    same: dict[str, str]  # supplier key of a spelling -> canonical name
    distinct: set[frozenset[str]]  # pairs of keys that must never be merged


def read_aliases(path: Path = ALIASES) -> AliasFile:
    """Read the alias file: ``alias,canonical,decision`` with decision ``same`` or ``distinct``."""
    same, distinct = {}, set()
    if path.exists():
        with open(path, newline="", encoding="utf-8") as f:
            for line, row in enumerate(csv.DictReader(f), start=2):
                alias, canonical = clean_text(row.get("alias")), clean_text(row.get("canonical"))
                decision = (row.get("decision") or "same").strip().lower()
                if not alias or not canonical or decision not in {"same", "distinct"}:
                    raise ValueError(f"{path.name} line {line}: need alias, canonical and decision same|distinct")
                if decision == "same":
                    same[supplier_key(alias)] = canonical
                else:
                    distinct.add(frozenset({supplier_key(alias), supplier_key(canonical)}))
    return AliasFile(same, distinct)


class _Clusters:
    """Union-find over supplier keys."""

    def __init__(self, keys):
        self.parent = {k: k for k in keys}

    def find(self, k: str) -> str:
        while self.parent[k] != k:
            self.parent[k] = self.parent[self.parent[k]]
            k = self.parent[k]
        return k

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def resolve_suppliers(
    spellings: list[tuple[str, str | None]], aliases: AliasFile | None = None
) -> dict[str, SupplierMatch]:
    """Map each raw spelling to its canonical supplier.

    ``spellings`` holds (raw name, company number or None) for every record, repeats included:
    how often a spelling occurs decides which spelling names an unknown company.
    """
    aliases = aliases or read_aliases()
    key_of = {raw: supplier_key(raw) for raw in {raw for raw, _ in spellings if raw}}
    tidy = {raw: tidy_company_name(raw) for raw in key_of}  # once per spelling, not per record
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    numbers: dict[str, set[str]] = defaultdict(set)
    for raw, number in spellings:
        key = key_of.get(raw)
        if not key:
            continue
        counts[key][tidy[raw]] += 1
        if number:
            numbers[number.strip().upper().zfill(8)].add(key)

    # key -> (canonical, method) decided by people or by the reference list; reference keys take
    # part even when no record uses them, so a misspelling can still be matched to them
    fixed = {key: (name, "reference") for key, name in known_supplier_keys().items()}
    fixed.update({key: (name, "alias") for key, name in aliases.same.items()})
    universe = sorted(set(counts) | set(fixed))
    clusters = _Clusters(universe)
    methods: dict[str, tuple[str, float | None]] = {}
    for keys in numbers.values():
        first, *rest = sorted(keys)
        for other in rest:
            if frozenset({first, other}) not in aliases.distinct:
                clusters.union(first, other)
                methods.setdefault(other, ("company_number", None))
    _fuzzy_union(sorted(counts), universe, clusters, methods, aliases, fixed)

    members: dict[str, list[str]] = defaultdict(list)
    for key in universe:
        members[clusters.find(key)].append(key)
    names = [(keys, _cluster_name(keys, counts, fixed)) for keys in members.values()]  # once per cluster
    canonical = {key: name for keys, name in names for key in keys}
    result: dict[str, SupplierMatch] = {}
    for raw, key in key_of.items():
        if key:
            method, score = (fixed[key][1], None) if key in fixed else methods.get(key, ("exact", None))
            result[raw] = SupplierMatch(raw, canonical[key], method, score)
    return result


def _fuzzy_union(keys, candidates, clusters, methods, aliases, fixed) -> None:
    """Join each used key to near-identical candidates; never two different fixed names or a 'distinct' pair.

    Keys are compared only with candidates of the same first word (different first words are
    different companies, however close the rest), block by block: one matrix of every key against
    every candidate would take 40,000 x 40,000 cells at UK scale.
    """
    if not keys or len(candidates) < 2:
        return
    blocks: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for a in keys:
        blocks[a.split()[0]][0].append(a)
    for b in candidates:
        if b and b.split()[0] in blocks:  # an empty key is near nothing
            blocks[b.split()[0]][1].append(b)
    for first in sorted(blocks):
        _fuzzy_block(*blocks[first], clusters, methods, aliases, fixed)


def _fuzzy_block(keys, candidates, clusters, methods, aliases, fixed) -> None:
    """``_fuzzy_union`` for keys and candidates (both sorted) sharing a first word."""
    scores = process.cdist(keys, candidates, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD, workers=1)
    for i, a in enumerate(keys):
        for j in scores[i].nonzero()[0]:
            b = candidates[j]
            if a == b or frozenset({a, b}) in aliases.distinct:
                continue
            if a in fixed and b in fixed and fixed[a][0] != fixed[b][0]:
                continue
            clusters.union(a, b)
            if a not in fixed:
                methods.setdefault(a, ("fuzzy", round(float(scores[i][j]), 1)))


def _cluster_name(keys: list[str], counts: dict[str, Counter[str]], fixed: dict[str, tuple[str, str]]) -> str:
    """People's alias first, then the reference name, then the most used spelling (ties: alphabetical)."""
    for method in ("alias", "reference"):
        names = sorted({fixed[k][0] for k in keys if k in fixed and fixed[k][1] == method})
        if names:
            return names[0]
    total: Counter[str] = Counter()
    for k in keys:
        total.update(counts.get(k, {}))
    return sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def named_suppliers(rec: dict) -> list[dict]:
    """Every supplier a record names, first named first: its ``suppliers`` list, or its one supplier."""
    if rec.get("suppliers"):
        return rec["suppliers"]
    if rec.get("supplier_raw"):
        return [{"name": rec["supplier_raw"], "id": None, "company_number": rec.get("company_number")}]
    return []


def apply_suppliers(records: list[dict], aliases: AliasFile | None = None) -> list[SupplierMatch]:
    """Set ``supplier_name`` and ``supplier_key`` on every record, and the canonical name of every
    supplier it names (a framework's too); return the matches made."""
    spellings = [(s["name"], s.get("company_number")) for r in records for s in named_suppliers(r) if s.get("name")]
    matches = resolve_suppliers(spellings, aliases)
    for r in records:
        match = matches.get(r.get("supplier_raw") or "")
        r["supplier_name"] = match.canonical if match else None
        r["supplier_key"] = supplier_key(match.canonical) if match else None
        named = named_suppliers(r)
        for s in named:
            found = matches.get(s.get("name") or "")
            s["canonical"] = found.canonical if found else None
        r["suppliers"] = named or None
    return sorted(matches.values(), key=lambda m: (m.canonical, m.raw))
