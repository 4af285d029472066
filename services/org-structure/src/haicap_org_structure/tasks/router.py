"""HTTP routes of the task catalogue: tasks, their owners over time, imports and statistics."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse

from haicap_shared.audit import Audit
from haicap_shared.auth import NotAuthenticated, OutsideArea, RoleNotAllowed
from haicap_shared.codes import ProvinceCode, UnitLevel
from haicap_shared.db import DbReadSession, DbSession
from haicap_shared.errors import BadRequest, PreconditionFailed, PreconditionRequired, problem_responses
from haicap_shared.idempotency import Idempotency, IdempotencyKeyReused
from haicap_shared.import_runs import ImportRejected
from haicap_shared.imports import IMPORT_PROBLEMS, IMPORT_REQUEST_BODY, ImportUpload
from haicap_shared.paging import MAX_CURSOR_LENGTH, Cursor, InvalidCursor, Limit, Page
from haicap_shared.tabular import ImportReport
from haicap_shared.values import IsoDate
from haicap_shared.versioning import IfMatch, etag_response

from . import service
from .access import TasksRead, TasksWrite
from .schemas import (
    StatsDimension,
    StatsPages,
    Task,
    TaskCreate,
    TaskFilter,
    TaskOwnership,
    TaskStats,
    TaskStatsByProvince,
    TaskUpdate,
)

router = APIRouter(tags=["tasks"], responses=problem_responses(NotAuthenticated, RoleNotAllowed, OutsideArea))

TaskId = Annotated[uuid.UUID, Path(description="The task's internal id")]
ProvinceFilter = Annotated[ProvinceCode | None, Query(description="Province code, e.g. `04` for Cao Bằng")]
Sector = Annotated[str | None, Query(max_length=200, description="Exact sector (lĩnh vực), e.g. `Y tế`")]


@router.get("/tasks", response_model=Page[Task], responses=problem_responses(BadRequest))
async def list_tasks(
    session: DbSession,
    principal: TasksRead,
    province: ProvinceFilter = None,
    sector: Sector = None,
    level: Annotated[UnitLevel | None, Query(description="The lead owner's level on the date")] = None,
    agency_id: Annotated[uuid.UUID | None, Query(description="Tasks this agency leads on the date")] = None,
    unit_id: Annotated[uuid.UUID | None, Query(description="Tasks led by an agency of this unit on the date")] = None,
    as_of: Annotated[IsoDate | None, Query(description="Only tasks held on this date, with that day's owner")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Title, sector or exact code, diacritics-insensitive: `y te` finds Y tế")
    ] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[Task]:
    """List tasks with their lead owner on a date (today by default), ordered by code."""
    filters = TaskFilter(province=province, sector=sector, level=level, agency_id=agency_id, unit_id=unit_id, as_of=as_of, q=q)
    return await service.list_tasks(session, principal, filters, date.today(), limit=limit, cursor=cursor)


@router.post(
    "/tasks",
    status_code=201,
    response_model=Task,
    responses=problem_responses(*service.OWNER_PROBLEMS, service.TaskCodeTaken, IdempotencyKeyReused),
)
async def create_task(
    payload: TaskCreate, session: DbSession, audit: Audit, principal: TasksWrite, idempotency: Idempotency
) -> JSONResponse:
    """Record a task with its lead owner from `valid_from` (and co-owners if shared)."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    task = await service.create_task(session, audit, principal, payload, date.today())
    body = await service.task_view(session, task.id, payload.valid_from)
    return await idempotency.created(body, location=f"tasks/{task.id}")


@router.get("/tasks/stats", response_model=TaskStats, responses=problem_responses(InvalidCursor))
async def task_stats(
    session: DbReadSession,
    principal: TasksRead,
    as_of: Annotated[IsoDate, Query(description="Count the tasks held on this date")],
    province: ProvinceFilter = None,
    unit_id: Annotated[
        uuid.UUID | None, Query(description="Count only the tasks led by this unit's agencies (e.g. a commune's)")
    ] = None,
    by: Annotated[
        list[StatsDimension] | None,
        Query(
            max_length=len(StatsDimension),
            description="What to count by, repeatable (`by=level&by=unit`): `level`, `sector`, `province`, `unit`, "
            "`agency`. Without it: `level` and `sector`. The total is always given; a breakdown not asked for is null.",
        ),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=500, description="Rows per page of the long lists, `by_unit` and `by_agency` (1 to 500)")
    ] = 100,
    unit_cursor: Annotated[
        str | None,
        Query(
            max_length=MAX_CURSOR_LENGTH,
            description="Opaque cursor of `by_unit`: the `next_unit` value of the previous page "
            "(`next_agency`'s is a 422 `invalid_cursor`)",
        ),
    ] = None,
    agency_cursor: Annotated[
        str | None,
        Query(
            max_length=MAX_CURSOR_LENGTH,
            description="Opaque cursor of `by_agency`: the `next_agency` value of the previous page "
            "(`next_unit`'s is a 422 `invalid_cursor`)",
        ),
    ] = None,
) -> TaskStats:
    """Count tasks on a date in all and by what is asked for: level, sector, province, unit, agency (computed in SQL)."""
    pages = StatsPages(limit=limit, unit_cursor=unit_cursor, agency_cursor=agency_cursor)
    return await service.task_stats(session, principal, as_of, province=province, unit_id=unit_id, by=by or (), pages=pages)


