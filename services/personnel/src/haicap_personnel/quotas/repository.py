"""Every query on staffing quotas."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, RowMapping, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.filters import where_given
from haicap_shared.paging import fetch_page

from .models import StaffingQuota, quota_table

QUOTA_LIST_ORDER = (quota_table.c.year, quota_table.c.id)


async def page_quotas(
    session: AsyncSession,
    area: ColumnElement[bool],
    *,
    province: str | None,
    agency_id: uuid.UUID | None,
    year: int | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of the quotas in ``area`` (narrowed by the others), by year, and the cursor of the next."""
    c = quota_table.c
    stmt = select(quota_table).where(area)
    stmt = where_given(stmt, (c.province_code, province), (c.agency_id, agency_id), (c.year, year))
    return await fetch_page(session, stmt, order_by=QUOTA_LIST_ORDER, limit=limit, cursor=cursor)


async def get_quota(session: AsyncSession, quota_id: uuid.UUID) -> StaffingQuota | None:
    return await session.get(StaffingQuota, quota_id)


async def quota_of(session: AsyncSession, agency_id: uuid.UUID, year: int) -> StaffingQuota | None:
    return (
        await session.scalars(select(StaffingQuota).where(StaffingQuota.agency_id == agency_id, StaffingQuota.year == year))
    ).first()


async def unit_total(session: AsyncSession, unit_id: uuid.UUID, year: int, *, excluding: uuid.UUID | None) -> int:
    """The posts of every agency of ``unit_id`` in ``year`` (but the quota ``excluding``)."""
    c = quota_table.c
    stmt = select(func.coalesce(func.sum(c.posts), 0)).where(c.unit_id == unit_id, c.year == year)
    if excluding is not None:
        stmt = stmt.where(c.id != excluding)
    return int((await session.execute(stmt)).scalar_one())


async def latest_unit_totals(session: AsyncSession, unit_ids: Sequence[uuid.UUID], year: int) -> dict[uuid.UUID, tuple[int, int]]:
    """For each unit, its latest year at or before ``year`` with quotas, and their total."""
    c = quota_table.c
    stmt = select(c.unit_id, c.year, func.sum(c.posts)).where(c.unit_id.in_(unit_ids), c.year <= year).group_by(c.unit_id, c.year)
    latest: dict[uuid.UUID, tuple[int, int]] = {}
    for unit_id, found_year, total in (await session.execute(stmt)).all():
        if unit_id not in latest or found_year > latest[unit_id][0]:
            latest[unit_id] = (int(found_year), int(total))
    return latest
