"""A borough's page: its systems by service area, suppliers, contracts ending soon, coverage.

The borough is in the path (``/borough/<code>``, a code or a name); the state holds the shared
filters, and the matrix's own keys, so that the page's "back" link returns to the matrix
exactly as the reader left it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import unquote

import duckdb

from dashboard import format, queries, state, status
from dashboard.logic import matrix
from dashboard.queries import borough as bq
from dashboard.queries import my_borough as contacts_q
from dashboard.texts import PRODUCT
from etl import reference

MAX_SHOWN_CODE = 60  # an unknown code is echoed back, but not an arbitrarily long one
SYSTEM_HEADINGS = [
    "Service area", "System", "Supplier", "Contract end", "Latest end", "Status", "Annual cost (£)",
    "Confidence (1-5)", "Satisfaction (1-5)", "Contact",
]  # fmt: skip
EXPORT_HEADINGS = [*SYSTEM_HEADINGS, "Contact email", "Contact phone", "Contact from"]
ENDING_HEADINGS = [
    "Contract end", "When", "Status", "Service area", "System", "Supplier", "Latest end", "Annual cost",
]  # fmt: skip
SUPPLIER_HEADINGS = ["Supplier", "Contracts", "Systems", "Annual value"]


def resolve(code: object) -> reference.Borough | None:
    """The authority for an ONS code (any case) or a name in the path ('camden', 'tower-hamlets')."""
    if not isinstance(code, str) or not code.strip():
        return None
    text = unquote(code).strip()
    by_code = {b.code: b for b in reference.boroughs()}
    if text.upper() in by_code:
        return by_code[text.upper()]
    return by_code.get(reference.borough_code(text.replace("-", " ").replace("_", " ")) or "")


def page_title(code: str | None = None, **_) -> str:
    """The browser title: the borough's name, or that there is none by that code."""
    b = resolve(code)
    return f"{b.name if b else 'Borough not found'} · {PRODUCT}"


def not_found_text(code: object) -> str:
    """What the not-found page says, echoing (a bounded part of) the code it was given."""
    shown = unquote(str(code or ""))[:MAX_SHOWN_CODE]
    if not shown:
        return "No borough was given."
    return (
        f"No London borough has the code “{shown}”. "
        "Codes run from E09000001 (City of London) to E09000033 (Westminster)."
    )


def is_filtered(st: dict) -> bool:
    """Whether the query narrows the borough's contracts (any shared filter other than borough).

    The scope is not such a filter: the page says what it hides, and ``scope=all`` widens.
    """
    rest = {k: v for k, v in st.items() if k not in ("borough", "scope")}
    return queries.where_clause(rest) != queries.where_clause({})


# --------------------------------------------------------------------------- table cells


def _or_dash(value: object) -> str:
    return "–" if value is None else str(value)


def with_status(rows: list[dict], today: date | None = None) -> list[dict]:
    """The rows, each with its ``status`` (``dashboard.status``, the one rule) on ``today``."""
    day = today or date.today()
    return [{**r, "status": status.status(r["end_date"], r["max_end_date"], day)} for r in rows]


def system_cells(rows: list[dict]) -> list[list[str]]:
    """The systems table as text, in ``SYSTEM_HEADINGS`` order less the contact (rows of
    ``with_status``; the page draws the status as a badge and the contact as a link)."""
    return [
        [
            r["service_area"] or queries.UNKNOWN_SERVICE_AREA,
            r["system_name"] or "not named",
            format.supplier(r["supplier_name"], r["supplier_count"], missing="not recorded"),
            format.short_date(r["end_date"]),
            format.short_date(r["max_end_date"]),
            status.label(r.get("status") or status.status(r["end_date"], r["max_end_date"], date.today())),
            format.money(r["annual_value"]),
            _or_dash(r["confidence"]),
            _or_dash(r["satisfaction"]),
        ]
        for r in rows
    ]


def no_return_text(cov: dict, name: str) -> str | None:
    """What the page says atop when the borough sent no survey return at all, else None."""
    if cov["survey_files"] or cov["survey_rows"]:
        return None
    return f"{name} has sent no survey return: only open notices are shown."


def supplier_cells(row: dict) -> list[str]:
    """A supplier row's numbers as text: contracts, systems, annual value (the name is the page's link)."""
    return [format.integer(row["contracts"]), format.integer(row["systems"]), format.money(row["annual_value"])]


def ending_cells(rows: list[dict], today: date | None = None) -> list[list[str]]:
    """The contracts ending soon as text, in ``ENDING_HEADINGS`` order (the ``ending`` rows of
    ``queries.borough.page``), each with its status in words (``dashboard.status``, the one rule; the page
    draws it as a badge)."""
    within = {True: "Within 12 months", False: "In 12 to 24 months"}
    return [
        [
            format.short_date(r["end_date"]),
            within[bool(r["within_12m"])],
            status.label(r["status"]),
            r["service_area"] or queries.UNKNOWN_SERVICE_AREA,
            r["system_name"] or "not named",
            format.supplier(r["supplier_name"], r["supplier_count"], missing="not recorded"),
            format.short_date(r["max_end_date"]),
            format.money(r["annual_value"]),
        ]
        for r in with_status(rows, today)
    ]


def shown_text(shown: int, total: int, what: str) -> str | None:
    """'Showing the first 25 of 180 suppliers.' when a list is cut, else None."""
    return f"Showing the first {shown:,} of {total:,} {what}. " if total > shown else None


