"""The aggregate queries: one GROUP BY each, computed in the database."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    RowMapping,
    Select,
    exists,
    func,
    literal,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import FromClause

from haicap_shared.aggregates import count_where
from haicap_shared.filters import given_equalities
from haicap_shared.validity import Bounds, ends_on_or_after

from ..conduct.models import Grade, evaluation_table
from ..people.models import UNIVERSITY_OR_HIGHER, Category, PoliticalTheory, StateManagement, person_table
from ..placements.models import Suitability, placement_table
from ..placements.repository import serving_on
from ..quotas.models import quota_table
from ..streamlining.models import CaseStatus, case_table
from .schemas import Dimension

DIMENSION_COLUMNS = {
    Dimension.LEVEL: "agency_level",
    Dimension.PROVINCE: "province_code",
    Dimension.COMMUNE: "commune_code",
    Dimension.UNIT: "unit_id",
    Dimension.AGENCY: "agency_id",
}


@dataclass(frozen=True)
class Scope:
    as_of: date
    province: str | None
    commune: str | None
    level: str | None
    category: Category | None
    by: Sequence[Dimension]


def _dims(scope: Scope, area: FromClause, category: ColumnElement[Any] | None) -> list[ColumnElement[Any]]:
    """The grouping columns: the area's, and the person's ``category`` (null where the rows have none: quotas)."""
    columns: list[ColumnElement[Any]] = []
    for dim in scope.by:
        if dim is Dimension.CATEGORY:
            columns.append((category if category is not None else null()).label(dim.value))
        else:
            columns.append(area.c[DIMENSION_COLUMNS[dim]].label(dim.value))
    return columns


def _where(
    scope: Scope, area: FromClause, category: ColumnElement[Any] | None, visible: ColumnElement[bool]
) -> list[ColumnElement[Any]]:
    conditions: list[ColumnElement[Any]] = [
        visible,
        *given_equalities(
            (area.c.province_code, scope.province), (area.c.commune_code, scope.commune), (area.c.agency_level, scope.level)
        ),
    ]
    if scope.category is not None and category is not None:
        conditions.append(category == scope.category)
    return conditions


def _needs_person(scope: Scope) -> bool:
    return scope.category is not None or Dimension.CATEGORY in scope.by


def _placements_in_service(scope: Scope, visible: ColumnElement[bool]) -> Select[Any]:
    """Primary placements in force on ``as_of`` in the scope, as a select to add the figures to.

    NOTE: the person's category and qualifications are read from the placement's copies of them
    (:data:`~haicap_personnel.placements.models.PERSON_COPIES`), not from the person: a province's
    figures read only its placements, from one index on PostgreSQL.
    """
    p = placement_table
    return select().where(p.c.is_primary.is_(True), serving_on(scope.as_of), *_where(scope, p, p.c.person_category, visible))


def _qualifications(scope: Scope, visible: ColumnElement[bool]) -> Select[Any]:
    p = placement_table
    dims = _dims(scope, p, p.c.person_category)
    stmt = _placements_in_service(scope, visible).add_columns(
        *dims,
        func.count().label("headcount"),
        count_where(p.c.person_education_level.in_(UNIVERSITY_OR_HIGHER)).label("university_or_higher"),
        *[count_where(p.c.person_political_theory == level).label(f"pt_{level.value}") for level in PoliticalTheory],
        *[count_where(p.c.person_state_management == level).label(f"sm_{level.value}") for level in StateManagement],
    )
    return stmt.group_by(*dims) if dims else stmt


def _suitability(scope: Scope, visible: ColumnElement[bool]) -> Select[Any]:
    p = placement_table
    dims = _dims(scope, p, p.c.person_category)
    stmt = _placements_in_service(scope, visible).add_columns(
        *dims,
        func.count().label("placements"),
        *[count_where(p.c.suitability == s).label(f"s_{s.value}") for s in Suitability],
    )
    return stmt.group_by(*dims) if dims else stmt


def _headcount(scope: Scope, visible_placements: ColumnElement[bool], visible_quotas: ColumnElement[bool]) -> Select[Any]:
    """Headcount and quota side by side: UNION ALL of both, then one GROUP BY (no FULL JOIN needed).

    Quotas have no category: counted by or for a category, there are none.
    """
    p, q = placement_table, quota_table
    people = _placements_in_service(scope, visible_placements).add_columns(
        *_dims(scope, p, p.c.person_category), literal(1).label("people"), literal(0).label("posts")
    )
    parts = [people]
    if not _needs_person(scope):
        parts.append(
            select(*_dims(scope, q, None), literal(0).label("people"), q.c.posts.label("posts")).where(
                q.c.year == scope.as_of.year, *_where(scope, q, None, visible_quotas)
            )
        )
    both = union_all(*parts).subquery("both")
    dims = [both.c[d.value] for d in scope.by]
    stmt = select(*dims, func.sum(both.c.people).label("headcount"), func.sum(both.c.posts).label("quota"))
    return stmt.group_by(*dims) if dims else stmt


def _gaps(scope: Scope, visible: ColumnElement[bool]) -> Select[Any]:
    """People in service without a primary placement on the date and without an open streamlining case."""
    per = person_table
    placed = exists().where(
        placement_table.c.person_id == per.c.id, placement_table.c.is_primary.is_(True), serving_on(scope.as_of)
    )
    in_case = exists().where(case_table.c.person_id == per.c.id, case_table.c.status != CaseStatus.WITHDRAWN)
    # NOTE: only what the figures read, all in the province index: PostgreSQL reads no person's row
    return select(per.c.id, per.c.category, *[per.c[column] for column in DIMENSION_COLUMNS.values()]).where(
        *_where(scope, per, per.c.category, visible),
        ends_on_or_after(Bounds(None, per.c.left_on), scope.as_of),
        ~placed,
        ~in_case,
    )


GAP_SAMPLE_SIZE = 100


def _gap_figures(scope: Scope, visible: ColumnElement[bool]) -> CompoundSelect[Any]:
    """The gap's first people by id (rows with a ``person_id``), then its count per group (rows without), in one statement.

    NOTE: one statement, so that the scope's people are checked once. As two, the sample checked
    most of a province's people again before it found 100 in a gap of a few hundred (Cao Bằng
    at 3 M people: 50,000 of its 61,400).
    """
    gap = _gaps(scope, visible).cte("gap")
    dims = [gap.c[DIMENSION_COLUMNS[d]] if d is not Dimension.CATEGORY else gap.c.category for d in scope.by]
    first = select(gap.c.id).order_by(gap.c.id).limit(GAP_SAMPLE_SIZE).subquery("first")
    # NOTE: typed nulls, so that the union's columns are read back as the group's (a uuid on SQLite too)
    sample = select(
        first.c.id.label("person_id"),
        *[type_coerce(null(), c.type).label(d.value) for c, d in zip(dims, scope.by, strict=True)],
        literal(0).label("people"),
    )
    counts = select(
        null().label("person_id"), *[c.label(d.value) for c, d in zip(dims, scope.by, strict=True)], func.count().label("people")
    ).select_from(gap)
    return union_all(sample, counts.group_by(*dims) if dims else counts)


async def gap_figures(
    session: AsyncSession, scope: Scope, visible: ColumnElement[bool]
) -> tuple[Sequence[RowMapping], Sequence[uuid.UUID]]:
    """Per group, people in service neither placed nor in a case that is not withdrawn; and the first of them by id."""
    rows = await _rows(session, _gap_figures(scope, visible))
    sample = sorted(r["person_id"] for r in rows if r["person_id"] is not None)
    return [r for r in rows if r["person_id"] is None], sample


def _streamlining(scope: Scope, visible: ColumnElement[bool]) -> Select[Any]:
    c, per = case_table, person_table
    needs_person = _needs_person(scope)
    source: FromClause = c.join(per, per.c.id == c.c.person_id) if needs_person else c
    dims = _dims(scope, c, per.c.category if needs_person else None)
    return (
        select(
            *dims, c.c.policy, c.c.status, func.count().label("cases"), func.coalesce(func.sum(c.c.amount_vnd), 0).label("amount")
        )
        .select_from(source)
        .where(c.c.proposed_on <= scope.as_of, *_where(scope, c, per.c.category if needs_person else None, visible))
        .group_by(*dims, c.c.policy, c.c.status)
    )


async def _rows(session: AsyncSession, stmt: Select[Any] | CompoundSelect[Any]) -> Sequence[RowMapping]:
    found: Sequence[RowMapping] = (await session.execute(stmt)).mappings().all()
    return found


async def qualifications(session: AsyncSession, scope: Scope, visible: ColumnElement[bool]) -> Sequence[RowMapping]:
    """Per group: people in service, with a university degree or higher, at each political-theory and state-management level."""
    return await _rows(session, _qualifications(scope, visible))


async def suitability(session: AsyncSession, scope: Scope, visible: ColumnElement[bool]) -> Sequence[RowMapping]:
    """Per group: primary placements in force, and how many at each suitability."""
    return await _rows(session, _suitability(scope, visible))


async def headcount(
    session: AsyncSession, scope: Scope, visible_placements: ColumnElement[bool], visible_quotas: ColumnElement[bool]
) -> Sequence[RowMapping]:
    """Per group: people in service and the posts of the year's quotas."""
    return await _rows(session, _headcount(scope, visible_placements, visible_quotas))


