"""HTTP routes of career events, their documents, and a person's history."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from haicap_shared.audit import Audit
from haicap_shared.db import DbSession
from haicap_shared.errors import (
    BadRequest,
    PreconditionFailed,
    PreconditionRequired,
    UpstreamUnavailable,
    ValidationFailed,
    problem_responses,
)
from haicap_shared.idempotency import Idempotency, IdempotencyKeyReused
from haicap_shared.import_runs import ImportRejected
from haicap_shared.imports import IMPORT_PROBLEMS, IMPORT_REQUEST_BODY, ImportUpload
from haicap_shared.paging import Cursor, Limit, Page
from haicap_shared.tabular import ImportReport
from haicap_shared.values import IsoDate
from haicap_shared.versioning import IfMatch, etag_response

from ..agency_ref import AgencyNotFound, Org
from ..codelists.service import UnknownCode
from ..common import COMMON_PROBLEMS, CommuneCodeQuery, ProvinceCodeQuery
from ..settings import PersonnelSettings
from . import service
from .access import AdminWrite, RecordsRead, RecordsWrite
from .documents import PDF, DocumentStore, digest_header, store_for
from .history import history_csv, history_xlsx
from .models import CareerEventType
from .schemas import CareerEvent, CareerEventCreate, CareerEventFilter, CareerEventUpdate, PersonHistory

router = APIRouter(tags=["careers"], responses=COMMON_PROBLEMS)
CareerEventId = Annotated[uuid.UUID, Path(description="The career event's internal id")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WRITE_PROBLEMS = (
    service.PersonMissing,
    service.InvalidCareerEvent,
    UnknownCode,
    AgencyNotFound,
    UpstreamUnavailable,
)


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


def _store(request: Request) -> DocumentStore:
    store: DocumentStore | None = getattr(request.app.state, "document_store", None)
    if store is None:
        store = request.app.state.document_store = store_for(request.app.state.settings)
    return store


async def _pdf_body(request: Request) -> bytes:
    """The request's body, a PDF of at most the service's ``documents_max_bytes``, counted as it arrives."""
    settings: PersonnelSettings = request.app.state.settings
    limit = settings.documents_max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise service.DocumentTooLarge(limit)
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != PDF:
        raise service.NotAPdf("Send the document with Content-Type: application/pdf")
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > limit:
            raise service.DocumentTooLarge(limit)
    content = bytes(received)
    service.check_document(content, limit)
    return content


PDF_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The decision as a PDF file (at most the service's `documents_max_bytes`, 20 MB by default)",
        "content": {PDF: {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.get("/career-events", response_model=Page[CareerEvent], responses=problem_responses(BadRequest))
async def list_career_events(
    session: DbSession,
    principal: RecordsRead,
    person_id: uuid.UUID | None = None,
    type: Annotated[CareerEventType | None, Query(description="Only events of this type")] = None,
    province: ProvinceCodeQuery = None,
    commune: CommuneCodeQuery = None,
    effective_from: Annotated[IsoDate | None, Query(description="Only events taking effect on or after this day")] = None,
    effective_to: Annotated[IsoDate | None, Query(description="Only events taking effect on or before this day")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[CareerEvent]:
    """List the career events in your area, by effective date."""
    filters = CareerEventFilter(
        person_id=person_id,
        type=type,
        province=province,
        commune=commune,
        effective_from=effective_from,
        effective_to=effective_to,
    )
    return await service.list_events(session, principal, filters, limit=limit, cursor=cursor)


@router.post(
    "/career-events",
    status_code=201,
    response_model=CareerEvent,
    responses=problem_responses(*WRITE_PROBLEMS, IdempotencyKeyReused),
)
async def create_career_event(
    payload: CareerEventCreate, session: DbSession, audit: Audit, org: Org, principal: RecordsWrite, idempotency: Idempotency
) -> JSONResponse:
    """Record a career event of a person of your area, with the decision that made it."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    event = await service.create_event(session, audit, org, principal, payload)
    body = await service.read_event(session, event)
    return await idempotency.created(body, location=f"career-events/{body.id}")


@router.post(
    "/career-events/imports",
    status_code=201,
    response_model=ImportReport,
    # NOTE: the file is the whole body; a malformed multipart body is a 422 too.
    responses=problem_responses(ImportRejected, *IMPORT_PROBLEMS, UpstreamUnavailable, ValidationFailed),
    openapi_extra=IMPORT_REQUEST_BODY,
)
async def import_career_events(
    session: DbSession, audit: Audit, org: Org, principal: RecordsWrite, upload: ImportUpload
) -> ImportReport:
    """Import career events from CSV or XLSX; every row checked, a per-row report, nothing written unless all pass."""
    return await service.import_events(session, audit, org, principal, upload)


@router.get(
    "/career-events/{career_event_id}", response_model=CareerEvent, responses=problem_responses(service.CareerEventNotFound)
)
async def get_career_event(career_event_id: CareerEventId, session: DbSession, principal: RecordsRead) -> JSONResponse:
    """One career event, with its ETag."""
    event = await service.get_event(session, principal, career_event_id)
    return etag_response(await service.read_event(session, event))


