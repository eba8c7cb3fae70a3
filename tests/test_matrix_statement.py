"""The matrix's statement makes supplier lists for the systems it shows alone: each shown system's
suppliers are exactly its contracts' suppliers, counted directly, whatever the cap."""

from __future__ import annotations

import pytest

from dashboard.queries import matrix as mq
from dashboard.queries import where_clause


def direct_suppliers(cur, filters: dict) -> dict[tuple, list[str]]:
    """(borough, service area, system) -> its contracts' distinct supplier names, sorted, in Python."""
    where, params = where_clause(filters)
    out: dict[tuple, set] = {}
    rows = cur.execute(
        f"SELECT borough_code, service_area, system_name, supplier_name FROM contracts WHERE {where}", params
    ).fetchall()
    for code, area, system, supplier in rows:
        names = out.setdefault((code, area, system), set())
        if supplier is not None:
            names.add(supplier)
    return {k: sorted(v) for k, v in out.items()}


@pytest.mark.parametrize("filters", [{}, {"scope": "all"}, {"service_area": ["Housing"]}, {"borough": ["E09000007"]}])
@pytest.mark.parametrize("shown", [1, 2, None])
def test_the_systems_shown_have_all_their_suppliers(full_sample_cur, filters, shown):
    direct = direct_suppliers(full_sample_cur, filters)
    _values, cells = mq.matrix(full_sample_cur, filters, "contracts", systems_shown=shown)
    listed = 0
    for (code, area), cell in cells.items():
        for s in cell["systems"]:
            assert s["suppliers"] == direct[(code, area, s["system"])], (code, area, s["system"])
            assert s["more_suppliers"] == 0
            listed += 1
        assert listed and len(cell["systems"]) + cell["more_systems"] == len(
            [k for k in direct if k[:2] == (code, area)]
        )
    if shown is None:
        assert listed == len(direct)  # every system of every cell


def test_the_sample_has_cells_without_a_system_or_a_service_area(full_sample_cur):
    """So that the test above meets the NULL keys the statement joins on (IS NOT DISTINCT FROM)."""
    keys = direct_suppliers(full_sample_cur, {"scope": "all"})
    assert any(system is None for _c, _a, system in keys)
    assert any(area is None for _c, area, _s in keys)
