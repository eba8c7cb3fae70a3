"""The one rule for where a contract stands today (dashboard/status.py)."""

from datetime import date

import pytest

from dashboard import status

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("end", "max_end", "expected"),
    [
        (None, None, "unknown"),
        (date(2024, 12, 31), None, "ended"),
        (date(2024, 12, 31), date(2025, 12, 31), "ended"),  # the extensions ran out too
        (date(2026, 3, 31), date(2028, 3, 31), "overdue"),  # on an extension, 16 months left, lead 18
        (date(2027, 6, 30), None, "overdue"),  # procurement should have started in December 2025
        (date(2028, 11, 30), None, "ending"),  # within 24 months, procurement starts May 2027
        (date(2030, 1, 1), None, "running"),
        (None, date(2029, 1, 1), "running"),  # only a latest end given
    ],
)
def test_status(end, max_end, expected):
    assert status.status(end, max_end, TODAY, horizon_months=24, lead_months=18) == expected


def test_the_horizon_and_lead_are_the_views():
    end = date(2028, 6, 30)
    assert status.status(end, None, TODAY, horizon_months=12, lead_months=6) == "running"
    assert status.status(end, None, TODAY, horizon_months=24, lead_months=6) == "ending"
    assert status.status(end, None, TODAY, horizon_months=24, lead_months=24) == "overdue"


def test_every_status_has_words_and_a_badge():
    assert set(status.STATUSES) == set(status.BADGES) and set(status.ACTIONABLE) < set(status.STATUSES)
