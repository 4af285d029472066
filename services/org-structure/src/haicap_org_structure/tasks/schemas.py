"""Request and response bodies of the tasks API."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from haicap_shared.values import IsoDate

from ..agencies.models import AgencyKind
from ..units.models import UnitLevel
from .models import TaskLevel, TransferMode

TaskCode = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^\S(.*\S)?$", examples=["NV-YT-0012"])]
TaskTitle = Annotated[str, Field(min_length=1, max_length=1000, examples=["Cấp giấy phép hoạt động khám bệnh, chữa bệnh"])]
Sector = Annotated[str, Field(min_length=1, max_length=200, examples=["Y tế"])]
LegalBasis = Annotated[str, Field(min_length=3, max_length=500, examples=["Nghị định 150/2025/NĐ-CP"])]

# NOTE: only these modes hand a task down from a higher authority; the others move it between agencies.
ORIGIN_MODES = frozenset({TransferMode.DECENTRALISED, TransferMode.DELEGATED, TransferMode.AUTHORISED})


class TaskOrigin(BaseModel):
    """A task handed down by a central authority (phân cấp, phân quyền, ủy quyền from a ministry)."""

    mode: TransferMode = Field(description="`decentralised`, `delegated` or `authorised`")
    from_authority: str = Field(min_length=2, max_length=300, examples=["Bộ Y tế"])
    legal_basis: LegalBasis

    @model_validator(mode="after")
    def _handed_down(self) -> Self:
        if self.mode not in ORIGIN_MODES:
            raise ValueError("a task comes from a central authority only by decentralised, delegated or authorised")
        return self


class TaskCreate(BaseModel):
    """A task to record, with its first owner (lead agency) from ``valid_from``."""

    code: TaskCode = Field(description="Unique within the province")
    title: TaskTitle
    sector: Sector = Field(description="Lĩnh vực")
    legal_basis: str | None = Field(None, max_length=500, description="The document (null is reported as a finding)")
    legal_article: str | None = Field(None, max_length=200, description="Article and clause, e.g. `Điều 5 khoản 2`")
    shared: bool = Field(False, description="Held by several agencies at once, with one lead")
    note: str | None = Field(None, max_length=4000)
    owner_agency_id: uuid.UUID = Field(description="The lead agency")
    valid_from: IsoDate = Field(description="First day the owner holds the task")
    co_owner_agency_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50, description="Only for a shared task")
    origin: TaskOrigin | None = Field(None, description="When the task was handed down from a central authority")

    @model_validator(mode="after")
    def _owners(self) -> Self:
        if self.co_owner_agency_ids and not self.shared:
            raise ValueError("co-owners are only for a shared task")
        if len(set(self.co_owner_agency_ids)) != len(self.co_owner_agency_ids):
            raise ValueError("a co-owner is listed twice")
        if self.owner_agency_id in self.co_owner_agency_ids:
            raise ValueError("the lead agency cannot also be a co-owner")
        return self


class TaskUpdate(BaseModel):
    """Fields to change; omitted fields stay as they are. Owners change only by transfers."""

    title: TaskTitle | None = None
    sector: Sector | None = None
    legal_basis: str | None = Field(None, max_length=500)
    legal_article: str | None = Field(None, max_length=200)
    shared: bool | None = None
    note: str | None = Field(None, max_length=4000)


class Task(BaseModel):
    """A task with its lead owner on the date asked for (today unless ``as_of``)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    title: str
    sector: str
    legal_basis: str | None
    legal_article: str | None
    province_code: str
    shared: bool
    note: str | None
    level: UnitLevel | None = Field(description="The lead owner's level on the date; null without an owner")
    owner_agency_id: uuid.UUID | None
    owner_agency_name: str | None
    owner_since: IsoDate | None
    owner_until: IsoDate | None
    version: int
    created_at: datetime
    updated_at: datetime


class TaskOwnership(BaseModel):
    """An agency holding the task over an interval (``valid_to`` null: still holds it)."""

    id: uuid.UUID
    task_id: uuid.UUID
    agency_id: uuid.UUID
    agency_name: str
    agency_kind: AgencyKind
    level: UnitLevel
    is_lead: bool
    valid_from: IsoDate
    valid_to: IsoDate | None
    transfer_id: uuid.UUID | None


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


class SectorCount(BaseModel):
    sector: str
    count: int


class UnitCount(BaseModel):
    unit_id: uuid.UUID
    unit_code: str
    unit_name: str
    level: UnitLevel
    count: int


class AgencyCount(BaseModel):
    agency_id: uuid.UUID
    agency_name: str
    level: UnitLevel
    count: int


class TaskStats(BaseModel):
    """Tasks on ``as_of``, each counted once at its lead owner's level (computed in SQL)."""

    as_of: IsoDate
    province: str | None
    total: int
    by_level: dict[UnitLevel, int]
    by_sector: list[SectorCount]
    by_unit: list[UnitCount]
    by_agency: list[AgencyCount]


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


class FindingKind(enum.StrEnum):
    OVERLAP = "overlap"
    NO_OWNER = "no_owner"
    NO_LEGAL_BASIS = "no_legal_basis"
    ENDED_OWNER = "ended_owner"
    DUPLICATE = "duplicate"


class FindingAgency(BaseModel):
    id: uuid.UUID
    name: str
    level: UnitLevel
    valid_from: IsoDate | None
    valid_to: IsoDate | None


class Finding(BaseModel):
    """A breach of "rõ người, rõ việc, rõ thẩm quyền": which task, which agencies, and why."""

    kind: FindingKind
    task_id: uuid.UUID
    task_code: str
    task_title: str
    sector: str
    province_code: str
    agencies: list[FindingAgency]
    related_task_ids: list[uuid.UUID] = Field(description="For `duplicate`: the tasks this one looks like")
    reason: str


class Findings(BaseModel):
    """The findings on ``as_of``: complete counts by kind, and the first ``limit`` findings."""

    as_of: IsoDate
    province: str | None
    counts: dict[FindingKind, int]
    total: int
    items: list[Finding]
    truncated: bool = Field(description="More findings exist than `items` holds; filter by kind or raise `limit`")