@router.patch(
    "/career-events/{career_event_id}",
    response_model=CareerEvent,
    responses=problem_responses(
        service.CareerEventNotFound, *WRITE_PROBLEMS, service.InvalidCareerEventFields, PreconditionFailed, PreconditionRequired
    ),
)
async def update_career_event(
    career_event_id: CareerEventId,
    payload: CareerEventUpdate,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    org: Org,
    principal: RecordsWrite,
) -> JSONResponse:
    """Correct a career event (checked again as a whole). Requires If-Match."""
    event = await service.get_event(session, principal, career_event_id)
    if_match.check(event.version)
    event = await service.update_event(session, audit, org, principal, event, payload)
    return etag_response(await service.read_event(session, event))


@router.delete(
    "/career-events/{career_event_id}",
    status_code=204,
    responses=problem_responses(service.CareerEventNotFound, service.CareerEventInUse, PreconditionFailed, PreconditionRequired),
)
async def delete_career_event(
    career_event_id: CareerEventId, if_match: IfMatch, session: DbSession, audit: Audit, principal: AdminWrite
) -> Response:
    """Delete a wrongly recorded career event (admins; not one a placement or case names). Requires If-Match."""
    event = await service.get_event(session, principal, career_event_id)
    if_match.check(event.version)
    await service.delete_event(session, audit, principal, event)
    return Response(status_code=204)


@router.put(
    "/career-events/{career_event_id}/document",
    response_model=CareerEvent,
    responses=problem_responses(
        service.CareerEventNotFound,
        service.NotAPdf,
        service.DocumentTooLarge,
        UpstreamUnavailable,
        PreconditionFailed,
        PreconditionRequired,
    ),
    openapi_extra=PDF_BODY,
)
async def put_career_event_document(
    career_event_id: CareerEventId, request: Request, if_match: IfMatch, session: DbSession, audit: Audit, principal: RecordsWrite
) -> JSONResponse:
    """Attach the decision's PDF to a career event (stored once by its SHA-256). Requires If-Match."""
    event = await service.get_event(session, principal, career_event_id)
    if_match.check(event.version)
    content = await _pdf_body(request)
    event = await service.attach_document(session, audit, _store(request), principal, event, content)
    return etag_response(await service.read_event(session, event))


@router.get(
    "/career-events/{career_event_id}/document",
    response_class=Response,
    responses={
        200: {
            "description": "The PDF; its SHA-256 in `ETag` and `Repr-Digest`",
            "content": {PDF: {"schema": {"type": "string", "format": "binary"}}},
            "headers": {
                "ETag": {"description": "The PDF's SHA-256 in hex, quoted", "schema": {"type": "string"}},
                "Repr-Digest": {"description": "`sha-256=:<base64>:` (RFC 9530)", "schema": {"type": "string"}},
                "Digest": {"description": "`sha-256=<base64>` (the older header)", "schema": {"type": "string"}},
                "Content-Disposition": {
                    "description": 'attachment; filename="quyet-dinh-<event id>.pdf"',
                    "schema": {"type": "string"},
                },
            },
        },
        **problem_responses(service.CareerEventNotFound, service.DocumentNotFound, service.DocumentMissingFromStore),
    },
)
async def get_career_event_document(
    career_event_id: CareerEventId, request: Request, session: DbSession, principal: RecordsRead
) -> Response:
    """Download the decision's PDF attached to a career event."""
    event = await service.get_event(session, principal, career_event_id)
    document, content = await service.document_of(session, _store(request), event)
    digest = digest_header(document.sha256)
    # NOTE: the file name is built here from the event's id, never from text a user typed.
    return Response(
        content,
        media_type=document.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="quyet-dinh-{event.id}.pdf"',
            "ETag": f'"{document.sha256}"',
            "Repr-Digest": digest,
            "Digest": digest.replace("=:", "=").rstrip(":"),
            "Cache-Control": "private, no-store",
        },
    )


@router.delete(
    "/career-events/{career_event_id}/document",
    response_model=CareerEvent,
    responses=problem_responses(service.CareerEventNotFound, service.DocumentNotFound, PreconditionFailed, PreconditionRequired),
)
async def delete_career_event_document(
    career_event_id: CareerEventId, if_match: IfMatch, session: DbSession, audit: Audit, principal: RecordsWrite
) -> JSONResponse:
    """Detach the document from a career event (the stored file stays). Requires If-Match."""
    event = await service.get_event(session, principal, career_event_id)
    if_match.check(event.version)
    event = await service.detach_document(session, audit, principal, event)
    return etag_response(await service.read_event(session, event))


@router.get(
    "/people/{person_id}/history",
    response_model=PersonHistory,
    tags=["people"],
    responses={
        200: {
            "description": "The history as `format` asks: JSON (the default), CSV (UTF-8 with a BOM) or XLSX",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX: {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **problem_responses(service.PersonNotFound),
    },
)
async def get_person_history(
    person_id: Annotated[uuid.UUID, Path(description="The person's internal id")],
    session: DbSession,
    principal: RecordsRead,
    format: Annotated[Format, Query(description="`json` (default), `csv` or `xlsx`")] = Format.JSON,
) -> Response:
    """A person's career events, evaluations, commendations and disciplines, one ordered list."""
    history = await service.person_history(session, principal, person_id)
    name = f"qua-trinh-{history.person_id}"
    if format is Format.CSV:
        return Response(
            history_csv(history),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if format is Format.XLSX:
        return Response(
            history_xlsx(history), media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'}
        )
    return JSONResponse(history.model_dump(mode="json"))
