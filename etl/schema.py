"""The data contract of DESIGN.md: every table's columns and types, in one place.

The DDL is generated from these definitions and ``etl.load`` checks every row against them,
so no reader, linker or build step can drop a field or invent one without the build saying so:
a row must carry exactly its table's columns. ``row(table, **values)`` is how code that means
"these values, NULL for the rest" says so.
"""

from __future__ import annotations

from dataclasses import dataclass

RECORD_COLUMNS: dict[str, str] = {
    "record_id": "VARCHAR",  # stable: same inputs, same id
    "source": "VARCHAR",  # survey | contracts_finder | find_a_tender | register | ocds
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
    "stage": "VARCHAR",  # see STAGES
    "notice_type": "VARCHAR",  # Find a Tender notice type under the Procurement Act 2023: UK1..UK17
    "legal_basis": "VARCHAR",  # the law: "Procurement Act 2023", "Public Contracts Regulations 2015"...
    "title": "VARCHAR",
    "description": "VARCHAR",
    "cpv_codes": "VARCHAR[]",
    "is_it": "BOOLEAN",
    "it_reason": "VARCHAR",  # why is_it is what it is: "survey row", "CPV 48000000", a title rule...
    "start_date": "DATE",
    "end_date": "DATE",
    "max_end_date": "DATE",  # end date with every extension option taken
    "extension_months": "INTEGER",
    "extension_raw": "VARCHAR",
    "dates_from": "VARCHAR",  # the field the dates were read from, e.g. "contracts[0].period", "tender.lots"
    "annual_value": "DOUBLE",  # GBP; NULL when unknown or in another currency
    "total_value": "DOUBLE",  # GBP; NULL when unknown or in another currency
    "value_gross": "BOOLEAN",  # true: the value includes VAT (only a gross amount was given)
    "currency": "VARCHAR",  # the value's currency when it is not GBP (then the amounts below, not the pounds)
    "value_amount": "DOUBLE",  # a value in ``currency`` (not GBP), never summed into pounds
    "buyer_id": "VARCHAR",  # the buyer's identifier, scheme-id: GB-PPON-..., GB-COH-..., GB-GOR-...
    "hosting": "VARCHAR",
    "confidence": "TINYINT",
    "satisfaction": "TINYINT",
    "value_for_money": "TINYINT",
    "comments": "VARCHAR",
    "published_date": "DATE",
    "return_date": "DATE",  # survey rows: when the return was made (load_files.return_date_from says how known)
    "contact_name": "VARCHAR",
    "contact_email": "VARCHAR",
    "contact_phone": "VARCHAR",  # survey rows: the contract owner's phone (members only, like all survey contacts)
    # every supplier of the award, in the order named: [{"name", "id", "company_number"}]; the
    # record's supplier_name/supplier_raw are the first; a framework has several
    "suppliers": "JSON",
    # the notices that changed this contract after it was let, oldest first (UK10 change, UK11
    # termination): [{"date", "notice_type", "what", ...the fields it changed}]
    "history": "JSON",
    "warnings": "VARCHAR[]",  # what was not clean about this record
}

# What a record's ``stage`` can be: where the notice is in the procurement lifecycle.
STAGES: dict[str, str] = {
    "planning": "pipeline, preliminary market engagement or planned procurement (UK1-UK3)",
    "tender": "an open opportunity (UK4, or a 2015-regulations tender)",
    "award": "awarded, not yet a contract: standstill or an intention to award directly (UK5, UK6)",
    "contract": "signed or running (UK7, an older award, a survey row, a register entry)",
    "cancelled": "the procurement was terminated before a contract (UK12): no longer an opportunity",
    "dynamic_market": "a dynamic market notice (UK13-UK16): a way to buy, never counted as a contract",
}

# the fields a contract takes from its records (etl.link chooses whose), with the records' types
CONTRACT_FIELDS = (
    "source_url", "borough_code", "buyer_name", "supplier_name", "system_name", "manufacturer", "service_area",
    "stage", "notice_type", "legal_basis", "title", "start_date", "end_date", "max_end_date", "annual_value",
    "total_value", "value_gross", "currency", "value_amount", "hosting", "confidence", "satisfaction",
    "value_for_money", "is_it", "it_reason",
)  # fmt: skip

