"""HTTP routes of agencies and function decisions (published under ``/api/v1/org``)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from haicap_shared.audit import Audit
from haicap_shared.auth import NotAuthenticated, OutsideArea, RoleNotAllowed
from haicap_shared.codes import CommuneCode, ProvinceCode, UnitLevel
from haicap_shared.db import DbReadSession, DbSession
from haicap_shared.errors import BadRequest, PreconditionFailed, PreconditionRequired, problem_responses
from haicap_shared.idempotency import Idempotency, IdempotencyKeyReused
from haicap_shared.import_runs import ImportRejected
from haicap_shared.imports import IMPORT_PROBLEMS, IMPORT_REQUEST_BODY, ImportUpload
from haicap_shared.linked_data import JsonLdWanted, jsonld_responses
from haicap_shared.paging import Cursor, Limit, Page
from haicap_shared.tabular import ImportReport
from haicap_shared.values import IsoDate
from haicap_shared.versioning import IfMatch, etag_response

from ..linked_data import service as linked_data
from ..units import service as unit_service
from . import repository, service
from .access import OrgRead, OrgWrite, ProvinceWrite
from .models import AgencyKind, DecisionStatus
from .schemas import (
    Agency,
    AgencyCreate,
    AgencyUpdate,
    DecisionCreate,
    DecisionIssue,
    DecisionProgress,
    DecisionProgressByProvince,
    DecisionUpdate,
    FunctionDecision,
    StandardSetup,
    StandardSetupResult,
)

router = APIRouter(responses=problem_responses(NotAuthenticated, RoleNotAllowed, OutsideArea))

AgencyId = Annotated[uuid.UUID, Path(description="The agency's internal id")]
DecisionId = Annotated[uuid.UUID, Path(description="The decision's internal id")]
ProvinceQuery = Annotated[ProvinceCode | None, Query(description="Province code, e.g. `04`")]


@router.get(
    "/agencies",
    response_model=Page[Agency],
    tags=["agencies"],
    responses=problem_responses(BadRequest, service.InvalidElectronicIdCode),
)
async def list_agencies(
    session: DbSession,
    principal: OrgRead,
    province: ProvinceQuery = None,
    commune: Annotated[CommuneCode | None, Query(description="Commune code")] = None,
    level: UnitLevel | None = None,
    kind: AgencyKind | None = None,
    unit_id: uuid.UUID | None = None,
    parent_id: uuid.UUID | None = None,
    as_of: Annotated[IsoDate | None, Query(description="Only agencies in force on this date")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Name search, diacritics-insensitive")] = None,
    electronic_id_code: Annotated[
        str | None, Query(max_length=35, description="Electronic identifier code (Decision 20/2020/QĐ-TTg), e.g. `000.00.00.H14`")
    ] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[Agency]:
    """List the agencies in your area, ordered by name."""
    filters = repository.AgencyFilter(
        province=province,
        commune=commune,
        level=level,
        kind=kind,
        unit_id=unit_id,
        parent_id=parent_id,
        as_of=as_of,
        q=q,
        electronic_id_code=electronic_id_code,
    )
    return await service.list_agencies(session, principal, filters, limit=limit, cursor=cursor)


@router.post(
    "/agencies",
    status_code=201,
    response_model=Agency,
    tags=["agencies"],
    responses=problem_responses(
        service.AgencyUnitNotFound,
        service.KindNotAtLevel,
        service.OutsideUnitValidity,
        service.EconomicOfficeVariant,
        service.InvalidElectronicIdCode,
        service.ElectronicIdCodeTaken,
        IdempotencyKeyReused,
    ),
)
async def create_agency(
    payload: AgencyCreate, session: DbSession, audit: Audit, principal: OrgWrite, idempotency: Idempotency
) -> JSONResponse:
    """Record an agency of a unit (it cannot exist before or outlive the unit)."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    agency = Agency.model_validate(await service.create_agency(session, audit, principal, payload))
    return await idempotency.created(agency, location=f"agencies/{agency.id}")


@router.post(
    "/agencies/standard-setup",
    response_model=StandardSetupResult,
    tags=["agencies"],
    responses=problem_responses(unit_service.UnitNotFound),
)
async def set_up_standard_organisations(
    payload: StandardSetup, session: DbSession, audit: Audit, principal: ProvinceWrite
) -> StandardSetupResult:
    """Create the 4 standard organisations of every commune of a province in force on a date (idempotent)."""
    return await service.set_up_standard_organisations(session, audit, principal, payload.province, payload.as_of)


@router.post(
    "/agencies/imports",
    status_code=201,
    response_model=ImportReport,
    tags=["agencies"],
    responses=problem_responses(ImportRejected, *IMPORT_PROBLEMS),
    openapi_extra=IMPORT_REQUEST_BODY,
)
async def import_agencies_file(
    session: DbSession,
    audit: Audit,
    principal: OrgWrite,
    upload: ImportUpload,
    partial: Annotated[bool, Query(description="Write the good rows even if some have problems")] = False,
) -> ImportReport:
    """Import agencies from CSV or XLSX (name, kind, unit code, from, to, electronic identifier code); every row checked first."""
    return await service.import_agencies(session, audit, principal, upload, partial=partial, today=date.today())


