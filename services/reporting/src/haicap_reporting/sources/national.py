"""What the national roll-up reads beyond the province reports' calls.

The provinces in force on a date (org-structure's ``GET /units?level=province``: the roll-up's
rows), the implementation plans' figures of a province (``GET /plans/stats``: open plans,
items by status, overdue items), and personnel's statistics grouped ``by=province`` for the
whole country (one call, one row per province and group, instead of one call per province).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .base import Read, read
from .org import OrgSource
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


class PlanFigures(Read):
    """``GET /plans/stats``: the province's open plans, their items by status, and the overdue items."""

    plans_open: int
    items: dict[str, int]
    overdue: int


async def plan_figures(org: OrgSource, province: str, as_of: date) -> PlanFigures:
    return await read(org.client, PlanFigures, "/plans/stats", params={"province": province, "as_of": as_of.isoformat()})


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
    params = [("year", str(year)), ("by", "province")]
    return await read(personnel.client, GroupedTasksNotCompleted, "/stats/tasks-not-completed", params=params)
