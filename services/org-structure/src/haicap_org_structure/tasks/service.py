"""The rules of the task catalogue: a code once per province, one lead owner a day (co-owners
only for a shared task), owners in force and in the task's province, and no deletion of a task
whose history matters; the import of a province's form (its row rules in ``importer``); the
statistics of the catalogue on a date.

The other domains built on the catalogue (``transfers``, ``findings``) reach tasks and their
owners through the functions here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, jsonable, snapshot
from haicap_shared.auth import Principal
from haicap_shared.codes import UnitLevel
from haicap_shared.errors import Conflict, NotFound
from haicap_shared.import_runs import ImportRun, import_audit_entry
from haicap_shared.imports import Upload
from haicap_shared.paging import Page, page_of
from haicap_shared.tabular import ImportReport, SourceRow

from ..transfers.models import TaskLevel, TaskTransfer
from . import importer, repository, schemas
from .access import check_agency, check_owner, check_province, lead_agency_visible, visible_tasks
from .models import Task, TaskOwnership
from .repository import AgencyInfo
from .schemas import (
    DEFAULT_STATS_DIMENSIONS,
    AgencyCount,
    ProvinceCount,
    ProvinceTaskStats,
    SectorCount,
    StatsDimension,
    StatsPages,
    TaskCreate,
    TaskFilter,
    TasksOfUnit,
    TaskStats,
    TaskStatsByProvince,
    TaskUpdate,
)

ENTITY_TASK = "task"
ENTITY_IMPORT = "task_import"
IMPORT_BATCH = 1000

INTERNAL_COLUMNS = frozenset({"search_key"})
"""Columns the API does not show: left out of audited snapshots, so an event's ``changed_fields`` names API fields."""


class TaskNotFound(NotFound):
    code, title = "task_not_found", "No such task"


class TaskCodeTaken(Conflict):
    code, title = "task_code_taken", "Another task of the province has this code"


class OwnerNotFound(Conflict):
    code, title = "owner_not_found", "The owner agency does not exist"


class OwnerNotInForce(Conflict):
    code, title = "owner_not_in_force", "The owner agency (or its unit) is not in force on that date"


class OwnerInOtherProvince(Conflict):
    code, title = "owner_in_other_province", "A task is owned only by agencies of its own province"


OWNER_PROBLEMS = (OwnerNotFound, OwnerNotInForce, OwnerInOtherProvince)
"""What a write naming owners may be refused with."""


class TaskHasCoOwners(Conflict):
    code, title = "task_has_co_owners", "A task with co-owners stays shared until they are ended"


class TaskInUse(Conflict):
    code, title = "task_in_use", "The task has passed between agencies; its history is kept"


# --- reading --------------------------------------------------------------------------------


async def get_task(session: AsyncSession, principal: Principal, task_id: uuid.UUID) -> Task:
    """The task, if the caller may read it (404 when it does not exist, 403 outside the area)."""
    task = await repository.get_task(session, task_id)
    if task is None:
        raise TaskNotFound(f"No task has id {task_id}")
    if not await repository.can_read_task(session, task_id, visible_tasks(principal)):
        check_owner(principal, None, task.province_code)
    return task


async def task_view(session: AsyncSession, task_id: uuid.UUID, day: date) -> schemas.Task:
    """The task with its lead owner on ``day``, as the API shows it."""
    row = await repository.task_row(session, task_id, day)
    if row is None:
        raise TaskNotFound(f"No task has id {task_id}")
    return schemas.Task.model_validate(dict(row))


async def list_tasks(
    session: AsyncSession, principal: Principal, filters: TaskFilter, today: date, *, limit: int, cursor: str | None
) -> Page[schemas.Task]:
    """One page of the tasks in the caller's area (by their lead owner on the date), in code order."""
    rows, next_cursor = await repository.task_page(
        session, filters, lead_agency_visible(principal), today, limit=limit, cursor=cursor
    )
    return page_of(schemas.Task, rows, next_cursor)


