"""Shared pytest fixtures.

Dashboard fixtures (tests/test_app.py, tests/test_queries.py):
  tiny_db             a small DuckDB built by etl.load.write_database; one input file is sample
  tiny_db_not_sample  the same contracts, no sample input files
  tiny_db_builder     build_tiny_db(path, sample) itself, to (re)build one at a given path
  render_page         render_page(app, "/") -> the page's component tree, as the browser gets it
  contracts_db_builder  build_contracts_db(path, [field overrides...]): one contract per dict (exports, contracts view)

The tiny database (end dates relative to today, so the "ending within" counts hold on any day):
  c-col       E09000001 survey: Civica, Civica Pay, Income and Payments, £100,000 a year, ends in 30 days
  c-bd        E09000002 survey + contracts_finder: Northgate, Northgate Revenues, Revenues and Benefits,
              £250,000 a year, ends in 400 days
  c-barnet-1  E09000003 contracts_finder: O'Brien & Sons Ltd, no system, no service area or value, ended 100 days ago
  c-barnet-2  E09000003 register: Capita, Capita One, Education and Schools, £50,000 a year, ends in 800 days
  c-tfl       no borough (Transport for London) contracts_finder: Civica, Highways and Transport, £1m, 60 days
The survey file is the sample one in tiny_db. Default view (borough buyers only): 3 boroughs, 4 contracts,
3 systems, 4 suppliers, £400k a year over 3 valued contracts, 1 ending within 12 months, 2 within 24.

Rows are made with ``etl.schema.row`` (the given values, NULL for the rest), because the writer refuses a
row that lacks a column or has one the table does not.

The sample, written once per session (``sample_inputs``) and built from it:
  full_sample_build   surveys and open data, what `make run` serves: (database, build result)
  sample_build        the surveys alone, for tests that count survey-only figures: (database, build result)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from etl import schema
from etl.load import write_database


def _record(
    record_id: str,
    source: str,
    borough: str | None,
    buyer: str,
    supplier: str,
    system: str | None,
    area: str | None,
    annual: float | None,
    ends_in_days: int,
    file: str,
) -> dict:
    today = date.today()
    return schema.row(
        "contract_records",
        record_id=record_id,
        source=source,
        source_ref=f"{file}#{record_id}",
        source_file=file,
        borough_code=borough,
        buyer_name=buyer,
        supplier_name=supplier,
        supplier_raw=supplier,
        system_name=system,
        service_area=area,
        stage="contract",
        title=f"{system or supplier} contract",
        start_date=today - timedelta(days=1000),
        end_date=today + timedelta(days=ends_in_days),
        max_end_date=today + timedelta(days=ends_in_days),
        annual_value=annual,
        warnings=[],
    )


def _tiny_records() -> list[dict]:
    return [
        _record(
            "r-col",
            "survey",
            "E09000001",
            "City of London",
            "Civica",
            "Civica Pay",
            "Income and Payments",
            100_000,
            30,
            "survey.xlsx",
        ),
        _record(
            "r-bd-survey",
            "survey",
            "E09000002",
            "Barking and Dagenham",
            "Northgate",
            "Northgate Revenues",
            "Revenues and Benefits",
            250_000,
            400,
            "survey.xlsx",
        ),
        _record(
            "r-bd-cf",
            "contracts_finder",
            "E09000002",
            "London Borough of Barking and Dagenham",
            "Northgate",
            None,
            "Revenues and Benefits",
            None,
            400,
            "notices.csv",
        ),
        _record(
            "r-barnet-1",
            "contracts_finder",
            "E09000003",
            "Barnet Council",
            "O'Brien & Sons Ltd",
            None,
            None,
            None,
            -100,
            "notices.csv",
        ),
        _record(
            "r-barnet-2",
            "register",
            "E09000003",
            "Barnet Council",
            "Capita",
            "Capita One",
            "Education and Schools",
            50_000,
            800,
            "register.csv",
        ),
        _record(
            "r-tfl",
            "contracts_finder",
            None,
            "Transport for London",
            "Civica",
            None,
            "Highways and Transport",
            1_000_000,
            60,
            "notices.csv",
        ),
    ]


def _contract(contract_id: str, records: list[dict]) -> dict:
    """A merged contract: fields from the first record, ids and sources of all."""
    return schema.row(
        "contracts",
        **{k: records[0][k] for k in schema.CONTRACT_FIELDS},
        contract_id=contract_id,
        record_ids=[r["record_id"] for r in records],
        sources=sorted({r["source"] for r in records}),
    )


def _load_file(run_id: str, file: str, source: str, is_sample: bool, read: int | None = None) -> dict:
    """A load_files row of a loaded file whose every record was loaded (no counts: read is None)."""
    counts = {} if read is None else {"records_read": read, "loaded": read, "merged": 0, "rejected": 0, "skipped": 0}
    return schema.row("load_files", run_id=run_id, file=file, source=source, is_sample=is_sample, status="loaded",
                      **counts)  # fmt: skip


def build_tiny_db(path: Path, sample: bool) -> Path:
    """Write the tiny database to ``path``; ``sample`` marks the survey file as sample input."""
    records = _tiny_records()
    by_id = {r["record_id"]: r for r in records}
    groups = {
        "c-col": ["r-col"],
        "c-bd": ["r-bd-survey", "r-bd-cf"],
        "c-barnet-1": ["r-barnet-1"],
        "c-barnet-2": ["r-barnet-2"],
        "c-tfl": ["r-tfl"],
    }
    contracts = [_contract(cid, [by_id[i] for i in ids]) for cid, ids in groups.items()]
    files = [
        _load_file("tiny", "survey.xlsx", "survey", sample, read=2),
        _load_file("tiny", "notices.csv", "contracts_finder", False, read=3),
        _load_file("tiny", "register.csv", "register", False, read=1),
    ]
    run = schema.row(
        "load_runs", run_id="tiny", status="ok", inputs={}, counts={"records": len(records)}, command="pytest"
    )
    meta = {"built_at": "2026-03-05T10:15:00", "data_as_of": "2026-03-01"}
    tables = {"contract_records": records, "contracts": contracts, "load_files": files}
    return write_database(path, tables, run, meta)


@pytest.fixture
def tiny_db(tmp_path: Path) -> Path:
    return build_tiny_db(tmp_path / "tiny.duckdb", sample=True)


@pytest.fixture
def tiny_db_not_sample(tmp_path: Path) -> Path:
    return build_tiny_db(tmp_path / "tiny-real.duckdb", sample=False)


@pytest.fixture
def tiny_db_builder():
    return build_tiny_db


@pytest.fixture
def render_page():
    """Render a Dash page the way the browser does: through the pages router callback; as a
    signed-in member unless ``member=False`` (the public view)."""

    from members import member_client
    from pagetree import render as render_tree

    def render(app, path: str = "/", search: str = "", member: bool = True) -> list:
        return render_tree(member_client(app) if member else app.server.test_client(), path, search)

    return render


@dataclass(frozen=True)
class SampleInputs:
    surveys: Path
    contracts: Path
    survey_files: list[Path]
    contract_files: list[Path]  # in the order write_sample_contracts returns them


@pytest.fixture(scope="session")
def sample_inputs(tmp_path_factory) -> SampleInputs:
    """The embedded sample's input files (`python -m etl sample`), written once per session; read only."""
    from etl.sample import write_sample
    from etl.sample_contracts import write_sample_contracts

    folder = tmp_path_factory.mktemp("sample_inputs")
    surveys = write_sample(folder / "surveys")
    contracts = write_sample_contracts(folder / "contracts")
    return SampleInputs(folder / "surveys", folder / "contracts", surveys, contracts)


