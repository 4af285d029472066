"""HTTP routes of the plans: plans, items, progress reports, overdue items and follow-up figures."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from haicap_shared.audit import Audit
from haicap_shared.auth import NotAuthenticated, OutsideArea, RoleNotAllowed
from haicap_shared.codes import CommuneCode, ProvinceCode
from haicap_shared.db import DbReadSession, DbSession
from haicap_shared.errors import PreconditionFailed, PreconditionRequired, UpstreamUnavailable, problem_responses
from haicap_shared.idempotency import Idempotency, IdempotencyKeyReused
from haicap_shared.paging import Cursor, Limit, Page
from haicap_shared.values import IsoDate
from haicap_shared.versioning import IfMatch, etag_response

from . import follow_up, progress, service
from .access import PlansRead, PlansWrite, ProgressWrite
from .models import ItemStatus, PlanStatus
from .records import RecordsDirectory
from .schemas import (
    ItemCreate,
    ItemFilter,
    ItemUpdate,
    OverdueItem,
    Plan,
    PlanClose,
    PlanCreate,
    PlanItem,
    PlanStats,
    PlanStatsByProvince,
    PlanSummary,
    PlanUpdate,
    Progress,
    ProgressCreate,
)

router = APIRouter(tags=["plans"], responses=problem_responses(NotAuthenticated, RoleNotAllowed, OutsideArea))

PlanId = Annotated[uuid.UUID, Path(description="The plan's internal id")]
ItemId = Annotated[uuid.UUID, Path(description="The plan item's internal id")]
ProvinceFilter = Annotated[ProvinceCode | None, Query(description="Province code, e.g. `04` for Cao Bằng")]
CommuneFilter = Annotated[CommuneCode | None, Query(description="Commune code, e.g. `01654` (Xã Hòa An)")]
AsOf = Annotated[IsoDate | None, Query(description="The day the figures are for; today when omitted")]
PeriodFrom = Annotated[
    IsoDate | None, Query(alias="from", description="First deadline of the on-time rates; default 1 January of as_of's year")
]
PeriodTo = Annotated[
    IsoDate | None, Query(alias="to", description="Last deadline of the on-time rates; default 31 December of as_of's year")
]
IF_MATCH_PROBLEMS = (PreconditionFailed, PreconditionRequired)


def _records(request: Request) -> RecordsDirectory:
    records: RecordsDirectory = request.app.state.plan_records
    return records


Records = Annotated[RecordsDirectory, Depends(_records)]


def _period(day: date, period_from: date | None, period_to: date | None) -> tuple[date, date]:
    """The deadlines the on-time rates count: the year of ``day`` unless given."""
    return period_from or date(day.year, 1, 1), period_to or date(day.year, 12, 31)


# NOTE: the fixed paths before `/plans/{plan_id}`.
@router.get("/plans/overdue", response_model=Page[OverdueItem])
async def overdue_items(
    session: DbSession,
    principal: PlansRead,
    province: ProvinceFilter = None,
    commune: CommuneFilter = None,
    agency_id: Annotated[
        uuid.UUID | None, Query(description="Items assigned to this agency or escalated to it (it is the assignee's superior)")
    ] = None,
    as_of: AsOf = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[OverdueItem]:
    """Items late on a day, oldest deadline first, each with the superior agency it is escalated to.

    An item is late when its deadline is before `as_of`, it was not done by then and is not
    cancelled. Its superior agency is its assignee's parent, or the plan's owner agency: an
    agency officer sees the late items of the agencies under theirs.
    """
    scope = follow_up.scope_of(principal, province, commune, agency_id)
    return await follow_up.overdue(session, principal, scope, as_of or date.today(), limit=limit, cursor=cursor)


@router.get("/plans/stats", response_model=PlanStats)
async def plan_stats(
    session: DbReadSession,
    principal: PlansRead,
    province: ProvinceFilter = None,
    commune: CommuneFilter = None,
    as_of: AsOf = None,
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
) -> PlanStats:
    """Open plans, items by status, overdue items by agency and commune, on-time rates per agency (computed in SQL)."""
    day = as_of or date.today()
    start, end = _period(day, period_from, period_to)
    return await follow_up.stats(session, principal, province=province, commune=commune, as_of=day, start=start, end=end)


@router.get("/plans/stats/by-province", response_model=PlanStatsByProvince)
async def plan_stats_by_province(
    session: DbReadSession,
    principal: PlansRead,
    as_of: Annotated[IsoDate, Query(description="The day the figures are for")],
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
) -> PlanStatsByProvince:
    """The follow-up figures of every province of your area in one call (computed in SQL, grouped by province).

    Each row is what `GET /plans/stats?province=<code>` gives for its province on the same date and
    period; a province officer gets their province's row only.
    """
    start, end = _period(as_of, period_from, period_to)
    return await follow_up.stats_by_province(session, principal, as_of=as_of, start=start, end=end)


@router.post(
    "/plans",
    status_code=201,
    response_model=Plan,
    responses=problem_responses(service.PlanCodeTaken, *service.ITEM_PROBLEMS, UpstreamUnavailable, IdempotencyKeyReused),
)
async def create_plan(
    payload: PlanCreate,
    session: DbSession,
    audit: Audit,
    principal: PlansWrite,
    records: Records,
    idempotency: Idempotency,
) -> JSONResponse:
    """Record a plan of the owner agency's province, with its items (optional), their dependencies and links."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    plan = await service.create_plan(session, audit, principal, records, payload, date.today())
    return await idempotency.created(await service.plan_view(session, principal, plan), location=f"plans/{plan.id}")