async def ownership_history(session: AsyncSession, principal: Principal, task_id: uuid.UUID) -> list[schemas.TaskOwnership]:
    """Who held the task, oldest first, if the caller may read it."""
    await get_task(session, principal, task_id)
    return [schemas.TaskOwnership.model_validate(dict(row)) for row in await repository.ownership_history(session, task_id)]


# --- the owners, as the catalogue and the domains built on it check them -----------------------


async def agencies_by_id(session: AsyncSession, agency_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, AgencyInfo]:
    """The agencies that exist among ``agency_ids``, with their units' validity."""
    return await repository.load_agencies(session, agency_ids)


async def required_agencies(session: AsyncSession, agency_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, AgencyInfo]:
    """The agencies named, or 409 ``owner_not_found`` naming those that do not exist."""
    found = await repository.load_agencies(session, agency_ids)
    missing = [str(i) for i in agency_ids if i not in found]
    if missing:
        raise OwnerNotFound(f"No agency has id {', '.join(missing)}", agency_ids=missing)
    return found


def check_in_force(agency: AgencyInfo, day: date) -> None:
    """409 ``owner_not_in_force`` unless the agency and its unit are in force on ``day``."""
    if (why := agency.why_not_in_force(day)) is not None:
        raise OwnerNotInForce(why, agency_id=str(agency.id), date=day.isoformat())


async def task_records(session: AsyncSession, task_ids: Sequence[uuid.UUID], day: date) -> dict[uuid.UUID, dict[str, Any]]:
    """Tasks as the audit trail records them: as ``GET /tasks/{id}`` shows them on ``day``, by id.

    With their lead owner's commune (``owner_commune_code``), where the task's events are published.
    """
    rows = await repository.task_records(session, task_ids, day)
    return {row["id"]: {k: jsonable(v) for k, v in row.items() if k not in INTERNAL_COLUMNS} for row in rows}


async def task_record(session: AsyncSession, task_id: uuid.UUID, day: date) -> dict[str, Any]:
    return (await task_records(session, [task_id], day))[task_id]


def ownership_snapshot(ownership: TaskOwnership) -> dict[str, Any]:
    """An ownership as the audit trail records it."""
    return {key: jsonable(value) for key, value in snapshot(ownership).items()}


async def latest_lead(session: AsyncSession, task_id: uuid.UUID) -> TaskOwnership | None:
    """The task's most recent lead ownership (open, unless the task was left without owner)."""
    return await repository.latest_lead(session, task_id)


async def first_day(session: AsyncSession, task_id: uuid.UUID) -> date | None:
    """The day the task entered the catalogue (its first owner's first day)."""
    return await repository.first_day(session, task_id)


async def _owner_agency(session: AsyncSession, lead: TaskOwnership | None) -> AgencyInfo | None:
    if lead is None:
        return None
    return (await repository.load_agencies(session, [lead.agency_id]))[lead.agency_id]


# --- creating and changing ------------------------------------------------------------------


async def create_task(session: AsyncSession, audit: AuditTrail, principal: Principal, data: TaskCreate, today: date) -> Task:
    agencies = await required_agencies(session, [data.owner_agency_id, *data.co_owner_agency_ids])
    owner = agencies[data.owner_agency_id]
    for agency in agencies.values():
        check_agency(principal, agency)
    for agency in agencies.values():
        if agency.province_code != owner.province_code:
            raise OwnerInOtherProvince(
                f"{agency.name} is of province {agency.province_code}, the lead's is {owner.province_code}"
            )
        check_in_force(agency, data.valid_from)
    if await repository.code_taken(session, owner.province_code, data.code):
        raise TaskCodeTaken(f"Province {owner.province_code} already has a task {data.code}", task_code=data.code)
    task = Task(
        code=data.code,
        title=data.title,
        sector=data.sector,
        legal_basis=data.legal_basis,
        legal_article=data.legal_article,
        province_code=owner.province_code,
        shared=data.shared,
        note=data.note,
        search_key=repository.task_search_key(data.sector, data.title),
    )
    session.add(task)
    await session.flush()
    origin: TaskTransfer | None = None
    if data.origin is not None:
        origin = TaskTransfer(
            task_id=task.id,
            mode=data.origin.mode,
            from_level=TaskLevel.CENTRAL,
            from_authority=data.origin.from_authority,
            to_level=TaskLevel(owner.level.value),
            to_agency_id=owner.id,
            effective_date=data.valid_from,
            legal_basis=data.origin.legal_basis,
            province_code=owner.province_code,
        )
        session.add(origin)
        await session.flush()
    owners = [
        TaskOwnership(
            task_id=task.id,
            agency_id=agency.id,
            level=agency.level,
            is_lead=agency.id == owner.id,
            valid_from=data.valid_from,
            transfer_id=origin.id if origin is not None and agency.id == owner.id else None,
        )
        for agency in agencies.values()
    ]
    session.add_all(owners)
    await session.flush()
    after = {**await task_record(session, task.id, today), "owners": [ownership_snapshot(x) for x in owners]}
    if origin is not None:
        after["origin"] = snapshot(origin)
    await audit.record(session, principal, entity_type=ENTITY_TASK, entity_id=task.id, action="create", after=after)
    return task


