"""Every query on dispositions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..register.models import AssetKind, asset_table
from .models import OPEN_STATUSES, Disposition, DispositionStatus, Form, disposition_table


@dataclass(frozen=True)
class DispositionFilter:
    visible: ColumnElement[bool]
    province: str | None = None
    asset_id: uuid.UUID | None = None
    asset_kind: AssetKind | None = None
    form: Form | None = None
    status: DispositionStatus | None = None
    overdue_before: date | None = None

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        d = disposition_table.c
        stmt = stmt.join(asset_table, asset_table.c.id == d.asset_id).where(self.visible)
        for column, value in (
            (d.province_code, self.province),
            (d.asset_id, self.asset_id),
            (d.asset_kind, self.asset_kind),
            (d.form, self.form),
            (d.status, self.status),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        if self.overdue_before is not None:
            stmt = stmt.where(d.status == DispositionStatus.SUBMITTED, d.submitted_on < self.overdue_before)
        return stmt


DISPOSITION_LIST_ORDER = (disposition_table.c.proposed_on, disposition_table.c.id)


def list_dispositions(filters: DispositionFilter) -> Select[Any]:
    return filters.apply(select(disposition_table))


async def get_disposition(session: AsyncSession, disposition_id: uuid.UUID) -> Disposition | None:
    return await session.get(Disposition, disposition_id)


async def open_disposition(session: AsyncSession, asset_id: uuid.UUID) -> Disposition | None:
    stmt = select(Disposition).where(Disposition.asset_id == asset_id, Disposition.status.in_(OPEN_STATUSES))
    return (await session.scalars(stmt)).first()
