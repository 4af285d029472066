"""Tables of people (with the dossier's first group of fields), their family members, and their recruitment."""

from __future__ import annotations

import enum
import uuid
from datetime import date
from decimal import Decimal
from typing import cast

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Table, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.models import Entity, string_enum

from ..agency_ref import AgencyRefColumns
from ..db import Base


class Category(enum.StrEnum):
    """Cán bộ, công chức, viên chức, người hoạt động không chuyên trách cấp xã, hợp đồng."""

    CADRE = "cadre"
    CIVIL_SERVANT = "civil_servant"
    PUBLIC_EMPLOYEE = "public_employee"
    NON_SPECIALISED = "non_specialised"
    CONTRACT = "contract"


class Sex(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"


class EducationLevel(enum.StrEnum):
    """Trình độ chuyên môn, lowest first (their order is :data:`EDUCATION_RANK`)."""

    NONE = "none"
    VOCATIONAL = "vocational"
    COLLEGE = "college"
    UNIVERSITY = "university"
    MASTER = "master"
    DOCTORATE = "doctorate"


EDUCATION_RANK = {level: rank for rank, level in enumerate(EducationLevel)}
UNIVERSITY_OR_HIGHER = (EducationLevel.UNIVERSITY, EducationLevel.MASTER, EducationLevel.DOCTORATE)


class PoliticalTheory(enum.StrEnum):
    """Trình độ lý luận chính trị: sơ cấp, trung cấp, cao cấp (cử nhân counted as cao cấp)."""

    NONE = "none"
    ELEMENTARY = "elementary"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class StateManagement(enum.StrEnum):
    """Quản lý nhà nước: chương trình chuyên viên, chuyên viên chính, chuyên viên cao cấp."""

    NONE = "none"
    OFFICER = "officer"
    PRINCIPAL = "principal"
    SENIOR = "senior"


# NOTE: the Vietnamese names accepted in imports (compared without diacritics); the API takes the values.
LABELS: dict[type[enum.StrEnum], dict[str, str]] = {
    Category: {
        "can bo": "cadre",
        "cong chuc": "civil_servant",
        "vien chuc": "public_employee",
        "nguoi hoat dong khong chuyen trach cap xa": "non_specialised",
        "khong chuyen trach": "non_specialised",
        "hop dong": "contract",
    },
    Sex: {"nam": "male", "nu": "female"},
    EducationLevel: {
        "duoi trung cap": "none",
        "trung cap": "vocational",
        "cao dang": "college",
        "dai hoc": "university",
        "thac si": "master",
        "tien si": "doctorate",
    },
    PoliticalTheory: {
        "chua qua dao tao": "none",
        "so cap": "elementary",
        "trung cap": "intermediate",
        "cao cap": "advanced",
        "cu nhan": "advanced",
    },
    StateManagement: {
        "chuyen vien": "officer",
        "chuyen vien chinh": "principal",
        "chuyen vien cao cap": "senior",
    },
}


QUALIFICATION_COLUMNS = ("category", "education_level", "political_theory", "state_management")
"""What the qualification statistics read of a person (from their placements' copies, ``placements.models``)."""
AREA_COLUMNS = ("left_on", "agency_id", "commune_code", "agency_level", "unit_id", "category")
"""What the gap statistics filter and group by, besides the province."""


class Person(AgencyRefColumns, Entity, Base):
    """A cadre, civil servant, public employee or worker; the agency is the one managing the record."""

    __tablename__ = "person"

    category: Mapped[Category] = mapped_column(string_enum(Category, "person_category"))
    full_name: Mapped[str] = mapped_column(String(200))
    search_key: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[Sex] = mapped_column(string_enum(Sex, "person_sex"))
    ethnicity_code: Mapped[str | None] = mapped_column(String(10))
    religion_code: Mapped[str | None] = mapped_column(String(10))
    record_number: Mapped[str | None] = mapped_column(String(30), unique=True)
    # NOTE: a unit code means a unit only on a date (codes changed on 2025-07-01): each code is
    # kept with the date it refers to.
    birth_place_code: Mapped[str | None] = mapped_column(String(5))
    birth_place_as_of: Mapped[date | None] = mapped_column(Date)
    home_town_code: Mapped[str | None] = mapped_column(String(5))
    home_town_as_of: Mapped[date | None] = mapped_column(Date)
    residence_address: Mapped[str | None] = mapped_column(String(300))
    residence_code: Mapped[str | None] = mapped_column(String(5))
    national_id: Mapped[str] = mapped_column(String(12), unique=True)
    education_level: Mapped[EducationLevel] = mapped_column(string_enum(EducationLevel, "person_education"))
    field_of_study: Mapped[str | None] = mapped_column(String(200))
    field_key: Mapped[str | None] = mapped_column(String(200))
    political_theory: Mapped[PoliticalTheory] = mapped_column(string_enum(PoliticalTheory, "person_political_theory"))
    state_management: Mapped[StateManagement] = mapped_column(string_enum(StateManagement, "person_state_management"))
    certificates: Mapped[str | None] = mapped_column(String(1000))
    social_insurance_start_date: Mapped[date | None] = mapped_column(Date)
    salary_coefficient: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    position_allowance: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    seniority_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    allowance_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    left_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        # NOTE: the gap statistics' index (migration 0017): on PostgreSQL it carries the columns
        # they read, so a province's figures are read from the index alone instead of scanning
        # every person (3 M rows; SQLite ignores INCLUDE).
        Index(None, "province_code", "id", postgresql_include=list(AREA_COLUMNS)),
        Index(None, "commune_code", "id"),
        Index(None, "agency_id", "id"),
        CheckConstraint("(birth_place_code IS NULL) = (birth_place_as_of IS NULL)", name="birth_place_dated"),
        CheckConstraint("(home_town_code IS NULL) = (home_town_as_of IS NULL)", name="home_town_dated"),
        CheckConstraint("residence_code IS NULL OR residence_address IS NOT NULL", name="residence_has_address"),
    )


