"""Every query on people."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.paging import fetch_page
from haicap_shared.text import like_pattern

from .models import Person, person_table
from .schemas import PersonFilter

# NOTE: ordered by id, so every filter has an index ending in id ((province_code, id),
# (commune_code, id), (agency_id, id)) and a deep page is one range scan at 3 million rows.
PERSON_LIST_ORDER = (person_table.c.id,)


def _listed(area: ColumnElement[bool], filters: PersonFilter) -> Select[Any]:
    c = person_table.c
    stmt = select(person_table).where(area)
    for column, value in (
        (c.province_code, filters.province),
        (c.commune_code, filters.commune),
        (c.agency_id, filters.agency_id),
        (c.category, filters.category),
        (c.education_level, filters.education_level),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if filters.q:
        stmt = stmt.where(c.search_key.like(like_pattern(filters.q), escape="\\"))
    return stmt


async def page_people(
    session: AsyncSession, area: ColumnElement[bool], filters: PersonFilter, *, limit: int, cursor: str | None
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of the people in ``area`` matching ``filters``, and the cursor of the next."""
    return await fetch_page(session, _listed(area, filters), order_by=PERSON_LIST_ORDER, limit=limit, cursor=cursor)


async def get_person(session: AsyncSession, person_id: uuid.UUID) -> Person | None:
    return await session.get(Person, person_id)


async def get_people(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Person]:
    found: dict[uuid.UUID, Person] = {}
    for start in range(0, len(ids), 500):
        for person in await session.scalars(select(Person).where(Person.id.in_(ids[start : start + 500]))):
            found[person.id] = person
    return found


async def national_id_taken(session: AsyncSession, value: str, *, other_than: uuid.UUID | None = None) -> bool:
    stmt = select(person_table.c.id).where(person_table.c.national_id == value)
    if other_than is not None:
        stmt = stmt.where(person_table.c.id != other_than)
    return (await session.execute(stmt.limit(1))).first() is not None


async def move_to_agency(
    session: AsyncSession, person_ids: Sequence[uuid.UUID], agency_columns: dict[str, Any], now: datetime
) -> None:
    """These people's records now belong to this agency (each record's version moves on)."""
    for start in range(0, len(person_ids), 500):
        await session.execute(
            update(person_table)
            .where(person_table.c.id.in_(person_ids[start : start + 500]))
            .values(**agency_columns, updated_at=now, version=person_table.c.version + 1)
        )
