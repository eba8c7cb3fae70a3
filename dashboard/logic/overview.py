"""The overview: headline figures, coverage by borough and source, contracts by service area,
and the survey returns of the build (which loaded with gaps or were rejected, and why).

``headline_figures`` is shared with the borough page, which shows the same numbers for one
borough: the cards' words and formats are written once.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard import format, state
from dashboard.logic.borough import REJECTED, problem_text
from dashboard.queries import SOURCE_GROUPS
from etl import reference


@dataclass(frozen=True)
class Figure:
    """One headline number as a card shows it: label, value as text, an optional note, the card's id."""

    label: str
    value: str
    note: str | None
    card_id: str


def headline_figures(numbers: dict, id_prefix: str, value_label: str = "Annual value") -> list[Figure]:
    """Contracts, systems, suppliers, annual value and the contracts ending soon (``queries.headline``)."""
    return [
        Figure("Contracts", format.integer(numbers["contracts"]), None, f"{id_prefix}-contracts"),
        Figure("Systems", format.integer(numbers["systems"]), None, f"{id_prefix}-systems"),
        Figure("Suppliers", format.integer(numbers["suppliers"]), None, f"{id_prefix}-suppliers"),
        Figure(
            value_label,
            format.money(numbers["annual_value"]),
            f"over the {format.integer(numbers['valued'])} contracts with a known value",
            f"{id_prefix}-annual-value",
        ),
        Figure("Ending within 12 months", format.integer(numbers["ending_12m"]), None, f"{id_prefix}-ending-12m"),
        Figure("Ending within 24 months", format.integer(numbers["ending_24m"]), None, f"{id_prefix}-ending-24m"),
    ]


def overview_figures(numbers: dict) -> list[Figure]:
    """The overview's cards: how many boroughs are covered, then the shared headline figures."""
    covered = Figure("Boroughs covered", f"{numbers['boroughs']} of {len(reference.boroughs())}", None, "stat-boroughs")
    return [covered, *headline_figures(numbers, "stat", "Total annual value")]


def borough_table(rows: list[dict]) -> tuple[list[str], list[list]]:
    """The borough chart's numbers for its table alternative (rows of ``queries.counts_by_borough``)."""
    headings = ["Borough", *SOURCE_GROUPS.values(), "Total"]
    return headings, [[r["name"], *(r[k] for k in SOURCE_GROUPS), r["total"]] for r in rows]


@dataclass(frozen=True)
class ReturnProblem:
    """A survey return that loaded with gaps or was rejected, under its borough (code None: not known)."""

    borough_code: str | None
    borough: str
    text: str  # "x.xlsx: loaded with gaps: no supplier column", "x.xlsx: rejected: <why>"


def survey_returns(rows: list[dict]) -> tuple[str, list[ReturnProblem]]:
    """How the build's survey returns fared, in a sentence, and each one that lacks something or was rejected
    (rows of ``queries.survey_returns``)."""
    if not rows:
        return "This build has no survey returns.", []
    rejected = sum(r["status"] == REJECTED for r in rows)
    gaps = sum(bool(r["gaps"]) for r in rows if r["status"] != REJECTED)
    sentence = (
        f"{format.plural(len(rows), 'survey return')}: {format.integer(len(rows) - rejected - gaps)} loaded in full, "
        f"{format.integer(gaps)} loaded with gaps, {format.integer(rejected)} rejected."
    )
    names = reference.borough_names()
    problems = [
        ReturnProblem(r["borough_code"], names.get(r["borough_code"], "Borough not known"), text)
        for r in rows
        if (text := problem_text(r))
    ]
    return sentence, problems


VIEW = state.View("overview", "/")
