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
from .schemas import FindingKind, Findings

router = APIRouter(tags=["tasks"], responses=problem_responses(NotAuthenticated, RoleNotAllowed, OutsideArea))


@router.get("/tasks/findings", response_model=Findings)
async def task_findings(
    session: DbReadSession,
    principal: FindingsRead,
    as_of: Annotated[IsoDate, Query(description="Check the catalogue as it stands on this date")],
    province: ProvinceFilter = None,
    sector: Sector = None,
    kind: Annotated[FindingKind | None, Query(description="Only findings of this kind")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Findings listed at most (counts are always complete)")] = 100,
    open_days: Annotated[
        int, Query(ge=1, le=3650, description="`difficulty_open`: a difficulty in force since more than this many days")
    ] = 30,
) -> Findings:
    """Overlaps, tasks without owner or legal basis, owners no longer in force, duplicates, tasks holders cannot carry out."""
    return await service.findings(
        session, principal, as_of=as_of, province=province, sector=sector, kind=kind, limit=limit, open_days=open_days
    )
