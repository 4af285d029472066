"""The rules of consent, dossier reads, the person's own view and the discrepancies they flag.

- A consent holds from ``given_on`` to ``expires_on`` (at most 5 years) unless revoked; the
  officers of the person's area record one on the person's written consent, the person
  records their own; both may revoke it (once, with a reason).
- A dossier is read as any record in the person's area. Outside it, only on behalf of an
  agency of the caller's own area (``on_behalf_of``) that a holding consent names: the
  consented groups only, and each such read writes a ``consent_read`` audit event naming the
  consent (403 ``consent_required`` without one). ``reveal`` works and is audited as on
  ``GET /people/{id}``.
- The person (role ``staff``) reads their own dossier with their national id in clear: it is
  their own number, and checking it is one of the things the view is for.
- A discrepancy the person flags sends the changes of its group not yet sent back to
  verification (:func:`haicap_personnel.sync.service.reopen_for_review`); the officers of the
  person's area resolve it (corrected or dismissed, with a note).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, snapshot
from haicap_shared.auth import Principal, system_principal
from haicap_shared.errors import AppError, Conflict, NotFound
from haicap_shared.models import utcnow
from haicap_shared.paging import Page, page_of
from haicap_shared.personal_data import reveal
from haicap_shared.roles import Role

from ..agency_ref import AgencyNotFound, fetch_agency
from ..careers import service as careers_service
from ..decisions import HistoryEntry
from ..org_client import OrgDirectory
from ..people import repository as people_repository
from ..people import service as people_service
from ..people.access import check_person, person_in_area
from ..people.models import Person
from ..sync import service as sync_service
from ..sync.groups import Group, groups_of
from . import repository
from .access import check_discrepancy, check_own, discrepancies_visible, own_discrepancies, own_person_id
from .models import ALL_GROUPS, Consent, Discrepancy, DiscrepancyStatus
from .schemas import Consent as ConsentOut
from .schemas import Discrepancy as DiscrepancyOut
from .schemas import DiscrepancyCreate, DiscrepancyResolve, Dossier, MyConsentCreate

ENTITY_CONSENT = "consent"
ENTITY_DISCREPANCY = "discrepancy"
CONSENT_READ = "consent_read"
"""The audit action of a dossier read on behalf of another agency (no change: never published)."""

# NOTE: the history's area check is done here (the person's area, or a consent): the careers
# service is asked for the history under an actor that passes its own check.
_HISTORY_READER = system_principal("consent")


class ConsentNotFound(NotFound):
    code, title = "consent_not_found", "No such consent"


class DiscrepancyNotFound(NotFound):
    code, title = "discrepancy_not_found", "No such discrepancy"


class PersonMissing(Conflict):
    code, title = "person_not_found", "No such person"


class ConsentRequired(AppError):
    status, code, title = 403, "consent_required", "Reading this dossier needs the person's consent"


class ConsentAlreadyRevoked(Conflict):
    code, title = "consent_already_revoked", "The consent is revoked already"


class DiscrepancyAlreadyResolved(Conflict):
    code, title = "discrepancy_already_resolved", "The discrepancy is resolved already"


def scope_groups(scopes: Sequence[Sequence[str]]) -> list[Group]:
    """The groups a set of consents' scopes name together, in the groups' order (``all``: every group)."""
    named = {name for scope in scopes for name in scope}
    if ALL_GROUPS in named:
        return list(Group)
    return [group for group in Group if group.value in named]


def entry_groups(entry: HistoryEntry) -> set[Group]:
    """The dossier groups a line of the history falls in (as the national sync files it)."""
    try:
        return set(groups_of(entry.kind, {"type": entry.type}, None))
    except ValueError:
        return {Group.HISTORY}


# --- consents ------------------------------------------------------------------------------


async def _person_for(session: AsyncSession, principal: Principal, person_id: uuid.UUID) -> Person:
    """The person, checked: the caller's own (staff) or in the caller's area; 404 when unknown."""
    person = await people_repository.get_person(session, person_id)
    if person is None:
        raise people_service.PersonNotFound(f"No person has id {person_id}")
    if principal.role is Role.STAFF:
        check_own(principal, person.id, "This person's record")
    else:
        check_person(principal, person)
    return person


async def create_consent(
    session: AsyncSession,
    audit: AuditTrail,
    org: OrgDirectory,
    principal: Principal,
    data: MyConsentCreate,
    person_id: uuid.UUID,
) -> Consent:
    """Record a consent for ``person_id`` (an officer of their area, or the person themself)."""
    person = await people_repository.get_person(session, person_id)
    if person is None:
        raise PersonMissing(f"No person has id {person_id}")
    if principal.role is Role.STAFF:
        check_own(principal, person.id, "This person's record")
    else:
        check_person(principal, person)
    agency = await org.agency(data.grantee_agency_id)
    if agency is None:
        raise AgencyNotFound(f"org-structure has no agency {data.grantee_agency_id}")
    consent = Consent(
        person_id=person.id,
        grantee_agency_id=agency.id,
        grantee_name=agency.name[:300],
        scope=[str(group) for group in data.scope],
        purpose=data.purpose,
        given_on=data.given_on or date.today(),
        expires_on=data.expires_on,
        recorded_by=principal.username[:200],
        recorded_by_role=principal.role.value,
    )
    session.add(consent)
    await session.flush()
    await audit.record(
        session, principal, entity_type=ENTITY_CONSENT, entity_id=consent.id, action="create", after=snapshot(consent)
    )
    return consent


async def get_consent(session: AsyncSession, principal: Principal, consent_id: uuid.UUID) -> Consent:
    """The consent, if it is the caller's own (staff) or its person is in the caller's area."""
    consent = await repository.get_consent(session, consent_id)
    if consent is None:
        raise ConsentNotFound(f"No consent has id {consent_id}")
    if principal.role is Role.STAFF:
        check_own(principal, consent.person_id, "This consent")
    else:
        person = await people_repository.get_person(session, consent.person_id)
        assert person is not None  # NOTE: the foreign key keeps it
        check_person(principal, person)
    return consent


async def list_consents(
    session: AsyncSession, principal: Principal, person_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[ConsentOut]:
    """One page of the person's consents (revoked and expired ones included)."""
    person = await _person_for(session, principal, person_id)
    rows, next_cursor = await repository.page_consents(session, person.id, limit=limit, cursor=cursor)
    return page_of(ConsentOut, rows, next_cursor)