CONTRACT_COLUMNS: dict[str, str] = {
    "contract_id": "VARCHAR",
    "record_ids": "VARCHAR[]",
    "sources": "VARCHAR[]",
    **{name: RECORD_COLUMNS[name] for name in CONTRACT_FIELDS},
    "supplier_count": "INTEGER",  # suppliers of the contract (contract_suppliers rows); >1: a framework
    "match_score": "DOUBLE",  # NULL when the contract has one record
    "provenance": "JSON",  # field -> record_id it was taken from
    "survey_fields": "VARCHAR[]",  # the fields whose value came from a survey return (members-only rules use it)
    "disagreements": "JSON",  # field -> {record_id: value} where the records differ
}

REJECT_COLUMNS: dict[str, str] = {
    "source": "VARCHAR",
    "file": "VARCHAR",
    "location": "VARCHAR",  # sheet!row, line N, record N, an ocid, or (whole file)
    "reason": "VARCHAR",
    "raw": "JSON",  # the input as read; text that is not JSON is stored as a JSON string
}

# per input file: records_read = loaded + merged + rejected + skipped, every figure the build prints
LOAD_FILE_COLUMNS: dict[str, str] = {
    "run_id": "VARCHAR",
    "file": "VARCHAR",
    "path": "VARCHAR",
    "source": "VARCHAR",  # survey, or the kind of contract file (cf_csv, ocds_release_package...)
    "sha256": "VARCHAR",
    "size_bytes": "BIGINT",
    "is_sample": "BOOLEAN",
    "status": "VARCHAR",  # loaded | loaded with gaps (a survey return lacks a wanted column) | rejected (whole file)
    "reason": "VARCHAR",  # why the whole file was rejected
    "gaps": "VARCHAR[]",  # a survey return's wanted columns not found: "no supplier column", "no end date column"
    "borough_code": "VARCHAR",  # a survey return's borough
    "borough_from": "VARCHAR",  # where that borough was found (a cell, a title, the file name)
    "return_date": "DATE",  # a survey return's date: when the borough made it
    "return_date_from": "VARCHAR",  # "template cell", "workbook properties" or "--survey-date"
    # whom to ask about a survey return, from its cover: {"name", "email", "phone"} (members only)
    "return_contact": "JSON",
    "records_read": "INTEGER",
    "loaded": "INTEGER",
    "merged": "INTEGER",  # the same notice already loaded from another file
    "rejected": "INTEGER",
    "skipped": "INTEGER",
    "skipped_reasons": "JSON",  # reason -> count
    "out_of_scope": "INTEGER",  # loaded, but the buyer is not a London borough council
    "warnings": "INTEGER",
    "warning_kinds": "JSON",  # the warnings by kind, most first: [{"kind", "count", "warnings": [{"at", "text"}]}]
    "unmapped_columns": "VARCHAR[]",
    "notes": "VARCHAR[]",
    # a survey return's header cells: [{"sheet", "column", "header", "field", "how"}] (etl.extract.result)
    "headers": "JSON",
}

LOAD_RUN_COLUMNS: dict[str, str] = {
    "run_id": "VARCHAR",
    "started_at": "TIMESTAMP",
    "finished_at": "TIMESTAMP",
    "status": "VARCHAR",
    "inputs": "JSON",  # [{file, sha256, size_bytes}]
    "counts": "JSON",  # the build's totals
    "command": "VARCHAR",
}

# one row per contract and supplier, so a framework keeps every supplier (DESIGN.md)
CONTRACT_SUPPLIER_COLUMNS: dict[str, str] = {
    "contract_id": "VARCHAR",
    "position": "INTEGER",  # 1 = the first named, the contract's supplier_name
    "supplier_name": "VARCHAR",  # canonical
    "supplier_raw": "VARCHAR",  # as the source spelled it
    "supplier_id": "VARCHAR",  # the publisher's identifier, scheme-id (GB-COH-..., GB-PPON-...), if any
    "company_number": "VARCHAR",
    "record_id": "VARCHAR",  # the record it was named in
}

META_COLUMNS: dict[str, str] = {"key": "VARCHAR", "value": "VARCHAR"}

