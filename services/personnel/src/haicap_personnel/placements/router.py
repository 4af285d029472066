"""HTTP routes of placements, bulk re-placement and recruitment."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from haicap_shared.audit import Audit
from haicap_shared.db import DbSession
from haicap_shared.deadlines import takes_up_to
from haicap_shared.errors import BadRequest, PreconditionFailed, PreconditionRequired, problem_responses
from haicap_shared.idempotency import Idempotency, IdempotencyKeyReused
from haicap_shared.paging import Cursor, Limit, Page
from haicap_shared.values import IsoDate
from haicap_shared.versioning import IfMatch, etag_response

from ..careers.service import InvalidCareerEvent
from ..common import COMMON_PROBLEMS, ProvinceCodeQuery
from ..people import service as people_service
from . import service
from .access import RecordsRead, RecordsWrite
from .models import Suitability
from .schemas import (
    BulkReplacement,
    BulkReplacementReport,
    Placement,
    PlacementBatch,
    PlacementBatchReport,
    PlacementCreate,
    PlacementFilter,
    PlacementUpdate,
    Recruitment,
    RecruitmentResult,
)

router = APIRouter(tags=["placements"], responses=COMMON_PROBLEMS)
PlacementId = Annotated[uuid.UUID, Path(description="The placement's internal id")]


@router.get("/placements", response_model=Page[Placement], responses=problem_responses(BadRequest))
async def list_placements(
    session: DbSession,
    principal: RecordsRead,
    person_id: uuid.UUID | None = None,
    position_id: uuid.UUID | None = None,
    agency_id: uuid.UUID | None = None,
    province: ProvinceCodeQuery = None,
    suitability: Suitability | None = None,
    is_primary: bool | None = None,
    as_of: Annotated[IsoDate | None, Query(description="Only placements in force on this date")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[Placement]:
    """List placements in your area, by start date."""
    filters = PlacementFilter(
        person_id=person_id,
        position_id=position_id,
        agency_id=agency_id,
        province=province,
        suitability=suitability,
        is_primary=is_primary,
        as_of=as_of,
    )
    return await service.list_placements(session, principal, filters, limit=limit, cursor=cursor)


@router.post(
    "/placements",
    status_code=201,
    response_model=Placement,
    responses=problem_responses(
        service.PersonMissing,
        service.PositionMissing,
        service.PositionNotApproved,
        service.PlacementOverlap,
        service.CareerEventMissing,
        service.CareerEventOfAnother,
        IdempotencyKeyReused,
    ),
)
async def create_placement(
    payload: PlacementCreate, session: DbSession, audit: Audit, principal: RecordsWrite, idempotency: Idempotency
) -> JSONResponse:
    """Place a person in an approved position; suitability is computed; one primary placement at a time."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    placement = Placement.model_validate(await service.create_placement(session, audit, principal, payload))
    return await idempotency.created(placement, location=f"placements/{placement.id}")


@router.post(
    "/placements/batch",
    status_code=201,
    response_model=PlacementBatchReport,
    responses=problem_responses(service.BatchRejected, IdempotencyKeyReused),
    openapi_extra=takes_up_to(),
)
async def place_batch(
    payload: PlacementBatch, session: DbSession, audit: Audit, principal: RecordsWrite, idempotency: Idempotency
) -> JSONResponse:
    """Record up to 5,000 placements at once, each checked as a single one would be: all or nothing.

    More than 5,000 rows is a 422. A refusal (409) reports each bad row once, in at most 10
    messages (the last one counting the rest); a row overlapping earlier ones names the first of them.
    """
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    return await idempotency.respond(201, await service.place_batch(session, audit, principal, payload))


@router.post(
    "/placements/bulk",
    response_model=BulkReplacementReport,
    responses=problem_responses(service.BulkRejected, InvalidCareerEvent),
    openapi_extra=takes_up_to(),
)
async def bulk_replace(
    payload: BulkReplacement, session: DbSession, audit: Audit, principal: RecordsWrite
) -> BulkReplacementReport:
    """Re-place the people of former agencies into new positions from one date: all or nothing, nobody twice, nobody lost.

    With a `decision`, each person moved gets a `transfer` career event resting on it, linked to
    their new placement, in the same transaction.

    At most 20,000 rows and 500 former agencies (more is a 422). A refusal (409) reports each bad
    row once, in at most 10 messages (the last one counting the rest).
    """
    return await service.bulk_replace(session, audit, principal, payload)


@router.get("/placements/{placement_id}", response_model=Placement, responses=problem_responses(service.PlacementNotFound))
async def get_placement(placement_id: PlacementId, session: DbSession, principal: RecordsRead) -> JSONResponse:
    """One placement, with its ETag."""
    return etag_response(Placement.model_validate(await service.get_placement(session, principal, placement_id)))


@router.patch(
    "/placements/{placement_id}",
    response_model=Placement,
    responses=problem_responses(service.PlacementNotFound, service.PlacementOverlap, PreconditionFailed, PreconditionRequired),
)
async def update_placement(
    placement_id: PlacementId,
    payload: PlacementUpdate,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: RecordsWrite,
) -> JSONResponse:
    """End a placement (set its last day). Requires If-Match."""
    placement = await service.get_placement(session, principal, placement_id)
    if_match.check(placement.version)
    return etag_response(Placement.model_validate(await service.update_placement(session, audit, principal, placement, payload)))


@router.post(
    "/people/{person_id}/recruitment",
    status_code=201,
    response_model=RecruitmentResult,
    tags=["people"],
    responses=problem_responses(
        people_service.PersonNotFound,
        service.NotNonSpecialised,
        service.StandardsNotMet,
        service.PositionNotApproved,
        service.PlacementOverlap,
        PreconditionFailed,
        PreconditionRequired,
    ),
)
async def recruit(
    person_id: Annotated[uuid.UUID, Path(description="The person's internal id")],
    payload: Recruitment,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: RecordsWrite,
) -> RecruitmentResult:
    """Recruit a former non-specialised commune worker as a civil servant into an approved position. Requires If-Match."""
    person = await people_service.get_person(session, principal, person_id)
    if_match.check(person.version)
    return await service.recruit(session, audit, principal, person, payload)
