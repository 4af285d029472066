"""Every query on training records."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, RowMapping, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.filters import where_given
from haicap_shared.paging import fetch_page

from .models import TrainingRecord, TrainingTopic, training_table

TRAINING_LIST_ORDER = (training_table.c.start_date, training_table.c.id)


async def page_records(
    session: AsyncSession,
    area: ColumnElement[bool],
    *,
    province: str | None,
    person_id: uuid.UUID | None,
    topic: TrainingTopic | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of the training records in ``area`` (narrowed by the others), by start date, and the cursor of the next."""
    c = training_table.c
    stmt = select(training_table).where(area)
    stmt = where_given(stmt, (c.province_code, province), (c.person_id, person_id), (c.topic, topic))
    return await fetch_page(session, stmt, order_by=TRAINING_LIST_ORDER, limit=limit, cursor=cursor)


async def get_record(session: AsyncSession, record_id: uuid.UUID) -> TrainingRecord | None:
    return await session.get(TrainingRecord, record_id)
