"""Request and response bodies of verification, the exchange log, the sync queue and the calendar."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from .models import ChangeStatus

MAX_BULK = 500
"""Changes one bulk verification takes at most."""


class DossierChange(BaseModel):
    """One dossier change on its way to the national database."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    event_id: str = Field(description="The personnel event it was made from")
    event_sequence: int
    event_type: str = Field(description="e.g. `vn.gov.haicap.personnel.career_event.created`")
    person_id: uuid.UUID
    record_id: uuid.UUID = Field(description="The changed record (a person, a career event...)")
    agency_id: uuid.UUID | None
    province_code: str | None
    commune_code: str | None
    groups: list[str] = Field(description="The dossier's groups it touches (Decree 27/2026/NĐ-CP)")
    changed_fields: list[str] | None = Field(description="What an update changed; null for a new or deleted record")
    decision_number: str | None
    decision_date: date | None
    arose_on: date = Field(description="The local date the change was recorded")
    due_date: date = Field(description="When it must be in the national database (3 working days; a new dossier: 3 days)")
    status: ChangeStatus
    status_reason: str | None = Field(description="Why it was sent back, reopened, or the national side's rejection")
    verified_by: str | None
    verified_at: datetime | None
    attempts: int = Field(description="Sends tried so far")
    next_attempt_at: datetime | None
    last_error: str | None = Field(description="Why the last send failed (retried)")
    sent_at: datetime | None
    acknowledged_at: datetime | None
    national_reference: str | None
    created_at: datetime
    version: int


class ReturnBody(BaseModel):
    """Why the change goes back (the agency corrects the record, which makes a new change)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=3, max_length=1000)


class BulkVerify(BaseModel):
    """Changes to verify together: all or none."""

    model_config = ConfigDict(extra="forbid")

    ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_BULK)


class BulkVerified(BaseModel):
    verified: int
    items: list[DossierChange]


class SyncExchange(BaseModel):
    """One exchange with the national side (a token, a POST, a file written): no personal data, only change ids."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    adapter: str
    destination: str
    operation: str = Field(description="`token`, `send` or `write_file`")
    change_ids: list[str]
    transaction_code: str | None
    started_at: datetime
    duration_ms: int
    outcome: str = Field(description="`ok`, `rejected`, `partly_rejected`, `timeout`, `unreachable`, `failed`")
    http_status: int | None
    answer: str | None = Field(description="The answer, cut to 1,000 characters")


class SyncQueue(BaseModel):
    """How much waits to be sent, and since when."""

    by_status: dict[str, int]
    queued: int = Field(description="Verified changes not yet answered")
    oldest_queued_verified_at: datetime | None
    oldest_queued_age_seconds: float | None
    overdue: int = Field(description="Changes not acknowledged (nor sent as a file) past their due date, today")
    intake_through: int | None = Field(
        description="The last personnel event the sync worker has read (null before its first turn): every dossier "
        "change up to it is listed"
    )
    latest_sequence: int = Field(description="personnel's newest event: the intake has caught up when it reaches it")


class CalendarDay(BaseModel):
    """A day whose working status an admin set (a swapped working day, or a day off in exchange)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    day: date
    working: bool
    note: str
    version: int


class CalendarDaySet(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    working: StrictBool = Field(description="true: a working day (a Saturday worked); false: a day off")
    note: str = Field(min_length=3, max_length=300, examples=["Làm bù cho ngày nghỉ 30/4 (Thông báo của Bộ Nội vụ)"])


class CalendarYearDay(BaseModel):
    """One day of a year that is not a plain working weekday, and why."""

    day: date
    working: bool
    source: str = Field(description="`holiday` (the holidays package), `swap` (the package's swapped day) or `admin`")
    note: str
    id: uuid.UUID | None = Field(None, description="The admin's entry, when it is one")


class CalendarYear(BaseModel):
    year: int
    days: list[CalendarYearDay]
