"""Every query on task transfers: their list and statistics, and the reads and writes of a bulk transfer."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    RowMapping,
    Select,
    String,
    cast,
    exists,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.batching import in_batches
from haicap_shared.filters import where_given
from haicap_shared.models import utcnow
from haicap_shared.paging import fetch_page

from ..agencies.models import agency_table
from ..tasks.models import ownership_record, ownership_table, task_table
from ..tasks.repository import held_on, starts_after
from .models import transfer_table
from .schemas import TransferFilter

TRANSFER_LIST_ORDER = (transfer_table.c.effective_date, transfer_table.c.id)


def from_or_to_agencies(agencies: ColumnElement[bool]) -> ColumnElement[bool]:
    """Condition on ``task_transfer``: from or to an agency the condition on ``agency`` keeps."""
    kept = select(agency_table.c.id).where(agencies)
    return transfer_table.c.to_agency_id.in_(kept) | transfer_table.c.from_agency_id.in_(kept)


# --- the list -------------------------------------------------------------------------------


def _transfers_select() -> Select[Any]:
    from_agency, to_agency = agency_table.alias("from_agency"), agency_table.alias("to_agency")
    return select(
        transfer_table.c.id,
        transfer_table.c.task_id,
        task_table.c.code.label("task_code"),
        transfer_table.c.mode,
        transfer_table.c.from_level,
        transfer_table.c.from_agency_id,
        from_agency.c.name.label("from_agency_name"),
        transfer_table.c.from_authority,
        transfer_table.c.to_level,
        transfer_table.c.to_agency_id,
        to_agency.c.name.label("to_agency_name"),
        transfer_table.c.effective_date,
        transfer_table.c.legal_basis,
        transfer_table.c.batch_id,
        transfer_table.c.province_code,
        transfer_table.c.created_at,
    ).select_from(
        transfer_table.join(task_table, task_table.c.id == transfer_table.c.task_id)
        .outerjoin(from_agency, from_agency.c.id == transfer_table.c.from_agency_id)
        .join(to_agency, to_agency.c.id == transfer_table.c.to_agency_id)
    )


def _filtered(stmt: Select[Any], filters: TransferFilter, visible: ColumnElement[bool]) -> Select[Any]:
    transfer = transfer_table.c
    stmt = where_given(stmt.where(visible), (transfer.province_code, filters.province), (transfer.task_id, filters.task_id))
    if filters.agency_id is not None:
        stmt = stmt.where(or_(transfer.from_agency_id == filters.agency_id, transfer.to_agency_id == filters.agency_id))
    stmt = where_given(stmt, (transfer.mode, filters.mode), (transfer.batch_id, filters.batch_id))
    if filters.effective_from is not None:
        stmt = stmt.where(transfer.effective_date >= filters.effective_from)
    if filters.effective_to is not None:
        stmt = stmt.where(transfer.effective_date <= filters.effective_to)
    return stmt


async def transfer_page(
    session: AsyncSession, filters: TransferFilter, visible: ColumnElement[bool], *, limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of the transfers the filters keep, by effective date, and the cursor of the next."""
    stmt = _filtered(_transfers_select(), filters, visible)
    return await fetch_page(session, stmt, order_by=TRANSFER_LIST_ORDER, limit=limit, cursor=cursor)


async def transfers_by_ids(session: AsyncSession, transfer_ids: Sequence[uuid.UUID]) -> list[RowMapping]:
    """The transfers named, in task code order."""
    rows: list[RowMapping] = []
    for chunk in in_batches(transfer_ids):
        rows += (await session.execute(_transfers_select().where(transfer_table.c.id.in_(chunk)))).mappings().all()
    return sorted(rows, key=lambda row: (row["task_code"], row["id"]))


@dataclass
class TransferCounts:
    total: int = 0
    by_mode: list[tuple[str, int]] = field(default_factory=list)
    by_route: list[tuple[str, str, str, int]] = field(default_factory=list)


