"""HTTP routes of the national sync's reports and reconciliations (under ``/national-sync``)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from haicap_shared.audit import Audit
from haicap_shared.db import DbSession
from haicap_shared.errors import BadRequest, problem_responses
from haicap_shared.paging import Cursor, Limit, Page
from haicap_shared.personal_data import RevealNotAllowed
from haicap_shared.validity import InvalidPeriod
from haicap_shared.values import IsoDate
from haicap_shared.versioning import etag_response

from ..common import COMMON_PROBLEMS, CommuneCodeQuery, ProvinceCodeQuery
from . import importer, repository, service
from .access import RecordsRead, RecordsWrite
from .models import DifferenceKind
from .schemas import Difference, OnTimeReport, OverdueReport, Reconciliation, RejectedReport

router = APIRouter(prefix="/national-sync", tags=["national sync reports"], responses=COMMON_PROBLEMS)

ReconciliationId = Annotated[uuid.UUID, Path(description="The reconciliation's id")]
AgencyQuery = Annotated[uuid.UUID | None, Query(description="Only the changes of this agency")]
ReportLimit = Annotated[int, Query(ge=1, le=500, description="Page size of the items (1 to 500)")]

EXPORT_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The national side's export: JSON lines in haicap's dossier change record format "
        "(`haicap.dossier-change-record.v1`), as the body itself (any Content-Type, e.g. `application/x-ndjson`), "
        "plain or gzip-compressed. Limits: "
        f"{importer.DEFAULT_LIMITS.max_upload_bytes} bytes uploaded, "
        f"{importer.DEFAULT_LIMITS.max_decompressed_bytes} decompressed, "
        f"{importer.DEFAULT_LIMITS.max_line_bytes} a line, {importer.DEFAULT_LIMITS.max_lines} lines.",
        # NOTE: one binary media type: the body is read as bytes whatever its Content-Type
        # (`application/x-ndjson` or `application/gzip` say the same), gzip told by its magic bytes.
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


def _area(province: str | None, commune: str | None, agency_id: uuid.UUID | None) -> repository.AreaFilter:
    return repository.AreaFilter(province=province, commune=commune, agency_id=agency_id)


@router.get("/reports/overdue", response_model=OverdueReport, responses=problem_responses(BadRequest))
async def overdue_report(
    session: DbSession,
    principal: RecordsRead,
    as_of: Annotated[IsoDate | None, Query(description="The day (default: today in Vietnam)")] = None,
    province: ProvinceCodeQuery = None,
    commune: CommuneCodeQuery = None,
    agency_id: AgencyQuery = None,
    limit: ReportLimit = 100,
    cursor: Cursor = None,
) -> OverdueReport:
    """Changes overdue on a day, by agency and commune, with days overdue in working days."""
    return await service.overdue_report(
        session, principal, _area(province, commune, agency_id), as_of=as_of, limit=limit, cursor=cursor
    )


@router.get(
    "/reports/rejected",
    response_model=RejectedReport,
    responses=problem_responses(BadRequest, InvalidPeriod, service.PeriodTooLong),
)
async def rejected_report(
    session: DbSession,
    principal: RecordsRead,
    arose_from: Annotated[IsoDate | None, Query(alias="from", description="Only changes that arose on or after")] = None,
    arose_to: Annotated[IsoDate | None, Query(alias="to", description="Only changes that arose on or before")] = None,
    province: ProvinceCodeQuery = None,
    commune: CommuneCodeQuery = None,
    agency_id: AgencyQuery = None,
    limit: ReportLimit = 100,
    cursor: Cursor = None,
) -> RejectedReport:
    """Changes the national side rejected, by agency and commune and by its reasons."""
    return await service.rejected_report(
        session,
        principal,
        _area(province, commune, agency_id),
        arose_from=arose_from,
        arose_to=arose_to,
        limit=limit,
        cursor=cursor,
    )


@router.get(
    "/reports/on-time",
    response_model=OnTimeReport,
    responses=problem_responses(BadRequest, InvalidPeriod, service.PeriodTooLong),
)
async def on_time_report(
    session: DbSession,
    principal: RecordsRead,
    arose_from: Annotated[IsoDate, Query(alias="from", description="First day of the period (changes arising)")],
    arose_to: Annotated[IsoDate, Query(alias="to", description="Last day of the period (at most 366 days)")],
    province: ProvinceCodeQuery = None,
    commune: CommuneCodeQuery = None,
    agency_id: AgencyQuery = None,
) -> OnTimeReport:
    """The share of the changes arising in a period acknowledged by their due date."""
    return await service.on_time_report(
        session, principal, _area(province, commune, agency_id), arose_from=arose_from, arose_to=arose_to
    )


async def _export_body(request: Request) -> AsyncIterator[Any]:
    raw = await importer.spool(request.stream())
    try:
        yield raw
    finally:
        raw.close()


ExportBody = Annotated[Any, Depends(_export_body)]


@router.post(
    "/reconciliations",
    status_code=201,
    response_model=Reconciliation,
    responses=problem_responses(
        importer.ExportTooLarge, importer.ExportLineTooLong, importer.ExportTooManyLines, importer.ExportUnreadable
    ),
    openapi_extra=EXPORT_REQUEST_BODY,
)
async def reconcile(
    session: DbSession,
    audit: Audit,
    principal: RecordsWrite,
    body: ExportBody,
    filename: Annotated[str, Query(min_length=1, max_length=200, description="The export's file name, kept")] = "export.jsonl",
) -> JSONResponse:
    """Compare a national-side export with haicap's records in your area and keep the differences."""
    reconciliation = await service.reconcile(session, audit, principal, filename=filename, raw=body)
    return etag_response(
        Reconciliation.model_validate(reconciliation),
        status_code=201,
        headers={"Location": f"reconciliations/{reconciliation.id}"},
    )


@router.get("/reconciliations", response_model=Page[Reconciliation], responses=problem_responses(BadRequest))
async def list_reconciliations(
    session: DbSession, principal: RecordsRead, limit: Limit = 100, cursor: Cursor = None
) -> Page[Reconciliation]:
    """List the reconciliations made in your area, the oldest first."""
    return await service.list_reconciliations(session, principal, limit=limit, cursor=cursor)


@router.get(
    "/reconciliations/{reconciliation_id}",
    response_model=Reconciliation,
    responses=problem_responses(service.ReconciliationNotFound),
)
async def get_reconciliation(reconciliation_id: ReconciliationId, session: DbSession, principal: RecordsRead) -> JSONResponse:
    """One reconciliation with its counts of differences."""
    reconciliation = await service.get_reconciliation(session, principal, reconciliation_id)
    return etag_response(Reconciliation.model_validate(reconciliation))


@router.get(
    "/reconciliations/{reconciliation_id}/differences",
    response_model=Page[Difference],
    responses=problem_responses(service.ReconciliationNotFound, RevealNotAllowed, BadRequest),
)
async def list_differences(
    reconciliation_id: ReconciliationId,
    session: DbSession,
    audit: Audit,
    principal: RecordsRead,
    kind: DifferenceKind | None = None,
    reveal: Annotated[bool, Query(description="National ids unmasked (roles that handle records; audited)")] = False,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[Difference]:
    """One page of a reconciliation's differences; national ids masked unless revealed."""
    return await service.list_differences(
        session, audit, principal, reconciliation_id, kind=kind, reveal=reveal, limit=limit, cursor=cursor
    )
