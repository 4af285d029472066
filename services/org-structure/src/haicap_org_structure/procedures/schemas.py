"""Request and response bodies of the procedure catalogue, and the filters of its list."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from haicap_shared.codes import CommuneCode, ProvinceCode, UnitLevel
from haicap_shared.procedures.schemas import PROCEDURE_CODE_PATTERN
from haicap_shared.validity import Interval, ValidityInput
from haicap_shared.values import IsoDate

from .models import MAX_PROCESSING_DAYS

ProcedureCode = Annotated[
    str,
    Field(
        pattern=PROCEDURE_CODE_PATTERN,
        max_length=40,
        description="The code in the national procedure database (mã TTHC)",
        examples=["1.005384"],
    ),
]
ProcedureName = Annotated[str, Field(min_length=3, max_length=1000, examples=["Thủ tục thi tuyển công chức"])]
Sector = Annotated[str, Field(min_length=2, max_length=200, description="Lĩnh vực", examples=["Công chức, viên chức"])]
ProcessingDays = Annotated[
    int,
    # NOTE: strict, so that `false` is not taken for 0 days.
    Field(strict=True, ge=0, le=MAX_PROCESSING_DAYS, description="The statutory processing time in working days (0: same day)"),
]
AgencyInCharge = Annotated[
    str | None, Field(max_length=300, description="The agency in charge (cơ quan thực hiện)", examples=["Sở Nội vụ"])
]
Basis = Annotated[
    str,
    Field(
        min_length=3,
        max_length=500,
        description="The legal basis of this level: the decision announcing it, the decree",
        examples=["Quyết định 1234/QĐ-BNV ngày 30/6/2025"],
    ),
]

MAX_LEVELS = 20
"""Versions one request (or one code of an import) may give."""
MAX_LINKS = 100
"""Procedures one task may be linked to."""


class LevelInput(ValidityInput):
    """One version of a procedure: who handles it from ``valid_from`` to ``valid_to`` (null: still)."""

    model_config = ConfigDict(extra="forbid")

    level: UnitLevel
    agency_in_charge: AgencyInCharge = None
    processing_days: ProcessingDays
    basis: Basis | None = None
    valid_from: IsoDate = Field(description="First day of this version")

    @property
    def interval(self) -> Interval:
        return Interval.of(self)


class ProcedureCreate(BaseModel):
    """A procedure with its versions (at least one; none sharing a day)."""

    model_config = ConfigDict(extra="forbid")

    code: ProcedureCode
    name: ProcedureName
    sector: Sector
    levels: list[LevelInput] = Field(min_length=1, max_length=MAX_LEVELS, description="Its versions over time")

    @model_validator(mode="after")
    def _apart(self) -> Self:
        ordered = sorted(self.levels, key=lambda level: level.valid_from)
        for earlier, later in pairwise(ordered):
            if earlier.interval.overlaps(later.interval):
                raise ValueError(f"two versions share a day: from {earlier.valid_from} and from {later.valid_from}")
        return self


class ProcedureUpdate(BaseModel):
    """Fields to change; omitted fields stay. The levels change only by a dated level change."""

    model_config = ConfigDict(extra="forbid")

    name: ProcedureName | None = None
    sector: Sector | None = None


class LevelChange(BaseModel):
    """A new version from ``valid_from``: the one in force the day before ends that day."""

    model_config = ConfigDict(extra="forbid")

    level: UnitLevel
    agency_in_charge: AgencyInCharge = None
    processing_days: ProcessingDays
    basis: Basis
    valid_from: IsoDate = Field(description="The day the new level takes over", examples=["2025-07-01"])


class ProcedureLevel(BaseModel):
    """One version of a procedure."""

    model_config = ConfigDict(from_attributes=True)

    level: UnitLevel
    processing_days: int
    agency_in_charge: str | None
    basis: str | None
    valid_from: IsoDate
    valid_to: IsoDate | None


class ProcedureSummary(BaseModel):
    """A procedure with the version in force on the date asked for (today's, or its latest, when none)."""

    id: uuid.UUID
    code: str
    name: str
    sector: str
    level: UnitLevel
    processing_days: int
    agency_in_charge: str | None
    basis: str | None
    valid_from: IsoDate
    valid_to: IsoDate | None
    version: int
    created_at: datetime
    updated_at: datetime


class Procedure(ProcedureSummary):
    """A procedure with every version, oldest first, and the tasks it carries out."""

    levels: list[ProcedureLevel]
    task_ids: list[uuid.UUID] = Field(description="The tasks of the catalogue linked to the procedure")


@dataclass(frozen=True)
class ProcedureFilter:
    """The query filters of the procedures list (all optional)."""

    as_of: date | None = None
    level: UnitLevel | None = None
    sector: str | None = None
    q: str | None = None


class TaskProcedures(BaseModel):
    """The procedures a task is carried out through (the whole set: a PUT replaces it)."""

    model_config = ConfigDict(extra="forbid")

    procedure_codes: list[ProcedureCode] = Field(max_length=MAX_LINKS, description="Codes in the catalogue, each once")

    @model_validator(mode="after")
    def _once(self) -> Self:
        if len(set(self.procedure_codes)) != len(self.procedure_codes):
            raise ValueError("a procedure code is listed twice")
        return self


class TaskProcedureLinks(BaseModel):
    """A task's procedures after the change; ``version`` is the task's (its ETag)."""

    task_id: uuid.UUID
    procedure_codes: list[str]
    version: int


class HandledProcedure(BaseModel):
    code: str
    name: str
    sector: str
    level: UnitLevel = Field(description="The level on the date")
    processing_days: int
    moved_from_district: bool = Field(description="Its level on 2025-06-30 was district")
    task_ids: list[uuid.UUID] = Field(description="The commune's tasks (held on the date) linked to it")


class HandledByCommune(BaseModel):
    """The procedures a commune handles on a date: those of the tasks its agencies hold (lead or shared)."""

    commune_code: CommuneCode
    as_of: IsoDate
    total: int
    moved_from_district: int = Field(description="How many of them the district level handled on 2025-06-30")
    procedures: list[HandledProcedure]


class CommuneProcedureCount(BaseModel):
    commune_code: str
    commune_name: str
    procedures: int
    moved_from_district: int


class HandledByCommunes(BaseModel):
    """Each commune of a province in force on the date, with how many procedures it handles."""

    province: ProvinceCode
    as_of: IsoDate
    rows: list[CommuneProcedureCount]


class LevelMove(BaseModel):
    """A procedure whose level changed on the date: the version before and the one after."""

    code: str
    name: str
    sector: str
    before: ProcedureLevel
    after: ProcedureLevel
    basis: str | None = Field(description="The basis of the new level")


class MovedProcedures(BaseModel):
    from_level: UnitLevel
    to_level: UnitLevel
    on: IsoDate
    total: int
    procedures: list[LevelMove]


class ProcedureImportRun(BaseModel):
    """An import of the catalogue as its event shows it; each procedure written has its own ``procedure.created`` event."""

    filename: str
    rows: int = Field(description="Data rows read")
    accepted: int = Field(description="Rows without problems")
    rejected: int = Field(description="Rows with problems")
    written: int = Field(description="Rows (versions) written")
    partial: bool = Field(description="Always false: the catalogue is imported all or nothing")
