"""What the national roll-up reads beyond the province reports' calls.

The provinces in force on a date (org-structure's ``GET /units?level=province``: the roll-up's
rows), and every statistic for the whole country in one call: org-structure's and assets'
``/…/by-province`` routes (one row per province with something to count, grouped in SQL
there), personnel's statistics grouped ``by=province`` (one row per province and group).
A province absent from an answer counts nothing: each answer's zeros (``NO_…``) stand for it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Generic, TypeVar

from haicap_shared.codes import UnitLevel
from haicap_shared.values import FIRST_EVALUATED_YEAR

from .assets import AssetsSource, AssetSummary, CarNormCounts, DispositionStats
from .base import Read, read
from .org import LevelProgress, OrgSource, TaskStats
from .personnel import PersonnelSource

# NOTE: 34 since 1 July 2025 (63 before): one page holds them all
MAX_PROVINCES = 100


class ProvinceRef(Read):
    code: str
    name: str


class ProvincePage(Read):
    """``GET /units?level=province``: one page of provinces."""

    items: list[ProvinceRef]


async def provinces(org: OrgSource, as_of: date) -> list[ProvinceRef]:
    """The provinces in force on ``as_of``, by code."""
    params = {"level": "province", "as_of": as_of.isoformat(), "limit": str(MAX_PROVINCES)}
    page = await read(org.client, ProvincePage, "/units", params=params)
    return sorted(page.items, key=lambda p: p.code)


# --- one call per statistic: the /…/by-province routes ----------------------------------


class InProvince(Read):
    """A by-province answer's row: the per-province route's figures for ``province``."""

    province: str


R = TypeVar("R", bound=InProvince)


class ByProvince(Read, Generic[R]):
    """``GET /…/by-province``: a row per province with something to count (one with nothing may be absent)."""

    rows: list[R]

    def by_code(self) -> dict[str, R]:
        return {row.province: row for row in self.rows}


class ProvinceTaskStats(InProvince, TaskStats):
    pass


class DecisionCounts(Read):
    """``GET /function-decisions/progress``' counts by level (its lists of agencies are left unread)."""

    by_level: dict[UnitLevel, LevelProgress]


class ProvinceDecisionCounts(InProvince, DecisionCounts):
    pass


class PlanFigures(Read):
    """``GET /plans/stats``: the province's open plans, their items by status, and the overdue items."""

    plans_open: int
    items: dict[str, int]
    overdue: int


class ProvincePlanFigures(InProvince, PlanFigures):
    pass


class FindingCounts(Read):
    """``GET /tasks/findings``' counts (complete whatever the limit): the findings by kind."""

    total: int
    counts: dict[str, int]


class ProvinceFindingCounts(InProvince, FindingCounts):
    pass


class ProvinceAssetSummary(InProvince, AssetSummary):
    pass


class ProvinceCarNorms(InProvince, CarNormCounts):
    pass


class CarNormsByProvince(ByProvince[ProvinceCarNorms]):
    """``GET /stats/car-norms/by-province``: the counts per province, and the norm in force (the same for all)."""

    max_general_cars_per_commune: int | None


class ProvinceDispositionStats(InProvince, DispositionStats):
    pass


class GapCount(Read):
    """``GET /stats/gaps``' total: assets of holders no longer in force, with no plan."""

    total: int


class ProvinceGapCount(InProvince, GapCount):
    pass


NO_TASKS = TaskStats(total=0, by_level={}, by_sector=[])
NO_DECISIONS = DecisionCounts(by_level={})
NO_PLANS = PlanFigures(plans_open=0, items={}, overdue=0)
NO_FINDINGS = FindingCounts(total=0, counts={})
NO_HOLDINGS = AssetSummary.model_validate(dict.fromkeys(AssetSummary.model_fields, 0))
NO_CAR_NORMS = CarNormCounts(communes=0, communes_over_norm=0, communes_under_norm=0)
NO_DISPOSITIONS = DispositionStats(rows=[], overdue_decisions=0, surplus_without_plan={})
NO_GAPS = GapCount(total=0)


def _on(as_of: date) -> dict[str, str]:
    return {"as_of": as_of.isoformat()}


async def task_stats_by_province(org: OrgSource, as_of: date) -> ByProvince[ProvinceTaskStats]:
    return await read(org.client, ByProvince[ProvinceTaskStats], "/tasks/stats/by-province", params=_on(as_of))


async def decision_progress_by_province(org: OrgSource, as_of: date) -> ByProvince[ProvinceDecisionCounts]:
    path = "/function-decisions/progress/by-province"
    return await read(org.client, ByProvince[ProvinceDecisionCounts], path, params=_on(as_of))


async def plan_figures_by_province(org: OrgSource, as_of: date) -> ByProvince[ProvincePlanFigures]:
    return await read(org.client, ByProvince[ProvincePlanFigures], "/plans/stats/by-province", params=_on(as_of))


async def finding_counts_by_province(org: OrgSource, as_of: date) -> ByProvince[ProvinceFindingCounts]:
    return await read(org.client, ByProvince[ProvinceFindingCounts], "/tasks/findings/by-province", params=_on(as_of))


async def holdings_by_province(assets: AssetsSource, as_of: date) -> ByProvince[ProvinceAssetSummary]:
    return await read(assets.client, ByProvince[ProvinceAssetSummary], "/stats/summary/by-province", params=_on(as_of))


async def car_norms_by_province(assets: AssetsSource, as_of: date) -> CarNormsByProvince:
    return await read(assets.client, CarNormsByProvince, "/stats/car-norms/by-province", params=_on(as_of))


async def dispositions_by_province(assets: AssetsSource, as_of: date) -> ByProvince[ProvinceDispositionStats]:
    path = "/stats/dispositions/by-province"
    return await read(assets.client, ByProvince[ProvinceDispositionStats], path, params=_on(as_of))


async def gaps_by_province(assets: AssetsSource, as_of: date) -> ByProvince[ProvinceGapCount]:
    return await read(assets.client, ByProvince[ProvinceGapCount], "/stats/gaps/by-province", params=_on(as_of))


# --- personnel, grouped by=province -------------------------------------------------------


class GroupedStreamliningRow(Read):
    group: dict[str, str | None]
    policy: str
    status: str
    cases: int
    amount_vnd: Decimal


class GroupedStreamlining(Read):
    """``GET /stats/streamlining?by=province``: cases and amounts by province, policy and status."""

    rows: list[GroupedStreamliningRow]


class GroupedPeopleRow(Read):
    group: dict[str, str | None]
    people: int


class GroupedTasksNotCompleted(Read):
    """``GET /stats/tasks-not-completed?by=province``: people not completing their tasks two years running, by province."""

    year: int
    rows: list[GroupedPeopleRow]
    total: int


async def streamlining_by_province(personnel: PersonnelSource, as_of: date) -> GroupedStreamlining:
    params = [("as_of", as_of.isoformat()), ("by", "province")]
    return await read(personnel.client, GroupedStreamlining, "/stats/streamlining", params=params)


async def tasks_not_completed_by_province(personnel: PersonnelSource, year: int) -> GroupedTasksNotCompleted:
    if year < FIRST_EVALUATED_YEAR:
        return GroupedTasksNotCompleted(year=year, rows=[], total=0)
    params = [("year", str(year)), ("by", "province")]
    return await read(personnel.client, GroupedTasksNotCompleted, "/stats/tasks-not-completed", params=params)
