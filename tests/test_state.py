"""URL state: parse, validate, write back, round trip."""

from __future__ import annotations

import pytest

from dashboard import state

FULL = {
    "borough": ["E09000001", "E09000005"],
    "supplier": ["Capita", "O'Brien & Sons Ltd"],
    "system": ["Civica Pay", "Mosaic"],
    "service_area": ["Adult Social Care", "Revenues and Benefits"],
    "end_from": "2026-01-01",
    "end_to": "2027-12-31",
    "q": "social care & housing",
    "source": "open_data",
    "sort": "-annual_value,borough",
}


# The shared filters and ``sort``: the keys of a view that sorts (as the contracts view does).
KEYS = state.keyset((state.SORT,))


def test_every_key_round_trips():
    query = state.to_query(FULL, KEYS)
    assert state.parse_query(query, KEYS) == FULL
    assert state.parse_query("?" + query, KEYS) == FULL
    assert state.to_query(state.parse_query(query, KEYS), KEYS) == query


@pytest.mark.parametrize("key", list(FULL))
def test_each_key_alone_round_trips(key):
    st = {key: FULL[key]}
    assert state.parse_query(state.to_query(st, KEYS), KEYS) == st


def test_query_is_canonical_keys_in_fixed_order_lists_sorted_and_unique():
    a = state.to_query({"q": "x", "borough": ["E09000005", "E09000001", "E09000005"], "sort": "title"}, KEYS)
    b = state.to_query(state.parse_query("sort=title&borough=E09000001&q=%20x%20&borough=E09000005", KEYS), KEYS)
    assert a == b == "borough=E09000001&borough=E09000005&q=x&sort=title"


def test_special_characters_are_encoded_and_decoded():
    st = {"supplier": ["A&B = C + D / 50%"], "q": "£1m #1?"}
    query = state.to_query(st)
    assert "&B" not in query and "#" not in query and " " not in query
    assert state.parse_query(query) == st


def test_plus_means_space_as_in_html_forms():
    assert state.parse_query("q=adult+social+care") == {"q": "adult social care"}


def test_single_values_arrive_as_lists_for_repeatable_keys():
    """Dash pages pass one value as a string and repeats as a list; both mean a list here."""
    assert state.from_params({"borough": "E09000002"}) == {"borough": ["E09000002"]}
    assert state.from_params({"borough": ["E09000002", "E09000003"]}) == {"borough": ["E09000002", "E09000003"]}


def test_unknown_keys_are_dropped_silently():
    st, problems = state.check_query("utm_source=mail&window_x=3&borough=E09000001")
    assert st == {"borough": ["E09000001"]}
    assert problems == []


@pytest.mark.parametrize(
    ("query", "kept", "problem"),
    [
        ("borough=E09000099", {}, "Borough"),
        ("borough=Camden&borough=E09000007", {"borough": ["E09000007"]}, "Camden"),
        ("end_from=2026-13-01", {}, "Contract end from"),
        ("end_to=next%20year", {}, "Contract end to"),
        ("source=twitter", {}, "Source"),
        ("sort=title;drop%20table", {}, "Sort"),
    ],
)
def test_bad_values_are_dropped_and_reported(query, kept, problem):
    st, problems = state.check_query(query, KEYS)
    assert st == kept
    assert len(problems) == 1 and problem in problems[0]


def test_borough_codes_are_case_insensitive():
    assert state.parse_query("borough=e09000007") == {"borough": ["E09000007"]}


def test_empty_values_mean_no_filter():
    assert state.parse_query("borough=&q=%20%20&supplier=&source=") == {}
    assert state.to_query({"borough": [], "q": "", "supplier": None}) == ""
    assert state.to_search({}) == ""


def test_dates_are_normalised_and_a_reversed_range_is_reported():
    st, problems = state.check_query("end_from=2027-01-01&end_to=2026-01-01")
    assert st == {"end_from": "2027-01-01", "end_to": "2026-01-01"}
    assert problems and "after" in problems[0]


def test_free_text_is_trimmed_and_capped():
    assert state.parse_query("q=" + "a" * 500)["q"] == "a" * state.MAX_TEXT
    assert state.parse_query("q=%20civica%20%20pay%20") == {"q": "civica pay"}


def test_single_valued_key_given_twice_keeps_the_last_valid():
    assert state.parse_query("source=survey&source=bogus")["source"] == "survey"
    assert state.parse_query("q=one&q=two")["q"] == "two"


def test_bytes_query_from_flask_parses():
    assert state.parse_query(b"borough=E09000001&q=%C2%A3") == {"borough": ["E09000001"], "q": "£"}


def test_to_query_validates_a_hand_made_state():
    assert state.to_query({"borough": ["nonsense"], "end_from": "soon", "unknown": "x"}) == ""


def test_with_filters_replaces_filters_and_keeps_view_keys():
    search = "?borough=E09000001&sort=-title&q=old"
    assert state.with_filters(search, {"supplier": ["Civica"]}, KEYS) == "?supplier=Civica&sort=-title"
    assert state.with_filters(search, {}, KEYS) == "?sort=-title"
    assert state.with_filters("", {}) == ""


def test_with_filters_drops_view_keys_that_do_not_survive_a_filter_change():
    keys = state.keyset((state.SORT, state.Key("page", state.integer(1, 10_000), keep_on_filter=False)))
    assert state.with_filters("?page=3&sort=title", {"borough": "E09000001"}, keys) == "?borough=E09000001&sort=title"


def test_updated_sets_and_removes_view_keys():
    assert state.updated("?borough=E09000001", KEYS, sort="-end_date") == "?borough=E09000001&sort=-end_date"
    assert state.updated("?borough=E09000001&sort=title", KEYS, sort=None) == "?borough=E09000001"


def test_a_view_accepts_its_own_keys_and_the_filters_only():
    view = state.View("test", "/test", (state.Key("test_months", state.integer(1, 120)),))
    st, problems = view.check_query("test_months=18&test_unknown=2&sort=title&borough=E09000001")
    assert st == {"test_months": 18, "borough": ["E09000001"]}
    assert problems == []
    assert view.query({"test_months": 6, "borough": "E09000001"}) == "borough=E09000001&test_months=6"
    assert view.check_query("test_months=999")[1] == ["test_months: 999 is not between 1 and 120; ignored."]
    assert view.href({"test_months": 6}) == "/test?test_months=6"
    assert view.updated("?test_months=6", test_months=None) == ""


def test_without_a_view_only_the_filters_are_kept():
    assert state.parse_query("borough=E09000001&sort=title&months=6") == {"borough": ["E09000001"]}


def test_a_view_may_not_redefine_a_shared_filter_or_declare_a_key_twice():
    with pytest.raises(ValueError, match="declared twice"):
        state.keyset((state.Key("borough", state.choice("a")),))
    with pytest.raises(ValueError, match="declared twice"):
        state.keyset((state.SORT, state.SORT))


def test_filters_of_keeps_only_shared_filters():
    assert state.filters_of(FULL) == {k: v for k, v in FULL.items() if k != "sort"}


def test_describe_names_filters_for_people():
    lines = state.describe({"borough": ["E09000005", "E09000007"], "source": "survey", "end_from": "2026-01-01"})
    assert lines == ["Borough: Brent, Camden", "Contract end from: 2026-01-01", "Source: survey records"]
    assert state.describe({}) == []
