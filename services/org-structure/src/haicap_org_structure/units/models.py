"""Tables of administrative units and the changes that connect former and resulting units."""

from __future__ import annotations

import enum
import uuid
from datetime import date
from typing import cast

from sqlalchemy import Date, ForeignKey, Index, String, Table, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.codes import UnitLevel
from haicap_shared.models import Entity, string_enum
from haicap_shared.validity import OpenStartValidityColumns, valid_interval_check

from ..db import Base


class UnitKind(enum.StrEnum):
    """The legal kind of a unit; the Vietnamese name is in :data:`KIND_LABELS`."""

    TINH = "tinh"
    THANH_PHO_TRUC_THUOC_TW = "thanh_pho_truc_thuoc_tw"
    HUYEN = "huyen"
    QUAN = "quan"
    THI_XA = "thi_xa"
    THANH_PHO_THUOC_TINH = "thanh_pho_thuoc_tinh"
    XA = "xa"
    PHUONG = "phuong"
    THI_TRAN = "thi_tran"
    DAC_KHU = "dac_khu"


KIND_LABELS = {
    UnitKind.TINH: "Tỉnh",
    UnitKind.THANH_PHO_TRUC_THUOC_TW: "Thành phố trực thuộc trung ương",
    UnitKind.HUYEN: "Huyện",
    UnitKind.QUAN: "Quận",
    UnitKind.THI_XA: "Thị xã",
    UnitKind.THANH_PHO_THUOC_TINH: "Thành phố thuộc tỉnh",
    UnitKind.XA: "Xã",
    UnitKind.PHUONG: "Phường",
    UnitKind.THI_TRAN: "Thị trấn",
    UnitKind.DAC_KHU: "Đặc khu",
}

KINDS_BY_LEVEL = {
    UnitLevel.PROVINCE: {UnitKind.TINH, UnitKind.THANH_PHO_TRUC_THUOC_TW},
    UnitLevel.DISTRICT: {UnitKind.HUYEN, UnitKind.QUAN, UnitKind.THI_XA, UnitKind.THANH_PHO_THUOC_TINH},
    UnitLevel.COMMUNE: {UnitKind.XA, UnitKind.PHUONG, UnitKind.THI_TRAN, UnitKind.DAC_KHU},
}
CODE_LENGTH_BY_LEVEL = {UnitLevel.PROVINCE: 2, UnitLevel.DISTRICT: 3, UnitLevel.COMMUNE: 5}


class ChangeKind(enum.StrEnum):
    MERGE = "merge"
    SPLIT = "split"
    RENAME = "rename"
    REORGANISE = "reorganise"
    ABOLISH = "abolish"
    ESTABLISH = "establish"


class CorrectedField(enum.StrEnum):
    CODE = "code"
    NAME = "name"


class LinkRole(enum.StrEnum):
    SOURCE = "source"
    RESULT = "result"


class AdministrativeUnit(OpenStartValidityColumns, Entity, Base):
    """An administrative unit over its validity interval. A code may be reused by a successor."""

    __tablename__ = "administrative_unit"

    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[UnitKind] = mapped_column(string_enum(UnitKind, "unit_kind"))
    level: Mapped[UnitLevel] = mapped_column(string_enum(UnitLevel, "unit_level"))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("administrative_unit.id"), index=True)
    province_code: Mapped[str] = mapped_column(String(2))
    search_key: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        valid_interval_check(open_start=True),
        Index(None, "code", "valid_from"),
        Index(None, "province_code", "level", "code", "id"),
    )


class UnitChange(Entity, Base):
    """A reorganisation (merge, split, rename, abolish, establish) on an effective date."""

    __tablename__ = "unit_change"

    kind: Mapped[ChangeKind] = mapped_column(string_enum(ChangeKind, "change_kind"))
    effective_date: Mapped[date] = mapped_column(Date)
    legal_basis: Mapped[str] = mapped_column(String(500))
    province_code: Mapped[str] = mapped_column(String(2))
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index(None, "effective_date", "id"), Index(None, "province_code", "effective_date", "id"))


class UnitChangeLink(Base):
    """One unit's part in a change: a former unit (source) or a resulting one (result)."""

    __tablename__ = "unit_change_link"

    change_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("unit_change.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("administrative_unit.id"), primary_key=True)
    role: Mapped[LinkRole] = mapped_column(string_enum(LinkRole, "link_role"), primary_key=True)

    __table_args__ = (Index(None, "unit_id", "role"),)


class UnitCorrection(Entity, Base):
    """An official value that replaced the reference package's for a unit, from a date, with its source.

    Not a reorganisation: the unit stays the same record (same id, same lineage); only the
    value the package had wrong is replaced.
    """

    __tablename__ = "unit_correction"

    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("administrative_unit.id"), index=True)
    field: Mapped[CorrectedField] = mapped_column(string_enum(CorrectedField, "corrected_field"))
    package_value: Mapped[str] = mapped_column(String(200))
    official_value: Mapped[str] = mapped_column(String(200))
    effective_date: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(500))
    province_code: Mapped[str] = mapped_column(String(2))


unit_table = cast(Table, AdministrativeUnit.__table__)
change_table = cast(Table, UnitChange.__table__)
link_table = cast(Table, UnitChangeLink.__table__)
correction_table = cast(Table, UnitCorrection.__table__)
