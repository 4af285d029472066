"""Disposition plans (phương án sắp xếp, xử lý tài sản) and their order of priority."""

from __future__ import annotations

import enum
import uuid
from datetime import date
from typing import cast

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Table, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.codes import UnitLevel
from haicap_shared.models import Entity, string_enum

from ..allocations.models import Purpose
from ..db import Base
from ..register.models import AssetKind, AssetStatus, HolderKind


class Form(enum.StrEnum):
    """The forms of handling, in the order of priority (`GET /disposition-forms` lists them with their ranks)."""

    KEEP_REALLOCATE = "keep_reallocate"
    SHARE_USE = "share_use"
    TRANSFER = "transfer"
    REPURPOSE = "repurpose"
    HAND_OVER_HOUSING_LAND_FUND = "hand_over_housing_land_fund"
    SELL = "sell"
    LIQUIDATE = "liquidate"
    DESTROY = "destroy"
    RECOVER = "recover"


class RepurposeTo(enum.StrEnum):
    """Chuyển đổi công năng: education and health first."""

    EDUCATION = "education"
    HEALTH = "health"
    LIBRARY = "library"
    CULTURE_SPORTS = "culture_sports"
    STORM_SHELTER = "storm_shelter"
    FARM_SUPPLY_POINT = "farm_supply_point"
    OTHER_PUBLIC_USE = "other_public_use"


class DispositionStatus(enum.StrEnum):
    PROPOSED = "proposed"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXECUTED = "executed"


OPEN_STATUSES = (DispositionStatus.PROPOSED, DispositionStatus.SUBMITTED, DispositionStatus.APPROVED)


class Disposition(Entity, Base):
    """One plan for one asset; at most one is open (proposed, submitted, approved) per asset."""

    __tablename__ = "disposition"

    asset_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("asset.id"))
    asset_kind: Mapped[AssetKind] = mapped_column(string_enum(AssetKind, "disposition_asset_kind", 20))
    province_code: Mapped[str] = mapped_column(String(2))
    form: Mapped[Form] = mapped_column(string_enum(Form, "disposition_form"))
    repurpose_to: Mapped[RepurposeTo | None] = mapped_column(string_enum(RepurposeTo, "disposition_repurpose_to"))
    priority_rank: Mapped[int] = mapped_column(Integer)
    reason_higher_forms_unfit: Mapped[str | None] = mapped_column(Text)
    status: Mapped[DispositionStatus] = mapped_column(string_enum(DispositionStatus, "disposition_status", 20))
    asset_status_before: Mapped[AssetStatus] = mapped_column(string_enum(AssetStatus, "disposition_asset_status_before", 20))
    proposed_on: Mapped[date] = mapped_column(Date)
    submitted_on: Mapped[date | None] = mapped_column(Date)
    dossier_ref: Mapped[str | None] = mapped_column(String(200))
    decision_number: Mapped[str | None] = mapped_column(String(100))
    decided_on: Mapped[date | None] = mapped_column(Date)
    authority: Mapped[str | None] = mapped_column(String(300))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    executed_on: Mapped[date | None] = mapped_column(Date)
    handover_record: Mapped[str | None] = mapped_column(String(200))
    receiving_purpose: Mapped[Purpose | None] = mapped_column(string_enum(Purpose, "disposition_receiving_purpose"))
    receiving_holder_kind: Mapped[HolderKind | None] = mapped_column(string_enum(HolderKind, "receiving_holder_kind", 10))
    receiving_holder_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    receiving_holder_name: Mapped[str | None] = mapped_column(String(300))
    receiving_province_code: Mapped[str | None] = mapped_column(String(2))
    receiving_commune_code: Mapped[str | None] = mapped_column(String(5))
    receiving_level: Mapped[UnitLevel | None] = mapped_column(string_enum(UnitLevel, "receiving_level", 10))
    receiving_unit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    receiving_valid_to: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(None, "asset_id", "proposed_on"),
        Index(None, "province_code", "status"),
    )


disposition_table = cast(Table, Disposition.__table__)

# NOTE: "one open disposition per asset" holds in the database too, not only in the service's
# check, so two concurrent proposals cannot both succeed.
_open = disposition_table.c.status.in_(OPEN_STATUSES)
Index("uq_disposition_open_asset_id", disposition_table.c.asset_id, unique=True, sqlite_where=_open, postgresql_where=_open)
