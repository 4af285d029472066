"""The rules of people's records."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, snapshot
from haicap_shared.auth import Principal
from haicap_shared.errors import BadRequest, Conflict, NotFound
from haicap_shared.paging import Page
from haicap_shared.personal_data import mask, reveal
from haicap_shared.text import search_key

from ..agency_ref import fetch_agency
from ..org_client import OrgDirectory
from ..placements import service as placement_service
from . import national_id, repository
from .access import check_person, people_visible
from .models import Person
from .schemas import Person as PersonOut
from .schemas import PersonCreate, PersonFilter, PersonUpdate

ENTITY_PERSON = "person"
PERSONAL_FIELDS = {ENTITY_PERSON: ("national_id",)}
"""What responses mask unless revealed, by audited entity type: the audit log masks the same.

NOTE: the birth date is not here: the people API shows it to every role that may read a
person's record (auditors and service accounts included), so the audit log, read by admins
and auditors only, shows it as well; viewers read neither.
"""


class PersonNotFound(NotFound):
    code, title = "person_not_found", "No such person"


class NationalIdTaken(Conflict):
    code, title = "national_id_taken", "Another person has this national id"


class InvalidNationalId(BadRequest):
    code, title = "invalid_national_id", "The national id does not fit the birth date and sex"


def certificates_text(values: list[str]) -> str | None:
    return "; ".join(v.strip() for v in values if v.strip()) or None


def certificates_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def field_key(value: str | None) -> str | None:
    return search_key(value) if value else None


def person_out(person: Person | Any, *, revealed: bool = False) -> PersonOut:
    """The response body; the national id masked unless ``revealed``."""
    values = {k: getattr(person, k) for k in PersonOut.model_fields if k != "certificates"}
    values["certificates"] = certificates_list(person.certificates)
    if not revealed:
        values["national_id"] = mask(person.national_id)
    return PersonOut.model_validate(values)


async def get_person(session: AsyncSession, principal: Principal, person_id: uuid.UUID) -> Person:
    person = await repository.get_person(session, person_id)
    if person is None:
        raise PersonNotFound(f"No person has id {person_id}")
    check_person(principal, person)
    return person


async def list_people(
    session: AsyncSession, principal: Principal, filters: PersonFilter, *, limit: int, cursor: str | None
) -> Page[PersonOut]:
    """One page of the people in the caller's area (national ids masked)."""
    rows, next_cursor = await repository.page_people(session, people_visible(principal), filters, limit=limit, cursor=cursor)
    return Page[PersonOut](items=[person_out(r) for r in rows], next=next_cursor)


async def read_person(
    session: AsyncSession, audit: AuditTrail, principal: Principal, person_id: uuid.UUID, *, revealed: bool
) -> PersonOut:
    person = await get_person(session, principal, person_id)
    if revealed:
        await reveal(
            session, audit, principal, entity_type=ENTITY_PERSON, entity_id=person.id, fields=list(PERSONAL_FIELDS[ENTITY_PERSON])
        )
    return person_out(person, revealed=revealed)


async def create_person(
    session: AsyncSession, audit: AuditTrail, org: OrgDirectory, principal: Principal, data: PersonCreate
) -> Person:
    if await repository.national_id_taken(session, data.national_id):
        raise NationalIdTaken(f"A person with national id {mask(data.national_id)} is already recorded")
    agency = await fetch_agency(org, principal, data.agency_id)
    fields = data.model_dump(exclude={"agency_id", "certificates"})
    person = Person(
        **fields,
        **agency.columns(),
        certificates=certificates_text(data.certificates),
        search_key=search_key(data.full_name),
        field_key=field_key(data.field_of_study),
    )
    session.add(person)
    await session.flush()
    await audit.record(
        session, principal, entity_type=ENTITY_PERSON, entity_id=person.id, action="create", after=snapshot(person)
    )
    return person


async def update_person(
    session: AsyncSession, audit: AuditTrail, org: OrgDirectory, principal: Principal, person: Person, changes: PersonUpdate
) -> Person:
    before = snapshot(person)
    fields = changes.model_dump(exclude_unset=True)
    for required in ("full_name", "category", "birth_date", "sex", "national_id", "education_level"):
        if required in fields and fields[required] is None:
            raise BadRequest(f"{required} cannot be emptied", code="field_required")
    if {"national_id", "birth_date", "sex"} & fields.keys():
        number = fields.get("national_id", person.national_id)
        if found := national_id.problems(number, fields.get("birth_date", person.birth_date), fields.get("sex", person.sex)):
            raise InvalidNationalId("; ".join(found))
        if "national_id" in fields and await repository.national_id_taken(session, number, other_than=person.id):
            raise NationalIdTaken(f"A person with national id {mask(number)} is already recorded")
    if (agency_id := fields.pop("agency_id", None)) is not None and agency_id != person.agency_id:
        for name, value in (await fetch_agency(org, principal, agency_id)).columns().items():
            setattr(person, name, value)
    if "certificates" in fields:
        fields["certificates"] = certificates_text(fields["certificates"] or [])
    for name, value in fields.items():
        setattr(person, name, value)
    person.search_key = search_key(person.full_name)
    person.field_key = field_key(person.field_of_study)
    await session.flush()
    if {"education_level", "field_of_study"} & fields.keys():
        # NOTE: suitability is kept on each placement for the statistics; a change of training
        # changes it for the placements in force from now on, and the audit log says so.
        await placement_service.recompute_for_person(session, audit, principal, person)
    await audit.record(
        session, principal, entity_type=ENTITY_PERSON, entity_id=person.id, action="update", before=before, after=snapshot(person)
    )
    return person
