"""Every query on the task catalogue: tasks, their owners over time, their agencies, statistics."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    RowMapping,
    Select,
    String,
    Subquery,
    Uuid,
    and_,
    cast,
    delete,
    exists,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.batching import in_batches
from haicap_shared.codes import UnitLevel
from haicap_shared.filters import where_given
from haicap_shared.paging import fetch_page
from haicap_shared.text import like_pattern, search_key, searched_key
from haicap_shared.validity import Interval, ends_on_or_after, in_force_on

from ..agencies.models import AgencyKind, agency_table
from ..transfers.models import transfer_table
from ..units.models import unit_table
from .models import Task, TaskOwnership, ownership_table, task_table
from .schemas import TaskFilter

_NOT_WORD = re.compile(r"[^\w]+")


def normalised(text: str) -> str:
    """Diacritics-, case- and punctuation-insensitive form of a title or sector."""
    return " ".join(_NOT_WORD.sub(" ", search_key(text)).split())


def task_search_key(sector: str, title: str) -> str:
    """What ``task.search_key`` holds: the sector and the title, normalised.

    ``q`` searches it, and two tasks of one province with the same key look like duplicates.
    """
    return f"{normalised(sector)} | {normalised(title)}"


def held_on(ownership: FromClause, day: date, *, lead: bool = True) -> ColumnElement[bool]:
    """Condition on a ``task_ownership`` (or an alias of it): held on ``day`` (as lead, unless ``lead=False``)."""
    condition = in_force_on(ownership, day)
    return and_(ownership.c.is_lead.is_(True), condition) if lead else condition


def starts_after(later: FromClause, ownership: FromClause) -> ColumnElement[bool]:
    """``later`` is an ownership of the same task as ``ownership`` that starts after it (ties by id)."""
    return and_(
        later.c.task_id == ownership.c.task_id,
        or_(
            later.c.valid_from > ownership.c.valid_from,
            and_(later.c.valid_from == ownership.c.valid_from, later.c.id > ownership.c.id),
        ),
    )


def held_by_agencies(agencies: ColumnElement[bool]) -> ColumnElement[bool]:
    """Condition on ``task``: held, on any date, by an agency the condition on ``agency`` keeps."""
    holders = (
        select(ownership_table.c.task_id).join(agency_table, agency_table.c.id == ownership_table.c.agency_id).where(agencies)
    )
    return task_table.c.id.in_(holders)


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

        if not Interval(self.valid_from, self.valid_to).contains(day):
            return f"{self.name} is in force from {self.valid_from or 'the beginning'} to {self.valid_to or 'now'}, not on {day}"
        if not Interval(self.unit_valid_from, self.unit_valid_to).contains(day):
            return f"{self.name} belongs to {self.unit_name}, which is in force to {self.unit_valid_to}, not on {day}"
        return None


_AGENCY_COLUMNS = (
    agency_table.c.id,
    agency_table.c.name,
    agency_table.c.kind,
    agency_table.c.level,
    agency_table.c.province_code,
    agency_table.c.commune_code,
    agency_table.c.parent_id,
    agency_table.c.valid_from,
    agency_table.c.valid_to,
    agency_table.c.unit_id,
    unit_table.c.name.label("unit_name"),
    unit_table.c.valid_from.label("unit_valid_from"),
    unit_table.c.valid_to.label("unit_valid_to"),
)


def _agency_info(row: RowMapping) -> AgencyInfo:
    return AgencyInfo(**{**row, "kind": AgencyKind(row["kind"]), "level": UnitLevel(row["level"])})


def _agencies_with_units() -> Select[Any]:
    return select(*_AGENCY_COLUMNS).join(unit_table, unit_table.c.id == agency_table.c.unit_id)


async def load_agencies(session: AsyncSession, agency_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, AgencyInfo]:
    ids = list(set(agency_ids))
    if not ids:
        return {}
    stmt = _agencies_with_units().where(agency_table.c.id.in_(ids))
    return {row["id"]: _agency_info(row) for row in (await session.execute(stmt)).mappings()}


async def province_agencies(session: AsyncSession, province: str) -> list[AgencyInfo]:
    stmt = _agencies_with_units().where(agency_table.c.province_code == province)
    return [_agency_info(row) for row in (await session.execute(stmt)).mappings()]


# --- tasks and their owners -----------------------------------------------------------------


async def get_task(session: AsyncSession, task_id: uuid.UUID) -> Task | None:
    return await session.get(Task, task_id)


async def code_taken(session: AsyncSession, province: str, code: str) -> bool:
    stmt = select(task_table.c.id).where(task_table.c.province_code == province, task_table.c.code == code).limit(1)
    return (await session.scalar(stmt)) is not None


async def province_task_codes(session: AsyncSession, province: str) -> set[str]:
    return set((await session.scalars(select(task_table.c.code).where(task_table.c.province_code == province))).all())


async def can_read_task(session: AsyncSession, task_id: uuid.UUID, visible: ColumnElement[bool]) -> bool:
    return (await session.scalar(select(task_table.c.id).where(task_table.c.id == task_id, visible))) is not None


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
        .where(TaskOwnership.task_id == task_id, held_on(ownership_table, day))
        .order_by(TaskOwnership.valid_from.desc(), TaskOwnership.id.desc())
        .limit(1)
    )
    return (await session.scalars(stmt)).first()


async def first_day(session: AsyncSession, task_id: uuid.UUID) -> date | None:
    """The first day anyone held the task: the day it entered the catalogue."""
    stmt = select(func.min(ownership_table.c.valid_from)).where(ownership_table.c.task_id == task_id)
    result: date | None = await session.scalar(stmt)
    return result


async def co_owners_from(session: AsyncSession, task_id: uuid.UUID, day: date) -> int:
    """Co-ownerships (not lead) still held on or after ``day``."""
    stmt = select(func.count()).where(
        ownership_table.c.task_id == task_id,
        ownership_table.c.is_lead.is_(False),
        ends_on_or_after(ownership_table, day),
    )
    return int(await session.scalar(stmt) or 0)


async def has_moved(session: AsyncSession, task_id: uuid.UUID) -> bool:
    """Whether the task ever passed between agencies (a hand-down at creation does not count)."""
    stmt = (
        select(transfer_table.c.id)
        .where(transfer_table.c.task_id == task_id, transfer_table.c.from_agency_id.is_not(None))
        .limit(1)
    )
    return (await session.scalar(stmt)) is not None


async def delete_task(session: AsyncSession, task_id: uuid.UUID) -> None:
    """The task with its whole record: owners and the hand-down it was created with."""
    await session.execute(delete(ownership_table).where(ownership_table.c.task_id == task_id))
    await session.execute(delete(transfer_table).where(transfer_table.c.task_id == task_id))
    await session.execute(delete(task_table).where(task_table.c.id == task_id))


TASK_LIST_ORDER = (task_table.c.code, task_table.c.id)


def leads_on(day: date, task_id: uuid.UUID | None = None) -> Subquery:
    """Each task's lead ownership on ``day`` (the latest, should two overlap), as a subquery ``lead``.

    Joined to ``task`` on ``task_id`` (an index on either side), and "no later lead that day" is
    an anti-join on the ownership's ``(task_id, valid_from)`` index: the plan is the same
    whichever filters are given, where a join on ``id = (correlated subquery)`` lets SQLite
    scan every task for every ownership of a level (6 to 13 s for 2,200 tasks).
    """
    later = ownership_table.alias("later")
    newer_that_day = exists().where(starts_after(later, ownership_table), held_on(later, day))
    stmt = select(ownership_table).where(held_on(ownership_table, day), ~newer_that_day)
    stmt = where_given(stmt, (ownership_table.c.task_id, task_id))
    return stmt.subquery("lead")


def list_tasks(
    filters: TaskFilter, visible: ColumnElement[bool], today: date, *, task_id: uuid.UUID | None = None
) -> Select[Any]:
    """Tasks with their lead owner on ``as_of`` (today when omitted), one row per task (or only ``task_id``)."""
    day = filters.as_of or today
    lead = leads_on(day, task_id)
    lead_agency = agency_table
    stmt = (
        select(
            *task_table.c,
            lead.c.level,
            lead.c.agency_id.label("owner_agency_id"),
            lead_agency.c.name.label("owner_agency_name"),
            lead.c.valid_from.label("owner_since"),
            lead.c.valid_to.label("owner_until"),
        )
        .select_from(
            task_table.outerjoin(lead, lead.c.task_id == task_table.c.id).outerjoin(
                lead_agency, lead_agency.c.id == lead.c.agency_id
            )
        )
        .where(visible)
    )
    # NOTE: with a date, a task not held that day was not in force; without one, today's
    # list still shows tasks left without an owner (they are findings, not gone).
    if filters.as_of is not None or filters.level or filters.agency_id or filters.unit_id:
        stmt = stmt.where(lead.c.id.is_not(None))
    stmt = where_given(
        stmt,
        (task_table.c.province_code, filters.province),
        (task_table.c.sector, filters.sector),
        (lead.c.level, filters.level),
        (lead.c.agency_id, filters.agency_id),
        (lead_agency.c.unit_id, filters.unit_id),
    )
    if filters.q:
        # NOTE: the query normalised as the stored key is (punctuation as spaces), then escaped.
        pattern = like_pattern(normalised(searched_key(filters.q)))
        stmt = stmt.where(or_(task_table.c.search_key.like(pattern, escape="\\"), task_table.c.code == filters.q.strip()))
    return stmt


async def task_page(
    session: AsyncSession,
    filters: TaskFilter,
    visible: ColumnElement[bool],
    today: date,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of :func:`list_tasks` in code order, and the cursor of the next."""
    return await fetch_page(session, list_tasks(filters, visible, today), order_by=TASK_LIST_ORDER, limit=limit, cursor=cursor)


