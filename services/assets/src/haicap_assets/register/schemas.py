"""Request and response bodies of the asset register."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from haicap_shared.codes import CommuneCode, ProvinceCode, UnitLevel
from haicap_shared.values import IsoDate

from ..allocations.models import Purpose
from ..holders import HolderRef
from ..plates import normalise_plate
from .models import AssetKind, AssetStatus, Condition, EventKind, HolderKind

Money = Annotated[int, Field(ge=0, le=10**15, description="Vietnamese đồng")]
Area = Annotated[float, Field(gt=0, le=10**9, description="Square metres")]
Year = Annotated[int, Field(ge=1800, le=2100)]
Seats = Annotated[int, Field(ge=1, le=100)]

# NOTE: statuses a person sets directly; "in disposition" and "disposed" follow the workflow.
SETTABLE_STATUSES = (AssetStatus.IN_USE, AssetStatus.SURPLUS)


class _Details(BaseModel):
    address: str | None = Field(None, max_length=500)
    land_area_m2: Area | None = None
    floor_area_m2: Area | None = None
    year_built: Year | None = None
    condition: Condition | None = None
    land_use_certificate: str | None = Field(None, max_length=100, description="Giấy chứng nhận quyền sử dụng đất (number)")
    plate: str | None = Field(None, max_length=20, description="Car plate, e.g. 11A-123.45; normalised")
    seats: Seats | None = None
    model_year: Year | None = None
    original_value: Money | None = None
    residual_value: Money | None = None
    note: str | None = Field(None, max_length=4000)


def check_details(kind: AssetKind, values: dict[str, Any], province_code: str) -> dict[str, Any]:
    """The rules of one asset's fields; returns them with the plate normalised."""
    premises = ("land_area_m2", "floor_area_m2", "year_built", "condition", "land_use_certificate")
    car = ("plate", "seats", "model_year")
    if kind is not AssetKind.PREMISES and any(values.get(f) is not None for f in premises):
        raise ValueError(f"{', '.join(premises)} describe premises only")
    if kind is not AssetKind.CAR and any(values.get(f) is not None for f in car):
        raise ValueError(f"{', '.join(car)} describe cars only")
    if kind is AssetKind.CAR and not values.get("plate"):
        raise ValueError("a car needs its plate")
    if values.get("plate"):
        values["plate"] = normalise_plate(values["plate"], province_code)
    original, residual = values.get("original_value"), values.get("residual_value")
    if original is not None and residual is not None and residual > original:
        raise ValueError("residual_value exceeds original_value")
    return values


class AssetCreate(_Details):
    """A public asset to record, with its first holder."""

    kind: AssetKind
    code: str = Field(min_length=1, max_length=50, description="The province's asset code, unique in the province")
    name: str = Field(min_length=2, max_length=300, examples=["Trụ sở UBND xã Quảng Lâm (cũ)"])
    province_code: ProvinceCode = Field(description="Province where the asset stands", examples=["04"])
    commune_code: Annotated[CommuneCode, Field(examples=["01304"])] | None = Field(
        None, description="Commune where the asset stands (code on `allocated_from`)"
    )
    status: AssetStatus = AssetStatus.IN_USE
    holder: HolderRef
    purpose: Purpose
    allocated_from: IsoDate = Field(description="From when the holder holds it")
    decision_number: str | None = Field(None, max_length=100, description="The allocation decision")

    @model_validator(mode="after")
    def _rules(self) -> Self:
        if self.status not in SETTABLE_STATUSES:
            raise ValueError("a new asset is in_use or surplus")
        self.plate = check_details(self.kind, self.model_dump(include={"plate", *_Details.model_fields}), self.province_code)[
            "plate"
        ]
        return self


class AssetUpdate(_Details):
    """Fields to change; omitted fields stay. Kind, code and holder stay (allocations move holders)."""

    name: str | None = Field(None, min_length=2, max_length=300)
    commune_code: Annotated[CommuneCode, Field(examples=["01304"])] | None = None
    status: AssetStatus | None = Field(None, description="in_use or surplus; the disposition workflow sets the others")
    status_since: IsoDate | None = Field(None, description="From when the new status holds (for statistics); today when omitted")

    @model_validator(mode="after")
    def _status(self) -> Self:
        if self.status is not None and self.status not in SETTABLE_STATUSES:
            raise ValueError("set in_use or surplus; a disposition sets the other statuses")
        return self


class Asset(BaseModel):
    """A public asset, its current holder (none once disposed) and its status."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: AssetKind
    code: str
    name: str
    province_code: str
    commune_code: str | None
    address: str | None
    land_area_m2: float | None
    floor_area_m2: float | None
    year_built: int | None
    condition: Condition | None
    land_use_certificate: str | None
    plate: str | None
    seats: int | None
    model_year: int | None
    original_value: int | None
    residual_value: int | None
    status: AssetStatus
    holder_kind: HolderKind | None
    holder_id: uuid.UUID | None
    holder_name: str | None
    holder_province_code: str | None
    holder_commune_code: str | None
    holder_level: UnitLevel | None
    holder_unit_id: uuid.UUID | None
    holder_valid_to: IsoDate | None = Field(description="Last day the holder is in force in org-structure (null: still)")
    note: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class AssetEvent(BaseModel):
    """One step of an asset's history."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    event_date: IsoDate
    occurred_at: datetime
    kind: EventKind
    status: AssetStatus | None = Field(description="The status after this step, when it set one")
    allocation_id: uuid.UUID | None
    disposition_id: uuid.UUID | None
    actor: str
    detail: dict[str, Any] | None


class History(BaseModel):
    """Everything that happened to an asset, oldest first, and its holders over time."""

    asset_id: uuid.UUID
    events: list[AssetEvent]
    allocations: list[AllocationOut]


class AllocationOut(BaseModel):
    """A holder of an asset over an interval."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    asset_id: uuid.UUID
    holder_kind: HolderKind | None
    holder_id: uuid.UUID | None
    holder_name: str | None
    holder_province_code: str | None
    holder_commune_code: str | None
    holder_level: UnitLevel | None
    holder_unit_id: uuid.UUID | None
    purpose: Purpose
    valid_from: IsoDate
    valid_to: IsoDate | None
    decision_number: str | None
    handover_id: uuid.UUID | None
    disposition_id: uuid.UUID | None
    note: str | None
    version: int


History.model_rebuild()


class AssetImportSummary(BaseModel):
    """An import that wrote assets, as its change event carries it: its counts and the importer's area."""

    rows: int = Field(description="Data rows read")
    accepted: int = Field(description="Rows without problems")
    rejected: int = Field(description="Rows with problems")
    written: int = Field(description="Assets written (each has its own `asset` and `allocation` created events)")
    partial: bool = Field(description="Whether partial import was asked for")
    province_code: str | None = Field(None, description="The importer's province (every row is in the importer's area)")
    commune_code: str | None = Field(None, description="The importer's commune, for a commune officer")
    agency_id: uuid.UUID | None = Field(None, description="The importer's agency, for an agency officer")
