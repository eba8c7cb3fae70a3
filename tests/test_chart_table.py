"""``layout.chart_table``: a chart's numbers as one Markdown table whose values stay their own text."""

from __future__ import annotations

from pagetree import md_rows

from dashboard import layout


def _tree(component) -> dict:
    return component.to_plotly_json() | {"props": {"children": [c.to_plotly_json() for c in component.children]}}


def test_values_stay_text_counts_get_separators_and_numbers_align_right():
    hostile = ["a|b", "[x](javascript:alert(1))", "<img src=x onerror=alert(1)>", "*bold* _it_", "&amp;"]
    table = layout.chart_table(["Name", "Contracts"], [[h, 1234 * (i + 1)] for i, h in enumerate(hostile)], "Cap")
    markdown = table.children[1]
    assert type(markdown).__name__ == "Markdown" and not getattr(markdown, "dangerously_allow_html", None)
    assert md_rows(_tree(table)) == [[h, f"{1234 * (i + 1):,}"] for i, h in enumerate(hostile)]
    assert markdown.children.split("\n")[1] == "|---|---:|"
    assert table.children[0].children == "Cap"


def test_a_text_column_is_left_aligned_even_when_some_rows_are_numbers():
    table = layout.chart_table(["Month", "Contracts"], [["2026-01", 3], [7, 4]], "By month")
    assert table.children[1].children.split("\n")[1] == "|---|---:|"
    assert layout.chart_table(["A"], [], "Empty").children[1].children.split("\n")[1] == "|---|"
