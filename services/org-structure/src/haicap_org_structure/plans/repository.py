"""Every query on the plans: plans, items with their dependencies, links and reminders, progress, follow-up figures."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    RowMapping,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from haicap_shared.aggregates import count_where
from haicap_shared.filters import given_equalities, where_given
from haicap_shared.paging import fetch_page
from haicap_shared.text import like_pattern, searched_key

from ..agencies.models import agency_table
from ..tasks.models import task_table
from .models import (
    ItemStatus,
    LinkKind,
    Plan,
    PlanItem,
    PlanProgress,
    PlanStatus,
    ReminderKind,
    dependency_table,
    item_table,
    link_table,
    plan_table,
    progress_table,
    reminder_table,
)
from .schemas import ItemFilter

assignee = aliased(agency_table, name="assignee")
superior = aliased(agency_table, name="superior")
SUPERIOR_ID = func.coalesce(assignee.c.parent_id, plan_table.c.owner_agency_id)
"""An item's superior agency: its assignee's parent, or the plan's owner agency when the assignee has none."""

NOT_FINISHED = (ItemStatus.NOT_STARTED, ItemStatus.IN_PROGRESS)


def superior_of_item() -> ColumnElement[Any]:
    """The superior agency of ``plan_item`` as a correlated scalar (for conditions on plans)."""
    parent = select(agency_table.c.parent_id).where(agency_table.c.id == item_table.c.assignee_agency_id).scalar_subquery()
    return func.coalesce(parent, plan_table.c.owner_agency_id)


