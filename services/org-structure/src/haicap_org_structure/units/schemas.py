"""Request and response bodies of the units API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from haicap_shared.codes import UnitCode, UnitLevel
from haicap_shared.validity import ValidityInput
from haicap_shared.values import IsoDate

from .models import CODE_LENGTH_BY_LEVEL, KINDS_BY_LEVEL, ChangeKind, CorrectedField, UnitKind

OfficialCode = Annotated[
    UnitCode, Field(description="Official code: 2 digits (province), 3 (district) or 5 (commune)", examples=["01273"])
]
UnitName = Annotated[str, Field(min_length=1, max_length=200, examples=["Phường Thục Phán"])]


class AdministrativeUnitCreate(ValidityInput):
    """A unit to record. ``kind`` must belong to ``level`` and the code length must fit it."""

    code: OfficialCode
    name: UnitName = Field(description="Official full name with its kind word")
    short_name: str | None = Field(None, max_length=200, description="Name without the kind word; derived when omitted")
    kind: UnitKind
    level: UnitLevel
    parent_id: uuid.UUID | None = Field(None, description="The unit it belongs to; required below province level")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.kind not in KINDS_BY_LEVEL[self.level]:
            raise ValueError(f"kind {self.kind.value} is not a {self.level.value}-level kind")
        if len(self.code) != CODE_LENGTH_BY_LEVEL[self.level]:
            raise ValueError(f"a {self.level.value} code has {CODE_LENGTH_BY_LEVEL[self.level]} digits")
        if self.level is not UnitLevel.PROVINCE and self.parent_id is None:
            raise ValueError("a district or commune needs parent_id")
        return self


class AdministrativeUnitUpdate(BaseModel):
    """Fields to change; omitted fields stay as they are. Code, level and kind stay fixed."""

    name: UnitName | None = None
    short_name: str | None = Field(None, max_length=200)
    parent_id: uuid.UUID | None = None
    valid_from: IsoDate | None = None
    valid_to: IsoDate | None = None


class AdministrativeUnit(BaseModel):
    """An administrative unit over its validity interval."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    short_name: str
    kind: UnitKind
    level: UnitLevel
    parent_id: uuid.UUID | None
    province_code: str = Field(description="Code of the province the unit belongs (or belonged) to")
    valid_from: IsoDate | None
    valid_to: IsoDate | None
    version: int
    created_at: datetime
    updated_at: datetime


class UnitRef(BaseModel):
    """A unit as named inside another resource."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    kind: UnitKind
    level: UnitLevel
    valid_from: IsoDate | None
    valid_to: IsoDate | None


class UnitsOfKind(BaseModel):
    """How many units of one level and kind are in force on the date."""

    level: UnitLevel
    kind: UnitKind
    count: int


class UnitStats(BaseModel):
    """How many units of each level and kind are in force on ``as_of``."""

    as_of: IsoDate
    province: str | None
    total: int
    by_level: dict[UnitLevel, int]
    by_kind: list[UnitsOfKind]


class UnitChangeCreate(BaseModel):
    """A reorganisation to record, between units that already exist.

    The sources must end the day before ``effective_date`` and the results begin on it.
    merge: 2 or more sources, 1 result; split: 1 source, 2 or more results; rename and
    reorganise: 1 and 1; abolish: sources only; establish: results only.
    """

    kind: ChangeKind
    effective_date: IsoDate
    legal_basis: str = Field(min_length=3, max_length=500, examples=["Nghị quyết 1657/NQ-UBTVQH15 ngày 16/06/2025"])
    note: str | None = Field(None, max_length=4000)
    source_unit_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)
    result_unit_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _shape(self) -> Self:
        sources, results = len(set(self.source_unit_ids)), len(set(self.result_unit_ids))
        if sources != len(self.source_unit_ids) or results != len(self.result_unit_ids):
            raise ValueError("a unit is listed twice")
        if set(self.source_unit_ids) & set(self.result_unit_ids):
            raise ValueError("a unit cannot be both a source and a result")
        expected = {
            ChangeKind.MERGE: sources >= 2 and results == 1,
            ChangeKind.SPLIT: sources == 1 and results >= 2,
            ChangeKind.RENAME: sources == 1 and results == 1,
            ChangeKind.REORGANISE: sources == 1 and results == 1,
            ChangeKind.ABOLISH: sources >= 1 and results == 0,
            ChangeKind.ESTABLISH: sources == 0 and results >= 1,
        }
        if not expected[self.kind]:
            raise ValueError(f"{sources} source(s) and {results} result(s) do not make a {self.kind.value}")
        return self


class UnitChange(BaseModel):
    """A recorded reorganisation with the units it connects."""

    id: uuid.UUID
    kind: ChangeKind
    effective_date: IsoDate
    legal_basis: str
    province_code: str
    note: str | None
    sources: list[UnitRef]
    results: list[UnitRef]
    version: int
    created_at: datetime


class ChangeRef(BaseModel):
    id: uuid.UUID
    kind: ChangeKind
    effective_date: IsoDate
    legal_basis: str


class LineageStep(BaseModel):
    """A unit this one came from (or became), through which change, how many steps away."""

    unit: UnitRef
    change: ChangeRef
    depth: int = Field(description="1: directly; 2: through one intermediate unit; ...")


class Lineage(BaseModel):
    """Where a unit came from and what became of it, transitively, both ways."""

    unit: UnitRef
    predecessors: list[LineageStep]
    successors: list[LineageStep]


class UnitCorrection(BaseModel):
    """An official code or name that replaced the reference package's, from a date, with its source."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    unit_id: uuid.UUID
    field: CorrectedField
    package_value: str
    official_value: str
    effective_date: IsoDate
    source: str


class UnitImportRun(BaseModel):
    """A run of the reference import (``import-units``), as its event shows it: what it wrote and changed.

    Each unit, change and correction it wrote or changed has its own event; the lists of the
    full summary (splits, dropped links, corrections) stay in the audit log.
    """

    scope: str = Field(description="`province:<code>` or `national`")
    units_created: int
    units_already_present: int
    changes_created: int
    changes_already_present: int
    corrections_created: int
    units_corrected: int
    units_ended: int
    changes_retracted: int
