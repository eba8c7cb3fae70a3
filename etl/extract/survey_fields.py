"""The survey return's fields: one definition for the template, the reader and the sample.

The fields, in template order, are ``refdata/survey_fields.csv`` (field, label, kind, width,
help). Header spellings seen in real returns are ``refdata/survey_columns.csv`` (field,synonym);
a field's label is the header the template writes and is always a spelling too.
"""

from __future__ import annotations

from dataclasses import dataclass

from etl.extract.columns import ColumnMap
from etl.reference import read_table


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str  # text, date, money, scale, hosting, extension, service_area, borough
    width: int
    help: str


FIELDS: tuple[Field, ...] = tuple(
    Field(r["field"], r["label"], r["kind"], int(r["width"]), r["help"]) for r in read_table("survey_fields.csv")
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
BOROUGH_FIELD = "borough"
COLUMNS = ColumnMap(
    "survey_columns.csv",
    suffixes=(" gbp", " 1 5", " 1 to 5", " score", " date", " s"),
    labels=tuple((f.name, f.label) for f in FIELDS),
)


def field_for_header(text: object) -> str | None:
    """The field the column map gives a header, ignoring case, punctuation and a trailing unit like '(£)';
    ``etl.extract.headers.match_header`` also reads headers the map does not spell, by meaning."""
    return COLUMNS.field(text)
