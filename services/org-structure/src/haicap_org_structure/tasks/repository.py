"""Every query on tasks, their ownership, transfers, statistics and findings."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    RowMapping,
    Select,
    String,
    Subquery,
    Table,
    Uuid,
    and_,
    cast,
    delete,
    exists,
    func,
    insert,
    literal_column,
    not_,
    null,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.models import utcnow
from haicap_shared.text import search_key, searched_key

from ..agencies.models import AgencyKind, agency_table
from ..units.models import UnitLevel, unit_table
from .models import Task, TaskOwnership, TransferMode, ownership_table, task_table, transfer_table

t, o, tr, a, u = task_table, ownership_table, transfer_table, agency_table, unit_table
_NOT_WORD = re.compile(r"[^\w]+")


def normalised(text: str) -> str:
    """Diacritics-, case- and punctuation-insensitive form of a title or sector."""
    return " ".join(_NOT_WORD.sub(" ", search_key(text)).split())


def task_search_key(sector: str, title: str) -> str:
    """What ``task.search_key`` holds: the sector and the title, normalised.

    ``q`` searches it, and two tasks of one province with the same key look like duplicates.
    """
    return f"{normalised(sector)} | {normalised(title)}"


def valid_on(valid_from: ColumnElement[Any], valid_to: ColumnElement[Any], day: date) -> ColumnElement[bool]:
    """An interval (open ends unbounded) containing ``day``."""
    return and_(or_(valid_from.is_(None), valid_from <= day), or_(valid_to.is_(None), valid_to >= day))


def held_on(ownership: FromClause, day: date, *, lead: bool = True) -> ColumnElement[bool]:
    condition = valid_on(ownership.c.valid_from, ownership.c.valid_to, day)
    return and_(ownership.c.is_lead.is_(True), condition) if lead else condition


# --- agencies, as the task rules need them -------------------------------------------------


@dataclass(frozen=True)
class AgencyInfo:
    """An agency with its unit's validity: enough to check an owner (and its area)."""

    id: uuid.UUID
    name: str
    kind: AgencyKind
    level: UnitLevel
    province_code: str
    commune_code: str | None
    parent_id: uuid.UUID | None
    valid_from: date | None
    valid_to: date | None
    unit_id: uuid.UUID
    unit_name: str
    unit_valid_from: date | None
    unit_valid_to: date | None

    def why_not_in_force(self, day: date) -> str | None:
        """Why the agency cannot hold a task on ``day``, or None if it can."""

        def inside(start: date | None, end: date | None) -> bool:
            return (start is None or start <= day) and (end is None or day <= end)

        if not inside(self.valid_from, self.valid_to):
            return f"{self.name} is in force from {self.valid_from or 'the beginning'} to {self.valid_to or 'now'}, not on {day}"
        if not inside(self.unit_valid_from, self.unit_valid_to):
            return f"{self.name} belongs to {self.unit_name}, which is in force to {self.unit_valid_to}, not on {day}"
        return None


_AGENCY_COLUMNS = (
    a.c.id,
    a.c.name,
    a.c.kind,
    a.c.level,
    a.c.province_code,
    a.c.commune_code,
    a.c.parent_id,
    a.c.valid_from,
    a.c.valid_to,
    a.c.unit_id,
    u.c.name.label("unit_name"),
    u.c.valid_from.label("unit_valid_from"),
    u.c.valid_to.label("unit_valid_to"),
)


def _agency_info(row: RowMapping) -> AgencyInfo:
    return AgencyInfo(**{**row, "kind": AgencyKind(row["kind"]), "level": UnitLevel(row["level"])})


async def load_agencies(session: AsyncSession, agency_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, AgencyInfo]:
    ids = list(set(agency_ids))
    if not ids:
        return {}
    stmt = select(*_AGENCY_COLUMNS).join(u, u.c.id == a.c.unit_id).where(a.c.id.in_(ids))
    return {row["id"]: _agency_info(row) for row in (await session.execute(stmt)).mappings()}


async def province_agencies(session: AsyncSession, province: str) -> list[AgencyInfo]:
    stmt = select(*_AGENCY_COLUMNS).join(u, u.c.id == a.c.unit_id).where(a.c.province_code == province)
    return [_agency_info(row) for row in (await session.execute(stmt)).mappings()]


# --- tasks and their owners -----------------------------------------------------------------


async def get_task(session: AsyncSession, task_id: uuid.UUID) -> Task | None:
    return await session.get(Task, task_id)


