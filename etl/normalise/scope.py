"""Technology scope: whether each record is a technology contract, and why (``is_it``, ``it_reason``).

Applied to every record of a build, whatever its source, after the readers: a survey row is
technology by definition; a notice by its CPV codes (set by the readers, ``etl.normalise.cpv``).
"""

from __future__ import annotations


def apply_scope(records: list[dict]) -> None:
    """Set ``it_reason`` (and ``is_it`` where it can be decided) on every record."""
    for rec in records:
        if rec["source"] == "survey":
            rec["is_it"], rec["it_reason"] = True, "survey row"
        elif rec.get("is_it") is not None and rec.get("cpv_codes"):
            rec["it_reason"] = "CPV " + ", ".join(rec["cpv_codes"][:3])
