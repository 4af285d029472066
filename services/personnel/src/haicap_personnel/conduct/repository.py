"""Every query on evaluations, commendations and discipline."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Row, RowMapping, Select, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.batching import in_batches
from haicap_shared.filters import where_given
from haicap_shared.paging import fetch_page
from haicap_shared.validity import in_force_on

from ..codelists.models import CodeListName, code_list_entry_table
from ..people.models import person_table
from .models import (
    Commendation,
    Discipline,
    Evaluation,
    Grade,
    commendation_table,
    discipline_table,
    evaluation_table,
)

EVALUATION_ORDER = (evaluation_table.c.year, evaluation_table.c.id)
COMMENDATION_ORDER = (commendation_table.c.decision_date, commendation_table.c.id)
DISCIPLINE_ORDER = (discipline_table.c.effective_date, discipline_table.c.id)


async def get_evaluation(session: AsyncSession, evaluation_id: uuid.UUID) -> Evaluation | None:
    return await session.get(Evaluation, evaluation_id)


async def get_commendation(session: AsyncSession, commendation_id: uuid.UUID) -> Commendation | None:
    return await session.get(Commendation, commendation_id)


async def get_discipline(session: AsyncSession, discipline_id: uuid.UUID) -> Discipline | None:
    return await session.get(Discipline, discipline_id)


async def evaluation_of(session: AsyncSession, person_id: uuid.UUID, year: int) -> uuid.UUID | None:
    """The id of the person's evaluation for ``year``, if there is one."""
    c = evaluation_table.c
    return await session.scalar(select(c.id).where(c.person_id == person_id, c.year == year))


async def person_evaluations(session: AsyncSession, person_id: uuid.UUID) -> Sequence[Evaluation]:
    stmt = select(Evaluation).where(Evaluation.person_id == person_id).order_by(Evaluation.year, Evaluation.id)
    return (await session.scalars(stmt)).all()


async def person_commendations(session: AsyncSession, person_id: uuid.UUID) -> Sequence[Commendation]:
    stmt = select(Commendation).where(Commendation.person_id == person_id).order_by(Commendation.decision_date, Commendation.id)
    return (await session.scalars(stmt)).all()


async def person_disciplines(session: AsyncSession, person_id: uuid.UUID) -> Sequence[Discipline]:
    stmt = select(Discipline).where(Discipline.person_id == person_id).order_by(Discipline.effective_date, Discipline.id)
    return (await session.scalars(stmt)).all()


async def disciplines_in_effect(session: AsyncSession, person_id: uuid.UUID, on: date) -> Sequence[Discipline]:
    """The person's disciplines in effect on ``on``: taken effect, and not yet ended (or with no end)."""
    c = discipline_table.c
    stmt = (
        select(Discipline)
        .where(
            c.person_id == person_id,
            c.effective_date <= on,
            (c.effect_end_date.is_(None)) | (c.effect_end_date >= on),
        )
        .order_by(c.effective_date, c.id)
    )
    return (await session.scalars(stmt)).all()


async def form_attributes(session: AsyncSession, list_name: CodeListName, code: str, on: date) -> dict[str, Any] | None:
    """The ``attributes`` of the list's entry for ``code`` valid on ``on`` (None if there is none)."""
    e = code_list_entry_table.c
    stmt = select(e.attributes).where(e.list_name == list_name.value, e.code == code, in_force_on(code_list_entry_table, on))
    found: dict[str, Any] | None = await session.scalar(stmt.limit(1))
    return found


async def last_evaluation(session: AsyncSession, person_id: uuid.UUID, on: date) -> Evaluation | None:
    """The person's evaluation of the latest year among those dated on or before ``on``."""
    c = evaluation_table.c
    stmt = select(Evaluation).where(c.person_id == person_id, c.evaluation_date <= on).order_by(c.year.desc()).limit(1)
    found: Evaluation | None = await session.scalar(stmt)
    return found


