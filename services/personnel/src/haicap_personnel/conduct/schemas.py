"""Request and response bodies of evaluations, commendations and discipline."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from haicap_shared.procedures.schemas import ProcedureDossierSummary
from haicap_shared.values import FIRST_EVALUATED_YEAR, IsoDate

from ..decisions import Decision
from .models import Grade

Year = Annotated[int, Field(ge=FIRST_EVALUATED_YEAR, le=2100, description="The year evaluated", examples=[2025])]
FormCode = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9._-]+$")]
Reason = Annotated[str, Field(min_length=1, max_length=2000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- evaluations --------------------------------------------------------------------------


class EvaluationCreate(_Strict):
    """A person's evaluation and classification for a year (one per person and year)."""

    person_id: uuid.UUID
    year: Year
    grade: Grade = Field(description="`excellent`, `good`, `completed` or `not_completed`")
    evaluator: str = Field(
        min_length=1, max_length=300, description="Who evaluated (the competent authority)", examples=["Chủ tịch UBND xã"]
    )
    evaluation_date: IsoDate = Field(description="The day of the evaluation (not before the year began, not in the future)")
    note: str | None = Field(None, max_length=1000)


class EvaluationUpdate(_Strict):
    """Changes to an evaluation (the person and the year stay)."""

    grade: Grade | None = None
    evaluator: str | None = Field(None, min_length=1, max_length=300)
    evaluation_date: IsoDate | None = None
    note: str | None = Field(None, max_length=1000)


class Evaluation(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: uuid.UUID
    agency_id: uuid.UUID
    province_code: str
    commune_code: str | None
    year: int
    grade: Grade
    evaluator: str
    evaluation_date: date
    note: str | None
    version: int
    created_at: datetime
    updated_at: datetime


# --- commendations ------------------------------------------------------------------------


class CommendationCreate(_Strict):
    """A commendation: its form (code list `commendation-form`), the decision, the reason."""

    person_id: uuid.UUID
    form_code: FormCode = Field(description="A code of the `commendation-form` list on the decision's date")
    decision: Decision
    reason: Reason
    procedure_dossier_id: uuid.UUID | None = Field(
        None,
        description="The commendation proposal's procedure dossier (`POST /procedure-dossiers`, subject kind "
        "`commendation_proposal`), of your area and not finished: recording the commendation finishes it (`done`, "
        "naming the decision) and makes the commendation its subject",
    )


class CommendationUpdate(_Strict):
    form_code: FormCode | None = None
    decision: Decision | None = None
    reason: Reason | None = None


class Commendation(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    agency_id: uuid.UUID
    province_code: str
    commune_code: str | None
    form_code: str
    decision: Decision
    reason: str
    procedure_dossier: ProcedureDossierSummary | None = Field(
        None, description="The commendation proposal's procedure dossier it finished; null when none"
    )
    version: int
    created_at: datetime
    updated_at: datetime


# --- discipline ---------------------------------------------------------------------------


class DisciplineCreate(_Strict):
    """A discipline: its form (code list `discipline-form`, for the person's category), the decision, its effect."""

    person_id: uuid.UUID
    form_code: FormCode = Field(description="A code of the `discipline-form` list that applies to the person's category")
    decision: Decision
    effective_date: IsoDate | None = Field(None, description="The day it takes effect (default: the decision's date)")
    effect_end_date: IsoDate | None = Field(
        None,
        description="The last day of its effect is the day before; default by the form: 12 months for khiển trách "
        "and cảnh cáo, 18 months for hạ bậc lương, giáng chức, cách chức; none for buộc thôi việc and bãi nhiệm",
    )
    reason: Reason


class DisciplineUpdate(_Strict):
    form_code: FormCode | None = None
    decision: Decision | None = None
    effective_date: IsoDate | None = None
    effect_end_date: IsoDate | None = None
    reason: Reason | None = None


class Discipline(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    agency_id: uuid.UUID
    province_code: str
    commune_code: str | None
    form_code: str
    decision: Decision
    effective_date: date
    effect_end_date: date | None = Field(description="The end of its effect (null: a dismissal, no end)")
    reason: str
    version: int
    created_at: datetime
    updated_at: datetime


def _with_decision(values: Mapping[Any, Any]) -> dict[str, Any]:
    """A row's values (an object's attributes or a snapshot) with its decision columns as one ``decision``."""
    out = dict(values)
    out["decision"] = {
        "number": out.pop("decision_number"),
        "date": out.pop("decision_date"),
        "signer": out.pop("decision_signer"),
        "issuer": out.pop("decision_issuer"),
    }
    return out


def commendation_of(values: Mapping[Any, Any]) -> Commendation:
    """The response body of a commendation row (or of its audited snapshot)."""
    return Commendation.model_validate(_with_decision(values))


def discipline_of(values: Mapping[Any, Any]) -> Discipline:
    """The response body of a discipline row (or of its audited snapshot)."""
    return Discipline.model_validate(_with_decision(values))


# --- statistics ---------------------------------------------------------------------------


class NotCompletedTwice(BaseModel):
    """People evaluated "không hoàn thành nhiệm vụ" in a year and the year before it."""

    key: str | None = Field(description="The province or commune code, or the agency's id")
    people: int
