"""The overview: headline figures, coverage by borough and source, contracts by service area.

``headline_figures`` is shared with the borough page, which shows the same numbers for one
borough: the cards' words and formats are written once.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard import format, state
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


VIEW = state.View("overview", "/")
