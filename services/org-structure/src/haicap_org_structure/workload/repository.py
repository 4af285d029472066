"""Every query of the workload: one grouped statement per figure set (no query per commune or agency).

- :func:`commune_counts`: the communes in force on a day, their agencies and the tasks those hold;
- :func:`baseline`: over the communes each came from (a recursive walk of the units' lineage),
  the tasks held on the baseline day, and those communes' codes;
- :func:`agency_counts`: the agencies in force on a day, the tasks each holds then and on the baseline.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import CTE, ColumnElement, Select, String, and_, case, cast, func, literal, not_, null, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.codes import UnitLevel
from haicap_shared.filters import where_given
from haicap_shared.validity import in_force_on

from ..agencies.models import agency_table
from ..tasks.models import ownership_table
from ..units.models import LinkRole, link_table, unit_table


@dataclass(frozen=True)
class Held:
    """Distinct tasks held as lead, as co-owner, and in all."""

    tasks_lead: int
    tasks_shared: int
    tasks_held: int


NOTHING_HELD = Held(0, 0, 0)


@dataclass(frozen=True)
class CommuneCounts:
    id: uuid.UUID
    code: str
    name: str
    agencies: int
    held: Held


@dataclass(frozen=True)
class AgencyCounts:
    id: uuid.UUID
    name: str
    level: UnitLevel
    commune_code: str | None
    parent_id: uuid.UUID | None
    held: Held
    baseline_held: int | None


def _held_columns(held: ColumnElement[bool] | None = None) -> list[Any]:
    """``count(distinct task)`` as lead, as co-owner, and in all, of the joined ownerships (kept by ``held``)."""
    o = ownership_table.c
    kept: list[ColumnElement[bool]] = [] if held is None else [held]
    return [
        func.count(case((and_(*kept, o.is_lead.is_(True)), o.task_id)).distinct()).label("tasks_lead"),
        func.count(case((and_(*kept, not_(o.is_lead)), o.task_id)).distinct()).label("tasks_shared"),
        func.count((case((and_(*kept), o.task_id)) if kept else o.task_id).distinct()).label("tasks_held"),
    ]


def _held(row: Any) -> Held:
    return Held(int(row.tasks_lead), int(row.tasks_shared), int(row.tasks_held))


def _communes(province: str, day: date, visible: ColumnElement[bool]) -> list[ColumnElement[bool]]:
    u = unit_table.c
    return [u.province_code == province, u.level == UnitLevel.COMMUNE, in_force_on(unit_table, day), visible]


async def commune_counts(session: AsyncSession, province: str, day: date, visible: ColumnElement[bool]) -> list[CommuneCounts]:
    """The province's communes in force on ``day``, their agencies then and the tasks those hold then."""
    u, a, o = unit_table, agency_table, ownership_table
    stmt = (
        select(u.c.id, u.c.code, u.c.name, func.count(a.c.id.distinct()).label("agencies"), *_held_columns())
        .select_from(
            u.outerjoin(a, and_(a.c.unit_id == u.c.id, in_force_on(a, day))).outerjoin(
                o, and_(o.c.agency_id == a.c.id, in_force_on(o, day))
            )
        )
        .where(*_communes(province, day, visible))
        .group_by(u.c.id, u.c.code, u.c.name)
        .order_by(u.c.code, u.c.id)
    )
    rows = (await session.execute(stmt)).all()
    return [CommuneCounts(r.id, r.code, r.name, int(r.agencies), _held(r)) for r in rows]


