"""HTTP routes of tasks, their ownership and transfers (published under ``/api/v1/org``)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse

from haicap_shared.audit import Audit
from haicap_shared.auth import NotAuthenticated, OutsideArea, RoleNotAllowed, check_province
from haicap_shared.db import DbSession
from haicap_shared.deadlines import takes_up_to
from haicap_shared.errors import BadRequest, PreconditionFailed, PreconditionRequired, problem_responses
from haicap_shared.idempotency import Idempotency, IdempotencyKeyReused
from haicap_shared.imports import IMPORT_PROBLEMS, IMPORT_REQUEST_BODY, ImportUpload
from haicap_shared.paging import Cursor, Limit, Page, fetch_page, keyset_page
from haicap_shared.tabular import ImportReport
from haicap_shared.values import IsoDate
from haicap_shared.versioning import IfMatch, etag

from ..agencies.access import OrgRead, OrgWrite
from ..units.models import UnitLevel
from . import importer, repository, service
from .models import TransferMode
from .schemas import (
    BulkTransferCreate,
    BulkTransferReport,
    FindingKind,
    Findings,
    Task,
    TaskCreate,
    TaskOwnership,
    TaskStats,
    TaskTransfer,
    TaskTransferCreate,
    TaskUpdate,
    TransferStats,
)

router = APIRouter(tags=["tasks"], responses=problem_responses(NotAuthenticated, RoleNotAllowed, OutsideArea))

TaskId = Annotated[uuid.UUID, Path(description="The task's internal id")]
ProvinceCode = Annotated[str | None, Query(pattern=r"^\d{2}$", description="Province code, e.g. `04` for Cao Bằng")]
Sector = Annotated[str | None, Query(max_length=200, description="Exact sector (lĩnh vực), e.g. `Y tế`")]
_OWNER_PROBLEMS = (service.OwnerNotFound, service.OwnerNotInForce, service.OwnerInOtherProvince)


async def _task_response(session: DbSession, task_id: uuid.UUID, day: IsoDate, status_code: int = 200) -> JSONResponse:
    body = Task.model_validate(dict(await service.task_view(session, task_id, day)))
    return JSONResponse(body.model_dump(mode="json"), status_code=status_code, headers={"ETag": etag(body.version)})


@router.get("/tasks", response_model=Page[Task], responses=problem_responses(BadRequest))
async def list_tasks(
    session: DbSession,
    principal: OrgRead,
    province: ProvinceCode = None,
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
    filters = repository.TaskFilter(
        province=province, sector=sector, level=level, agency_id=agency_id, unit_id=unit_id, as_of=as_of, q=q
    )
    return await keyset_page(
        session,
        service.list_tasks(principal, filters, date.today()),
        order_by=repository.TASK_LIST_ORDER,
        limit=limit,
        cursor=cursor,
        item=Task,
    )


@router.post(
    "/tasks",
    status_code=201,
    response_model=Task,
    responses=problem_responses(*_OWNER_PROBLEMS, service.TaskCodeTaken, IdempotencyKeyReused),
)
async def create_task(
    payload: TaskCreate, session: DbSession, audit: Audit, principal: OrgWrite, idempotency: Idempotency
) -> JSONResponse:
    """Record a task with its lead owner from `valid_from` (and co-owners if shared)."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    task = await service.create_task(session, audit, principal, payload)
    body = Task.model_validate(dict(await service.task_view(session, task.id, payload.valid_from)))
    return await idempotency.respond(201, body, headers={"ETag": etag(body.version), "Location": f"tasks/{task.id}"})


@router.get("/tasks/stats", response_model=TaskStats)
async def task_stats(
    session: DbSession,
    principal: OrgRead,
    as_of: Annotated[IsoDate, Query(description="Count the tasks held on this date")],
    province: ProvinceCode = None,
) -> TaskStats:
    """Count tasks on a date by level, sector, unit and agency (computed in SQL)."""
    return await service.task_stats(session, principal, as_of, province)


