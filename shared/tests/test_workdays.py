"""The Vietnamese working-day calendar: weekends, public holidays and Tết, observed days, swaps."""

from datetime import UTC, date, datetime

import pytest

from haicap_shared.workdays import WorkingCalendar, add_working_days, is_working_day, local_date, public_holidays


def test_a_change_on_the_friday_before_hung_kings_day_and_30_april_is_due_on_4_may_2026() -> None:
    # Hùng Kings' day is Sunday 26 April 2026, observed Monday 27; 30 April and 1 May are Thursday and Friday.
    assert not is_working_day(date(2026, 4, 27))
    assert is_working_day(date(2026, 4, 28))
    assert not is_working_day(date(2026, 4, 30))
    assert not is_working_day(date(2026, 5, 1))
    assert add_working_days(date(2026, 4, 24), 3) == date(2026, 5, 4)


def test_an_admin_swap_moves_the_due_date() -> None:
    # A Saturday worked (2 May 2026) brings the deadline forward; a weekday given off in exchange pushes it back.
    assert add_working_days(date(2026, 4, 24), 3, {date(2026, 5, 2): True}) == date(2026, 5, 2)
    assert add_working_days(date(2026, 4, 24), 3, {date(2026, 4, 28): False}) == date(2026, 5, 5)


def test_tet_2026_and_2027() -> None:
    # Tết 2026: Monday 16 to Friday 20 February off; a change on Friday 13 is due Wednesday 25.
    assert [is_working_day(date(2026, 2, d)) for d in range(16, 21)] == [False] * 5
    assert add_working_days(date(2026, 2, 13), 3) == date(2026, 2, 25)
    # Tết 2027: Thursday 4 to Wednesday 10 February off; a change on Wednesday 3 is due Monday 15.
    assert [is_working_day(date(2027, 2, d)) for d in (4, 5, 8, 9, 10)] == [False] * 5
    assert add_working_days(date(2027, 2, 3), 3) == date(2027, 2, 15)


def test_the_package_swaps_are_kept() -> None:
    # 2025: Saturday 26 April worked, Friday 2 May off in exchange.
    assert is_working_day(date(2025, 4, 26))
    assert not is_working_day(date(2025, 5, 2))
    assert add_working_days(date(2025, 4, 25), 1) == date(2025, 4, 26)


def test_ordinary_weeks_and_the_day_itself_not_counted() -> None:
    assert add_working_days(date(2026, 6, 10), 3) == date(2026, 6, 15)  # Wednesday -> Monday
    assert add_working_days(date(2026, 6, 13), 3) == date(2026, 6, 17)  # a Saturday: from Monday on
    assert add_working_days(date(2026, 6, 10), 0) == date(2026, 6, 10)
    assert WorkingCalendar().working_days_between(date(2026, 4, 24), date(2026, 5, 4)) == 3
    with pytest.raises(ValueError, match="count of working days"):
        add_working_days(date(2026, 6, 10), -1)


def test_local_dates_and_holiday_names() -> None:
    assert local_date(datetime(2026, 4, 24, 17, 30, tzinfo=UTC)) == date(2026, 4, 25)
    assert local_date(datetime(2026, 4, 24, 16, 59, tzinfo=UTC)) == date(2026, 4, 24)
    names = public_holidays(2026)
    assert names[date(2026, 9, 2)] == "National Day"
    assert len(names) == 14