def _baseline_members(province: str, day: date, baseline: date, visible: ColumnElement[bool]) -> Select[Any]:
    """(commune_id, unit_id): for each commune in force on ``day``, the communes of its lineage in force on ``baseline``.

    The walk goes back through the changes (result -> sources) only from units that began after
    the baseline, so it stops at the units in force then; the commune itself is a member when it
    was in force on the baseline too.
    """
    u = unit_table.c
    ancestry: CTE = (
        select(u.id.label("commune_id"), u.id.label("unit_id"), u.valid_from.label("valid_from"))
        .where(*_communes(province, day, visible))
        .cte("ancestry", recursive=True)
    )
    result, source, former = link_table.alias("result_link"), link_table.alias("source_link"), unit_table.alias("former")
    step = (
        select(ancestry.c.commune_id, source.c.unit_id, former.c.valid_from)
        .select_from(
            ancestry.join(result, and_(result.c.unit_id == ancestry.c.unit_id, result.c.role == LinkRole.RESULT))
            .join(source, and_(source.c.change_id == result.c.change_id, source.c.role == LinkRole.SOURCE))
            .join(former, former.c.id == source.c.unit_id)
        )
        .where(ancestry.c.valid_from > baseline)
    )
    ancestry = ancestry.union(step)
    member = unit_table.alias("member")
    return (
        select(ancestry.c.commune_id, ancestry.c.unit_id, member.c.code)
        .join(member, member.c.id == ancestry.c.unit_id)
        .where(member.c.level == UnitLevel.COMMUNE, in_force_on(member, baseline))
        .distinct()
    )


async def baseline(
    session: AsyncSession, province: str, day: date, baseline: date, visible: ColumnElement[bool]
) -> tuple[dict[uuid.UUID, Held], dict[uuid.UUID, list[str]]]:
    """For each commune in force on ``day``: the tasks its lineage's communes' agencies held on ``baseline``, and
    the codes of those communes when it was not in force then itself, in one statement.
    """
    # NOTE: the lineage is walked once (a CTE) for both row kinds; a row with a code names a predecessor.
    members = _baseline_members(province, day, baseline, visible).cte("members")
    a, o = agency_table, ownership_table
    held = (
        select(members.c.commune_id, cast(null(), String).label("code"), *_held_columns())
        .select_from(
            members.join(a, and_(a.c.unit_id == members.c.unit_id, in_force_on(a, baseline))).join(
                o, and_(o.c.agency_id == a.c.id, in_force_on(o, baseline))
            )
        )
        .group_by(members.c.commune_id)
    )
    predecessors = select(
        members.c.commune_id, members.c.code, *(literal(0).label(name) for name in ("tasks_lead", "tasks_shared", "tasks_held"))
    ).where(members.c.unit_id != members.c.commune_id)
    counts: dict[uuid.UUID, Held] = {}
    codes: dict[uuid.UUID, list[str]] = {}
    for r in (await session.execute(union_all(held, predecessors))).all():
        if r.code is None:
            counts[r.commune_id] = _held(r)
        else:
            codes.setdefault(r.commune_id, []).append(r.code)
    return counts, {commune_id: sorted(found) for commune_id, found in codes.items()}


async def agency_counts(
    session: AsyncSession,
    province: str,
    day: date,
    baseline: date,
    level: UnitLevel | None,
    visible: ColumnElement[bool],
) -> list[AgencyCounts]:
    """The province's agencies in force on ``day`` (of one level), the tasks each holds then and on ``baseline``."""
    a, o = agency_table, ownership_table
    now, then = in_force_on(o, day), in_force_on(o, baseline)
    stmt = where_given(
        select(
            a.c.id,
            a.c.name,
            a.c.level,
            a.c.commune_code,
            a.c.parent_id,
            *_held_columns(now),
            func.count(case((then, o.c.task_id)).distinct()).label("baseline_held"),
            func.max(case((in_force_on(a, baseline), 1), else_=0)).label("in_force_then"),
        )
        .select_from(a.outerjoin(o, and_(o.c.agency_id == a.c.id, or_(now, then))))
        .where(a.c.province_code == province, in_force_on(a, day), visible)
        .group_by(a.c.id, a.c.name, a.c.level, a.c.commune_code, a.c.parent_id)
        .order_by(a.c.name, a.c.id),
        (a.c.level, level),
    )
    return [
        AgencyCounts(
            r.id,
            r.name,
            UnitLevel(r.level),
            r.commune_code,
            r.parent_id,
            _held(r),
            int(r.baseline_held) if r.in_force_then else None,
        )
        for r in (await session.execute(stmt)).all()
    ]
