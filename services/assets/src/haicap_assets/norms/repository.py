"""Every query on car norms and the caps of their kinds of car."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.validity import in_force_on, still_open

from .models import CarKindCap, CarNorm


async def norm_on(session: AsyncSession, on: date) -> CarNorm | None:
    stmt = select(CarNorm).where(in_force_on(CarNorm, on))
    return (await session.scalars(stmt.order_by(CarNorm.valid_from.desc()))).first()


async def get_norm(session: AsyncSession, norm_id: uuid.UUID) -> CarNorm | None:
    return await session.get(CarNorm, norm_id)


async def all_norms(session: AsyncSession) -> Sequence[CarNorm]:
    return (await session.scalars(select(CarNorm).order_by(CarNorm.valid_from))).all()


async def open_norm(session: AsyncSession) -> CarNorm | None:
    return (await session.scalars(select(CarNorm).where(still_open(CarNorm)))).first()


async def kind_caps(session: AsyncSession, norm_ids: Sequence[uuid.UUID]) -> Sequence[CarKindCap]:
    """The caps of the kinds of car (other than the common car) of these norms."""
    if not norm_ids:
        return []
    stmt = select(CarKindCap).where(CarKindCap.norm_id.in_(norm_ids)).order_by(CarKindCap.norm_id, CarKindCap.kind)
    return (await session.scalars(stmt)).all()
