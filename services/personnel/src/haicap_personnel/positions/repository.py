"""Every query on job positions and their approval history."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.batching import in_batches
from haicap_shared.filters import where_given
from haicap_shared.paging import fetch_page
from haicap_shared.text import like_pattern

from .models import JobPosition, position_event_table, position_table
from .schemas import PositionFilter

POSITION_LIST_ORDER = (position_table.c.title, position_table.c.id)
EVENT_LIST_ORDER = (position_event_table.c.id,)


def _listed(area: ColumnElement[bool], filters: PositionFilter) -> Select[Any]:
    c = position_table.c
    stmt = select(position_table).where(area)
    stmt = where_given(
        stmt,
        (c.province_code, filters.province),
        (c.agency_id, filters.agency_id),
        (c.status, filters.status),
        (c.group, filters.group),
    )
    if filters.q:
        stmt = stmt.where(c.search_key.like(like_pattern(filters.q), escape="\\"))
    return stmt


async def page_positions(
    session: AsyncSession, area: ColumnElement[bool], filters: PositionFilter, *, limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of the positions in ``area`` matching ``filters``, by title, and the cursor of the next."""
    return await fetch_page(session, _listed(area, filters), order_by=POSITION_LIST_ORDER, limit=limit, cursor=cursor)


async def get_position(session: AsyncSession, position_id: uuid.UUID) -> JobPosition | None:
    return await session.get(JobPosition, position_id)


async def get_positions(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, JobPosition]:
    found: dict[uuid.UUID, JobPosition] = {}
    for batch in in_batches(ids):
        for position in await session.scalars(select(JobPosition).where(JobPosition.id.in_(batch))):
            found[position.id] = position
    return found


async def page_events(
    session: AsyncSession, position_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of a position's approval steps, oldest first, and the cursor of the next."""
    stmt = select(position_event_table).where(position_event_table.c.position_id == position_id)
    return await fetch_page(session, stmt, order_by=EVENT_LIST_ORDER, limit=limit, cursor=cursor)