@pytest.fixture(scope="session")
def full_sample_build(tmp_path_factory, sample_inputs):
    """What `make run` serves: the sample surveys and the sample open data, built once per session."""
    from etl.build import build

    db = tmp_path_factory.mktemp("full_sample") / "sample.duckdb"
    return db, build(db, surveys=[sample_inputs.surveys], contracts=[sample_inputs.contracts])


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory, sample_inputs):
    """The sample surveys alone, built once per session: page tests count survey-only figures on it."""
    from etl.build import build

    db = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    return db, build(db, surveys=[sample_inputs.surveys])


def build_contracts_db(path: Path, contracts: list[dict], meta: dict | None = None) -> Path:
    """A database of one single-record contract per dict: each dict overrides the fields of a
    default survey record in Camden (E09000007), so a test states only what it is about.

    Keys ``sources``, ``source_url``, ``disagreements``, ``match_score`` and ``supplier_count`` go to the contract;
    the rest to its record (and the contract). Used for exports (spreadsheet injection) and the
    contracts view (provenance, disagreements).
    """
    records, rows = [], []
    contract_keys = ("sources", "source_url", "disagreements", "match_score", "supplier_count")
    for i, spec in enumerate(contracts):
        rec = _record(
            f"x-{i}", "survey", "E09000007", "Camden Council", "Civica", None, None, 1000.0 + i, 100 + i, "x.xlsx"
        )
        rec = schema.row("contract_records", **{**rec, **{k: v for k, v in spec.items() if k not in contract_keys}})
        records.append(rec)
        row = _contract(f"cx-{i}", [rec])
        row.update({k: spec[k] for k in contract_keys if k in spec})
        rows.append(row)
    files = [_load_file("x", "x.xlsx", "survey", False)]
    run = schema.row("load_runs", run_id="x", status="ok", inputs={}, counts={}, command="pytest")
    tables = {"contract_records": records, "contracts": rows, "load_files": files}
    return write_database(path, tables, run, meta or {"built_at": "2026-03-05T10:15:00", "data_as_of": "2026-03-01"})


@pytest.fixture
def contracts_db_builder():
    """``build_contracts_db(path, [overrides, ...])``: a database with exactly the contracts a test needs."""
    return build_contracts_db


# --------------------------------------------------------------------------- cursors


@pytest.fixture(autouse=True)
def _close_connections():
    """Every test leaves no shared database connection open: the next may rebuild or delete the file."""
    yield
    from dashboard import db

    db.close_all()


@pytest.fixture
def cur(tiny_db):
    """A cursor on the tiny database."""
    from dashboard import db

    with db.cursor(tiny_db) as cursor:
        yield cursor


@pytest.fixture
def sample_db(sample_build) -> Path:
    """The surveys-only sample database (built once per session)."""
    return sample_build[0]


@pytest.fixture
def sample_cur(sample_build):
    """A cursor on the surveys-only sample database."""
    from dashboard import db

    with db.cursor(sample_build[0]) as cursor:
        yield cursor


@pytest.fixture
def full_sample_cur(full_sample_build):
    """A cursor on the full sample (surveys and open contract data)."""
    from dashboard import db

    with db.cursor(full_sample_build[0]) as cursor:
        yield cursor


@pytest.fixture(autouse=True, scope="session")
def _read_as_member():
    """Code called directly (not through a request) reads as a member, as the report command line
    does with ``--members``; tests of the public view say ``access.members(False)``. Requests
    always decide for themselves (sign-in), whatever this says."""
    from dashboard import access

    with access.members():
        yield
