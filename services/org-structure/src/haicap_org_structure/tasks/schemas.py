"""Request and response bodies of the task catalogue, and the filters of its list."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from haicap_shared.codes import UnitLevel
from haicap_shared.values import IsoDate

from ..agencies.models import AgencyKind
from ..transfers.models import TransferMode

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


@dataclass(frozen=True)
class TaskFilter:
    """The query filters of the tasks list (all optional)."""

    province: str | None = None
    sector: str | None = None
    level: UnitLevel | None = None
    agency_id: uuid.UUID | None = None
    unit_id: uuid.UUID | None = None
    as_of: date | None = None
    q: str | None = None


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


class StatsDimension(enum.StrEnum):
    """What ``GET /tasks/stats`` counts tasks by (``by=``)."""

    LEVEL = "level"
    SECTOR = "sector"
    PROVINCE = "province"
    UNIT = "unit"
    AGENCY = "agency"


DEFAULT_STATS_DIMENSIONS = (StatsDimension.LEVEL, StatsDimension.SECTOR)
"""What a request without ``by`` is counted by: the short breakdowns (the per-unit and per-agency lists are asked for)."""


@dataclass(frozen=True)
class StatsPages:
    """The page asked for of each long list: its size, and where each list resumes (a cursor it returned)."""

    limit: int = 100
    unit_cursor: str | None = None
    agency_cursor: str | None = None


class SectorCount(BaseModel):
    sector: str
    count: int


class ProvinceCount(BaseModel):
    province_code: str
    count: int


class TasksOfUnit(BaseModel):
    """How many tasks a unit holds (its agencies lead them) on the date."""

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
    """Tasks on ``as_of``, each counted once at its lead owner's level (computed in SQL), by what was asked for.

    A breakdown not asked for in ``by`` is null. ``by_unit`` and ``by_agency`` are one page each
    (``limit`` rows, by unit code and by agency name); ``next_unit`` and ``next_agency`` are the
    cursors of their next pages (``unit_cursor``, ``agency_cursor``), null on the last.
    """

    as_of: IsoDate
    province: str | None
    unit_id: uuid.UUID | None = Field(None, description="The unit whose agencies' tasks alone were counted, if one was given")
    by: list[StatsDimension] = Field(
        default_factory=lambda: list(DEFAULT_STATS_DIMENSIONS),
        description="The breakdowns counted (`by=`; level and sector when none was given)",
    )
    total: int
    by_level: dict[UnitLevel, int] | None = None
    by_sector: list[SectorCount] | None = None
    by_province: list[ProvinceCount] | None = None
    by_unit: list[TasksOfUnit] | None = None
    next_unit: str | None = Field(None, description="Cursor of the next page of `by_unit` (`unit_cursor`); null on the last")
    by_agency: list[AgencyCount] | None = None
    next_agency: str | None = Field(
        None, description="Cursor of the next page of `by_agency` (`agency_cursor`); null on the last"
    )


class ProvinceTaskStats(BaseModel):
    """One province's tasks on the date: the figures of `GET /tasks/stats?province=&by=level&by=sector`."""

    province: str
    total: int
    by_level: dict[UnitLevel, int] = Field(description="Every level, those without a task at 0")
    by_sector: list[SectorCount] = Field(description="By sector, in sector order")


class TaskStatsByProvince(BaseModel):
    """Tasks on ``as_of`` for every province of the caller's area (counted in SQL in one statement), by province code.

    A province without a task held that day has no row.
    """

    as_of: IsoDate
    rows: list[ProvinceTaskStats]


class TaskImportRun(BaseModel):
    """An import of a province's task form as its event shows it; each task written has its own ``task.created`` event."""

    filename: str
    province_code: str
    rows: int = Field(description="Data rows read")
    accepted: int = Field(description="Rows without problems")
    rejected: int = Field(description="Rows with problems")
    written: int = Field(description="Tasks written")
    partial: bool = Field(description="Whether partial import was asked for")
