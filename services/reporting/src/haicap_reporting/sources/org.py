"""org-structure as reporting reads it: task counts and findings, decision progress, units, agencies, procedures handled."""

from __future__ import annotations

from datetime import date

from haicap_shared.codes import UnitLevel
from haicap_shared.http import ServiceClient

from .base import Read, read


class SectorCount(Read):
    sector: str
    count: int


class UnitCount(Read):
    unit_id: str
    count: int


class TaskStats(Read):
    """``GET /tasks/stats``: tasks held on a date by level and sector; one unit's (``by_unit``) when asked with ``unit_id``."""

    total: int
    by_level: dict[UnitLevel, int]
    by_sector: list[SectorCount]
    by_unit: list[UnitCount] | None = None


class LevelProgress(Read):
    required: int
    issued: int


class ProgressRow(Read):
    level: UnitLevel
    kind: str
    required: int
    issued: int


class AgencyRef(Read):
    id: str
    name: str
    kind: str
    level: UnitLevel


class DecisionProgress(Read):
    """``GET /function-decisions/progress``: agencies with their function decision, out of those needing one."""

    by_level: dict[UnitLevel, LevelProgress]
    by_kind: list[ProgressRow]
    missing: list[AgencyRef]


class FindingAgency(Read):
    name: str


class Finding(Read):
    kind: str
    task_id: str
    task_code: str
    task_title: str
    agencies: list[FindingAgency]
    reason: str


class Findings(Read):
    """``GET /tasks/findings``: tasks without an owner, owned twice, ..."""

    counts: dict[str, int]
    total: int
    items: list[Finding]
    truncated: bool
    # NOTE: issue #18's feasibility kinds counted by commune and sector ({} from an org-structure without them)
    by_commune: dict[str, dict[str, int]] = {}
    by_sector: dict[str, dict[str, int]] = {}


class Unit(Read):
    """``GET /units/by-code/{code}``: the unit holding a code on a date."""

    id: str
    code: str
    name: str
    kind: str
    level: UnitLevel
    valid_from: date | None
    province_code: str


class UnitRef(Read):
    code: str
    name: str
    valid_to: date | None


class ChangeRef(Read):
    kind: str
    legal_basis: str


class LineageStep(Read):
    unit: UnitRef
    change: ChangeRef


class Lineage(Read):
    """``GET /units/{id}/lineage``: the former units a unit came from."""

    predecessors: list[LineageStep]


class Agency(Read):
    id: str
    name: str
    kind: str


class AgencyPage(Read):
    """``GET /agencies``: one page of agencies."""

    items: list[Agency]


class CommuneProcedures(Read):
    commune_code: str
    commune_name: str
    procedures: int
    moved_from_district: int


class ProceduresByCommune(Read):
    """``GET /procedures/handled-by-communes``: per commune, the procedures it handles and those the district used to."""

    rows: list[CommuneProcedures]


class HandledProcedure(Read):
    code: str
    name: str
    sector: str | None
    processing_days: int
    moved_from_district: bool


class ProceduresHandled(Read):
    """``GET /procedures/handled``: the procedures linked to tasks a commune's agencies hold on a date."""

    total: int
    moved_from_district: int
    procedures: list[HandledProcedure]


