"""Every query on streamlining cases."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, RowMapping, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.batching import in_batches
from haicap_shared.filters import where_given
from haicap_shared.paging import fetch_page

from .models import CaseStatus, Policy, StreamliningCase, case_table

CASE_LIST_ORDER = (case_table.c.proposed_on, case_table.c.id)


async def page_cases(
    session: AsyncSession,
    area: ColumnElement[bool],
    *,
    province: str | None,
    person_id: uuid.UUID | None,
    policy: Policy | None,
    status: CaseStatus | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of the cases in ``area`` (narrowed by the others), by the date proposed, and the cursor of the next."""
    c = case_table.c
    stmt = select(case_table).where(area)
    stmt = where_given(stmt, (c.province_code, province), (c.person_id, person_id), (c.policy, policy), (c.status, status))
    return await fetch_page(session, stmt, order_by=CASE_LIST_ORDER, limit=limit, cursor=cursor)


async def get_case(session: AsyncSession, case_id: uuid.UUID) -> StreamliningCase | None:
    return await session.get(StreamliningCase, case_id)


async def open_case_of(session: AsyncSession, person_id: uuid.UUID) -> StreamliningCase | None:
    stmt = select(StreamliningCase).where(
        StreamliningCase.person_id == person_id, StreamliningCase.status != CaseStatus.WITHDRAWN
    )
    return (await session.scalars(stmt.limit(1))).first()


async def people_with_open_cases(session: AsyncSession, person_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Those of these people who have a case that is not withdrawn."""
    found: set[uuid.UUID] = set()
    for batch in in_batches(person_ids):
        stmt = select(case_table.c.person_id).where(
            case_table.c.person_id.in_(batch), case_table.c.status != CaseStatus.WITHDRAWN
        )
        found.update((await session.execute(stmt)).scalars().all())
    return found