class Relation(enum.StrEnum):
    """Quan hệ gia đình: how a family member is related to the person (mẫu 2C/2025 lists them)."""

    FATHER = "father"
    MOTHER = "mother"
    SPOUSE = "spouse"
    CHILD = "child"
    SIBLING = "sibling"
    FATHER_IN_LAW = "father_in_law"
    MOTHER_IN_LAW = "mother_in_law"
    SIBLING_IN_LAW = "sibling_in_law"
    ADOPTIVE_PARENT = "adoptive_parent"
    OTHER = "other"


class FamilyMember(AgencyRefColumns, Entity, Base):
    """A member of a person's family (quan hệ gia đình), in the area of the person's record when written."""

    __tablename__ = "family_member"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("person.id"))
    relation: Mapped[Relation] = mapped_column(string_enum(Relation, "family_member_relation"))
    full_name: Mapped[str] = mapped_column(String(200))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    occupation: Mapped[str | None] = mapped_column(String(200))
    workplace: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (
        CheckConstraint("birth_year IS NULL OR birth_year BETWEEN 1850 AND 2200", name="birth_year_plausible"),
        Index(None, "person_id", "id"),
    )


class Recruitment(Entity, Base):
    """A former non-specialised commune worker recruited as a civil servant (tiếp nhận vào công chức)."""

    __tablename__ = "recruitment"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("person.id"), index=True)
    from_category: Mapped[Category] = mapped_column(string_enum(Category, "recruitment_from_category"))
    to_category: Mapped[Category] = mapped_column(string_enum(Category, "recruitment_to_category"))
    placement_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("placement.id"))
    effective_date: Mapped[date] = mapped_column(Date)
    decision_number: Mapped[str] = mapped_column(String(100))


person_table = cast(Table, Person.__table__)
family_member_table = cast(Table, FamilyMember.__table__)
recruitment_table = cast(Table, Recruitment.__table__)
