"""HTTP routes of allocations and hand-overs."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from haicap_shared.audit import Audit
from haicap_shared.auth import NotAuthenticated, OutsideArea, RoleNotAllowed
from haicap_shared.db import DbSession
from haicap_shared.deadlines import takes_up_to
from haicap_shared.errors import PreconditionFailed, PreconditionRequired, UpstreamUnavailable, problem_responses
from haicap_shared.versioning import IfMatch, etag_response

from ..holders import HolderNotAllowed, HolderNotInForce
from ..org_client import HolderNotFound, Org
from ..register import service as register_service
from ..register.schemas import AllocationOut
from . import service
from .access import ProvinceWrite, RecordsRead, RecordsWrite
from .schemas import AllocationCreate, HandoverCreate, HandoverReport

router = APIRouter(tags=["allocations"], responses=problem_responses(NotAuthenticated, RoleNotAllowed, OutsideArea))

HOLDER_PROBLEMS = (HolderNotFound, HolderNotInForce, HolderNotAllowed, UpstreamUnavailable)


@router.post(
    "/assets/{asset_id}/allocations",
    status_code=201,
    response_model=AllocationOut,
    responses=problem_responses(
        *HOLDER_PROBLEMS,
        register_service.AssetNotFound,
        service.AssetNotHeld,
        service.AllocationDateInvalid,
        service.CarNormExceeded,
        service.CarPriceOverNorm,
        PreconditionFailed,
        PreconditionRequired,
    ),
)
async def allocate_asset(
    asset_id: Annotated[uuid.UUID, Path(description="The asset's internal id")],
    payload: AllocationCreate,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: RecordsWrite,
    org: Org,
) -> JSONResponse:
    """Give the asset to a new holder from a date (the current allocation ends the day before). If-Match: the asset's ETag."""
    asset = await register_service.get_asset(session, principal, asset_id)
    if_match.check(asset.version)
    allocation = AllocationOut.model_validate(await service.allocate(session, audit, principal, org, asset, payload))
    return etag_response(allocation, asset.version, status_code=201)


@router.get("/allocations/{allocation_id}", response_model=AllocationOut, responses=problem_responses(service.AllocationNotFound))
async def get_allocation(
    allocation_id: Annotated[uuid.UUID, Path(description="The allocation's internal id")],
    session: DbSession,
    principal: RecordsRead,
) -> JSONResponse:
    """One allocation (a holder of an asset over an interval), with its ETag; seen where its holder or its asset is."""
    return etag_response(AllocationOut.model_validate(await service.get_allocation(session, principal, allocation_id)))


@router.post(
    "/handovers",
    response_model=HandoverReport,
    responses=problem_responses(*HOLDER_PROBLEMS, service.HandoverRejected, service.NothingToHandOver),
    openapi_extra=takes_up_to(),
)
async def hand_over(
    payload: HandoverCreate, session: DbSession, audit: Audit, principal: ProvinceWrite, org: Org
) -> HandoverReport:
    """Hand every asset of former units over to one holder from a date, in one transaction, with a per-asset report.

    At most 500 former holders in ``from_holders`` (more is a 422); the report has one row per asset held.
    """
    return await service.hand_over(session, audit, principal, org, payload)
