"""Response bodies of the asset statistics (every figure computed in SQL)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from haicap_shared.codes import UnitLevel
from haicap_shared.values import IsoDate

from ..dispositions.models import DispositionStatus, Form, RepurposeTo
from ..register.models import AssetKind, AssetStatus, HolderKind


class LevelCount(BaseModel):
    kind: AssetKind
    holder_level: UnitLevel | None
    assets: int = Field(description="Assets of the kind held at the level (for cars: every car, whatever its purpose)")
    general_work_cars: int = Field(description="Cars allocated for general work (phục vụ công tác chung)")
    specialised_cars: int = Field(description="Cars allocated as specialised cars (xe chuyên dùng: ambulances, ...)")


class Summary(BaseModel):
    """What the reporting service reads: assets held on ``as_of`` by level, and the communes' headline figures.

    Each ``*_held_by_communes`` figure counts what communes or their agencies hold; with
    ``commune`` it counts what that one commune holds, so the communes' figures add up to the
    province's. Cars are counted three ways: for general work, specialised, and all cars
    (which may hold cars allocated for another purpose).
    """

    as_of: IsoDate
    province: str | None
    commune: str | None = Field(None, description="The commune counted, when one was asked for")
    premises_held_by_communes: int = Field(description="Premises (cơ sở nhà, đất) held by communes or their agencies")
    communes_holding_premises: int
    general_work_cars_held_by_communes: int = Field(description="Cars allocated for general work to communes")
    communes_holding_general_work_cars: int
    specialised_cars_held_by_communes: int = Field(description="Cars allocated to communes as specialised cars")
    all_cars_held_by_communes: int = Field(description="Every car held by communes, whatever its purpose")
    communes_holding_any_car: int = Field(description="Communes holding at least one car of any purpose")
    assets_held_by_communes: int = Field(description="Every asset held by communes: premises, cars and equipment")
    by_level: list[LevelCount]


class SummaryByProvince(BaseModel):
    """Each province's ``Summary`` on ``as_of``, in province order (a province holding nothing may be absent)."""

    as_of: IsoDate
    rows: list[Summary] = Field(description="One per province, each what GET /stats/summary?province= gives")


class HoldingRow(BaseModel):
    kind: AssetKind
    holder_level: UnitLevel | None = None
    holder_unit_id: uuid.UUID | None = None
    holder_commune_code: str | None = None
    holder_kind: HolderKind | None = None
    holder_id: uuid.UUID | None = None
    holder_name: str | None = None
    assets: int
    original_value: int
    residual_value: int


class Holdings(BaseModel):
    """Assets held on ``as_of``, grouped by level, unit or holder."""

    as_of: IsoDate
    province: str | None
    group_by: Literal["level", "unit", "holder"]
    rows: list[HoldingRow]


class DispositionRow(BaseModel):
    asset_kind: AssetKind
    form: Form
    repurpose_to: RepurposeTo | None
    priority_rank: int
    status: DispositionStatus = Field(description="The plan's step on as_of")
    plans: int


class DispositionStats(BaseModel):
    """Plans by form (in the order of priority) and by their step on ``as_of``; overdue decisions."""

    as_of: IsoDate
    province: str | None
    rows: list[DispositionRow]
    overdue_decisions: int = Field(description="Submitted with a complete dossier more than the allowed days ago, undecided")
    surplus_without_plan: dict[AssetKind, int] = Field(description="Assets surplus on as_of with no open plan")


class DispositionsByProvince(BaseModel):
    """Each province's ``DispositionStats`` on ``as_of``, in province order (a province with nothing to count may be absent)."""

    as_of: IsoDate
    rows: list[DispositionStats] = Field(description="One per province, each what GET /stats/dispositions?province= gives")


class CommuneCars(BaseModel):
    commune_code: str
    commune_name: str | None
    in_force: bool = Field(description="Whether org-structure has the commune in force on as_of")
    general_work_cars: int
    norm: int
    excess: int
    shortfall: int
    over_price: int = Field(description="General-work cars whose price is above the cap of their kind of car")


class CarNormStats(BaseModel):
    """General-work cars per commune against the norm in force on ``as_of``."""

    as_of: IsoDate
    province: str
    norm_legal_basis: str | None
    max_general_cars_per_commune: int | None
    max_price_vnd: int | None = Field(description="The common car's cap; every kind's cap is in GET /car-norms")
    communes: int
    general_work_cars: int
    communes_over_norm: int
    communes_under_norm: int
    rows: list[CommuneCars]


class ProvinceCarNorms(BaseModel):
    """One province's totals of ``CarNormStats``."""

    province: str
    communes: int = Field(description="Communes in force on as_of (those of the caller's area)")
    general_work_cars: int
    communes_over_norm: int
    communes_under_norm: int
    over_price: int = Field(description="General-work cars whose price is above the cap of their kind of car")


class CarNormsByProvince(BaseModel):
    """General-work cars against the norm in force on ``as_of``, each province's totals.

    Every province with a commune in force on the date (in the caller's area) has a row, and so
    does one whose communes no longer in force still hold cars.
    """

    as_of: IsoDate
    norm_legal_basis: str | None
    max_general_cars_per_commune: int | None
    max_price_vnd: int | None = Field(description="The common car's cap; every kind's cap is in GET /car-norms")
    rows: list[ProvinceCarNorms] = Field(description="One per province, each the totals of GET /stats/car-norms?province=")


class GapRow(BaseModel):
    holder_kind: HolderKind | None
    holder_id: uuid.UUID | None
    holder_name: str | None
    holder_level: UnitLevel | None
    holder_valid_to: IsoDate | None
    kind: AssetKind
    assets: int


class Gaps(BaseModel):
    """Assets still held on ``as_of`` by a unit or agency no longer in force, with no plan: the merger's gap."""

    as_of: IsoDate
    province: str | None
    total: int
    rows: list[GapRow]


class ProvinceGaps(BaseModel):
    province: str
    total: int = Field(description="Assets held by holders no longer in force, with no plan")
    by_kind: dict[AssetKind, int]


class GapsByProvince(BaseModel):
    """The merger's gap on ``as_of`` by province (the holder's), in province order; a province without one is absent."""

    as_of: IsoDate
    rows: list[ProvinceGaps] = Field(description="One per province, each total what GET /stats/gaps?province= gives")


class ValueRow(BaseModel):
    status: AssetStatus
    kind: AssetKind
    assets: int
    original_value: int
    residual_value: int


class ValueStats(BaseModel):
    """Assets and their value by status on ``as_of``."""

    as_of: IsoDate
    province: str | None
    rows: list[ValueRow]
