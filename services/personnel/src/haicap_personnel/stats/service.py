"""The statistics: SQL aggregates, shaped for the reporting service and for people."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.auth import Principal

from ..people.models import PoliticalTheory, StateManagement
from ..placements.models import Suitability
from ..streamlining.models import CaseStatus, Policy
from . import repository
from .access import cases_visible, evaluations_visible, people_visible, placements_visible, quotas_visible
from .repository import Scope
from .schemas import (
    GapRow,
    GapStats,
    HeadcountRow,
    HeadcountStats,
    QualificationRow,
    QualificationStats,
    Share,
    StreamliningRow,
    StreamliningStats,
    SuitabilityRow,
    SuitabilityStats,
    TasksNotCompletedRow,
    TasksNotCompletedStats,
)


def share(count: int, of: int) -> Share:
    percent = (Decimal(count * 100) / Decimal(of)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if of else None
    return Share(count=count, percent=percent)


def _group(scope: Scope, row: Any) -> dict[str, str | None]:
    return {d.value: (None if row[d.value] is None else str(row[d.value])) for d in scope.by}


def _scope_fields(scope: Scope) -> dict[str, Any]:
    return {
        "as_of": scope.as_of,
        "province": scope.province,
        "commune": scope.commune,
        "level": scope.level,
        "category": scope.category,
        "by": list(scope.by),
    }


def _qualification_row(group: dict[str, str | None], values: dict[str, int]) -> QualificationRow:
    n = values["headcount"]
    return QualificationRow(
        group=group,
        headcount=n,
        university_or_higher=share(values["university_or_higher"], n),
        political_theory={lv.value: share(values[f"pt_{lv.value}"], n) for lv in PoliticalTheory},
        state_management={lv.value: share(values[f"sm_{lv.value}"], n) for lv in StateManagement},
    )


def _ints(row: Any, keys: list[str]) -> dict[str, int]:
    return {k: int(row[k] or 0) for k in keys}


async def qualifications(session: AsyncSession, principal: Principal, scope: Scope) -> QualificationStats:
    keys = ["headcount", "university_or_higher"]
    keys += [f"pt_{lv.value}" for lv in PoliticalTheory] + [f"sm_{lv.value}" for lv in StateManagement]
    found = await repository.qualifications(session, scope, placements_visible(principal))
    groups = [(_group(scope, r), _ints(r, keys)) for r in found if r["headcount"]]
    # NOTE: the total adds up the groups the database returned (a handful of rows), never people.
    total = {k: sum(values[k] for _, values in groups) for k in keys}
    return QualificationStats(
        **_scope_fields(scope),
        rows=[_qualification_row(g, v) for g, v in sorted(groups, key=lambda gv: [str(x) for x in gv[0].values()])],
        total=_qualification_row({}, total),
    )


def _headcount_row(group: dict[str, str | None], people: int, quota: int | None) -> HeadcountRow:
    return HeadcountRow(group=group, headcount=people, quota=quota, over_quota=None if quota is None else max(people - quota, 0))


async def headcount(session: AsyncSession, principal: Principal, scope: Scope) -> HeadcountStats:
    with_quota = scope.category is None and "category" not in scope.by
    counted = await repository.headcount(session, scope, placements_visible(principal), quotas_visible(principal))
    found = [(_group(scope, r), int(r["headcount"] or 0), int(r["quota"] or 0)) for r in counted]
    found = [f for f in found if f[1] or f[2]]
    rows = [
        _headcount_row(g, n, q if with_quota else None)
        for g, n, q in sorted(found, key=lambda f: [str(x) for x in f[0].values()])
    ]
    people, posts = sum(f[1] for f in found), sum(f[2] for f in found)
    return HeadcountStats(
        **_scope_fields(scope), year=scope.as_of.year, rows=rows, total=_headcount_row({}, people, posts if with_quota else None)
    )


def _suitability_row(group: dict[str, str | None], values: dict[str, int]) -> SuitabilityRow:
    n = values["placements"]
    return SuitabilityRow(group=group, placements=n, counts={s: share(values[f"s_{s.value}"], n) for s in Suitability})


async def suitability(session: AsyncSession, principal: Principal, scope: Scope) -> SuitabilityStats:
    keys = ["placements"] + [f"s_{s.value}" for s in Suitability]
    found = await repository.suitability(session, scope, placements_visible(principal))
    groups = [(_group(scope, r), _ints(r, keys)) for r in found if r["placements"]]
    total = {k: sum(values[k] for _, values in groups) for k in keys}
    return SuitabilityStats(
        **_scope_fields(scope),
        rows=[_suitability_row(g, v) for g, v in sorted(groups, key=lambda gv: [str(x) for x in gv[0].values()])],
        total=_suitability_row({}, total),
    )


async def gaps(session: AsyncSession, principal: Principal, scope: Scope) -> GapStats:
    found, first = await repository.gap_figures(session, scope, people_visible(principal))
    rows = sorted(
        (GapRow(group=_group(scope, r), people=int(r["people"])) for r in found if r["people"]),
        key=lambda row: [str(x) for x in row.group.values()],
    )
    sample = [str(person_id) for person_id in first]
    return GapStats(**_scope_fields(scope), rows=rows, total=sum(r.people for r in rows), sample=sample)


async def streamlining(session: AsyncSession, principal: Principal, scope: Scope) -> StreamliningStats:
    found = await repository.streamlining(session, scope, cases_visible(principal))
    rows = sorted(
        (
            StreamliningRow(
                group=_group(scope, r),
                policy=Policy(r["policy"]),
                status=CaseStatus(r["status"]),
                cases=int(r["cases"]),
                amount_vnd=Decimal(r["amount"]).quantize(Decimal(1)),
            )
            for r in found
        ),
        key=lambda row: ([str(x) for x in row.group.values()], row.policy.value, row.status.value),
    )
    return StreamliningStats(
        **_scope_fields(scope),
        rows=rows,
        cases=sum(r.cases for r in rows),
        amount_vnd=sum((r.amount_vnd for r in rows), Decimal(0)),
    )


async def tasks_not_completed(session: AsyncSession, principal: Principal, scope: Scope) -> TasksNotCompletedStats:
    """People who did not complete their tasks in the year of ``scope.as_of`` and the year before (evaluations in your area)."""
    found = await repository.tasks_not_completed(session, scope, evaluations_visible(principal))
    rows = sorted(
        (TasksNotCompletedRow(group=_group(scope, r), people=int(r["people"])) for r in found if r["people"]),
        key=lambda row: [str(x) for x in row.group.values()],
    )
    return TasksNotCompletedStats(
        year=scope.as_of.year,
        province=scope.province,
        commune=scope.commune,
        level=scope.level,
        category=scope.category,
        by=list(scope.by),
        rows=rows,
        total=sum(r.people for r in rows),
    )