async def code_taken(session: AsyncSession, province: str, code: str) -> bool:
    stmt = select(t.c.id).where(t.c.province_code == province, t.c.code == code).limit(1)
    return (await session.scalar(stmt)) is not None


async def province_task_codes(session: AsyncSession, province: str) -> set[str]:
    return set((await session.scalars(select(t.c.code).where(t.c.province_code == province))).all())


async def can_read_task(session: AsyncSession, task_id: uuid.UUID, visible: ColumnElement[bool]) -> bool:
    return (await session.scalar(select(t.c.id).where(t.c.id == task_id, visible))) is not None


async def latest_lead(session: AsyncSession, task_id: uuid.UUID) -> TaskOwnership | None:
    """The task's most recent lead ownership (open, unless the task was left without owner)."""
    stmt = (
        select(TaskOwnership)
        .where(TaskOwnership.task_id == task_id, TaskOwnership.is_lead.is_(True))
        .order_by(TaskOwnership.valid_from.desc(), TaskOwnership.id.desc())
        .limit(1)
    )
    return (await session.scalars(stmt)).first()


async def lead_on(session: AsyncSession, task_id: uuid.UUID, day: date) -> TaskOwnership | None:
    stmt = (
        select(TaskOwnership)
        .where(TaskOwnership.task_id == task_id, held_on(o, day))
        .order_by(TaskOwnership.valid_from.desc(), TaskOwnership.id.desc())
        .limit(1)
    )
    return (await session.scalars(stmt)).first()


async def first_day(session: AsyncSession, task_id: uuid.UUID) -> date | None:
    """The first day anyone held the task: the day it entered the catalogue."""
    result: date | None = await session.scalar(select(func.min(o.c.valid_from)).where(o.c.task_id == task_id))
    return result


async def co_owners_from(session: AsyncSession, task_id: uuid.UUID, day: date) -> int:
    """Co-ownerships (not lead) still held on or after ``day``."""
    stmt = select(func.count()).where(
        o.c.task_id == task_id, o.c.is_lead.is_(False), or_(o.c.valid_to.is_(None), o.c.valid_to >= day)
    )
    return int(await session.scalar(stmt) or 0)


async def has_moved(session: AsyncSession, task_id: uuid.UUID) -> bool:
    """Whether the task ever passed between agencies (a hand-down at creation does not count)."""
    stmt = select(tr.c.id).where(tr.c.task_id == task_id, tr.c.from_agency_id.is_not(None)).limit(1)
    return (await session.scalar(stmt)) is not None


async def delete_task(session: AsyncSession, task_id: uuid.UUID) -> None:
    await session.execute(delete(o).where(o.c.task_id == task_id))
    await session.execute(delete(tr).where(tr.c.task_id == task_id))
    await session.execute(delete(t).where(t.c.id == task_id))


@dataclass(frozen=True)
class TaskFilter:
    province: str | None = None
    sector: str | None = None
    level: UnitLevel | None = None
    agency_id: uuid.UUID | None = None
    unit_id: uuid.UUID | None = None
    as_of: date | None = None
    q: str | None = None


TASK_LIST_ORDER = (t.c.code, t.c.id)


def leads_on(day: date, task_id: uuid.UUID | None = None) -> Subquery:
    """Each task's lead ownership on ``day`` (the latest, should two overlap), as a subquery ``lead``.

    Joined to ``task`` on ``task_id`` (an index on either side), and "no later lead that day" is
    an anti-join on the ownership's ``(task_id, valid_from)`` index: the plan is the same
    whichever filters are given. The former join on ``id = (correlated subquery)`` let SQLite
    scan every task for every ownership of a level: 6 to 13 s for 2,200 tasks.
    """
    later = o.alias("later")
    newer = exists().where(
        later.c.task_id == o.c.task_id,
        held_on(later, day),
        or_(later.c.valid_from > o.c.valid_from, and_(later.c.valid_from == o.c.valid_from, later.c.id > o.c.id)),
    )
    stmt = select(o).where(held_on(o, day), ~newer)
    if task_id is not None:
        stmt = stmt.where(o.c.task_id == task_id)
    return stmt.subquery("lead")