SUPPLIER_MATCH_COLUMNS: dict[str, str] = {
    "raw": "VARCHAR",
    "canonical": "VARCHAR",
    "method": "VARCHAR",  # alias | reference | company_number | fuzzy | exact
    "score": "DOUBLE",
}


# The order rows of the large tables are written in (``etl.load.clustered``). DuckDB keeps each
# column's least and greatest value per block of rows and skips a block no filter value can be in,
# so rows written by borough (the other UK buyers' last) let every page's ``borough_code IS NOT
# NULL`` or ``borough_code IN (...)`` read only the blocks that hold those boroughs. At a million
# contracts that took 16-40% off every page's DuckDB time. ``contract_suppliers`` is reached by
# ``contract_id`` alone, a hash with no order to exploit, so its rows stay as they were made.
CLUSTER = ("borough_code", "stage", "service_area")


@dataclass(frozen=True)
class Table:
    """A table; ``cluster``: the columns its rows are written in order of (NULL last)."""

    name: str
    columns: dict[str, str]
    primary_key: str | None = None
    cluster: tuple[str, ...] = ()

    def ddl(self) -> str:
        cells = [f"{c} {t}" for c, t in self.columns.items()]
        if self.primary_key:
            cells.append(f"PRIMARY KEY ({self.primary_key})")
        return f"CREATE TABLE {self.name} ({', '.join(cells)});"


@dataclass(frozen=True)
class View:
    """A view, with the columns it yields, so tests can hold the database to them."""

    name: str
    columns: dict[str, str]
    query: str

    def ddl(self) -> str:
        return f"CREATE VIEW {self.name} AS {self.query};"


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table("contract_records", RECORD_COLUMNS, "record_id", cluster=CLUSTER),
        Table("contracts", CONTRACT_COLUMNS, "contract_id", cluster=CLUSTER),
        Table("contract_suppliers", CONTRACT_SUPPLIER_COLUMNS),
        Table("rejects", REJECT_COLUMNS),
        Table("load_files", LOAD_FILE_COLUMNS),
        Table("load_runs", LOAD_RUN_COLUMNS),
        Table("meta", META_COLUMNS, "key"),
        Table("supplier_matches", SUPPLIER_MATCH_COLUMNS),
    )
}
VIEWS: dict[str, View] = {
    "record_warnings": View(
        "record_warnings",
        {"record_id": "VARCHAR", "source": "VARCHAR", "source_ref": "VARCHAR", "warning": "VARCHAR"},
        "SELECT record_id, source, source_ref, unnest(warnings) AS warning FROM contract_records",
    )
}


class SchemaError(ValueError):
    """A row does not have exactly its table's columns; the message names the table and the keys."""


def columns(table: str) -> dict[str, str]:
    """Column -> DuckDB type of a table of the contract."""
    try:
        return TABLES[table].columns
    except KeyError:
        raise SchemaError(f"no table {table!r} in the data contract (tables: {', '.join(TABLES)})") from None


def blank(table: str) -> dict:
    """A row of ``table`` with every column NULL, to be filled in."""
    return dict.fromkeys(columns(table))


def row(table: str, **values: object) -> dict:
    """A row of ``table``: the values given, NULL for every other column; an unknown key raises."""
    known = columns(table)  # looked up once, not once per value: every record is made here
    unknown = [k for k in values if k not in known]
    if unknown:
        raise SchemaError(f"{table}: no column {', '.join(map(repr, unknown))}")
    return {**dict.fromkeys(known), **values}


def check_row(table: str, values: dict, where: str = "") -> None:
    """Raise SchemaError unless ``values`` has exactly the columns of ``table``."""
    expected = columns(table)
    if values.keys() == expected.keys():
        return
    problems = []
    if missing := [c for c in expected if c not in values]:
        problems.append(f"missing key {', '.join(map(repr, missing))}")
    if unknown := [k for k in values if k not in expected]:
        problems.append(f"unknown key {', '.join(map(repr, unknown))}")
    place = f"{table} {where}" if where else table
    raise SchemaError(f"{place}: {'; '.join(problems)}")


def ddl() -> str:
    """CREATE statements for every table and view, in dependency order."""
    return "\n".join([*(t.ddl() for t in TABLES.values()), *(v.ddl() for v in VIEWS.values())])
