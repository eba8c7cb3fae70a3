"""The About page: sources and licences, how the data is built, coverage and freshness, a glossary.

Coverage is read from the build (``dashboard.queries.about``); the glossary's status words come
from ``dashboard.status`` and the concentration terms from the suppliers view's own constants, so
the page cannot fall out of step with what the views say.
"""

from __future__ import annotations

import duckdb

from dashboard import format as fmt
from dashboard import state, status
from dashboard.queries import about as aq
from dashboard.queries import suppliers as sq
from dashboard.texts import OGL, OGL_URL
from etl import reference

# record source -> how the page names it (anything else is shown by its own name)
SOURCE_NAMES = {
    "survey": "Survey returns",
    "contracts_finder": "Contracts Finder / Find a Tender",
    "register": "Contract registers",
    "listing": "Public system listings",
}
COVERAGE_SOURCES = ("survey", "contracts_finder", "register")  # the columns of the coverage table
NO_RETURN = "No survey return"

SOURCES = (
    ("Survey returns", "supplied by the boroughs to LOTI, in confidence: costs, scores, comments and contacts "
     "are shown to signed-in members only.", None, None),
    ("Contracts Finder and Find a Tender notices (OCDS and CSV)", "Crown Copyright, published by the Cabinet "
     "Office and the Crown Commercial Service.", "Open Government Licence v3.0", OGL_URL),
    ("Borough contract registers", "published by each council under the Local Government Transparency Code "
     "2015.", "normally the Open Government Licence v3.0", OGL_URL),
    ("Public system listings", "the UK library catalogue list of Libraries Hacked (catalogues-library).",
     "MIT licence", "https://github.com/LibrariesHacked/catalogues-library"),
    ("London authorities and their ONS codes", "Office for National Statistics.", "Open Government Licence v3.0",
     OGL_URL),
)  # fmt: skip
ATTRIBUTION = OGL

BUILD_STEPS = (
    "Extract: every input file is read by content (survey workbooks, OCDS packages, Contracts Finder CSV "
    "exports, contract registers, listings); each record is loaded, rejected with its file, place and reason, "
    "or counted as skipped, so nothing is lost silently.",
    "Normalise: buyers become ONS borough codes, supplier and system names their canonical spelling, service "
    "areas the LOTI taxonomy, dates and values one form; contracts that are not technology are kept and marked.",
    "Link: a survey row and the public notice of the same contract become one contract, with both records and "
    "where each field came from.",
    "Load: one DuckDB file, written atomically, that every page, export and report reads.",
)


def glossary() -> list[tuple[str, str]]:
    """(term, meaning) of the words the views use, the status words among them."""
    words = [
        ("Stage", "where a record is in the buying cycle: planning (pipeline or market engagement), tender "
         "(an open opportunity), award (awarded, not yet a contract), contract (signed or running)."),
        ("Window", "a joint procurement window: a period in which several boroughs' contracts for the same "
         "service end, so they could buy together."),
        ("Extension", "an option to run a contract on past its end date; the latest end counts every option "
         "taken."),
        (f"CR{sq.CR_SIZE}", f"the share of a market held by its {sq.CR_SIZE} largest suppliers. In a market of "
         f"{sq.CR_SIZE} suppliers or fewer it is 100% by construction, and says nothing."),
        ("HHI", f"the Herfindahl-Hirschman Index: the sum of the squared percentage shares of every supplier, "
         f"from near 0 to 10,000 (one supplier). Below {sq.HHI_MODERATE:,} a market is read as unconcentrated, "
         f"above {sq.HHI_HIGH:,} as highly concentrated."),
    ]  # fmt: skip
    meanings = {
        "running": "ends after the view's horizon.",
        "ending": "ends, or its extensions end, within the view's horizon.",
        "overdue": f"not ended, but its procurement start (the end less the lead time) has passed: the "
        f"replacement {status.OVERDUE_TEXT}.",
        "ended": "its end date and its latest end with extensions have passed.",
        "unknown": "no end date is known.",
    }
    words += [(f"Status: {status.label(key)}", meanings[key]) for key in status.STATUSES]
    return words


def source_name(source: str) -> str:
    return SOURCE_NAMES.get(source, source)


def coverage_rows(fresh: list[dict], returns: dict[str, dict], st: dict | None = None) -> list[list[str]]:
    """One row per London authority (those of the ``borough`` filter, if any): its survey return (or
    none), then records and latest dates per source."""
    by = {(r["borough_code"], r["source"]): r for r in fresh}
    wanted = set((st or {}).get("borough") or [])
    out = []
    for b in sorted(reference.boroughs(), key=lambda b: b.name):
        if wanted and b.code not in wanted:
            continue
        ret = returns.get(b.code)
        if ret is None:
            survey = NO_RETURN
        elif ret["status"] == "rejected":
            survey = f"Return rejected ({ret['file']})"
        else:
            survey = f"Returned {fmt.long_date(ret['return_date'])}"
        cells = [b.name, survey]
        for source in COVERAGE_SOURCES[1:]:
            r = by.get((b.code, source))
            cells.append(
                f"{fmt.plural(r['records'], 'record')}, latest {fmt.long_date(r['latest_notice'])}" if r else fmt.DASH
            )
        out.append(cells)
    return out


def coverage_headings() -> list[str]:
    return ["Borough", "Survey return", *(f"{source_name(s)}: records, latest notice" for s in COVERAGE_SOURCES[1:])]


def coverage_summary(returns: dict[str, dict]) -> str:
    """How many authorities sent a survey return that loaded, of all of them."""
    sent = sum(1 for r in returns.values() if r["status"] != "rejected")
    total = len(reference.boroughs())
    return (
        f"{sent} of {total} London authorities have a survey return in this build; "
        f"{total - sent} {'has' if total - sent == 1 else 'have'} none (their rows say so)."
    )


def files_rows(rows: list[dict]) -> list[list]:
    """The build's input files per kind: files, records read, loaded, rejected and skipped."""
    return [[r["source"], r["files"], r["files_rejected"], r["read"], r["loaded"], r["rejected"], r["skipped"]]
            for r in rows]  # fmt: skip


FOLD_ROWS = 8  # a table longer than this starts folded (a phone shows about ten rows a screen)


def fold(rows: list) -> bool:
    """Whether a table starts folded: the 33 authorities are several phone screens; a filtered few are not."""
    return len(rows) > FOLD_ROWS


def coverage_fold_summary(rows: list[list[str]]) -> str:
    """What the folded coverage table holds, as its summary line says it."""
    return f"Coverage and freshness table: {fmt.plural(len(rows), 'authority', 'authorities')}, by source"


def files_summary(rows: list[list]) -> str:
    """What the folded table of input files holds: how many files of how many kinds."""
    files = sum(r[1] for r in rows if isinstance(r[1], int))
    return f"Input files of this build: {fmt.plural(files, 'file')} of {fmt.plural(len(rows), 'kind')}"


FILES_HEADINGS = ["Kind of file", "Files", "Files rejected", "Records read", "Loaded", "Rejected", "Skipped"]


def coverage_table(cur: duckdb.DuckDBPyConnection, st: dict | None = None) -> tuple[list[str], list[list[str]]]:
    """The coverage table as the page shows it, for ``/export/coverage.csv``: the boroughs of the
    ``borough`` filter, or all; the other filters do not apply to what the build read."""
    return coverage_headings(), coverage_rows(aq.freshness(cur), aq.survey_returns(cur), st)


VIEW = state.View("about", "/about", exports={"coverage": coverage_table})
