"""The record a reader yields: one ``contract_records`` row (columns in ``etl.schema``).

Every extractor starts its records here, so each one has every column from the start and
identifies itself the same way (source, reference, file, a stable id).
"""

from __future__ import annotations

import hashlib

from etl import schema


def blank_record() -> dict:
    """A contract_records row with every column NULL."""
    return schema.blank("contract_records")


def stable_id(*parts: object) -> str:
    """A short id derived from the record's source and location, so rebuilds give the same id."""
    digest = hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return digest[:16]


def new_record(source: str, source_ref: str, source_file: str, record_id: str | None = None, **values) -> dict:
    """A record with its identity set and an empty warnings list; the id defaults to (source, ref)."""
    return schema.row(
        "contract_records",
        record_id=record_id or stable_id(source, source_ref),
        source=source,
        source_ref=source_ref,
        source_file=source_file,
        warnings=[],
        **values,
    )
