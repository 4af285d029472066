"""The rules of training records: a record belongs to the person's agency."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, snapshot
from haicap_shared.auth import Principal
from haicap_shared.errors import Conflict, NotFound

from ..auth import check_area
from ..people import repository as people_repository
from . import repository
from .models import TrainingRecord
from .schemas import TrainingCreate

ENTITY_TRAINING = "training_record"


class TrainingNotFound(NotFound):
    code, title = "training_record_not_found", "No such training record"


class PersonMissing(Conflict):
    code, title = "person_not_found", "No such person"


async def get_record(session: AsyncSession, principal: Principal, record_id: uuid.UUID) -> TrainingRecord:
    record = await repository.get_record(session, record_id)
    if record is None:
        raise TrainingNotFound(f"No training record has id {record_id}")
    check_area(principal, record, "This training record")
    return record


async def create_record(session: AsyncSession, audit: AuditTrail, principal: Principal, data: TrainingCreate) -> TrainingRecord:
    person = await people_repository.get_person(session, data.person_id)
    if person is None:
        raise PersonMissing(f"No person has id {data.person_id}")
    check_area(principal, person, "This person's record")
    record = TrainingRecord(
        **data.model_dump(),
        agency_id=person.agency_id,
        province_code=person.province_code,
        commune_code=person.commune_code,
        agency_level=person.agency_level,
        unit_id=person.unit_id,
        agency_valid_to=person.agency_valid_to,
    )
    session.add(record)
    await session.flush()
    await audit.record(
        session, principal, entity_type=ENTITY_TRAINING, entity_id=record.id, action="create", after=snapshot(record)
    )
    return record
