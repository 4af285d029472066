"""Every query of the catalogue's checks: one statement per kind of finding, their counts and first rows."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, RowMapping, Select, and_, exists, func, literal, not_, or_, select, true, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import FromClause

from haicap_shared.filters import where_given
from haicap_shared.validity import in_force_on, starts_on_or_before

from ..agencies.models import agency_table
from ..feasibility.models import AnswerState, FeasibilityStatus, feasibility_table
from ..feasibility.repository import open_since_over
from ..tasks.models import ownership_table, task_table
from ..tasks.repository import held_on
from ..units.models import unit_table

K = TypeVar("K")

_FINDING_TASK_COLUMNS = (
    task_table.c.id.label("task_id"),
    task_table.c.code.label("task_code"),
    task_table.c.title.label("task_title"),
    task_table.c.sector,
    task_table.c.province_code,
)


@dataclass(frozen=True)
class FindingScope:
    """Which tasks are checked: on a date, in the caller's area, optionally one province and sector."""

    day: date
    province: str | None
    sector: str | None
    visible: ColumnElement[bool]
    open_days: int = 30

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        return where_given(
            stmt.where(self.visible), (task_table.c.province_code, self.province), (task_table.c.sector, self.sector)
        )

    def owned(self, ownership: FromClause) -> ColumnElement[bool]:
        """An ownership (or an alias of it) of the scope's province, by its copy of its task's province.

        NOTE: the tasks are the scope's already; said of the ownership too, a province's checks
        read its own ownerships from their index by province, not every ownership of the country.
        """
        return ownership.c.province_code == self.province if self.province is not None else true()


def _in_catalogue(scope: FindingScope) -> ColumnElement[bool]:
    """Tasks of the scope that had entered the catalogue by its day (or were recorded without any owner)."""
    # NOTE: one grouped pass over the ownerships of the scope's tasks and a hashed anti-join,
    # rather than two correlated EXISTS per task; the tasks are the scope's (a province's 1,500
    # of the country's 50,000), so a province's check does not group every ownership of the country.
    owned = ownership_table.join(task_table, task_table.c.id == ownership_table.c.task_id)
    not_yet = scope.apply(
        select(ownership_table.c.task_id)
        .select_from(owned)
        .where(scope.owned(ownership_table))
        .group_by(ownership_table.c.task_id)
        .having(func.min(ownership_table.c.valid_from) > scope.day)
    )
    return task_table.c.id.not_in(not_yet)


def _lead_agency_on(day: date, *, up_to: bool = False) -> Any:
    """The lead agency of the task on ``day`` (or, with ``up_to``, its last one until then)."""
    held = starts_on_or_before(ownership_table, day) if up_to else held_on(ownership_table, day, lead=False)
    return (
        select(ownership_table.c.agency_id)
        .where(ownership_table.c.task_id == task_table.c.id, ownership_table.c.is_lead.is_(True), held)
        .order_by(ownership_table.c.valid_from.desc(), ownership_table.c.id.desc())
        .limit(1)
        .correlate(task_table)
        .scalar_subquery()
    )


def overlap_findings(scope: FindingScope) -> Select[Any]:
    """Two ownerships of a task held on the day: two owners of a task not shared, or two leads."""
    first, second = ownership_table.alias("first_owner"), ownership_table.alias("second_owner")
    stmt = (
        select(
            *_FINDING_TASK_COLUMNS,
            first.c.agency_id.label("agency_id"),
            second.c.agency_id.label("other_agency_id"),
            task_table.c.shared,
        )
        .select_from(
            task_table.join(first, first.c.task_id == task_table.c.id).join(
                second, and_(second.c.task_id == task_table.c.id, first.c.id < second.c.id)
            )
        )
        .where(
            scope.owned(first),
            scope.owned(second),
            held_on(first, scope.day, lead=False),
            held_on(second, scope.day, lead=False),
            or_(task_table.c.shared.is_(False), and_(first.c.is_lead.is_(True), second.c.is_lead.is_(True))),
        )
    )
    return scope.apply(stmt)


def no_owner_findings(scope: FindingScope) -> Select[Any]:
    """Tasks in the catalogue that nobody holds on the day, with their last lead."""
    held_that_day = exists(
        select(ownership_table.c.id).where(
            ownership_table.c.task_id == task_table.c.id, scope.owned(ownership_table), held_on(ownership_table, scope.day)
        )
    )
    stmt = select(*_FINDING_TASK_COLUMNS, _lead_agency_on(scope.day, up_to=True).label("agency_id")).where(
        _in_catalogue(scope), ~held_that_day
    )
    return scope.apply(stmt)


def no_legal_basis_findings(scope: FindingScope) -> Select[Any]:
    """Tasks in the catalogue without a legal basis."""
    no_basis = or_(task_table.c.legal_basis.is_(None), func.trim(task_table.c.legal_basis) == "")
    stmt = select(*_FINDING_TASK_COLUMNS, _lead_agency_on(scope.day).label("agency_id")).where(_in_catalogue(scope), no_basis)
    return scope.apply(stmt)


def ended_owner_findings(scope: FindingScope) -> Select[Any]:
    """Ownerships held on the day by an agency (or of a unit) not in force that day."""
    owner_agency, owner_unit = agency_table, unit_table
    stmt = (
        select(*_FINDING_TASK_COLUMNS, ownership_table.c.agency_id.label("agency_id"))
        .select_from(
            task_table.join(ownership_table, ownership_table.c.task_id == task_table.c.id)
            .join(owner_agency, owner_agency.c.id == ownership_table.c.agency_id)
            .join(owner_unit, owner_unit.c.id == owner_agency.c.unit_id)
        )
        .where(
            scope.owned(ownership_table),
            held_on(ownership_table, scope.day, lead=False),
            or_(
                not_(in_force_on(owner_agency, scope.day)),
                not_(in_force_on(owner_unit, scope.day)),
            ),
        )
    )
    return scope.apply(stmt)


