"""The reports' JSON: one pydantic model per report and per section, what frontends generate types from.

Sections build these models and the routes serialise the whole report through them, so the
JSON sent and the schema in OpenAPI cannot drift apart. Every model forbids extra fields, and
every field is required (a figure that may be absent is ``null``, never left out). A section
is ``null`` when its source is missing (``missing`` says which and why).

Field names are the ones documented in the service README ("What each figure counts"): a
figure the commune profile shares with the province summary has the same name in both.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from haicap_shared.values import DecimalString

from ..sources.assets import CommuneHoldings

# NOTE: haicap_shared.codes.UnitLevel's values, as a Literal so the reports' schemas keep the
# level inline (an enum would become a component of its own); tests/test_report_schemas.py
# checks the two agree.
Level = Literal["province", "district", "commune"]


class ReportModel(BaseModel):
    """Base of every report model: no extra field, names as sent."""

    model_config = ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True)


# --- common ------------------------------------------------------------------------------


class MissingSection(ReportModel):
    """A section left out because its source failed; its key in the report is ``null``."""

    section: str = Field(description="The section's key in the report, e.g. `tasks`")
    service: str = Field(description="The source service, e.g. `org-structure`")
    reason: str = Field(description="Why, e.g. `did not answer in time` or `answered 503 upstream_unavailable: ...`")


class _ReportHeader(ReportModel):
    report: str = Field(
        description="Which report: `province_summary`, `transition_gaps`, `commune_profile`, `plan_progress` "
        "or `province_workload`"
    )
    title: str = Field(description="The report's Vietnamese title")
    as_of: date = Field(description="The date the figures are for")
    generated_at: datetime = Field(description="When the report was composed (a kept report keeps its time)")
    complete: bool = Field(description="Every section is there (`missing` is empty)")
    missing: list[MissingSection]


class LevelCounts(ReportModel):
    """A count at each level of government (the district level is gone since 1 July 2025)."""

    province: int
    district: int
    commune: int


class CountShare(ReportModel):
    count: int
    share: float | None = Field(description="count / headcount, 4 decimals; null when the headcount is 0")


class AgencyHeadcount(ReportModel):
    """People placed in an agency against the posts of its quota."""

    agency: str | None = Field(description="The agency's name")
    headcount: int
    quota: int | None = Field(description="Posts of the agency's quotas for the year; null when none is recorded")
    over: int | None = Field(description="headcount - quota when positive, else 0")


# --- province summary --------------------------------------------------------------------


class SectorTasks(ReportModel):
    sector: str = Field(description="Lĩnh vực")
    count: int


class TasksChange(ReportModel):
    """The task counts on `compare_to`, and the change to `as_of`."""

    from_: date = Field(alias="from", description="The earlier date (`compare_to`)")
    total: int
    by_level: LevelCounts
    delta: LevelCounts = Field(description="as_of minus compare_to, at each level")


class SummaryTasks(ReportModel):
    """State-management tasks held on the date, by level of the owning agency and by sector."""

    total: int
    by_level: LevelCounts
    by_sector: list[SectorTasks]
    change: TasksChange | None = Field(description="Only with `compare_to`; null otherwise")


class DecisionsIssued(ReportModel):
    required: int = Field(description="Agencies in force that need a functions/duties/powers decision")
    issued: int = Field(description="Of those, with a decision in force")


class DecisionsByLevel(ReportModel):
    province: DecisionsIssued
    district: DecisionsIssued
    commune: DecisionsIssued


class DecisionKindProgress(ReportModel):
    level: Level
    kind: str = Field(description="The agency kind, e.g. `provincial_department`")
    required: int
    issued: int


class AgencyWithoutDecision(ReportModel):
    id: uuid.UUID
    name: str
    kind: str
    level: Level


class SummaryDecisions(ReportModel):
    """Agencies and commune organisations with their functions/duties/powers decision issued."""

    by_level: DecisionsByLevel
    by_kind: list[DecisionKindProgress]
    missing: list[AgencyWithoutDecision] = Field(description="Agencies in force still without a decision (first 500)")


class PoliticalTheoryShares(ReportModel):
    advanced: CountShare = Field(description="Cao cấp")
    intermediate: CountShare = Field(description="Trung cấp")


class QualificationFigures(ReportModel):
    headcount: int = Field(description="People with a primary placement in force: the denominator of every share")
    university_or_higher: CountShare
    political_theory: PoliticalTheoryShares


class QualificationScopes(ReportModel):
    all: QualificationFigures = Field(description="Every level")
    province: QualificationFigures
    commune: QualificationFigures


class TasksNotCompletedFigure(ReportModel):
    year: int = Field(description="The last year evaluated before the report's date (the year before it)")
    people: int


class SummaryStaff(ReportModel):
    """Headcount by category, people at the communes, and qualification shares by group and level."""

    by_category: dict[str, int] = Field(description="Headcount by category (`cadre`, `civil_servant`, ...)")
    people_placed_at_communes: int = Field(description="Everyone with a primary placement in a commune-level agency")
    cadres_and_civil_servants_at_communes: int = Field(description="The cadres and civil servants among them")
    cadres_and_civil_servants: QualificationScopes = Field(description="Cán bộ, công chức")
    public_employees: QualificationScopes = Field(description="Viên chức")
    tasks_not_completed_two_years: TasksNotCompletedFigure = Field(
        description="People evaluated 'không hoàn thành nhiệm vụ' in the last year evaluated and the year before"
    )


class CarNormFigures(ReportModel):
    max_per_commune: int | None = Field(description="General-work cars a commune may hold; null without a norm")
    communes: int
    over_norm: int = Field(description="Communes holding more general-work cars than the norm")
    under_norm: int = Field(description="Communes holding fewer")


class SummaryAssets(CommuneHoldings, ReportModel):
    """What the communes hold: premises and cars, and the communes holding any."""

    car_norm: CarNormFigures


class PolicyFigures(ReportModel):
    cases: int
    amount_vnd: int = Field(description="Entitlements, đồng")
    by_status: dict[str, int] = Field(description="Cases by status (`proposed`, `approved`, `paid`, ...)")


class SummaryStreamlining(ReportModel):
    """Streamlining cases and their amounts, by policy and status."""

    cases: int
    amount_vnd: int = Field(description="Entitlements, đồng")
    by_policy: dict[str, PolicyFigures] = Field(description="By policy (`early_retirement`, `resignation`, ...)")


class DispositionSteps(ReportModel):
    """Disposition plans at each step on the date."""

    proposed: int
    submitted: int
    approved: int
    rejected: int
    executed: int


class SummaryDispositions(ReportModel):
    """Asset disposition plans by form and step; overdue decisions; surplus assets without a plan."""

    by_form: dict[str, DispositionSteps] = Field(description="By form (`repurpose`, `sell`, `transfer`, ...)")
    by_status: DispositionSteps
    plans: int
    overdue_decisions: int = Field(description="Complete dossiers waiting for a decision past the allowed days")
    surplus_without_plan: dict[str, int] = Field(description="Surplus assets with no open plan, by asset kind")


class DossierCounts(ReportModel):
    """Procedure dossiers (hồ sơ thủ tục hành chính) on the date, as personnel and assets count them."""

    received: int = Field(description="Received on or before the date")
    finished: int = Field(description="Of those, finished (done, refused or returned) on or before the date")
    finished_on_time: int = Field(description="Finished on or before their due date")
    finished_late: int = Field(description="Finished after their due date")
    open: int = Field(description="received - finished")
    open_overdue: int = Field(description="Open, and the date is after their due date")
    supplement_requested: int = Field(description="Open, waiting for the applicant to complete the dossier")
    on_time_share: float | None = Field(description="finished_on_time / finished, 4 decimals; null when none is finished")


class ProcedureDossierCounts(DossierCounts):
    """The dossiers of one procedure."""

    procedure_code: str = Field(description="Mã thủ tục hành chính in the national procedure database")
    procedure_name: str
    sector: str | None = Field(description="Lĩnh vực")


class CommuneDossierCounts(DossierCounts):
    """The dossiers received by one commune (or by no commune: `commune_code` null, the province's own agencies)."""

    commune_code: str | None = Field(description="The commune's code; null for dossiers no commune received")
    commune_name: str | None = Field(description="The commune's name on the date, as org-structure gives it; null when none")


class CommuneProceduresMoved(ReportModel):
    """The procedures a commune handles on the date, and those the district handled before 1 July 2025."""

    commune_code: str
    commune_name: str
    procedures_handled: int = Field(description="Procedures linked to tasks the commune's agencies hold")
    moved_from_district: int = Field(description="Of those, procedures at the district level on 2025-06-30")


class SummaryProcedureDossiers(ReportModel):
    """Procedure dossiers (progress and lateness) by procedure and commune; the procedures the communes took over."""

    totals: DossierCounts = Field(description="Every dossier of the province")
    by_procedure: list[ProcedureDossierCounts] = Field(description="By procedure code")
    by_commune: list[CommuneDossierCounts] = Field(description="By commune code; dossiers of no commune last")
    procedures_moved_to_communes: list[CommuneProceduresMoved] = Field(description="By commune code")


class ProvinceSummary(_ReportHeader):
    """The province summary (`format=json`)."""

    report: Literal["province_summary"]
    province: str = Field(description="Province code")
    compare_to: date | None = Field(description="The earlier date asked for; null when none was")
    tasks: SummaryTasks | None
    decisions: SummaryDecisions | None
    staff: SummaryStaff | None
    assets: SummaryAssets | None
    streamlining: SummaryStreamlining | None
    dispositions: SummaryDispositions | None
    procedure_dossiers: SummaryProcedureDossiers | None
    plans: SectionPlans | None
    task_difficulties: SectionTaskDifficulties | None
    workload: WorkloadSection | None


# --- transition gaps ---------------------------------------------------------------------


class TaskFindingItem(ReportModel):
    kind: str = Field(description="`no_owner`, `ended_owner`, `overlap`, `no_legal_basis`, `duplicate`")
    code: str
    title: str
    agencies: str = Field(description="The agencies' names, comma-separated")
    reason: str
    link: str = Field(description="The task's record at the gateway")


class GapTasks(ReportModel):
    """Tasks without an owner, owned by an ended agency, owned twice, without legal basis, or duplicated."""

    counts: dict[str, int] = Field(description="Findings by kind")
    total: int
    truncated: bool = Field(description="More findings exist than `items` holds")
    items: list[TaskFindingItem]
    by_commune: dict[str, dict[str, int]] = Field(
        description="`cannot_carry_out` and `difficulty_open` findings by commune code, then by kind"
    )
    by_sector: dict[str, dict[str, int]] = Field(description="The same by sector, then by kind")


class AgencyWithoutDecisionItem(ReportModel):
    name: str
    kind: str
    level: str = Field(description="The level, in Vietnamese (`Cấp tỉnh`, `Cấp xã`)")
    link: str = Field(description="The agency's record at the gateway")


class GapAgencies(ReportModel):
    """Agencies and commune organisations in force still without their function decision."""

    total: int
    items: list[AgencyWithoutDecisionItem]


class UnplacedByAgency(ReportModel):
    agency: str | None = Field(description="The former agency's name")
    people: int


class PersonLink(ReportModel):
    person: str = Field(description="The person's record at the gateway")


class GapPeople(ReportModel):
    """People neither placed nor in a streamlining case, and agencies staffed above their quota."""

    total: int
    by_agency: list[UnplacedByAgency]
    sample: list[PersonLink]
    over_quota: list[AgencyHeadcount]


class UnplannedAssets(ReportModel):
    holder: str | None = Field(description="The holder no longer in force")
    until: date | None = Field(description="Its last day in force")
    kind: str = Field(description="Asset kind")
    assets: int
    link: str | None = Field(description="The holder's assets at the gateway")


class GapAssets(ReportModel):
    """Assets of units or agencies no longer in force with no plan, and overdue disposition decisions."""

    total: int
    items: list[UnplannedAssets]
    overdue_decisions: int


class TransitionGaps(_ReportHeader):
    """The transition-gap report (`format=json`)."""

    report: Literal["transition_gaps"]
    province: str = Field(description="Province code")
    tasks: GapTasks | None
    agencies: GapAgencies | None
    people: GapPeople | None
    assets: GapAssets | None


# --- commune profile ---------------------------------------------------------------------


class ProfileUnit(ReportModel):
    id: uuid.UUID
    code: str
    name: str
    kind: str = Field(description="`xa`, `phuong` or `dac_khu`")
    valid_from: date | None
    province_code: str


class Predecessor(ReportModel):
    code: str
    name: str
    until: date | None = Field(description="The former unit's last day")
    change: str = Field(description="The change, e.g. `merge`")
    basis: str = Field(description="Its legal basis")


class ProfileLineage(ReportModel):
    """The commune on the date and the former units it came from."""

    unit: ProfileUnit
    predecessors: list[Predecessor]


class CommuneAgency(ReportModel):
    name: str
    kind: str
    link: str = Field(description="The agency's record at the gateway")


class ProfileAgencies(ReportModel):
    agencies_of_commune: int = Field(description="The commune's agencies in force")
    items: list[CommuneAgency]


class ProfileTasks(ReportModel):
    tasks_of_commune_agencies: int = Field(description="Tasks the commune's agencies hold on the date")


class ProfilePeople(ReportModel):
    people_placed_at_communes: int = Field(description="Everyone with a primary placement in the commune's agencies")
    cadres_and_civil_servants_at_communes: int = Field(description="The cadres and civil servants among them")
    staffing_quota: int | None = Field(description="Posts of the quotas of the commune's agencies")
    by_agency: list[AgencyHeadcount]


class AssetsOfKind(ReportModel):
    kind: str
    assets: int
    residual_value: int = Field(description="Residual value, đồng")


class ProfileAssets(ReportModel):
    premises_held_by_communes: int
    general_work_cars_held_by_communes: int
    specialised_cars_held_by_communes: int
    all_cars_held_by_communes: int
    assets_held_by_communes: int
    by_kind: list[AssetsOfKind]


class ProcedureMovedFromDistrict(ReportModel):
    code: str = Field(description="Mã thủ tục hành chính")
    name: str
    sector: str | None = Field(description="Lĩnh vực")
    processing_days: int = Field(description="Working days allowed, at the commune level")


class ProfileProcedures(ReportModel):
    """The procedures the commune handles on the date (those the district used to, listed) and its dossiers."""

    procedures_handled: int = Field(description="Procedures linked to tasks the commune's agencies hold")
    procedures_moved_from_district: int = Field(description="Of those, procedures at the district level on 2025-06-30")
    moved_from_district: list[ProcedureMovedFromDistrict] = Field(description="Those procedures, by code")
    dossiers: DossierCounts = Field(description="The dossiers the commune received, every procedure")
    dossiers_by_procedure: list[ProcedureDossierCounts]


class EventSequences(ReportModel):
    """Each source's latest change-feed sequence among the commune's events when the profile was composed.

    A number moves when something of the commune changed at that source; the profile's `ETag`
    is made of them (with the commune and the date). `null` when the source's feed did not
    answer (then `missing` lists `event_sequences` with that service).
    """

    org: int | None = Field(description="org-structure's (`GET /api/v1/org/events/latest?commune=`)")
    personnel: int | None = Field(description="personnel's (`GET /api/v1/personnel/events/latest?commune=`)")
    assets: int | None = Field(description="assets' (`GET /api/v1/assets/events/latest?commune=`)")


class CommuneProfile(_ReportHeader):
    """A commune's profile (`format=json`); figures shared with the summary have its names."""

    report: Literal["commune_profile"]
    commune: str = Field(description="Commune code")
    name: str = Field(description="The commune's name on the date")
    province: str = Field(description="Its province's code")
    event_sequences: EventSequences = Field(
        description="Each source's latest event sequence for the commune: refetch when one moved "
        "(or send the `ETag` back as `If-None-Match`)"
    )
    lineage: ProfileLineage | None
    agencies: ProfileAgencies | None
    tasks: ProfileTasks | None
    people: ProfilePeople | None
    assets: ProfileAssets | None
    procedures: ProfileProcedures | None
    plans: SectionPlans | None
    task_difficulties: SectionTaskDifficulties | None
    workload: WorkloadSection | None


# --- issue #18: plans, task difficulties, the plan report --------------------------------


class PlanAgencyOverdue(ReportModel):
    agency_id: uuid.UUID
    name: str
    commune_code: str | None = Field(description="The agency's commune; null for a province agency")
    overdue: int = Field(description="Its items not done nor cancelled whose deadline is before the date")


class PlanCommuneOverdue(ReportModel):
    commune_code: str | None = Field(description="null: items of province agencies")
    overdue: int


class PlanAgencyOnTime(ReportModel):
    agency_id: uuid.UUID
    name: str
    due: int = Field(description="Items assigned to the agency whose deadline falls in the period")
    done_on_time: int = Field(description="Of those, done on or before their deadline")
    done_late: int = Field(description="Of those, done after their deadline")
    rate: str | None = Field(description="done_on_time / due as a decimal string (org-structure's); null when due is 0")


class OverduePlanItem(ReportModel):
    code: str = Field(description="The item's code in its plan, e.g. `2.3`")
    title: str
    deadline: date
    days_overdue: int
    agency: str | None = Field(description="The assignee agency's name")
    commune_code: str | None
    superior_agency: str | None = Field(description="The agency the item escalates to")
    link: str = Field(description="The item's record at the gateway")


class SectionPlans(ReportModel):
    """Implementation plans: open plans, items by status, overdue items by agency and commune, on-time rates per agency."""

    period_from: date = Field(description="Start of the on-time period (`from`; 1 January of the date's year by default)")
    period_to: date = Field(description="End of the on-time period (`to`; 31 December of the date's year by default)")
    plans_open: int
    items: dict[str, int] = Field(description="Items by status (`not_started`, `in_progress`, `done`, `cancelled`)")
    overdue: int = Field(description="Items not done nor cancelled whose deadline is before the date")
    overdue_by_agency: list[PlanAgencyOverdue]
    overdue_by_commune: list[PlanCommuneOverdue]
    on_time: list[PlanAgencyOnTime] = Field(description="Per assignee agency, over the period")
    overdue_items: list[OverduePlanItem] = Field(description="The first 50 overdue items, most overdue first")


class DifficultiesByCommune(ReportModel):
    commune_code: str | None = Field(description="null: statuses of province agencies")
    normal: int
    with_difficulties: int
    cannot_carry_out: int
    open_over_days: int = Field(description="Difficulties open for more than 30 days")


class DifficultiesBySector(ReportModel):
    sector: str | None
    with_difficulties: int
    cannot_carry_out: int


class SectionTaskDifficulties(ReportModel):
    """Task feasibility statuses in force on the date: which tasks the holders cannot yet carry out, and why."""

    tasks_reported: int = Field(description="Statuses in force (one per task and agency)")
    by_status: dict[str, int] = Field(description="`normal`, `with_difficulties`, `cannot_carry_out`")
    by_reason: dict[str, int] = Field(description="`no_skilled_staff`, `funding`, ... (a status may give several)")
    proposals: dict[str, dict[str, int]] = Field(description="By proposal, then by answer state (`open`, `accepted`, ...)")
    open_over_days: int = Field(description="Difficulties in force for more than 30 days, not resolved")
    by_commune: list[DifficultiesByCommune]
    by_sector: list[DifficultiesBySector]


class MeasuredProgress(ReportModel):
    """An item's progress measured from the records, not reported."""

    measure: str = Field(description="What is counted, e.g. `premises_handed_over`")
    scope: str = Field(description="The commune code or province code counted over")
    done: int = Field(description="What is done now (premises handed over since the plan's start, people placed, ...)")
    of: int = Field(description="What there was to do")
    percent: int | None = Field(description="done / of, in whole percent (half up); null when there was nothing to do")
    basis: str = Field(description="How it is counted, in Vietnamese")


class PlanReportItem(ReportModel):
    code: str
    title: str
    agency_id: uuid.UUID = Field(description="The assignee agency")
    commune_code: str | None
    deadline: date
    status: str
    reported_percent: int = Field(description="The latest progress the assignee reported")
    completed_on: date | None
    on_time: bool | None
    days_overdue: int | None = Field(description="Days past the deadline on the date, when not done nor cancelled")
    measure: str | None
    link: str = Field(description="The item's record at the gateway")


class PlanItems(ReportModel):
    """The plan's items (a commune officer's: their commune's only) with the progress reported."""

    items: list[PlanReportItem]


class PlanMeasured(ReportModel):
    """The items with a `measure`: their progress counted from the records of the other services."""

    items: dict[str, MeasuredProgress] = Field(description="By item code")


class PlanReport(_ReportHeader):
    """An implementation plan's progress (`format=json`)."""

    report: Literal["plan_progress"]
    plan_id: uuid.UUID
    code: str
    province: str
    status: str = Field(description="`open` or `closed`")
    starts_on: date
    ends_on: date | None = Field(description="null: no end set")
    decision_number: str | None
    progress: PlanItems | None
    measured: PlanMeasured | None


# --- issue #18: workload ------------------------------------------------------------------


class WorkloadBaseline(ReportModel):
    """The same figures on the baseline date (2025-06-30), over the communes it came from (a commune) or itself (an agency)."""

    tasks_held: int
    people: int
    tasks_per_person: DecimalString | None = Field(description="2 decimal places, half up; null when no one was placed")


class WorkloadChange(ReportModel):
    """Now minus the baseline."""

    tasks_held: int
    people: int
    tasks_per_person: DecimalString | None = Field(description="null when either side has no one placed")


class WorkloadCommune(ReportModel):
    """A commune in force on the date: its agencies' tasks, the people placed there, and the load per person."""

    commune_code: str
    name: str
    agencies: int = Field(description="Agencies of the commune in force")
    tasks_lead: int = Field(description="Distinct tasks its agencies hold as lead (org-structure `/workload/communes`)")
    tasks_shared: int = Field(description="Distinct tasks its agencies hold as co-owner of a shared task")
    tasks_held: int = Field(description="Distinct tasks held at all")
    people: int = Field(description="Primary placements in force in its agencies (personnel `/stats/headcount?by=commune`)")
    people_by_category: dict[str, int] = Field(description="The same by category (`cadre`, `civil_servant`, ...)")
    quota: int = Field(description="Posts of its agencies' quota (biên chế) for the year")
    tasks_per_person: DecimalString | None = Field(
        description="tasks_held / people, 2 decimal places half up; null when 0 people"
    )
    predecessor_codes: list[str] = Field(description="The communes it came from, in force on the baseline; empty: itself")
    baseline: WorkloadBaseline
    change: WorkloadChange


class WorkloadAgency(ReportModel):
    """An agency in force on the date, with the same figures."""

    agency_id: uuid.UUID
    name: str
    level: Level
    commune_code: str | None
    parent_id: uuid.UUID | None
    tasks_lead: int
    tasks_shared: int
    tasks_held: int
    people: int
    quota: int
    tasks_per_person: DecimalString | None
    baseline: WorkloadBaseline | None = Field(description="null when the agency was not in force on the baseline date")
    change: WorkloadChange | None


class WorkloadAboveMedian(ReportModel):
    commune_code: str
    name: str
    tasks_per_person: DecimalString
    ratio_to_median: DecimalString | None = Field(
        description="tasks_per_person / the median, 2 places; null when the median is 0"
    )


class WorkloadSection(ReportModel):
    """Tasks held, people placed and tasks per person, by commune and agency, against the baseline (issue #18)."""

    baseline_date: date = Field(description="The date the change is measured from (2025-06-30)")
    median_tasks_per_person: DecimalString | None = Field(
        description="Median of the province's communes' tasks_per_person (communes with people); null when none"
    )
    above_median: list[WorkloadAboveMedian] = Field(
        description="The 10 communes furthest above the median (by ratio); in the commune profile, the commune when it is one"
    )
    communes: list[WorkloadCommune] = Field(description="By code; in the commune profile, the commune alone")
    agencies: list[WorkloadAgency] = Field(description="By name; in the commune profile, the commune's agencies")


class ProvinceWorkload(_ReportHeader):
    """The province's workload report (`format=json`): the summary's `workload` section alone."""

    report: Literal["province_workload"]
    province: str = Field(description="Province code")
    workload: WorkloadSection | None


# NOTE: the summary, the gap report and the profile name the models above before they are defined
ProvinceSummary.model_rebuild()
GapTasks.model_rebuild()
CommuneProfile.model_rebuild()
