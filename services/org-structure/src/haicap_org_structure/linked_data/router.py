"""HTTP routes of the linked open data export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from haicap_shared.auth import NotAuthenticated, RoleNotAllowed
from haicap_shared.codes import ProvinceCode
from haicap_shared.db import DbSession
from haicap_shared.errors import problem_responses
from haicap_shared.linked_data import (
    CONTEXT,
    CONTEXT_PATH,
    JSONLD,
    NTRIPLES,
    Iris,
    JsonLdResponse,
    jsonld_stream,
    ntriples_stream,
)
from haicap_shared.values import IsoDate

from . import service
from .access import ContextRead, ExportRead
from .schemas import ExportFormat

router = APIRouter(tags=["linked-data"])


@router.get(
    CONTEXT_PATH,
    response_model=dict[str, Any],
    response_class=JsonLdResponse,
    dependencies=[ContextRead],
)
async def get_context() -> JsonLdResponse:
    """The JSON-LD context every linked data document of haicap names (public, no token needed)."""
    return JsonLdResponse(CONTEXT, headers={"Cache-Control": "public, max-age=86400"})


@router.get(
    "/linked-data/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The province's organisation: one JSON-LD document (`jsonld`) or N-Triples (`nt`), streamed",
            "content": {JSONLD: {"schema": {"type": "object"}}, NTRIPLES: {"schema": {"type": "string"}}},
        },
        **problem_responses(NotAuthenticated, RoleNotAllowed, service.ProvinceNotFound),
    },
)
async def export_province(
    request: Request,
    session: DbSession,
    _principal: ExportRead,
    province: Annotated[ProvinceCode, Query(description="Province code, e.g. `04` for Cao Bằng")],
    as_of: Annotated[
        IsoDate | None, Query(description="Only units and agencies in force on this date, changes effective by then")
    ] = None,
    format: Annotated[ExportFormat, Query(description="`jsonld` (default) or `nt` (N-Triples)")] = ExportFormat.JSONLD,
) -> StreamingResponse:
    """Every unit, change and agency of a province (former and current) as linked data, streamed."""
    await service.check_province(session, province)
    iris = Iris.of(request.app.state.settings.public_base_url)
    batches = service.export_batches(session, iris, province, as_of)
    if format is ExportFormat.NTRIPLES:
        return StreamingResponse(ntriples_stream(batches), media_type=NTRIPLES)
    return StreamingResponse(jsonld_stream(iris.base, batches), media_type=JSONLD)
