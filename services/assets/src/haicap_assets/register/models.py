"""Tables of the asset register: the asset, where it stands, who holds it, and its history."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from haicap_shared.audit import jsonable, snapshot
from haicap_shared.codes import UnitLevel
from haicap_shared.models import Entity, UtcDateTime, string_enum

from ..db import Base


class AssetKind(enum.StrEnum):
    """premises: a building with its land, or a plot of land (cơ sở nhà, đất); car; other equipment."""

    PREMISES = "premises"
    CAR = "car"
    EQUIPMENT = "equipment"


class AssetStatus(enum.StrEnum):
    IN_USE = "in_use"
    SURPLUS = "surplus"
    IN_DISPOSITION = "in_disposition"
    DISPOSED = "disposed"


class Condition(enum.StrEnum):
    """State of a building: tốt, trung bình, xuống cấp, hư hỏng nặng."""

    GOOD = "good"
    FAIR = "fair"
    DEGRADED = "degraded"
    DAMAGED = "damaged"


class HolderKind(enum.StrEnum):
    """An administrative unit itself (a commune's People's Committee, a province, a former district) or an agency."""

    UNIT = "unit"
    AGENCY = "agency"


class EventKind(enum.StrEnum):
    REGISTERED = "registered"
    UPDATED = "updated"
    ALLOCATED = "allocated"
    HANDED_OVER = "handed_over"
    STATUS_CHANGED = "status_changed"
    DISPOSITION_PROPOSED = "disposition_proposed"
    DISPOSITION_SUBMITTED = "disposition_submitted"
    DISPOSITION_APPROVED = "disposition_approved"
    DISPOSITION_REJECTED = "disposition_rejected"
    DISPOSITION_EXECUTED = "disposition_executed"


HOLDER_COLUMNS = (
    "holder_kind",
    "holder_id",
    "holder_name",
    "holder_province_code",
    "holder_commune_code",
    "holder_level",
    "holder_unit_id",
    "holder_valid_to",
)
"""The names of :class:`HolderColumns`, in the order an import stages them."""


class HolderColumns:
    """The holder as org-structure described it when it was written (assets never reads org's tables).

    ``holder_valid_to`` is the last day the holder (the unit, or the agency) is in force: an
    asset still held by a holder past that day is a gap of the merger.
    """

    @declared_attr
    def holder_kind(cls) -> Mapped[HolderKind | None]:  # noqa: N805
        return mapped_column(string_enum(HolderKind, "holder_kind", 10))

    holder_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    holder_name: Mapped[str | None] = mapped_column(String(300))
    holder_province_code: Mapped[str | None] = mapped_column(String(2))
    holder_commune_code: Mapped[str | None] = mapped_column(String(5))

    @declared_attr
    def holder_level(cls) -> Mapped[UnitLevel | None]:  # noqa: N805
        return mapped_column(string_enum(UnitLevel, "holder_level", 10))

    holder_unit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    holder_valid_to: Mapped[date | None] = mapped_column(Date)


class Asset(HolderColumns, Entity, Base):
    """A public asset; the holder columns repeat its open allocation (none once disposed)."""

    __tablename__ = "asset"

    kind: Mapped[AssetKind] = mapped_column(string_enum(AssetKind, "asset_kind", 20))
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(300))
    search_key: Mapped[str] = mapped_column(String(300))
    province_code: Mapped[str] = mapped_column(String(2))
    commune_code: Mapped[str | None] = mapped_column(String(5))
    address: Mapped[str | None] = mapped_column(String(500))
    land_area_m2: Mapped[float | None] = mapped_column(Float)
    floor_area_m2: Mapped[float | None] = mapped_column(Float)
    year_built: Mapped[int | None] = mapped_column(Integer)
    condition: Mapped[Condition | None] = mapped_column(string_enum(Condition, "asset_condition", 20))
    land_use_certificate: Mapped[str | None] = mapped_column(String(100))
    plate: Mapped[str | None] = mapped_column(String(20))
    seats: Mapped[int | None] = mapped_column(Integer)
    model_year: Mapped[int | None] = mapped_column(Integer)
    original_value: Mapped[int | None] = mapped_column(BigInteger)
    residual_value: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[AssetStatus] = mapped_column(string_enum(AssetStatus, "asset_status", 20))
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("province_code", "code"),
        Index(None, "holder_id"),
        Index(None, "holder_unit_id"),
        Index(None, "commune_code"),
        Index(None, "holder_commune_code"),
        Index(None, "plate"),
    )


EVENT_PROVINCE_COPY = "province_code"
"""The event's copy of its asset's province, kept by the database (migration 0011)."""


class AssetEvent(Base):
    """One step of an asset's history; ``status`` is the asset's status after it, when it set one."""

    __tablename__ = "asset_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asset_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("asset.id"))
    event_date: Mapped[date] = mapped_column(Date)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    kind: Mapped[EventKind] = mapped_column(string_enum(EventKind, "event_kind"))
    status: Mapped[AssetStatus | None] = mapped_column(string_enum(AssetStatus, "event_status", 20))
    allocation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    disposition_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (Index(None, "asset_id", "event_date", "id"),)


event_table = cast(Table, AssetEvent.__table__)
event_record = tuple(event_table.c)
"""The event's own columns (those of the mapped class): what a step of the history, read with Core, holds."""

# NOTE: a province's statuses on a date rank the province's status events. Found through its
# assets, each asset was looked up in the events' index (Hồ Chí Minh's 15,000: 45 ms at 3 M
# people); copied here, they are one range of the index below. A trigger of migration 0011 fills
# the copy when an event is written without it (the import and the national data set write it);
# an asset's province never changes, and a trigger would carry a change anyway. A column of the
# table, not of the mapped class: the history the API gives does not show it.
event_table.append_column(Column(EVENT_PROVINCE_COPY, String(2)))
_status_events = event_table.c.status.is_not(None)
Index(
    "ix_asset_event_province_code_asset_id_event_date_id",
    event_table.c.province_code,
    event_table.c.asset_id,
    event_table.c.event_date,
    event_table.c.id,
    postgresql_include=["status"],
    postgresql_where=_status_events,
    sqlite_where=_status_events,
)


INTERNAL_COLUMNS = frozenset({"search_key"})
"""Columns of an asset derived for queries (the search key from its code, name, plate and address), not part of the record."""


def audited(asset: Asset | Mapping[Any, Any]) -> dict[str, Any]:
    """What the audit log (and the change feed) keeps of an asset: its record's values, JSON-ready, without derived columns."""
    values = snapshot(asset) if isinstance(asset, Asset) else {k: jsonable(v) for k, v in asset.items()}
    return {k: v for k, v in values.items() if k not in INTERNAL_COLUMNS}


asset_table = cast(Table, Asset.__table__)
