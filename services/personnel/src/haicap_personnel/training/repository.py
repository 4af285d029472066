"""Every query on training records."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import TrainingRecord, TrainingTopic, training_table


def list_records(
    visible: ColumnElement[bool], *, province: str | None, person_id: uuid.UUID | None, topic: TrainingTopic | None
) -> Select[Any]:
    c = training_table.c
    stmt = select(training_table).where(visible)
    for column, value in ((c.province_code, province), (c.person_id, person_id), (c.topic, topic)):
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


TRAINING_LIST_ORDER = (training_table.c.start_date, training_table.c.id)


async def get_record(session: AsyncSession, record_id: uuid.UUID) -> TrainingRecord | None:
    return await session.get(TrainingRecord, record_id)