@router.get(
    "/agencies/{agency_id}",
    response_model=Agency,
    tags=["agencies"],
    responses=problem_responses(service.AgencyNotFound) | jsonld_responses(),
)
async def get_agency(agency_id: AgencyId, session: DbSession, principal: OrgRead, ld: JsonLdWanted) -> JSONResponse:
    """One agency, with its ETag."""
    if ld.wanted:
        return await linked_data.agency_document(session, ld, principal, agency_id)
    return etag_response(Agency.model_validate(await service.get_agency(session, principal, agency_id)))


@router.patch(
    "/agencies/{agency_id}",
    response_model=Agency,
    tags=["agencies"],
    responses=problem_responses(
        service.AgencyNotFound,
        service.OutsideUnitValidity,
        service.InvalidElectronicIdCode,
        service.ElectronicIdCodeTaken,
        PreconditionFailed,
        PreconditionRequired,
    ),
)
async def update_agency(
    agency_id: AgencyId, payload: AgencyUpdate, if_match: IfMatch, session: DbSession, audit: Audit, principal: OrgWrite
) -> JSONResponse:
    """Rename an agency, move it under another, change its validity or electronic identifier code. Requires If-Match."""
    agency = await service.get_agency(session, principal, agency_id)
    if_match.check(agency.version)
    return etag_response(Agency.model_validate(await service.update_agency(session, audit, principal, agency, payload)))


@router.get("/function-decisions", response_model=Page[FunctionDecision], tags=["decisions"])
async def list_decisions(
    session: DbSession,
    principal: OrgRead,
    agency_id: uuid.UUID | None = None,
    status: DecisionStatus | None = None,
    province: ProvinceQuery = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[FunctionDecision]:
    """List function decisions of the agencies in your area."""
    filters = repository.DecisionFilter(agency_id=agency_id, status=status, province=province)
    return await service.list_decisions(session, principal, filters, limit=limit, cursor=cursor)


@router.get("/function-decisions/progress", response_model=DecisionProgress, tags=["decisions"])
async def decision_progress(
    session: DbReadSession,
    principal: OrgRead,
    as_of: Annotated[IsoDate, Query(description="Count on this date")],
    province: ProvinceQuery = None,
) -> DecisionProgress:
    """Agencies with their decision issued, out of those that need one, by level and kind (computed in SQL)."""
    return await service.decision_progress(session, principal, as_of, province)


# NOTE: the fixed paths before `/function-decisions/{decision_id}…`, so no id route is tried on them.
@router.get("/function-decisions/progress/by-province", response_model=DecisionProgressByProvince, tags=["decisions"])
async def decision_progress_by_province(
    session: DbReadSession,
    principal: OrgRead,
    as_of: Annotated[IsoDate, Query(description="Count on this date")],
) -> DecisionProgressByProvince:
    """Decision progress of every province of your area in one call (computed in SQL, grouped by province).

    Each row is what `GET /function-decisions/progress?province=<code>` gives for its province; a
    province officer gets their province's row only.
    """
    return await service.decision_progress_by_province(session, principal, as_of)


@router.post(
    "/function-decisions",
    status_code=201,
    response_model=FunctionDecision,
    tags=["decisions"],
    responses=problem_responses(service.AgencyNotFound, IdempotencyKeyReused),
)
async def create_decision(
    payload: DecisionCreate, session: DbSession, audit: Audit, principal: OrgWrite, idempotency: Idempotency
) -> JSONResponse:
    """Start drafting a decision on an agency's functions, duties and powers."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    decision = FunctionDecision.model_validate(await service.create_decision(session, audit, principal, payload))
    return await idempotency.created(decision, location=f"function-decisions/{decision.id}")


@router.get(
    "/function-decisions/{decision_id}",
    response_model=FunctionDecision,
    tags=["decisions"],
    responses=problem_responses(service.DecisionNotFound),
)
async def get_decision(decision_id: DecisionId, session: DbSession, principal: OrgRead) -> JSONResponse:
    """One function decision, with its ETag."""
    return etag_response(FunctionDecision.model_validate(await service.get_decision(session, principal, decision_id)))


@router.patch(
    "/function-decisions/{decision_id}",
    response_model=FunctionDecision,
    tags=["decisions"],
    responses=problem_responses(service.DecisionNotFound, service.DecisionNotDraft, PreconditionFailed, PreconditionRequired),
)
async def update_decision(
    decision_id: DecisionId, payload: DecisionUpdate, if_match: IfMatch, session: DbSession, audit: Audit, principal: OrgWrite
) -> JSONResponse:
    """Change a draft. Requires If-Match."""
    decision = await service.get_decision(session, principal, decision_id)
    if_match.check(decision.version)
    decision = await service.update_decision(session, audit, principal, decision, payload)
    return etag_response(FunctionDecision.model_validate(decision))


@router.post(
    "/function-decisions/{decision_id}/issue",
    response_model=FunctionDecision,
    tags=["decisions"],
    responses=problem_responses(service.DecisionNotFound, service.DecisionNotDraft, PreconditionFailed, PreconditionRequired),
)
async def issue_decision(
    decision_id: DecisionId, payload: DecisionIssue, if_match: IfMatch, session: DbSession, audit: Audit, principal: OrgWrite
) -> JSONResponse:
    """Issue a draft; the agency's previous decision is superseded on the same date. Requires If-Match."""
    decision = await service.get_decision(session, principal, decision_id)
    if_match.check(decision.version)
    decision = await service.issue_decision(session, audit, principal, decision, payload)
    return etag_response(FunctionDecision.model_validate(decision))
