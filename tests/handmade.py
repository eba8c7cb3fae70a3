"""Hand-made databases for tests that need exact records: a record builder and a writer that
links the records into contracts with the real ETL (``etl.link``) and writes them with the
strict writer, so a test states only the fields it is about."""

from __future__ import annotations

from pathlib import Path

from etl import schema
from etl.link import build_contracts
from etl.load import write_database
from etl.records import blank_record

META = {"built_at": "2026-03-05T10:15:00", "data_as_of": "2026-03-01"}


def record(rid: str, source: str = "survey", **values) -> dict:
    """A Camden Revenues and Benefits contract record held by Civica, with ``values`` over it."""
    r = blank_record()
    r.update(
        record_id=rid,
        source=source,
        source_ref=rid,
        stage="contract",
        borough_code="E09000007",
        service_area="Revenues and Benefits",
        supplier_name="Civica UK Limited",
        warnings=[],
    )
    r.update(values)
    return r


def write_records(path: Path, records: list[dict], meta: dict | None = None) -> Path:
    """A database of ``records``, merged into contracts as a build would."""
    run = schema.row("load_runs", run_id="r", inputs=[], counts={})
    tables = {"contract_records": records, "contracts": build_contracts(records)}
    return write_database(path, tables, run, META if meta is None else meta)
