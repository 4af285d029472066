"""The bodies every service with procedure workflows shares.

The intake block a workflow request carries, and the summary its response shows.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ..codes import CommuneCode, ProvinceCode
from .status import ProcedureStatus, PushStatus

PROCEDURE_CODE_PATTERN = r"^[0-9]\.[0-9]{6}(\.[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2})?$"
"""A code of the national procedure database: ``1.005432``, optionally with its agency suffix (``1.005432.000.00.00.H12``)."""

DOSSIER_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,49}$"
"""A dossier code (mã hồ sơ) as the one-stop system issued it, e.g. ``000.00.04.H12-251003-0001``."""


class ProcedureIntake(BaseModel):
    """The procedure a workflow request was received under, as the one-stop system gave it."""

    model_config = ConfigDict(extra="forbid")

    procedure_code: str = Field(
        pattern=PROCEDURE_CODE_PATTERN,
        max_length=40,
        description="The procedure's code in the national procedure database (mã TTHC), in org-structure's catalogue",
        examples=["1.005432"],
    )
    dossier_code: str = Field(
        pattern=DOSSIER_CODE_PATTERN,
        max_length=50,
        description="The dossier code (mã hồ sơ) the one-stop system received it under; unique in the province",
        examples=["000.00.04.H12-261002-0001"],
    )
    received_at: AwareDatetime | None = Field(
        None, description="When the one-stop system received the dossier (default: now); not in the future"
    )
    applicant: str | None = Field(
        None, max_length=300, description="Who filed it (chủ hồ sơ): an agency or a unit's name; not a private person's"
    )


class ProcedureDossierSummary(BaseModel):
    """The dossier a workflow record was received under, as its response shows it."""

    id: uuid.UUID
    dossier_code: str
    procedure_code: str
    procedure_name: str
    status: ProcedureStatus
    received_at: datetime
    due_date: date = Field(description="The statutory due date on the Vietnamese working-day calendar")
    finished_at: datetime | None
    overdue: bool = Field(description="Not finished and past its due date today, or finished after it")


class ProcedureDossierStep(BaseModel):
    """One status change of a dossier, with where its push to the one-stop system stands."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    position: int = Field(description="1 for the `received` step, then 2, 3... in the order they happened")
    status: ProcedureStatus
    occurred_at: datetime
    due_date: date = Field(description="The due date in force when the step was taken")
    note: str | None
    push_status: PushStatus
    attempts: int
    next_attempt_at: datetime | None
    pushed_at: datetime | None
    reference: str | None = Field(description="The one-stop system's reference of the update, once it took it")
    last_error: str | None
    status_reason: str | None = Field(description="The one-stop system's reason, when it rejected the step")


class ProcedureDossierItem(BaseModel):
    """A procedure dossier (hồ sơ thủ tục hành chính): the procedure on its day of receipt, its area, its due date."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    dossier_code: str
    procedure_code: str
    procedure_name: str
    sector: str
    level: str
    processing_days: int = Field(description="The processing time in working days, from the catalogue on the day received")
    subject_kind: str = Field(description="The kind of workflow record it belongs to")
    subject_id: uuid.UUID | None = Field(description="The workflow record, when there is one")
    applicant: str | None
    province_code: str
    commune_code: str | None
    agency_id: uuid.UUID | None
    received_at: datetime
    due_date: date = Field(description="The statutory due date on the Vietnamese working-day calendar")
    status: ProcedureStatus
    status_at: datetime
    finished_at: datetime | None
    overdue: bool = Field(description="Not finished and past its due date today, or finished after it")
    created_at: datetime
    updated_at: datetime
    version: int


class ProcedureDossier(ProcedureDossierItem):
    """A procedure dossier with every step, in order."""

    steps: list[ProcedureDossierStep]


class ProcedureDossierCreate(ProcedureIntake):
    """A dossier received with no workflow record yet (a proposal the record it leads to takes over later)."""

    subject_kind: str = Field(
        max_length=40, description="The kind of workflow record it is for, among those the service opens on their own"
    )
    province_code: ProvinceCode = Field(description="The province whose one-stop system received it")
    commune_code: CommuneCode | None = Field(None, description="The commune it concerns, if any")
    agency_id: uuid.UUID | None = Field(None, description="The agency handling it, if any (an org-structure agency id)")


class ProcedureStepCreate(BaseModel):
    """A status change of a dossier."""

    model_config = ConfigDict(extra="forbid")

    status: ProcedureStatus
    note: str | None = Field(None, max_length=2000, description="Why, or what the applicant must supplement")
    at: AwareDatetime | None = Field(
        None, description="When it happened (default: now); not in the future nor before the last step"
    )


class ProcedureStatsRow(BaseModel):
    """The dossiers of one procedure in one commune (``commune_code`` null: those of no commune)."""

    procedure_code: str
    procedure_name: str
    sector: str
    commune_code: str | None
    received: int = Field(description="Received (local date) on or before as_of")
    finished: int = Field(description="Finished (done, refused or returned) on or before as_of")
    finished_on_time: int = Field(description="Finished on or before their due date")
    finished_late: int = Field(description="Finished after their due date")
    open: int = Field(description="received - finished")
    open_overdue: int = Field(description="Open on as_of, and as_of after their due date")
    supplement_requested: int = Field(description="Open, their latest step by as_of a supplement request")


class ProcedureStats(BaseModel):
    """Dossier progress and lateness by procedure and commune, on a date."""

    as_of: date
    rows: list[ProcedureStatsRow]
    truncated: bool = Field(False, description="More rows than one answer holds: narrow by province or commune")


class ProcedureExchange(BaseModel):
    """One exchange with the one-stop system (a sign-in, a push, a file written); never a dossier's content."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    adapter: str
    destination: str
    operation: str
    step_ids: list[str]
    transaction_code: str | None
    started_at: datetime
    duration_ms: int
    outcome: str
    http_status: int | None
    answer: str | None
