"""HTTP routes of dispositions."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from haicap_shared.audit import Audit
from haicap_shared.auth import NotAuthenticated, OutsideArea, RoleNotAllowed
from haicap_shared.codes import ProvinceCode
from haicap_shared.db import DbSession
from haicap_shared.errors import BadRequest, PreconditionFailed, PreconditionRequired, UpstreamUnavailable, problem_responses
from haicap_shared.idempotency import Idempotency, IdempotencyKeyReused
from haicap_shared.paging import Cursor, Limit, Page
from haicap_shared.procedures.catalogue import Catalogue
from haicap_shared.versioning import IfMatch, etag_response

from ..holders import HolderNotAllowed
from ..org_client import HolderNotFound, Org
from ..register import service as register_service
from ..register.models import AssetKind
from ..workflow_dossiers import DOSSIER_PROBLEMS
from . import repository, service
from .access import ProvinceWrite, RecordsRead, RecordsWrite
from .models import Disposition, DispositionStatus, Form
from .schemas import Disposition as DispositionOut
from .schemas import DispositionCreate, DispositionDecide, DispositionExecute, DispositionSubmit, FormInfo

router = APIRouter(tags=["dispositions"], responses=problem_responses(NotAuthenticated, RoleNotAllowed, OutsideArea))

DispositionId = Annotated[uuid.UUID, Path(description="The disposition's internal id")]
STEP_PROBLEMS = (
    service.DispositionNotFound,
    service.WrongStatus,
    service.DatesOutOfOrder,
    PreconditionFailed,
    PreconditionRequired,
)


def _days(request: Request) -> int:
    return int(request.app.state.settings.decision_days)


async def _response(request: Request, session: DbSession, disposition: Disposition) -> JSONResponse:
    return etag_response(await service.disposition_out(session, disposition, date.today(), _days(request)))


@router.get("/disposition-forms", response_model=list[FormInfo])
async def list_forms(_principal: RecordsRead) -> list[FormInfo]:
    """The forms of handling in their order of priority, and which need a reason."""
    return service.list_forms()


@router.get("/dispositions", response_model=Page[DispositionOut], responses=problem_responses(BadRequest))
async def list_dispositions(
    request: Request,
    session: DbSession,
    principal: RecordsRead,
    province: ProvinceCode | None = None,
    asset_id: uuid.UUID | None = None,
    asset_kind: AssetKind | None = None,
    form: Form | None = None,
    status: DispositionStatus | None = None,
    overdue: Annotated[bool, Query(description="Only submitted plans whose decision is overdue today")] = False,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[DispositionOut]:
    """List the dispositions of the assets in your area, oldest proposal first."""
    filters = repository.DispositionFilter(province=province, asset_id=asset_id, asset_kind=asset_kind, form=form, status=status)
    return await service.list_dispositions(
        session, principal, filters, overdue=overdue, today=date.today(), decision_days=_days(request), limit=limit, cursor=cursor
    )


@router.post(
    "/dispositions",
    status_code=201,
    response_model=DispositionOut,
    responses=problem_responses(
        register_service.AssetNotFound,
        register_service.AssetDisposed,
        service.DispositionOpen,
        service.ReasonRequired,
        service.ReceiverRequired,
        HolderNotFound,
        HolderNotAllowed,
        UpstreamUnavailable,
        IdempotencyKeyReused,
    ),
)
async def propose_disposition(
    payload: DispositionCreate,
    request: Request,
    session: DbSession,
    audit: Audit,
    principal: RecordsWrite,
    org: Org,
    idempotency: Idempotency,
) -> JSONResponse:
    """Propose a plan for an asset (one open plan per asset; lower-priority forms need a reason)."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    disposition = await service.propose(session, audit, principal, org, payload)
    body = service.present(disposition, date.today(), _days(request))
    return await idempotency.created(body, location=f"dispositions/{body.id}")


@router.get(
    "/dispositions/{disposition_id}", response_model=DispositionOut, responses=problem_responses(service.DispositionNotFound)
)
async def get_disposition(
    disposition_id: DispositionId, request: Request, session: DbSession, principal: RecordsRead
) -> JSONResponse:
    """One disposition, with its ETag and whether its decision is overdue."""
    disposition, _asset = await service.get_disposition(session, principal, disposition_id)
    return await _response(request, session, disposition)


@router.post(
    "/dispositions/{disposition_id}/submit",
    response_model=DispositionOut,
    responses=problem_responses(*STEP_PROBLEMS, *DOSSIER_PROBLEMS, UpstreamUnavailable),
)
async def submit_disposition(
    disposition_id: DispositionId,
    payload: DispositionSubmit,
    request: Request,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: RecordsWrite,
    catalogue: Catalogue,
) -> JSONResponse:
    """Submit the complete dossier to the competent authority (with the procedure dossier it came under). Requires If-Match."""
    disposition, asset = await service.get_disposition(session, principal, disposition_id)
    if_match.check(disposition.version)
    submitted = await service.submit(session, audit, principal, disposition, asset, payload, catalogue)
    return await _response(request, session, submitted)


@router.post(
    "/dispositions/{disposition_id}/approve",
    response_model=DispositionOut,
    responses=problem_responses(*STEP_PROBLEMS, *DOSSIER_PROBLEMS),
)
async def approve_disposition(
    disposition_id: DispositionId,
    payload: DispositionDecide,
    request: Request,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: ProvinceWrite,
) -> JSONResponse:
    """Approve a submitted plan with the decision's number (province officers, admins). Requires If-Match."""
    disposition, asset = await service.get_disposition(session, principal, disposition_id)
    if_match.check(disposition.version)
    return await _response(
        request, session, await service.decide(session, audit, principal, disposition, asset, payload, approve=True)
    )


@router.post(
    "/dispositions/{disposition_id}/reject",
    response_model=DispositionOut,
    responses=problem_responses(*STEP_PROBLEMS, *DOSSIER_PROBLEMS),
)
async def reject_disposition(
    disposition_id: DispositionId,
    payload: DispositionDecide,
    request: Request,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: ProvinceWrite,
) -> JSONResponse:
    """Reject a submitted plan with the decision's number; the asset gets its former status back. Requires If-Match."""
    disposition, asset = await service.get_disposition(session, principal, disposition_id)
    if_match.check(disposition.version)
    return await _response(
        request, session, await service.decide(session, audit, principal, disposition, asset, payload, approve=False)
    )


@router.post(
    "/dispositions/{disposition_id}/execute",
    response_model=DispositionOut,
    responses=problem_responses(*STEP_PROBLEMS, service.NotApproved, service.ReceiverRequired),
)
async def execute_disposition(
    disposition_id: DispositionId,
    payload: DispositionExecute,
    request: Request,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: RecordsWrite,
) -> JSONResponse:
    """Carry out an approved plan (hand-over record); a transfer or reallocation moves the holder in the same transaction."""
    disposition, asset = await service.get_disposition(session, principal, disposition_id)
    if_match.check(disposition.version)
    return await _response(request, session, await service.execute(session, audit, principal, disposition, asset, payload))
