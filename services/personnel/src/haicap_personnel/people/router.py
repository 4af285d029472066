"""HTTP routes of people (published under ``/api/v1/personnel``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from haicap_shared.audit import Audit
from haicap_shared.db import DbSession
from haicap_shared.errors import BadRequest, PreconditionFailed, PreconditionRequired, UpstreamUnavailable, problem_responses
from haicap_shared.idempotency import Idempotency, IdempotencyKeyReused
from haicap_shared.import_runs import ImportRejected
from haicap_shared.imports import IMPORT_PROBLEMS, IMPORT_REQUEST_BODY, ImportUpload
from haicap_shared.paging import Cursor, Limit, Page
from haicap_shared.personal_data import RevealNotAllowed
from haicap_shared.tabular import ImportReport
from haicap_shared.versioning import IfMatch, etag_response

from ..agency_ref import AgencyNotFound, Org
from ..common import COMMON_PROBLEMS, CommuneCodeQuery, ProvinceCodeQuery
from . import service
from .access import RecordsRead, RecordsWrite
from .models import Category, EducationLevel
from .schemas import Person, PersonCreate, PersonFilter, PersonUpdate

router = APIRouter(tags=["people"], responses=COMMON_PROBLEMS)
PersonId = Annotated[uuid.UUID, Path(description="The person's internal id")]


@router.get("/people", response_model=Page[Person], responses=problem_responses(BadRequest))
async def list_people(
    session: DbSession,
    principal: RecordsRead,
    province: ProvinceCodeQuery = None,
    commune: CommuneCodeQuery = None,
    agency_id: uuid.UUID | None = None,
    category: Category | None = None,
    education_level: EducationLevel | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Name search, diacritics-insensitive")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[Person]:
    """List the people in your area (national ids masked), keyset-paginated by id."""
    filters = PersonFilter(
        province=province,
        commune=commune,
        agency_id=agency_id,
        category=category,
        education_level=education_level,
        q=q,
    )
    return await service.list_people(session, principal, filters, limit=limit, cursor=cursor)


@router.post(
    "/people",
    status_code=201,
    response_model=Person,
    responses=problem_responses(service.NationalIdTaken, AgencyNotFound, UpstreamUnavailable, IdempotencyKeyReused),
)
async def create_person(
    payload: PersonCreate, session: DbSession, audit: Audit, org: Org, principal: RecordsWrite, idempotency: Idempotency
) -> JSONResponse:
    """Record a person of an agency in your area; the national id is checked and must be unique."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    person = service.person_out(await service.create_person(session, audit, org, principal, payload))
    return await idempotency.created(person, location=f"people/{person.id}")


@router.post(
    "/people/imports",
    status_code=201,
    response_model=ImportReport,
    responses=problem_responses(ImportRejected, *IMPORT_PROBLEMS, UpstreamUnavailable),
    openapi_extra=IMPORT_REQUEST_BODY,
)
async def import_people_file(
    session: DbSession,
    audit: Audit,
    org: Org,
    principal: RecordsWrite,
    upload: ImportUpload,
    partial: Annotated[bool, Query(description="Write the good rows even if some have problems")] = False,
) -> ImportReport:
    """Import people from CSV or XLSX; every row checked, a per-row report, nothing written unless all pass (or partial)."""
    return await service.import_people(session, audit, org, principal, upload, partial=partial)


@router.get("/people/{person_id}", response_model=Person, responses=problem_responses(service.PersonNotFound, RevealNotAllowed))
async def get_person(
    person_id: PersonId,
    session: DbSession,
    audit: Audit,
    principal: RecordsRead,
    reveal: Annotated[bool, Query(description="Show the national id unmasked (roles that handle records; audited)")] = False,
) -> JSONResponse:
    """One person, with their ETag; `reveal=true` unmasks the national id and is audited."""
    return etag_response(await service.read_person(session, audit, principal, person_id, revealed=reveal))


@router.patch(
    "/people/{person_id}",
    response_model=Person,
    responses=problem_responses(
        service.PersonNotFound,
        service.NationalIdTaken,
        service.InvalidNationalId,
        AgencyNotFound,
        PreconditionFailed,
        PreconditionRequired,
        UpstreamUnavailable,
    ),
)
async def update_person(
    person_id: PersonId,
    payload: PersonUpdate,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    org: Org,
    principal: RecordsWrite,
) -> JSONResponse:
    """Change a person's record (history in the audit log). Requires If-Match."""
    person = await service.get_person(session, principal, person_id)
    if_match.check(person.version)
    return etag_response(service.person_out(await service.update_person(session, audit, org, principal, person, payload)))
