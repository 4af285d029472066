"""Request and response bodies of task feasibility, and the filters of its list."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from haicap_shared.values import IsoDate

from .models import MAX_DECISION, MAX_TEXT, AnswerState, FeasibilityProposal, FeasibilityReason, FeasibilityStatus

MAX_REASONS = len(FeasibilityReason)
"""Reasons one status may give: each of the controlled list at most once."""
DEFAULT_OPEN_DAYS = 30
MAX_OPEN_DAYS = 3650

Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
Reasons = Annotated[
    list[FeasibilityReason],
    Field(max_length=MAX_REASONS, description="Why (controlled list, each once); at least one unless `normal`"),
]
ANSWERS = (AnswerState.ACCEPTED, AnswerState.REJECTED, AnswerState.RESOLVED)


def _once(reasons: list[FeasibilityReason]) -> None:
    if len(set(reasons)) != len(reasons):
        raise ValueError("a reason is listed twice")


class FeasibilityCreate(BaseModel):
    """A status of a task held by an agency from ``valid_from``; the status in force the day before ends that day."""

    model_config = ConfigDict(extra="forbid")

    agency_id: uuid.UUID = Field(description="The agency holding the task (lead or shared) on `valid_from`, reporting")
    valid_from: IsoDate = Field(description="First day of this status", examples=["2025-09-01"])
    status: FeasibilityStatus
    reasons: Reasons = []
    reason_text: Text | None = Field(default=None, description="Free text; required with the reason `other`")
    proposal: FeasibilityProposal | None = Field(default=None, description="Required with `cannot_carry_out`")
    proposal_text: Text | None = None

    @model_validator(mode="after")
    def _reasons_once(self) -> Self:
        _once(self.reasons)
        return self


class FeasibilityUpdate(BaseModel):
    """The reporter's corrections while unanswered; omitted fields stay (the status changes by a new dated one)."""

    model_config = ConfigDict(extra="forbid")

    reasons: Reasons | None = None
    reason_text: Text | None = None
    proposal: FeasibilityProposal | None = None
    proposal_text: Text | None = None

    @model_validator(mode="after")
    def _reasons_once(self) -> Self:
        _once(self.reasons or [])
        return self


class FeasibilityAnswer(BaseModel):
    """The province's answer to the proposal."""

    model_config = ConfigDict(extra="forbid")

    state: AnswerState = Field(description="`accepted`, `rejected` or `resolved` (`open` is not an answer)")
    answered_on: IsoDate = Field(description="The day of the answer (not before the status's first day)")
    decision: str | None = Field(
        default=None, min_length=1, max_length=MAX_DECISION, description="The number of the decision answering it"
    )
    note: Text | None = None

    @model_validator(mode="after")
    def _an_answer(self) -> Self:
        if self.state not in ANSWERS:
            raise ValueError("state must be accepted, rejected or resolved")
        return self


class TaskFeasibility(BaseModel):
    """One dated status of a task held by an agency, with its reasons, proposal and the province's answer."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    task_id: uuid.UUID
    task_code: str
    task_title: str
    sector: str
    agency_id: uuid.UUID
    agency_name: str
    province_code: str
    commune_code: str | None = Field(description="The agency's commune (null for a province's agency)")
    status: FeasibilityStatus
    reasons: list[FeasibilityReason]
    reason_text: str | None
    proposal: FeasibilityProposal | None
    proposal_text: str | None
    answer_state: AnswerState | None = Field(description="Null without a proposal; `open` until the province answers")
    answered_on: IsoDate | None
    answer_decision: str | None
    answer_note: str | None
    valid_from: IsoDate
    valid_to: IsoDate | None = Field(description="Last day (null: still in force)")
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class FeasibilityFilter:
    """The query filters of the list (all optional but the date)."""

    as_of: date
    province: str | None = None
    commune: str | None = None
    sector: str | None = None
    status: FeasibilityStatus | None = None
    answer_state: AnswerState | None = None
    open_days_over: int | None = None


class CommuneFeasibility(BaseModel):
    commune_code: str | None = Field(description="Null: agencies of the province itself")
    normal: int
    with_difficulties: int
    cannot_carry_out: int
    open_over_days: int


class SectorFeasibility(BaseModel):
    sector: str
    with_difficulties: int
    cannot_carry_out: int


class FeasibilityStats(BaseModel):
    """The statuses in force on ``as_of`` (the caller's area), counted from the records."""

    as_of: IsoDate
    province: str | None
    commune: str | None
    open_days: int
    tasks_reported: int = Field(description="Distinct tasks with a status in force")
    by_status: dict[FeasibilityStatus, int]
    by_reason: dict[FeasibilityReason, int] = Field(description="Statuses giving each reason")
    proposals: dict[FeasibilityProposal, dict[AnswerState, int]] = Field(description="Proposals by the state of their answer")
    open_over_days: int = Field(
        description="Difficulties (or cannot-yet) in force since more than `open_days` days, their proposal not resolved"
    )
    by_commune: list[CommuneFeasibility]
    by_sector: list[SectorFeasibility]
