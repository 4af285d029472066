"""Every query on the task catalogue: tasks, their owners over time, their agencies, statistics."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Integer,
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
from haicap_shared.paging import after_cursor, encode_cursor, fetch_page
from haicap_shared.text import like_pattern, search_key, searched_key
from haicap_shared.validity import Interval, ends_on_or_after, in_force_on

from ..agencies.models import AgencyKind, agency_table
from ..transfers.models import transfer_table
from ..units.models import unit_table
from .models import Task, TaskOwnership, ownership_record, ownership_table, task_table
from .schemas import StatsPages, TaskFilter

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


def leads_on(day: date, task_id: uuid.UUID | None = None, province: str | None = None) -> Subquery:
    """Each task's lead ownership on ``day`` (the latest, should two overlap), as a subquery ``lead``; only ``task_id``'s,
    or only the tasks of ``province``.

    Joined to ``task`` on ``task_id`` (an index on either side), and "no later lead that day" is
    an anti-join on the ownership's ``(task_id, valid_from)`` index: the plan is the same
    whichever filters are given, where a join on ``id = (correlated subquery)`` lets SQLite
    scan every task for every ownership of a level (6 to 13 s for 2,200 tasks).
    """
    later = ownership_table.alias("later")
    newer_that_day = exists().where(starts_after(later, ownership_table), held_on(later, day))
    stmt = select(*ownership_record).where(held_on(ownership_table, day), ~newer_that_day)
    # NOTE: a province's leads are read by the ownership's copy of its task's province (migration 0012), one range
    # of its index, where a join to the province's tasks read every ownership of the country (30-45 ms for Cao Bằng)
    stmt = where_given(stmt, (ownership_table.c.task_id, task_id), (ownership_table.c.province_code, province))
    return stmt.subquery("lead")


def list_tasks(
    filters: TaskFilter, visible: ColumnElement[bool], today: date, *, task_id: uuid.UUID | None = None
) -> Select[Any]:
    """Tasks with their lead owner on ``as_of`` (today when omitted), one row per task (or only ``task_id``)."""
    day = filters.as_of or today
    lead = leads_on(day, task_id, filters.province)
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


def _counted_leads_on(
    day: date, province: str | None, unit_id: uuid.UUID | None, visible: ColumnElement[bool], task_columns: Iterable[str]
) -> Any:
    """Each task held on ``day`` with its lead owner (:func:`leads_on`) in the caller's view, one row per task, as a CTE.

    Its columns: ``task_id``, ``level`` and ``agency_id`` of the lead, and the task's ``task_columns``.
    """
    lead = leads_on(day, province=province)
    # NOTE: the lead is found on the ownership rows alone (an anti-join, which PostgreSQL
    # estimates well, where a window's "rank = 1" was estimated at 0.5 % of the rows and
    # sorted them all with the task's sector in tow); the task and the agency are outer joins
    # (each row has both), which PostgreSQL leaves out when nothing reads them.
    stmt = (
        select(lead.c.task_id, lead.c.level, lead.c.agency_id, *(task_table.c[name] for name in task_columns))
        .select_from(
            lead.outerjoin(task_table, task_table.c.id == lead.c.task_id).outerjoin(
                agency_table, agency_table.c.id == lead.c.agency_id
            )
        )
        .where(visible)
    )
    stmt = where_given(stmt, (task_table.c.province_code, province), (agency_table.c.unit_id, unit_id))
    return stmt.cte("counted")


STATS_DIMENSIONS = ("level", "sector", "province", "unit", "agency")
"""What task statistics can be counted by; ``unit`` and ``agency`` are the long lists, read a page at a time."""
UNIT_STATS_ORDER = (unit_table.c.code, unit_table.c.id)
AGENCY_STATS_ORDER = (agency_table.c.name, agency_table.c.id)


@dataclass
class TaskCounts:
    total: int = 0
    by_level: list[tuple[str, int]] = field(default_factory=list)
    by_sector: list[tuple[str, int]] = field(default_factory=list)
    by_province: list[tuple[str, int]] = field(default_factory=list)
    by_unit: list[RowMapping] = field(default_factory=list)
    by_agency: list[RowMapping] = field(default_factory=list)
    next_unit: str | None = None
    next_agency: str | None = None


async def count_tasks(
    session: AsyncSession,
    day: date,
    visible: ColumnElement[bool],
    *,
    province: str | None = None,
    unit_id: uuid.UUID | None = None,
    by: Iterable[str] = STATS_DIMENSIONS,
    pages: StatsPages | None = None,
    per_province: bool = False,
) -> dict[str | None, TaskCounts]:
    """Tasks held on ``day`` in all and by each dimension of ``by``, in one statement.

    The per-unit and per-agency counts come a page at a time (``pages``), in the order of
    :data:`UNIT_STATS_ORDER` and :data:`AGENCY_STATS_ORDER`, after their cursors.
    With ``per_province`` every count is also grouped by the task's province and the counts
    are keyed by province code (only provinces with a task held that day); otherwise they are
    under ``None``. The long lists are not paged per province, so they are not counted so.
    """
    asked = set(by)
    if per_province and asked & {"unit", "agency"}:
        raise ValueError("by unit and by agency are paged lists, not counted per province")
    pages = pages or StatsPages()
    task_columns = ["sector"] * ("sector" in asked) + ["province_code"] * ("province" in asked or per_province)
    lead = _counted_leads_on(day, province, unit_id, visible, task_columns)
    null_text, null_id = cast(null(), String), cast(null(), Uuid)
    owner_agency, owner_unit = agency_table, unit_table

    def keyed(name: str, wanted: bool) -> Any:
        return lead.c[name] if wanted else null_text

    # NOTE: the total and the short dimensions (level, sector, province) are one grouping by all
    # of them at once (a few hundred groups at most), summed here: one pass over the leads, where
    # a grouping each read the leads as often (GROUPING SETS would do, but SQLite has none).
    short = {"level": "level", "sector": "sector", "province": "province_code"}
    grouped = [lead.c[name] for dimension, name in short.items() if dimension in asked]
    if per_province and "province" not in asked:
        grouped.append(lead.c.province_code)
    parts = [
        select(
            literal_column("'counts'").label("dimension"),
            keyed("province_code", per_province).label("province"),
            keyed("level", "level" in asked).label("level"),
            keyed("sector", "sector" in asked).label("sector"),
            null_id.label("id"),
            keyed("province_code", "province" in asked).label("code"),
            null_text.label("name"),
            func.count().label("count"),
            cast(null(), Integer).label("nth"),
        )
        .select_from(lead)
        .group_by(*grouped)
    ]

    def long_list(dimension: str, level: Any, key: Any, code: Any, name: Any) -> Select[Any]:
        columns = (level.label("level"), null_text.label("sector"), key.label("id"), code.label("code"), name.label("name"))
        return select(
            literal_column(f"'{dimension}'").label("dimension"),
            null_text.label("province"),
            *columns,
            func.count().label("count"),
        )

    def paged(
        dimension: str, stmt: Select[Any], order_by: Sequence[ColumnElement[Any]], cursor: str | None, keys: tuple[str, str]
    ) -> Select[Any]:
        # NOTE: one row more than the page, to know whether there is a next; wrapped, since
        # SQLite takes no ORDER BY or LIMIT on a member of a UNION ALL, and numbered in the
        # database's order (its collation of names), which the cursor follows.
        page = after_cursor(stmt, order_by, cursor, list_name=dimension).limit(pages.limit + 1).subquery()
        return select(page, func.row_number().over(order_by=[page.c[k] for k in keys]).label("nth"))

    if "unit" in asked:
        by_unit = (
            long_list("unit", owner_unit.c.level, owner_unit.c.id, owner_unit.c.code, owner_unit.c.name)
            .select_from(
                lead.join(owner_agency, owner_agency.c.id == lead.c.agency_id).join(
                    owner_unit, owner_unit.c.id == owner_agency.c.unit_id
                )
            )
            .group_by(owner_unit.c.level, owner_unit.c.id, owner_unit.c.code, owner_unit.c.name)
        )
        parts.append(paged("unit", by_unit, UNIT_STATS_ORDER, pages.unit_cursor, ("code", "id")))
    if "agency" in asked:
        by_agency = (
            long_list("agency", owner_agency.c.level, owner_agency.c.id, null_text, owner_agency.c.name)
            .select_from(lead.join(owner_agency, owner_agency.c.id == lead.c.agency_id))
            .group_by(owner_agency.c.level, owner_agency.c.id, owner_agency.c.name)
        )
        parts.append(paged("agency", by_agency, AGENCY_STATS_ORDER, pages.agency_cursor, ("name", "id")))
    # NOTE: the parts sit in one UNION ALL over one CTE (the first part names the columns):
    # one round trip.
    rows = (await session.execute(union_all(*parts) if len(parts) > 1 else parts[0])).mappings().all()
    found: dict[str | None, TaskCounts] = {} if per_province else {None: TaskCounts()}
    short_sums: dict[str | None, dict[str, Counter[Any]]] = {}
    for row in rows:
        counts = found.setdefault(row["province"], TaskCounts())
        dimension, count = row["dimension"], int(row["count"])
        if dimension == "counts":
            counts.total += count
            sums = short_sums.setdefault(row["province"], {d: Counter() for d in short})
            sums["level"][row["level"]] += count
            sums["sector"][row["sector"]] += count
            sums["province"][row["code"]] += count
        elif dimension == "unit":
            counts.by_unit.append(row)
        else:
            counts.by_agency.append(row)
    for province_code, counts in found.items():
        sums = short_sums.get(province_code, {d: Counter() for d in short})
        if "level" in asked:
            counts.by_level = sorted(sums["level"].items())
        if "sector" in asked:
            counts.by_sector = sorted(sums["sector"].items())
        if "province" in asked:
            counts.by_province = sorted(sums["province"].items())
        counts.by_unit.sort(key=lambda r: int(r["nth"]))
        counts.by_agency.sort(key=lambda r: int(r["nth"]))
        counts.by_unit, counts.next_unit = _page("unit", counts.by_unit, pages.limit, ("code", "id"))
        counts.by_agency, counts.next_agency = _page("agency", counts.by_agency, pages.limit, ("name", "id"))
    return found


def _page(dimension: str, rows: list[RowMapping], limit: int, keys: tuple[str, str]) -> tuple[list[RowMapping], str | None]:
    """The first ``limit`` rows, and the cursor after the last of them when more follow.

    The cursor names its list: a unit's cursor given as ``agency_cursor`` is refused.
    """
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], encode_cursor([rows[limit - 1][k] for k in keys], list_name=dimension)
