"""Every query on car norms."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import CarNorm


async def norm_on(session: AsyncSession, on: date) -> CarNorm | None:
    stmt = select(CarNorm).where(CarNorm.valid_from <= on, or_(CarNorm.valid_to.is_(None), CarNorm.valid_to >= on))
    return (await session.scalars(stmt.order_by(CarNorm.valid_from.desc()))).first()


async def all_norms(session: AsyncSession) -> Sequence[CarNorm]:
    return (await session.scalars(select(CarNorm).order_by(CarNorm.valid_from))).all()


async def open_norm(session: AsyncSession) -> CarNorm | None:
    return (await session.scalars(select(CarNorm).where(CarNorm.valid_to.is_(None)))).first()
