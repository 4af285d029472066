"""The rules of training records: a record belongs to the person's agency."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.audit import AuditTrail, snapshot
from haicap_shared.auth import Principal
from haicap_shared.errors import Conflict, NotFound
from haicap_shared.paging import Page, page_of

from ..people import repository as people_repository
from ..people.access import check_person
from . import repository
from .access import check_training, training_visible
from .models import TrainingRecord, TrainingTopic
from .schemas import TrainingCreate
from .schemas import TrainingRecord as TrainingOut

ENTITY_TRAINING = "training_record"


class TrainingNotFound(NotFound):
    code, title = "training_record_not_found", "No such training record"


class PersonMissing(Conflict):
    code, title = "person_not_found", "No such person"


async def get_record(session: AsyncSession, principal: Principal, record_id: uuid.UUID) -> TrainingRecord:
    record = await repository.get_record(session, record_id)
    if record is None:
        raise TrainingNotFound(f"No training record has id {record_id}")
    check_training(principal, record)
    return record


async def list_records(
    session: AsyncSession,
    principal: Principal,
    *,
    province: str | None,
    person_id: uuid.UUID | None,
    topic: TrainingTopic | None,
    limit: int,
    cursor: str | None,
) -> Page[TrainingOut]:
    """One page of the training records in the caller's area, by start date."""
    rows, next_cursor = await repository.page_records(
        session, training_visible(principal), province=province, person_id=person_id, topic=topic, limit=limit, cursor=cursor
    )
    return page_of(TrainingOut, rows, next_cursor)


async def create_record(session: AsyncSession, audit: AuditTrail, principal: Principal, data: TrainingCreate) -> TrainingRecord:
    person = await people_repository.get_person(session, data.person_id)
    if person is None:
        raise PersonMissing(f"No person has id {data.person_id}")
    check_person(principal, person)
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
