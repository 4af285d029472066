"""Allocations (bố trí): an asset given to a holder for a purpose, from a date, by a decision."""

from __future__ import annotations

import enum
import uuid
from typing import cast

from sqlalchemy import ForeignKey, Index, String, Table, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.models import Entity, string_enum
from haicap_shared.validity import ValidityColumns, still_open, valid_interval_check

from ..db import Base
from ..register.models import HolderColumns


class Purpose(enum.StrEnum):
    """What the holder uses the asset for."""

    OFFICE = "office"
    PUBLIC_SERVICE_FACILITY = "public_service_facility"
    GENERAL_WORK_CAR = "general_work_car"
    SPECIALISED_CAR = "specialised_car"
    EDUCATION = "education"
    HEALTH = "health"
    LIBRARY = "library"
    CULTURE_SPORTS = "culture_sports"
    STORM_SHELTER = "storm_shelter"
    FARM_SUPPLY_POINT = "farm_supply_point"
    OTHER_PUBLIC_USE = "other_public_use"
    HOUSING_LAND_FUND = "housing_land_fund"
    OTHER = "other"


class Allocation(ValidityColumns, HolderColumns, Entity, Base):
    """One holder of an asset over ``valid_from``..``valid_to`` (inclusive; null: still held)."""

    __tablename__ = "allocation"

    asset_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("asset.id"))
    purpose: Mapped[Purpose] = mapped_column(string_enum(Purpose, "allocation_purpose"))
    decision_number: Mapped[str | None] = mapped_column(String(100))
    handover_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    disposition_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        valid_interval_check(),
        Index(None, "asset_id", "valid_from"),
        Index(None, "holder_unit_id"),
        Index(None, "holder_province_code", "holder_level", "valid_from"),
    )


allocation_table = cast(Table, Allocation.__table__)

# NOTE: one open allocation per asset, guaranteed by the database even against concurrent
# writers (partial unique indexes exist on SQLite and PostgreSQL alike).
Index(
    "uq_allocation_open_asset_id",
    allocation_table.c.asset_id,
    unique=True,
    sqlite_where=still_open(allocation_table),
    postgresql_where=still_open(allocation_table),
)
