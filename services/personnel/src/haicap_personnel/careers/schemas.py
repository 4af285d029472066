"""Request and response bodies of the career events API, and of a person's history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from haicap_shared.values import DecimalString, DecimalText, IsoDate

from ..decisions import Decision, HistoryEntry
from .models import CareerEventType

Code = Annotated[str, Field(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9._-]+$", examples=["01.003"])]
SalaryStep = Annotated[int, Field(ge=1, le=20, description="Bậc lương (1 to 20)")]
Coefficient = Annotated[Decimal, Field(gt=0, le=20, decimal_places=2), DecimalText()]
Note = Annotated[str, Field(max_length=2000)]

WITH_END = frozenset(
    {CareerEventType.APPOINTMENT, CareerEventType.REAPPOINTMENT, CareerEventType.ROTATION, CareerEventType.SECONDMENT}
)
"""The types that may have a last day: an appointment's term, a rotation's or a secondment's end."""
NEEDS_END = frozenset({CareerEventType.SECONDMENT})
"""Biệt phái is for a set time (Luật Cán bộ, công chức; Luật Viên chức, Điều 36): its last day is required."""
NEEDS_TO_AGENCY = frozenset({CareerEventType.TRANSFER, CareerEventType.ROTATION, CareerEventType.SECONDMENT})
NEEDS_POSITION = frozenset({CareerEventType.APPOINTMENT, CareerEventType.REAPPOINTMENT})
NEEDS_GRADE = frozenset({CareerEventType.GRADE_CHANGE})
NEEDS_STEP = frozenset({CareerEventType.SALARY_STEP_CHANGE})
WITH_AGENCIES = NEEDS_TO_AGENCY | {CareerEventType.RECRUITMENT, CareerEventType.ELECTION, CareerEventType.APPOINTMENT}
WITH_POSITION = NEEDS_POSITION | {CareerEventType.ELECTION, CareerEventType.ROTATION, CareerEventType.TRANSFER}
WITH_GRADE = NEEDS_GRADE | {CareerEventType.RECRUITMENT}
WITH_STEP = NEEDS_STEP | {CareerEventType.GRADE_CHANGE, CareerEventType.RECRUITMENT}


def type_problems(values: dict[str, Any]) -> list[str]:
    """What the event's type requires or refuses of its other fields (the API's and the import's rule)."""
    kind = CareerEventType(values["type"])
    problems: list[str] = []
    needs = (
        (NEEDS_TO_AGENCY, "to_agency_id", "the agency the person goes to"),
        (NEEDS_POSITION, "position_code", "the leadership position's code"),
        (NEEDS_GRADE, "grade_code", "the new grade's or title's code"),
        (NEEDS_STEP, "salary_step", "the new salary step"),
        (NEEDS_END, "end_date", "its last day"),
    )
    for types, name, what in needs:
        if kind in types and values.get(name) is None:
            problems.append(f"a {kind.value} needs {name} ({what})")
    allowed = (
        (WITH_END, ("end_date",)),
        (WITH_AGENCIES, ("from_agency_id", "to_agency_id")),
        (WITH_POSITION, ("position_code",)),
        (WITH_GRADE, ("grade_code",)),
        (WITH_STEP, ("salary_step", "salary_coefficient")),
    )
    for types, names in allowed:
        for name in names:
            if kind not in types and values.get(name) is not None:
                problems.append(f"a {kind.value} has no {name}")
    end, start = values.get("end_date"), values.get("effective_date")
    if end is not None and start is not None and end < start:
        problems.append("end_date is before effective_date")
    return problems