@router.get("/plans", response_model=Page[PlanSummary])
async def list_plans(
    session: DbSession,
    principal: PlansRead,
    province: ProvinceFilter = None,
    status: Annotated[PlanStatus | None, Query(description="`open` or `closed`")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=200, description="Code or title, diacritics-insensitive")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[PlanSummary]:
    """List the plans in the caller's area, by code."""
    return await service.list_plans(session, principal, province=province, status=status, q=q, limit=limit, cursor=cursor)


@router.get("/plans/{plan_id}", response_model=Plan, responses=problem_responses(service.PlanNotFound))
async def get_plan(plan_id: PlanId, session: DbSession, principal: PlansRead) -> JSONResponse:
    """One plan with its items (a commune officer sees their commune's), and its ETag."""
    plan = await service.get_plan(session, principal, plan_id)
    return etag_response(await service.plan_view(session, principal, plan))


@router.patch(
    "/plans/{plan_id}",
    response_model=Plan,
    responses=problem_responses(
        service.PlanNotFound, service.PlanCodeTaken, service.PlanClosed, *service.ITEM_PROBLEMS[:2], *IF_MATCH_PROBLEMS
    ),
)
async def update_plan(
    plan_id: PlanId, payload: PlanUpdate, if_match: IfMatch, session: DbSession, audit: Audit, principal: PlansWrite
) -> JSONResponse:
    """Change a plan's code, title, owner, decision or dates. Requires If-Match."""
    plan = await service.get_plan(session, principal, plan_id)
    if_match.check(plan.version)
    await service.update_plan(session, audit, principal, plan, payload)
    return etag_response(await service.plan_view(session, principal, plan))


@router.post(
    "/plans/{plan_id}/close",
    response_model=Plan,
    responses=problem_responses(service.PlanNotFound, service.PlanClosed, *IF_MATCH_PROBLEMS),
)
async def close_plan(
    plan_id: PlanId, payload: PlanClose, if_match: IfMatch, session: DbSession, audit: Audit, principal: PlansWrite
) -> JSONResponse:
    """Close a plan with its assessment and rating (and each item's assessment). Requires If-Match."""
    plan = await service.get_plan(session, principal, plan_id)
    if_match.check(plan.version)
    await service.close_plan(session, audit, principal, plan, payload)
    return etag_response(await service.plan_view(session, principal, plan))


@router.post(
    "/plans/{plan_id}/items",
    status_code=201,
    response_model=PlanItem,
    responses=problem_responses(
        service.PlanNotFound, service.PlanClosed, *service.ITEM_PROBLEMS, UpstreamUnavailable, IdempotencyKeyReused
    ),
)
async def add_item(
    plan_id: PlanId,
    payload: ItemCreate,
    session: DbSession,
    audit: Audit,
    principal: PlansWrite,
    records: Records,
    idempotency: Idempotency,
) -> JSONResponse:
    """Add an item to an open plan."""
    if (replayed := await idempotency.replay()) is not None:
        return replayed
    plan = await service.get_plan(session, principal, plan_id)
    item = await service.add_item(session, audit, principal, records, plan, payload, date.today())
    return await idempotency.created(await service.item_view(session, item.id), location=f"../../plan-items/{item.id}")


@router.get("/plans/{plan_id}/items", response_model=list[PlanItem], responses=problem_responses(service.PlanNotFound))
async def list_items(
    plan_id: PlanId,
    session: DbSession,
    principal: PlansRead,
    status: Annotated[ItemStatus | None, Query(description="Items of this status")] = None,
    overdue: Annotated[IsoDate | None, Query(description="Only the items late on this day")] = None,
    agency_id: Annotated[uuid.UUID | None, Query(description="Items assigned to this agency")] = None,
    commune: CommuneFilter = None,
) -> list[PlanItem]:
    """The plan's items the caller sees, by code (a plan has at most a few hundred)."""
    plan = await service.get_plan(session, principal, plan_id)
    filters = ItemFilter(status=status, overdue_on=overdue, agency_id=agency_id, commune=commune)
    return await service.list_items(session, principal, plan, filters)


@router.get("/plan-items/{item_id}", response_model=PlanItem, responses=problem_responses(service.ItemNotFound))
async def get_item(item_id: ItemId, session: DbSession, principal: PlansRead) -> JSONResponse:
    """One item with its dependencies, links and reminders, and its ETag."""
    await service.get_item(session, principal, item_id)
    return etag_response(await service.item_view(session, item_id))


@router.patch(
    "/plan-items/{item_id}",
    response_model=PlanItem,
    responses=problem_responses(
        service.ItemNotFound,
        service.PlanClosed,
        service.StatusNotSettable,
        *service.ITEM_PROBLEMS,
        UpstreamUnavailable,
        *IF_MATCH_PROBLEMS,
    ),
)
async def update_item(
    item_id: ItemId,
    payload: ItemUpdate,
    if_match: IfMatch,
    session: DbSession,
    audit: Audit,
    principal: PlansWrite,
    records: Records,
) -> JSONResponse:
    """Change an item: deadline, assignee, status (`cancelled`), links, dependencies... Requires If-Match."""
    item = await service.get_item(session, principal, item_id)
    if_match.check(item.version)
    await service.update_item(session, audit, principal, records, item, payload, date.today())
    return etag_response(await service.item_view(session, item_id))


@router.post(
    "/plan-items/{item_id}/progress",
    status_code=201,
    response_model=Progress,
    responses=problem_responses(service.ItemNotFound, *progress.PROGRESS_PROBLEMS, *IF_MATCH_PROBLEMS),
)
async def report_progress(
    item_id: ItemId, payload: ProgressCreate, if_match: IfMatch, session: DbSession, audit: Audit, principal: ProgressWrite
) -> JSONResponse:
    """Report progress on an item (its assignee); 100 with `done` completes it. Requires If-Match on the item.

    The answer is the report, with the item's new ETag.
    """
    item = await service.get_item(session, principal, item_id)
    if_match.check(item.version)
    entry = await progress.report(session, audit, principal, item, payload)
    view = Progress.model_validate({**{c: getattr(entry, c) for c in Progress.model_fields}, "evidence": entry.evidence})
    return etag_response(view, item.version, 201, headers={"Location": "progress"})


@router.get("/plan-items/{item_id}/progress", response_model=list[Progress], responses=problem_responses(service.ItemNotFound))
async def progress_history(item_id: ItemId, session: DbSession, principal: PlansRead) -> list[Progress]:
    """The item's progress reports, newest first."""
    await service.get_item(session, principal, item_id)
    return await progress.history(session, item_id)