async def revoke_consent(
    session: AsyncSession, audit: AuditTrail, principal: Principal, consent: Consent, reason: str
) -> Consent:
    """End the consent now, with the reason; 409 if it is revoked already."""
    if consent.revoked_at is not None:
        raise ConsentAlreadyRevoked(f"The consent was revoked at {consent.revoked_at.isoformat()}")
    if principal.role is Role.STAFF:
        check_own(principal, consent.person_id, "This consent")
    before = snapshot(consent)
    consent.revoked_at = utcnow()
    consent.revoked_by = principal.username[:200]
    consent.revoked_reason = reason
    await session.flush()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_CONSENT,
        entity_id=consent.id,
        action="revoke",
        before=before,
        after=snapshot(consent),
    )
    return consent


# --- dossiers ------------------------------------------------------------------------------


async def _dossier(
    session: AsyncSession,
    person: Person,
    groups: list[Group],
    *,
    national_id_shown: bool,
    on_behalf_of: uuid.UUID | None = None,
    consents: Sequence[Consent] = (),
) -> Dossier:
    wanted = set(groups)
    family = None
    if Group.FAMILY in wanted:
        rows, _ = await people_repository.page_family_members(
            session, person.id, limit=people_service.MAX_FAMILY_MEMBERS, cursor=None
        )
        family = [people_service.family_member_out(row) for row in rows]
    history = None
    if wanted - {Group.IDENTITY, Group.FAMILY}:
        full = await careers_service.person_history(session, _HISTORY_READER, person.id)
        history = [entry for entry in full.entries if entry_groups(entry) & wanted]
    return Dossier(
        person_id=person.id,
        groups=groups,
        on_behalf_of=on_behalf_of,
        consent_ids=[consent.id for consent in consents],
        person=people_service.person_out(person, revealed=national_id_shown) if Group.IDENTITY in wanted else None,
        family=family,
        history=history,
    )


async def read_dossier(
    session: AsyncSession,
    audit: AuditTrail,
    org: OrgDirectory,
    principal: Principal,
    person_id: uuid.UUID,
    *,
    on_behalf_of: uuid.UUID | None,
    revealed: bool,
) -> Dossier:
    """The dossier as the caller may read it: whole in their area; else the groups a holding consent names."""
    person = await people_repository.get_person(session, person_id)
    if person is None:
        raise people_service.PersonNotFound(f"No person has id {person_id}")
    consents: Sequence[Consent] = ()
    if on_behalf_of is None:
        if not person_in_area(principal, person):
            raise ConsentRequired(
                "This person's record is outside your area: read it on behalf of an agency of your area (on_behalf_of) "
                "that the person has consented to"
            )
        groups = list(Group)
    else:
        # NOTE: the agency read for must be the caller's own (or in their area): 403 outside_area otherwise.
        await fetch_agency(org, principal, on_behalf_of)
        consents = await repository.holding_consents(session, person.id, on_behalf_of, date.today())
        if not consents:
            raise ConsentRequired("No consent of the person that holds today lets this agency read their dossier")
        groups = scope_groups([consent.scope for consent in consents])
    shown = revealed and Group.IDENTITY in groups
    if shown:
        await reveal(
            session,
            audit,
            principal,
            entity_type=people_service.ENTITY_PERSON,
            entity_id=person.id,
            fields=list(people_service.PERSONAL_FIELDS[people_service.ENTITY_PERSON]),
        )
    if consents:
        read = {"person_id": str(person.id), "on_behalf_of": str(on_behalf_of), "groups": [g.value for g in groups]}
        await audit.record_many(
            session,
            principal,
            entity_type=ENTITY_CONSENT,
            action=CONSENT_READ,
            changes=[(consent.id, None, read | {"revealed": shown}) for consent in consents],
        )
    return await _dossier(session, person, groups, national_id_shown=shown, on_behalf_of=on_behalf_of, consents=consents)


