"""``figures.label_margin``: the left margin a bar chart sets for its row labels instead of automargin.

Its fit in a real browser font is checked in Chromium (tests/browser/test_chart_labels.py); here,
what the estimate must do whatever the font: grow with the widest label, weigh wide letters over
narrow ones, read an escaped entity as the one character it shows, and leave charts without
labels to plotly.
"""

from __future__ import annotations

from dashboard.figures import bar_layout, esc, label_margin


def test_the_widest_label_decides():
    assert label_margin(["Camden", "Barking and Dagenham"]) == label_margin(["Barking and Dagenham"])
    assert label_margin(["Camden"]) < label_margin(["Barking and Dagenham"])
    assert label_margin([]) == label_margin([""]) == 14


def test_wide_letters_take_more_room_than_narrow_ones():
    assert label_margin(["WWWWWWWW"]) > label_margin(["MMMMMMMM"]) > label_margin(["iiiiiiii"])
    assert label_margin(["Ωé—漢"]) > label_margin(["aaaa"])  # any other character counts as wide


def test_an_escaped_label_is_measured_as_shown():
    assert label_margin([esc("A & B <i>")]) == label_margin(["A & B <i>"])
    assert label_margin([esc("A &amp; B")]) > label_margin([esc("A & B")])  # shown as "A &amp; B"


def test_a_chart_given_its_labels_sets_the_margin_and_no_automargin():
    sized = bar_layout("t", 2, {}, labels=["Adult social care", "Libraries"])
    assert sized["yaxis"]["automargin"] is False
    assert sized["margin"]["l"] == label_margin(["Adult social care"]) > 100
    plain = bar_layout("t", 2, {})
    assert plain["yaxis"]["automargin"] is True and plain["margin"]["l"] == 10
