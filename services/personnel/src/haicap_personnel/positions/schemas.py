"""Request and response bodies of the job positions API."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from haicap_shared.procedures.schemas import ProcedureDossierSummary, ProcedureIntake

from ..people.models import EducationLevel
from .models import PositionGroup, PositionStatus

FieldName = Annotated[str, Field(min_length=2, max_length=200)]
GradeCode = Annotated[
    str,
    Field(
        min_length=1,
        max_length=30,
        pattern=r"^[A-Za-z0-9.]+$",
        description="A civil-service grade (ngạch, `01.003`) or a professional title (chức danh nghề nghiệp, "
        "`V.07.03.29`) valid today: `GET /code-lists/civil-service-grade` and `/code-lists/professional-title`",
        examples=["01.003"],
    ),
]


class PositionCreate(BaseModel):
    """A position of an agency, drafted; it needs approval before anyone is placed in it."""

    # NOTE: an unknown field is refused, not dropped: a client still sending `rank`, now `grade_code` learns it
    # instead of losing the value.
    model_config = ConfigDict(extra="forbid")

    agency_id: uuid.UUID
    title: str = Field(min_length=2, max_length=300, examples=["Chuyên viên quản lý đất đai"])
    group: PositionGroup
    grade_code: GradeCode | None = None
    required_education: EducationLevel = EducationLevel.UNIVERSITY
    required_fields: list[FieldName] = Field(
        default_factory=list,
        max_length=30,
        description="Fields of study that suit it; empty: any",
        examples=[["Quản lý đất đai"]],
    )
    posts: int = Field(1, ge=1, le=10000, description="Number of posts of this position")


class PositionUpdate(BaseModel):
    """Fields of a draft (or a returned position) to change."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, min_length=2, max_length=300)
    group: PositionGroup | None = None
    grade_code: GradeCode | None = None
    required_education: EducationLevel | None = None
    required_fields: list[FieldName] | None = Field(None, max_length=30)
    posts: int | None = Field(None, ge=1, le=10000)


class PositionAction(enum.StrEnum):
    SUBMIT = "submit"
    APPRAISE = "appraise"
    APPROVE = "approve"
    RETURN = "return"


class PositionTransition(BaseModel):
    """A step of the approval: submit (the agency), appraise (Sở Nội vụ), approve (UBND tỉnh), or return with reasons."""

    action: PositionAction
    reason: str | None = Field(None, max_length=4000, description="Required to return")
    procedure: ProcedureIntake | None = Field(
        None,
        description="With `submit` only: the procedure (appraisal and approval of job positions) and the dossier code the "
        "one-stop system received the submission under; its dossier then follows each step (appraise: in process, "
        "approve: done, return: returned)",
    )

    @model_validator(mode="after")
    def _reason(self) -> Self:
        if self.action is PositionAction.RETURN and not (self.reason or "").strip():
            raise ValueError("a position is returned with its reasons")
        if self.procedure is not None and self.action is not PositionAction.SUBMIT:
            raise ValueError("a procedure is given with the submission only")
        return self


class JobPosition(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    agency_id: uuid.UUID
    province_code: str
    commune_code: str | None
    agency_level: str
    unit_id: uuid.UUID
    title: str
    group: PositionGroup
    grade_code: str | None = Field(description="The grade (ngạch) or professional title (chức danh nghề nghiệp)")
    grade_name: str | None = Field(description="Its name in the code list when the code was set")
    required_education: EducationLevel
    required_fields: list[str]
    posts: int
    status: PositionStatus
    returned_reason: str | None
    procedure_dossier: ProcedureDossierSummary | None = Field(
        None, description="The procedure dossier its latest submission was received under; null when none"
    )
    version: int
    created_at: datetime
    updated_at: datetime


class PositionEvent(BaseModel):
    """One step of a position's approval."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    actor: str
    actor_role: str
    action: str
    from_status: PositionStatus
    to_status: PositionStatus
    reason: str | None


@dataclass(frozen=True)
class PositionFilter:
    """What a list of positions is narrowed to (within the caller's area)."""

    province: str | None = None
    agency_id: uuid.UUID | None = None
    status: PositionStatus | None = None
    group: PositionGroup | None = None
    q: str | None = None
