"""HTTP routes of verification, the exchange log, the sync queue and the working-day calendar."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse

from haicap_shared.audit import Audit
from haicap_shared.db import DbSession
from haicap_shared.errors import BadRequest, PreconditionFailed, PreconditionRequired, problem_responses
from haicap_shared.paging import Cursor, Limit, Page
from haicap_shared.values import IsoDate
from haicap_shared.versioning import IfMatch, etag_response

from ..common import COMMON_PROBLEMS, CommuneCodeQuery, ProvinceCodeQuery
from . import service
from .access import AdminWrite, ExchangeRead, ProvinceWrite, RecordsRead
from .models import ChangeStatus
from .schemas import BulkVerified, BulkVerify, CalendarDay, CalendarDaySet, CalendarYear, ReturnBody, SyncExchange, SyncQueue
from .schemas import DossierChange as ChangeOut

router = APIRouter(tags=["national-sync"], responses=COMMON_PROBLEMS)
ChangeId = Annotated[uuid.UUID, Path(description="The dossier change's id")]
Day = Annotated[IsoDate, Path(description="The day, `YYYY-MM-DD`, e.g. `2026-05-09`")]


@router.get("/dossier-changes", response_model=Page[ChangeOut], responses=problem_responses(BadRequest))
async def list_changes(
    session: DbSession,
    principal: RecordsRead,
    status: Annotated[ChangeStatus | None, Query(description="e.g. `pending_verification`")] = None,
    person_id: uuid.UUID | None = None,
    province: ProvinceCodeQuery = None,
    commune: CommuneCodeQuery = None,
    due_before: Annotated[IsoDate | None, Query(description="Only changes due before this day (`YYYY-MM-DD`)")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[ChangeOut]:
    """List the dossier changes of your area, the earliest due first."""
    return await service.list_changes(
        session,
        principal,
        status=status,
        person_id=person_id,
        province=province,
        commune=commune,
        due_before=due_before,
        limit=limit,
        cursor=cursor,
    )


@router.post(
    "/dossier-changes/verify",
    operation_id="personnel.dossierChanges.verifyMany",
    response_model=BulkVerified,
    responses=problem_responses(service.ChangeNotFound, service.ChangeNotVerifiable),
)
async def bulk_verify(payload: BulkVerify, session: DbSession, audit: Audit, principal: ProvinceWrite) -> BulkVerified:
    """Verify up to 500 changes of your province at once: all or none."""
    return await service.bulk_verify(session, audit, principal, payload.ids)


@router.get("/dossier-changes/{dossier_change_id}", response_model=ChangeOut, responses=problem_responses(service.ChangeNotFound))
async def get_change(dossier_change_id: ChangeId, session: DbSession, principal: RecordsRead) -> JSONResponse:
    """One dossier change with its status and due date, with its ETag."""
    return etag_response(ChangeOut.model_validate(await service.get_change(session, principal, dossier_change_id)))


@router.post(
    "/dossier-changes/{dossier_change_id}/verify",
    response_model=ChangeOut,
    responses=problem_responses(service.ChangeNotFound, service.ChangeNotVerifiable, PreconditionFailed, PreconditionRequired),
)
async def verify_change(
    dossier_change_id: ChangeId, if_match: IfMatch, session: DbSession, audit: Audit, principal: ProvinceWrite
) -> JSONResponse:
    """Verify a change of your province: it is queued for the national database. Requires If-Match."""
    change = await service.get_change(session, principal, dossier_change_id)
    if_match.check(change.version)
    return etag_response(ChangeOut.model_validate(await service.verify(session, audit, principal, change)))


@router.post(
    "/dossier-changes/{dossier_change_id}/return",
    response_model=ChangeOut,
    responses=problem_responses(service.ChangeNotFound, service.ChangeNotVerifiable, PreconditionFailed, PreconditionRequired),
)
async def return_change(
    dossier_change_id: ChangeId,
    payload: ReturnBody,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: ProvinceWrite,
) -> JSONResponse:
    """Send a change back to the agency with the reason (the corrected record makes a new change). Requires If-Match."""
    change = await service.get_change(session, principal, dossier_change_id)
    if_match.check(change.version)
    return etag_response(ChangeOut.model_validate(await service.return_change(session, audit, principal, change, payload.reason)))


@router.get("/sync-exchanges", response_model=Page[SyncExchange], responses=problem_responses(BadRequest))
async def list_exchanges(
    session: DbSession,
    principal: ExchangeRead,
    adapter: Annotated[str | None, Query(max_length=20, description="`lgsp`, `ndxp` or `file`")] = None,
    outcome: Annotated[str | None, Query(max_length=20, description="e.g. `timeout`")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[SyncExchange]:
    """List the exchanges with the national side, oldest first (change ids only, no personal data); admins and auditors."""
    return await service.list_exchanges(session, adapter=adapter, outcome=outcome, limit=limit, cursor=cursor)


@router.get("/sync-exchanges/queue", response_model=SyncQueue)
async def sync_queue(session: DbSession, principal: ExchangeRead) -> SyncQueue:
    """How many changes wait, by status, the age of the oldest queued one and the overdue count; admins and auditors."""
    return await service.queue(session)


@router.get("/calendar-days", operation_id="personnel.calendarDays.year", response_model=CalendarYear)
async def calendar_year(
    session: DbSession, principal: RecordsRead, year: Annotated[int, Query(ge=2000, le=2100, description="e.g. 2026")]
) -> CalendarYear:
    """The year's holidays, swapped days and the admin's days (what deadlines count on)."""
    return await service.calendar_year(session, year)


@router.get("/calendar-days/{day}", response_model=CalendarDay, responses=problem_responses(service.CalendarDayNotFound))
async def get_calendar_day(day: Day, session: DbSession, principal: RecordsRead) -> JSONResponse:
    """The admin's entry for one day, with its ETag."""
    return etag_response(CalendarDay.model_validate(await service.get_calendar_day(session, day)))


@router.put(
    "/calendar-days/{day}",
    response_model=CalendarDay,
    responses={
        201: {"model": CalendarDay, "description": "The day had no entry: created"},
        **problem_responses(PreconditionFailed, PreconditionRequired),
    },
)
async def set_calendar_day(
    day: Day, payload: CalendarDaySet, if_match: IfMatch, session: DbSession, audit: Audit, principal: AdminWrite
) -> JSONResponse:
    """Set a day as worked or off (a swapped working day); changing an entry requires If-Match; admins only."""
    entry, created = await service.set_calendar_day(session, audit, principal, day, payload, if_match.check)
    return etag_response(CalendarDay.model_validate(entry), status_code=201 if created else 200)


@router.delete(
    "/calendar-days/{day}",
    status_code=204,
    responses=problem_responses(service.CalendarDayNotFound, PreconditionFailed, PreconditionRequired),
)
async def delete_calendar_day(day: Day, if_match: IfMatch, session: DbSession, audit: Audit, principal: AdminWrite) -> Response:
    """Remove the admin's entry for a day (the rule applies again). Requires If-Match; admins only."""
    entry = await service.get_calendar_day(session, day)
    if_match.check(entry.version)
    await service.delete_calendar_day(session, audit, principal, entry)
    return Response(status_code=204)
