"""HTTP routes of the asset statistics (computed in SQL on any date)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from haicap_shared.auth import NotAuthenticated, OutsideArea, RoleNotAllowed
from haicap_shared.codes import CommuneCode, ProvinceCode
from haicap_shared.db import DbReadSession
from haicap_shared.errors import UpstreamUnavailable, problem_responses
from haicap_shared.values import IsoDate

from ..org_client import Org
from ..register.models import AssetKind
from . import service
from .access import RecordsRead
from .schemas import (
    CarNormsByProvince,
    CarNormStats,
    DispositionsByProvince,
    DispositionStats,
    Gaps,
    GapsByProvince,
    Holdings,
    Summary,
    SummaryByProvince,
    ValueStats,
)

router = APIRouter(tags=["statistics"], responses=problem_responses(NotAuthenticated, RoleNotAllowed, OutsideArea))

AsOf = Annotated[IsoDate, Query(description="Count what held on this date")]
Province = Annotated[ProvinceCode | None, Query(description="Province code, e.g. `04`")]
Kind = Annotated[AssetKind | None, Query(description="Count only plans (and surplus assets) of this kind")]


def _by_province(summary: str, route: str, more: str = "") -> dict[str, Any]:
    """The OpenAPI summary and description of the route answering ``route?province=`` for every province at once."""
    # NOTE: the national roll-up asked each of the 34 provinces in turn; these answer in one call, one GROUP BY per figure.
    return {
        "summary": summary,
        "description": f"One row per province in the caller's area (a caller bound to a province gets its own only), in "
        f"province order, each equal to what `GET {route}?province=` gives for that province.{more}",
    }


@router.get("/stats/summary", response_model=Summary)
async def summary(
    session: DbReadSession,
    principal: RecordsRead,
    as_of: AsOf,
    province: Province = None,
    commune: Annotated[CommuneCode | None, Query(description="Count what this commune holds")] = None,
) -> Summary:
    """Premises and cars (general-work, specialised, all) held by communes, and assets by holder level, on a date."""
    return await service.summary(session, principal, as_of, province, commune)


@router.get(
    "/stats/summary/by-province",
    response_model=SummaryByProvince,
    **_by_province("Every province's premises and cars held by communes", "/stats/summary"),
)
async def summary_by_province(session: DbReadSession, principal: RecordsRead, as_of: AsOf) -> SummaryByProvince:
    """Each province's summary of premises and cars held by communes on a date, in one call."""
    return await service.summary_by_province(session, principal, as_of)


@router.get("/stats/holdings", response_model=Holdings)
async def holdings(
    session: DbReadSession,
    principal: RecordsRead,
    as_of: AsOf,
    province: Province = None,
    group_by: Literal["level", "unit", "holder"] = "level",
    kind: AssetKind | None = None,
) -> Holdings:
    """Assets held on a date with their values, by holder level, unit or holder."""
    return await service.holdings(session, principal, as_of, province, group_by, kind)


@router.get("/stats/dispositions", response_model=DispositionStats)
async def dispositions(
    request: Request,
    session: DbReadSession,
    principal: RecordsRead,
    as_of: AsOf,
    province: Province = None,
    kind: Kind = None,
) -> DispositionStats:
    """Plans by form and step on a date, overdue decisions, and surplus assets without a plan."""
    days = int(request.app.state.settings.decision_days)
    return await service.dispositions(session, principal, as_of, province, kind, days)


@router.get(
    "/stats/dispositions/by-province",
    response_model=DispositionsByProvince,
    **_by_province("Every province's disposition plans, overdue decisions and surplus", "/stats/dispositions"),
)
async def dispositions_by_province(
    request: Request, session: DbReadSession, principal: RecordsRead, as_of: AsOf, kind: Kind = None
) -> DispositionsByProvince:
    """Each province's plans by form and step, overdue decisions and surplus assets without a plan on a date, in one call."""
    days = int(request.app.state.settings.decision_days)
    return await service.dispositions_by_province(session, principal, as_of, kind, days)


@router.get(
    "/stats/car-norms", response_model=CarNormStats, responses=problem_responses(UpstreamUnavailable, service.ProvinceNotFound)
)
async def car_norms(
    session: DbReadSession,
    principal: RecordsRead,
    org: Org,
    as_of: AsOf,
    province: Annotated[ProvinceCode, Query(description="Province code, e.g. `04`")],
) -> CarNormStats:
    """General-work cars per commune against the norm in force on a date: excess, shortfall, over the cap of their kind."""
    return await service.car_norms(session, principal, org, as_of, province)


@router.get(
    "/stats/car-norms/by-province",
    response_model=CarNormsByProvince,
    **_by_province(
        "Every province's general-work cars against the norm",
        "/stats/car-norms",
        " Every province with a commune in force on the date has a row; org-structure is asked for the communes once.",
    ),
    responses=problem_responses(UpstreamUnavailable),
)
async def car_norms_by_province(session: DbReadSession, principal: RecordsRead, org: Org, as_of: AsOf) -> CarNormsByProvince:
    """Each province's general-work cars against the norm in force on a date (the totals of its communes), in one call."""
    return await service.car_norms_by_province(session, principal, org, as_of)


@router.get("/stats/gaps", response_model=Gaps)
async def gaps(session: DbReadSession, principal: RecordsRead, as_of: AsOf, province: Province = None) -> Gaps:
    """Assets still held by units or agencies no longer in force, with no plan (the merger's gap)."""
    return await service.gaps(session, principal, as_of, province)


@router.get(
    "/stats/gaps/by-province",
    response_model=GapsByProvince,
    **_by_province("Every province's merger gap (assets of holders no longer in force)", "/stats/gaps"),
)
async def gaps_by_province(session: DbReadSession, principal: RecordsRead, as_of: AsOf) -> GapsByProvince:
    """Each province's assets still held by units or agencies no longer in force, with no plan, by kind, in one call."""
    return await service.gaps_by_province(session, principal, as_of)


@router.get("/stats/value", response_model=ValueStats)
async def value(session: DbReadSession, principal: RecordsRead, as_of: AsOf, province: Province = None) -> ValueStats:
    """Assets and their original and residual value by status on a date."""
    return await service.value(session, principal, as_of, province)
