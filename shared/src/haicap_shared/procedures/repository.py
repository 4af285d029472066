"""Every query on procedure dossiers, their steps and the exchange log (counts and groupings in SQL)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    RowMapping,
    and_,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from ..aggregates import count_where
from ..filters import where_given
from ..paging import fetch_page
from .status import ProcedureStatus
from .tables import ProcedureTables

MAX_STATS_ROWS = 5000
"""The most rows (procedure x commune) one statistics answer holds."""


class local_day(FunctionElement[date]):  # noqa: N801 (an SQL function)
    """The Vietnamese local date (UTC+7, no daylight saving) of a UTC timestamp column, on both databases."""

    type = Date()
    inherit_cache = True


@compiles(local_day, "postgresql")
def _local_day_postgresql(element: local_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)} AT TIME ZONE 'Asia/Ho_Chi_Minh') AS DATE)"


@compiles(local_day, "sqlite")
def _local_day_sqlite(element: local_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+7 hours')"


def true_condition() -> ColumnElement[bool]:
    """Every row (the area condition of a caller who acts everywhere)."""
    return true()


def overdue_condition(tables: ProcedureTables, today: date) -> ColumnElement[bool]:
    """Not finished and ``today`` after the due date, or finished (local date) after it."""
    c = tables.dossier.c
    return or_(
        and_(c.finished_at.is_(None), c.due_date < today),
        and_(c.finished_at.is_not(None), local_day(c.finished_at) > c.due_date),
    )


async def dossier_by_id(session: AsyncSession, tables: ProcedureTables, dossier_id: uuid.UUID) -> RowMapping | None:
    stmt = select(tables.dossier).where(tables.dossier.c.id == dossier_id)
    return (await session.execute(stmt)).mappings().first()


async def dossier_of_subject(
    session: AsyncSession, tables: ProcedureTables, subject_kind: str, subject_id: uuid.UUID
) -> RowMapping | None:
    """The dossier a workflow record was received under (the latest, should a record have had several)."""
    c = tables.dossier.c
    stmt = (
        select(tables.dossier)
        .where(c.subject_kind == subject_kind, c.subject_id == subject_id)
        .order_by(c.received_at.desc(), c.id)
        .limit(1)
    )
    return (await session.execute(stmt)).mappings().first()


async def dossier_code_taken(session: AsyncSession, tables: ProcedureTables, province_code: str, dossier_code: str) -> bool:
    c = tables.dossier.c
    stmt = select(c.id).where(c.province_code == province_code, c.dossier_code == dossier_code).limit(1)
    return (await session.scalar(stmt)) is not None


async def insert_dossier(session: AsyncSession, tables: ProcedureTables, values: Mapping[str, Any]) -> None:
    await session.execute(insert(tables.dossier).values(**values))


async def update_dossier(
    session: AsyncSession, tables: ProcedureTables, dossier_id: uuid.UUID, version: int, values: Mapping[str, Any]
) -> bool:
    """Write ``values`` and bump the version if the row is still at ``version`` (False when another writer got there)."""
    c = tables.dossier.c
    stmt = update(tables.dossier).where(c.id == dossier_id, c.version == version).values(**values, version=version + 1)
    result = await session.execute(stmt)
    return bool(getattr(result, "rowcount", 0) == 1)


async def insert_step(session: AsyncSession, tables: ProcedureTables, values: Mapping[str, Any]) -> None:
    await session.execute(insert(tables.step).values(**values))


async def steps_of(session: AsyncSession, tables: ProcedureTables, dossier_id: uuid.UUID) -> Sequence[RowMapping]:
    c = tables.step.c
    stmt = select(tables.step).where(c.dossier_id == dossier_id).order_by(c.position)
    return (await session.execute(stmt)).mappings().all()


async def last_position(session: AsyncSession, tables: ProcedureTables, dossier_id: uuid.UUID) -> int:
    c = tables.step.c
    return int(await session.scalar(select(func.max(c.position)).where(c.dossier_id == dossier_id)) or 0)


@dataclass(frozen=True)
class DossierFilter:
    """The list's narrowing filters (each None when not given)."""

    procedure_code: str | None = None
    status: ProcedureStatus | None = None
    province_code: str | None = None
    commune_code: str | None = None
    agency_id: uuid.UUID | None = None
    overdue: bool | None = None
    received_from: datetime | None = None
    received_before: datetime | None = None


