"""The workload figures shaped for the API: the repository's grouped counts joined in memory."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from haicap_shared.auth import Principal, check_province
from haicap_shared.codes import UnitLevel

from . import repository
from .access import visible_agencies, visible_communes
from .schemas import AgencyWorkload, AgencyWorkloads, CommuneWorkload, CommuneWorkloads, TasksHeld

# NOTE: the day before the two-tier model (1 July 2025): the change is measured against it.
DEFAULT_BASELINE = date(2025, 6, 30)


def _held(held: repository.Held) -> TasksHeld:
    return TasksHeld(tasks_lead=held.tasks_lead, tasks_shared=held.tasks_shared, tasks_held=held.tasks_held)


async def communes(
    session: AsyncSession, principal: Principal, *, province: str, as_of: date, baseline: date
) -> CommuneWorkloads:
    """The province's communes on ``as_of`` with their tasks, and their predecessors' on ``baseline``."""
    check_province(principal, province)
    visible = visible_communes(principal)
    now = await repository.commune_counts(session, province, as_of, visible)
    then, codes = await repository.baseline(session, province, as_of, baseline, visible)
    rows = [
        CommuneWorkload(
            commune_code=c.code,
            name=c.name,
            agencies=c.agencies,
            **_held(c.held).model_dump(),
            predecessor_codes=codes.get(c.id, []),
            baseline=_held(then.get(c.id, repository.NOTHING_HELD)),
        )
        for c in now
    ]
    return CommuneWorkloads(as_of=as_of, baseline=baseline, province=province, rows=rows)


async def agencies(
    session: AsyncSession, principal: Principal, *, province: str, as_of: date, baseline: date, level: UnitLevel | None
) -> AgencyWorkloads:
    """The province's agencies on ``as_of`` with the tasks each holds then and on ``baseline``."""
    check_province(principal, province)
    counts = await repository.agency_counts(session, province, as_of, baseline, level, visible_agencies(principal))
    rows = [
        AgencyWorkload(
            agency_id=a.id,
            name=a.name,
            level=a.level,
            commune_code=a.commune_code,
            parent_id=a.parent_id,
            **_held(a.held).model_dump(),
            baseline_tasks_held=a.baseline_held,
        )
        for a in counts
    ]
    return AgencyWorkloads(as_of=as_of, baseline=baseline, province=province, level=level, rows=rows)
