"""HTTP routes of consents, dossiers, the person's own view and discrepancies (under ``/api/v1/personnel``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from haicap_shared.audit import Audit
from haicap_shared.db import DbSession
from haicap_shared.errors import BadRequest, PreconditionFailed, PreconditionRequired, UpstreamUnavailable, problem_responses
from haicap_shared.idempotency import Idempotency, IdempotencyKeyReused
from haicap_shared.paging import Cursor, Limit, Page
from haicap_shared.personal_data import RevealNotAllowed
from haicap_shared.versioning import IfMatch, etag_response

from ..agency_ref import AgencyNotFound, Org
from ..common import COMMON_PROBLEMS
from ..people.service import PersonNotFound
from . import service
from .access import (
    ConsentRead,
    ConsentWrite,
    NoPersonInToken,
    NotYourRecord,
    OwnDossier,
    OwnDossierWrite,
    RecordsRead,
    RecordsWrite,
    own_person_id,
)
from .models import DiscrepancyStatus
from .schemas import (
    Consent,
    ConsentCreate,
    ConsentRevoke,
    Discrepancy,
    DiscrepancyCreate,
    DiscrepancyResolve,
    Dossier,
    MyConsentCreate,
)

router = APIRouter(tags=["consent"], responses=COMMON_PROBLEMS)
PersonId = Annotated[uuid.UUID, Path(description="The person's internal id")]
ConsentId = Annotated[uuid.UUID, Path(description="The consent's internal id")]
DiscrepancyId = Annotated[uuid.UUID, Path(description="The discrepancy's internal id")]
OWN = (NoPersonInToken, NotYourRecord)


# --- consents ------------------------------------------------------------------------------


@router.post(
    "/consents",
    status_code=201,
    response_model=Consent,
    responses=problem_responses(service.PersonMissing, AgencyNotFound, UpstreamUnavailable, IdempotencyKeyReused),
)
async def create_consent(
    payload: ConsentCreate, session: DbSession, audit: Audit, org: Org, principal: RecordsWrite, idempotency: Idempotency
) -> JSONResponse:
    """Record a person's written consent that an agency reads groups of their dossier, until a date (at most 5 years)."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    consent = Consent.model_validate(await service.create_consent(session, audit, org, principal, payload, payload.person_id))
    return await idempotency.created(consent, location=f"consents/{consent.id}")


@router.get("/consents/{consent_id}", response_model=Consent, responses=problem_responses(service.ConsentNotFound, *OWN))
async def get_consent(consent_id: ConsentId, session: DbSession, principal: ConsentRead) -> JSONResponse:
    """One consent, with its ETag (officers of the person's area, or the person)."""
    return etag_response(Consent.model_validate(await service.get_consent(session, principal, consent_id)))


@router.post(
    "/consents/{consent_id}/revoke",
    response_model=Consent,
    responses=problem_responses(
        service.ConsentNotFound, service.ConsentAlreadyRevoked, PreconditionFailed, PreconditionRequired, *OWN
    ),
)
async def revoke_consent(
    consent_id: ConsentId, payload: ConsentRevoke, if_match: IfMatch, session: DbSession, audit: Audit, principal: ConsentWrite
) -> JSONResponse:
    """Revoke a consent now, with the reason (officers of the person's area, or the person). Requires If-Match."""
    consent = await service.get_consent(session, principal, consent_id)
    if_match.check(consent.version)
    return etag_response(Consent.model_validate(await service.revoke_consent(session, audit, principal, consent, payload.reason)))


@router.get("/people/{person_id}/consents", response_model=Page[Consent], responses=problem_responses(PersonNotFound, BadRequest))
async def list_person_consents(
    person_id: PersonId, session: DbSession, principal: RecordsRead, limit: Limit = 100, cursor: Cursor = None
) -> Page[Consent]:
    """A person's consents (revoked and expired ones included), by id."""
    return await service.list_consents(session, principal, person_id, limit=limit, cursor=cursor)


# --- dossiers ------------------------------------------------------------------------------


@router.get(
    "/people/{person_id}/dossier",
    response_model=Dossier,
    responses=problem_responses(PersonNotFound, service.ConsentRequired, RevealNotAllowed, AgencyNotFound, UpstreamUnavailable),
)
async def read_dossier(
    person_id: PersonId,
    session: DbSession,
    audit: Audit,
    org: Org,
    principal: RecordsRead,
    on_behalf_of: Annotated[
        uuid.UUID | None,
        Query(description="Read for this agency of your area, with the person's consent: only the consented groups (audited)"),
    ] = None,
    reveal: Annotated[bool, Query(description="Show the national id unmasked (roles that handle records; audited)")] = False,
) -> Dossier:
    """A person's dossier (person, family, history); outside your area only on behalf of a consented agency."""
    return await service.read_dossier(session, audit, org, principal, person_id, on_behalf_of=on_behalf_of, revealed=reveal)


