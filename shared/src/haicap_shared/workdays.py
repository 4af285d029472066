"""Working days on the Vietnamese calendar: the deadlines counted in working days (ngày làm việc).

A day is a working day when it is Monday to Friday and not a public holiday, unless the year's
schedule swaps it: the government moves a working day to a Saturday so that a holiday bridges a
weekend (a Saturday worked, a weekday off in exchange). The rule and the holidays come from the
``holidays`` package (``holidays.country_holidays("VN")``: New Year, Tết by the lunar calendar,
Hùng Kings' day, 30 April, 1 May, National Day, with the observed days when a holiday falls on a
weekend and the swaps it knows of); an administrator's overrides, which the caller passes in
(``{day: working}``), come last and win.

    calendar = WorkingCalendar({date(2026, 5, 9): True})  # a Saturday worked
    calendar.add_working_days(date(2026, 4, 24), 3)       # -> 2026-05-04
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

MAX_WORKING_DAYS = 366
"""The longest count :meth:`WorkingCalendar.add_working_days` accepts (a deadline, not a schedule)."""


def local_date(moment: datetime) -> date:
    """The Vietnamese local date of a timezone-aware moment (a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VIETNAM).date()


@functools.lru_cache(maxsize=64)
def _year(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """The public holidays (observed and substituted days off included) and the weekend days worked of one year."""
    calendar = holidays.country_holidays("VN", years=year)
    days_off = frozenset(day for day in calendar if day.year == year)
    worked = frozenset(day for day in getattr(calendar, "weekend_workdays", ()) if day.year == year)
    return days_off, worked


def public_holidays(year: int) -> dict[date, str]:
    """The year's public holidays with their names, as the ``holidays`` package gives them."""
    calendar = holidays.country_holidays("VN", years=year)
    return {day: str(name) for day, name in sorted(calendar.items()) if day.year == year}


def rule_says_working(day: date) -> bool:
    """Whether the day is worked by the rule alone (weekends, holidays, the package's swaps), without overrides."""
    days_off, worked = _year(day.year)
    if day in worked:
        return True
    return day.weekday() < 5 and day not in days_off


class WorkingCalendar:
    """The rule plus an administrator's overrides (``{day: working}``)."""

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self.overrides: dict[date, bool] = dict(overrides or {})

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return rule_says_working(day)

    def add_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (``day`` itself is not counted, whatever it is)."""
        if not 0 <= n <= MAX_WORKING_DAYS:
            raise ValueError(f"a count of working days from 0 to {MAX_WORKING_DAYS}")
        current, counted = day, 0
        while counted < n:
            current += timedelta(days=1)
            if self.is_working_day(current):
                counted += 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie after ``start`` up to and including ``end`` (0 when ``end`` is not after it)."""
        current, counted = start, 0
        while current < end:
            current += timedelta(days=1)
            if self.is_working_day(current):
                counted += 1
        return counted


def is_working_day(day: date, overrides: Mapping[date, bool] | None = None) -> bool:
    """Whether ``day`` is a working day (``overrides``: an administrator's ``{day: working}``)."""
    return WorkingCalendar(overrides).is_working_day(day)


def add_working_days(day: date, n: int, overrides: Mapping[date, bool] | None = None) -> date:
    """The ``n``-th working day after ``day`` (``overrides``: an administrator's ``{day: working}``)."""
    return WorkingCalendar(overrides).add_working_days(day, n)
