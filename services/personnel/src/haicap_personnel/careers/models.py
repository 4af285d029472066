"""Career events (quá trình công tác) with their decisions, and the documents attached to them."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import cast

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Numeric, SmallInteger, String, Table, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.models import Entity, UtcDateTime, string_enum, utcnow

from ..agency_ref import AgencyRefColumns
from ..db import Base
from ..decisions import DecisionColumns


class CareerEventType(enum.StrEnum):
    """What happened to the person's career (Luật Cán bộ, công chức; Luật Viên chức)."""

    RECRUITMENT = "recruitment"  # tuyển dụng
    ELECTION = "election"  # bầu cử
    APPOINTMENT = "appointment"  # bổ nhiệm
    REAPPOINTMENT = "reappointment"  # bổ nhiệm lại
    TRANSFER = "transfer"  # điều động
    ROTATION = "rotation"  # luân chuyển
    SECONDMENT = "secondment"  # biệt phái
    GRADE_CHANGE = "grade_change"  # chuyển ngạch / thay đổi chức danh nghề nghiệp
    SALARY_STEP_CHANGE = "salary_step_change"  # nâng bậc lương
    RESIGNATION = "resignation"  # thôi việc
    RETIREMENT = "retirement"  # nghỉ hưu
    DISMISSAL = "dismissal"  # buộc thôi việc / bãi nhiệm


class Document(Base):
    """A stored file (a decision's scan), addressed by its SHA-256: the same file is stored once."""

    __tablename__ = "document"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)


class CareerEvent(AgencyRefColumns, DecisionColumns, Entity, Base):
    """One step of a person's career, with the decision that made it; in the area of the person's agency then."""

    __tablename__ = "career_event"

    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("person.id"))
    type: Mapped[CareerEventType] = mapped_column(string_enum(CareerEventType, "career_event_type"))
    effective_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    from_agency_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    to_agency_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    position_code: Mapped[str | None] = mapped_column(String(30))
    grade_code: Mapped[str | None] = mapped_column(String(30))
    salary_step: Mapped[int | None] = mapped_column(SmallInteger)
    salary_coefficient: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    note: Mapped[str | None] = mapped_column(String(2000))
    document_sha256: Mapped[str | None] = mapped_column(String(64), ForeignKey("document.sha256"))

    __table_args__ = (
        CheckConstraint("end_date IS NULL OR effective_date <= end_date", name="dates_ordered"),
        CheckConstraint("salary_step IS NULL OR salary_step > 0", name="salary_step_positive"),
        CheckConstraint("salary_coefficient IS NULL OR salary_coefficient > 0", name="salary_coefficient_positive"),
        # NOTE: a person's history is one range scan of this index, however many events there are.
        Index(None, "person_id", "effective_date"),
        Index(None, "province_code", "effective_date", "id"),
        Index(None, "commune_code", "effective_date", "id"),
        Index(None, "document_sha256"),
    )


career_event_table = cast(Table, CareerEvent.__table__)
document_table = cast(Table, Document.__table__)
