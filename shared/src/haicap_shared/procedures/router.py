"""HTTP routes of procedure dossiers (``/procedure-dossiers``) and the one-stop exchange log, as a service installs them.

:func:`procedures_router` builds them for one service (its tables, the subject kinds it opens
without a workflow record, its calendar's overrides): see :mod:`.wiring`.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from ..audit import Audit
from ..auth import NotAuthenticated, OutsideArea, Principal, RecordsRead, RecordsWrite, RoleNotAllowed, require
from ..codes import CommuneCode, ProvinceCode
from ..db import DbSession
from ..errors import PreconditionFailed, PreconditionRequired, UpstreamUnavailable, problem_responses
from ..idempotency import Idempotency, IdempotencyKeyReused
from ..models import utcnow
from ..paging import Cursor, InvalidCursor, Limit, Page, page_of
from ..roles import Role
from ..validity import InvalidPeriod, checked_period
from ..values import IsoDate
from ..versioning import IfMatch, etag_response
from ..workdays import local_date
from . import service
from .access import check_dossier, dossiers_visible
from .catalogue import Catalogue
from .repository import DossierFilter
from .schemas import (
    PROCEDURE_CODE_PATTERN,
    ProcedureDossier,
    ProcedureDossierCreate,
    ProcedureDossierItem,
    ProcedureExchange,
    ProcedureStats,
    ProcedureStepCreate,
)
from .status import ProcedureStatus

if TYPE_CHECKING:
    from .wiring import DossierConfig

DossierId = Annotated[uuid.UUID, Path(description="The dossier's internal id")]
ExchangeReader = Annotated[Principal, Depends(require(Role.ADMIN, Role.AUDITOR))]
ProcedureCodeQuery = Annotated[
    str | None, Query(pattern=PROCEDURE_CODE_PATTERN, max_length=40, description="A procedure code, e.g. `1.005432`")
]
ProvinceQuery = Annotated[ProvinceCode | None, Query(description="Province code, e.g. `04`")]
CommuneQuery = Annotated[CommuneCode | None, Query(description="Commune code, e.g. `01273`")]

COMMON_PROBLEMS = problem_responses(NotAuthenticated, RoleNotAllowed, OutsideArea)
OPEN_PROBLEMS = (
    service.ProcedureNotFound,
    service.DossierCodeTaken,
    service.MomentInFuture,
    service.SubjectKindNotAllowed,
    UpstreamUnavailable,
    IdempotencyKeyReused,
)
STEP_PROBLEMS = (
    service.DossierNotFound,
    service.StepNotAllowed,
    service.StepDrivenByWorkflow,
    service.MomentInFuture,
    service.StepBeforePrevious,
    service.DossierChanged,
    PreconditionFailed,
    PreconditionRequired,
)


def procedures_router(config: DossierConfig) -> APIRouter:
    """The routes of one service's dossiers (tag ``procedures``)."""
    router = APIRouter(tags=["procedures"], responses=COMMON_PROBLEMS)
    tables = config.tables

    @router.get(
        "/procedure-dossiers",
        response_model=Page[ProcedureDossierItem],
        responses=problem_responses(InvalidCursor, InvalidPeriod),
    )
    async def list_procedure_dossiers(
        session: DbSession,
        principal: RecordsRead,
        procedure_code: ProcedureCodeQuery = None,
        status: Annotated[ProcedureStatus | None, Query(description="The current status")] = None,
        province: ProvinceQuery = None,
        commune_code: CommuneQuery = None,
        agency_id: Annotated[uuid.UUID | None, Query(description="The handling agency")] = None,
        overdue: Annotated[bool | None, Query(description="Only the overdue ones (true) or the others (false)")] = None,
        received_from: Annotated[IsoDate | None, Query(description="Received (local date) on or after")] = None,
        received_to: Annotated[IsoDate | None, Query(description="Received (local date) on or before")] = None,
        limit: Limit = 100,
        cursor: Cursor = None,
    ) -> Page[ProcedureDossierItem]:
        """List the procedure dossiers in your area, by time received, with their overdue flag."""
        if received_from is not None and received_to is not None:
            checked_period(received_from, received_to, start_name="received_from", end_name="received_to")
        filters = DossierFilter(
            procedure_code=procedure_code,
            status=status,
            province_code=province,
            commune_code=commune_code,
            agency_id=agency_id,
            overdue=overdue,
            received_from=None if received_from is None else service.start_of_next_local_day(received_from - timedelta(days=1)),
            received_before=None if received_to is None else service.start_of_next_local_day(received_to),
        )
        rows, next_cursor = await service.page_dossiers(
            session, tables, dossiers_visible(principal, tables), filters, limit=limit, cursor=cursor
        )
        return Page[ProcedureDossierItem](items=[service.item_of(row) for row in rows], next=next_cursor)

    @router.get("/procedure-dossiers/stats", response_model=ProcedureStats)
    async def procedure_dossier_stats(
        session: DbSession,
        principal: RecordsRead,
        as_of: Annotated[IsoDate | None, Query(description="The day counted up to (default: today, local)")] = None,
        province: ProvinceQuery = None,
        commune_code: CommuneQuery = None,
    ) -> ProcedureStats:
        """Dossier progress and lateness by procedure and commune on a date (your area), computed in SQL."""
        return await service.stats(
            session,
            tables,
            dossiers_visible(principal, tables),
            as_of=as_of or service.today(),
            province_code=province,
            commune_code=commune_code,
        )

    @router.get(
        "/procedure-dossiers/{dossier_id}",
        response_model=ProcedureDossier,
        responses=problem_responses(service.DossierNotFound),
    )
    async def get_procedure_dossier(dossier_id: DossierId, session: DbSession, principal: RecordsRead) -> JSONResponse:
        """One procedure dossier with its steps and where each stands with the one-stop system; with its ETag."""
        row = await service.get_row(session, tables, dossier_id)
        check_dossier(principal, row)
        return etag_response(await service.read_dossier(session, tables, row))

    @router.post(
        "/procedure-dossiers",
        status_code=201,
        response_model=ProcedureDossier,
        responses=problem_responses(*OPEN_PROBLEMS),
    )
    async def create_procedure_dossier(
        payload: ProcedureDossierCreate,
        session: DbSession,
        audit: Audit,
        principal: RecordsWrite,
        idempotency: Idempotency,
        catalogue: Catalogue,
    ) -> JSONResponse:
        """Record a dossier received with no workflow record yet (a proposal); its due date from the catalogue."""
        if (replayed := await idempotency.replay()) is not None:
            return replayed
        check_dossier(principal, payload.model_dump())
        if payload.subject_kind not in config.subject_kinds_without_workflow:
            allowed = ", ".join(sorted(config.subject_kinds_without_workflow)) or "none"
            raise service.SubjectKindNotAllowed(
                f"A {payload.subject_kind} dossier is opened by its workflow record; on its own: {allowed}",
                field="subject_kind",
            )
        received_on = local_date(payload.received_at or utcnow())
        dossier = await service.create_dossier(
            session,
            tables,
            intake=payload,
            subject_kind=payload.subject_kind,
            subject_id=None,
            province_code=payload.province_code,
            commune_code=payload.commune_code,
            agency_id=payload.agency_id,
            trail=audit,
            principal=principal,
            catalogue=catalogue,
            overrides=await config.overrides(session, received_on),
        )
        return await idempotency.created(dossier, location=f"procedure-dossiers/{dossier.id}")

    @router.post(
        "/procedure-dossiers/{dossier_id}/steps",
        response_model=ProcedureDossier,
        responses=problem_responses(*STEP_PROBLEMS),
    )
    async def step_procedure_dossier(
        dossier_id: DossierId,
        payload: ProcedureStepCreate,
        if_match: IfMatch,
        session: DbSession,
        audit: Audit,
        principal: RecordsWrite,
    ) -> JSONResponse:
        """Move a dossier on (a supplement asked or received; without a workflow record, its end too). Requires If-Match."""
        row = await service.get_row(session, tables, dossier_id)
        check_dossier(principal, row)
        if_match.check(row["version"])
        on = local_date(payload.at or utcnow())
        dossier = await service.step_by_hand(
            session,
            tables,
            row,
            payload,
            trail=audit,
            principal=principal,
            overrides=await config.overrides(session, on),
        )
        return etag_response(dossier)

    @router.get("/procedure-exchanges", response_model=Page[ProcedureExchange], responses=problem_responses(InvalidCursor))
    async def list_procedure_exchanges(
        session: DbSession,
        _principal: ExchangeReader,
        operation: Annotated[str | None, Query(max_length=40, description="e.g. `sign_in`, `push`, `file`")] = None,
        outcome: Annotated[str | None, Query(max_length=30, description="e.g. `ok`, `rejected`, `failed`")] = None,
        started_from: Annotated[IsoDate | None, Query(description="Started (local date) on or after")] = None,
        limit: Limit = 100,
        cursor: Cursor = None,
    ) -> Page[ProcedureExchange]:
        """The exchanges with the provincial one-stop system, oldest first (admins and auditors)."""
        since = None if started_from is None else service.start_of_next_local_day(started_from - timedelta(days=1))
        rows, next_cursor = await service.page_exchanges(
            session, tables, operation=operation, outcome=outcome, started_from=since, limit=limit, cursor=cursor
        )
        return page_of(ProcedureExchange, rows, next_cursor)

    return router
