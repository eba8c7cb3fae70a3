"""Technology scope: whether each record is a technology contract, and why (``is_it``, ``it_reason``).

Applied to every record of a build, whatever its source, after the readers. Real Contracts
Finder files are mostly not technology (agency staff, repairs, electricity, supported living),
and the app counts technology contracts by default, so every record gets a decision and a
reason a person can check:

- a survey row is technology by definition (boroughs list their systems), and so is a row of a
  public system listing (it names the system an authority runs);
- a notice whose main (first) CPV code is a technology code is technology (``etl.normalise.cpv``);
- a notice with no technology code is not, unless its title names technology in words too
  specific to mean anything else (a rule marked ``overrides_cpv``: "software", "ICT", "laptops");
- a notice whose only technology codes are secondary is decided by its title; one with no CPV
  code at all (registers, some notices) by its title, else its description.

The title rules are data, in ``refdata/it_title_rules.csv``: masks first (phrases in which a
technology word means something else, "dynamic purchasing system", "fire alarm system", set aside
before matching), then rules tried in file order, the first that matches deciding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from etl.normalise.cpv import cpv_is_it, technology_codes
from etl.reference import read_table

RULES_FILE = "it_title_rules.csv"
KINDS = ("mask", "technology", "not_technology")
MAX_CODES_NAMED = 3  # a reason names at most this many codes


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str  # mask | technology | not_technology
    overrides_cpv: bool  # a technology word specific enough to outweigh non-technology CPV codes
    pattern: re.Pattern


@cache
def rules() -> tuple[Rule, ...]:
    """The title rules of ``refdata/it_title_rules.csv``, in file order."""
    return parse_rules(read_table(RULES_FILE))


def parse_rules(rows: list[dict[str, str]]) -> tuple[Rule, ...]:
    """Rules from the file's rows, checked: a known kind, ``overrides_cpv`` on technology rules only,
    a pattern that compiles (a bad rules file stops the build, naming its line)."""
    out = []
    for n, row in enumerate(rows, start=2):
        if row["kind"] not in KINDS:
            raise ValueError(f"{RULES_FILE} line {n}: kind {row['kind']!r} is not one of {', '.join(KINDS)}")
        if row["overrides_cpv"] not in ("", "yes") or (row["overrides_cpv"] and row["kind"] != "technology"):
            raise ValueError(f"{RULES_FILE} line {n}: overrides_cpv is 'yes' on technology rules only, or empty")
        try:
            pattern = re.compile(row["pattern"], re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"{RULES_FILE} line {n}: pattern {row['pattern']!r} does not compile: {exc}") from None
        out.append(Rule(row["rule"], row["kind"], row["overrides_cpv"] == "yes", pattern))
    return tuple(out)


def _unmasked(text: str) -> str:
    for rule in rules():
        if rule.kind == "mask":
            text = rule.pattern.sub(" ", text)
    return text


def text_rule(text: str | None) -> Rule | None:
    """The first rule (after the masks) that matches ``text``, or None."""
    return _text_rule(str(text or ""))


@lru_cache(maxsize=1 << 16)
def _text_rule(text: str) -> Rule | None:
    """Cached: notices repeat titles (a buyer's every call-off), and each costs every rule's regex."""
    text = _unmasked(" ".join(text.split()))
    return next((r for r in rules() if r.kind != "mask" and r.pattern.search(text)), None)


def title_rule(title: str | None, description: str | None) -> tuple[Rule, str] | None:
    """The rule that decides a notice by its words, and where it matched: the title, else the description."""
    for where, text in (("title", title), ("description", description)):
        rule = text_rule(text)
        if rule is not None:
            return rule, where
    return None


def _codes(codes: list[str]) -> str:
    more = len(codes) - MAX_CODES_NAMED
    return ", ".join(codes[:MAX_CODES_NAMED]) + (f" and {more} more" if more > 0 else "")


def _by_words(found: tuple[Rule, str] | None, context: str, looked_in: str) -> tuple[bool, str]:
    """The decision of a title or description rule, its reason saying which rule and what CPV said."""
    if found is None:
        return False, f"{context}; no technology word in the {looked_in}"
    rule, where = found
    if rule.kind == "technology":
        return True, f"{where} rule '{rule.name}'; {context}"
    return False, f"{where} rule '{rule.name}' (not technology); {context}"


def decide(rec: dict) -> tuple[bool, str]:
    """``(is_it, it_reason)`` for one record (see the module's docstring for the order of the tests)."""
    if rec["source"] == "survey":
        return True, "survey row"
    if rec["source"] == "listing":
        return True, "public listing"
    codes = tuple(rec.get("cpv_codes") or ())  # a description is read only when there is no code
    return _decide(codes, rec.get("title"), None if codes else rec.get("description"))


@lru_cache(maxsize=1 << 14)
def _decide(cpv_codes: tuple[str, ...], title: str | None, description: str | None) -> tuple[bool, str]:
    """``decide`` for an open-data record, once per distinct codes and text (notices share both)."""
    codes = list(cpv_codes)
    it_codes = technology_codes(codes)
    if cpv_is_it(codes):
        return True, f"CPV {_codes(it_codes)}"
    if not codes:
        return _by_words(title_rule(title, description), "no CPV code", "title or description")
    # with CPV codes only the title is read: descriptions mention cyber security, online media or
    # technology fields in passing (measured on the real Contracts Finder files)
    rule = text_rule(title)
    if it_codes:  # only secondary codes are technology: the title decides
        context = f"technology CPV {_codes(it_codes)} is not the main code ({codes[0]})"
        return _by_words((rule, "title") if rule else None, context, "title")
    if rule is not None and rule.kind == "technology" and rule.overrides_cpv:
        return True, f"title rule '{rule.name}', though CPV {_codes(codes)} has no technology code"
    return False, f"CPV {_codes(codes)}: no technology code"


def apply_scope(records: list[dict]) -> None:
    """Set ``is_it`` and ``it_reason`` on every record, so the app can count technology by default."""
    for rec in records:
        rec["is_it"], rec["it_reason"] = decide(rec)