def plan_has_item(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """Condition on ``plan``: it has an item meeting ``condition``."""
    return select(item_table.c.id).where(item_table.c.plan_id == plan_table.c.id, condition).exists()


# --- plans ----------------------------------------------------------------------------------


async def get_plan(session: AsyncSession, plan_id: uuid.UUID) -> Plan | None:
    return await session.get(Plan, plan_id)


async def plan_code_taken(session: AsyncSession, province: str, code: str, *, other_than: uuid.UUID | None = None) -> bool:
    stmt = select(plan_table.c.id).where(plan_table.c.province_code == province, plan_table.c.code == code)
    if other_than is not None:
        stmt = stmt.where(plan_table.c.id != other_than)
    return (await session.execute(stmt.limit(1))).first() is not None


async def plan_page(
    session: AsyncSession,
    visible: ColumnElement[bool],
    *,
    province: str | None,
    status: PlanStatus | None,
    q: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[RowMapping], str | None]:
    stmt = where_given(select(plan_table).where(visible), (plan_table.c.province_code, province), (plan_table.c.status, status))
    if q:
        stmt = stmt.where(plan_table.c.search_key.like(like_pattern(searched_key(q)), escape="\\"))
    return await fetch_page(session, stmt, order_by=[plan_table.c.code, plan_table.c.id], limit=limit, cursor=cursor)


# --- items ----------------------------------------------------------------------------------


async def get_item(session: AsyncSession, item_id: uuid.UUID) -> PlanItem | None:
    return await session.get(PlanItem, item_id)


async def plan_items(session: AsyncSession, plan_id: uuid.UUID) -> list[PlanItem]:
    stmt = select(PlanItem).where(PlanItem.plan_id == plan_id).order_by(PlanItem.code, PlanItem.id)
    return list((await session.execute(stmt)).scalars())


async def item_code_taken(session: AsyncSession, plan_id: uuid.UUID, code: str, *, other_than: uuid.UUID | None = None) -> bool:
    stmt = select(item_table.c.id).where(item_table.c.plan_id == plan_id, item_table.c.code == code)
    if other_than is not None:
        stmt = stmt.where(item_table.c.id != other_than)
    return (await session.execute(stmt.limit(1))).first() is not None


def _item_rows() -> Any:
    return (
        select(item_table, assignee.c.name.label("assignee_agency_name"), SUPERIOR_ID.label("superior_agency_id"))
        .join(plan_table, plan_table.c.id == item_table.c.plan_id)
        .join(assignee, assignee.c.id == item_table.c.assignee_agency_id)
    )


async def item_rows(
    session: AsyncSession,
    *,
    item_ids: Sequence[uuid.UUID] | None = None,
    plan_id: uuid.UUID | None = None,
    visible: ColumnElement[bool] | None = None,
    filters: ItemFilter | None = None,
) -> list[dict[str, Any]]:
    """Items as the API shows them (with dependencies by code, links and reminders), in code order."""
    stmt = where_given(_item_rows(), (item_table.c.plan_id, plan_id))
    if item_ids is not None:
        stmt = stmt.where(item_table.c.id.in_(list(item_ids)))
    if visible is not None:
        stmt = stmt.where(visible)
    if filters is not None:
        stmt = where_given(
            stmt,
            (item_table.c.status, filters.status),
            (item_table.c.assignee_agency_id, filters.agency_id),
            (item_table.c.commune_code, filters.commune),
        )
        if filters.overdue_on is not None:
            stmt = stmt.where(overdue_on(filters.overdue_on))
    rows = [dict(row) for row in (await session.execute(stmt.order_by(item_table.c.code, item_table.c.id))).mappings()]
    ids = [row["id"] for row in rows]
    deps: dict[uuid.UUID, list[str]] = defaultdict(list)
    links: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    reminders: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    if ids:
        other = aliased(item_table)
        dep_stmt = (
            select(dependency_table.c.item_id, other.c.code)
            .join(other, other.c.id == dependency_table.c.depends_on_id)
            .where(dependency_table.c.item_id.in_(ids))
            .order_by(other.c.code)
        )
        for item_id, code in (await session.execute(dep_stmt)).all():
            deps[item_id].append(code)
        link_stmt = (
            select(link_table.c.item_id, link_table.c.kind, link_table.c.target_id)
            .where(link_table.c.item_id.in_(ids))
            .order_by(link_table.c.kind, link_table.c.target_id)
        )
        for link in (await session.execute(link_stmt)).mappings():
            links[link["item_id"]].append({"kind": link["kind"], "target_id": link["target_id"]})
        reminder_stmt = (
            select(reminder_table.c.item_id, reminder_table.c.kind, reminder_table.c.sent_on, reminder_table.c.superior_agency_id)
            .where(reminder_table.c.item_id.in_(ids))
            .order_by(reminder_table.c.sent_on, reminder_table.c.kind)
        )
        for reminder in (await session.execute(reminder_stmt)).mappings():
            reminders[reminder["item_id"]].append(
                {"kind": reminder["kind"], "sent_on": reminder["sent_on"], "superior_agency_id": reminder["superior_agency_id"]}
            )
    for item in rows:
        item["depends_on"] = deps[item["id"]]
        item["links"] = links[item["id"]]
        item["reminders"] = reminders[item["id"]]
    return rows


async def count_visible_items(session: AsyncSession, plan_id: uuid.UUID, visible: ColumnElement[bool]) -> int:
    stmt = select(func.count()).select_from(_item_rows().where(item_table.c.plan_id == plan_id, visible).subquery())
    return int(await session.scalar(stmt) or 0)


async def superior_of(session: AsyncSession, item_id: uuid.UUID) -> uuid.UUID | None:
    row = (
        await session.execute(
            select(SUPERIOR_ID)
            .select_from(item_table)
            .join(plan_table, plan_table.c.id == item_table.c.plan_id)
            .join(assignee, assignee.c.id == item_table.c.assignee_agency_id)
            .where(item_table.c.id == item_id)
        )
    ).first()
    return None if row is None else row[0]


async def ancestors(session: AsyncSession, agency_id: uuid.UUID, *, depth: int = 10) -> list[uuid.UUID]:
    """The agency and its parents up the chain (at most ``depth`` steps)."""
    chain = [agency_id]
    current: uuid.UUID | None = agency_id
    for _ in range(depth):
        parent = await session.scalar(select(agency_table.c.parent_id).where(agency_table.c.id == current))
        if parent is None or parent in chain:
            break
        chain.append(parent)
        current = parent
    return chain


# --- dependencies and links ----------------------------------------------------------------


async def plan_dependencies(session: AsyncSession, plan_id: uuid.UUID) -> list[tuple[uuid.UUID, uuid.UUID]]:
    stmt = (
        select(dependency_table.c.item_id, dependency_table.c.depends_on_id)
        .join(item_table, item_table.c.id == dependency_table.c.item_id)
        .where(item_table.c.plan_id == plan_id)
    )
    return [(a, b) for a, b in (await session.execute(stmt)).all()]


async def replace_dependencies(session: AsyncSession, item_id: uuid.UUID, depends_on: Iterable[uuid.UUID]) -> None:
    await session.execute(delete(dependency_table).where(dependency_table.c.item_id == item_id))
    rows = [{"item_id": item_id, "depends_on_id": other} for other in depends_on]
    if rows:
        await session.execute(insert(dependency_table), rows)


async def replace_links(session: AsyncSession, item_id: uuid.UUID, links: Iterable[tuple[LinkKind, uuid.UUID]]) -> None:
    await session.execute(delete(link_table).where(link_table.c.item_id == item_id))
    rows = [{"id": uuid.uuid4(), "item_id": item_id, "kind": kind, "target_id": target} for kind, target in links]
    if rows:
        await session.execute(insert(link_table), rows)


async def unfinished_dependencies(session: AsyncSession, item_id: uuid.UUID) -> list[str]:
    """Codes of the items ``item_id`` depends on that are not done."""
    stmt = (
        select(item_table.c.code)
        .join(dependency_table, dependency_table.c.depends_on_id == item_table.c.id)
        .where(dependency_table.c.item_id == item_id, item_table.c.status != ItemStatus.DONE)
        .order_by(item_table.c.code)
    )
    return list((await session.execute(stmt)).scalars())


async def existing_local(session: AsyncSession, kind: LinkKind, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    table = task_table if kind is LinkKind.TASK else agency_table
    return set((await session.execute(select(table.c.id).where(table.c.id.in_(list(ids))))).scalars())


# --- progress -------------------------------------------------------------------------------


async def latest_progress(session: AsyncSession, item_id: uuid.UUID) -> PlanProgress | None:
    stmt = (
        select(PlanProgress)
        .where(PlanProgress.item_id == item_id)
        .order_by(PlanProgress.reported_on.desc(), PlanProgress.created_at.desc(), PlanProgress.id.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalars().first()


async def progress_history(session: AsyncSession, item_id: uuid.UUID) -> list[RowMapping]:
    stmt = (
        select(progress_table)
        .where(progress_table.c.item_id == item_id)
        .order_by(progress_table.c.reported_on.desc(), progress_table.c.created_at.desc(), progress_table.c.id.desc())
    )
    return list((await session.execute(stmt)).mappings())


# --- follow-up ------------------------------------------------------------------------------


def open_on(day: date) -> ColumnElement[bool]:
    """Condition on ``plan``: not closed on ``day``."""
    return or_(plan_table.c.closed_on.is_(None), plan_table.c.closed_on > day)


def overdue_on(day: date) -> ColumnElement[bool]:
    """Condition on ``plan_item`` (with its plan): late on ``day``: deadline before it, not done by then, not cancelled."""
    return and_(
        item_table.c.deadline < day,
        item_table.c.status != ItemStatus.CANCELLED,
        or_(item_table.c.completed_on.is_(None), item_table.c.completed_on > day),
        open_on(day),
    )


@dataclass(frozen=True)
class Scope:
    """Where the follow-up figures are counted: the caller's view, narrowed by the query.

    With ``per_province`` every figure is grouped by the item's province too, and the figures
    come keyed by province code (only provinces with something to count); otherwise they are
    under ``None``.
    """

    visible: ColumnElement[bool]
    province: str | None = None
    commune: str | None = None
    agency_id: uuid.UUID | None = None
    per_province: bool = False

    def conditions(self) -> list[ColumnElement[bool]]:
        out = [
            self.visible,
            *given_equalities((item_table.c.province_code, self.province), (item_table.c.commune_code, self.commune)),
        ]
        if self.agency_id is not None:
            out.append(or_(item_table.c.assignee_agency_id == self.agency_id, SUPERIOR_ID.in_([self.agency_id])))
        return out

    def keys(self, province_code: ColumnElement[Any] = item_table.c.province_code) -> list[ColumnElement[Any]]:
        """The columns a figure is grouped by first: the province (labelled ``province``) when counted per province."""
        return [province_code.label("province")] if self.per_province else []


def _scoped(*columns: Any) -> Any:
    return (
        select(*columns)
        .select_from(item_table)
        .join(plan_table, plan_table.c.id == item_table.c.plan_id)
        .join(assignee, assignee.c.id == item_table.c.assignee_agency_id)
    )


def _by_province(rows: Iterable[RowMapping]) -> dict[str | None, list[RowMapping]]:
    """Rows keyed by their ``province`` (``None`` when not counted per province), in their order."""
    found: dict[str | None, list[RowMapping]] = {}
    for row in rows:
        found.setdefault(row.get("province"), []).append(row)
    return found


async def overdue_page(
    session: AsyncSession, scope: Scope, day: date, *, limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    stmt = (
        _scoped(
            item_table.c.id,
            item_table.c.plan_id,
            plan_table.c.code.label("plan_code"),
            item_table.c.code,
            item_table.c.title,
            item_table.c.deadline,
            item_table.c.status,
            item_table.c.progress_percent,
            item_table.c.province_code,
            item_table.c.commune_code,
            item_table.c.assignee_agency_id,
            assignee.c.name.label("assignee_agency_name"),
            item_table.c.assignee_person_id,
            SUPERIOR_ID.label("superior_agency_id"),
            superior.c.name.label("superior_agency_name"),
        )
        .join(superior, superior.c.id == SUPERIOR_ID)
        .where(overdue_on(day), *scope.conditions())
    )
    return await fetch_page(session, stmt, order_by=[item_table.c.deadline, item_table.c.id], limit=limit, cursor=cursor)


async def plans_open(session: AsyncSession, scope: Scope, day: date) -> dict[str | None, int]:
    keys = scope.keys()
    stmt = _scoped(*keys, func.count(func.distinct(plan_table.c.id)).label("count")).where(open_on(day), *scope.conditions())
    rows = (await session.execute(stmt.group_by(*keys) if keys else stmt)).mappings()
    return {row.get("province"): int(row["count"]) for row in rows}


async def plans_open_without_items(
    session: AsyncSession, visible_plans: ColumnElement[bool], scope: Scope, day: date
) -> dict[str | None, int]:
    """Open plans with no item at all (counted only when the figures are not narrowed to a commune or agency)."""
    keys = scope.keys(plan_table.c.province_code)
    stmt = where_given(
        select(*keys, func.count().label("count"))
        .select_from(plan_table)
        .where(visible_plans, open_on(day), ~select(item_table.c.id).where(item_table.c.plan_id == plan_table.c.id).exists()),
        (plan_table.c.province_code, scope.province),
    )
    rows = (await session.execute(stmt.group_by(*keys) if keys else stmt)).mappings()
    return {row.get("province"): int(row["count"]) for row in rows}


async def items_by_status(session: AsyncSession, scope: Scope, day: date) -> dict[str | None, dict[str, int]]:
    keys = scope.keys()
    stmt = (
        _scoped(*keys, item_table.c.status, func.count().label("count"))
        .where(open_on(day), *scope.conditions())
        .group_by(*keys, item_table.c.status)
    )
    found: dict[str | None, dict[str, int]] = {}
    for row in (await session.execute(stmt)).mappings():
        found.setdefault(row.get("province"), {})[str(row["status"])] = int(row["count"])
    return found


async def overdue_by_agency(session: AsyncSession, scope: Scope, day: date) -> dict[str | None, list[RowMapping]]:
    keys = scope.keys()
    stmt = (
        _scoped(
            *keys,
            item_table.c.assignee_agency_id.label("agency_id"),
            assignee.c.name,
            assignee.c.commune_code,
            func.count().label("overdue"),
        )
        .where(overdue_on(day), *scope.conditions())
        .group_by(*keys, item_table.c.assignee_agency_id, assignee.c.name, assignee.c.commune_code)
        .order_by(*keys, func.count().desc(), assignee.c.name, item_table.c.assignee_agency_id)
    )
    return _by_province((await session.execute(stmt)).mappings())


async def overdue_by_commune(session: AsyncSession, scope: Scope, day: date) -> dict[str | None, list[RowMapping]]:
    keys = scope.keys()
    stmt = (
        _scoped(*keys, item_table.c.commune_code, func.count().label("overdue"))
        .where(overdue_on(day), *scope.conditions())
        .group_by(*keys, item_table.c.commune_code)
        .order_by(*keys, func.count().desc(), item_table.c.commune_code)
    )
    return _by_province((await session.execute(stmt)).mappings())


async def on_time_by_agency(
    session: AsyncSession, scope: Scope, day: date, start: date, end: date
) -> dict[str | None, list[RowMapping]]:
    """Per assignee agency: items (not cancelled) due in [start, end], done on time and done late by ``day``."""
    done_by_day = and_(item_table.c.status == ItemStatus.DONE, item_table.c.completed_on <= day)
    keys = scope.keys()
    stmt = (
        _scoped(
            *keys,
            item_table.c.assignee_agency_id.label("agency_id"),
            assignee.c.name,
            func.count().label("due"),
            count_where(and_(done_by_day, item_table.c.on_time.is_(True))).label("done_on_time"),
            count_where(and_(done_by_day, item_table.c.on_time.is_(False))).label("done_late"),
        )
        .where(
            item_table.c.deadline >= start,
            item_table.c.deadline <= end,
            item_table.c.status != ItemStatus.CANCELLED,
            *scope.conditions(),
        )
        .group_by(*keys, item_table.c.assignee_agency_id, assignee.c.name)
        .order_by(*keys, assignee.c.name, item_table.c.assignee_agency_id)
    )
    return _by_province((await session.execute(stmt)).mappings())


# --- reminders ------------------------------------------------------------------------------


async def reminder_candidates(
    session: AsyncSession, kind: ReminderKind, day: date, due_soon_days: int, escalate_after_days: int
) -> list[RowMapping]:
    """Items of open plans, not finished, that call for a ``kind`` reminder on ``day`` and have none yet."""
    if kind is ReminderKind.DUE_SOON:
        window = and_(item_table.c.deadline >= day, item_table.c.deadline <= day + timedelta(days=due_soon_days))
    elif kind is ReminderKind.OVERDUE:
        window = item_table.c.deadline < day
    else:
        window = item_table.c.deadline < day - timedelta(days=escalate_after_days)
    already = (
        select(reminder_table.c.id).where(reminder_table.c.item_id == item_table.c.id, reminder_table.c.kind == kind).exists()
    )
    stmt = (
        _scoped(item_table.c.id, SUPERIOR_ID.label("superior_agency_id"), superior.c.commune_code.label("superior_commune_code"))
        .join(superior, superior.c.id == SUPERIOR_ID)
        .where(
            plan_table.c.status == PlanStatus.OPEN,
            item_table.c.status.in_(NOT_FINISHED),
            window,
            ~already,
        )
        .order_by(item_table.c.deadline, item_table.c.id)
    )
    return list((await session.execute(stmt)).mappings())


async def insert_reminders(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(reminder_table), rows)
