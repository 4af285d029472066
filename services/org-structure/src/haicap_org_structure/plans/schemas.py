"""Request and response bodies of the plans, their items, progress reports and follow-up figures."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Self

from pydantic import BaseModel, Field, model_validator

from haicap_shared.values import DECIMAL_PATTERN, IsoDate

from .models import (
    MAX_CODE,
    MAX_DECISION,
    MAX_ISSUER,
    MAX_TEXT,
    MAX_TITLE,
    MAX_URL,
    ItemMeasure,
    ItemStatus,
    LinkKind,
    PlanRating,
    PlanStatus,
    ReminderKind,
)

MAX_ITEMS = 500
"""Items in one ``POST /plans``."""
MAX_LINKS = 50
MAX_DEPENDENCIES = 50
MAX_EVIDENCE = 20

HTTPS_URL = r"^https://[^\s]+$"

Code = Annotated[str, Field(min_length=1, max_length=MAX_CODE, pattern=r"^\S(.*\S)?$", examples=["KH-2025-01"])]
ItemCode = Annotated[str, Field(min_length=1, max_length=MAX_CODE, pattern=r"^\S(.*\S)?$", examples=["2.3"])]
Title = Annotated[str, Field(min_length=1, max_length=MAX_TITLE)]
LongText = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
HttpsUrl = Annotated[str, Field(max_length=MAX_URL, pattern=HTTPS_URL, examples=["https://caobang.gov.vn/vb/123.pdf"])]


def _ordered(starts: date | None, ends: date | None, what: str) -> None:
    if starts is not None and ends is not None and ends < starts:
        raise ValueError(f"{what} is before the start")


class ItemLink(BaseModel):
    """A record the item concerns (checked where it lives when written)."""

    kind: LinkKind = Field(
        description="`task`, `agency` (org-structure), `position`, `placement` (personnel), `asset`, `disposition` (assets)"
    )
    target_id: uuid.UUID


class ItemCreate(BaseModel):
    """An item of a plan: who does what by when."""

    code: ItemCode = Field(description="Unique in the plan, e.g. `2.3`")
    title: Title
    expected_output: str | None = Field(None, max_length=MAX_TEXT, description="What the item must produce")
    assignee_agency_id: uuid.UUID = Field(description="The agency in charge (its province and commune are copied)")
    assignee_placement_id: uuid.UUID | None = Field(
        None, description="A person through their placement (personnel): in force, in the assignee agency"
    )
    starts_on: IsoDate | None = None
    deadline: IsoDate
    measure: ItemMeasure | None = Field(None, description="What the records measure of its progress (reporting reads it)")
    depends_on: list[ItemCode] = Field(
        default_factory=list, max_length=MAX_DEPENDENCIES, description="Codes of items of the same plan done before this one"
    )
    links: list[ItemLink] = Field(default_factory=list, max_length=MAX_LINKS)

    @model_validator(mode="after")
    def _dates(self) -> Self:
        _ordered(self.starts_on, self.deadline, "deadline")
        return self


class ItemUpdate(BaseModel):
    """Fields to change; omitted fields stay. ``links`` and ``depends_on`` replace the item's whole list."""

    code: ItemCode | None = None
    title: Title | None = None
    expected_output: str | None = Field(None, max_length=MAX_TEXT)
    assignee_agency_id: uuid.UUID | None = None
    assignee_placement_id: uuid.UUID | None = None
    starts_on: IsoDate | None = None
    deadline: IsoDate | None = None
    measure: ItemMeasure | None = None
    status: ItemStatus | None = Field(
        None,
        description="Only `cancelled` (or `not_started`/`in_progress` to take a cancellation back); `done` comes "
        "from a progress report",
    )
    depends_on: list[ItemCode] | None = Field(None, max_length=MAX_DEPENDENCIES)
    links: list[ItemLink] | None = Field(None, max_length=MAX_LINKS)


class PlanCreate(BaseModel):
    """A plan of a province, with the decision that issued it, and its items (optional)."""

    code: Code = Field(description="Unique within the province")
    title: Title
    owner_agency_id: uuid.UUID = Field(description="The agency in charge of the plan (its province is the plan's)")
    decision_number: str | None = Field(None, min_length=1, max_length=MAX_DECISION, examples=["1234/QĐ-UBND"])
    decision_signed_on: IsoDate | None = None
    decision_issuer: str | None = Field(None, min_length=1, max_length=MAX_ISSUER, examples=["UBND tỉnh Cao Bằng"])
    document_url: HttpsUrl | None = None
    starts_on: IsoDate
    ends_on: IsoDate | None = None
    items: list[ItemCreate] = Field(default_factory=list, max_length=MAX_ITEMS)

    @model_validator(mode="after")
    def _check(self) -> Self:
        _ordered(self.starts_on, self.ends_on, "ends_on")
        codes = [item.code for item in self.items]
        if len(set(codes)) != len(codes):
            raise ValueError("an item code is used twice")
        return self


class PlanUpdate(BaseModel):
    """Fields to change; omitted fields stay as they are."""

    code: Code | None = None
    title: Title | None = None
    owner_agency_id: uuid.UUID | None = None
    decision_number: str | None = Field(None, min_length=1, max_length=MAX_DECISION)
    decision_signed_on: IsoDate | None = None
    decision_issuer: str | None = Field(None, min_length=1, max_length=MAX_ISSUER)
    document_url: HttpsUrl | None = None
    starts_on: IsoDate | None = None
    ends_on: IsoDate | None = None


class ItemAssessment(BaseModel):
    item_id: uuid.UUID
    assessment: LongText


