"""The follow-up of the plans: the overdue items (escalated to the assignee's superior agency) and
the figures of the province summary, all counted in SQL from the items, so a change of one item
moves them by exactly that.

An item is overdue on a day when its deadline is before it, it was not done by then and is not
cancelled, in a plan not closed by then. On-time rates count, per assignee agency, the items
(not cancelled) whose deadline falls in [from, to]: done on time, done late (by ``as_of``), and
``rate = done_on_time / due`` (4 decimals; null when nothing was due).
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.auth import Principal
from haicap_shared.paging import Page

from . import repository, schemas
from .access import items_visible, plans_visible
from .models import ItemStatus
from .repository import Scope

RATE_PLACES = Decimal("0.0001")


def scope_of(principal: Principal, province: str | None, commune: str | None, agency_id: uuid.UUID | None = None) -> Scope:
    return Scope(items_visible(principal, repository.SUPERIOR_ID), province=province, commune=commune, agency_id=agency_id)


async def overdue(
    session: AsyncSession, principal: Principal, scope: Scope, as_of: date, *, limit: int, cursor: str | None
) -> Page[schemas.OverdueItem]:
    rows, next_cursor = await repository.overdue_page(session, scope, as_of, limit=limit, cursor=cursor)
    items = [
        schemas.OverdueItem.model_validate({**row, "item_id": row["id"], "days_overdue": (as_of - row["deadline"]).days})
        for row in rows
    ]
    return Page[schemas.OverdueItem](items=items, next=next_cursor)


def rate(done_on_time: int, due: int) -> str | None:
    if due == 0:
        return None
    return str((Decimal(done_on_time) / Decimal(due)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class _Figures:
    """The follow-up figures as the repository counts them, keyed by province (``None`` when not counted per province)."""

    plans_open: dict[str | None, int]
    plans_without_items: dict[str | None, int]
    items: dict[str | None, dict[str, int]]
    overdue_by_agency: dict[str | None, list[RowMapping]]
    overdue_by_commune: dict[str | None, list[RowMapping]]
    on_time: dict[str | None, list[RowMapping]]

    def provinces(self) -> list[str]:
        """Every province with something counted."""
        figures = (getattr(self, f.name) for f in dataclasses.fields(self))
        return sorted({key for figure in figures for key in figure if key is not None})


async def _figures(session: AsyncSession, principal: Principal, scope: Scope, as_of: date, start: date, end: date) -> _Figures:
    without_items: dict[str | None, int] = {}
    if scope.commune is None:
        # NOTE: a plan without items has no commune; it counts only in a province's figures.
        visible_plans = plans_visible(principal, repository.superior_of_item())
        without_items = await repository.plans_open_without_items(session, visible_plans, scope, as_of)
    return _Figures(
        plans_open=await repository.plans_open(session, scope, as_of),
        plans_without_items=without_items,
        items=await repository.items_by_status(session, scope, as_of),
        overdue_by_agency=await repository.overdue_by_agency(session, scope, as_of),
        overdue_by_commune=await repository.overdue_by_commune(session, scope, as_of),
        on_time=await repository.on_time_by_agency(session, scope, as_of, start, end),
    )


def _stats(
    figures: _Figures, key: str | None, *, province: str | None, commune: str | None, as_of: date, start: date, end: date
) -> schemas.PlanStats:
    """The figures of one province (``key``; ``None``: the only ones), shaped for the API."""
    by_status = dict.fromkeys(ItemStatus, 0) | {ItemStatus(k): v for k, v in figures.items.get(key, {}).items()}
    by_commune = figures.overdue_by_commune.get(key, [])
    return schemas.PlanStats(
        as_of=as_of,
        province=province,
        commune=commune,
        period_from=start,
        period_to=end,
        plans_open=figures.plans_open.get(key, 0) + figures.plans_without_items.get(key, 0),
        items=by_status,
        overdue=sum(int(r["overdue"]) for r in by_commune),
        overdue_by_agency=[schemas.AgencyOverdue.model_validate(dict(r)) for r in figures.overdue_by_agency.get(key, [])],
        overdue_by_commune=[schemas.CommuneOverdue.model_validate(dict(r)) for r in by_commune],
        on_time=[
            schemas.AgencyOnTime(
                agency_id=r["agency_id"],
                name=r["name"],
                due=int(r["due"]),
                done_on_time=int(r["done_on_time"] or 0),
                done_late=int(r["done_late"] or 0),
                rate=rate(int(r["done_on_time"] or 0), int(r["due"])),
            )
            for r in figures.on_time.get(key, [])
        ],
    )


async def stats(
    session: AsyncSession,
    principal: Principal,
    *,
    province: str | None,
    commune: str | None,
    as_of: date,
    start: date,
    end: date,
) -> schemas.PlanStats:
    figures = await _figures(session, principal, scope_of(principal, province, commune), as_of, start, end)
    return _stats(figures, None, province=province, commune=commune, as_of=as_of, start=start, end=end)


async def stats_by_province(
    session: AsyncSession, principal: Principal, *, as_of: date, start: date, end: date
) -> schemas.PlanStatsByProvince:
    """:func:`stats` of every province of the caller's area, each figure counted for all of them in one statement."""
    scope = Scope(items_visible(principal, repository.SUPERIOR_ID), per_province=True)
    figures = await _figures(session, principal, scope, as_of, start, end)
    rows = [_stats(figures, code, province=code, commune=None, as_of=as_of, start=start, end=end) for code in figures.provinces()]
    return schemas.PlanStatsByProvince(as_of=as_of, rows=rows)
