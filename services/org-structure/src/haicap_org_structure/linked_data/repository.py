"""Every query of the linked data export: a province's units, changes and agencies in keyset batches."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.paging import fetch_page
from haicap_shared.validity import in_force_on

from ..agencies.models import agency_table
from ..units.models import change_table, unit_table

EXPORT_BATCH = 500
"""Rows read at a time: the export's memory is one batch, whatever the province's size."""


async def _in_batches(
    session: AsyncSession, stmt: Select[Any], order_by: Sequence[ColumnElement[Any]]
) -> AsyncIterator[Sequence[RowMapping]]:
    cursor: str | None = None
    while True:
        rows, cursor = await fetch_page(session, stmt, order_by=order_by, limit=EXPORT_BATCH, cursor=cursor)
        yield rows
        if cursor is None:
            return


def unit_batches(session: AsyncSession, province: str, as_of: date | None) -> AsyncIterator[Sequence[RowMapping]]:
    """The province's units (those in force on ``as_of`` when given), by code, each with its parent's code and start."""
    parent = unit_table.alias("parent_unit")
    stmt = (
        select(unit_table, parent.c.code.label("parent_code"), parent.c.valid_from.label("parent_valid_from"))
        .select_from(unit_table.outerjoin(parent, parent.c.id == unit_table.c.parent_id))
        .where(unit_table.c.province_code == province)
    )
    if as_of is not None:
        stmt = stmt.where(in_force_on(unit_table, as_of))
    return _in_batches(session, stmt, (unit_table.c.code, unit_table.c.id))


def change_batches(session: AsyncSession, province: str, as_of: date | None) -> AsyncIterator[Sequence[RowMapping]]:
    """The province's changes (effective on or before ``as_of`` when given), by effective date."""
    stmt = select(change_table).where(change_table.c.province_code == province)
    if as_of is not None:
        stmt = stmt.where(change_table.c.effective_date <= as_of)
    return _in_batches(session, stmt, (change_table.c.effective_date, change_table.c.id))


def _agencies_with_their_units() -> Select[Any]:
    unit = unit_table.alias("agency_unit")
    parent = agency_table.alias("parent_agency")
    return select(
        agency_table,
        unit.c.code.label("unit_code"),
        unit.c.valid_from.label("unit_valid_from"),
        parent.c.electronic_id_code.label("parent_electronic_id_code"),
        parent.c.valid_from.label("parent_valid_from"),
    ).select_from(
        agency_table.join(unit, unit.c.id == agency_table.c.unit_id).outerjoin(parent, parent.c.id == agency_table.c.parent_id)
    )


def agency_batches(session: AsyncSession, province: str, as_of: date | None) -> AsyncIterator[Sequence[RowMapping]]:
    """The province's agencies (in force on ``as_of`` when given), by id, with their unit's and parent's codes."""
    stmt = _agencies_with_their_units().where(agency_table.c.province_code == province)
    if as_of is not None:
        stmt = stmt.where(in_force_on(agency_table, as_of))
    return _in_batches(session, stmt, (agency_table.c.id,))


async def agency_with_its_unit(session: AsyncSession, agency_id: Any) -> RowMapping | None:
    """One agency with its unit's and parent's codes (as :func:`agency_batches` gives them)."""
    row: RowMapping | None = (
        (await session.execute(_agencies_with_their_units().where(agency_table.c.id == agency_id))).mappings().first()
    )
    return row
