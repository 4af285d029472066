"""Every query on task feasibility: the statuses of a (task, agency), the views with task and agency, the list and the counts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.batching import in_batches
from haicap_shared.filters import where_given
from haicap_shared.paging import fetch_page
from haicap_shared.validity import in_force_on

from ..agencies.models import agency_table
from ..tasks.models import ownership_table, task_table
from .models import AnswerState, FeasibilityStatus, TaskFeasibility, feasibility_table
from .schemas import FeasibilityFilter

LIST_ORDER = (feasibility_table.c.task_id, feasibility_table.c.agency_id, feasibility_table.c.id)

DIFFICULT = (FeasibilityStatus.WITH_DIFFICULTIES, FeasibilityStatus.CANNOT_CARRY_OUT)


def _view() -> Select[Any]:
    """The statuses with their task (code, title, sector) and agency (name), as the API shows them."""
    return select(
        *feasibility_table.c,
        task_table.c.code.label("task_code"),
        task_table.c.title.label("task_title"),
        task_table.c.sector,
        agency_table.c.name.label("agency_name"),
    ).select_from(
        feasibility_table.join(task_table, task_table.c.id == feasibility_table.c.task_id).join(
            agency_table, agency_table.c.id == feasibility_table.c.agency_id
        )
    )


def open_since_over(day: date, days: int) -> ColumnElement[bool]:
    """Condition on ``task_feasibility``: a difficulty (or cannot-yet) started more than ``days`` before ``day``, not resolved."""
    return and_(
        feasibility_table.c.status.in_(DIFFICULT),
        feasibility_table.c.valid_from < day - timedelta(days=days),
        or_(feasibility_table.c.answer_state.is_(None), feasibility_table.c.answer_state != AnswerState.RESOLVED),
    )


async def get(session: AsyncSession, feasibility_id: uuid.UUID) -> TaskFeasibility | None:
    return await session.get(TaskFeasibility, feasibility_id)


async def views_by_id(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, RowMapping]:
    found: dict[uuid.UUID, RowMapping] = {}
    for chunk in in_batches(list(ids)):
        rows = (await session.execute(_view().where(feasibility_table.c.id.in_(chunk)))).mappings()
        found |= {row["id"]: row for row in rows}
    return found


async def statuses_of(session: AsyncSession, task_id: uuid.UUID, agency_id: uuid.UUID) -> Sequence[TaskFeasibility]:
    """The statuses of one (task, agency) as records to change, oldest first."""
    stmt = (
        select(TaskFeasibility)
        .where(TaskFeasibility.task_id == task_id, TaskFeasibility.agency_id == agency_id)
        .order_by(TaskFeasibility.valid_from)
    )
    return (await session.scalars(stmt)).all()


async def history(
    session: AsyncSession, task_id: uuid.UUID, agency_id: uuid.UUID | None, visible: ColumnElement[bool]
) -> Sequence[RowMapping]:
    """The statuses of a task (of one agency, when given) the caller sees, newest first."""
    stmt = _view().where(feasibility_table.c.task_id == task_id, visible)
    stmt = where_given(stmt, (feasibility_table.c.agency_id, agency_id))
    stmt = stmt.order_by(feasibility_table.c.valid_from.desc(), agency_table.c.name, feasibility_table.c.id)
    rows: Sequence[RowMapping] = (await session.execute(stmt)).mappings().all()
    return rows


async def holds_on(session: AsyncSession, task_id: uuid.UUID, agency_id: uuid.UUID, day: date) -> bool:
    """Whether the agency holds the task (lead or shared) on ``day``."""
    stmt = select(ownership_table.c.id).where(
        ownership_table.c.task_id == task_id, ownership_table.c.agency_id == agency_id, in_force_on(ownership_table, day)
    )
    return (await session.scalars(stmt.limit(1))).first() is not None


def _in_scope(filters: FeasibilityFilter, visible: ColumnElement[bool]) -> Select[Any]:
    stmt = _view().where(in_force_on(feasibility_table, filters.as_of), visible)
    stmt = where_given(
        stmt,
        (feasibility_table.c.province_code, filters.province),
        (feasibility_table.c.commune_code, filters.commune),
        (task_table.c.sector, filters.sector),
        (feasibility_table.c.status, filters.status),
        (feasibility_table.c.answer_state, filters.answer_state),
    )
    if filters.open_days_over is not None:
        stmt = stmt.where(open_since_over(filters.as_of, filters.open_days_over))
    return stmt


async def page(
    session: AsyncSession, filters: FeasibilityFilter, visible: ColumnElement[bool], *, limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    return await fetch_page(session, _in_scope(filters, visible), order_by=LIST_ORDER, limit=limit, cursor=cursor)


async def grouped_counts(
    session: AsyncSession, filters: FeasibilityFilter, visible: ColumnElement[bool], open_days: int
) -> Sequence[RowMapping]:
    """The statuses in force, counted per commune, sector, status, proposal, answer and whether open too long."""
    over = case((open_since_over(filters.as_of, open_days), 1), else_=0)
    inner = (
        _in_scope(filters, visible)
        .with_only_columns(
            feasibility_table.c.commune_code,
            task_table.c.sector,
            feasibility_table.c.status,
            feasibility_table.c.proposal,
            feasibility_table.c.answer_state,
            over.label("over"),
        )
        .subquery("counted")
    )
    stmt = select(
        inner.c.commune_code,
        inner.c.sector,
        inner.c.status,
        inner.c.proposal,
        inner.c.answer_state,
        inner.c.over,
        func.count().label("n"),
    ).group_by(inner.c.commune_code, inner.c.sector, inner.c.status, inner.c.proposal, inner.c.answer_state, inner.c.over)
    rows: Sequence[RowMapping] = (await session.execute(stmt)).mappings().all()
    return rows


async def tasks_reported(session: AsyncSession, filters: FeasibilityFilter, visible: ColumnElement[bool]) -> int:
    inner = _in_scope(filters, visible).with_only_columns(feasibility_table.c.task_id).distinct().subquery("reported")
    return int((await session.scalar(select(func.count()).select_from(inner))) or 0)


async def reasons_in_force(
    session: AsyncSession, filters: FeasibilityFilter, visible: ColumnElement[bool]
) -> Sequence[list[str]]:
    """The reasons of each difficulty (or cannot-yet) in force (a JSON list each: counted by the service)."""
    stmt = (
        _in_scope(filters, visible)
        .with_only_columns(feasibility_table.c.reasons)
        .where(feasibility_table.c.status.in_(DIFFICULT))
    )
    return [list(reasons or []) for reasons in (await session.scalars(stmt)).all()]
