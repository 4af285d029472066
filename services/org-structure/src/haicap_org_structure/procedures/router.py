"""HTTP routes of the procedure catalogue: procedures, their levels over time, imports, task links, and what communes handle."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from haicap_shared.audit import Audit
from haicap_shared.auth import NotAuthenticated, OutsideArea, RoleNotAllowed
from haicap_shared.codes import CommuneCode, ProvinceCode, UnitLevel
from haicap_shared.db import DbSession
from haicap_shared.errors import BadRequest, PreconditionFailed, PreconditionRequired, ValidationFailed, problem_responses
from haicap_shared.idempotency import Idempotency, IdempotencyKeyReused
from haicap_shared.import_runs import ImportRejected
from haicap_shared.imports import IMPORT_PROBLEMS, IMPORT_REQUEST_BODY, ImportUpload
from haicap_shared.paging import Cursor, Limit, Page
from haicap_shared.procedures.schemas import PROCEDURE_CODE_PATTERN
from haicap_shared.tabular import ImportReport
from haicap_shared.values import IsoDate
from haicap_shared.versioning import IfMatch, etag_response

from ..tasks.service import TaskNotFound
from ..units.service import UnitNotFound
from . import service
from .access import ProceduresRead, ProceduresWrite, TaskLinksWrite
from .repository import REFORM_DAY
from .schemas import (
    HandledByCommune,
    HandledByCommunes,
    LevelChange,
    MovedProcedures,
    Procedure,
    ProcedureCreate,
    ProcedureFilter,
    ProcedureSummary,
    ProcedureUpdate,
    TaskProcedureLinks,
    TaskProcedures,
)

router = APIRouter(tags=["procedures"], responses=problem_responses(NotAuthenticated, RoleNotAllowed))

Code = Annotated[
    str, Path(pattern=PROCEDURE_CODE_PATTERN, max_length=40, description="The procedure's code (mã TTHC), e.g. `1.005384`")
]
AsOf = Annotated[IsoDate, Query(description="The date to answer for")]


@router.get("/procedures", response_model=Page[ProcedureSummary], responses=problem_responses(BadRequest))
async def list_procedures(
    session: DbSession,
    principal: ProceduresRead,
    as_of: Annotated[IsoDate | None, Query(description="Only procedures in force on this date, with that day's level")] = None,
    level: Annotated[UnitLevel | None, Query(description="The level handling it on the date")] = None,
    sector: Annotated[
        str | None, Query(max_length=200, description="Exact sector (lĩnh vực), e.g. `Công chức, viên chức`")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Name (diacritics-insensitive: `thi tuyen` finds thi tuyển) or exact code")
    ] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[ProcedureSummary]:
    """List procedures with their level on a date (today's, or the latest, by default), ordered by code."""
    filters = ProcedureFilter(as_of=as_of, level=level, sector=sector, q=q)
    return await service.list_procedures(session, filters, date.today(), limit=limit, cursor=cursor)


@router.post(
    "/procedures",
    status_code=201,
    response_model=Procedure,
    responses=problem_responses(service.ProcedureCodeTaken, IdempotencyKeyReused),
)
async def create_procedure(
    payload: ProcedureCreate, session: DbSession, audit: Audit, principal: ProceduresWrite, idempotency: Idempotency
) -> JSONResponse:
    """Record a procedure with its versions over time (no two sharing a day)."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    today = date.today()
    procedure = await service.create_procedure(session, audit, principal, payload, today)
    body = await service.procedure_view(session, procedure, None, today)
    return await idempotency.created(body, location=f"procedures/{procedure.code}")


@router.post(
    "/procedures/imports",
    response_model=ImportReport,
    responses=problem_responses(ImportRejected, ValidationFailed, *IMPORT_PROBLEMS),
    openapi_extra=IMPORT_REQUEST_BODY,
)
async def import_procedures(session: DbSession, audit: Audit, principal: ProceduresWrite, upload: ImportUpload) -> ImportReport:
    """Import the catalogue from CSV or XLSX (a row per version): every row checked, all or nothing."""
    return await service.import_procedures(session, audit, principal, upload=upload, today=date.today())


@router.get(
    "/procedures/handled",
    response_model=HandledByCommune,
    responses=problem_responses(UnitNotFound, OutsideArea),
)
async def handled(
    session: DbSession,
    principal: ProceduresRead,
    commune_code: Annotated[CommuneCode, Query(description="The commune (its code on the date), e.g. `01273`")],
    as_of: AsOf,
) -> HandledByCommune:
    """The procedures a commune handles on a date: those of the tasks its agencies hold (lead or shared)."""
    return await service.handled(session, principal, commune_code, as_of)


@router.get(
    "/procedures/handled-by-communes",
    response_model=HandledByCommunes,
    responses=problem_responses(OutsideArea),
)
async def handled_by_communes(
    session: DbSession,
    principal: ProceduresRead,
    province: Annotated[ProvinceCode, Query(description="Province code, e.g. `04` for Cao Bằng")],
    as_of: AsOf,
) -> HandledByCommunes:
    """How many procedures each commune of a province handles on a date, and how many the district handled before."""
    return await service.handled_by_communes(session, principal, province, as_of)


@router.get("/procedures/moved", response_model=MovedProcedures)
async def moved(
    session: DbSession,
    principal: ProceduresRead,
    from_level: Annotated[UnitLevel, Query(description="The level before")] = UnitLevel.DISTRICT,
    to_level: Annotated[UnitLevel, Query(description="The level from `on`")] = UnitLevel.COMMUNE,
    on: Annotated[IsoDate, Query(description="The first day of the new level")] = REFORM_DAY,
) -> MovedProcedures:
    """The procedures whose level changed between two levels on a date, with the version before, after, and the basis."""
    return await service.moved(session, from_level, to_level, on)


@router.get("/procedures/{code}", response_model=Procedure, responses=problem_responses(service.ProcedureNotFound))
async def get_procedure(
    code: Code,
    session: DbSession,
    principal: ProceduresRead,
    as_of: Annotated[IsoDate | None, Query(description="The version in force on this date (404 when none)")] = None,
) -> JSONResponse:
    """One procedure with its version on a date (today's, or the latest), every version, its tasks, and its ETag."""
    procedure = await service.get_procedure(session, code)
    return etag_response(await service.procedure_view(session, procedure, as_of, date.today()))


@router.patch(
    "/procedures/{code}",
    response_model=Procedure,
    responses=problem_responses(service.ProcedureNotFound, PreconditionFailed, PreconditionRequired),
)
async def update_procedure(
    code: Code, payload: ProcedureUpdate, if_match: IfMatch, session: DbSession, audit: Audit, principal: ProceduresWrite
) -> JSONResponse:
    """Change a procedure's name or sector. Requires If-Match."""
    procedure = await service.get_procedure(session, code)
    if_match.check(procedure.version)
    today = date.today()
    await service.update_procedure(session, audit, principal, procedure, payload, today)
    return etag_response(await service.procedure_view(session, procedure, None, today))


@router.post(
    "/procedures/{code}/levels",
    response_model=Procedure,
    responses=problem_responses(
        service.ProcedureNotFound, service.LevelChangeNotLatest, PreconditionFailed, PreconditionRequired
    ),
)
async def change_level(
    code: Code, payload: LevelChange, if_match: IfMatch, session: DbSession, audit: Audit, principal: ProceduresWrite
) -> JSONResponse:
    """Record a dated level change with its basis: the version in force ends the day before. Requires If-Match."""
    procedure = await service.get_procedure(session, code)
    if_match.check(procedure.version)
    today = date.today()
    await service.change_level(session, audit, principal, procedure, payload, today)
    return etag_response(await service.procedure_view(session, procedure, None, today))


@router.put(
    "/tasks/{task_id}/procedures",
    response_model=TaskProcedureLinks,
    responses=problem_responses(TaskNotFound, OutsideArea, service.UnknownProcedures, PreconditionFailed, PreconditionRequired),
)
async def replace_task_procedures(
    task_id: Annotated[uuid.UUID, Path(description="The task's internal id")],
    payload: TaskProcedures,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: TaskLinksWrite,
) -> JSONResponse:
    """Replace the procedures a task is carried out through. Requires If-Match with the task's ETag; answers its new one."""
    task = await service.task_for_links(session, principal, task_id)
    if_match.check(task.version)
    return etag_response(await service.replace_links(session, audit, principal, task, payload.procedure_codes, date.today()))
