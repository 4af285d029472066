"""HTTP routes of task transfers: one task (under ``/tasks/{id}``), the list, statistics and bulk transfers."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from haicap_shared.audit import Audit
from haicap_shared.auth import NotAuthenticated, OutsideArea, RoleNotAllowed
from haicap_shared.db import DbSession
from haicap_shared.deadlines import takes_up_to
from haicap_shared.errors import BadRequest, PreconditionFailed, PreconditionRequired, problem_responses
from haicap_shared.idempotency import Idempotency, IdempotencyKeyReused
from haicap_shared.paging import Cursor, Limit, Page
from haicap_shared.values import IsoDate
from haicap_shared.versioning import IfMatch

from ..tasks import service as task_service
from ..tasks.router import ProvinceFilter, TaskId
from . import service
from .access import TransfersRead, TransfersWrite
from .models import TransferMode
from .schemas import BulkTransferCreate, BulkTransferReport, TaskTransfer, TaskTransferCreate, TransferFilter, TransferStats

router = APIRouter(tags=["tasks"], responses=problem_responses(NotAuthenticated, RoleNotAllowed, OutsideArea))


@router.post(
    "/tasks/{task_id}/transfers",
    status_code=201,
    response_model=TaskTransfer,
    responses=problem_responses(
        task_service.TaskNotFound,
        *task_service.OWNER_PROBLEMS,
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
    principal: TransfersWrite,
    idempotency: Idempotency,
) -> JSONResponse:
    """Pass the task to another agency from a date: the old ownership closes, the new opens. Requires If-Match."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    task = await task_service.get_task(session, principal, task_id)
    if_match.check(task.version)
    transfer = await service.transfer_task(session, audit, principal, task, payload, date.today())
    body = await service.transfer_view(session, transfer.id)
    # NOTE: the ETag is the task's: the transfer changed the task's version.
    return await idempotency.created(body, location=f"task-transfers?task_id={task_id}", version=task.version)


@router.get("/task-transfers", response_model=Page[TaskTransfer], responses=problem_responses(BadRequest))
async def list_transfers(
    session: DbSession,
    principal: TransfersRead,
    province: ProvinceFilter = None,
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
    filters = TransferFilter(
        province=province,
        task_id=task_id,
        agency_id=agency_id,
        mode=mode,
        batch_id=batch_id,
        effective_from=effective_from,
        effective_to=effective_to,
    )
    return await service.list_transfers(session, principal, filters, limit=limit, cursor=cursor)


@router.get("/task-transfers/stats", response_model=TransferStats)
async def transfer_stats(
    session: DbSession,
    principal: TransfersRead,
    province: ProvinceFilter = None,
    date_from: Annotated[IsoDate | None, Query(alias="from", description="Effective on or after")] = None,
    date_to: Annotated[IsoDate | None, Query(alias="to", description="Effective on or before")] = None,
) -> TransferStats:
    """Count transfers effective in a period by mode and by route (computed in SQL)."""
    return await service.transfer_stats(session, principal, province, date_from, date_to)


@router.post(
    "/task-transfers/bulk",
    status_code=201,
    response_model=BulkTransferReport,
    responses=problem_responses(service.BulkTransferRejected, task_service.OwnerNotFound, IdempotencyKeyReused),
    openapi_extra=takes_up_to(),
)
async def bulk_transfer(
    payload: BulkTransferCreate, session: DbSession, audit: Audit, principal: TransfersWrite, idempotency: Idempotency
) -> JSONResponse:
    """Transfer many tasks of one former owner on one date, all or nothing, with a per-row report.

    At most 5,000 rows (more is a 422); a refusal (409) reports each bad row once, in at most 10 messages.
    """
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    report = await service.bulk_transfer(session, audit, principal, payload, date.today())
    return await idempotency.respond(201, report)