def list_tasks(
    filters: TaskFilter, visible: ColumnElement[bool], today: date, *, task_id: uuid.UUID | None = None
) -> Select[Any]:
    """Tasks with their lead owner on ``as_of`` (today when omitted), one row per task (or only ``task_id``)."""
    day = filters.as_of or today
    lead = leads_on(day, task_id)
    stmt = (
        select(
            *t.c,
            lead.c.level,
            lead.c.agency_id.label("owner_agency_id"),
            a.c.name.label("owner_agency_name"),
            lead.c.valid_from.label("owner_since"),
            lead.c.valid_to.label("owner_until"),
        )
        .select_from(t.outerjoin(lead, lead.c.task_id == t.c.id).outerjoin(a, a.c.id == lead.c.agency_id))
        .where(visible)
    )
    # NOTE: with a date, a task not held that day was not in force; without one, today's
    # list still shows tasks left without an owner (they are findings, not gone).
    if filters.as_of is not None or filters.level or filters.agency_id or filters.unit_id:
        stmt = stmt.where(lead.c.id.is_not(None))
    if filters.province is not None:
        stmt = stmt.where(t.c.province_code == filters.province)
    if filters.sector is not None:
        stmt = stmt.where(t.c.sector == filters.sector)
    if filters.level is not None:
        stmt = stmt.where(lead.c.level == filters.level)
    if filters.agency_id is not None:
        stmt = stmt.where(lead.c.agency_id == filters.agency_id)
    if filters.unit_id is not None:
        stmt = stmt.where(a.c.unit_id == filters.unit_id)
    if filters.q:
        escaped = normalised(searched_key(filters.q)).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(or_(t.c.search_key.like(f"%{escaped}%", escape="\\"), t.c.code == filters.q.strip()))
    return stmt


async def task_row(session: AsyncSession, task_id: uuid.UUID, day: date) -> RowMapping | None:
    stmt = list_tasks(TaskFilter(), t.c.id == task_id, day, task_id=task_id)
    row: RowMapping | None = (await session.execute(stmt)).mappings().first()
    return row


async def ownership_history(session: AsyncSession, task_id: uuid.UUID) -> Sequence[RowMapping]:
    stmt = (
        select(*o.c, a.c.name.label("agency_name"), a.c.kind.label("agency_kind"))
        .join(a, a.c.id == o.c.agency_id)
        .where(o.c.task_id == task_id)
        .order_by(o.c.valid_from, o.c.is_lead.desc(), o.c.id)
    )
    return (await session.execute(stmt)).mappings().all()


# --- writing in bulk (Core: imports and bulk transfers) -------------------------------------


async def insert_rows(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(table), list(rows))


async def close_ownerships(session: AsyncSession, ownership_ids: Sequence[uuid.UUID], last_day: date) -> None:
    for chunk in _chunks(ownership_ids):
        await session.execute(update(o).where(o.c.id.in_(chunk)).values(valid_to=last_day))


async def touch_tasks(session: AsyncSession, task_ids: Sequence[uuid.UUID]) -> None:
    """A new version (ETag) for tasks changed in bulk."""
    now = utcnow()
    for chunk in _chunks(task_ids):
        await session.execute(update(t).where(t.c.id.in_(chunk)).values(version=t.c.version + 1, updated_at=now))


def _chunks(ids: Sequence[uuid.UUID], size: int = 500) -> Iterable[Sequence[uuid.UUID]]:
    # NOTE: bounded IN lists keep SQLite under its bound-parameter limit on large batches.
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


async def tasks_for_bulk(
    session: AsyncSession, province: str, task_ids: Sequence[uuid.UUID], codes: Sequence[str]
) -> list[RowMapping]:
    """Tasks named by id (any province, checked later) or by code within ``province``."""
    found: list[RowMapping] = []
    columns = (t.c.id, t.c.code, t.c.province_code)
    for chunk in _chunks(list(set(task_ids))):
        found += (await session.execute(select(*columns).where(t.c.id.in_(chunk)))).mappings().all()
    unique_codes = list(set(codes))
    for start in range(0, len(unique_codes), 500):
        stmt = select(*columns).where(t.c.province_code == province, t.c.code.in_(unique_codes[start : start + 500]))
        found += (await session.execute(stmt)).mappings().all()
    return found


async def latest_leads(session: AsyncSession, task_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, RowMapping]:
    """Each task's most recent lead ownership."""
    later = o.alias("later")
    newest = ~exists(
        select(later.c.id).where(
            later.c.task_id == o.c.task_id,
            later.c.is_lead.is_(True),
            or_(later.c.valid_from > o.c.valid_from, and_(later.c.valid_from == o.c.valid_from, later.c.id > o.c.id)),
        )
    )
    leads: dict[uuid.UUID, RowMapping] = {}
    for chunk in _chunks(task_ids):
        stmt = select(*o.c).where(o.c.task_id.in_(chunk), o.c.is_lead.is_(True), newest)
        leads.update({row["task_id"]: row for row in (await session.execute(stmt)).mappings()})
    return leads


