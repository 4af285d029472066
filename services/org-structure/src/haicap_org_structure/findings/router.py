"""HTTP route of the catalogue's checks (``/tasks/findings``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from haicap_shared.auth import NotAuthenticated, OutsideArea, RoleNotAllowed
from haicap_shared.db import DbReadSession
from haicap_shared.errors import problem_responses
from haicap_shared.values import IsoDate

from ..tasks.router import ProvinceFilter, Sector
from . import service
from .access import FindingsRead
from .schemas import FindingCountsByProvince, FindingKind, Findings

router = APIRouter(tags=["tasks"], responses=problem_responses(NotAuthenticated, RoleNotAllowed, OutsideArea))


OpenDays = Annotated[
    int, Query(ge=1, le=3650, description="`difficulty_open`: a difficulty in force since more than this many days")
]


@router.get("/tasks/findings", response_model=Findings)
async def task_findings(
    session: DbReadSession,
    principal: FindingsRead,
    as_of: Annotated[IsoDate, Query(description="Check the catalogue as it stands on this date")],
    province: ProvinceFilter = None,
    sector: Sector = None,
    kind: Annotated[FindingKind | None, Query(description="Only findings of this kind")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Findings listed at most (counts are always complete)")] = 100,
    open_days: OpenDays = 30,
) -> Findings:
    """Overlaps, tasks without owner or legal basis, owners no longer in force, duplicates, tasks holders cannot carry out."""
    return await service.findings(
        session, principal, as_of=as_of, province=province, sector=sector, kind=kind, limit=limit, open_days=open_days
    )


# NOTE: this router is included before the tasks' (app.py), so its fixed paths come before `/tasks/{task_id}…`.
@router.get("/tasks/findings/by-province", response_model=FindingCountsByProvince)
async def finding_counts_by_province(
    session: DbReadSession,
    principal: FindingsRead,
    as_of: Annotated[IsoDate, Query(description="Check the catalogue as it stands on this date")],
    open_days: OpenDays = 30,
) -> FindingCountsByProvince:
    """Count the findings of every province of your area in one call, by kind (computed in SQL, grouped by province).

    Each row holds `total` and `counts` of `GET /tasks/findings?province=<code>` for its province; a
    province officer gets their province's row only. No finding is listed.
    """
    return await service.finding_counts_by_province(session, principal, as_of=as_of, open_days=open_days)
