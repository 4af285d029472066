"""The national roll-up's JSON: the province summary's and gap report's sections for the whole country, with a row per province.

Each national section holds the country's figures (named as in the province reports, so a
figure means the same thing in both) and ``by_province``, one row per province in force on the
date: the country's counts are the sums of the provinces' rows (a share is recomputed from the
summed counts, never averaged). A section is ``null`` when a source is missing, as in every report.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..sources.assets import CommuneHoldings
from .schemas import (
    CarNormFigures,
    CountShare,
    DecisionsByLevel,
    DispositionSteps,
    LevelCounts,
    PersonLink,
    PolicyFigures,
    QualificationScopes,
    ReportModel,
    SectorTasks,
    TasksNotCompletedFigure,
    _ReportHeader,
)


class _ProvinceRow(ReportModel):
    province: str = Field(description="Province code")
    name: str | None = Field(description="The province's name (org-structure's); null when org-structure did not answer")


# --- national summary ----------------------------------------------------------------------


class ProvinceTasks(_ProvinceRow):
    total: int
    by_level: LevelCounts


class NationalTasks(ReportModel):
    """State-management tasks held on the date in the whole country, by level and sector; per province by level."""

    total: int
    by_level: LevelCounts
    by_sector: list[SectorTasks] = Field(description="Summed over the provinces, by sector")
    by_province: list[ProvinceTasks]


class ProvinceDecisions(_ProvinceRow):
    required: int = Field(description="Agencies in force that need a functions/duties/powers decision")
    issued: int
    missing: int = Field(description="required - issued")


class NationalDecisions(ReportModel):
    """Agencies with their functions/duties/powers decision issued, in the country and per province."""

    by_level: DecisionsByLevel
    agencies_without_decision: int = Field(
        description="Agencies in force still without a decision (each province's list is in its summary)"
    )
    by_province: list[ProvinceDecisions]


class ProvinceStaff(_ProvinceRow):
    headcount: int = Field(description="People with a primary placement in force (every category)")
    cadres_and_civil_servants: int
    university_or_higher: CountShare = Field(description="Of the headcount")
    political_theory_advanced: CountShare = Field(description="Of the headcount: lý luận chính trị cao cấp")
    people_placed_at_communes: int
    tasks_not_completed_two_years: int


class NationalStaff(ReportModel):
    """The province summary's staff figures for the whole country, and per province."""

    by_category: dict[str, int]
    people_placed_at_communes: int
    cadres_and_civil_servants_at_communes: int
    cadres_and_civil_servants: QualificationScopes
    public_employees: QualificationScopes
    tasks_not_completed_two_years: TasksNotCompletedFigure
    by_province: list[ProvinceStaff]


class ProvinceAssets(_ProvinceRow):
    communes: int = Field(description="Communes in force")
    premises_held_by_communes: int
    general_work_cars_held_by_communes: int
    all_cars_held_by_communes: int
    premises_per_commune: float | None = Field(
        description="premises_held_by_communes / communes, 2 decimals; null without communes"
    )
    cars_per_commune: float | None = Field(description="all_cars_held_by_communes / communes, 2 decimals; null without communes")
    communes_over_norm: int
    communes_under_norm: int


class NationalAssets(CommuneHoldings, ReportModel):
    """What the communes of the country hold, and per province premises and cars per commune."""

    car_norm: CarNormFigures = Field(description="communes, over_norm, under_norm summed; max_per_commune the national norm's")
    by_province: list[ProvinceAssets]


class ProvinceStreamlining(_ProvinceRow):
    cases: int
    amount_vnd: int = Field(description="Entitlements, đồng")
    paid: int = Field(description="Cases paid")


class NationalStreamlining(ReportModel):
    """Streamlining cases and amounts in the country by policy and status, and per province."""

    cases: int
    amount_vnd: int
    by_policy: dict[str, PolicyFigures]
    by_province: list[ProvinceStreamlining]


class ProvinceDispositions(_ProvinceRow):
    plans: int
    executed: int
    overdue_decisions: int
    surplus_without_plan: int = Field(description="Surplus assets with no open plan, every kind")


class NationalDispositions(ReportModel):
    """Asset disposition plans in the country by form and step, and per province."""

    by_form: dict[str, DispositionSteps]
    by_status: DispositionSteps
    plans: int
    overdue_decisions: int
    surplus_without_plan: dict[str, int]
    by_province: list[ProvinceDispositions]


class ProvincePlans(_ProvinceRow):
    plans_open: int
    items: int = Field(description="Items of the open plans")
    overdue: int = Field(description="Items not done nor cancelled whose deadline is before the date")


class NationalPlans(ReportModel):
    """Implementation plans: open plans, their items by status and the overdue items, in the country and per province."""

    plans_open: int
    items: dict[str, int] = Field(description="Items by status (`not_started`, `in_progress`, `done`, `cancelled`)")
    overdue: int
    by_province: list[ProvincePlans]


class NationalSummary(_ReportHeader):
    """The national roll-up of the province summary (`format=json`)."""

    report: Literal["national_summary"]
    tasks: NationalTasks | None
    decisions: NationalDecisions | None
    staff: NationalStaff | None
    assets: NationalAssets | None
    streamlining: NationalStreamlining | None
    dispositions: NationalDispositions | None
    plans: NationalPlans | None


# --- national transition gaps ----------------------------------------------------------------


class ProvinceTaskFindings(_ProvinceRow):
    total: int
    counts: dict[str, int] = Field(description="By kind: `no_owner`, `ended_owner`, `overlap`, `no_legal_basis`, `duplicate`")


class NationalGapTasks(ReportModel):
    """Task findings counted in the country and per province (the findings themselves are in each province's report)."""

    total: int
    counts: dict[str, int]
    by_province: list[ProvinceTaskFindings]


class ProvinceAgenciesWithoutDecision(_ProvinceRow):
    total: int


class NationalGapAgencies(ReportModel):
    """Agencies in force still without their function decision."""

    total: int
    by_province: list[ProvinceAgenciesWithoutDecision]


class ProvinceGapPeople(_ProvinceRow):
    unplaced: int = Field(description="People neither placed nor in a streamlining case")
    agencies_over_quota: int
    people_over_quota: int = Field(description="Headcount above the quotas, summed over those agencies")


class NationalGapPeople(ReportModel):
    """People the merger left without a place, and agencies over their quota."""

    total: int = Field(description="People neither placed nor in a streamlining case")
    sample: list[PersonLink] = Field(description="The first of them (personnel's sample)")
    agencies_over_quota: int
    by_province: list[ProvinceGapPeople]


class ProvinceGapAssets(_ProvinceRow):
    assets_without_plan: int = Field(description="Assets of ended holders with no plan")
    overdue_decisions: int


class NationalGapAssets(ReportModel):
    """Assets of ended holders with no plan, and overdue disposition decisions."""

    total: int
    overdue_decisions: int
    by_province: list[ProvinceGapAssets]


class NationalGaps(_ReportHeader):
    """The national roll-up of the transition-gap report (`format=json`)."""

    report: Literal["national_transition_gaps"]
    tasks: NationalGapTasks | None
    agencies: NationalGapAgencies | None
    people: NationalGapPeople | None
    assets: NationalGapAssets | None
