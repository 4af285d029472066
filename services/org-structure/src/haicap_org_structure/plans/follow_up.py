"""The follow-up of the plans: the overdue items (escalated to the assignee's superior agency) and
the figures of the province summary, all counted in SQL from the items, so a change of one item
moves them by exactly that.

An item is overdue on a day when its deadline is before it, it was not done by then and is not
cancelled, in a plan not closed by then. On-time rates count, per assignee agency, the items
(not cancelled) whose deadline falls in [from, to]: done on time, done late (by ``as_of``), and
``rate = done_on_time / due`` (4 decimals; null when nothing was due).
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

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
    scope = scope_of(principal, province, commune)
    plans_open = await repository.plans_open(session, scope, as_of)
    if commune is None:
        # NOTE: a plan without items has no commune; it counts only in a province's figures.
        plans_open += await repository.plans_open_without_items(
            session, plans_visible(principal, repository.superior_of_item()), province, as_of
        )
    by_status = dict.fromkeys(ItemStatus, 0) | {
        ItemStatus(k): v for k, v in (await repository.items_by_status(session, scope, as_of)).items()
    }
    by_agency = await repository.overdue_by_agency(session, scope, as_of)
    by_commune = await repository.overdue_by_commune(session, scope, as_of)
    on_time = await repository.on_time_by_agency(session, scope, as_of, start, end)
    return schemas.PlanStats(
        as_of=as_of,
        province=province,
        commune=commune,
        period_from=start,
        period_to=end,
        plans_open=plans_open,
        items=by_status,
        overdue=sum(int(r["overdue"]) for r in by_commune),
        overdue_by_agency=[schemas.AgencyOverdue.model_validate(dict(r)) for r in by_agency],
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
            for r in on_time
        ],
    )
