"""HTTP routes of task feasibility: statuses of held tasks over time, corrections, the province's answers, statistics."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from haicap_shared.audit import Audit
from haicap_shared.auth import NotAuthenticated, OutsideArea, RoleNotAllowed
from haicap_shared.codes import CommuneCode
from haicap_shared.db import DbReadSession, DbSession
from haicap_shared.errors import BadRequest, PreconditionFailed, PreconditionRequired, problem_responses
from haicap_shared.idempotency import Idempotency, IdempotencyKeyReused
from haicap_shared.paging import Cursor, Limit, Page
from haicap_shared.values import IsoDate
from haicap_shared.versioning import IfMatch, etag_response

from ..tasks.router import ProvinceFilter, Sector, TaskId
from ..tasks.service import TaskNotFound
from . import service
from .access import FeasibilityAnswerWrite, FeasibilityRead, FeasibilityWrite
from .models import AnswerState, FeasibilityStatus
from .schemas import (
    DEFAULT_OPEN_DAYS,
    MAX_OPEN_DAYS,
    FeasibilityAnswer,
    FeasibilityCreate,
    FeasibilityFilter,
    FeasibilityStats,
    FeasibilityUpdate,
    TaskFeasibility,
)

router = APIRouter(tags=["feasibility"], responses=problem_responses(NotAuthenticated, RoleNotAllowed, OutsideArea))

FeasibilityId = Annotated[uuid.UUID, Path(description="The status's internal id")]
CommuneFilter = Annotated[CommuneCode | None, Query(description="The reporting agencies' commune, e.g. `01273`")]
AsOf = Annotated[IsoDate | None, Query(description="The statuses in force on this date (today by default)")]
OpenDays = Annotated[int, Query(ge=1, le=MAX_OPEN_DAYS, description="A difficulty counts as open too long after this many days")]


@router.post(
    "/tasks/{task_id}/feasibility",
    status_code=201,
    response_model=TaskFeasibility,
    responses=problem_responses(
        TaskNotFound,
        service.ReportingAgencyNotFound,
        service.NotTaskHolder,
        service.FeasibilityNotLatest,
        *service.RULE_PROBLEMS,
        IdempotencyKeyReused,
    ),
)
async def record_status(
    task_id: TaskId,
    payload: FeasibilityCreate,
    session: DbSession,
    audit: Audit,
    principal: FeasibilityWrite,
    idempotency: Idempotency,
) -> JSONResponse:
    """Record how an agency holding the task carries it out from a date; the status in force the day before ends that day."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    record = await service.record_status(session, audit, principal, task_id, payload)
    body = await service.view(session, record)
    return await idempotency.created(body, location=f"task-feasibility/{record.id}")


@router.get("/tasks/{task_id}/feasibility", response_model=list[TaskFeasibility], responses=problem_responses(TaskNotFound))
async def task_history(
    task_id: TaskId,
    session: DbSession,
    principal: FeasibilityRead,
    agency_id: Annotated[uuid.UUID | None, Query(description="Only this agency's statuses")] = None,
) -> list[TaskFeasibility]:
    """The statuses of a task (of the agencies the caller sees), newest first."""
    return await service.history(session, principal, task_id, agency_id)


@router.get("/task-feasibility", response_model=Page[TaskFeasibility], responses=problem_responses(BadRequest))
async def list_statuses(
    session: DbSession,
    principal: FeasibilityRead,
    province: ProvinceFilter = None,
    commune: CommuneFilter = None,
    sector: Sector = None,
    status: Annotated[FeasibilityStatus | None, Query(description="Only statuses of this kind")] = None,
    answer_state: Annotated[AnswerState | None, Query(description="Only proposals in this state")] = None,
    open_days_over: Annotated[
        int | None,
        Query(ge=0, le=MAX_OPEN_DAYS, description="Only difficulties in force since more than this many days, not resolved"),
    ] = None,
    as_of: AsOf = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[TaskFeasibility]:
    """List the statuses in force on a date in the caller's area, by task and agency."""
    filters = FeasibilityFilter(
        as_of=as_of or date.today(),
        province=province,
        commune=commune,
        sector=sector,
        status=status,
        answer_state=answer_state,
        open_days_over=open_days_over,
    )
    return await service.list_statuses(session, principal, filters, limit=limit, cursor=cursor)


@router.get("/task-feasibility/stats", response_model=FeasibilityStats)
async def stats(
    session: DbReadSession,
    principal: FeasibilityRead,
    province: ProvinceFilter = None,
    commune: CommuneFilter = None,
    as_of: AsOf = None,
    open_days: OpenDays = DEFAULT_OPEN_DAYS,
) -> FeasibilityStats:
    """The statuses in force on a date counted by status, reason, proposal and answer, commune and sector."""
    return await service.stats(
        session, principal, province=province, commune=commune, as_of=as_of or date.today(), open_days=open_days
    )


@router.get(
    "/task-feasibility/{feasibility_id}",
    response_model=TaskFeasibility,
    responses=problem_responses(service.FeasibilityNotFound),
)
async def get_status(feasibility_id: FeasibilityId, session: DbSession, principal: FeasibilityRead) -> JSONResponse:
    """One status with its reasons, proposal and answer, and its ETag."""
    record = await service.get_status(session, principal, feasibility_id)
    return etag_response(await service.view(session, record))


@router.patch(
    "/task-feasibility/{feasibility_id}",
    response_model=TaskFeasibility,
    responses=problem_responses(
        service.FeasibilityNotFound, service.AlreadyAnswered, *service.RULE_PROBLEMS, PreconditionFailed, PreconditionRequired
    ),
)
async def correct_status(
    feasibility_id: FeasibilityId,
    payload: FeasibilityUpdate,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: FeasibilityWrite,
) -> JSONResponse:
    """Correct the reasons or proposal of a status while the province has not answered. Requires If-Match."""
    record = await service.get_status(session, principal, feasibility_id)
    if_match.check(record.version)
    await service.correct_status(session, audit, principal, record, payload)
    return etag_response(await service.view(session, record))


@router.post(
    "/task-feasibility/{feasibility_id}/answer",
    response_model=TaskFeasibility,
    responses=problem_responses(
        service.FeasibilityNotFound, service.NoProposal, service.AnswerBeforeStatus, PreconditionFailed, PreconditionRequired
    ),
)
async def answer(
    feasibility_id: FeasibilityId,
    payload: FeasibilityAnswer,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: FeasibilityAnswerWrite,
) -> JSONResponse:
    """The province answers the proposal (accepted, rejected, resolved) with a date and decision. Requires If-Match."""
    record = await service.get_status(session, principal, feasibility_id)
    service.check_answerer(principal, record)
    if_match.check(record.version)
    await service.answer(session, audit, principal, record, payload)
    return etag_response(await service.view(session, record))
