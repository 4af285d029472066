"""Staffing quotas (biên chế) per agency and year."""

from __future__ import annotations

from typing import cast

from sqlalchemy import CheckConstraint, Index, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from haicap_shared.models import Entity

from ..agency_ref import AgencyRefColumns
from ..db import Base


class StaffingQuota(AgencyRefColumns, Entity, Base):
    """How many posts an agency may fill in a year."""

    __tablename__ = "staffing_quota"

    year: Mapped[int] = mapped_column(Integer)
    posts: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(1000))

    __table_args__ = (
        UniqueConstraint("agency_id", "year"),
        CheckConstraint("posts >= 0", name="posts_not_negative"),
        Index(None, "unit_id", "year"),
        Index(None, "province_code", "year", "id"),
    )


quota_table = cast(Table, StaffingQuota.__table__)
