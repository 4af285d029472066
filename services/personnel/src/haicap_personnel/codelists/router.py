"""Official code lists: routes."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from haicap_shared.db import DbSession
from haicap_shared.errors import BadRequest, problem_responses
from haicap_shared.paging import Cursor, Limit, Page
from haicap_shared.versioning import if_none_match_names

from ..common import COMMON_PROBLEMS
from . import service
from .access import CodeListsRead, MappingIssuesRead
from .schemas import CodeList, CodeLists, MappingIssue

router = APIRouter(tags=["code lists"], responses=COMMON_PROBLEMS)

CACHE_CONTROL = "private, max-age=300"


def _cached(request: Request, body: BaseModel) -> Response:
    """``body`` with an ETag of its content, or 304 when the caller already holds that content."""
    content = body.model_dump_json().encode()
    tag = f'"{hashlib.sha256(content).hexdigest()[:32]}"'
    headers = {"ETag": tag, "Cache-Control": CACHE_CONTROL}
    if if_none_match_names(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    return JSONResponse(body.model_dump(mode="json"), headers=headers)


@router.get(
    "/code-lists",
    response_model=CodeLists,
    operation_id="personnel.codeLists.list",
    responses={304: {"description": "Not modified (If-None-Match)"}},
)
async def list_code_lists(request: Request, session: DbSession, principal: CodeListsRead) -> Response:
    """The official code lists, with their sources and entry counts; cacheable by ETag."""
    return _cached(request, await service.summaries(session))


@router.get(
    "/code-lists/mapping-issues",
    response_model=Page[MappingIssue],
    responses=problem_responses(BadRequest),
)
async def list_mapping_issues(
    session: DbSession,
    principal: MappingIssuesRead,
    record_type: Annotated[str | None, Query(max_length=50, description="e.g. `job_position`, `person`")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[MappingIssue]:
    """The free-text values the migrations could not map to a code, kept as they were."""
    return await service.mapping_issues(session, principal, record_type, limit=limit, cursor=cursor)


@router.get(
    "/code-lists/{list_name}",
    response_model=CodeList,
    responses={**problem_responses(service.CodeListNotFound, BadRequest), 304: {"description": "Not modified (If-None-Match)"}},
)
async def get_code_list(
    request: Request,
    session: DbSession,
    principal: CodeListsRead,
    list_name: Annotated[str, Path(max_length=40, description="e.g. `ethnicity`, `civil-service-grade`")],
    as_of: Annotated[date | None, Query(description="The day the entries are valid on; today by default")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Name or code search, diacritics-insensitive")] = None,
) -> Response:
    """The entries of one code list valid on a day; cacheable by ETag."""
    return _cached(request, await service.entries(session, list_name, as_of, q))
