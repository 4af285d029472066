"""Every query on placements."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Placement, Suitability, placement_table


def in_force_on(as_of: date, table: Any = placement_table) -> ColumnElement[bool]:
    c = table.c
    return and_(c.valid_from <= as_of, or_(c.valid_to.is_(None), c.valid_to >= as_of))


def serving_on(as_of: date) -> ColumnElement[bool]:
    """In force on ``as_of``, in an agency that still exists then."""
    c = placement_table.c
    return and_(in_force_on(as_of), or_(c.agency_valid_to.is_(None), c.agency_valid_to >= as_of))


@dataclass(frozen=True)
class PlacementFilter:
    visible: ColumnElement[bool]
    person_id: uuid.UUID | None = None
    position_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    province: str | None = None
    suitability: Suitability | None = None
    is_primary: bool | None = None
    as_of: date | None = None

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        c = placement_table.c
        stmt = stmt.where(self.visible)
        for column, value in (
            (c.person_id, self.person_id),
            (c.position_id, self.position_id),
            (c.agency_id, self.agency_id),
            (c.province_code, self.province),
            (c.suitability, self.suitability),
            (c.is_primary, self.is_primary),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        if self.as_of is not None:
            stmt = stmt.where(in_force_on(self.as_of))
        return stmt


PLACEMENT_LIST_ORDER = (placement_table.c.valid_from, placement_table.c.id)


def list_placements(filters: PlacementFilter) -> Select[Any]:
    return filters.apply(select(placement_table))


async def get_placement(session: AsyncSession, placement_id: uuid.UUID) -> Placement | None:
    return await session.get(Placement, placement_id)


async def overlapping_primary(
    session: AsyncSession, person_id: uuid.UUID, valid_from: date, valid_to: date | None, *, other_than: uuid.UUID | None = None
) -> Placement | None:
    """A primary placement of the person sharing a day with [valid_from, valid_to]."""
    stmt = select(Placement).where(
        Placement.person_id == person_id,
        Placement.is_primary.is_(True),
        or_(Placement.valid_to.is_(None), Placement.valid_to >= valid_from),
    )
    if valid_to is not None:
        stmt = stmt.where(Placement.valid_from <= valid_to)
    if other_than is not None:
        stmt = stmt.where(Placement.id != other_than)
    return (await session.scalars(stmt.order_by(Placement.valid_from).limit(1))).first()


async def current_and_later_of(session: AsyncSession, person_id: uuid.UUID, on: date) -> Sequence[Placement]:
    stmt = select(Placement).where(Placement.person_id == person_id, or_(Placement.valid_to.is_(None), Placement.valid_to >= on))
    return (await session.scalars(stmt)).all()


async def primaries_from(session: AsyncSession, person_ids: Sequence[uuid.UUID], on: date) -> Sequence[Placement]:
    """Primary placements of these people in force on ``on`` or starting after it."""
    found: list[Placement] = []
    for start in range(0, len(person_ids), 500):
        stmt = select(Placement).where(
            Placement.person_id.in_(person_ids[start : start + 500]),
            Placement.is_primary.is_(True),
            or_(Placement.valid_to.is_(None), Placement.valid_to >= on),
        )
        found.extend((await session.scalars(stmt)).all())
    return found


async def placed_in_on(session: AsyncSession, agency_ids: Sequence[uuid.UUID], on: date) -> Sequence[Any]:
    """(person_id, agency_id) of the primary placements in these agencies in force on ``on``."""
    c = placement_table.c
    stmt = select(c.person_id, c.agency_id).where(c.agency_id.in_(agency_ids), c.is_primary.is_(True), in_force_on(on))
    return (await session.execute(stmt)).all()
