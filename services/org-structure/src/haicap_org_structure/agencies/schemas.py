"""Request and response bodies of the agencies and decisions API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, computed_field

from haicap_shared.codes import ProvinceCode, UnitLevel
from haicap_shared.validity import ValidityInput
from haicap_shared.values import IsoDate

from .models import REQUIRES_DECISION, AgencyKind, DecisionStatus

ELECTRONIC_ID_CODE_DESCRIPTION = (
    "Electronic identifier code (mã định danh điện tử, Decision 20/2020/QĐ-TTg): four dot-separated levels, "
    "level 4 (3 digits), level 3 (2 digits), level 2 (2 digits), level 1 (a letter and 2 digits), "
    "e.g. `000.00.00.H14` for a provincial People's Committee; unique among agencies valid on a shared day"
)
ElectronicIdCodeInput = Annotated[
    str | None, Field(max_length=35, description=ELECTRONIC_ID_CODE_DESCRIPTION, examples=["000.00.00.H14"])
]


class AgencyCreate(ValidityInput):
    """An agency to record under an administrative unit."""

    valid_from: IsoDate | None = Field(None, description="First day in force; defaults to the unit's")
    name: str = Field(min_length=2, max_length=300, examples=["Phòng Kinh tế xã Quảng Lâm"])
    kind: AgencyKind
    unit_id: uuid.UUID = Field(description="The administrative unit it belongs to")
    parent_id: uuid.UUID | None = Field(None, description="The agency it sits under, if any")
    electronic_id_code: ElectronicIdCodeInput = None


class AgencyUpdate(BaseModel):
    """Fields to change; omitted fields stay. Kind and unit stay fixed."""

    name: str | None = Field(None, min_length=2, max_length=300)
    parent_id: uuid.UUID | None = None
    valid_from: IsoDate | None = None
    valid_to: IsoDate | None = None
    electronic_id_code: ElectronicIdCodeInput = None


class Agency(BaseModel):
    """An agency over its validity interval."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: AgencyKind
    unit_id: uuid.UUID
    level: UnitLevel
    province_code: str
    commune_code: str | None
    parent_id: uuid.UUID | None
    electronic_id_code: str | None = Field(None, description="Electronic identifier code (Decision 20/2020/QĐ-TTg)")
    valid_from: IsoDate | None
    valid_to: IsoDate | None
    version: int
    created_at: datetime
    updated_at: datetime

    @computed_field(description="Whether a decision must define its functions, duties and powers")  # type: ignore[prop-decorator]
    @property
    def requires_decision(self) -> bool:
        return self.kind in REQUIRES_DECISION


class StandardSetup(BaseModel):
    """Set up the standard organisations of every commune of a province in force on a date."""

    province: ProvinceCode = Field(examples=["04"])
    as_of: IsoDate = Field(description="The communes in force on this date get them, valid from then", examples=["2025-07-01"])


class StandardSetupResult(BaseModel):
    communes: int = Field(description="Communes in force on the date")
    created: int = Field(description="Organisations created now")
    already_present: int = Field(description="Organisations that existed already (left as they were)")


class StandardSetupRun(StandardSetupResult):
    """A standard setup as its event shows it; each organisation created has its own ``agency.created`` event."""

    province_code: str
    as_of: IsoDate


class AgencyImportRun(BaseModel):
    """An import of the agencies' form as its event shows it; each agency written has its own ``agency.created`` event."""

    filename: str
    rows: int = Field(description="Data rows read")
    accepted: int = Field(description="Rows without problems")
    rejected: int = Field(description="Rows with problems")
    written: int = Field(description="Agencies written")
    partial: bool = Field(description="Whether partial import was asked for")


class DecisionCreate(BaseModel):
    """A decision on an agency's functions, duties, powers and structure."""

    agency_id: uuid.UUID
    number: str = Field(min_length=1, max_length=100, examples=["15/2025/QĐ-UBND"])
    issuer: str = Field(min_length=2, max_length=300, examples=["UBND tỉnh Cao Bằng"])
    signed_on: IsoDate | None = None
    document_url: str | None = Field(None, max_length=1000)
    note: str | None = Field(None, max_length=4000)


class DecisionUpdate(BaseModel):
    """Fields of a draft to change."""

    number: str | None = Field(None, min_length=1, max_length=100)
    issuer: str | None = Field(None, min_length=2, max_length=300)
    signed_on: IsoDate | None = None
    document_url: str | None = Field(None, max_length=1000)
    note: str | None = Field(None, max_length=4000)


class DecisionIssue(BaseModel):
    """Issue a draft: it takes effect on ``issued_on`` and supersedes the agency's previous one."""

    issued_on: IsoDate
    signed_on: IsoDate | None = Field(None, description="Defaults to the issue date when the draft has none")


class FunctionDecision(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    agency_id: uuid.UUID
    number: str
    issuer: str
    signed_on: IsoDate | None
    status: DecisionStatus
    issued_on: IsoDate | None
    superseded_on: IsoDate | None
    document_url: str | None
    note: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class ProgressRow(BaseModel):
    level: UnitLevel
    kind: AgencyKind
    required: int = Field(description="Agencies in force that need a decision")
    issued: int = Field(description="Of those, with a decision in force")


class LevelProgress(BaseModel):
    required: int
    issued: int


class AgencyRef(BaseModel):
    id: uuid.UUID
    name: str
    kind: AgencyKind
    level: UnitLevel


class DecisionProgress(BaseModel):
    """Agencies with their decision issued, out of those that need one, on a date."""

    as_of: IsoDate
    province: str | None
    by_level: dict[UnitLevel, LevelProgress]
    by_kind: list[ProgressRow]
    missing: list[AgencyRef] = Field(description="Agencies in force that still lack a decision (first 500, by name)")


class DecisionProgressByProvince(BaseModel):
    """Decision progress on ``as_of`` for every province of the caller's area, by province code.

    Each row is what `GET /function-decisions/progress?province=<code>` gives; a province without
    an agency that needs a decision has no row.
    """

    as_of: IsoDate
    rows: list[DecisionProgress]