async def tasks_led_by(session: AsyncSession, agency_id: uuid.UUID, day: date) -> list[RowMapping]:
    """Tasks ``agency_id`` leads on ``day``."""
    stmt = (
        select(t.c.id, t.c.code, t.c.province_code)
        .join(o, o.c.task_id == t.c.id)
        .where(o.c.agency_id == agency_id, held_on(o, day))
        .order_by(t.c.code)
    )
    return list((await session.execute(stmt)).mappings().all())


async def count_led_by(session: AsyncSession, agency_id: uuid.UUID, day: date) -> int:
    stmt = select(func.count()).select_from(o).where(o.c.agency_id == agency_id, held_on(o, day))
    return int(await session.scalar(stmt) or 0)


# --- transfers ------------------------------------------------------------------------------

TRANSFER_LIST_ORDER = (tr.c.effective_date, tr.c.id)


def transfers_select() -> Select[Any]:
    from_agency, to_agency = a.alias("from_agency"), a.alias("to_agency")
    return select(
        tr.c.id,
        tr.c.task_id,
        t.c.code.label("task_code"),
        tr.c.mode,
        tr.c.from_level,
        tr.c.from_agency_id,
        from_agency.c.name.label("from_agency_name"),
        tr.c.from_authority,
        tr.c.to_level,
        tr.c.to_agency_id,
        to_agency.c.name.label("to_agency_name"),
        tr.c.effective_date,
        tr.c.legal_basis,
        tr.c.batch_id,
        tr.c.province_code,
        tr.c.created_at,
    ).select_from(
        tr.join(t, t.c.id == tr.c.task_id)
        .outerjoin(from_agency, from_agency.c.id == tr.c.from_agency_id)
        .join(to_agency, to_agency.c.id == tr.c.to_agency_id)
    )


@dataclass(frozen=True)
class TransferFilter:
    province: str | None = None
    task_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    mode: TransferMode | None = None
    batch_id: uuid.UUID | None = None
    effective_from: date | None = None
    effective_to: date | None = None

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        if self.province is not None:
            stmt = stmt.where(tr.c.province_code == self.province)
        if self.task_id is not None:
            stmt = stmt.where(tr.c.task_id == self.task_id)
        if self.agency_id is not None:
            stmt = stmt.where(or_(tr.c.from_agency_id == self.agency_id, tr.c.to_agency_id == self.agency_id))
        if self.mode is not None:
            stmt = stmt.where(tr.c.mode == self.mode)
        if self.batch_id is not None:
            stmt = stmt.where(tr.c.batch_id == self.batch_id)
        if self.effective_from is not None:
            stmt = stmt.where(tr.c.effective_date >= self.effective_from)
        if self.effective_to is not None:
            stmt = stmt.where(tr.c.effective_date <= self.effective_to)
        return stmt


def list_transfers(filters: TransferFilter, visible: ColumnElement[bool]) -> Select[Any]:
    return filters.apply(transfers_select().where(visible))


async def transfers_by_ids(session: AsyncSession, transfer_ids: Sequence[uuid.UUID]) -> list[RowMapping]:
    rows: list[RowMapping] = []
    for chunk in _chunks(transfer_ids):
        rows += (await session.execute(transfers_select().where(tr.c.id.in_(chunk)))).mappings().all()
    return sorted(rows, key=lambda row: (row["task_code"], row["id"]))


async def transfer_counts(
    session: AsyncSession, filters: TransferFilter, visible: ColumnElement[bool]
) -> list[tuple[str, str, str, int]]:
    """Transfers by (from level, to level, mode)."""
    stmt = filters.apply(
        select(tr.c.from_level, tr.c.to_level, tr.c.mode, func.count())
        .where(visible)
        .group_by(tr.c.from_level, tr.c.to_level, tr.c.mode)
    )
    return [(f, to, m, int(n)) for f, to, m, n in (await session.execute(stmt)).all()]


# --- statistics -----------------------------------------------------------------------------