async def task_row(session: AsyncSession, task_id: uuid.UUID, day: date) -> RowMapping | None:
    stmt = list_tasks(TaskFilter(), task_table.c.id == task_id, day, task_id=task_id)
    row: RowMapping | None = (await session.execute(stmt)).mappings().first()
    return row


async def task_records(session: AsyncSession, task_ids: Sequence[uuid.UUID], day: date) -> list[RowMapping]:
    """The tasks ``task_ids`` as :func:`task_row` reads them, with their lead owner's commune (``owner_commune_code``)."""
    found: list[RowMapping] = []
    for chunk in in_batches(task_ids):
        stmt = list_tasks(TaskFilter(), task_table.c.id.in_(chunk), day).add_columns(
            agency_table.c.commune_code.label("owner_commune_code")
        )
        found += (await session.execute(stmt)).mappings().all()
    return found


async def ownership_history(session: AsyncSession, task_id: uuid.UUID) -> Sequence[RowMapping]:
    stmt = (
        select(*ownership_table.c, agency_table.c.name.label("agency_name"), agency_table.c.kind.label("agency_kind"))
        .join(agency_table, agency_table.c.id == ownership_table.c.agency_id)
        .where(ownership_table.c.task_id == task_id)
        .order_by(ownership_table.c.valid_from, ownership_table.c.is_lead.desc(), ownership_table.c.id)
    )
    return (await session.execute(stmt)).mappings().all()