def _duplicate_groups(scope: FindingScope) -> Any:
    return (
        scope.apply(
            select(task_table.c.province_code, task_table.c.search_key)
            .where(_in_catalogue(scope))
            .group_by(task_table.c.province_code, task_table.c.search_key)
            .having(func.count() > 1)
        )
    ).subquery("duplicate_group")


def duplicate_findings(scope: FindingScope) -> Select[Any]:
    """Tasks of one province with the same search key (sector and title) as another."""
    groups = _duplicate_groups(scope)
    stmt = (
        select(*_FINDING_TASK_COLUMNS, task_table.c.search_key, _lead_agency_on(scope.day).label("agency_id"))
        .join(
            groups,
            and_(groups.c.province_code == task_table.c.province_code, groups.c.search_key == task_table.c.search_key),
        )
        .where(_in_catalogue(scope))
    )
    return scope.apply(stmt)


def _status_findings(scope: FindingScope, *conditions: ColumnElement[bool]) -> Select[Any]:
    """The holders' statuses in force on the day that meet ``conditions``, with their task."""
    stmt = (
        select(
            *_FINDING_TASK_COLUMNS,
            feasibility_table.c.agency_id,
            feasibility_table.c.id.label("feasibility_id"),
            feasibility_table.c.commune_code,
            feasibility_table.c.status,
            feasibility_table.c.valid_from.label("since"),
            feasibility_table.c.proposal,
            feasibility_table.c.answer_state,
        )
        .select_from(task_table.join(feasibility_table, feasibility_table.c.task_id == task_table.c.id))
        .where(in_force_on(feasibility_table, scope.day), *conditions)
    )
    return scope.apply(stmt)


def cannot_carry_out_findings(scope: FindingScope) -> Select[Any]:
    """Tasks an agency holding them cannot carry out on the day, its proposal not accepted or resolved."""
    settled = feasibility_table.c.answer_state.in_([AnswerState.ACCEPTED, AnswerState.RESOLVED])
    return _status_findings(
        scope,
        feasibility_table.c.status == FeasibilityStatus.CANNOT_CARRY_OUT,
        or_(feasibility_table.c.answer_state.is_(None), not_(settled)),
    )


def difficulty_open_findings(scope: FindingScope) -> Select[Any]:
    """Difficulties (or cannot-yet) in force on the day since more than ``open_days`` days, not resolved."""
    return _status_findings(scope, open_since_over(scope.day, scope.open_days))


async def counts_by(session: AsyncSession, stmt: Select[Any], column: str) -> dict[str, int]:
    """How many rows of a findings query fall in each value of ``column`` (``commune_code``, ``sector``), nulls left out."""
    found = stmt.subquery("found")
    grouped = select(found.c[column], func.count()).where(found.c[column].is_not(None)).group_by(found.c[column])
    return {str(key): int(count) for key, count in (await session.execute(grouped)).all()}


async def duplicate_members(
    session: AsyncSession, scope: FindingScope, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], list[uuid.UUID]]:
    """The tasks sharing each (province, key), for the findings of one page."""
    members: dict[tuple[str, str], list[uuid.UUID]] = {}
    if not keys:
        return members
    stmt = scope.apply(
        select(task_table.c.province_code, task_table.c.search_key, task_table.c.id)
        .where(_in_catalogue(scope), tuple_(task_table.c.province_code, task_table.c.search_key).in_(list(set(keys))))
        .order_by(task_table.c.code)
    )
    for province, key, task_id in (await session.execute(stmt)).all():
        members.setdefault((province, key), []).append(task_id)
    return members


async def count_findings(
    session: AsyncSession, queries: Mapping[K, Select[Any]], *, per_province: bool = False
) -> dict[str | None, dict[K, int]]:
    """How many rows each query finds, counted in SQL in one statement (one UNION ALL of counts).

    With ``per_province`` grouped by the task's province and keyed by its code (only provinces
    with a finding); otherwise under ``None``. Every kind is there, at 0 when nothing is found.
    """
    keys = list(queries)
    counts = []
    for index, key in enumerate(keys):
        found = queries[key].subquery()
        by_province = [found.c.province_code] if per_province else []
        count = select(literal(index).label("query"), *by_province, func.count().label("count")).select_from(found)
        counts.append(count.group_by(*by_province) if per_province else count)
    out: dict[str | None, dict[K, int]] = {} if per_province else {None: dict.fromkeys(keys, 0)}
    for index, *province, count in (await session.execute(union_all(*counts))).all():
        out.setdefault(province[0] if province else None, dict.fromkeys(keys, 0))[keys[int(index)]] = int(count)
    return out


async def first_findings(session: AsyncSession, stmt: Select[Any], limit: int) -> tuple[Sequence[RowMapping], int]:
    """The first ``limit`` (at least 1) findings of a query, and how many it finds in all, in one statement.

    NOTE: the count is a window over every row found, which the ordering reads anyway: the
    page and the count cost one pass, where a separate count read the same rows again.
    """
    counted = stmt.add_columns(func.count().over().label("found_in_all"))
    ordered = counted.order_by(task_table.c.province_code, task_table.c.code, task_table.c.id).limit(limit)
    rows: Sequence[RowMapping] = (await session.execute(ordered)).mappings().all()
    return rows, int(rows[0]["found_in_all"]) if rows else 0