# --- the person's own view -------------------------------------------------------------------


@router.get("/me/dossier", response_model=Dossier, responses=problem_responses(PersonNotFound, NoPersonInToken))
async def read_own_dossier(session: DbSession, principal: OwnDossier) -> Dossier:
    """Your own dossier, whole, your national id in clear (role staff)."""
    return await service.own_dossier(session, principal)


@router.get("/me/consents", response_model=Page[Consent], responses=problem_responses(PersonNotFound, BadRequest, *OWN))
async def list_own_consents(
    session: DbSession, principal: OwnDossier, limit: Limit = 100, cursor: Cursor = None
) -> Page[Consent]:
    """The consents you gave (revoked and expired ones included), by id."""
    return await service.list_consents(session, principal, own_person_id(principal), limit=limit, cursor=cursor)


@router.post(
    "/me/consents",
    status_code=201,
    response_model=Consent,
    responses=problem_responses(service.PersonMissing, AgencyNotFound, UpstreamUnavailable, IdempotencyKeyReused, *OWN),
)
async def create_own_consent(
    payload: MyConsentCreate, session: DbSession, audit: Audit, org: Org, principal: OwnDossierWrite, idempotency: Idempotency
) -> JSONResponse:
    """Consent that an agency reads groups of your dossier, until a date (at most 5 years)."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    person_id = own_person_id(principal)
    consent = Consent.model_validate(await service.create_consent(session, audit, org, principal, payload, person_id))
    return await idempotency.created(consent, location=f"consents/{consent.id}")


@router.post(
    "/me/discrepancies",
    status_code=201,
    response_model=Discrepancy,
    responses=problem_responses(service.PersonMissing, IdempotencyKeyReused, NoPersonInToken),
)
async def flag_discrepancy(
    payload: DiscrepancyCreate, session: DbSession, audit: Audit, principal: OwnDossierWrite, idempotency: Idempotency
) -> JSONResponse:
    """Say what is wrong in your dossier; its group's changes not yet sent go back to verification."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    discrepancy = Discrepancy.model_validate(await service.flag_discrepancy(session, audit, principal, payload))
    return await idempotency.created(discrepancy, location=f"discrepancies/{discrepancy.id}")


@router.get("/me/discrepancies", response_model=Page[Discrepancy], responses=problem_responses(BadRequest, NoPersonInToken))
async def list_own_discrepancies(
    session: DbSession, principal: OwnDossier, status: DiscrepancyStatus | None = None, limit: Limit = 100, cursor: Cursor = None
) -> Page[Discrepancy]:
    """The discrepancies you flagged, by id."""
    return await service.list_discrepancies(session, principal, status=status, person_id=None, limit=limit, cursor=cursor)


# --- discrepancies -------------------------------------------------------------------------


@router.get("/discrepancies", response_model=Page[Discrepancy], responses=problem_responses(BadRequest))
async def list_discrepancies(
    session: DbSession,
    principal: RecordsRead,
    status: DiscrepancyStatus | None = None,
    person_id: uuid.UUID | None = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[Discrepancy]:
    """The discrepancies people of your area flagged in their dossiers, by id."""
    return await service.list_discrepancies(session, principal, status=status, person_id=person_id, limit=limit, cursor=cursor)


@router.get(
    "/discrepancies/{discrepancy_id}", response_model=Discrepancy, responses=problem_responses(service.DiscrepancyNotFound, *OWN)
)
async def get_discrepancy(discrepancy_id: DiscrepancyId, session: DbSession, principal: ConsentRead) -> JSONResponse:
    """One discrepancy, with its ETag (officers of the person's area, or the person)."""
    return etag_response(Discrepancy.model_validate(await service.get_discrepancy(session, principal, discrepancy_id)))


@router.post(
    "/discrepancies/{discrepancy_id}/resolve",
    response_model=Discrepancy,
    responses=problem_responses(
        service.DiscrepancyNotFound, service.DiscrepancyAlreadyResolved, PreconditionFailed, PreconditionRequired
    ),
)
async def resolve_discrepancy(
    discrepancy_id: DiscrepancyId,
    payload: DiscrepancyResolve,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: RecordsWrite,
) -> JSONResponse:
    """Resolve a discrepancy: the dossier `corrected`, or the claim `dismissed`, with a note. Requires If-Match."""
    discrepancy = await service.get_discrepancy(session, principal, discrepancy_id)
    if_match.check(discrepancy.version)
    resolved = await service.resolve_discrepancy(session, audit, principal, discrepancy, payload)
    return etag_response(Discrepancy.model_validate(resolved))