def ending_summary(numbers: dict) -> str:
    return (
        f"Ending within 12 months: {format.integer(numbers['ending_12m'])}; "
        f"within 24 months (including those): {format.integer(numbers['ending_24m'])}."
    )


# --------------------------------------------------------------------------- coverage


REJECTED = "rejected"  # a load_files status; the others are "loaded" and "loaded with gaps"


@dataclass(frozen=True)
class FileLine:
    """One survey file as the coverage lists it; ``problem``: loaded with gaps or rejected, shown loudly."""

    text: str
    problem: bool


def file_status(f: dict) -> str:
    """A file's status as the build printed it: "loaded", "loaded with gaps: no supplier column"."""
    gaps = f.get("gaps") or []
    return f"{f['status']}: {', '.join(gaps)}" if gaps else f["status"]


def rejected_reason(f: dict) -> str:
    """Why a file was rejected, without the file name the build's message starts with."""
    return (f.get("reason") or "no reason recorded").removeprefix(f"{f['file']}: ")


def problem_text(f: dict) -> str | None:
    """'x.xlsx: loaded with gaps: no supplier column' or 'x.xlsx: rejected: <why>'; None for a file loaded in full."""
    if f["status"] == REJECTED:
        return f"{f['file']}: rejected: {rejected_reason(f)}"
    return f"{f['file']}: {file_status(f)}" if f.get("gaps") else None


def survey_file_line(f: dict) -> FileLine:
    """'x.xlsx: 27 rows loaded of 27 read (...)', with its gaps first, or why it was rejected."""
    problem = problem_text(f)
    if f["status"] == REJECTED:
        return FileLine(problem, True)
    counts = (
        f"{format.integer(f['loaded'])} rows loaded of {format.integer(f['records_read'])} read"
        f" ({format.integer(f['rejected'])} rejected, {format.integer(f['skipped'])} skipped)"
    )
    return FileLine(f"{problem}; {counts}", True) if problem else FileLine(f"{f['file']}: {counts}", False)


def survey_coverage(cov: dict) -> tuple[str, list[FileLine]]:
    """Whether the borough returned a survey, in a sentence, and one line per survey file."""
    files = cov["survey_files"]
    lines = [survey_file_line(f) for f in files]
    loaded = [f for f in files if f["status"] != REJECTED]
    rejected = len(files) - len(loaded)
    rows = format.plural(cov["survey_rows"], "row")
    if not loaded and rejected:
        return f"Returned, but not loaded: {format.plural(rejected, 'file')} rejected.", lines
    more = f"; {format.plural(rejected, 'more file')} rejected" if rejected else ""
    yes = "Yes, with gaps" if any(f.get("gaps") for f in loaded) else "Yes"
    if loaded:
        return f"{yes}: {format.plural(len(loaded), 'file')}, {rows} in the database{more}.", lines
    if cov["survey_rows"] > 0:
        return f"Yes: {rows} in the database.", lines
    return "No: this build has no survey return from this borough.", lines


def coverage_problems(cov: dict) -> list[str]:
    """The survey files of the borough that loaded with gaps or were rejected, for a notice atop its page."""
    return [text for text in map(problem_text, cov["survey_files"]) if text]


def return_date_text(cov: dict) -> str:
    """'Survey return made 3 March 2026 (template cell)': the latest dated return, loaded ones first."""
    files = cov["survey_files"]
    if not files:
        return "No survey return"
    loaded = [f for f in files if f["status"] != REJECTED]
    dated = [f for f in loaded or files if f.get("return_date")]
    if not dated:
        return "Survey return made: date not recorded"
    latest = max(dated, key=lambda f: f["return_date"])
    return f"Survey return made {format.long_date(latest['return_date'])} ({latest['return_date_from']})"


def latest_notice_text(cov: dict) -> str:
    """'Latest notice published 12 May 2026', from the borough's open-data notices (not survey, not listings)."""
    day = cov.get("latest_notice")
    return f"Latest notice published {format.long_date(day)}" if day else "No published notice"


def open_data_coverage(cov: dict) -> str:
    """'1 from contracts finder, 1 from register', or 'none'."""
    found = cov["open_data"]
    return ", ".join(f"{format.integer(n)} from {source.replace('_', ' ')}" for source, n in found.items()) or "none"


# --------------------------------------------------------------------------- export


def _export_code(st: dict) -> str | None:
    raw = st.get("borough")
    values = raw if isinstance(raw, list | tuple) else [raw]
    found = {b.code for b in map(resolve, values) if b}
    return found.pop() if len(found) == 1 else None


def systems_table(cur: duckdb.DuckDBPyConnection, st: dict) -> tuple[list[str], list[list]]:
    """The borough's systems by service area, all of them (its page shows the first ``ROW_LIMIT``;
    ``borough`` names the one borough)."""
    code = _export_code(st)
    if code is None:
        return list(EXPORT_HEADINGS), []
    rows, _total = bq.systems(cur, code, st, limit=bq.EXPORT_LIMIT)
    found = contacts_q.record_contacts(cur, {r["contract_id"]: r["record_ids"] for r in rows})
    out = []
    for r in with_status(rows):
        c = found.get(r["contract_id"]) or {}
        raw = [r[col] for col in bq.SYSTEM_COLUMNS]
        out.append([*raw[:5], status.label(r["status"]), *raw[5:], c.get("name"), c.get("email"), c.get("phone"),
                    c.get("source")])  # fmt: skip
    return list(EXPORT_HEADINGS), out


VIEW = state.View("borough", "/borough/<code>", matrix.VIEW.keys, exports={"borough": systems_table})