def _no_nul(value: Any) -> Any:
    """Refuse a NUL character anywhere in the body's text (no database stores one in text)."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text may not contain a NUL character")
    if isinstance(value, dict):
        for item in value.values():
            _no_nul(item)
    return value


class _Text(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _without_nul(cls, data: Any) -> Any:
        return _no_nul(data)


class CareerEventFields(_Text):
    """What a career event says besides its person and type."""

    effective_date: IsoDate = Field(description="The day it takes effect")
    end_date: IsoDate | None = Field(None, description="Last day: an appointment's term, a rotation's or a secondment's end")
    decision: Decision
    from_agency_id: uuid.UUID | None = Field(None, description="The agency the person leaves (default: their agency)")
    to_agency_id: uuid.UUID | None = Field(None, description="The agency the person goes to (a transfer, rotation, secondment)")
    position_code: Code | None = Field(None, description="Leadership position (code list `leadership-position`)")
    grade_code: Code | None = Field(
        None, description="Grade or professional title (code lists `civil-service-grade`, `professional-title`)"
    )
    salary_step: SalaryStep | None = None
    salary_coefficient: Coefficient | None = Field(None, examples=["3.33"])
    note: Note | None = None


class CareerEventCreate(CareerEventFields):
    """A career event of a person of your area, with the decision that made it."""

    person_id: uuid.UUID
    type: CareerEventType

    @model_validator(mode="after")
    def _fits_its_type(self) -> Self:
        if problems := type_problems(self.model_dump()):
            raise ValueError("; ".join(problems))
        return self


class CareerEventUpdate(_Text):
    """The fields to change (the person and the type stay); the event is checked again as a whole."""

    effective_date: IsoDate | None = None
    end_date: IsoDate | None = None
    decision: Decision | None = None
    from_agency_id: uuid.UUID | None = None
    to_agency_id: uuid.UUID | None = None
    position_code: Code | None = None
    grade_code: Code | None = None
    salary_step: SalaryStep | None = None
    salary_coefficient: Coefficient | None = None
    note: Note | None = None


class DocumentInfo(BaseModel):
    """The file attached to an event: its SHA-256 (also its download's ETag), size and type."""

    sha256: str = Field(examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"])
    size: int
    content_type: str


class CareerEvent(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: uuid.UUID
    type: CareerEventType
    effective_date: IsoDate
    end_date: IsoDate | None
    decision: Decision
    from_agency_id: uuid.UUID | None
    to_agency_id: uuid.UUID | None
    position_code: str | None
    grade_code: str | None
    salary_step: int | None
    salary_coefficient: DecimalString | None
    note: str | None
    document: DocumentInfo | None = Field(description="The attached decision (PDF), if any")
    agency_id: uuid.UUID
    province_code: str
    commune_code: str | None
    version: int
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _from_row(cls, data: Any) -> Any:
        """A row (or an audited snapshot) has the decision's and the document's columns flat."""
        values = dict(data) if isinstance(data, dict) else {k: getattr(data, k) for k in _ROW_FIELDS if hasattr(data, k)}
        if "decision" not in values and "decision_number" in values:
            values["decision"] = {
                "number": values.get("decision_number"),
                "date": values.get("decision_date"),
                "signer": values.get("decision_signer"),
                "issuer": values.get("decision_issuer"),
            }
        if "document" not in values:
            sha = values.get("document_sha256")
            values["document"] = (
                None
                if sha is None
                else {"sha256": sha, "size": values.get("document_size"), "content_type": values.get("document_content_type")}
            )
        return values


_ROW_FIELDS = (
    *(name for name in CareerEvent.model_fields if name not in {"decision", "document"}),
    "decision_number",
    "decision_date",
    "decision_signer",
    "decision_issuer",
    "document_sha256",
    "document_size",
    "document_content_type",
)


class PersonHistory(BaseModel):
    """A person's career events, evaluations, commendations and disciplines, one ordered list."""

    person_id: uuid.UUID
    entries: list[HistoryEntry]


class CareerEventImportSummary(BaseModel):
    """What an import of career events did (its event; each event it wrote has its own)."""

    filename: str
    rows: int
    accepted: int
    rejected: int
    written: int
    partial: bool
    province_code: str | None = Field(description="The province of every event written; null when they span several")
    commune_code: str | None = Field(description="The commune of every event written; null when not all in one")


@dataclass(frozen=True)
class CareerEventFilter:
    """What a list of career events is narrowed to (within the caller's area)."""

    person_id: uuid.UUID | None = None
    type: CareerEventType | None = None
    province: str | None = None
    commune: str | None = None
    effective_from: date | None = None
    effective_to: date | None = None
