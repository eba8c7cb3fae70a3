"""CPV codes: which service area a notice is about and whether it buys technology.

Open notices carry no service area, only CPV codes. The mapping lives in
``refdata/cpv_service_areas.csv`` as code prefixes (the significant digits of a CPV code,
e.g. ``4844`` for 48440000), so a new mapping is a data edit. For each code the longest
matching prefix wins; a row with an empty service area says "too broad to tell" and stops a
shorter prefix from answering for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from etl.reference import read_table, service_areas

# divisions / groups that are technology: software (48), IT services (72), computer equipment
# (302), telecoms equipment (322, 324, 325) and services (642), IT repair and installation
IT_PREFIXES = ("48", "72", "302", "322", "324", "325", "642", "50312", "5032", "5033", "5161")

_CPV = re.compile(r"(\d{8})(?:-\d)?")


def normalise_cpv(code: object) -> str | None:
    """The 8-digit code from "72000000", "72000000-5" or " 72000000 ", else None."""
    m = _CPV.fullmatch(str(code or "").strip())
    return m[1] if m else None


@cache
def _rules() -> dict[str, str | None]:
    """prefix -> service area (None: explicitly too broad), checked against the taxonomy."""
    known = {sa.name for sa in service_areas()}
    rules: dict[str, str | None] = {}
    for row in read_table("cpv_service_areas.csv"):
        prefix, area = row["prefix"], row["service_area"] or None
        if not re.fullmatch(r"\d{2,8}", prefix) or prefix in rules:
            raise ValueError(f"cpv_service_areas.csv: bad or repeated prefix {prefix!r}")
        if area is not None and area not in known:
            raise ValueError(f"cpv_service_areas.csv: {area!r} is not a service area in service_areas.csv")
        rules[prefix] = area
    return rules


def code_service_area(code: object) -> str | None:
    """Service area of one CPV code by its longest mapped prefix, or None."""
    cpv = normalise_cpv(code)
    if cpv is None:
        return None
    rules = _rules()
    for length in range(8, 1, -1):
        if cpv[:length] in rules:
            return rules[cpv[:length]]
    return None


def cpv_service_area(codes: Iterable[object]) -> str | None:
    """Service area of a notice: that of the first of its codes that maps to one.

    Notices list their main CPV code first, so it takes precedence over secondary codes.
    """
    return next((area for code in codes or () if (area := code_service_area(code))), None)


def is_it_cpv(codes: Iterable[object]) -> bool:
    """True when any code is a technology code (see IT_PREFIXES)."""
    return bool(technology_codes(codes))


def technology_codes(codes: Iterable[object]) -> list[str]:
    """The technology codes among ``codes`` (see IT_PREFIXES), normalised, in the notice's order."""
    return [cpv for c in codes or () if (cpv := normalise_cpv(c)) and cpv.startswith(IT_PREFIXES)]


def cpv_is_it(codes: list[str]) -> bool | None:
    """What CPV codes alone say about technology: the main (first) code decides.

    True: the main code is a technology code. False: no code is. None: no codes, or only a
    secondary code is technology (a building contract often lists a software code among thirty),
    so the title has to decide (``etl.normalise.scope``).
    """
    found = technology_codes(codes)
    if not codes or (found and found[0] != normalise_cpv(codes[0])):
        return None
    return bool(found)


def classify(codes: list[str]) -> dict[str, object]:
    """The record fields CPV codes decide: the codes, the IT flag (see ``cpv_is_it``), the area."""
    return {"cpv_codes": codes, "is_it": cpv_is_it(codes), "service_area": cpv_service_area(codes)}
