"""Every query on dispositions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.filters import where_given
from haicap_shared.paging import fetch_page

from ..register.models import AssetKind, asset_table
from .models import OPEN_STATUSES, Disposition, DispositionStatus, Form, disposition_table


@dataclass(frozen=True)
class DispositionFilter:
    """The list's own filters (the caller's area is a separate condition)."""

    province: str | None = None
    asset_id: uuid.UUID | None = None
    asset_kind: AssetKind | None = None
    form: Form | None = None
    status: DispositionStatus | None = None

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        d = disposition_table.c
        return where_given(
            stmt,
            (d.province_code, self.province),
            (d.asset_id, self.asset_id),
            (d.asset_kind, self.asset_kind),
            (d.form, self.form),
            (d.status, self.status),
        )


DISPOSITION_LIST_ORDER = (disposition_table.c.proposed_on, disposition_table.c.id)


async def page_of_dispositions(
    session: AsyncSession,
    filters: DispositionFilter,
    in_area: ColumnElement[bool],
    *,
    submitted_before: date | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of the plans that match ``filters`` whose asset is ``in_area``, oldest proposal first.

    ``submitted_before``: only plans still submitted (undecided) whose dossier came before that day.
    """
    d = disposition_table.c
    stmt = filters.apply(select(disposition_table).join(asset_table, asset_table.c.id == d.asset_id).where(in_area))
    if submitted_before is not None:
        stmt = stmt.where(d.status == DispositionStatus.SUBMITTED, d.submitted_on < submitted_before)
    return await fetch_page(session, stmt, order_by=DISPOSITION_LIST_ORDER, limit=limit, cursor=cursor)


async def get_disposition(session: AsyncSession, disposition_id: uuid.UUID) -> Disposition | None:
    return await session.get(Disposition, disposition_id)


async def open_disposition(session: AsyncSession, asset_id: uuid.UUID) -> Disposition | None:
    stmt = select(Disposition).where(Disposition.asset_id == asset_id, Disposition.status.in_(OPEN_STATUSES))
    return (await session.scalars(stmt)).first()
