"""Training records (bồi dưỡng)."""

from __future__ import annotations

import enum
import uuid
from datetime import date
from decimal import Decimal
from typing import cast

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Table, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.models import Entity, string_enum

from ..agency_ref import AgencyRefColumns
from ..db import Base


class TrainingTopic(enum.StrEnum):
    IT_SKILLS = "it_skills"
    POLITICAL_THEORY = "political_theory"
    STATE_MANAGEMENT = "state_management"
    PROFESSIONAL = "professional"
    FOREIGN_LANGUAGE = "foreign_language"
    OTHER = "other"


class TrainingResult(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    PASSED = "passed"
    FAILED = "failed"


class TrainingRecord(AgencyRefColumns, Entity, Base):
    """A course a person took: topic, dates, hours and result."""

    __tablename__ = "training_record"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("person.id"))
    course: Mapped[str] = mapped_column(String(300))
    topic: Mapped[TrainingTopic] = mapped_column(string_enum(TrainingTopic, "training_topic"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    result: Mapped[TrainingResult] = mapped_column(string_enum(TrainingResult, "training_result"))
    certificate: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        CheckConstraint("end_date IS NULL OR start_date <= end_date", name="dates_ordered"),
        CheckConstraint("hours >= 0", name="hours_not_negative"),
        Index(None, "person_id", "start_date"),
        Index(None, "province_code", "start_date", "id"),
    )


training_table = cast(Table, TrainingRecord.__table__)
