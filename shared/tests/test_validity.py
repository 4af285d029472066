"""The validity vocabulary gives the same answers in SQL (SQLite and PostgreSQL) and in memory."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import Column, Date, MetaData, String, Table, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql import ColumnElement

from haicap_shared import validity
from haicap_shared.validity import (
    Bounds,
    Interval,
    InvalidPeriod,
    OpenStartValidityColumns,
    ValidityColumns,
    ValidityInput,
    checked_period,
)

_metadata = MetaData()
_records = Table(
    "validity_sample",
    _metadata,
    Column("name", String(20), primary_key=True),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("agency_valid_to", Date),
)

# name: (valid_from, valid_to)
_INTERVALS: dict[str, tuple[date | None, date | None]] = {
    "always": (None, None),
    "until_june": (None, date(2025, 6, 30)),
    "from_july": (date(2025, 7, 1), None),
    "july": (date(2025, 7, 1), date(2025, 7, 31)),
    "one_day": (date(2025, 7, 15), date(2025, 7, 15)),
}


class _Base(DeclarativeBase):
    pass


class _Placement(ValidityColumns, _Base):
    __tablename__ = "validity_placement"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


class _Unit(OpenStartValidityColumns, _Base):
    __tablename__ = "validity_unit"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


async def _names(connection: AsyncConnection, condition: ColumnElement[bool]) -> set[str]:
    await connection.run_sync(lambda sync: _metadata.create_all(sync, checkfirst=True))
    await connection.execute(delete(_records))
    rows = [{"name": n, "valid_from": f, "valid_to": t, "agency_valid_to": date(2025, 7, 20)} for n, (f, t) in _INTERVALS.items()]
    await connection.execute(insert(_records), rows)
    return set((await connection.scalars(select(_records.c.name).where(condition))).all())


def _in_memory(test: Any) -> set[str]:
    return {name for name, ends in _INTERVALS.items() if test(Interval(*ends))}


@pytest.mark.parametrize("day", [date(2025, 6, 30), date(2025, 7, 1), date(2025, 7, 15), date(2025, 8, 1)])
async def test_in_force_on_a_day(db_connection: AsyncConnection, day: date) -> None:
    expected = _in_memory(lambda interval: interval.contains(day))
    assert await _names(db_connection, validity.in_force_on(_records, day)) == expected
    assert await _names(db_connection, validity.in_force_on(_records.c, day)) == expected


@pytest.mark.parametrize(
    ("start", "end"),
    [(None, None), (None, date(2025, 6, 30)), (date(2025, 7, 16), None), (date(2025, 7, 10), date(2025, 7, 20))],
)
async def test_overlapping_a_range(db_connection: AsyncConnection, start: date | None, end: date | None) -> None:
    expected = _in_memory(lambda interval: interval.overlaps(Interval(start, end)))
    assert await _names(db_connection, validity.overlaps(_records, start, end)) == expected


async def test_overlapping_another_rows_interval(db_connection: AsyncConnection) -> None:
    other = _records.alias("other")
    await _names(db_connection, validity.in_force_on(_records, date(2025, 1, 1)))
    stmt = (
        select(_records.c.name, other.c.name)
        .join(other, _records.c.name < other.c.name)
        .where(validity.overlaps(_records, other.c.valid_from, other.c.valid_to))
    )
    pairs = {tuple(row) for row in (await db_connection.execute(stmt)).all()}
    expected = {
        tuple(sorted((a, b)))
        for a in _INTERVALS
        for b in _INTERVALS
        if a < b and Interval(*_INTERVALS[a]).overlaps(Interval(*_INTERVALS[b]))
    }
    assert pairs == expected


async def test_extends_beyond_a_range(db_connection: AsyncConnection) -> None:
    condition = validity.extends_beyond(_records, date(2025, 7, 1), date(2025, 7, 31))
    assert await _names(db_connection, condition) == {"always", "until_june", "from_july"}
    assert await _names(db_connection, validity.extends_beyond(_records, None, None)) == set()


async def test_open_ends_and_other_columns(db_connection: AsyncConnection) -> None:
    day = date(2025, 7, 15)
    assert await _names(db_connection, validity.still_open(_records)) == {"always", "from_july"}
    assert await _names(db_connection, validity.ends_on_or_after(_records, day)) == {"always", "from_july", "july", "one_day"}
    assert await _names(db_connection, validity.starts_on_or_before(_records, date(2025, 7, 1))) == {
        "always",
        "until_june",
        "from_july",
        "july",
    }
    agency_open = validity.in_force_on(Bounds(None, _records.c.agency_valid_to), date(2025, 7, 21))
    assert await _names(db_connection, agency_open) == set()


def test_a_required_start_is_compared_without_an_is_null_alternative() -> None:
    required = str(validity.in_force_on(_Placement, date(2025, 7, 1)))
    open_start = str(validity.in_force_on(_Unit, date(2025, 7, 1)))
    assert "valid_from IS NULL" not in required
    assert "valid_from IS NULL" in open_start
    assert "valid_to IS NULL" in required


def test_the_interval_check_matches_the_columns() -> None:
    assert str(validity.valid_interval_check().sqltext) == "valid_to IS NULL OR valid_from <= valid_to"
    assert str(validity.valid_interval_check(open_start=True).sqltext) == (
        "valid_to IS NULL OR valid_from IS NULL OR valid_from <= valid_to"
    )


def test_the_input_schema_refuses_an_end_before_the_start() -> None:
    assert ValidityInput.model_validate({"valid_from": "2025-07-01", "valid_to": "2025-07-01"}).valid_to == date(2025, 7, 1)
    with pytest.raises(ValidationError, match="valid_to is before valid_from"):
        ValidityInput.model_validate({"valid_from": "2025-07-02", "valid_to": "2025-07-01"})
    assert ValidityInput.model_json_schema()["properties"]["valid_to"]["description"] == "Last day in force; null: still in force"


def test_intervals_in_memory_in_order_and_within() -> None:
    july = Interval(date(2025, 7, 1), date(2025, 7, 31))
    assert july.in_order
    assert Interval(None, date(2025, 1, 1)).in_order
    assert not Interval(date(2025, 7, 2), date(2025, 7, 1)).in_order
    assert Interval(date(2025, 7, 10), date(2025, 7, 20)).within(july)
    assert july.within(Interval())
    assert july.within(july)
    assert not Interval(date(2025, 7, 10), None).within(july)
    assert not Interval(None, date(2025, 7, 20)).within(july)


def test_a_period_may_be_one_day_but_not_end_before_it_starts() -> None:
    day = date(2026, 4, 15)
    assert checked_period(day, day) == (day, day)
    assert checked_period(date(2026, 1, 1), date(2026, 12, 31)) == (date(2026, 1, 1), date(2026, 12, 31))
    with pytest.raises(InvalidPeriod) as refused:
        checked_period(date(2026, 12, 31), date(2026, 12, 1), start_name="received_from", end_name="received_to")
    problem = refused.value.problem()
    assert (problem["status"], problem["code"]) == (422, "invalid_period")
    assert problem["detail"] == "`received_to` (2026-12-01) is before `received_from` (2026-12-31)"
