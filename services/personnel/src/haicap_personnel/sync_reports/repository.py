"""Every query of the national sync's reports and reconciliations (counts and groupings in SQL)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    RowMapping,
    Select,
    String,
    Uuid,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from haicap_shared.aggregates import count_where
from haicap_shared.batching import in_batches
from haicap_shared.filters import where_given
from haicap_shared.paging import fetch_page

from ..people.models import person_table
from ..sync.models import ChangeStatus, calendar_day_table, dossier_change_table
from .models import DifferenceKind, SyncReconciliation, difference_table, line_table, reconciliation_table

MAX_AREA_ROWS = 1000
MAX_REASONS = 100
LINE_BATCH = 2000


class local_date(FunctionElement[date]):  # noqa: N801 (an SQL function)
    """The Vietnamese local date (UTC+7, no daylight saving) of a UTC timestamp column, on both databases."""

    type = Date()
    inherit_cache = True


@compiles(local_date, "postgresql")
def _local_date_postgresql(element: local_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)} AT TIME ZONE 'Asia/Ho_Chi_Minh') AS DATE)"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element: local_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+7 hours')"


@dataclass(frozen=True)
class AreaFilter:
    province: str | None = None
    commune: str | None = None
    agency_id: uuid.UUID | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        c = dossier_change_table.c
        given = [(c.province_code, self.province), (c.commune_code, self.commune), (c.agency_id, self.agency_id)]
        return [column == value for column, value in given if value is not None]


AREA_KEYS = (dossier_change_table.c.province_code, dossier_change_table.c.commune_code, dossier_change_table.c.agency_id)


def _overdue(as_of: date, acknowledged_before: datetime) -> ColumnElement[bool]:
    """Due before ``as_of`` and not acknowledged before ``acknowledged_before`` (the start of the next local day)."""
    c = dossier_change_table.c
    return and_(
        c.due_date < as_of,
        or_(c.status != ChangeStatus.ACKNOWLEDGED, c.acknowledged_at >= acknowledged_before),
    )


async def _by_area(session: AsyncSession, where: Sequence[ColumnElement[bool]]) -> tuple[list[RowMapping], bool]:
    c = dossier_change_table.c
    stmt = (
        select(*AREA_KEYS, func.count().label("count"), func.min(c.due_date).label("oldest_due_date"))
        .where(*where)
        .group_by(*AREA_KEYS)
        .order_by(func.count().desc(), *AREA_KEYS)
        .limit(MAX_AREA_ROWS + 1)
    )
    rows = list((await session.execute(stmt)).mappings().all())
    return rows[:MAX_AREA_ROWS], len(rows) > MAX_AREA_ROWS


async def _count(session: AsyncSession, where: Sequence[ColumnElement[bool]]) -> int:
    return int(await session.scalar(select(func.count()).select_from(dossier_change_table).where(*where)) or 0)


OVERDUE_ORDER = (dossier_change_table.c.due_date, dossier_change_table.c.id)
REJECTED_ORDER = (dossier_change_table.c.arose_on, dossier_change_table.c.id)


@dataclass(frozen=True)
class Report:
    total: int
    by_area: list[RowMapping]
    by_area_truncated: bool
    items: Sequence[RowMapping]
    next: str | None


async def overdue_report(
    session: AsyncSession,
    visible: ColumnElement[bool],
    area: AreaFilter,
    *,
    as_of: date,
    acknowledged_before: datetime,
    limit: int,
    cursor: str | None,
) -> Report:
    """The overdue changes on ``as_of`` within ``visible``: their count, by area (GROUP BY), and one page by due date."""
    where = [visible, _overdue(as_of, acknowledged_before), *area.conditions()]
    by_area, truncated = await _by_area(session, where)
    items, next_cursor = await fetch_page(
        session, select(dossier_change_table).where(*where), order_by=OVERDUE_ORDER, limit=limit, cursor=cursor
    )
    return Report(await _count(session, where), by_area, truncated, items, next_cursor)


async def rejected_report(
    session: AsyncSession,
    visible: ColumnElement[bool],
    area: AreaFilter,
    *,
    arose_from: date | None,
    arose_to: date | None,
    limit: int,
    cursor: str | None,
) -> tuple[Report, list[RowMapping]]:
    """The rejected changes within ``visible``: count, by area and by reason (GROUP BY), one page (by the day they arose)."""
    c = dossier_change_table.c
    where = [visible, c.status == ChangeStatus.REJECTED, *area.conditions()]
    if arose_from is not None:
        where.append(c.arose_on >= arose_from)
    if arose_to is not None:
        where.append(c.arose_on <= arose_to)
    by_area, truncated = await _by_area(session, where)
    reasons = (
        select(c.status_reason.label("reason"), func.count().label("count"))
        .where(*where)
        .group_by(c.status_reason)
        .order_by(func.count().desc(), c.status_reason)
        .limit(MAX_REASONS)
    )
    by_reason = list((await session.execute(reasons)).mappings().all())
    items, next_cursor = await fetch_page(
        session, select(dossier_change_table).where(*where), order_by=REJECTED_ORDER, limit=limit, cursor=cursor
    )
    return Report(await _count(session, where), by_area, truncated, items, next_cursor), by_reason


def _on_time_columns() -> list[Any]:
    c = dossier_change_table.c
    acknowledged = c.status == ChangeStatus.ACKNOWLEDGED
    on_time = and_(acknowledged, or_(c.acknowledged_at.is_(None), local_date(c.acknowledged_at) <= c.due_date))
    return [
        func.count().label("arisen"),
        count_where(on_time).label("acknowledged_on_time"),
        count_where(and_(acknowledged, ~on_time)).label("acknowledged_late"),
        count_where(~acknowledged).label("not_acknowledged"),
    ]


async def on_time_report(
    session: AsyncSession, visible: ColumnElement[bool], area: AreaFilter, *, arose_from: date, arose_to: date
) -> tuple[RowMapping, list[RowMapping], bool]:
    """The changes that arose in [arose_from, arose_to] within ``visible``, acknowledged in time or not: in all, by area."""
    c = dossier_change_table.c
    where = [visible, c.arose_on >= arose_from, c.arose_on <= arose_to, *area.conditions()]
    totals = (await session.execute(select(*_on_time_columns()).where(*where))).mappings().one()
    stmt = (
        select(*AREA_KEYS, *_on_time_columns())
        .where(*where)
        .group_by(*AREA_KEYS)
        .order_by(func.count().desc(), *AREA_KEYS)
        .limit(MAX_AREA_ROWS + 1)
    )
    rows = list((await session.execute(stmt)).mappings().all())
    return totals, rows[:MAX_AREA_ROWS], len(rows) > MAX_AREA_ROWS


async def calendar_overrides(session: AsyncSession, first: date, last: date) -> dict[date, bool]:
    """The administrator's calendar days (swapped working days, days off) between ``first`` and ``last``."""
    d = calendar_day_table.c
    rows = await session.execute(select(d.day, d.working).where(d.day >= first, d.day <= last))
    return {day: bool(working) for day, working in rows.all()}