# NOTE: the fixed paths before `/tasks/{task_id}…`, so no id route is tried on them.
@router.get("/tasks/stats/by-province", response_model=TaskStatsByProvince)
async def task_stats_by_province(
    session: DbReadSession,
    principal: TasksRead,
    as_of: Annotated[IsoDate, Query(description="Count the tasks held on this date")],
) -> TaskStatsByProvince:
    """Count tasks on a date by level and sector for every province of your area, in one call (computed in SQL).

    Each row holds the figures `GET /tasks/stats?province=<code>&by=level&by=sector` gives for its
    province; a province officer gets their province's row only. Provinces without a task that day
    have no row.
    """
    return await service.task_stats_by_province(session, principal, as_of)


@router.post(
    "/tasks/imports",
    response_model=ImportReport,
    responses=problem_responses(ImportRejected, *IMPORT_PROBLEMS),
    openapi_extra=IMPORT_REQUEST_BODY,
)
async def import_tasks(
    session: DbSession,
    audit: Audit,
    principal: TasksWrite,
    upload: ImportUpload,
    province: Annotated[ProvinceCode, Query(description="The province the file is for")],
    partial: Annotated[bool, Query(description="Write the good rows even if some are wrong")] = False,
) -> ImportReport:
    """Import tasks from CSV or XLSX: every row checked, all or nothing unless `partial=true`."""
    return await service.import_tasks(
        session, audit, principal, upload=upload, province=province, partial=partial, today=date.today()
    )


@router.get("/tasks/{task_id}", response_model=Task, responses=problem_responses(service.TaskNotFound))
async def get_task(
    task_id: TaskId,
    session: DbSession,
    principal: TasksRead,
    as_of: Annotated[IsoDate | None, Query(description="Show the owner on this date; today when omitted")] = None,
) -> JSONResponse:
    """One task with its lead owner on a date, and its ETag."""
    await service.get_task(session, principal, task_id)
    return etag_response(await service.task_view(session, task_id, as_of or date.today()))


@router.patch(
    "/tasks/{task_id}",
    response_model=Task,
    responses=problem_responses(service.TaskNotFound, service.TaskHasCoOwners, PreconditionFailed, PreconditionRequired),
)
async def update_task(
    task_id: TaskId, payload: TaskUpdate, if_match: IfMatch, session: DbSession, audit: Audit, principal: TasksWrite
) -> JSONResponse:
    """Change a task's title, sector, legal basis, shared flag or note. Requires If-Match."""
    task = await service.get_task(session, principal, task_id)
    if_match.check(task.version)
    today = date.today()
    await service.update_task(session, audit, principal, task, payload, today)
    return etag_response(await service.task_view(session, task_id, today))


@router.delete(
    "/tasks/{task_id}",
    status_code=204,
    responses=problem_responses(service.TaskNotFound, service.TaskInUse, PreconditionFailed, PreconditionRequired),
)
async def delete_task(task_id: TaskId, if_match: IfMatch, session: DbSession, audit: Audit, principal: TasksWrite) -> Response:
    """Delete a task recorded by mistake (not one that was transferred). Requires If-Match."""
    task = await service.get_task(session, principal, task_id)
    if_match.check(task.version)
    await service.delete_task(session, audit, principal, task, date.today())
    return Response(status_code=204)


@router.get("/tasks/{task_id}/ownership", response_model=list[TaskOwnership], responses=problem_responses(service.TaskNotFound))
async def get_ownership(task_id: TaskId, session: DbSession, principal: TasksRead) -> list[TaskOwnership]:
    """Who held the task, from when to when (lead and co-owners), oldest first."""
    return await service.ownership_history(session, principal, task_id)
