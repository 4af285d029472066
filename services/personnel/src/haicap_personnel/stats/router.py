"""HTTP routes of the statistics (computed in SQL; the reporting service reads them)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from haicap_shared.codes import UnitLevelName
from haicap_shared.db import DbReadSession
from haicap_shared.deadlines import takes_up_to
from haicap_shared.values import IsoDate

from ..common import COMMON_PROBLEMS, CommuneCodeQuery, ProvinceCodeQuery
from ..conduct.schemas import Year
from ..people.models import Category
from . import service
from .access import RecordsRead
from .repository import Scope
from .schemas import (
    Dimension,
    GapStats,
    HeadcountStats,
    QualificationStats,
    StreamliningStats,
    SuitabilityStats,
    TasksNotCompletedStats,
)

router = APIRouter(prefix="/stats", tags=["stats"], responses=COMMON_PROBLEMS)

AsOf = Annotated[IsoDate, Query(description="Count on this date")]
Level = Annotated[UnitLevelName | None, Query(description="The agency's level")]
By = Annotated[list[Dimension] | None, Query(description="Group by these (repeat the parameter); none: one total")]


async def _scope(
    as_of: AsOf,
    province: ProvinceCodeQuery = None,
    commune: CommuneCodeQuery = None,
    level: Level = None,
    category: Category | None = None,
    by: By = None,
) -> Scope:
    return Scope(
        as_of=as_of, province=province, commune=commune, level=level, category=category, by=list(dict.fromkeys(by or []))
    )


StatsScope = Annotated[Scope, Depends(_scope)]
"""The filters every statistic takes: as_of, province, commune, level, category, and ``by``."""


# NOTE: the reports' slowest sources (0.7 to 2.8 s for 3 million people): the gateway waits for
# them as long as a report waits for a section (reporting's section_timeout_seconds, 30 s).
SOURCE_SECONDS = 30


@router.get("/qualifications", response_model=QualificationStats, openapi_extra=takes_up_to(SOURCE_SECONDS))
async def qualifications(
    session: DbReadSession,
    principal: RecordsRead,
    scope: StatsScope,
) -> QualificationStats:
    """Share with a university degree or higher, political-theory and state-management levels of the people in service."""
    return await service.qualifications(session, principal, scope)


@router.get("/headcount", response_model=HeadcountStats)
async def headcount(
    session: DbReadSession,
    principal: RecordsRead,
    scope: StatsScope,
) -> HeadcountStats:
    """People in service against the staffing quotas of the year."""
    return await service.headcount(session, principal, scope)


@router.get("/suitability", response_model=SuitabilityStats)
async def suitability(
    session: DbReadSession,
    principal: RecordsRead,
    scope: StatsScope,
) -> SuitabilityStats:
    """Primary placements in force by suitability (suitable, partly, unsuitable)."""
    return await service.suitability(session, principal, scope)


@router.get("/gaps", response_model=GapStats, openapi_extra=takes_up_to(SOURCE_SECONDS))
async def gaps(
    session: DbReadSession,
    principal: RecordsRead,
    scope: StatsScope,
) -> GapStats:
    """People neither placed nor in a streamlining case on the date (the gap the merger must not leave)."""
    return await service.gaps(session, principal, scope)


@router.get("/streamlining", response_model=StreamliningStats)
async def streamlining(
    session: DbReadSession,
    principal: RecordsRead,
    scope: StatsScope,
) -> StreamliningStats:
    """Streamlining cases and amounts by policy and status."""
    return await service.streamlining(session, principal, scope)


@router.get("/tasks-not-completed", response_model=TasksNotCompletedStats)
async def tasks_not_completed(
    session: DbReadSession,
    principal: RecordsRead,
    year: Annotated[Year, Query(description="The later of the two years evaluated")],
    province: ProvinceCodeQuery = None,
    commune: CommuneCodeQuery = None,
    level: Level = None,
    category: Category | None = None,
    by: By = None,
) -> TasksNotCompletedStats:
    """People evaluated "không hoàn thành nhiệm vụ" two years running (the year given and the one before)."""
    scope = Scope(
        as_of=date(year, 12, 31),
        province=province,
        commune=commune,
        level=level,
        category=category,
        by=list(dict.fromkeys(by or [])),
    )
    return await service.tasks_not_completed(session, principal, scope)