async def insert_tasks(session: AsyncSession, tasks: Sequence[dict[str, Any]], ownerships: Sequence[dict[str, Any]]) -> None:
    """Tasks and their first owners in batched Core inserts (imports)."""
    if tasks:
        await session.execute(insert(task_table), list(tasks))
    if ownerships:
        await session.execute(insert(ownership_table), list(ownerships))


# --- statistics -----------------------------------------------------------------------------


def _counted_leads_on(day: date, province: str | None, visible: ColumnElement[bool]) -> Any:
    """Each task with its lead owner on ``day`` (one row per task), as a CTE ``lead``."""
    # NOTE: the service never lets two leads overlap, but a task must count once even if
    # bad data does (the overlap finding reports it): only the newest lead row is ranked 1.
    rank = func.row_number().over(
        partition_by=ownership_table.c.task_id, order_by=(ownership_table.c.valid_from.desc(), ownership_table.c.id.desc())
    )
    ranked = (
        select(
            task_table.c.id.label("task_id"),
            task_table.c.sector,
            ownership_table.c.level,
            ownership_table.c.agency_id,
            rank.label("rank"),
        )
        .select_from(
            task_table.join(ownership_table, ownership_table.c.task_id == task_table.c.id).join(
                agency_table, agency_table.c.id == ownership_table.c.agency_id
            )
        )
        .where(held_on(ownership_table, day), visible)
    )
    ranked = where_given(ranked, (task_table.c.province_code, province))
    inner = ranked.subquery("ranked")
    return select(inner).where(inner.c.rank == 1).cte("lead")


