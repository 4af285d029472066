"""Validity intervals: what is "in force on a date", in SQL, in Python, in tables and in requests.

A record in force from ``valid_from`` to ``valid_to`` (both days included) has an open end where
the column is null: no ``valid_from`` means in force since before the records begin, no
``valid_to`` means still in force.

- Columns: :class:`ValidityColumns` (a start day required: placements, allocations, ownerships,
  norms) or :class:`OpenStartValidityColumns` (both ends may be open: units, agencies), with
  :func:`valid_interval_check` for the table's ``valid_interval`` constraint.
- SQL conditions, on a mapped class, a table, an alias or :class:`Bounds` of other columns
  (``Bounds(None, placement_table.c.agency_valid_to)``): :func:`in_force_on`,
  :func:`overlaps`, :func:`extends_beyond`, :func:`ends_on_or_after`,
  :func:`starts_on_or_before`, :func:`still_open`. A column that cannot be null is compared
  without an ``IS NULL`` alternative.
- In memory: :class:`Interval` (``Interval.of(unit).contains(day)``, ``a.overlaps(b)``,
  ``a.within(b)``, ``a.in_order``).
- In a request: :class:`ValidityInput`, the two fields and the check that ``valid_to`` is not
  before ``valid_from``; :func:`checked_period` for a period given as two query parameters
  (``from``/``to``), refused with 422 ``invalid_period`` when it ends before it starts.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple, Protocol, Self

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import CheckConstraint, ColumnElement, Date, and_, false, or_, true
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnClause

from .errors import BadRequest
from .values import IsoDate


class InvalidPeriod(BadRequest):
    """A period asked for (two dates a caller sent) that ends before it starts."""

    code, title = "invalid_period", "The period ends before it starts"


def checked_period(start: date, end: date, *, start_name: str = "from", end_name: str = "to") -> tuple[date, date]:
    """``(start, end)``; 422 ``invalid_period`` naming both parameters when ``end`` is before ``start``."""
    if end < start:
        raise InvalidPeriod(f"`{end_name}` ({end}) is before `{start_name}` ({start})")
    return start, end


class ValidityColumns:
    """``valid_from`` (required) and ``valid_to`` (null: still in force) as mapped columns."""

    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class OpenStartValidityColumns:
    """``valid_from`` (null: since before the records begin) and ``valid_to`` (null: still in force)."""

    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


def valid_interval_check(*, open_start: bool = False) -> CheckConstraint:
    """The table's ``valid_interval`` constraint: ``valid_to`` is not before ``valid_from``."""
    if open_start:
        return CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_from <= valid_to", name="valid_interval")
    return CheckConstraint("valid_to IS NULL OR valid_from <= valid_to", name="valid_interval")


class Bounds(NamedTuple):
    """The two ends of an interval held in columns of other names; ``None`` for an end that is always open."""

    valid_from: Any
    valid_to: Any


class _HasValidity(Protocol):
    @property
    def valid_from(self) -> Any: ...

    @property
    def valid_to(self) -> Any: ...


# NOTE: one end in SQL: a column (or mapped attribute), a date given by the caller, or None for
# an end that is always open.
_End = Any


def _bounds(source: Any) -> Bounds:
    """The start and end columns of a mapped class, a table or alias (``.c``), or :class:`Bounds`."""
    if isinstance(source, Bounds):
        return source
    columns = getattr(source, "c", source)
    return Bounds(columns.valid_from, columns.valid_to)


def _nullable(end: _End) -> bool:
    column = getattr(end, "expression", end)
    return bool(getattr(column, "nullable", True))


def _is_column(end: _End) -> bool:
    return end is not None and not isinstance(end, date)


