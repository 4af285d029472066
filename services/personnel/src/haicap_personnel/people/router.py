"""HTTP routes of people (published under ``/api/v1/personnel``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
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
from ..codelists.service import UnknownCode
from ..common import COMMON_PROBLEMS, CommuneCodeQuery, ProvinceCodeQuery
from . import service
from .access import RecordsRead, RecordsWrite
from .models import Category, EducationLevel
from .schemas import FamilyMember, FamilyMemberCreate, FamilyMemberUpdate, Person, PersonCreate, PersonFilter, PersonUpdate

router = APIRouter(tags=["people"], responses=COMMON_PROBLEMS)
PersonId = Annotated[uuid.UUID, Path(description="The person's internal id")]
FamilyMemberId = Annotated[uuid.UUID, Path(description="The family member's internal id")]
DOSSIER_PROBLEMS = (service.RecordNumberTaken, service.UnitNotFound, UnknownCode)


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
    responses=problem_responses(
        service.NationalIdTaken, *DOSSIER_PROBLEMS, AgencyNotFound, UpstreamUnavailable, IdempotencyKeyReused
    ),
)
async def create_person(
    payload: PersonCreate, session: DbSession, audit: Audit, org: Org, principal: RecordsWrite, idempotency: Idempotency
) -> JSONResponse:
    """Record a person of an agency in your area; the national id, codes and unit codes are checked."""
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
        *DOSSIER_PROBLEMS,
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


# --- family members ------------------------------------------------------------------------


@router.get(
    "/people/{person_id}/family-members",
    response_model=Page[FamilyMember],
    responses=problem_responses(service.PersonNotFound, BadRequest),
)
async def list_family_members(
    person_id: PersonId, session: DbSession, principal: RecordsRead, limit: Limit = 100, cursor: Cursor = None
) -> Page[FamilyMember]:
    """List a person's family members (quan hệ gia đình), keyset-paginated by id."""
    return await service.list_family_members(session, principal, person_id, limit=limit, cursor=cursor)


@router.post(
    "/people/{person_id}/family-members",
    status_code=201,
    response_model=FamilyMember,
    responses=problem_responses(service.PersonNotFound, service.TooManyFamilyMembers, BadRequest, IdempotencyKeyReused),
)
async def create_family_member(
    person_id: PersonId,
    payload: FamilyMemberCreate,
    session: DbSession,
    audit: Audit,
    principal: RecordsWrite,
    idempotency: Idempotency,
) -> JSONResponse:
    """Record a family member of a person in your area."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    member = service.family_member_out(await service.create_family_member(session, audit, principal, person_id, payload))
    return await idempotency.created(member, location=f"family-members/{member.id}")


@router.get("/family-members/{member_id}", response_model=FamilyMember, responses=problem_responses(service.FamilyMemberNotFound))
async def get_family_member(member_id: FamilyMemberId, session: DbSession, principal: RecordsRead) -> JSONResponse:
    """One family member, with its ETag."""
    return etag_response(service.family_member_out(await service.get_family_member(session, principal, member_id)))


@router.patch(
    "/family-members/{member_id}",
    response_model=FamilyMember,
    responses=problem_responses(service.FamilyMemberNotFound, BadRequest, PreconditionFailed, PreconditionRequired),
)
async def update_family_member(
    member_id: FamilyMemberId,
    payload: FamilyMemberUpdate,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: RecordsWrite,
) -> JSONResponse:
    """Change a family member (history in the audit log). Requires If-Match."""
    member = await service.get_family_member(session, principal, member_id)
    if_match.check(member.version)
    return etag_response(
        service.family_member_out(await service.update_family_member(session, audit, principal, member, payload))
    )


@router.delete(
    "/family-members/{member_id}",
    status_code=204,
    responses=problem_responses(service.FamilyMemberNotFound, PreconditionFailed, PreconditionRequired),
)
async def delete_family_member(
    member_id: FamilyMemberId, if_match: IfMatch, session: DbSession, audit: Audit, principal: RecordsWrite
) -> Response:
    """Remove a family member recorded in error (kept in the audit log). Requires If-Match."""
    member = await service.get_family_member(session, principal, member_id)
    if_match.check(member.version)
    await service.delete_family_member(session, audit, principal, member)
    return Response(status_code=204)
