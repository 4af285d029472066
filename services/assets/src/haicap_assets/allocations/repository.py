"""Every query on allocations."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.codes import UnitLevel
from haicap_shared.validity import in_force_on, still_open

from ..register.models import Asset, AssetKind, asset_table
from .models import Allocation, Purpose, allocation_table


async def general_cars_of_commune(session: AsyncSession, commune_code: str, on: date, *, excluding: uuid.UUID) -> int:
    """General-work cars held by a commune (or its agencies) on ``on``."""
    a, c = allocation_table.c, asset_table.c
    stmt = (
        select(func.count())
        .select_from(allocation_table.join(asset_table, c.id == a.asset_id))
        .where(
            in_force_on(allocation_table, on),
            a.holder_level == UnitLevel.COMMUNE,
            a.holder_commune_code == commune_code,
            a.purpose == Purpose.GENERAL_WORK_CAR,
            c.kind == AssetKind.CAR,
            a.asset_id != excluding,
        )
    )
    return int((await session.execute(stmt)).scalar_one())


async def held_by(
    session: AsyncSession, unit_ids: Sequence[uuid.UUID], agency_ids: Sequence[uuid.UUID]
) -> Sequence[tuple[Asset, Allocation]]:
    """Assets whose open allocation is with these units (themselves or their agencies) or agencies."""
    held = or_(Allocation.holder_unit_id.in_(unit_ids), Allocation.holder_id.in_(agency_ids))
    stmt = (
        select(Asset, Allocation)
        .join(Allocation, and_(Allocation.asset_id == Asset.id, still_open(Allocation)))
        .where(held)
        .order_by(Asset.code, Asset.id)
    )
    return [(asset, allocation) for asset, allocation in (await session.execute(stmt)).all()]


async def get_allocation(session: AsyncSession, allocation_id: uuid.UUID) -> Allocation | None:
    return await session.get(Allocation, allocation_id)