async def streamlining(session: AsyncSession, scope: Scope, visible: ColumnElement[bool]) -> Sequence[RowMapping]:
    """Per group, policy and status: cases proposed by the date and their amounts."""
    return await _rows(session, _streamlining(scope, visible))


def _tasks_not_completed(scope: Scope, visible: ColumnElement[bool]) -> Select[Any]:
    """People evaluated "không hoàn thành nhiệm vụ" for the year of ``as_of`` and the year before, grouped by
    the area of their evaluation of that year (the agency of their record when it was written)."""
    e, per = evaluation_table, person_table
    before = evaluation_table.alias("before")
    needs_person = _needs_person(scope)
    source: FromClause = e.join(
        before,
        (before.c.person_id == e.c.person_id) & (before.c.year == scope.as_of.year - 1) & (before.c.grade == Grade.NOT_COMPLETED),
    )
    if needs_person:
        source = source.join(per, per.c.id == e.c.person_id)
    dims = _dims(scope, e, per.c.category if needs_person else None)
    stmt = (
        select(*dims, func.count().label("people"))
        .select_from(source)
        .where(
            e.c.year == scope.as_of.year,
            e.c.grade == Grade.NOT_COMPLETED,
            *_where(scope, e, per.c.category if needs_person else None, visible),
        )
    )
    return stmt.group_by(*dims) if dims else stmt


async def tasks_not_completed(session: AsyncSession, scope: Scope, visible: ColumnElement[bool]) -> Sequence[RowMapping]:
    """Per group: people who did not complete their tasks in the year of ``as_of`` and in the year before."""
    return await _rows(session, _tasks_not_completed(scope, visible))