def _no_later(start: _End, end: _End, *, strictly: bool = False) -> ColumnElement[bool]:
    """``start`` (None or NULL: open, since ever) is before ``end`` (None or NULL: open, for ever).

    On or before by default, strictly before with ``strictly``.
    """
    if start is None or end is None:
        return true()
    if not _is_column(start) and not _is_column(end):
        return true() if (start < end if strictly else start <= end) else false()
    # NOTE: the column on the left, as a reader writes it (``valid_to >= :day``).
    if _is_column(start):
        column, compare, value = start, operator.lt if strictly else operator.le, end
    else:
        column, compare, value = end, operator.gt if strictly else operator.ge, start
    condition: ColumnElement[bool] = compare(column, value)
    open_ends = [column.is_(None) for column in (start, end) if _is_column(column) and _nullable(column)]
    return or_(*open_ends, condition) if open_ends else condition


def in_force_on(source: Any, day: date) -> ColumnElement[bool]:
    """Rows whose interval contains ``day``."""
    ends = _bounds(source)
    return and_(_no_later(ends.valid_from, day), _no_later(day, ends.valid_to))


def overlaps(source: Any, valid_from: _End, valid_to: _End) -> ColumnElement[bool]:
    """Rows whose interval shares a day with [valid_from, valid_to] (dates, None or other columns)."""
    ends = _bounds(source)
    return and_(_no_later(ends.valid_from, valid_to), _no_later(valid_from, ends.valid_to))


def extends_beyond(source: Any, valid_from: date | None, valid_to: date | None) -> ColumnElement[bool]:
    """Rows in force on a day outside [valid_from, valid_to] (an open end of the range: nothing beyond it)."""
    ends = _bounds(source)
    outside: list[ColumnElement[bool]] = []
    if valid_from is not None:
        outside.append(_no_later(ends.valid_from, valid_from, strictly=True))
    if valid_to is not None:
        outside.append(_no_later(valid_to, ends.valid_to, strictly=True))
    return or_(false(), *outside)


def ends_on_or_after(source: Any, day: date) -> ColumnElement[bool]:
    """Rows in force on ``day`` or starting later: still open, or ending on ``day`` or after."""
    return _no_later(day, _bounds(source).valid_to)


def starts_on_or_before(source: Any, day: date) -> ColumnElement[bool]:
    """Rows in force on ``day`` or ended before it: no start, or a start on ``day`` or before."""
    return _no_later(_bounds(source).valid_from, day)


def still_open(source: Any) -> ColumnElement[bool]:
    """Rows with no end: still in force (the current allocation, the norm in force)."""
    end: ColumnClause[Any] = _bounds(source).valid_to
    return end.is_(None)


@dataclass(frozen=True, slots=True)
class Interval:
    """An interval of days in memory; ``None`` for an open end."""

    valid_from: date | None = None
    valid_to: date | None = None

    @classmethod
    def of(cls, record: _HasValidity) -> Interval:
        """The interval of anything with ``valid_from`` and ``valid_to`` (a row, a schema, a record read over HTTP)."""
        return cls(record.valid_from, record.valid_to)

    @property
    def in_order(self) -> bool:
        """``valid_to`` is not before ``valid_from`` (an open end is always in order)."""
        return self.valid_from is None or self.valid_to is None or self.valid_from <= self.valid_to

    def within(self, outer: Interval) -> bool:
        """Every day of this interval is in ``outer`` (an open end only within an open end of ``outer``)."""
        starts_inside = outer.valid_from is None or (self.valid_from is not None and self.valid_from >= outer.valid_from)
        ends_inside = outer.valid_to is None or (self.valid_to is not None and self.valid_to <= outer.valid_to)
        return starts_inside and ends_inside

    def contains(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    def overlaps(self, other: Interval) -> bool:
        """The two share at least one day."""
        return (self.valid_from is None or other.valid_to is None or self.valid_from <= other.valid_to) and (
            other.valid_from is None or self.valid_to is None or other.valid_from <= self.valid_to
        )


class ValidityInput(BaseModel):
    """The validity interval of a record to create; ``valid_to`` may not be before ``valid_from``.

    A schema whose start means something else redeclares ``valid_from`` with its own description.
    """

    valid_from: IsoDate | None = Field(None, description="First day in force; null: in force before the records begin")
    valid_to: IsoDate | None = Field(None, description="Last day in force; null: still in force")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not Interval.of(self).in_order:
            raise ValueError("valid_to is before valid_from")
        return self