def _leads_on(day: date, province: str | None, visible: ColumnElement[bool]) -> Any:
    """Each task with its lead owner on ``day`` (one row per task), as a CTE."""
    # NOTE: the service never lets two leads overlap, but a task must count once even if
    # bad data does (the overlap finding reports it): only the newest lead row is ranked 1.
    rank = func.row_number().over(partition_by=o.c.task_id, order_by=(o.c.valid_from.desc(), o.c.id.desc()))
    ranked = (
        select(t.c.id.label("task_id"), t.c.sector, o.c.level, o.c.agency_id, rank.label("rank"))
        .select_from(t.join(o, o.c.task_id == t.c.id).join(a, a.c.id == o.c.agency_id))
        .where(held_on(o, day), visible)
    )
    if province is not None:
        ranked = ranked.where(t.c.province_code == province)
    inner = ranked.subquery("ranked")
    return select(inner).where(inner.c.rank == 1).cte("lead")


@dataclass(frozen=True)
class TaskCounts:
    by_level: list[tuple[str, int]]
    by_sector: list[tuple[str, int]]
    by_unit: list[RowMapping]
    by_agency: list[RowMapping]


async def count_tasks(session: AsyncSession, day: date, province: str | None, visible: ColumnElement[bool]) -> TaskCounts:
    """Tasks held on ``day`` by level, sector, unit and agency, in one statement."""
    lead = _leads_on(day, province, visible)
    null_text, null_id = cast(null(), String), cast(null(), Uuid)

    def grouping(dim: str, *columns: Any) -> Select[Any]:
        return select(literal_column(f"'{dim}'").label("dim"), *columns, func.count().label("count"))

    by_level = grouping(
        "level",
        lead.c.level.label("level"),
        null_text.label("sector"),
        null_id.label("id"),
        null_text.label("code"),
        null_text.label("name"),
    ).group_by(lead.c.level)
    by_sector = grouping("sector", null_text, lead.c.sector, null_id, null_text, null_text).group_by(lead.c.sector)
    by_unit = (
        grouping("unit", u.c.level, null_text, u.c.id, u.c.code, u.c.name)
        .select_from(lead.join(a, a.c.id == lead.c.agency_id).join(u, u.c.id == a.c.unit_id))
        .group_by(u.c.level, u.c.id, u.c.code, u.c.name)
    )
    by_agency = (
        grouping("agency", a.c.level, null_text, a.c.id, null_text, a.c.name)
        .select_from(lead.join(a, a.c.id == lead.c.agency_id))
        .group_by(a.c.level, a.c.id, a.c.name)
    )
    # NOTE: the four groupings sit in one UNION ALL over one CTE: one round trip, and the
    # ranking of leads is computed once (GROUPING SETS would do, but SQLite has none).
    stmt = union_all(by_level, by_sector, by_unit, by_agency)
    rows = (await session.execute(stmt)).mappings().all()
    counts = TaskCounts([], [], [], [])
    for row in rows:
        if row["dim"] == "level":
            counts.by_level.append((row["level"], int(row["count"])))
        elif row["dim"] == "sector":
            counts.by_sector.append((row["sector"], int(row["count"])))
        elif row["dim"] == "unit":
            counts.by_unit.append(row)
        else:
            counts.by_agency.append(row)
    counts.by_sector.sort()
    counts.by_unit.sort(key=lambda r: (r["code"], str(r["id"])))
    counts.by_agency.sort(key=lambda r: (r["name"], str(r["id"])))
    return counts


# --- findings -------------------------------------------------------------------------------

_FINDING_TASK_COLUMNS = (
    t.c.id.label("task_id"),
    t.c.code.label("task_code"),
    t.c.title.label("task_title"),
    t.c.sector,
    t.c.province_code,
)


@dataclass(frozen=True)
class FindingScope:
    day: date
    province: str | None
    sector: str | None
    visible: ColumnElement[bool]

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        stmt = stmt.where(self.visible)
        if self.province is not None:
            stmt = stmt.where(t.c.province_code == self.province)
        if self.sector is not None:
            stmt = stmt.where(t.c.sector == self.sector)
        return stmt


def _in_catalogue(day: date) -> ColumnElement[bool]:
    """Tasks that had entered the catalogue by ``day`` (or were recorded without any owner)."""
    # NOTE: one grouped pass over ownership and a hashed anti-join, rather than two
    # correlated EXISTS per task.
    not_yet = select(o.c.task_id).group_by(o.c.task_id).having(func.min(o.c.valid_from) > day)
    return t.c.id.not_in(not_yet)


