"""Every query on job positions and their approval history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.text import like_pattern

from .models import JobPosition, PositionGroup, PositionStatus, position_event_table, position_table


@dataclass(frozen=True)
class PositionFilter:
    visible: ColumnElement[bool]
    province: str | None = None
    agency_id: uuid.UUID | None = None
    status: PositionStatus | None = None
    group: PositionGroup | None = None
    q: str | None = None

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        c = position_table.c
        stmt = stmt.where(self.visible)
        for column, value in (
            (c.province_code, self.province),
            (c.agency_id, self.agency_id),
            (c.status, self.status),
            (c.group, self.group),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        if self.q:
            stmt = stmt.where(c.search_key.like(like_pattern(self.q), escape="\\"))
        return stmt


POSITION_LIST_ORDER = (position_table.c.title, position_table.c.id)


def list_positions(filters: PositionFilter) -> Select[Any]:
    return filters.apply(select(position_table))


async def get_position(session: AsyncSession, position_id: uuid.UUID) -> JobPosition | None:
    return await session.get(JobPosition, position_id)


async def get_positions(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, JobPosition]:
    found: dict[uuid.UUID, JobPosition] = {}
    for start in range(0, len(ids), 500):
        for position in await session.scalars(select(JobPosition).where(JobPosition.id.in_(ids[start : start + 500]))):
            found[position.id] = position
    return found


def list_events(position_id: uuid.UUID) -> Select[Any]:
    return select(position_event_table).where(position_event_table.c.position_id == position_id)


EVENT_LIST_ORDER = (position_event_table.c.id,)
