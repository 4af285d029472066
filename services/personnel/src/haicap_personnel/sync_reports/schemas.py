"""Request and response bodies of the national sync's reports and reconciliations."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from haicap_shared.values import IsoDate

from ..sync.models import ChangeStatus
from .models import DifferenceKind


class AreaCount(BaseModel):
    """The changes of one agency (with its province and commune) that a report counts."""

    province_code: str | None
    commune_code: str | None
    agency_id: uuid.UUID | None
    count: int
    oldest_due_date: IsoDate | None = Field(None, description="The earliest due date among them")


class OverdueChange(BaseModel):
    change_id: uuid.UUID
    person_id: uuid.UUID
    province_code: str | None
    commune_code: str | None
    agency_id: uuid.UUID | None
    groups: list[str] = Field(description="The dossier's groups the change touches")
    arose_on: IsoDate
    due_date: IsoDate
    status: ChangeStatus = Field(description="Its status now")
    days_overdue: int = Field(description="Working days after the due date up to `as_of` (weekends, holidays, swaps)")


class OverdueReport(BaseModel):
    """Changes not acknowledged by ``as_of`` whose due date was before it: counts by area, and one page of them."""

    as_of: IsoDate
    days_counted_in: str = Field("working_days", description="`working_days` on the Vietnamese calendar")
    total: int = Field(description="Overdue changes in your area (and the filters)")
    by_area: list[AreaCount] = Field(description="By province, commune and agency, most first (at most 1,000 rows)")
    by_area_truncated: bool
    items: list[OverdueChange] = Field(description="One page, the oldest due date first")
    next: str | None = Field(None, description="Cursor of the next page of items")


class RejectedChange(BaseModel):
    change_id: uuid.UUID
    person_id: uuid.UUID
    province_code: str | None
    commune_code: str | None
    agency_id: uuid.UUID | None
    groups: list[str]
    arose_on: IsoDate
    due_date: IsoDate
    reason: str | None = Field(description="The national side's reason")
    national_reference: str | None


class ReasonCount(BaseModel):
    reason: str | None
    count: int


class RejectedReport(BaseModel):
    """Changes the national side rejected: counts by area and by reason, and one page of them."""

    total: int
    by_area: list[AreaCount] = Field(description="By province, commune and agency, most first (at most 1,000 rows)")
    by_area_truncated: bool
    by_reason: list[ReasonCount] = Field(description="The national side's reasons, most frequent first (at most 100)")
    items: list[RejectedChange] = Field(description="One page, by the day the change arose")
    next: str | None = None


class OnTimeCounts(BaseModel):
    arisen: int = Field(description="Changes that arose in the period")
    acknowledged_on_time: int = Field(description="Of those, acknowledged by their due date (Vietnamese local date)")
    acknowledged_late: int = Field(description="Acknowledged after their due date")
    not_acknowledged: int = Field(description="Not acknowledged (yet)")
    share_on_time: str | None = Field(
        description="acknowledged_on_time / arisen as a decimal string of 4 places (null when none arose)", examples=["0.7500"]
    )


class AreaOnTime(OnTimeCounts):
    province_code: str | None
    commune_code: str | None
    agency_id: uuid.UUID | None


class OnTimeReport(OnTimeCounts):
    """The share of the changes arising in a period that the national side acknowledged by their due date."""

    from_date: IsoDate = Field(description="First day of the period (`from`)")
    to_date: IsoDate = Field(description="Last day of the period (`to`)")
    by_area: list[AreaOnTime] = Field(description="By province, commune and agency (at most 1,000 rows)")
    by_area_truncated: bool


class Reconciliation(BaseModel):
    """A comparison of a national-side export with haicap's records in the uploader's area."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    filename: str
    uploaded_by: str
    province_code: str | None
    commune_code: str | None
    agency_id: uuid.UUID | None
    lines: int = Field(description="Records read from the export")
    people_in_file: int = Field(description="Distinct personal identification numbers in the export")
    changes_in_file: int = Field(description="Distinct change ids in the export")
    missing_nationally: int = Field(description="People haicap serves in the area whom the export lacks")
    missing_in_haicap: int = Field(description="People the export holds whom haicap lacks")
    field_differences: int = Field(description="Fields of people's records whose values differ")
    acknowledged_not_held: int = Field(description="Changes haicap holds as acknowledged that the export lacks")
    version: int
    created_at: datetime


class Difference(BaseModel):
    """One difference; the national id masked unless revealed."""

    id: int
    kind: DifferenceKind
    national_id: str | None
    person_id: uuid.UUID | None
    change_id: uuid.UUID | None
    field: str | None
    haicap_value: str | None
    national_value: str | None
