"""HTTP routes of the workload (``/workload/communes``, ``/workload/agencies``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from haicap_shared.auth import NotAuthenticated, OutsideArea, RoleNotAllowed
from haicap_shared.codes import ProvinceCode, UnitLevel
from haicap_shared.db import DbSession
from haicap_shared.errors import problem_responses
from haicap_shared.values import IsoDate

from . import service
from .access import WorkloadRead
from .schemas import AgencyWorkloads, CommuneWorkloads

router = APIRouter(tags=["tasks"], responses=problem_responses(NotAuthenticated, RoleNotAllowed, OutsideArea))

Province = Annotated[ProvinceCode, Query(description="Province code, e.g. `04` for Cao Bằng")]
AsOf = Annotated[IsoDate, Query(description="Count the tasks held on this date")]
Baseline = Annotated[
    IsoDate, Query(description="Compare with the tasks held on this date (by default the day before the two-tier model)")
]


@router.get("/workload/communes", response_model=CommuneWorkloads)
async def commune_workload(
    session: DbSession,
    principal: WorkloadRead,
    province: Province,
    as_of: AsOf,
    baseline: Baseline = service.DEFAULT_BASELINE,
) -> CommuneWorkloads:
    """Tasks held by each commune's agencies on a date, and by the communes it came from on the baseline.

    One row per commune in force on `as_of`: its agencies, the distinct tasks they hold as lead,
    as co-owner of a shared task, and in all; `baseline` counts the same over its predecessors
    (unit lineage) in force on the baseline date, or over the commune itself when it was.
    """
    return await service.communes(session, principal, province=province, as_of=as_of, baseline=baseline)


@router.get("/workload/agencies", response_model=AgencyWorkloads)
async def agency_workload(
    session: DbSession,
    principal: WorkloadRead,
    province: Province,
    as_of: AsOf,
    baseline: Baseline = service.DEFAULT_BASELINE,
    level: Annotated[UnitLevel | None, Query(description="Only agencies of this level")] = None,
) -> AgencyWorkloads:
    """Tasks held by each agency in force on a date, and on the baseline (null when not in force then)."""
    return await service.agencies(session, principal, province=province, as_of=as_of, baseline=baseline, level=level)