@router.get("/tasks/findings", response_model=Findings)
async def task_findings(
    session: DbSession,
    principal: OrgRead,
    as_of: Annotated[IsoDate, Query(description="Check the catalogue as it stands on this date")],
    province: ProvinceCode = None,
    sector: Sector = None,
    kind: Annotated[FindingKind | None, Query(description="Only findings of this kind")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Findings listed at most (counts are always complete)")] = 100,
) -> Findings:
    """Overlaps, tasks without owner or legal basis, owners no longer in force, and likely duplicates."""
    return await service.findings(session, principal, as_of=as_of, province=province, sector=sector, kind=kind, limit=limit)


@router.post(
    "/tasks/imports",
    response_model=ImportReport,
    responses=problem_responses(importer.ImportRejected, *IMPORT_PROBLEMS),
    openapi_extra=IMPORT_REQUEST_BODY,
)
async def import_tasks(
    session: DbSession,
    audit: Audit,
    principal: OrgWrite,
    upload: ImportUpload,
    province: Annotated[str, Query(pattern=r"^\d{2}$", description="The province the file is for")],
    partial: Annotated[bool, Query(description="Write the good rows even if some are wrong")] = False,
) -> ImportReport:
    """Import tasks from CSV or XLSX: every row checked, all or nothing unless `partial=true`."""
    check_province(principal, province)
    return await importer.import_tasks(session, audit, principal, upload=upload, province=province, partial=partial)


@router.get("/tasks/{task_id}", response_model=Task, responses=problem_responses(service.TaskNotFound))
async def get_task(
    task_id: TaskId,
    session: DbSession,
    principal: OrgRead,
    as_of: Annotated[IsoDate | None, Query(description="Show the owner on this date; today when omitted")] = None,
) -> JSONResponse:
    """One task with its lead owner on a date, and its ETag."""
    await service.get_task(session, principal, task_id)
    return await _task_response(session, task_id, as_of or date.today())


@router.patch(
    "/tasks/{task_id}",
    response_model=Task,
    responses=problem_responses(service.TaskNotFound, service.TaskHasCoOwners, PreconditionFailed, PreconditionRequired),
)
async def update_task(
    task_id: TaskId, payload: TaskUpdate, if_match: IfMatch, session: DbSession, audit: Audit, principal: OrgWrite
) -> JSONResponse:
    """Change a task's title, sector, legal basis, shared flag or note. Requires If-Match."""
    task = await service.get_task(session, principal, task_id)
    if_match.check(task.version)
    today = date.today()
    await service.update_task(session, audit, principal, task, payload, today)
    return await _task_response(session, task_id, today)


@router.delete(
    "/tasks/{task_id}",
    status_code=204,
    responses=problem_responses(service.TaskNotFound, service.TaskInUse, PreconditionFailed, PreconditionRequired),
)
async def delete_task(task_id: TaskId, if_match: IfMatch, session: DbSession, audit: Audit, principal: OrgWrite) -> Response:
    """Delete a task recorded by mistake (not one that was transferred). Requires If-Match."""
    task = await service.get_task(session, principal, task_id)
    if_match.check(task.version)
    await service.delete_task(session, audit, principal, task, date.today())
    return Response(status_code=204)


@router.get("/tasks/{task_id}/ownership", response_model=list[TaskOwnership], responses=problem_responses(service.TaskNotFound))
async def get_ownership(task_id: TaskId, session: DbSession, principal: OrgRead) -> list[TaskOwnership]:
    """Who held the task, from when to when (lead and co-owners), oldest first."""
    await service.get_task(session, principal, task_id)
    return [TaskOwnership.model_validate(dict(row)) for row in await repository.ownership_history(session, task_id)]


@router.post(
    "/tasks/{task_id}/transfers",
    status_code=201,
    response_model=TaskTransfer,
    responses=problem_responses(
        service.TaskNotFound,
        *_OWNER_PROBLEMS,
        service.TransferBeforeStart,
        service.TransferToSameOwner,
        service.NoCurrentOwner,
        PreconditionFailed,
        PreconditionRequired,
        IdempotencyKeyReused,
    ),
)
async def transfer_task(
    task_id: TaskId,
    payload: TaskTransferCreate,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: OrgWrite,
    idempotency: Idempotency,
) -> JSONResponse:
    """Pass the task to another agency from a date: the old ownership closes, the new opens. Requires If-Match."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    task = await service.get_task(session, principal, task_id)
    if_match.check(task.version)
    transfer = await service.transfer_task(session, audit, principal, task, payload)
    body = await service.transfer_view(session, transfer.id)
    return await idempotency.respond(
        201, body, headers={"ETag": etag(task.version), "Location": f"task-transfers?task_id={task_id}"}
    )


@router.get("/task-transfers", response_model=Page[TaskTransfer], responses=problem_responses(BadRequest))
async def list_transfers(
    session: DbSession,
    principal: OrgRead,
    province: ProvinceCode = None,
    task_id: Annotated[uuid.UUID | None, Query(description="Transfers of this task")] = None,
    agency_id: Annotated[uuid.UUID | None, Query(description="Transfers from or to this agency")] = None,
    mode: Annotated[TransferMode | None, Query()] = None,
    batch_id: Annotated[uuid.UUID | None, Query(description="Transfers of one bulk request")] = None,
    effective_from: Annotated[IsoDate | None, Query(description="Effective on or after")] = None,
    effective_to: Annotated[IsoDate | None, Query(description="Effective on or before")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[TaskTransfer]:
    """List transfers, ordered by effective date."""
    filters = repository.TransferFilter(
        province=province,
        task_id=task_id,
        agency_id=agency_id,
        mode=mode,
        batch_id=batch_id,
        effective_from=effective_from,
        effective_to=effective_to,
    )
    rows, next_cursor = await fetch_page(
        session, service.list_transfers(principal, filters), order_by=repository.TRANSFER_LIST_ORDER, limit=limit, cursor=cursor
    )
    return Page[TaskTransfer](items=[TaskTransfer.model_validate(dict(r)) for r in rows], next=next_cursor)


@router.get("/task-transfers/stats", response_model=TransferStats)
async def transfer_stats(
    session: DbSession,
    principal: OrgRead,
    province: ProvinceCode = None,
    date_from: Annotated[IsoDate | None, Query(alias="from", description="Effective on or after")] = None,
    date_to: Annotated[IsoDate | None, Query(alias="to", description="Effective on or before")] = None,
) -> TransferStats:
    """Count transfers effective in a period by mode and by route (computed in SQL)."""
    return await service.transfer_stats(session, principal, province, date_from, date_to)


@router.post(
    "/task-transfers/bulk",
    status_code=201,
    response_model=BulkTransferReport,
    responses=problem_responses(service.BulkTransferRejected, service.OwnerNotFound, IdempotencyKeyReused),
    openapi_extra=takes_up_to(),
)
async def bulk_transfer(
    payload: BulkTransferCreate, session: DbSession, audit: Audit, principal: OrgWrite, idempotency: Idempotency
) -> JSONResponse:
    """Transfer many tasks of one former owner on one date, all or nothing, with a per-row report.

    At most 5,000 rows (more is a 422); a refusal (409) reports each bad row once, in at most 10 messages.
    """
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    report = await service.bulk_transfer(session, audit, principal, payload)
    return await idempotency.respond(201, report)
