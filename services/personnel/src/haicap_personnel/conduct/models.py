"""Yearly evaluations, commendations and discipline: tables."""

from __future__ import annotations

import enum
import uuid
from datetime import date
from typing import cast

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.models import Entity, string_enum
from haicap_shared.values import FIRST_EVALUATED_YEAR

from ..agency_ref import AgencyRefColumns
from ..db import Base
from ..decisions import DecisionColumns


class Grade(enum.StrEnum):
    """Xếp loại chất lượng (Nghị định 90/2020/NĐ-CP, sửa đổi bởi Nghị định 48/2023/NĐ-CP), best first."""

    EXCELLENT = "excellent"  # hoàn thành xuất sắc nhiệm vụ
    GOOD = "good"  # hoàn thành tốt nhiệm vụ
    COMPLETED = "completed"  # hoàn thành nhiệm vụ
    NOT_COMPLETED = "not_completed"  # không hoàn thành nhiệm vụ


GRADE_TITLES: dict[Grade, str] = {
    Grade.EXCELLENT: "Hoàn thành xuất sắc nhiệm vụ",
    Grade.GOOD: "Hoàn thành tốt nhiệm vụ",
    Grade.COMPLETED: "Hoàn thành nhiệm vụ",
    Grade.NOT_COMPLETED: "Không hoàn thành nhiệm vụ",
}


class Evaluation(AgencyRefColumns, Entity, Base):
    """A person's evaluation and classification for a year: one per person and year."""

    __tablename__ = "evaluation"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("person.id"))
    year: Mapped[int] = mapped_column(Integer)
    grade: Mapped[Grade] = mapped_column(string_enum(Grade, "evaluation_grade"))
    evaluator: Mapped[str] = mapped_column(String(300))
    evaluation_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(1000))

    __table_args__ = (
        UniqueConstraint("person_id", "year"),
        CheckConstraint(f"year >= {FIRST_EVALUATED_YEAR} AND year <= 9999", name="year_range"),
        Index(None, "province_code", "year", "id"),
        # NOTE: the "did not complete their tasks two years running" count reads this index only.
        Index(None, "grade", "year", "person_id"),
    )


class Commendation(DecisionColumns, AgencyRefColumns, Entity, Base):
    """A commendation (khen thưởng) a person received: its form, the decision, the reason."""

    __tablename__ = "commendation"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("person.id"))
    form_code: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index(None, "person_id", "decision_date"),
        Index(None, "province_code", "decision_date", "id"),
    )


class Discipline(DecisionColumns, AgencyRefColumns, Entity, Base):
    """A discipline (kỷ luật): its form, the decision, the day it takes effect and the end of its effect."""

    __tablename__ = "discipline"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("person.id"))
    form_code: Mapped[str] = mapped_column(String(20))
    effective_date: Mapped[date] = mapped_column(Date)
    # NOTE: open for a dismissal (buộc thôi việc, bãi nhiệm): it has no end.
    effect_end_date: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("effect_end_date IS NULL OR effective_date <= effect_end_date", name="effect_ordered"),
        Index(None, "person_id", "effective_date"),
        Index(None, "province_code", "effective_date", "id"),
    )


evaluation_table = cast(Table, Evaluation.__table__)
commendation_table = cast(Table, Commendation.__table__)
discipline_table = cast(Table, Discipline.__table__)
