"""Job positions (vị trí việc làm) and the history of their approval."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import cast

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Table, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.models import Entity, UtcDateTime, string_enum

from ..agency_ref import AgencyRefColumns
from ..db import Base
from ..people.models import EducationLevel


class PositionGroup(enum.StrEnum):
    """Nhóm vị trí việc làm: lãnh đạo, quản lý; chuyên môn, nghiệp vụ; hỗ trợ, phục vụ."""

    LEADERSHIP = "leadership"
    PROFESSIONAL = "professional"
    SUPPORT = "support"


class PositionStatus(enum.StrEnum):
    DRAFTING = "drafting"
    SUBMITTED = "submitted"
    APPRAISED = "appraised"
    APPROVED = "approved"
    RETURNED = "returned"


class JobPosition(AgencyRefColumns, Entity, Base):
    """A position of an agency with what it requires, and where it stands in its approval."""

    __tablename__ = "job_position"

    title: Mapped[str] = mapped_column(String(300))
    search_key: Mapped[str] = mapped_column(String(300))
    group: Mapped[PositionGroup] = mapped_column(string_enum(PositionGroup, "position_group"))
    # NOTE: a civil-service grade or a professional title (codelists), with its name when it was set.
    grade_code: Mapped[str | None] = mapped_column(String(30))
    grade_name: Mapped[str | None] = mapped_column(String(300))
    required_education: Mapped[EducationLevel] = mapped_column(string_enum(EducationLevel, "position_required_education"))
    required_fields: Mapped[list[str]] = mapped_column(JSON)
    posts: Mapped[int] = mapped_column(Integer)
    status: Mapped[PositionStatus] = mapped_column(string_enum(PositionStatus, "position_status"))
    returned_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("posts >= 1", name="posts_positive"),
        Index(None, "province_code", "title", "id"),
        Index(None, "agency_id", "title", "id"),
    )


class PositionEvent(Base):
    """One step of a position's approval: who moved it from which status to which, and why."""

    __tablename__ = "position_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    position_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("job_position.id"))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[PositionStatus] = mapped_column(string_enum(PositionStatus, "position_event_from"))
    to_status: Mapped[PositionStatus] = mapped_column(string_enum(PositionStatus, "position_event_to"))
    reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index(None, "position_id", "id"),)


position_table = cast(Table, JobPosition.__table__)
position_event_table = cast(Table, PositionEvent.__table__)
