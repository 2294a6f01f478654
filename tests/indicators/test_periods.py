"""Reporting periods: a year, a half or a quarter, their bounds, their order, and what has not started."""
from datetime import date

import pytest

from najma.errors import DomainError
from najma.indicators import periods


@pytest.mark.parametrize(("code", "start", "end"), [
    ("2026", date(2026, 1, 1), date(2026, 12, 31)),
    ("2026-S1", date(2026, 1, 1), date(2026, 6, 30)),
    ("2026-S2", date(2026, 7, 1), date(2026, 12, 31)),
    ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
    ("2026-Q2", date(2026, 4, 1), date(2026, 6, 30)),
    ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30)),
    ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
])
def test_a_period_has_its_first_and_last_day(code, start, end):
    assert periods.period_bounds(code) == (start, end)
    assert periods.parse(code).code == code


def test_a_lowercase_or_padded_code_is_read_as_the_period_it_names():
    assert periods.parse(" 2025-q3 ").code == "2025-Q3"


@pytest.mark.parametrize("code", ["", "26", "2026-", "2026-S3", "2026-Q5", "2026-H1", "2026/Q1", "Q1-2026",
                                  "2026-Q1x", "deux mille", None])
def test_a_code_that_names_no_period_is_refused_with_the_forms_accepted(code):
    with pytest.raises(DomainError) as refused:
        periods.parse(code)
    assert "2026-S1" in str(refused.value.message) and refused.value.field == "period"
    assert not periods.is_valid(code)


def test_a_year_outside_the_programmes_range_is_refused():
    with pytest.raises(DomainError, match="between 2000 and 2100"):
        periods.parse("1999")
    with pytest.raises(DomainError, match="between 2000 and 2100"):
        periods.parse("2101-Q1")


def test_a_period_is_in_the_future_until_its_first_day():
    today = date(2026, 4, 15)
    assert periods.is_future("2026-Q3", today)
    assert periods.is_future("2027", today)
    assert not periods.is_future("2026-Q2", today)  # under way
    assert not periods.is_future("2026", today)
    assert not periods.is_future("2026-Q2", date(2026, 4, 1))  # its first day
    assert periods.has_ended("2026-Q1", today) and not periods.has_ended("2026-S1", today)


def test_periods_are_ordered_by_their_end_the_year_before_its_last_quarter():
    codes = ["2026-Q4", "2025", "2026-S1", "2026", "2026-Q1", "2026-S2", "2024-Q3", "2026-Q2"]
    assert periods.ordered(codes) == ["2024-Q3", "2025", "2026-Q1", "2026-S1", "2026-Q2", "2026", "2026-S2",
                                      "2026-Q4"]


def test_current_period_of_each_granularity():
    today = date(2026, 8, 3)
    assert periods.current("year", today) == "2026"
    assert periods.current("half", today) == "2026-S2"
    assert periods.current("quarter", today) == "2026-Q3"


def test_recent_periods_offer_only_those_that_have_started():
    offered = periods.recent(2, date(2026, 5, 10))
    assert offered[:4] == ["2026", "2026-S1", "2026-Q2", "2026-Q1"]
    assert "2026-Q3" not in offered and "2026-S2" not in offered
    assert "2025-Q4" in offered and "2024" not in offered


def test_a_period_code_is_kept_in_one_left_to_right_piece_on_a_page():
    # Unisolated, "2026-S2" in an Arabic line reads "-2026 S2".
    assert str(periods.isolated("2026-S2")) == '<bdi dir="ltr" class="text-nowrap period-code">2026-S2</bdi>'
    assert str(periods.isolated("<b>")) == '<bdi dir="ltr" class="text-nowrap period-code">&lt;b&gt;</bdi>'
    assert str(periods.isolated(None)) == ""