async def update_task(
    session: AsyncSession, audit: AuditTrail, principal: Principal, task: Task, changes: TaskUpdate, today: date
) -> Task:
    owner = await _owner_agency(session, await repository.lead_on(session, task.id, today))
    check_owner(principal, owner, task.province_code)
    fields = changes.model_dump(exclude_unset=True)
    for required in ("title", "sector", "shared"):
        if required in fields and fields[required] is None:
            raise Conflict(f"{required} cannot be emptied", code="required_field")
    if fields.get("shared") is False and task.shared and await repository.co_owners_from(session, task.id, today):
        raise TaskHasCoOwners(f"{task.code} has co-owners from {today} on; end their part first")
    before = await task_record(session, task.id, today)
    for name, value in fields.items():
        setattr(task, name, value)
    task.search_key = repository.task_search_key(task.sector, task.title)
    await session.flush()
    after = await task_record(session, task.id, today)
    await audit.record(
        session, principal, entity_type=ENTITY_TASK, entity_id=task.id, action="update", before=before, after=after
    )
    return task


async def delete_task(session: AsyncSession, audit: AuditTrail, principal: Principal, task: Task, today: date) -> None:
    """Remove a task recorded by mistake; one that has passed between agencies stays."""
    owner = await _owner_agency(session, await repository.latest_lead(session, task.id))
    check_owner(principal, owner, task.province_code)
    if await repository.has_moved(session, task.id):
        raise TaskInUse(f"{task.code} has been transferred; its history stays in the records")
    before = await task_record(session, task.id, today)
    await repository.delete_task(session, task.id)
    await audit.record(session, principal, entity_type=ENTITY_TASK, entity_id=task.id, action="delete", before=before)


# --- imports --------------------------------------------------------------------------------


async def import_tasks(
    session: AsyncSession,
    audit: AuditTrail,
    principal: Principal,
    *,
    upload: Upload,
    province: str,
    partial: bool,
    today: date,
) -> ImportReport:
    """Check and write the rows of one province's file; raise ``ImportRejected`` if refused.

    Every row is checked; nothing is written when a row is wrong unless partial import was
    asked for, in which case the good rows are written and the bad ones reported. The file comes
    through the shared bounded pipeline (``haicap_shared.imports``): received on disk within the
    service's upload limit, read in chunks in a worker thread, off the event loop, refused at the
    first limit reached; rows are written with batched Core inserts in the request's transaction
    (the ORM unit of work is for interactive edits, not imports).
    """
    check_province(principal, province)
    owners = importer.Owners(await repository.province_agencies(session, province))
    taken = await repository.province_task_codes(session, province)
    tasks: list[dict[str, Any]] = []
    ownerships: list[dict[str, Any]] = []
    run = ImportRun(upload, partial=partial)

    def check_row(source: SourceRow) -> list[str]:
        return importer.check_row(source, owners, taken, principal, province, tasks, ownerships)

    async for chunk in run.chunks(importer.COLUMNS):
        await run.check_rows(chunk, check_row)
        if not run.may_write:
            tasks.clear()
            ownerships.clear()
        if len(tasks) >= IMPORT_BATCH:
            run.written += await _flush(session, audit, principal, tasks, ownerships, today)
    if run.may_write:
        run.written += await _flush(session, audit, principal, tasks, ownerships, today)
    report = run.finish()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_IMPORT,
        entity_id=uuid.uuid4(),
        action="import",
        after=import_audit_entry(report, province=province, province_code=province, filename=upload.filename),
    )
    return report


