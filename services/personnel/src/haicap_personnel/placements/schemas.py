"""Request and response bodies of the placements API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from haicap_shared.tabular import RowProblem
from haicap_shared.validity import ValidityInput
from haicap_shared.values import IsoDate

from ..decisions import Decision
from ..people.models import Category
from .models import Suitability


class PlacementCreate(ValidityInput):
    """A person in an approved position from a date; one primary placement at a time."""

    person_id: uuid.UUID
    position_id: uuid.UUID
    # NOTE: a placement always has a first day; its last day may not be before it (ValidityInput).
    valid_from: IsoDate
    valid_to: IsoDate | None = Field(None, description="Last day; null: open")
    is_primary: bool = Field(True, description="The person's main post (kiêm nhiệm placements are not primary)")
    career_event_id: uuid.UUID | None = Field(
        None, description="The career event (of the same person) whose decision made this placement"
    )


class PlacementUpdate(BaseModel):
    """End a placement (or change its last day)."""

    valid_to: IsoDate | None


class Placement(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: uuid.UUID
    position_id: uuid.UUID
    agency_id: uuid.UUID
    province_code: str
    commune_code: str | None
    agency_level: str
    unit_id: uuid.UUID
    is_primary: bool
    valid_from: IsoDate
    valid_to: IsoDate | None
    suitability: Suitability
    suitability_reasons: list[str]
    career_event_id: uuid.UUID | None = Field(None, description="The career event whose decision made this placement")
    version: int
    created_at: datetime
    updated_at: datetime


class PlacementBatch(BaseModel):
    """Placements to record at once (the people of an import, say): each row checked as ``POST /placements``, all or nothing."""

    rows: list[PlacementCreate] = Field(min_length=1, max_length=5000)


class PlacementBatchReport(BaseModel):
    rows: int
    placed: int = Field(description="Placements written (0 when refused)")
    problems: list[RowProblem] = Field(description="Rows numbered from 1 in the order sent")


class ReplacementRow(BaseModel):
    person_id: uuid.UUID
    position_id: uuid.UUID


class BulkReplacement(BaseModel):
    """People of former agencies go to positions of the new agencies from one date, all or nothing."""

    effective_date: IsoDate = Field(examples=["2025-07-01"])
    from_agency_ids: list[uuid.UUID] = Field(
        min_length=1,
        max_length=500,
        description="The former agencies: everyone placed there the day before must be accounted for",
    )
    rows: list[ReplacementRow] = Field(min_length=1, max_length=20000)
    decision: Decision | None = Field(
        None,
        description="The decision that moves them: with it, each person moved gets a `transfer` career event "
        "(điều động) linked to their new placement",
    )


class Unaccounted(BaseModel):
    """Someone placed in a former agency the day before, neither re-placed nor in a streamlining case."""

    person_id: uuid.UUID
    full_name: str | None = Field(description="Null when the person's record is outside your area")
    agency_id: uuid.UUID


class BulkReplacementReport(BaseModel):
    rows: int
    placed: int = Field(description="New placements written (0 when refused)")
    ended: int = Field(description="Placements in the former agencies ended the day before")
    career_events: int = Field(0, description="Transfer career events recorded (with a decision)")
    problems: list[RowProblem] = Field(description="Rows numbered from 1 in the order sent")
    unaccounted: list[Unaccounted]


class BulkReplacementSummary(BaseModel):
    """What a bulk re-placement did (its event; each placement and person it changed has its own)."""

    effective_date: IsoDate
    rows: int
    placed: int = Field(description="New placements written")
    ended: int = Field(description="Placements in the former agencies ended the day before")
    from_agency_ids: list[uuid.UUID]
    ended_placement_ids: list[uuid.UUID]
    placement_ids: list[uuid.UUID] = Field(description="The new placements")
    career_events: int = Field(0, description="Transfer career events recorded (with a decision)")
    province_code: str | None = Field(description="The province of every new placement; null when they span several")
    commune_code: str | None = Field(description="The commune of every new placement; null when not all in one")


class Recruitment(BaseModel):
    """Recruit a former non-specialised commune worker as a civil servant, into an approved position."""

    position_id: uuid.UUID
    effective_date: IsoDate
    decision_number: str = Field(min_length=1, max_length=100, examples=["123/QĐ-UBND"])


class RecruitmentResult(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    from_category: Category
    to_category: Category
    placement: Placement
    effective_date: IsoDate
    decision_number: str


@dataclass(frozen=True)
class PlacementFilter:
    """What a list of placements is narrowed to (within the caller's area)."""

    person_id: uuid.UUID | None = None
    position_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    province: str | None = None
    suitability: Suitability | None = None
    is_primary: bool | None = None
    as_of: date | None = None