@dataclass
class TaskCounts:
    total: int = 0
    by_level: list[tuple[str, int]] = field(default_factory=list)
    by_sector: list[tuple[str, int]] = field(default_factory=list)
    by_unit: list[RowMapping] = field(default_factory=list)
    by_agency: list[RowMapping] = field(default_factory=list)


async def count_tasks(session: AsyncSession, day: date, province: str | None, visible: ColumnElement[bool]) -> TaskCounts:
    """Tasks held on ``day`` in all, by level, sector, unit and agency, in one statement."""
    lead = _counted_leads_on(day, province, visible)
    null_text, null_id = cast(null(), String), cast(null(), Uuid)
    owner_agency, owner_unit = agency_table, unit_table

    def grouping(dimension: str, *columns: Any) -> Select[Any]:
        return select(literal_column(f"'{dimension}'").label("dimension"), *columns, func.count().label("count"))

    total = grouping("total", null_text, null_text, null_id, null_text, null_text).select_from(lead)
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
        grouping("unit", owner_unit.c.level, null_text, owner_unit.c.id, owner_unit.c.code, owner_unit.c.name)
        .select_from(
            lead.join(owner_agency, owner_agency.c.id == lead.c.agency_id).join(
                owner_unit, owner_unit.c.id == owner_agency.c.unit_id
            )
        )
        .group_by(owner_unit.c.level, owner_unit.c.id, owner_unit.c.code, owner_unit.c.name)
    )
    by_agency = (
        grouping("agency", owner_agency.c.level, null_text, owner_agency.c.id, null_text, owner_agency.c.name)
        .select_from(lead.join(owner_agency, owner_agency.c.id == lead.c.agency_id))
        .group_by(owner_agency.c.level, owner_agency.c.id, owner_agency.c.name)
    )
    # NOTE: the groupings sit in one UNION ALL over one CTE (the first one names the columns): one round trip, and the
    # ranking of leads is computed once (GROUPING SETS would do, but SQLite has none).
    rows = (await session.execute(union_all(by_level, by_sector, by_unit, by_agency, total))).mappings().all()
    counts = TaskCounts()
    for row in rows:
        if row["dimension"] == "total":
            counts.total = int(row["count"])
        elif row["dimension"] == "level":
            counts.by_level.append((row["level"], int(row["count"])))
        elif row["dimension"] == "sector":
            counts.by_sector.append((row["sector"], int(row["count"])))
        elif row["dimension"] == "unit":
            counts.by_unit.append(row)
        else:
            counts.by_agency.append(row)
    counts.by_sector.sort()
    counts.by_unit.sort(key=lambda r: (r["code"], str(r["id"])))
    counts.by_agency.sort(key=lambda r: (r["name"], str(r["id"])))
    return counts