async def _flush(
    session: AsyncSession,
    audit: AuditTrail,
    principal: Principal,
    tasks: list[dict[str, Any]],
    ownerships: list[dict[str, Any]],
    today: date,
) -> int:
    """Write the checked rows, each task with its ``create`` event (read back as the API shows it: one query)."""
    count = len(tasks)
    await repository.insert_tasks(session, tasks, ownerships)
    written = await task_records(session, [task["id"] for task in tasks], today)
    await audit.record_many(
        session,
        principal,
        entity_type=ENTITY_TASK,
        action="create",
        changes=[(task["id"], None, written[task["id"]]) for task in tasks],
    )
    tasks.clear()
    ownerships.clear()
    return count


# --- statistics -----------------------------------------------------------------------------


async def task_stats(
    session: AsyncSession,
    principal: Principal,
    as_of: date,
    *,
    province: str | None = None,
    unit_id: uuid.UUID | None = None,
    by: Sequence[StatsDimension] = (),
    pages: StatsPages | None = None,
) -> TaskStats:
    """The tasks held on ``as_of`` in the caller's area, counted in SQL by what ``by`` asks for, shaped for the API."""
    asked = list(dict.fromkeys(by or DEFAULT_STATS_DIMENSIONS))
    found = await repository.count_tasks(
        session,
        as_of,
        lead_agency_visible(principal),
        province=province,
        unit_id=unit_id,
        by=[d.value for d in asked],
        pages=pages,
    )
    counts = found[None]
    stats = TaskStats(as_of=as_of, province=province, unit_id=unit_id, by=asked, total=counts.total)
    if StatsDimension.LEVEL in asked:
        stats.by_level = _by_level(counts)
    if StatsDimension.SECTOR in asked:
        stats.by_sector = _by_sector(counts)
    if StatsDimension.PROVINCE in asked:
        stats.by_province = [ProvinceCount(province_code=code, count=count) for code, count in counts.by_province]
    if StatsDimension.UNIT in asked:
        stats.by_unit = [
            TasksOfUnit(unit_id=r["id"], unit_code=r["code"], unit_name=r["name"], level=r["level"], count=r["count"])
            for r in counts.by_unit
        ]
        stats.next_unit = counts.next_unit
    if StatsDimension.AGENCY in asked:
        stats.by_agency = [
            AgencyCount(agency_id=r["id"], agency_name=r["name"], level=r["level"], count=r["count"]) for r in counts.by_agency
        ]
        stats.next_agency = counts.next_agency
    return stats


async def task_stats_by_province(session: AsyncSession, principal: Principal, as_of: date) -> TaskStatsByProvince:
    """The figures of :func:`task_stats` by level and sector for every province of the caller's area, in one statement."""
    found = await repository.count_tasks(
        session, as_of, lead_agency_visible(principal), by=[d.value for d in DEFAULT_STATS_DIMENSIONS], per_province=True
    )
    rows = [
        ProvinceTaskStats(
            province=code, total=found[code].total, by_level=_by_level(found[code]), by_sector=_by_sector(found[code])
        )
        for code in sorted(code for code in found if code is not None)
    ]
    return TaskStatsByProvince(as_of=as_of, rows=rows)


def _by_level(counts: repository.TaskCounts) -> dict[UnitLevel, int]:
    """Every level, those without a task at 0."""
    return dict.fromkeys(UnitLevel, 0) | {UnitLevel(level): count for level, count in counts.by_level}


def _by_sector(counts: repository.TaskCounts) -> list[SectorCount]:
    return [SectorCount(sector=sector, count=count) for sector, count in counts.by_sector]
