"""Allocations (bố trí): an asset given to a holder for a purpose, from a date, by a decision."""

from __future__ import annotations

import enum
import uuid
from typing import cast

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.models import Entity, string_enum
from haicap_shared.validity import ValidityColumns, still_open, valid_interval_check

from ..db import Base
from ..register.models import AssetKind, HolderColumns


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


ASSET_KIND_COPY = "asset_kind"
"""The allocation's copy of its asset's kind, kept by the database (migration 0010)."""
STATISTICS_INCLUDE = ("valid_to", ASSET_KIND_COPY, "purpose", "holder_commune_code", "asset_id")
"""What the province statistics read of an allocation beside the index's key (PostgreSQL INCLUDE)."""


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
        # NOTE: a province's holdings on a date (the statistics), carrying what its summary and car
        # figures read, so that PostgreSQL answers them from the index alone (migration 0010).
        Index(
            None,
            "holder_province_code",
            "holder_level",
            "valid_from",
            postgresql_include=[*STATISTICS_INCLUDE],
        ),
    )


allocation_table = cast(Table, Allocation.__table__)
allocation_record = tuple(allocation_table.c)
"""The allocation's own columns (those of the mapped class): what a record of it, read with Core, holds."""

# NOTE: the statistics count what is held by the asset's kind. Joined from the asset, a province's
# summary read every asset of the country (a hash join over 300,000 assets for Cao Bằng's 5,000);
# copied here, it reads the province's allocations alone. A trigger of migration 0010 fills it when
# an allocation is written without it (the API's) and the import and the national data set write
# it with the row; an asset's kind never changes, and a trigger would carry a change anyway. A
# column of the table, not of the mapped class: the API, the audit and the change feed do not show it.
allocation_table.append_column(Column(ASSET_KIND_COPY, string_enum(AssetKind, "allocation_asset_kind", 20, checked=False)))

# NOTE: one open allocation per asset, guaranteed by the database even against concurrent
# writers (partial unique indexes exist on SQLite and PostgreSQL alike).
Index(
    "uq_allocation_open_asset_id",
    allocation_table.c.asset_id,
    unique=True,
    sqlite_where=still_open(allocation_table),
    postgresql_where=still_open(allocation_table),
)