class PlanClose(BaseModel):
    """The closure of a plan: its date, assessment and rating, and optionally each item's assessment."""

    closed_on: IsoDate
    assessment: LongText
    rating: PlanRating
    item_assessments: list[ItemAssessment] = Field(default_factory=list, max_length=MAX_ITEMS)


class Evidence(BaseModel):
    """A document attached to a progress report."""

    title: str = Field(min_length=1, max_length=300)
    document_number: str | None = Field(None, min_length=1, max_length=100, examples=["15/BC-UBND"])
    issued_on: IsoDate | None = None
    url: HttpsUrl | None = None


class ProgressCreate(BaseModel):
    """A progress report: the percentage done on a day, what was done, the documents that show it."""

    reported_on: IsoDate
    percent: int = Field(ge=0, le=100)
    narrative: str | None = Field(None, min_length=1, max_length=MAX_TEXT)
    evidence: list[Evidence] = Field(default_factory=list, max_length=MAX_EVIDENCE)
    done: bool = Field(False, description="With 100: the item is done on `reported_on`")
    correction: bool = Field(False, description="A percentage below the previous report's (a narrative says why)")

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.done and self.percent != 100:
            raise ValueError("an item is done only at 100 percent")
        if self.correction and not self.narrative:
            raise ValueError("a correction needs a narrative")
        return self


class Progress(BaseModel):
    id: uuid.UUID
    item_id: uuid.UUID
    reported_on: IsoDate
    percent: int
    narrative: str | None
    evidence: list[Evidence]
    done: bool
    correction: bool
    reporter: str
    created_at: datetime


class Reminder(BaseModel):
    kind: ReminderKind
    sent_on: IsoDate
    superior_agency_id: uuid.UUID | None


class PlanItem(BaseModel):
    """An item with its dependencies (by code), its links and the reminders recorded for it."""

    id: uuid.UUID
    plan_id: uuid.UUID
    code: str
    title: str
    expected_output: str | None
    assignee_agency_id: uuid.UUID
    assignee_agency_name: str
    assignee_placement_id: uuid.UUID | None
    assignee_person_id: uuid.UUID | None
    province_code: str
    commune_code: str | None
    starts_on: IsoDate | None
    deadline: IsoDate
    status: ItemStatus
    progress_percent: int = Field(description="The latest report's percentage")
    completed_on: IsoDate | None
    measure: ItemMeasure | None
    assessment: str | None
    on_time: bool | None = Field(description="Set when done: completed_on <= deadline")
    depends_on: list[str] = Field(description="Codes of the items it waits for")
    links: list[ItemLink]
    reminders: list[Reminder]
    version: int
    created_at: datetime
    updated_at: datetime


class PlanSummary(BaseModel):
    """A plan as its list shows it (without items)."""

    id: uuid.UUID
    province_code: str
    code: str
    title: str
    owner_agency_id: uuid.UUID
    decision_number: str | None
    decision_signed_on: IsoDate | None
    decision_issuer: str | None
    document_url: str | None
    starts_on: IsoDate
    ends_on: IsoDate | None
    status: PlanStatus
    closed_on: IsoDate | None
    assessment: str | None
    rating: PlanRating | None
    version: int
    created_at: datetime
    updated_at: datetime


class Plan(PlanSummary):
    """A plan with its items (a commune officer sees only their commune's)."""

    items: list[PlanItem]


@dataclass(frozen=True)
class ItemFilter:
    status: ItemStatus | None = None
    overdue_on: date | None = None
    agency_id: uuid.UUID | None = None
    commune: str | None = None


class OverdueItem(BaseModel):
    """A late item, with whom it is escalated to: the assignee's superior agency (the plan's owner when none)."""

    item_id: uuid.UUID
    plan_id: uuid.UUID
    plan_code: str
    code: str
    title: str
    deadline: IsoDate
    days_overdue: int
    status: ItemStatus
    progress_percent: int
    province_code: str
    commune_code: str | None
    assignee_agency_id: uuid.UUID
    assignee_agency_name: str
    assignee_person_id: uuid.UUID | None
    superior_agency_id: uuid.UUID
    superior_agency_name: str


class AgencyOverdue(BaseModel):
    agency_id: uuid.UUID
    name: str
    commune_code: str | None
    overdue: int


class CommuneOverdue(BaseModel):
    commune_code: str | None
    overdue: int


class AgencyOnTime(BaseModel):
    agency_id: uuid.UUID
    name: str
    due: int = Field(description="Items (not cancelled) whose deadline falls in [from, to]")
    done_on_time: int
    done_late: int
    rate: str | None = Field(pattern=DECIMAL_PATTERN, description="done_on_time / due, 4 decimals; null when due = 0")


class PlanStats(BaseModel):
    """The follow-up figures of the plans in the caller's area, computed in SQL from the items."""

    as_of: IsoDate
    province: str | None
    commune: str | None
    period_from: IsoDate = Field(alias="from", serialization_alias="from")
    period_to: IsoDate = Field(alias="to", serialization_alias="to")
    plans_open: int = Field(description="Plans not closed on as_of")
    items: dict[ItemStatus, int] = Field(description="Items of those plans by status")
    overdue: int = Field(description="Items not done on as_of (nor cancelled) whose deadline is before it")
    overdue_by_agency: list[AgencyOverdue]
    overdue_by_commune: list[CommuneOverdue]
    on_time: list[AgencyOnTime]

    model_config = {"populate_by_name": True}


class PlanStatsByProvince(BaseModel):
    """The follow-up figures on ``as_of`` for every province of the caller's area, by province code.

    Each row is what `GET /plans/stats?province=<code>` gives (same date and period); a province
    with no plan or item to count has no row.
    """

    as_of: IsoDate
    rows: list[PlanStats]
