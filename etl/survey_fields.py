"""The survey return's fields: one definition for the template, the reader and the sample.

Header spellings seen in real returns live in ``refdata/survey_columns.csv`` (field,synonym);
the label here is the header the template writes and is always a synonym too.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from etl.reference import norm_key, read_table


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str  # text, date, money, scale, hosting, extension, service_area, borough
    width: int
    help: str


FIELDS: tuple[Field, ...] = (
    Field("service_area", "Service area", "service_area", 28, "Pick from the list; the service the system supports."),
    Field("system_name", "System / product", "text", 28, "The product's name, e.g. Mosaic, iTrent, Idox Uniform."),
    Field("manufacturer", "Manufacturer", "text", 20, "Who makes the product."),
    Field(
        "supplier", "Supplier (contracting party)", "text", 30, "Who you hold the contract with (may be a reseller)."
    ),
    Field("contract_start", "Contract start", "date", 14, "Date the current contract started (dd/mm/yyyy)."),
    Field("contract_end", "Contract end", "date", 14, "Date the current contract ends, before any extension."),
    Field(
        "extension_options",
        "Extension options",
        "extension",
        16,
        "Options to extend, e.g. +1+1 or 12 months; None if none.",
    ),
    Field("annual_cost", "Annual cost (£)", "money", 16, "Annual cost in pounds."),
    Field("total_value", "Total contract value (£)", "money", 18, "Whole-life value of the contract in pounds."),
    Field("hosting", "Hosting", "hosting", 16, "On premises, Hosted or Cloud SaaS."),
    Field(
        "confidence",
        "Confidence in supporting the system (1-5)",
        "scale",
        18,
        "1 = not confident, 5 = fully confident.",
    ),
    Field("satisfaction", "Satisfaction (1-5)", "scale", 14, "1 = very dissatisfied, 5 = very satisfied."),
    Field("value_for_money", "Value for money (1-5)", "scale", 14, "1 = poor, 5 = excellent."),
    Field("comments", "Plans / comments", "text", 40, "Plans to replace, extend or procure; anything else."),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
BOROUGH_FIELD = "borough"


@cache
def header_index() -> dict[str, str]:
    """Normalised header text -> field name, from the column map and the template labels."""
    index = {norm_key(f.label): f.name for f in FIELDS}
    for row in read_table("survey_columns.csv"):
        index[norm_key(row["synonym"])] = row["field"]
    return index


def field_for_header(text: object) -> str | None:
    """The field a header names, ignoring case, punctuation and a trailing unit like '(£)'."""
    key = norm_key(text)
    index = header_index()
    if key in index:
        return index[key]
    for suffix in (" gbp", " 1 5", " 1 to 5", " score", " date", " s"):
        if key.endswith(suffix) and key[: -len(suffix)] in index:
            return index[key[: -len(suffix)]]
    return None
