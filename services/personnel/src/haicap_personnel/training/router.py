"""HTTP routes of training records."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from haicap_shared.audit import Audit
from haicap_shared.db import DbSession
from haicap_shared.errors import BadRequest, problem_responses
from haicap_shared.idempotency import Idempotency, IdempotencyKeyReused
from haicap_shared.paging import Cursor, Limit, Page
from haicap_shared.versioning import etag_response

from ..common import COMMON_PROBLEMS, ProvinceCodeQuery
from . import service
from .access import RecordsRead, RecordsWrite
from .models import TrainingTopic
from .schemas import TrainingCreate, TrainingRecord

router = APIRouter(tags=["training"], responses=COMMON_PROBLEMS)


@router.get("/training-records", response_model=Page[TrainingRecord], responses=problem_responses(BadRequest))
async def list_records(
    session: DbSession,
    principal: RecordsRead,
    province: ProvinceCodeQuery = None,
    person_id: uuid.UUID | None = None,
    topic: TrainingTopic | None = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[TrainingRecord]:
    """List training records in your area, by start date."""
    return await service.list_records(
        session, principal, province=province, person_id=person_id, topic=topic, limit=limit, cursor=cursor
    )


@router.post(
    "/training-records",
    status_code=201,
    response_model=TrainingRecord,
    responses=problem_responses(service.PersonMissing, IdempotencyKeyReused),
)
async def create_record(
    payload: TrainingCreate, session: DbSession, audit: Audit, principal: RecordsWrite, idempotency: Idempotency
) -> JSONResponse:
    """Record a course a person of your area took (IT skills, political theory, ...)."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    record = TrainingRecord.model_validate(await service.create_record(session, audit, principal, payload))
    return await idempotency.created(record, location=f"training-records/{record.id}")


@router.get("/training-records/{record_id}", response_model=TrainingRecord, responses=problem_responses(service.TrainingNotFound))
async def get_record(
    record_id: Annotated[uuid.UUID, Path(description="The record's internal id")], session: DbSession, principal: RecordsRead
) -> JSONResponse:
    """One training record, with its ETag."""
    return etag_response(TrainingRecord.model_validate(await service.get_record(session, principal, record_id)))
