"""Every query on assets and their history."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.auth import Principal
from haicap_shared.models import utcnow
from haicap_shared.text import like_pattern

from ..allocations.models import Allocation, allocation_table
from .models import Asset, AssetKind, AssetStatus, EventKind, HolderKind, asset_table, event_table


@dataclass(frozen=True)
class AssetFilter:
    visible: ColumnElement[bool]
    province: str | None = None
    commune: str | None = None
    kind: AssetKind | None = None
    status: AssetStatus | None = None
    holder_kind: HolderKind | None = None
    holder_id: uuid.UUID | None = None
    holder_unit_id: uuid.UUID | None = None
    holder_commune: str | None = None
    plate: str | None = None
    q: str | None = None

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        c = asset_table.c
        stmt = stmt.where(self.visible)
        for column, value in (
            (c.province_code, self.province),
            (c.commune_code, self.commune),
            (c.kind, self.kind),
            (c.status, self.status),
            (c.holder_kind, self.holder_kind),
            (c.holder_id, self.holder_id),
            (c.holder_unit_id, self.holder_unit_id),
            (c.holder_commune_code, self.holder_commune),
            (c.plate, self.plate),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        if self.q:
            stmt = stmt.where(c.search_key.like(like_pattern(self.q), escape="\\"))
        return stmt


ASSET_LIST_ORDER = (asset_table.c.code, asset_table.c.id)


def list_assets(filters: AssetFilter) -> Select[Any]:
    return filters.apply(select(asset_table))


async def get_asset(session: AsyncSession, asset_id: uuid.UUID) -> Asset | None:
    return await session.get(Asset, asset_id)


async def code_taken(session: AsyncSession, province_code: str, code: str) -> bool:
    stmt = select(asset_table.c.id).where(asset_table.c.province_code == province_code, asset_table.c.code == code)
    return (await session.execute(stmt.limit(1))).first() is not None


async def open_allocation(session: AsyncSession, asset_id: uuid.UUID) -> Allocation | None:
    stmt = select(Allocation).where(Allocation.asset_id == asset_id, Allocation.valid_to.is_(None))
    return (await session.scalars(stmt)).first()


async def record_event(
    session: AsyncSession,
    principal: Principal,
    asset_id: uuid.UUID,
    kind: EventKind,
    on: date,
    *,
    status: AssetStatus | None = None,
    allocation_id: uuid.UUID | None = None,
    disposition_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    await session.execute(
        insert(event_table).values(
            asset_id=asset_id,
            event_date=on,
            occurred_at=utcnow(),
            kind=kind,
            status=status,
            allocation_id=allocation_id,
            disposition_id=disposition_id,
            actor=principal.username,
            detail=detail,
        )
    )


async def history(session: AsyncSession, asset_id: uuid.UUID) -> tuple[Sequence[Any], Sequence[Any]]:
    events = (
        await session.execute(select(event_table).where(event_table.c.asset_id == asset_id).order_by(event_table.c.id))
    ).all()
    allocations = (
        await session.execute(
            select(allocation_table)
            .where(allocation_table.c.asset_id == asset_id)
            .order_by(allocation_table.c.valid_from, allocation_table.c.created_at)
        )
    ).all()
    return events, allocations
