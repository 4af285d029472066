"""HTTP routes of job positions and their approval."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from haicap_shared.audit import Audit
from haicap_shared.db import DbSession
from haicap_shared.errors import BadRequest, PreconditionFailed, PreconditionRequired, UpstreamUnavailable, problem_responses
from haicap_shared.idempotency import Idempotency, IdempotencyKeyReused
from haicap_shared.linked_data import JsonLdWanted, jsonld_responses
from haicap_shared.paging import Cursor, Limit, Page
from haicap_shared.procedures.catalogue import Catalogue
from haicap_shared.versioning import IfMatch, etag_response

from ..agency_ref import AgencyNotFound, Org
from ..codelists.service import UnknownCode
from ..common import COMMON_PROBLEMS, ProvinceCodeQuery
from ..workflow_dossiers import DOSSIER_PROBLEMS
from . import linked_data, service
from .access import RecordsRead, RecordsWrite
from .models import PositionGroup, PositionStatus
from .schemas import JobPosition, PositionCreate, PositionEvent, PositionFilter, PositionTransition, PositionUpdate

router = APIRouter(tags=["positions"], responses=COMMON_PROBLEMS)
PositionId = Annotated[uuid.UUID, Path(description="The position's internal id")]


@router.get(
    "/positions",
    response_model=Page[JobPosition],
    responses=problem_responses(BadRequest, UpstreamUnavailable) | jsonld_responses("Posts (org:Post) when JSON-LD is asked for"),
)
async def list_positions(
    session: DbSession,
    principal: RecordsRead,
    org: Org,
    ld: JsonLdWanted,
    province: ProvinceCodeQuery = None,
    agency_id: uuid.UUID | None = None,
    status: PositionStatus | None = None,
    group: PositionGroup | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Title search, diacritics-insensitive")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[JobPosition] | JSONResponse:
    """List the job positions in your area, ordered by title."""
    filters = PositionFilter(province=province, agency_id=agency_id, status=status, group=group, q=q)
    page = await service.list_positions(session, principal, filters, limit=limit, cursor=cursor)
    return await linked_data.posts_page_document(org, ld, page) if ld.wanted else page


@router.post(
    "/positions",
    status_code=201,
    response_model=JobPosition,
    responses=problem_responses(AgencyNotFound, UnknownCode, UpstreamUnavailable, IdempotencyKeyReused),
)
async def create_position(
    payload: PositionCreate, session: DbSession, audit: Audit, org: Org, principal: RecordsWrite, idempotency: Idempotency
) -> JSONResponse:
    """Draft a job position of an agency in your area."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    position = JobPosition.model_validate(await service.create_position(session, audit, org, principal, payload))
    return await idempotency.created(position, location=f"positions/{position.id}")


@router.get(
    "/positions/{position_id}",
    response_model=JobPosition,
    responses=problem_responses(service.PositionNotFound, UpstreamUnavailable)
    | jsonld_responses("The post (org:Post) when JSON-LD is asked for"),
)
async def get_position(
    position_id: PositionId, session: DbSession, principal: RecordsRead, org: Org, ld: JsonLdWanted
) -> JSONResponse:
    """One job position, with its ETag."""
    position = await service.position_out(session, await service.get_position(session, principal, position_id))
    return await linked_data.post_document(org, ld, position) if ld.wanted else etag_response(position)


@router.patch(
    "/positions/{position_id}",
    response_model=JobPosition,
    responses=problem_responses(
        service.PositionNotFound, service.PositionNotEditable, UnknownCode, PreconditionFailed, PreconditionRequired
    ),
)
async def update_position(
    position_id: PositionId,
    payload: PositionUpdate,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: RecordsWrite,
) -> JSONResponse:
    """Change a drafting or returned position. Requires If-Match."""
    position = await service.get_position(session, principal, position_id)
    if_match.check(position.version)
    return etag_response(
        await service.position_out(session, await service.update_position(session, audit, principal, position, payload))
    )


@router.post(
    "/positions/{position_id}/transitions",
    response_model=JobPosition,
    responses=problem_responses(
        service.PositionNotFound,
        service.TransitionNotAllowed,
        *DOSSIER_PROBLEMS,
        UpstreamUnavailable,
        PreconditionFailed,
        PreconditionRequired,
    ),
)
async def transition_position(
    position_id: PositionId,
    payload: PositionTransition,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: RecordsWrite,
    catalogue: Catalogue,
) -> JSONResponse:
    """Submit (with the procedure dossier it came under), appraise, approve or return a position. Requires If-Match."""
    position = await service.get_position(session, principal, position_id)
    if_match.check(position.version)
    changed = await service.transition(session, audit, principal, position, payload, catalogue)
    return etag_response(await service.position_out(session, changed))


@router.get(
    "/positions/{position_id}/history", response_model=Page[PositionEvent], responses=problem_responses(service.PositionNotFound)
)
async def position_history(
    position_id: PositionId, session: DbSession, principal: RecordsRead, limit: Limit = 100, cursor: Cursor = None
) -> Page[PositionEvent]:
    """The approval steps of a position, oldest first."""
    return await service.history(session, principal, position_id, limit=limit, cursor=cursor)
