"""Every query on consents and discrepancies."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, RowMapping, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.filters import where_given
from haicap_shared.paging import fetch_page

from .models import Consent, Discrepancy, DiscrepancyStatus, consent_table, discrepancy_table

CONSENT_LIST_ORDER = (consent_table.c.id,)
DISCREPANCY_LIST_ORDER = (discrepancy_table.c.id,)


async def get_consent(session: AsyncSession, consent_id: uuid.UUID) -> Consent | None:
    return await session.get(Consent, consent_id)


async def page_consents(
    session: AsyncSession, person_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of a person's consents (revoked and expired ones included), by id, and the cursor of the next."""
    stmt = select(consent_table).where(consent_table.c.person_id == person_id)
    return await fetch_page(session, stmt, order_by=CONSENT_LIST_ORDER, limit=limit, cursor=cursor)


async def holding_consents(session: AsyncSession, person_id: uuid.UUID, agency_id: uuid.UUID, on: date) -> Sequence[Consent]:
    """The person's consents to ``agency_id`` that hold ``on`` that day: given, not expired, not revoked."""
    c = Consent
    stmt = (
        select(c)
        .where(
            c.person_id == person_id,
            c.grantee_agency_id == agency_id,
            c.revoked_at.is_(None),
            c.given_on <= on,
            c.expires_on >= on,
        )
        .order_by(c.id)
    )
    return (await session.scalars(stmt)).all()


async def get_discrepancy(session: AsyncSession, discrepancy_id: uuid.UUID) -> Discrepancy | None:
    return await session.get(Discrepancy, discrepancy_id)


async def page_discrepancies(
    session: AsyncSession,
    area: ColumnElement[bool],
    *,
    status: DiscrepancyStatus | None,
    person_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of the discrepancies in ``area`` (narrowed by the others), by id, and the cursor of the next."""
    c = discrepancy_table.c
    stmt = where_given(select(discrepancy_table).where(area), (c.status, status), (c.person_id, person_id))
    return await fetch_page(session, stmt, order_by=DISCREPANCY_LIST_ORDER, limit=limit, cursor=cursor)