def _in_area(
    table: Table,
    area: ColumnElement[bool],
    *,
    province: str | None,
    commune: str | None,
    agency_id: uuid.UUID | None,
    person_id: uuid.UUID | None,
) -> Select[Any]:
    """The rows of ``table`` in ``area``, narrowed to the place and the person given: what every list filters by."""
    c = table.c
    return where_given(
        select(table).where(area),
        (c.province_code, province),
        (c.commune_code, commune),
        (c.agency_id, agency_id),
        (c.person_id, person_id),
    )


async def page_evaluations(
    session: AsyncSession,
    area: ColumnElement[bool],
    *,
    province: str | None,
    commune: str | None,
    agency_id: uuid.UUID | None,
    person_id: uuid.UUID | None,
    year: int | None,
    grade: Grade | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of the evaluations in ``area`` (narrowed by the others), by year, and the cursor of the next."""
    c = evaluation_table.c
    stmt = where_given(
        _in_area(evaluation_table, area, province=province, commune=commune, agency_id=agency_id, person_id=person_id),
        (c.year, year),
        (c.grade, grade),
    )
    return await fetch_page(session, stmt, order_by=EVALUATION_ORDER, limit=limit, cursor=cursor)


async def page_commendations(
    session: AsyncSession,
    area: ColumnElement[bool],
    *,
    province: str | None,
    commune: str | None,
    agency_id: uuid.UUID | None,
    person_id: uuid.UUID | None,
    form_code: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of the commendations in ``area`` (narrowed by the others), by decision date."""
    c = commendation_table.c
    stmt = where_given(
        _in_area(commendation_table, area, province=province, commune=commune, agency_id=agency_id, person_id=person_id),
        (c.form_code, form_code),
    )
    return await fetch_page(session, stmt, order_by=COMMENDATION_ORDER, limit=limit, cursor=cursor)


async def page_disciplines(
    session: AsyncSession,
    area: ColumnElement[bool],
    *,
    province: str | None,
    commune: str | None,
    agency_id: uuid.UUID | None,
    person_id: uuid.UUID | None,
    form_code: str | None,
    in_effect_on: date | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[RowMapping], str | None]:
    """One page of the disciplines in ``area`` (narrowed by the others), by the day they took effect."""
    c = discipline_table.c
    stmt = where_given(
        _in_area(discipline_table, area, province=province, commune=commune, agency_id=agency_id, person_id=person_id),
        (c.form_code, form_code),
    )
    if in_effect_on is not None:
        stmt = stmt.where(c.effective_date <= in_effect_on, (c.effect_end_date.is_(None)) | (c.effect_end_date >= in_effect_on))
    return await fetch_page(session, stmt, order_by=DISCIPLINE_ORDER, limit=limit, cursor=cursor)


async def people_by_national_id(session: AsyncSession, numbers: Sequence[str]) -> dict[str, Row[Any]]:
    """The recorded people with these national ids (id, category and agency columns), by national id."""
    p = person_table.c
    found: dict[str, Row[Any]] = {}
    for batch in in_batches(numbers):
        stmt = select(
            p.id,
            p.national_id,
            p.category,
            p.agency_id,
            p.province_code,
            p.commune_code,
            p.agency_level,
            p.unit_id,
            p.agency_valid_to,
        ).where(p.national_id.in_(batch))
        found.update({row.national_id: row for row in (await session.execute(stmt)).all()})
    return found


async def evaluated(session: AsyncSession, person_ids: Sequence[uuid.UUID], years: Sequence[int]) -> set[tuple[uuid.UUID, int]]:
    """The (person, year) among these that already have an evaluation."""
    c = evaluation_table.c
    found: set[tuple[uuid.UUID, int]] = set()
    for batch in in_batches(person_ids):
        stmt = select(c.person_id, c.year).where(c.person_id.in_(batch), c.year.in_(years))
        found.update((row.person_id, row.year) for row in (await session.execute(stmt)).all())
    return found


async def insert_evaluations(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """New evaluations written in bulk (Core inserts)."""
    await session.execute(evaluation_table.insert(), rows)
