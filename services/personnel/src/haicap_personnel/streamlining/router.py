"""HTTP routes of streamlining cases and the entitlement calculator."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from haicap_shared.audit import Audit
from haicap_shared.db import DbSession
from haicap_shared.errors import BadRequest, PreconditionFailed, PreconditionRequired, UpstreamUnavailable, problem_responses
from haicap_shared.idempotency import Idempotency, IdempotencyKeyReused
from haicap_shared.paging import Cursor, Limit, Page
from haicap_shared.procedures.catalogue import Catalogue
from haicap_shared.versioning import IfMatch, etag_response

from ..common import COMMON_PROBLEMS, ProvinceCodeQuery
from ..workflow_dossiers import DOSSIER_PROBLEMS
from . import service
from .access import RecordsRead, RecordsWrite
from .entitlement import Entitlement
from .models import CaseStatus, Policy
from .schemas import CalculationRequest, CaseCreate, CaseTransition, CaseUpdate, StreamliningCase

router = APIRouter(tags=["streamlining"], responses=COMMON_PROBLEMS)
CaseId = Annotated[uuid.UUID, Path(description="The case's internal id")]


@router.post(
    "/streamlining/calculate",
    response_model=Entitlement,
    responses=problem_responses(*service.CALCULATOR_PROBLEMS),
)
async def calculate(payload: CalculationRequest, _principal: RecordsRead) -> Entitlement:
    """Preview an entitlement from explicit inputs (itemised, whole VND, rule version, age basis, readings); records nothing."""
    return service.calculate(payload)


@router.get("/streamlining-cases", response_model=Page[StreamliningCase], responses=problem_responses(BadRequest))
async def list_cases(
    session: DbSession,
    principal: RecordsRead,
    province: ProvinceCodeQuery = None,
    person_id: uuid.UUID | None = None,
    policy: Policy | None = None,
    status: CaseStatus | None = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[StreamliningCase]:
    """List streamlining cases in your area, by the date proposed."""
    return await service.list_cases(
        session, principal, province=province, person_id=person_id, policy=policy, status=status, limit=limit, cursor=cursor
    )


@router.post(
    "/streamlining-cases",
    status_code=201,
    response_model=StreamliningCase,
    responses=problem_responses(
        service.PersonMissing,
        service.CaseExists,
        *service.EXCLUSIONS,
        service.CareerEventMissing,
        service.CareerEventOfAnother,
        *service.CASE_INPUT_PROBLEMS,
        *DOSSIER_PROBLEMS,
        UpstreamUnavailable,
        IdempotencyKeyReused,
    ),
)
async def create_case(
    payload: CaseCreate,
    request: Request,
    session: DbSession,
    audit: Audit,
    principal: RecordsWrite,
    idempotency: Idempotency,
    catalogue: Catalogue,
) -> JSONResponse:
    """Propose a person for streamlining (with the procedure dossier it came under); the entitlement is kept with its inputs."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    base = request.app.state.settings.base_salary_vnd
    created = await service.create_case(session, audit, principal, payload, catalogue, default_base_salary=base)
    case = await service.case_out(session, created)
    return await idempotency.created(case, location=f"streamlining-cases/{case.id}")


@router.get("/streamlining-cases/{case_id}", response_model=StreamliningCase, responses=problem_responses(service.CaseNotFound))
async def get_case(case_id: CaseId, session: DbSession, principal: RecordsRead) -> JSONResponse:
    """One streamlining case, with its ETag."""
    return etag_response(await service.case_out(session, await service.get_case(session, principal, case_id)))


@router.patch(
    "/streamlining-cases/{case_id}",
    response_model=StreamliningCase,
    responses=problem_responses(
        service.CaseNotFound, service.CaseNotEditable, *service.CASE_INPUT_PROBLEMS, PreconditionFailed, PreconditionRequired
    ),
)
async def update_case(
    case_id: CaseId,
    payload: CaseUpdate,
    request: Request,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: RecordsWrite,
) -> JSONResponse:
    """Change a proposed case's inputs (recalculated with its own rule version, or the one given). Requires If-Match."""
    case = await service.get_case(session, principal, case_id)
    if_match.check(case.version)
    base = request.app.state.settings.base_salary_vnd
    changed = await service.update_case(session, audit, principal, case, payload, default_base_salary=base)
    return etag_response(await service.case_out(session, changed))


@router.post(
    "/streamlining-cases/{case_id}/transitions",
    response_model=StreamliningCase,
    responses=problem_responses(
        service.CaseNotFound, service.CaseStepNotAllowed, *DOSSIER_PROBLEMS, PreconditionFailed, PreconditionRequired
    ),
)
async def transition_case(
    case_id: CaseId, payload: CaseTransition, if_match: IfMatch, session: DbSession, audit: Audit, principal: RecordsWrite
) -> JSONResponse:
    """Approve, mark paid (province) or withdraw a case. Requires If-Match."""
    case = await service.get_case(session, principal, case_id)
    if_match.check(case.version)
    return etag_response(await service.case_out(session, await service.transition(session, audit, principal, case, payload)))
