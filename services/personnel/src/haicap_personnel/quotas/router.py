"""HTTP routes of staffing quotas."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from haicap_shared.audit import Audit
from haicap_shared.db import DbSession
from haicap_shared.errors import BadRequest, PreconditionFailed, PreconditionRequired, UpstreamUnavailable, problem_responses
from haicap_shared.idempotency import Idempotency, IdempotencyKeyReused
from haicap_shared.paging import Cursor, Limit, Page
from haicap_shared.versioning import IfMatch, etag_response

from ..agency_ref import AgencyNotFound, Org
from ..common import COMMON_PROBLEMS, ProvinceCodeQuery
from . import service
from .access import RecordsRead, RecordsWrite
from .schemas import QuotaCreate, QuotaUpdate, StaffingQuota

router = APIRouter(tags=["quotas"], responses=COMMON_PROBLEMS)
QuotaId = Annotated[uuid.UUID, Path(description="The quota's internal id")]
QUOTA_PROBLEMS = (
    service.QuotaAbovePredecessors,
    service.PredecessorQuotasUnknown,
    service.UnitNotFound,
    AgencyNotFound,
    UpstreamUnavailable,
)


@router.get("/quotas", response_model=Page[StaffingQuota], responses=problem_responses(BadRequest))
async def list_quotas(
    session: DbSession,
    principal: RecordsRead,
    province: ProvinceCodeQuery = None,
    agency_id: uuid.UUID | None = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[StaffingQuota]:
    """List the staffing quotas in your area, by year."""
    return await service.list_quotas(
        session, principal, province=province, agency_id=agency_id, year=year, limit=limit, cursor=cursor
    )


@router.post(
    "/quotas",
    status_code=201,
    response_model=StaffingQuota,
    responses=problem_responses(service.QuotaExists, *QUOTA_PROBLEMS, IdempotencyKeyReused),
)
async def create_quota(
    payload: QuotaCreate, session: DbSession, audit: Audit, org: Org, principal: RecordsWrite, idempotency: Idempotency
) -> JSONResponse:
    """Set an agency's quota for a year; a merged unit's total may not exceed its former units' (Resolution 76/2025)."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    quota = StaffingQuota.model_validate(await service.create_quota(session, audit, org, principal, payload))
    return await idempotency.created(quota, location=f"quotas/{quota.id}")


@router.get("/quotas/{quota_id}", response_model=StaffingQuota, responses=problem_responses(service.QuotaNotFound))
async def get_quota(quota_id: QuotaId, session: DbSession, principal: RecordsRead) -> JSONResponse:
    """One staffing quota, with its ETag."""
    return etag_response(StaffingQuota.model_validate(await service.get_quota(session, principal, quota_id)))


@router.patch(
    "/quotas/{quota_id}",
    response_model=StaffingQuota,
    responses=problem_responses(service.QuotaNotFound, *QUOTA_PROBLEMS, PreconditionFailed, PreconditionRequired),
)
async def update_quota(
    quota_id: QuotaId,
    payload: QuotaUpdate,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    org: Org,
    principal: RecordsWrite,
) -> JSONResponse:
    """Change a quota's posts or note (a raise is checked against the predecessors). Requires If-Match."""
    quota = await service.get_quota(session, principal, quota_id)
    if_match.check(quota.version)
    return etag_response(StaffingQuota.model_validate(await service.update_quota(session, audit, org, principal, quota, payload)))
