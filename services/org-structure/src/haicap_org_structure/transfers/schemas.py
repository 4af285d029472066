"""Request and response bodies of task transfers (one task, or many in bulk), and the filters of their list."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Self

from pydantic import BaseModel, Field, model_validator

from haicap_shared.values import IsoDate

from ..tasks.schemas import LegalBasis
from .models import TaskLevel, TransferMode


@dataclass(frozen=True)
class TransferFilter:
    """The query filters of the transfers list (all optional)."""

    province: str | None = None
    task_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    mode: TransferMode | None = None
    batch_id: uuid.UUID | None = None
    effective_from: date | None = None
    effective_to: date | None = None


class TaskTransferCreate(BaseModel):
    """Pass the task from its current lead owner to another agency from ``effective_date``."""

    to_agency_id: uuid.UUID
    mode: TransferMode
    effective_date: IsoDate = Field(description="First day of the new owner; the old one ends the day before")
    legal_basis: LegalBasis


class TaskTransfer(BaseModel):
    """A recorded transfer."""

    id: uuid.UUID
    task_id: uuid.UUID
    task_code: str
    mode: TransferMode
    from_level: TaskLevel
    from_agency_id: uuid.UUID | None
    from_agency_name: str | None
    from_authority: str | None
    to_level: TaskLevel
    to_agency_id: uuid.UUID
    to_agency_name: str
    effective_date: IsoDate
    legal_basis: str
    batch_id: uuid.UUID | None
    province_code: str
    created_at: datetime


class BulkTransferRow(BaseModel):
    """One task of a bulk transfer, named by id or by code, and where it goes."""

    task_id: uuid.UUID | None = None
    task_code: str | None = Field(None, min_length=1, max_length=50)
    to_agency_id: uuid.UUID | None = Field(None, description="Omitted: the request's `default_to_agency_id`")

    @model_validator(mode="after")
    def _one_name(self) -> Self:
        if (self.task_id is None) == (self.task_code is None):
            raise ValueError("give either task_id or task_code")
        return self


class BulkTransferCreate(BaseModel):
    """Every listed task of one former owner goes to its new owner on one date, or none does.

    With ``default_to_agency_id``, the owner's tasks not listed in ``rows`` go there too.
    """

    from_agency_id: uuid.UUID
    effective_date: IsoDate
    mode: TransferMode
    legal_basis: LegalBasis
    rows: list[BulkTransferRow] = Field(default_factory=list, max_length=5000)
    default_to_agency_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.rows and self.default_to_agency_id is None:
            raise ValueError("give rows, default_to_agency_id, or both")
        return self


class BulkRowProblem(BaseModel):
    """What is wrong with one row (rows are numbered from 1; unlisted tasks have no row)."""

    row: int | None
    task_id: uuid.UUID | None
    task_code: str | None
    errors: list[str]


class BulkTransferReport(BaseModel):
    """The outcome of a bulk transfer: every row checked; written only if all passed."""

    batch_id: uuid.UUID | None = Field(description="Shared by the transfers written; null when refused")
    from_agency_id: uuid.UUID
    effective_date: IsoDate
    mode: TransferMode
    rows: int = Field(description="Tasks considered (listed rows plus unlisted tasks sent to the default owner)")
    accepted: int
    rejected: int
    written: int
    remaining_with_from_agency: int = Field(description="Tasks the former owner still leads on the effective date")
    problems: list[BulkRowProblem]
    transfers: list[TaskTransfer]


class TransferBatch(BaseModel):
    """A bulk transfer as its event shows it; each task moved has its own ``task.transferred`` event."""

    id: uuid.UUID = Field(description="The batch id its transfers share (`GET /task-transfers?batch_id=`)")
    from_agency_id: uuid.UUID
    effective_date: IsoDate
    mode: TransferMode
    legal_basis: str
    province_code: str
    transfers: int = Field(description="Tasks transferred")


class TransferRouteCount(BaseModel):
    from_level: TaskLevel
    to_level: TaskLevel
    mode: TransferMode
    count: int


class TransferStats(BaseModel):
    """Transfers effective within [from, to], by mode and by route (computed in SQL)."""

    province: str | None
    date_from: IsoDate | None = Field(serialization_alias="from")
    date_to: IsoDate | None = Field(serialization_alias="to")
    total: int
    by_mode: dict[TransferMode, int]
    by_route: list[TransferRouteCount]
