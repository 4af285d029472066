"""Request and response bodies of the streamlining API."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from haicap_shared.procedures.schemas import ProcedureDossierSummary, ProcedureIntake
from haicap_shared.values import DecimalText, IsoDate, Money

from ..people.models import Sex
from .entitlement import Entitlement, RetirementAgeBasis
from .models import CaseStatus, Policy
from .rules import CURRENT, RULES

Coefficient = Annotated[Decimal, Field(ge=0, le=30, decimal_places=2), DecimalText()]
Percent = Annotated[Decimal, Field(ge=0, le=200, decimal_places=2), DecimalText()]
QualifyingMonths = Annotated[
    int,
    Field(
        ge=0,
        le=12 * 60,
        description="Months worked there (Nghị định 135/2020/NĐ-CP Điều 5); 15 years (180) or more, alone or with the "
        "other kind, lowers the retirement age to Phụ lục II",
    ),
]
RuleVersion = Annotated[
    str,
    Field(description=f"A rule version of the table: {', '.join(f'`{v}`' for v in RULES)}", examples=[CURRENT.version]),
]


class SalaryIn(BaseModel):
    """Tiền lương hiện hưởng from its parts (or give ``monthly_salary_vnd`` instead)."""

    base_salary_vnd: Money = Field(Decimal(2340000), description="Mức lương cơ sở")
    salary_coefficient: Coefficient = Field(examples=["4.65"])
    position_allowance: Coefficient = Decimal(0)
    seniority_percent: Percent = Decimal(0)
    allowance_percent: Percent = Field(Decimal(0), examples=["25"])


class CalculationRequest(BaseModel):
    """Every input of the calculator, for a preview that records nothing."""

    policy: Policy
    birth_date: IsoDate
    sex: Sex
    leave_date: IsoDate = Field(description="The day the retirement or resignation takes effect")
    decision_date: IsoDate = Field(description="The reorganisation decision of the competent authority")
    social_insurance_months: int = Field(ge=0, le=12 * 60)
    salary: SalaryIn | None = None
    monthly_salary_vnd: Money | None = None
    entered_amount_vnd: Money | None = Field(None, description="For the policies this version does not compute")
    difficult_area_months: QualifyingMonths = Field(0, description="In areas with especially difficult conditions")
    hazardous_job_months: QualifyingMonths = Field(0, description="In arduous, hazardous or dangerous jobs")
    rule_version: RuleVersion | None = Field(None, description="Defaults to the current rule version")


class CaseCreate(BaseModel):
    """Propose a person for streamlining; the entitlement is computed from their record and these inputs."""

    person_id: uuid.UUID
    policy: Policy
    reason: str | None = Field(None, max_length=4000, description="Why the person is surplus (dôi dư)")
    leave_date: IsoDate
    decision_date: IsoDate
    proposed_on: IsoDate | None = Field(None, description="Defaults to today")
    base_salary_vnd: Money | None = Field(None, description="Defaults to the service's setting (2,340,000)")
    social_insurance_months: int | None = Field(
        None, ge=0, le=12 * 60, description="Defaults to the months from the person's social-insurance start to leaving"
    )
    monthly_salary_vnd: Money | None = Field(None, description="Overrides the salary computed from the person's coefficients")
    entered_amount_vnd: Money | None = None
    difficult_area_months: QualifyingMonths = Field(0, description="In areas with especially difficult conditions")
    hazardous_job_months: QualifyingMonths = Field(0, description="In arduous, hazardous or dangerous jobs")
    career_event_id: uuid.UUID | None = Field(
        None, description="The career event (of the same person) whose decision made this case"
    )
    procedure: ProcedureIntake | None = Field(
        None,
        description="The procedure (streamlining case approval) and the dossier code the one-stop system received the "
        "proposal under; its dossier then follows the case (approve: done, withdraw: returned)",
    )


class CaseUpdate(BaseModel):
    """Change a proposed case (applied with ``exclude_unset``).

    A change of its inputs recalculates it with the case's own rule version; give
    ``rule_version`` to recalculate it with another one (the current one, to take a corrected
    reading).
    """

    reason: str | None = Field(None, max_length=4000)
    leave_date: IsoDate | None = None
    decision_date: IsoDate | None = None
    base_salary_vnd: Money | None = None
    social_insurance_months: int | None = Field(None, ge=0, le=12 * 60)
    monthly_salary_vnd: Money | None = None
    entered_amount_vnd: Money | None = None
    difficult_area_months: QualifyingMonths | None = None
    hazardous_job_months: QualifyingMonths | None = None
    rule_version: RuleVersion | None = Field(None, description="Recalculate with this rule version")


class CaseAction(enum.StrEnum):
    APPROVE = "approve"
    PAY = "pay"
    WITHDRAW = "withdraw"


class CaseTransition(BaseModel):
    action: CaseAction
    note: str | None = Field(None, max_length=4000)


class StreamliningCase(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: uuid.UUID
    agency_id: uuid.UUID
    province_code: str
    commune_code: str | None
    agency_level: str
    unit_id: uuid.UUID
    policy: Policy
    status: CaseStatus
    reason: str | None
    proposed_on: IsoDate
    leave_date: IsoDate
    rule_version: str
    inputs: dict[str, Any]
    result: Entitlement
    amount_vnd: Money
    difficult_area_months: int
    hazardous_job_months: int
    retirement_age_basis: RetirementAgeBasis
    career_event_id: uuid.UUID | None = Field(None, description="The career event whose decision made this case")
    procedure_dossier: ProcedureDossierSummary | None = Field(
        None, description="The procedure dossier the proposal was received under; null when none"
    )
    version: int
    created_at: datetime
    updated_at: datetime
