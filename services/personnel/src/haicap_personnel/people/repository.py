"""Every query on people."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.text import like_pattern

from .models import Category, EducationLevel, Person, person_table


@dataclass(frozen=True)
class PersonFilter:
    visible: ColumnElement[bool]
    province: str | None = None
    commune: str | None = None
    agency_id: uuid.UUID | None = None
    category: Category | None = None
    education_level: EducationLevel | None = None
    q: str | None = None

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        c = person_table.c
        stmt = stmt.where(self.visible)
        for column, value in (
            (c.province_code, self.province),
            (c.commune_code, self.commune),
            (c.agency_id, self.agency_id),
            (c.category, self.category),
            (c.education_level, self.education_level),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        if self.q:
            stmt = stmt.where(c.search_key.like(like_pattern(self.q), escape="\\"))
        return stmt


# NOTE: ordered by id, so every filter has an index ending in id ((province_code, id),
# (commune_code, id), (agency_id, id)) and a deep page is one range scan at 3 million rows.
PERSON_LIST_ORDER = (person_table.c.id,)


def list_people(filters: PersonFilter) -> Select[Any]:
    return filters.apply(select(person_table))


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