def _lead_agency_on(day: date, *, up_to: bool = False) -> Any:
    """The lead agency of the task on ``day`` (or, with ``up_to``, its last one until then)."""
    held = o.c.valid_from <= day if up_to else held_on(o, day, lead=False)
    return (
        select(o.c.agency_id)
        .where(o.c.task_id == t.c.id, o.c.is_lead.is_(True), held)
        .order_by(o.c.valid_from.desc(), o.c.id.desc())
        .limit(1)
        .correlate(t)
        .scalar_subquery()
    )


def overlap_findings(scope: FindingScope) -> Select[Any]:
    first, second = o.alias("first_owner"), o.alias("second_owner")
    stmt = (
        select(
            *_FINDING_TASK_COLUMNS,
            first.c.agency_id.label("agency_id"),
            second.c.agency_id.label("other_agency_id"),
            t.c.shared,
        )
        .select_from(
            t.join(first, first.c.task_id == t.c.id).join(second, and_(second.c.task_id == t.c.id, first.c.id < second.c.id))
        )
        .where(
            held_on(first, scope.day, lead=False),
            held_on(second, scope.day, lead=False),
            or_(t.c.shared.is_(False), and_(first.c.is_lead.is_(True), second.c.is_lead.is_(True))),
        )
    )
    return scope.apply(stmt)


def no_owner_findings(scope: FindingScope) -> Select[Any]:
    stmt = select(*_FINDING_TASK_COLUMNS, _lead_agency_on(scope.day, up_to=True).label("agency_id")).where(
        _in_catalogue(scope.day), ~exists(select(o.c.id).where(o.c.task_id == t.c.id, held_on(o, scope.day)))
    )
    return scope.apply(stmt)


def no_legal_basis_findings(scope: FindingScope) -> Select[Any]:
    stmt = select(*_FINDING_TASK_COLUMNS, _lead_agency_on(scope.day).label("agency_id")).where(
        _in_catalogue(scope.day), or_(t.c.legal_basis.is_(None), func.trim(t.c.legal_basis) == "")
    )
    return scope.apply(stmt)


def ended_owner_findings(scope: FindingScope) -> Select[Any]:
    stmt = (
        select(*_FINDING_TASK_COLUMNS, o.c.agency_id.label("agency_id"))
        .select_from(t.join(o, o.c.task_id == t.c.id).join(a, a.c.id == o.c.agency_id).join(u, u.c.id == a.c.unit_id))
        .where(
            held_on(o, scope.day, lead=False),
            or_(not_(valid_on(a.c.valid_from, a.c.valid_to, scope.day)), not_(valid_on(u.c.valid_from, u.c.valid_to, scope.day))),
        )
    )
    return scope.apply(stmt)


def _duplicate_groups(scope: FindingScope) -> Any:
    return (
        scope.apply(
            select(t.c.province_code, t.c.search_key)
            .where(_in_catalogue(scope.day))
            .group_by(t.c.province_code, t.c.search_key)
            .having(func.count() > 1)
        )
    ).subquery("duplicate_group")


def duplicate_findings(scope: FindingScope) -> Select[Any]:
    groups = _duplicate_groups(scope)
    stmt = (
        select(*_FINDING_TASK_COLUMNS, t.c.search_key, _lead_agency_on(scope.day).label("agency_id"))
        .join(groups, and_(groups.c.province_code == t.c.province_code, groups.c.search_key == t.c.search_key))
        .where(_in_catalogue(scope.day))
    )
    return scope.apply(stmt)


async def duplicate_members(
    session: AsyncSession, scope: FindingScope, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], list[uuid.UUID]]:
    """The tasks sharing each (province, key), for the findings of one page."""
    members: dict[tuple[str, str], list[uuid.UUID]] = {}
    if not keys:
        return members
    stmt = scope.apply(
        select(t.c.province_code, t.c.search_key, t.c.id)
        .where(_in_catalogue(scope.day), tuple_(t.c.province_code, t.c.search_key).in_(list(set(keys))))
        .order_by(t.c.code)
    )
    for province, key, task_id in (await session.execute(stmt)).all():
        members.setdefault((province, key), []).append(task_id)
    return members


async def count_findings(session: AsyncSession, stmt: Select[Any]) -> int:
    return int(await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


async def first_findings(session: AsyncSession, stmt: Select[Any], limit: int) -> Sequence[RowMapping]:
    if limit <= 0:
        return []
    ordered = stmt.order_by(t.c.province_code, t.c.code, t.c.id).limit(limit)
    rows: Sequence[RowMapping] = (await session.execute(ordered)).mappings().all()
    return rows