async def page_dossiers(
    session: AsyncSession,
    tables: ProcedureTables,
    area: ColumnElement[bool],
    filters: DossierFilter,
    *,
    today: date,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of the dossiers in ``area`` (narrowed by ``filters``), by time received, and the cursor of the next."""
    c = tables.dossier.c
    stmt = select(tables.dossier).where(area)
    stmt = where_given(
        stmt,
        (c.procedure_code, filters.procedure_code),
        (c.status, filters.status),
        (c.province_code, filters.province_code),
        (c.commune_code, filters.commune_code),
        (c.agency_id, filters.agency_id),
    )
    if filters.received_from is not None:
        stmt = stmt.where(c.received_at >= filters.received_from)
    if filters.received_before is not None:
        stmt = stmt.where(c.received_at < filters.received_before)
    if filters.overdue is not None:
        overdue = overdue_condition(tables, today)
        stmt = stmt.where(overdue if filters.overdue else ~overdue)
    return await fetch_page(session, stmt, order_by=(c.received_at, c.id), limit=limit, cursor=cursor)


async def stats(
    session: AsyncSession,
    tables: ProcedureTables,
    area: ColumnElement[bool],
    *,
    as_of: date,
    received_before: datetime,
    province_code: str | None,
    commune_code: str | None,
) -> tuple[Sequence[RowMapping], bool]:
    """The counts by procedure and commune of the dossiers received before ``received_before`` (the day after ``as_of``).

    The second value says the answer was cut at :data:`MAX_STATS_ROWS` rows.
    """
    d, s = tables.dossier.c, tables.step.c
    finished = and_(d.finished_at.is_not(None), d.finished_at < received_before)
    is_open = ~finished
    latest_status = (
        select(s.status)
        .where(s.dossier_id == d.id, s.occurred_at < received_before)
        .order_by(s.position.desc())
        .limit(1)
        .scalar_subquery()
    )
    stmt = select(
        d.procedure_code,
        func.max(d.procedure_name).label("procedure_name"),
        func.max(d.sector).label("sector"),
        d.commune_code,
        func.count().label("received"),
        count_where(finished).label("finished"),
        count_where(and_(finished, local_day(d.finished_at) <= d.due_date)).label("finished_on_time"),
        count_where(and_(finished, local_day(d.finished_at) > d.due_date)).label("finished_late"),
        count_where(and_(is_open, d.due_date < literal(as_of, Date()))).label("open_overdue"),
        count_where(and_(is_open, latest_status == ProcedureStatus.SUPPLEMENT_REQUESTED.value)).label("supplement_requested"),
    ).where(area, d.received_at < received_before)
    stmt = where_given(stmt, (d.province_code, province_code), (d.commune_code, commune_code))
    stmt = (
        stmt.group_by(d.procedure_code, d.commune_code)
        .order_by(d.procedure_code, d.commune_code.is_(None), d.commune_code)
        .limit(MAX_STATS_ROWS + 1)
    )
    rows = (await session.execute(stmt)).mappings().all()
    return rows[:MAX_STATS_ROWS], len(rows) > MAX_STATS_ROWS


async def page_exchanges(
    session: AsyncSession,
    tables: ProcedureTables,
    *,
    operation: str | None,
    outcome: str | None,
    started_from: datetime | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of the exchange log, oldest first."""
    c = tables.exchange.c
    stmt = where_given(select(tables.exchange), (c.operation, operation), (c.outcome, outcome))
    if started_from is not None:
        stmt = stmt.where(c.started_at >= started_from)
    return await fetch_page(session, stmt, order_by=(c.started_at, c.id), limit=limit, cursor=cursor)
