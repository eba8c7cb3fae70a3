"""The shape of a loaded record: the ``contract_records`` columns of the data contract.

Every reader (survey, Contracts Finder CSV, OCDS, register) yields dicts with these keys;
the loader writes them as they are, so this list is the contract between readers and loader.
"""

from __future__ import annotations

import hashlib

RECORD_COLUMNS: dict[str, str] = {
    "record_id": "VARCHAR",  # stable: same inputs, same id
    "source": "VARCHAR",  # survey | contracts_finder | register | ...
    "source_ref": "VARCHAR",  # survey: file#sheet!row; CF CSV: notice id; OCDS: ocid
    "source_url": "VARCHAR",
    "source_file": "VARCHAR",  # the input file's name
    "borough_code": "VARCHAR",  # E09..., or NULL for non-borough buyers
    "buyer_name": "VARCHAR",  # as the source spelled it
    "supplier_name": "VARCHAR",  # canonical
    "supplier_raw": "VARCHAR",  # as the source spelled it
    "supplier_key": "VARCHAR",  # matching key of the canonical supplier
    "company_number": "VARCHAR",
    "system_name": "VARCHAR",  # canonical product, survey rows
    "system_raw": "VARCHAR",
    "manufacturer": "VARCHAR",
    "service_area": "VARCHAR",  # canonical (taxonomy), NULL when unknown
    "service_area_raw": "VARCHAR",
    "stage": "VARCHAR",  # contract | tender | planning
    "title": "VARCHAR",
    "description": "VARCHAR",
    "cpv_codes": "VARCHAR[]",
    "is_it": "BOOLEAN",
    "start_date": "DATE",
    "end_date": "DATE",
    "max_end_date": "DATE",  # end date with every extension option taken
    "extension_months": "INTEGER",
    "extension_raw": "VARCHAR",
    "annual_value": "DOUBLE",
    "total_value": "DOUBLE",
    "hosting": "VARCHAR",
    "confidence": "TINYINT",
    "satisfaction": "TINYINT",
    "value_for_money": "TINYINT",
    "comments": "VARCHAR",
    "published_date": "DATE",
    "contact_name": "VARCHAR",
    "contact_email": "VARCHAR",
    "warnings": "VARCHAR[]",  # what was not clean about this record
}


def blank_record() -> dict:
    return dict.fromkeys(RECORD_COLUMNS)


def stable_id(*parts: object) -> str:
    """A short id derived from the record's source and location, so rebuilds give the same id."""
    digest = hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return digest[:16]
