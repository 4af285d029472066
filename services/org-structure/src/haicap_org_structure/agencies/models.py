"""Tables of agencies and their function decisions."""

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


class AgencyKind(enum.StrEnum):
    """What an agency is; the Vietnamese name is in :data:`KIND_LABELS`."""

    PROVINCIAL_DEPARTMENT = "provincial_department"
    PROVINCIAL_OFFICE = "provincial_office"
    COMMUNE_OFFICE = "commune_office"
    COMMUNE_ECONOMIC_OFFICE = "commune_economic_office"
    COMMUNE_ECONOMIC_URBAN_OFFICE = "commune_economic_urban_office"
    COMMUNE_CULTURE_SOCIAL_OFFICE = "commune_culture_social_office"
    COMMUNE_SERVICE_CENTRE = "commune_service_centre"
    PUBLIC_SERVICE_UNIT = "public_service_unit"
    DISTRICT_OFFICE = "district_office"


KIND_LABELS = {
    AgencyKind.PROVINCIAL_DEPARTMENT: "Sở và tương đương",
    AgencyKind.PROVINCIAL_OFFICE: "Văn phòng UBND tỉnh, Thanh tra tỉnh và tương đương",
    AgencyKind.COMMUNE_OFFICE: "Văn phòng HĐND và UBND",
    AgencyKind.COMMUNE_ECONOMIC_OFFICE: "Phòng Kinh tế",
    AgencyKind.COMMUNE_ECONOMIC_URBAN_OFFICE: "Phòng Kinh tế - Hạ tầng - Đô thị",
    AgencyKind.COMMUNE_CULTURE_SOCIAL_OFFICE: "Phòng Văn hóa - Xã hội",
    AgencyKind.COMMUNE_SERVICE_CENTRE: "Trung tâm Phục vụ hành chính công",
    AgencyKind.PUBLIC_SERVICE_UNIT: "Đơn vị sự nghiệp công lập",
    AgencyKind.DISTRICT_OFFICE: "Cơ quan chuyên môn cấp huyện (trước 01/07/2025)",
}

LEVEL_OF_KIND = {
    AgencyKind.PROVINCIAL_DEPARTMENT: {UnitLevel.PROVINCE},
    AgencyKind.PROVINCIAL_OFFICE: {UnitLevel.PROVINCE},
    AgencyKind.COMMUNE_OFFICE: {UnitLevel.COMMUNE},
    AgencyKind.COMMUNE_ECONOMIC_OFFICE: {UnitLevel.COMMUNE},
    AgencyKind.COMMUNE_ECONOMIC_URBAN_OFFICE: {UnitLevel.COMMUNE},
    AgencyKind.COMMUNE_CULTURE_SOCIAL_OFFICE: {UnitLevel.COMMUNE},
    AgencyKind.COMMUNE_SERVICE_CENTRE: {UnitLevel.COMMUNE},
    AgencyKind.PUBLIC_SERVICE_UNIT: {UnitLevel.PROVINCE, UnitLevel.COMMUNE, UnitLevel.DISTRICT},
    AgencyKind.DISTRICT_OFFICE: {UnitLevel.DISTRICT},
}

# NOTE: the organisations whose functions, duties and powers a decision must define: the
# provincial agencies and the commune offices and centres (the 14 and the 224 of Cao Bằng).
REQUIRES_DECISION = frozenset(
    {
        AgencyKind.PROVINCIAL_DEPARTMENT,
        AgencyKind.PROVINCIAL_OFFICE,
        AgencyKind.COMMUNE_OFFICE,
        AgencyKind.COMMUNE_ECONOMIC_OFFICE,
        AgencyKind.COMMUNE_ECONOMIC_URBAN_OFFICE,
        AgencyKind.COMMUNE_CULTURE_SOCIAL_OFFICE,
        AgencyKind.COMMUNE_SERVICE_CENTRE,
    }
)


class DecisionStatus(enum.StrEnum):
    DRAFTING = "drafting"
    ISSUED = "issued"
    SUPERSEDED = "superseded"


ELECTRONIC_ID_CODE_LENGTH = 13
"""``000.00.00.H14``: levels 4, 3 and 2 (3, 2 and 2 digits) and level 1 (a letter and 2 digits), dot-separated."""


class Agency(OpenStartValidityColumns, Entity, Base):
    """An agency or organisation of a unit, over its validity interval."""

    __tablename__ = "agency"

    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[AgencyKind] = mapped_column(string_enum(AgencyKind, "agency_kind"))
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("administrative_unit.id"))
    level: Mapped[UnitLevel] = mapped_column(string_enum(UnitLevel, "agency_level"))
    province_code: Mapped[str] = mapped_column(String(2))
    commune_code: Mapped[str | None] = mapped_column(String(5))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("agency.id"))
    search_key: Mapped[str] = mapped_column(String(300))
    # NOTE: mã định danh điện tử (Decision 20/2020/QĐ-TTg); unique among agencies valid on a shared
    # day: the service checks it, and on PostgreSQL an exclusion constraint (migration 0007) too.
    electronic_id_code: Mapped[str | None] = mapped_column(String(ELECTRONIC_ID_CODE_LENGTH))

    __table_args__ = (
        valid_interval_check(open_start=True),
        Index(None, "province_code", "level", "name", "id"),
        Index(None, "electronic_id_code"),
        Index(None, "unit_id"),
        Index(None, "commune_code"),
        Index(None, "parent_id"),
    )


class FunctionDecision(Entity, Base):
    """A decision defining an agency's functions, duties, powers and structure."""

    __tablename__ = "function_decision"

    agency_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("agency.id"))
    number: Mapped[str] = mapped_column(String(100))
    signed_on: Mapped[date | None] = mapped_column(Date)
    issuer: Mapped[str] = mapped_column(String(300))
    status: Mapped[DecisionStatus] = mapped_column(string_enum(DecisionStatus, "decision_status"))
    issued_on: Mapped[date | None] = mapped_column(Date)
    superseded_on: Mapped[date | None] = mapped_column(Date)
    document_url: Mapped[str | None] = mapped_column(String(1000))
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index(None, "agency_id", "status"),)


agency_table = cast(Table, Agency.__table__)
decision_table = cast(Table, FunctionDecision.__table__)