class OrgSource:
    """org-structure, read through the gateway as reporting's account."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client
        self.name = client.name

    async def task_stats(self, province: str, as_of: date, *, unit_id: str | None = None) -> TaskStats:
        """The province's counts by level and sector; with ``unit_id``, that unit's own count too (``by_unit``)."""
        # NOTE: only what the report shows: the per-unit list is asked for one unit, never whole.
        scope = {"by": ["level", "sector", "unit"], "unit_id": unit_id} if unit_id else {"by": ["level", "sector"]}
        params = {"as_of": as_of.isoformat(), "province": province, **scope}
        return await read(self.client, TaskStats, "/tasks/stats", params=params)

    async def decision_progress(self, province: str, as_of: date) -> DecisionProgress:
        return await read(
            self.client,
            DecisionProgress,
            "/function-decisions/progress",
            params={"as_of": as_of.isoformat(), "province": province},
        )

    async def task_findings(self, province: str, as_of: date, *, limit: int) -> Findings:
        return await read(
            self.client, Findings, "/tasks/findings", params={"as_of": as_of.isoformat(), "province": province, "limit": limit}
        )

    async def unit_by_code(self, code: str, as_of: date) -> Unit:
        return await read(self.client, Unit, f"/units/by-code/{code}", params={"as_of": as_of.isoformat()})

    async def lineage(self, unit_id: str) -> Lineage:
        return await read(self.client, Lineage, f"/units/{unit_id}/lineage")

    async def commune_agencies(self, commune: str, as_of: date, *, limit: int) -> AgencyPage:
        return await read(
            self.client, AgencyPage, "/agencies", params={"commune": commune, "as_of": as_of.isoformat(), "limit": limit}
        )

    async def procedures_by_commune(self, province: str, as_of: date) -> ProceduresByCommune:
        return await read(
            self.client,
            ProceduresByCommune,
            "/procedures/handled-by-communes",
            params={"province": province, "as_of": as_of.isoformat()},
        )

    async def procedures_handled(self, commune: str, as_of: date) -> ProceduresHandled:
        return await read(
            self.client,
            ProceduresHandled,
            "/procedures/handled",
            params={"commune_code": commune, "as_of": as_of.isoformat()},
        )


# --- issue #18: task feasibility and plans ---------------------------------------------


class FeasibilityCommune(Read):
    commune_code: str | None
    normal: int
    with_difficulties: int
    cannot_carry_out: int
    open_over_days: int


class FeasibilitySector(Read):
    sector: str | None
    with_difficulties: int
    cannot_carry_out: int


class FeasibilityStats(Read):
    """``GET /task-feasibility/stats``: statuses in force on a date, by status, reason, proposal, commune and sector."""

    tasks_reported: int
    by_status: dict[str, int]
    by_reason: dict[str, int]
    proposals: dict[str, dict[str, int]]
    open_over_days: int
    by_commune: list[FeasibilityCommune]
    by_sector: list[FeasibilitySector]


class AgencyOverdue(Read):
    agency_id: str
    name: str
    commune_code: str | None
    overdue: int


class CommuneOverdue(Read):
    commune_code: str | None
    overdue: int


class AgencyOnTime(Read):
    agency_id: str
    name: str
    due: int
    done_on_time: int
    done_late: int
    rate: str | None


class PlanStats(Read):
    """``GET /plans/stats``: open plans, items by status, overdue items, on-time completion per agency."""

    plans_open: int
    items: dict[str, int]
    overdue: int
    overdue_by_agency: list[AgencyOverdue]
    overdue_by_commune: list[CommuneOverdue]
    on_time: list[AgencyOnTime]


class OverdueItem(Read):
    item_id: str
    plan_id: str
    code: str
    title: str
    deadline: date
    days_overdue: int
    assignee_agency_id: str
    assignee_agency_name: str
    commune_code: str | None
    superior_agency_id: str
    superior_agency_name: str


class OverdueItems(Read):
    """``GET /plans/overdue``: items not done with their deadline past."""

    items: list[OverdueItem]


class PlanItem(Read):
    id: str
    code: str
    title: str
    expected_output: str | None = None
    assignee_agency_id: str
    commune_code: str | None
    province_code: str
    starts_on: date | None = None
    deadline: date
    status: str
    progress_percent: int
    completed_on: date | None = None
    measure: str | None = None
    on_time: bool | None = None


class Plan(Read):
    """``GET /plans/{id}``: a plan with its items."""

    id: str
    province_code: str
    code: str
    title: str
    owner_agency_id: str
    decision_number: str | None = None
    decision_signed_on: date | None = None
    starts_on: date
    ends_on: date | None
    status: str
    closed_on: date | None = None
    rating: str | None = None
    items: list[PlanItem]


# NOTE: functions of the org source rather than methods, so this part stands apart from the rest of OrgSource


def _scope(province: str, commune: str | None, as_of: date) -> dict[str, str]:
    return {"as_of": as_of.isoformat(), "province": province} | ({"commune": commune} if commune else {})


async def feasibility_stats(org: OrgSource, province: str, commune: str | None, as_of: date) -> FeasibilityStats:
    return await read(org.client, FeasibilityStats, "/task-feasibility/stats", params=_scope(province, commune, as_of))


async def plan_stats(org: OrgSource, province: str, commune: str | None, as_of: date, start: date, end: date) -> PlanStats:
    params = _scope(province, commune, as_of) | {"from": start.isoformat(), "to": end.isoformat()}
    return await read(org.client, PlanStats, "/plans/stats", params=params)


async def plans_overdue(org: OrgSource, province: str, commune: str | None, as_of: date, *, limit: int) -> OverdueItems:
    params = _scope(province, commune, as_of) | {"limit": str(limit)}
    return await read(org.client, OverdueItems, "/plans/overdue", params=params)


async def plan(org: OrgSource, plan_id: str) -> Plan:
    return await read(org.client, Plan, f"/plans/{plan_id}")


# --- issue #18: workload ------------------------------------------------------------------


class TasksHeld(Read):
    tasks_lead: int
    tasks_shared: int
    tasks_held: int


class CommuneWorkload(TasksHeld):
    commune_code: str
    name: str
    agencies: int
    predecessor_codes: list[str]
    baseline: TasksHeld


class CommuneWorkloads(Read):
    """``GET /workload/communes``: tasks held by each commune's agencies, and by its predecessors on the baseline."""

    rows: list[CommuneWorkload]


class AgencyWorkload(TasksHeld):
    agency_id: str
    name: str
    level: UnitLevel
    commune_code: str | None
    parent_id: str | None
    baseline_tasks_held: int | None


class AgencyWorkloads(Read):
    """``GET /workload/agencies``: tasks held by each agency in force, and on the baseline."""

    rows: list[AgencyWorkload]


async def commune_workload(org: OrgSource, province: str, as_of: date, baseline: date) -> CommuneWorkloads:
    params = {"province": province, "as_of": as_of.isoformat(), "baseline": baseline.isoformat()}
    return await read(org.client, CommuneWorkloads, "/workload/communes", params=params)


async def agency_workload(org: OrgSource, province: str, as_of: date, baseline: date) -> AgencyWorkloads:
    params = {"province": province, "as_of": as_of.isoformat(), "baseline": baseline.isoformat()}
    return await read(org.client, AgencyWorkloads, "/workload/agencies", params=params)
