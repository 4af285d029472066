"""Request and response bodies of the people API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from haicap_shared.codes import UnitCode
from haicap_shared.values import SHOWN_NATIONAL_ID_PATTERN, DecimalText, IsoDate, NationalId

from . import national_id
from .models import Category, EducationLevel, PoliticalTheory, Relation, Sex, StateManagement

Coefficient = Annotated[Decimal, Field(ge=0, le=30, max_digits=5, decimal_places=2), DecimalText()]
Percent = Annotated[Decimal, Field(ge=0, le=200, max_digits=5, decimal_places=2), DecimalText()]
RECORD_NUMBER_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z./_-]{0,29}$"
ListCode = Annotated[str, Field(min_length=1, max_length=10, pattern=r"^[0-9A-Za-z.]+$")]
RecordNumber = Annotated[
    str,
    Field(pattern=RECORD_NUMBER_PATTERN, description="Số hiệu hồ sơ: the dossier's number, unique", examples=["CB-04-000123"]),
]


class DatedUnit(BaseModel):
    """An administrative unit as its code on a date: unit codes changed on 2025-07-01, so a code alone is ambiguous."""

    model_config = ConfigDict(extra="forbid")

    unit_code: UnitCode = Field(description="The unit's official code (province, district or commune)", examples=["01273"])
    as_of: IsoDate = Field(description="The date the code refers to", examples=["2024-12-31"])


class Residence(BaseModel):
    """Nơi ở hiện nay: the address as written, and the commune (or province) it lies in, by today's code."""

    model_config = ConfigDict(extra="forbid")

    address: str = Field(min_length=2, max_length=300, examples=["Tổ 5, phường Thục Phán"])
    unit_code: UnitCode | None = Field(None, description="The unit's code today", examples=["01273"])


class _PersonFields(BaseModel):
    full_name: str = Field(min_length=2, max_length=200, examples=["Nông Văn An"])
    category: Category
    birth_date: IsoDate
    sex: Sex
    education_level: EducationLevel
    field_of_study: str | None = Field(None, max_length=200, examples=["Luật"])
    political_theory: PoliticalTheory = PoliticalTheory.NONE
    state_management: StateManagement = StateManagement.NONE
    certificates: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=10, description="IT and language certificates", examples=[["Tin học cơ bản", "B1"]]
    )
    social_insurance_start_date: IsoDate | None = Field(None, description="First month of compulsory social insurance")
    salary_coefficient: Coefficient | None = Field(None, description="Hệ số lương", examples=["4.65"])
    position_allowance: Coefficient | None = Field(None, description="Hệ số phụ cấp chức vụ", examples=["0.60"])
    seniority_percent: Percent | None = Field(None, description="Phụ cấp thâm niên vượt khung, % of the salary coefficient")
    allowance_percent: Percent | None = Field(
        None,
        description="Percentage allowances (công vụ 25%, ưu đãi nghề...), % of salary + position + seniority",
        examples=["25"],
    )


class _DossierFields(BaseModel):
    record_number: RecordNumber | None = None
    birth_place: DatedUnit | None = Field(None, description="Nơi sinh: a unit code and the date it refers to")
    home_town: DatedUnit | None = Field(None, description="Quê quán: a unit code and the date it refers to")
    residence: Residence | None = None


class PersonCreate(_PersonFields, _DossierFields):
    """A person to record; the national id is checked against the birth date and sex, codes against their lists."""

    # NOTE: an unknown field is refused, not dropped: a client still sending `ethnicity`, now `ethnicity_code` learns it
    # instead of losing the value.
    model_config = ConfigDict(extra="forbid")

    ethnicity_code: ListCode | None = Field(None, description="Dân tộc, a code of the `ethnicity` list", examples=["02"])
    religion_code: ListCode | None = Field(None, description="Tôn giáo, a code of the `religion` list")
    national_id: NationalId
    agency_id: uuid.UUID = Field(description="The agency (in org-structure) managing the record")

    @model_validator(mode="after")
    def _national_id(self) -> Self:
        if found := national_id.problems(self.national_id, self.birth_date, self.sex):
            raise ValueError("; ".join(found))
        if self.birth_date >= date.today():
            raise ValueError("birth_date is not in the past")
        return self


