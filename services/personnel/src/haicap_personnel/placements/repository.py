"""Every query on placements."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Select, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.batching import in_batches
from haicap_shared.filters import where_given
from haicap_shared.paging import fetch_page
from haicap_shared.validity import Bounds, ends_on_or_after, in_force_on, overlaps

from .models import Placement, placement_record, placement_table
from .schemas import PlacementFilter


def serving_on(as_of: date) -> ColumnElement[bool]:
    """In force on ``as_of``, in an agency that still exists then."""
    c = placement_table.c
    return and_(in_force_on(placement_table, as_of), ends_on_or_after(Bounds(None, c.agency_valid_to), as_of))


PLACEMENT_LIST_ORDER = (placement_table.c.valid_from, placement_table.c.id)


def _listed(area: ColumnElement[bool], filters: PlacementFilter) -> Select[Any]:
    c = placement_table.c
    stmt = select(*placement_record).where(area)
    stmt = where_given(
        stmt,
        (c.person_id, filters.person_id),
        (c.position_id, filters.position_id),
        (c.agency_id, filters.agency_id),
        (c.province_code, filters.province),
        (c.suitability, filters.suitability),
        (c.is_primary, filters.is_primary),
    )
    if filters.as_of is not None:
        stmt = stmt.where(in_force_on(placement_table, filters.as_of))
    return stmt


async def page_placements(
    session: AsyncSession, area: ColumnElement[bool], filters: PlacementFilter, *, limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of the placements in ``area`` matching ``filters``, by start date, and the cursor of the next."""
    return await fetch_page(session, _listed(area, filters), order_by=PLACEMENT_LIST_ORDER, limit=limit, cursor=cursor)


async def get_placement(session: AsyncSession, placement_id: uuid.UUID) -> Placement | None:
    return await session.get(Placement, placement_id)


async def overlapping_primary(
    session: AsyncSession, person_id: uuid.UUID, valid_from: date, valid_to: date | None, *, other_than: uuid.UUID | None = None
) -> Placement | None:
    """A primary placement of the person sharing a day with [valid_from, valid_to]."""
    stmt = select(Placement).where(
        Placement.person_id == person_id, Placement.is_primary.is_(True), overlaps(Placement, valid_from, valid_to)
    )
    if other_than is not None:
        stmt = stmt.where(Placement.id != other_than)
    return (await session.scalars(stmt.order_by(Placement.valid_from).limit(1))).first()


async def current_and_later_of(session: AsyncSession, person_id: uuid.UUID, on: date) -> Sequence[Placement]:
    stmt = select(Placement).where(Placement.person_id == person_id, ends_on_or_after(Placement, on))
    return (await session.scalars(stmt)).all()


async def primaries_from(session: AsyncSession, person_ids: Sequence[uuid.UUID], on: date) -> Sequence[Placement]:
    """Primary placements of these people in force on ``on`` or starting after it."""
    found: list[Placement] = []
    for batch in in_batches(person_ids):
        stmt = select(Placement).where(
            Placement.person_id.in_(batch), Placement.is_primary.is_(True), ends_on_or_after(Placement, on)
        )
        found.extend((await session.scalars(stmt)).all())
    return found


async def placed_in_on(session: AsyncSession, agency_ids: Sequence[uuid.UUID], on: date) -> Sequence[Any]:
    """(person_id, agency_id) of the primary placements in these agencies in force on ``on``."""
    c = placement_table.c
    stmt = select(c.person_id, c.agency_id).where(
        c.agency_id.in_(agency_ids), c.is_primary.is_(True), in_force_on(placement_table, on)
    )
    return (await session.execute(stmt)).all()


async def placement_rows(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[RowMapping]:
    """These placements' rows as they are now (Core; after a bulk change, for its events)."""
    found: list[RowMapping] = []
    for batch in in_batches(ids):
        stmt = select(*placement_record).where(placement_table.c.id.in_(batch))
        found.extend((await session.execute(stmt)).mappings().all())
    return found


async def insert_placements(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """New placements written in bulk (Core inserts, a few thousand rows a statement)."""
    for batch in in_batches(rows, 5000):
        await session.execute(placement_table.insert(), batch)


async def end_placements(session: AsyncSession, placement_ids: Sequence[uuid.UUID], last_day: date, now: datetime) -> None:
    """Set the last day of these placements (each one's version moves on)."""
    for batch in in_batches(placement_ids):
        await session.execute(
            update(placement_table)
            .where(placement_table.c.id.in_(batch))
            .values(valid_to=last_day, updated_at=now, version=placement_table.c.version + 1)
        )