# Reconciliations


async def add_lines(
    session: AsyncSession, reconciliation_id: uuid.UUID, lines: Sequence[tuple[int, str, uuid.UUID | None]]
) -> None:
    """Stage the export's lines (number, personal identification number, change id), batch by batch."""
    for batch in in_batches(lines, LINE_BATCH):
        await session.execute(
            insert(line_table),
            [{"reconciliation_id": reconciliation_id, "line": n, "national_id": pin, "change_id": cid} for n, pin, cid in batch],
        )


async def file_counts(session: AsyncSession, reconciliation_id: uuid.UUID) -> tuple[int, int]:
    """Distinct personal identification numbers and change ids among the staged lines."""
    l = line_table.c  # noqa: E741
    stmt = select(func.count(l.national_id.distinct()), func.count(l.change_id.distinct())).where(
        l.reconciliation_id == reconciliation_id
    )
    people, changes = (await session.execute(stmt)).one()
    return int(people), int(changes)


def _staged(reconciliation_id: uuid.UUID, *conditions: ColumnElement[bool]) -> Any:
    return exists().where(line_table.c.reconciliation_id == reconciliation_id, *conditions)


async def record_missing_nationally(session: AsyncSession, reconciliation_id: uuid.UUID, people: ColumnElement[bool]) -> None:
    """People in ``people`` (the uploader's area) still serving whose personal identification number the export lacks."""
    p = person_table.c
    found = select(
        literal(reconciliation_id, Uuid).label("reconciliation_id"),
        literal(DifferenceKind.MISSING_NATIONALLY.value, String(30)).label("kind"),
        p.national_id,
        p.id,
    ).where(people, p.left_on.is_(None), ~_staged(reconciliation_id, line_table.c.national_id == p.national_id))
    await session.execute(insert(difference_table).from_select(["reconciliation_id", "kind", "national_id", "person_id"], found))