class PersonUpdate(BaseModel):
    """Fields to change; omitted fields stay."""

    model_config = ConfigDict(extra="forbid")

    full_name: str | None = Field(None, min_length=2, max_length=200)
    category: Category | None = None
    birth_date: IsoDate | None = None
    sex: Sex | None = None
    ethnicity_code: ListCode | None = Field(None, description="Dân tộc, a code of the `ethnicity` list")
    religion_code: ListCode | None = Field(None, description="Tôn giáo, a code of the `religion` list")
    record_number: RecordNumber | None = None
    birth_place: DatedUnit | None = None
    home_town: DatedUnit | None = None
    residence: Residence | None = None
    national_id: NationalId | None = None
    education_level: EducationLevel | None = None
    field_of_study: str | None = Field(None, max_length=200)
    political_theory: PoliticalTheory | None = None
    state_management: StateManagement | None = None
    certificates: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(None, max_length=10)
    social_insurance_start_date: IsoDate | None = None
    salary_coefficient: Coefficient | None = None
    position_allowance: Coefficient | None = None
    seniority_percent: Percent | None = None
    allowance_percent: Percent | None = None
    agency_id: uuid.UUID | None = None
    left_on: IsoDate | None = Field(None, description="Last day in service (retired, left)")


class Person(_PersonFields, _DossierFields):
    """A person, with the national id masked unless revealed."""

    ethnicity_code: str | None = Field(description="Dân tộc: the code in the `ethnicity` list (QCVN 109:2017/BTTTT)")
    ethnicity_name: str | None = Field(description="Its name in the list")
    religion_code: str | None = Field(description="Tôn giáo: the code in the `religion` list (QCVN 109:2017/BTTTT)")
    religion_name: str | None = Field(description="Its name in the list")
    id: uuid.UUID
    national_id: str = Field(
        pattern=SHOWN_NATIONAL_ID_PATTERN,
        description="Masked (`*********345`) unless `reveal=true` was asked by a role allowed to",
    )
    agency_id: uuid.UUID
    province_code: str
    commune_code: str | None
    agency_level: str
    unit_id: uuid.UUID
    left_on: IsoDate | None
    version: int
    created_at: datetime
    updated_at: datetime


class PersonImportSummary(BaseModel):
    """What an import of people wrote (its event; each person written has their own)."""

    filename: str = Field(description="The file's name (at most 100 characters): the event's id")
    rows: int = Field(description="Data rows read")
    accepted: int = Field(description="Rows without problems")
    rejected: int = Field(description="Rows with problems (not written)")
    written: int = Field(description="People written")
    partial: bool = Field(description="Whether partial import was asked for")
    province_code: str | None = Field(description="The province of every person written; null when they span several")
    commune_code: str | None = Field(description="The commune of every person written; null when not all in one")


@dataclass(frozen=True)
class PersonFilter:
    """What a list of people is narrowed to (within the caller's area)."""

    province: str | None = None
    commune: str | None = None
    agency_id: uuid.UUID | None = None
    category: Category | None = None
    education_level: EducationLevel | None = None
    q: str | None = None


class FamilyMemberCreate(BaseModel):
    """A member of the person's family (mẫu 2C: quan hệ gia đình)."""

    relation: Relation
    full_name: str = Field(min_length=2, max_length=200, examples=["Nông Văn Bình"])
    birth_year: int | None = Field(None, ge=1850, le=2200, examples=[1955])
    occupation: str | None = Field(None, max_length=200, examples=["Nông dân"])
    workplace: str | None = Field(None, max_length=300)
    address: str | None = Field(None, max_length=300, examples=["Xã Quảng Lâm, tỉnh Cao Bằng"])


class FamilyMemberUpdate(BaseModel):
    """Fields to change; omitted fields stay."""

    relation: Relation | None = None
    full_name: str | None = Field(None, min_length=2, max_length=200)
    birth_year: int | None = Field(None, ge=1850, le=2200)
    occupation: str | None = Field(None, max_length=200)
    workplace: str | None = Field(None, max_length=300)
    address: str | None = Field(None, max_length=300)


class FamilyMember(BaseModel):
    """A family member of a person, in the area of the person's record."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: uuid.UUID
    relation: Relation
    full_name: str
    birth_year: int | None
    occupation: str | None
    workplace: str | None
    address: str | None
    agency_id: uuid.UUID
    province_code: str
    commune_code: str | None
    version: int
    created_at: datetime
    updated_at: datetime