async def own_dossier(session: AsyncSession, principal: Principal) -> Dossier:
    """The caller's own dossier, whole, their national id in clear (role ``staff``)."""
    person_id = own_person_id(principal)
    person = await people_repository.get_person(session, person_id)
    if person is None:
        raise people_service.PersonNotFound(f"No person has id {person_id}")
    return await _dossier(session, person, list(Group), national_id_shown=True)


# --- discrepancies -------------------------------------------------------------------------


async def flag_discrepancy(
    session: AsyncSession, audit: AuditTrail, principal: Principal, data: DiscrepancyCreate
) -> Discrepancy:
    """Record what the person says is wrong; their changes of that group not yet sent go back to verification."""
    person_id = own_person_id(principal)
    person = await people_repository.get_person(session, person_id)
    if person is None:
        raise PersonMissing(f"No person has id {person_id}")
    reason = f"Người được quản lý báo sai sót ({data.group.value}, {data.field}): {data.description}"
    reopened = await sync_service.reopen_for_review(
        session, person.id, [data.group.value], reason, audit=audit, principal=principal
    )
    discrepancy = Discrepancy(
        person_id=person.id,
        group=data.group,
        field=data.field,
        description=data.description,
        reported_by=principal.username[:200],
        status=DiscrepancyStatus.OPEN,
        reopened_changes=len(reopened),
        agency_id=person.agency_id,
        province_code=person.province_code,
        commune_code=person.commune_code,
        agency_level=person.agency_level,
        unit_id=person.unit_id,
        agency_valid_to=person.agency_valid_to,
    )
    session.add(discrepancy)
    await session.flush()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_DISCREPANCY,
        entity_id=discrepancy.id,
        action="create",
        after=snapshot(discrepancy),
    )
    return discrepancy


async def get_discrepancy(session: AsyncSession, principal: Principal, discrepancy_id: uuid.UUID) -> Discrepancy:
    discrepancy = await repository.get_discrepancy(session, discrepancy_id)
    if discrepancy is None:
        raise DiscrepancyNotFound(f"No discrepancy has id {discrepancy_id}")
    check_discrepancy(principal, discrepancy)
    return discrepancy


async def list_discrepancies(
    session: AsyncSession,
    principal: Principal,
    *,
    status: DiscrepancyStatus | None,
    person_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
) -> Page[DiscrepancyOut]:
    """One page of the discrepancies in the caller's area (the person's own, for ``staff``), by id."""
    area = own_discrepancies(principal) if principal.role is Role.STAFF else discrepancies_visible(principal)
    rows, next_cursor = await repository.page_discrepancies(
        session, area, status=status, person_id=person_id, limit=limit, cursor=cursor
    )
    return page_of(DiscrepancyOut, rows, next_cursor)


async def resolve_discrepancy(
    session: AsyncSession, audit: AuditTrail, principal: Principal, discrepancy: Discrepancy, data: DiscrepancyResolve
) -> Discrepancy:
    """Close an open discrepancy: the dossier corrected, or the claim dismissed; 409 if it is closed already."""
    if discrepancy.status is not DiscrepancyStatus.OPEN:
        raise DiscrepancyAlreadyResolved(f"The discrepancy was {discrepancy.status.value} already")
    before = snapshot(discrepancy)
    discrepancy.status = DiscrepancyStatus(data.outcome)
    discrepancy.resolution_note = data.note
    discrepancy.resolved_by = principal.username[:200]
    discrepancy.resolved_at = utcnow()
    await session.flush()
    await audit.record(
        session,
        principal,
        entity_type=ENTITY_DISCREPANCY,
        entity_id=discrepancy.id,
        action="resolve",
        before=before,
        after=snapshot(discrepancy),
    )
    return discrepancy