async def record_missing_in_haicap(session: AsyncSession, reconciliation_id: uuid.UUID) -> None:
    """Personal identification numbers of the export that no person of haicap has."""
    l = line_table.c  # noqa: E741
    found = (
        select(
            literal(reconciliation_id, Uuid).label("reconciliation_id"),
            literal(DifferenceKind.MISSING_IN_HAICAP.value, String(30)).label("kind"),
            l.national_id,
        )
        .where(l.reconciliation_id == reconciliation_id, ~exists().where(person_table.c.national_id == l.national_id))
        .group_by(l.national_id)
    )
    await session.execute(insert(difference_table).from_select(["reconciliation_id", "kind", "national_id"], found))


async def record_acknowledged_not_held(session: AsyncSession, reconciliation_id: uuid.UUID, changes: ColumnElement[bool]) -> None:
    """Changes in ``changes`` (the uploader's area) acknowledged in haicap whose change id the export lacks."""
    c = dossier_change_table.c
    found = (
        select(
            literal(reconciliation_id, Uuid).label("reconciliation_id"),
            literal(DifferenceKind.ACKNOWLEDGED_NOT_HELD.value, String(30)).label("kind"),
            person_table.c.national_id,
            c.person_id,
            c.id,
        )
        .select_from(dossier_change_table.outerjoin(person_table, person_table.c.id == c.person_id))
        .where(changes, c.status == ChangeStatus.ACKNOWLEDGED, ~_staged(reconciliation_id, line_table.c.change_id == c.id))
    )
    await session.execute(
        insert(difference_table).from_select(["reconciliation_id", "kind", "national_id", "person_id", "change_id"], found)
    )


async def people_by_national_id(session: AsyncSession, numbers: Sequence[str], people: ColumnElement[bool]) -> list[RowMapping]:
    """The rows of the people in ``people`` with these personal identification numbers."""
    found: list[RowMapping] = []
    for batch in in_batches(numbers):
        stmt = select(person_table).where(people, person_table.c.national_id.in_(batch))
        found.extend((await session.execute(stmt)).mappings().all())
    return found


async def add_differences(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    for batch in in_batches(rows, LINE_BATCH):
        await session.execute(insert(difference_table), list(batch))


async def drop_lines(session: AsyncSession, reconciliation_id: uuid.UUID) -> None:
    await session.execute(delete(line_table).where(line_table.c.reconciliation_id == reconciliation_id))


async def difference_counts(session: AsyncSession, reconciliation_id: uuid.UUID) -> dict[DifferenceKind, int]:
    d = difference_table.c
    stmt = select(d.kind, func.count()).where(d.reconciliation_id == reconciliation_id).group_by(d.kind)
    return {DifferenceKind(kind): int(count) for kind, count in (await session.execute(stmt)).all()}


async def get_reconciliation(session: AsyncSession, reconciliation_id: uuid.UUID) -> SyncReconciliation | None:
    return await session.get(SyncReconciliation, reconciliation_id)


RECONCILIATION_ORDER = (reconciliation_table.c.created_at, reconciliation_table.c.id)


async def page_of_reconciliations(
    session: AsyncSession, visible: ColumnElement[bool], *, limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    stmt: Select[Any] = select(reconciliation_table).where(visible)
    return await fetch_page(session, stmt, order_by=RECONCILIATION_ORDER, limit=limit, cursor=cursor)


DIFFERENCE_ORDER = (difference_table.c.id,)


async def page_of_differences(
    session: AsyncSession, reconciliation_id: uuid.UUID, kind: DifferenceKind | None, *, limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    d = difference_table.c
    stmt = where_given(select(difference_table).where(d.reconciliation_id == reconciliation_id), (d.kind, kind))
    return await fetch_page(session, stmt, order_by=DIFFERENCE_ORDER, limit=limit, cursor=cursor)
