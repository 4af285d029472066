"""Every query on streamlining cases."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import CaseStatus, Policy, StreamliningCase, case_table


def list_cases(
    visible: ColumnElement[bool],
    *,
    province: str | None,
    person_id: uuid.UUID | None,
    policy: Policy | None,
    status: CaseStatus | None,
) -> Select[Any]:
    c = case_table.c
    stmt = select(case_table).where(visible)
    for column, value in ((c.province_code, province), (c.person_id, person_id), (c.policy, policy), (c.status, status)):
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


CASE_LIST_ORDER = (case_table.c.proposed_on, case_table.c.id)


async def get_case(session: AsyncSession, case_id: uuid.UUID) -> StreamliningCase | None:
    return await session.get(StreamliningCase, case_id)


async def open_case_of(session: AsyncSession, person_id: uuid.UUID) -> StreamliningCase | None:
    stmt = select(StreamliningCase).where(
        StreamliningCase.person_id == person_id, StreamliningCase.status != CaseStatus.WITHDRAWN
    )
    return (await session.scalars(stmt.limit(1))).first()