async def count_transfers(session: AsyncSession, filters: TransferFilter, visible: ColumnElement[bool]) -> TransferCounts:
    """Transfers the filters keep in all, by mode and by (from level, to level, mode), in one statement."""
    transfer = transfer_table.c
    null_text = cast(null(), String)

    def grouping(dimension: str, *columns: Any) -> Select[Any]:
        stmt = select(literal_column(f"'{dimension}'").label("dimension"), *columns, func.count().label("count"))
        return _filtered(stmt.select_from(transfer_table), filters, visible)

    by_route = grouping(
        "route", transfer.from_level.label("from_level"), transfer.to_level.label("to_level"), transfer.mode.label("mode")
    ).group_by(transfer.from_level, transfer.to_level, transfer.mode)
    by_mode = grouping("mode", null_text, null_text, transfer.mode).group_by(transfer.mode)
    total = grouping("total", null_text, null_text, null_text)
    counts = TransferCounts()
    for row in (await session.execute(union_all(by_route, by_mode, total))).mappings():
        if row["dimension"] == "total":
            counts.total = int(row["count"])
        elif row["dimension"] == "mode":
            counts.by_mode.append((row["mode"], int(row["count"])))
        else:
            counts.by_route.append((row["from_level"], row["to_level"], row["mode"], int(row["count"])))
    counts.by_route.sort()
    return counts


# --- a bulk transfer ------------------------------------------------------------------------


async def tasks_for_bulk(
    session: AsyncSession, province: str, task_ids: Sequence[uuid.UUID], codes: Sequence[str]
) -> list[RowMapping]:
    """Tasks named by id (any province, checked later) or by code within ``province``."""
    found: list[RowMapping] = []
    columns = (task_table.c.id, task_table.c.code, task_table.c.province_code)
    for id_chunk in in_batches(list(set(task_ids))):
        found += (await session.execute(select(*columns).where(task_table.c.id.in_(id_chunk)))).mappings().all()
    for code_chunk in in_batches(list(set(codes))):
        stmt = select(*columns).where(task_table.c.province_code == province, task_table.c.code.in_(code_chunk))
        found += (await session.execute(stmt)).mappings().all()
    return found


async def latest_leads(session: AsyncSession, task_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, RowMapping]:
    """Each task's most recent lead ownership."""
    later = ownership_table.alias("later")
    newest = ~exists(select(later.c.id).where(starts_after(later, ownership_table), later.c.is_lead.is_(True)))
    leads: dict[uuid.UUID, RowMapping] = {}
    for chunk in in_batches(task_ids):
        stmt = select(*ownership_record).where(ownership_table.c.task_id.in_(chunk), ownership_table.c.is_lead.is_(True), newest)
        leads.update({row["task_id"]: row for row in (await session.execute(stmt)).mappings()})
    return leads


async def tasks_led_by(session: AsyncSession, agency_id: uuid.UUID, day: date) -> list[RowMapping]:
    """Tasks ``agency_id`` leads on ``day``."""
    stmt = (
        select(task_table.c.id, task_table.c.code, task_table.c.province_code)
        .join(ownership_table, ownership_table.c.task_id == task_table.c.id)
        .where(ownership_table.c.agency_id == agency_id, held_on(ownership_table, day))
        .order_by(task_table.c.code)
    )
    return list((await session.execute(stmt)).mappings().all())


async def count_led_by(session: AsyncSession, agency_id: uuid.UUID, day: date) -> int:
    stmt = (
        select(func.count())
        .select_from(ownership_table)
        .where(ownership_table.c.agency_id == agency_id, held_on(ownership_table, day))
    )
    return int(await session.scalar(stmt) or 0)


async def insert_transfers(session: AsyncSession, transfers: Sequence[dict[str, Any]]) -> None:
    """Transfers in batched Core inserts."""
    if transfers:
        await session.execute(insert(transfer_table), list(transfers))


async def open_ownerships(session: AsyncSession, ownerships: Sequence[dict[str, Any]]) -> None:
    """The ownerships transfers open, in batched Core inserts."""
    if ownerships:
        await session.execute(insert(ownership_table), list(ownerships))


async def close_ownerships(session: AsyncSession, ownership_ids: Sequence[uuid.UUID], last_day: date) -> None:
    for chunk in in_batches(ownership_ids):
        await session.execute(update(ownership_table).where(ownership_table.c.id.in_(chunk)).values(valid_to=last_day))


async def touch_tasks(session: AsyncSession, task_ids: Sequence[uuid.UUID]) -> None:
    """A new version (ETag) for tasks changed in bulk."""
    now = utcnow()
    for chunk in in_batches(task_ids):
        await session.execute(
            update(task_table).where(task_table.c.id.in_(chunk)).values(version=task_table.c.version + 1, updated_at=now)
        )
