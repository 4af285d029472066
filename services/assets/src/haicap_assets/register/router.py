"""HTTP routes of the asset register (published under ``/api/v1/assets``)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from haicap_shared.audit import Audit
from haicap_shared.auth import NotAuthenticated, OutsideArea, RoleNotAllowed
from haicap_shared.codes import CommuneCode, ProvinceCode
from haicap_shared.db import DbSession
from haicap_shared.errors import (
    BadRequest,
    PreconditionFailed,
    PreconditionRequired,
    UpstreamUnavailable,
    problem_responses,
)
from haicap_shared.idempotency import Idempotency, IdempotencyKeyReused
from haicap_shared.import_runs import ImportRejected
from haicap_shared.imports import IMPORT_PROBLEMS, IMPORT_REQUEST_BODY, ImportUpload
from haicap_shared.linked_data import JsonLdWanted, jsonld_responses
from haicap_shared.paging import Cursor, Limit, Page
from haicap_shared.tabular import ImportReport
from haicap_shared.versioning import IfMatch, etag_response

from ..allocations import service as allocation_service
from ..holders import HolderNotAllowed, HolderNotInForce
from ..org_client import HolderNotFound, Org
from . import linked_data, repository, service
from .access import RecordsRead, RecordsWrite
from .models import AssetKind, AssetStatus, HolderKind
from .schemas import Asset, AssetCreate, AssetUpdate, History

router = APIRouter(tags=["assets"], responses=problem_responses(NotAuthenticated, RoleNotAllowed, OutsideArea))

AssetId = Annotated[uuid.UUID, Path(description="The asset's internal id")]
HOLDER_PROBLEMS = (HolderNotFound, HolderNotInForce, HolderNotAllowed, UpstreamUnavailable)


@router.get(
    "/assets",
    response_model=Page[Asset],
    responses=problem_responses(BadRequest, UpstreamUnavailable)
    | jsonld_responses("The page's premises as org:Site (W3C ORG) when JSON-LD is asked for; other kinds left out"),
)
async def list_assets(
    session: DbSession,
    principal: RecordsRead,
    org: Org,
    ld: JsonLdWanted,
    province: Annotated[ProvinceCode | None, Query(description="Province where it stands")] = None,
    commune: Annotated[CommuneCode | None, Query(description="Commune where it stands")] = None,
    kind: AssetKind | None = None,
    status: AssetStatus | None = None,
    holder_kind: HolderKind | None = None,
    holder_id: uuid.UUID | None = None,
    holder_unit_id: Annotated[uuid.UUID | None, Query(description="Held by this unit or one of its agencies")] = None,
    holder_commune: Annotated[CommuneCode | None, Query(description="Held by this commune or its agencies")] = None,
    plate: Annotated[str | None, Query(max_length=20, description="Normalised plate, e.g. 11A-123.45")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Code, name, plate or address; diacritics-insensitive")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[Asset] | JSONResponse:
    """List the assets in your area, ordered by code."""
    filters = repository.AssetFilter(
        province=province,
        commune=commune,
        kind=kind,
        status=status,
        holder_kind=holder_kind,
        holder_id=holder_id,
        holder_unit_id=holder_unit_id,
        holder_commune=holder_commune,
        plate=plate,
        q=q,
    )
    page = await service.list_assets(session, principal, filters, limit=limit, cursor=cursor)
    return await linked_data.sites_page_document(org, ld, page) if ld.wanted else page


@router.post(
    "/assets",
    status_code=201,
    response_model=Asset,
    responses=problem_responses(
        *HOLDER_PROBLEMS,
        service.LocationNotFound,
        service.AssetCodeTaken,
        allocation_service.CarNormExceeded,
        allocation_service.CarPriceOverNorm,
        IdempotencyKeyReused,
    ),
)
async def create_asset(
    payload: AssetCreate, session: DbSession, audit: Audit, principal: RecordsWrite, org: Org, idempotency: Idempotency
) -> JSONResponse:
    """Record an asset with its first holder (checked with org-structure)."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    asset = Asset.model_validate(await service.create_asset(session, audit, principal, org, payload))
    return await idempotency.created(asset, location=f"assets/{asset.id}")


@router.post(
    "/assets/imports",
    status_code=201,
    response_model=ImportReport,
    responses=problem_responses(ImportRejected, *IMPORT_PROBLEMS, UpstreamUnavailable),
    openapi_extra=IMPORT_REQUEST_BODY,
)
async def import_assets(
    session: DbSession,
    audit: Audit,
    principal: RecordsWrite,
    org: Org,
    upload: ImportUpload,
    partial: Annotated[bool, Query(description="Write the good rows even if some have problems")] = False,
) -> ImportReport:
    """Import assets from CSV or XLSX with their holders; every row checked, nothing written unless all pass (or partial)."""
    return await service.import_assets(session, audit, principal, org, upload, partial=partial, today=date.today())


@router.get(
    "/assets/{asset_id}",
    response_model=Asset,
    responses=problem_responses(service.AssetNotFound, HolderNotFound, UpstreamUnavailable)
    | jsonld_responses("Premises as an org:Site (W3C ORG) when JSON-LD is asked for; other kinds answer JSON"),
)
async def get_asset(asset_id: AssetId, session: DbSession, principal: RecordsRead, org: Org, ld: JsonLdWanted) -> JSONResponse:
    """One asset, with its ETag."""
    asset = Asset.model_validate(await service.get_asset(session, principal, asset_id))
    if ld.wanted and linked_data.has_linked_data(asset):
        return await linked_data.site_document(org, ld, asset)
    return etag_response(asset)


@router.patch(
    "/assets/{asset_id}",
    response_model=Asset,
    responses=problem_responses(
        service.AssetNotFound,
        service.AssetDisposed,
        service.StatusLockedByDisposition,
        service.InvalidAsset,
        service.LocationNotFound,
        UpstreamUnavailable,
        PreconditionFailed,
        PreconditionRequired,
    ),
)
async def update_asset(
    asset_id: AssetId,
    payload: AssetUpdate,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: RecordsWrite,
    org: Org,
) -> JSONResponse:
    """Change an asset's description, values, location or status (in use / surplus). Requires If-Match."""
    asset = await service.get_asset(session, principal, asset_id)
    if_match.check(asset.version)
    return etag_response(
        Asset.model_validate(await service.update_asset(session, audit, principal, org, asset, payload, date.today()))
    )


@router.get("/assets/{asset_id}/history", response_model=History, responses=problem_responses(service.AssetNotFound))
async def get_history(asset_id: AssetId, session: DbSession, principal: RecordsRead) -> History:
    """Everything that happened to the asset, oldest first, and its holders over time."""
    return await service.history(session, principal, asset_id)
